package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// BenchmarkMigrate: partnerbot migrate, the command as an operator runs it, on a store whose
// expiry index holds 10,000 customers and 200,000 resources (half of them main resources, so
// 100,000 expiry_by_time keys): from the bbolt file into an empty etcd prefix, and from etcd
// into a new bbolt file, each verified record by record (etcd: etcdtest's one member in
// process, without fsync).
func BenchmarkMigrate(b *testing.B) {
	const customers, perCustomer = 10_000, 20
	ctx := context.Background()
	t0 := storetest.Epoch
	dir := b.TempDir()
	src := filepath.Join(dir, "src.db")
	st, err := store.Open(src, store.Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	for from := 0; from < customers; from += 500 {
		var u store.ExpiryIndexUpdate
		for i := from; i < from+500; i++ {
			id := fmt.Sprintf("cust-%05d", i)
			c := store.IndexedCustomer{ID: id, Name: "客户 " + id, Account: "acct" + id, Refreshed: t0}
			for j := 0; j < perCustomer; j += 2 {
				exp := t0.Add(time.Duration((i+j)%365+1) * 24 * time.Hour)
				main := fmt.Sprintf("%s-ecs-%02d", id, j)
				c.Resources = append(c.Resources,
					store.IndexedResource{ID: main, Main: true, Status: 2, Expiry: exp, Policy: 3, Confirmed: t0, Desc: "web · s6.large.2"},
					store.IndexedResource{ID: main + "-evs", Parent: main, Status: 2, Expiry: exp, Confirmed: t0})
			}
			u.Put = append(u.Put, c)
		}
		if err := st.CommitExpiryIndex(ctx, u); err != nil {
			b.Fatal(err)
		}
	}
	sum, err := store.Summarize(ctx, st)
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Close(); err != nil {
		b.Fatal(err)
	}
	c := etcdtest.Start(b, 1)
	config := func(prefix string) string {
		text := strings.NewReplacer("  backend: bbolt", "  backend: etcd",
			"    endpoints: []", "    endpoints: ["+strings.Join(c.Endpoints(), ", ")+"]",
			"    prefix: /partnerbot/", "    prefix: "+prefix).Replace(string(Example))
		path := filepath.Join(dir, strings.Trim(prefix, "/")+".yaml")
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	run := func(b *testing.B, args ...string) {
		b.Helper()
		var stderr strings.Builder
		if code := Run(ctx, args, strings.NewReader(""), io.Discard, &stderr); code != exitOK {
			b.Fatalf("%q: exit %d\n%s", args, code, stderr.String())
		}
	}
	report := func(b *testing.B) {
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/migrate")
		b.ReportMetric(float64(sum.Records*b.N)/b.Elapsed().Seconds(), "records/s")
		b.ReportMetric(float64(sum.Bytes)/(1<<20), "MiB")
	}
	n := 0 // copies made, each into a prefix and a file of its own (-count runs these again)
	b.Run("bbolt-to-etcd", func(b *testing.B) {
		for range b.N {
			n++
			run(b, "migrate", "-config", config(fmt.Sprintf("/bench-%d/", n)), "--from", "bbolt:"+src, "--to", "etcd")
		}
		report(b)
	})
	b.Run("etcd-to-bbolt", func(b *testing.B) {
		cfg := config("/bench-1/")
		for range b.N {
			n++
			run(b, "migrate", "-config", cfg, "--from", "etcd", "--to", "bbolt:"+filepath.Join(dir, fmt.Sprintf("copy-%d.db", n)))
		}
		report(b)
	})
}
