package alerts_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/store"
)

func TestMain(m *testing.M) {
	bsstest.ServeChildIfAsked()
	os.Exit(m.Run())
}

// BenchmarkExpiryScan is an expiry scan of 10,000 customers and 200,000 resources against the
// fake BSS (in a child process, so that the heap is the scanner's) answering every call after
// 20 ms, with a client rate limit of 1,000 calls/s and 32 queries in flight (more than rate × latency = 20, so that the rate limit binds). It reports the
// wall time next to its two floors — calls ÷ rate, and calls × latency ÷ concurrency — the
// calls made, and the peak heap.
func BenchmarkExpiryScan(b *testing.B) {
	const (
		customers   = 10_000
		resources   = 200_000
		latency     = 20 * time.Millisecond
		rate        = 1000.0
		concurrency = 32
	)
	url := bsstest.StartChild(b, bsstest.ChildSpec{Customers: customers, Resources: resources, Latency: latency})
	counter := &benchutil.Counting{Next: &http.Transport{MaxIdleConnsPerHost: 64}}
	client, err := bss.New(bss.Config{Endpoint: url, IAMEndpoint: url, Credentials: bsstest.SandboxCredentials,
		RatePerSecond: rate, Burst: 1, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	st, err := store.Open(filepath.Join(b.TempDir(), "bench.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ctx := context.Background()
	if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry", Scope: "*",
		Days: []int{30, 15, 7, 3, 1}, CreatedBy: store.Actor{Platform: "system", UserID: "bench"}}); err != nil {
		b.Fatal(err)
	}
	sc := alerts.New(client, st, alerts.Options{Concurrency: concurrency})
	runtime.GC()
	b.ResetTimer()
	var sum alerts.Summary
	var calls int64
	var peak uint64
	for b.Loop() {
		counter.Reset()
		stop := benchutil.HeapPeak()
		if sum, err = sc.Scan(ctx, alerts.KindExpiry); err != nil {
			b.Fatal(err)
		}
		peak = stop()
		calls = counter.Count()
	}
	b.StopTimer()
	if sum.Customers != customers || len(sum.Failed) != 0 {
		b.Fatalf("scan summary %+v", sum)
	}
	wall := b.Elapsed().Seconds() / float64(b.N)
	rateFloor := float64(calls) / rate
	latencyFloor := float64(calls) * latency.Seconds() / concurrency
	floor := max(rateFloor, latencyFloor)
	b.ReportMetric(wall, "wall-s")
	b.ReportMetric(rateFloor, "floor-rate-s")
	b.ReportMetric(latencyFloor, "floor-latency-s")
	b.ReportMetric(wall/floor, "x-floor")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(sum.Found), "expiring")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(sum.QueryTook.Seconds(), "query-s")
}
