package replicas_test

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// filed reads the request's number off the requester's reply.
var filed = regexp.MustCompile(`已提交申请 #(\d+)`)

// BenchmarkApprovals: whole approvals through the routers — a renewal requested, its preview
// priced by BSS, approved by another person, run against the sandbox and finished: four
// transitions, each with its audit and notices — by one person, and by eight at once, each on
// a resource of their own. "etcd/2-replicas" spreads them over two replicas, each a router over its own
// etcd store on its own member of a three-member cluster; "bbolt/1-replica" is one process on
// bbolt (fsync'd), the single-machine default. The sandbox's BSS calls are in both.
func BenchmarkApprovals(b *testing.B) {
	for _, setup := range []struct {
		name    string
		routers func(b *testing.B, w *world) []*commands.Router
	}{
		{"bbolt/1-replica", func(b *testing.B, w *world) []*commands.Router {
			st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{Now: w.clock.Now})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = st.Close() })
			r := w.addReplica(-1, replicaOptions{})
			return []*commands.Router{commands.New(r.bss, st, r.opts)}
		}},
		{"etcd/2-replicas", func(b *testing.B, w *world) []*commands.Router {
			w.etcd = etcdtest.Start(b, 3)
			return []*commands.Router{w.addReplica(0, replicaOptions{}).router, w.addReplica(1, replicaOptions{}).router}
		}},
	} {
		for _, people := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/people=%d", setup.name, people), func(b *testing.B) {
				w := &world{t: b, clock: fakeclock.New(bsstest.TestTime)}
				w.srv = bsstest.NewTestServer(b, bsstest.Options{Now: w.clock.Now})
				res := w.mainResources(people)
				routers := setup.routers(b, w)
				ctx := context.Background()
				var next atomic.Int64
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for g := range people {
					wg.Go(func() {
						r := routers[g%len(routers)]
						for next.Add(1) <= int64(b.N) {
							rep, _ := r.Handle(ctx, chat.Request{Platform: "slack", UserID: "UALICE", Channel: teamChannel,
								Text: "/renew " + res[g].ResourceID + " 1m"})
							m := filed.FindStringSubmatch(rep.Text)
							if rep.Error || m == nil {
								b.Errorf("request refused:\n%s", flatten(rep))
								return
							}
							id, _ := strconv.ParseUint(m[1], 10, 64)
							rep, _ = r.Handle(ctx, chat.Request{Platform: "slack", UserID: "UBOB", Channel: approvalsChannel,
								Text: fmt.Sprintf("/approve %d", id)})
							if rep.Error {
								b.Errorf("approval of #%d failed:\n%s", id, flatten(rep))
								return
							}
						}
					})
				}
				wg.Wait()
				b.ReportMetric(float64(4*b.N)/time.Since(start).Seconds(), "transitions/s")
			})
		}
	}
}
