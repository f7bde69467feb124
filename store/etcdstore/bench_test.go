package etcdstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// backends opens each backend at the suite's clock: bbolt in a temporary file (fsync'd), etcd
// in etcdtest's single member (in process, no fsync: an upper bound of what a real cluster
// does, whose every commit waits for a disk and a network round trip).
func backends(b *testing.B) map[string]func(b *testing.B, prefix string) store.Backend {
	var c *etcdtest.Cluster
	clk := fakeclock.New(storetest.Epoch)
	return map[string]func(b *testing.B, prefix string) store.Backend{
		"bbolt": func(b *testing.B, _ string) store.Backend {
			s, err := store.Open(b.TempDir()+"/bench.db", store.Options{Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = s.Close() })
			return s
		},
		"etcd": func(b *testing.B, prefix string) store.Backend {
			if c == nil {
				c = etcdtest.Start(b, 1)
			}
			s, err := etcdstore.Open(context.Background(), c.Client(b), etcdstore.Options{Prefix: prefix, Now: clk.Now})
			if err != nil {
				b.Fatal(err)
			}
			return s
		},
	}
}

// BenchmarkApprovalTransitions: requests walked through their life (request, approve, execute,
// finish: four transitions, each with its audit entry and a notice), by one goroutine and by
// eight at once on different requests (on etcd the eight contend for the id counters and
// retry).
func BenchmarkApprovalTransitions(b *testing.B) {
	notice := func(a store.Approval) []store.Notice {
		return []store.Notice{{Platform: "slack", Channel: "C-ops", Kind: "approval", Body: []byte(`"x"`)}}
	}
	for _, name := range []string{"bbolt", "etcd"} {
		for _, workers := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/workers=%d", name, workers), func(b *testing.B) {
				s := backends(b)[name](b, fmt.Sprintf("/bench/%s/%d/", b.Name(), b.N))
				ctx := context.Background()
				by := store.Actor{Platform: "slack", UserID: "UAPP"}
				var next sync.Mutex
				n := 0
				b.ResetTimer()
				start := time.Now()
				var wg sync.WaitGroup
				for range workers {
					wg.Go(func() {
						for {
							next.Lock()
							i := n
							n++
							next.Unlock()
							if i >= b.N {
								return
							}
							a, err := s.CreateApproval(ctx, store.Approval{Action: "renew", CustomerID: "cust-7", Subjects: []string{fmt.Sprintf("r-%d", i)},
								Needed: 1, Requester: store.Actor{Platform: "slack", UserID: "UREQ"}, ExpiresAt: storetest.Epoch.Add(time.Hour)}, notice)
							if err == nil {
								_, err = s.Approve(ctx, a.ID, by, notice)
							}
							if err == nil {
								_, err = s.BeginExecution(ctx, a.ID, by, notice)
							}
							if err == nil {
								_, err = s.FinishExecution(ctx, a.ID, store.ApprovalResult{OK: true}, notice)
							}
							if err != nil {
								b.Error(err)
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

// BenchmarkCommitExpiryIndex: a delta scan's batch of 2,000 customers (a main and an attached
// resource each) committed to the expiry index, first written then replaced: what a scan's
// commit costs.
func BenchmarkCommitExpiryIndex(b *testing.B) {
	const customers = 2000
	t0 := storetest.Epoch
	batch := func(shift time.Duration) store.ExpiryIndexUpdate {
		var u store.ExpiryIndexUpdate
		for i := range customers {
			id := fmt.Sprintf("cust-%05d", i)
			exp := t0.Add(time.Duration(i%30+1)*24*time.Hour + shift)
			u.Put = append(u.Put, store.IndexedCustomer{ID: id, Name: "客户 " + id, Refreshed: t0.Add(shift), Resources: []store.IndexedResource{
				{ID: id + "-ecs", Main: true, Status: 2, Expiry: exp, Confirmed: t0, Desc: "web · s6.large.2"},
				{ID: id + "-evs", Parent: id + "-ecs", Status: 2, Expiry: exp, Confirmed: t0}}})
		}
		return u
	}
	for _, name := range []string{"bbolt", "etcd"} {
		b.Run(name, func(b *testing.B) {
			s := backends(b)[name](b, fmt.Sprintf("/bench/%s/%d/", b.Name(), b.N))
			ctx := context.Background()
			b.ResetTimer()
			for i := range b.N {
				if err := s.CommitExpiryIndex(ctx, batch(time.Duration(i)*time.Hour)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/commit")
			b.ReportMetric(float64(customers*b.N)/b.Elapsed().Seconds(), "customers/s")
		})
	}
}

// BenchmarkForecastStore: the stored forecast of 10,000 customers (3.4 MiB of JSON) written
// and read back whole, as the daily scan writes it and /forecast and the alerts read it: one
// record on bbolt, four chunks and a switch on etcd.
func BenchmarkForecastStore(b *testing.B) {
	body := storetest.ForecastBody(10000, "bench")
	for _, name := range []string{"bbolt", "etcd"} {
		b.Run(name+"/put", func(b *testing.B) {
			s := backends(b)[name](b, fmt.Sprintf("/bench/%s/%d/", b.Name(), b.N))
			ctx := context.Background()
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for i := range b.N {
				f := store.StoredForecast{At: storetest.Epoch.Add(time.Duration(i) * time.Hour), Customers: 10000, Body: body}
				if err := s.PutForecast(ctx, f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/put")
		})
		b.Run(name+"/read", func(b *testing.B) {
			s := backends(b)[name](b, fmt.Sprintf("/bench/%s/%d/", b.Name(), b.N))
			ctx := context.Background()
			if err := s.PutForecast(ctx, store.StoredForecast{At: storetest.Epoch, Customers: 10000, Body: body}); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(body)))
			b.ResetTimer()
			for range b.N {
				f, ok, err := s.Forecast(ctx)
				if err != nil || !ok || len(f.Body) != len(body) {
					b.Fatalf("Forecast: %d bytes, %t, %v", len(f.Body), ok, err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/read")
		})
	}
}
