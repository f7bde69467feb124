package alerts_test

import (
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/store"
)

// BenchmarkAnswersFromTheIndex answers /expiring 7 and /arrears for 10,000 customers and
// 200,000 resources (the fake in a child process, expiries spread over a year, no latency and
// no rate limit) from the expiry index and the balance cache that one expiry and one arrears
// scan filled, and checks each answer against a live one. It reports the time of each index
// answer and, measured once, of the live ones with their BSS calls and what those calls take at
// BSS's 10 calls a second per API.
func BenchmarkAnswersFromTheIndex(b *testing.B) {
	const (
		customers = 10_000
		resources = 200_000
		bssRate   = 10.0 // BSS's flow control per API, calls a second
	)
	url := bsstest.StartChild(b, bsstest.ChildSpec{Customers: customers, Resources: resources, Spread: true})
	counter := &benchutil.Counting{Next: &http.Transport{MaxIdleConnsPerHost: 64}}
	client, err := bss.New(bss.Config{Endpoint: url, IAMEndpoint: url, Credentials: bsstest.SandboxCredentials,
		RatePerSecond: 100_000, OperationRate: 100_000, Burst: 100, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	for _, kind := range []string{alerts.KindExpiry, alerts.KindArrears} {
		if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: kind, Scope: "*",
			CreatedBy: store.Actor{Platform: "system", UserID: "bench"}}); err != nil {
			b.Fatal(err)
		}
	}
	router := commands.New(client, st, commands.Options{LiveMaxCustomers: customers, Concurrency: 32,
		ExpiryIndex:    alerts.NewIndex(client, st, nil),
		CommandTimeout: 10 * time.Minute, Roles: map[string]chat.Role{"console:alice": chat.RoleOperator}})
	say := func(text string) (chat.Reply, time.Duration, int64) {
		counter.Reset()
		start := time.Now()
		rep, _ := router.Handle(ctx, chat.Request{Platform: "console", UserID: "alice", Channel: "console", Text: text})
		took := time.Since(start)
		if rep.Error || rep.Table == nil {
			b.Fatalf("%s: %+v", text, rep)
		}
		return rep, took, counter.Count()
	}

	// Live, before any scan: /arrears reads BSS (no cache yet), /expiring --live too.
	liveArrears, arrearsLive, arrearsCalls := say("/arrears")
	sc := alerts.New(client, st, alerts.Options{Concurrency: 32, Delta: true})
	for _, kind := range []string{alerts.KindExpiry, alerts.KindArrears} {
		if sum, err := sc.Scan(ctx, kind); err != nil || len(sum.Failed) != 0 {
			b.Fatalf("%s scan: %+v, %v", kind, sum, err)
		}
	}
	liveExpiring, expiringLive, expiringCalls := say("/expiring 7 --live")

	var expiringIdx, arrearsIdx time.Duration
	b.ResetTimer()
	for b.Loop() {
		rep, took, calls := say("/expiring 7")
		if calls != 0 || !reflect.DeepEqual(rep.Table.Rows, liveExpiring.Table.Rows) || rep.Footer != liveExpiring.Footer {
			b.Fatalf("/expiring 7 from the index (%d BSS calls) differs from live:\n%v %s\n%v %s", calls, rep.Table.Rows, rep.Footer, liveExpiring.Table.Rows, liveExpiring.Footer)
		}
		expiringIdx += took
		rep, took, calls = say("/arrears")
		if calls != 0 || !reflect.DeepEqual(rep.Table.Rows, liveArrears.Table.Rows) || rep.Footer != liveArrears.Footer {
			b.Fatalf("/arrears from the cache (%d BSS calls) differs from live:\n%v %s\n%v %s", calls, rep.Table.Rows, rep.Footer, liveArrears.Table.Rows, liveArrears.Footer)
		}
		arrearsIdx += took
	}
	b.StopTimer()
	n := float64(b.N)
	b.ReportMetric(expiringIdx.Seconds()*1000/n, "expiring-index-ms")
	b.ReportMetric(arrearsIdx.Seconds()*1000/n, "arrears-cache-ms")
	b.ReportMetric(expiringLive.Seconds(), "expiring-live-s")
	b.ReportMetric(float64(expiringCalls), "expiring-live-calls")
	b.ReportMetric(float64(expiringCalls)/bssRate, "expiring-live-at-bss-rate-s")
	b.ReportMetric(arrearsLive.Seconds()*1000, "arrears-live-ms")
	b.ReportMetric(float64(arrearsCalls), "arrears-live-calls")
	b.ReportMetric(float64(arrearsCalls)/bssRate, "arrears-live-at-bss-rate-s")
}
