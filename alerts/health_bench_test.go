package alerts_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// BenchmarkHealthScan is the daily health scan of 10,000 customers and 200,000 resources
// (expiries spread over a year) at BSS's real rates, as BenchmarkDeltaScan runs it: after the
// expiry scan that built the index, once asking every customer and once skipping those the
// index shows with nothing in the release window (nor, unverified, within 30 days). Reported:
// the calls (resource queries apart), the time at the real rate and the peak heap of each.
func BenchmarkHealthScan(b *testing.B) {
	const (
		customers = 10_000
		resources = 200_000
		timeScale = 25.0
		bssRate   = 10                    // per API, real
		latency   = 20 * time.Millisecond // real
	)
	child := bsstest.StartChildControl(b, bsstest.ChildSpec{Customers: customers, Resources: resources,
		Latency: time.Duration(float64(latency) / timeScale), RatePerSecond: int(bssRate * timeScale), Spread: true})
	counter := &pathCounter{next: &http.Transport{MaxIdleConnsPerHost: 64}, byPath: map[string]int{}}
	client, err := bss.New(bss.Config{Endpoint: child.URL, IAMEndpoint: child.URL, Credentials: bsstest.SandboxCredentials,
		OperationRate: bss.DefaultOperationRate * timeScale, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	type result struct {
		sum   alerts.Summary
		wall  float64
		peak  uint64
		paths map[string]int
	}
	var all, indexed result
	for i := 0; b.Loop(); i++ {
		for _, delta := range []bool{false, true} {
			st, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d-%t.db", i, delta)), store.Options{})
			if err != nil {
				b.Fatal(err)
			}
			for _, kind := range []string{alerts.KindExpiry, alerts.KindHealth} {
				if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: kind, Scope: "*",
					CreatedBy: store.Actor{Platform: "system", UserID: "bench"}}); err != nil {
					b.Fatal(err)
				}
			}
			clk := fakeclock.New(time.Now()) // wall clock: the child sandbox laid its data out at its own start
			sc := alerts.New(client, st, alerts.Options{Now: clk.Now, Delta: delta})
			if _, err := sc.Scan(ctx, alerts.KindExpiry); err != nil {
				b.Fatal(err)
			}
			runtime.GC()
			counter.reset()
			stop := benchutil.HeapPeak()
			start := time.Now()
			sum, err := sc.Scan(ctx, alerts.KindHealth)
			if err != nil {
				b.Fatal(err)
			}
			r := result{sum: sum, wall: time.Since(start).Seconds() * timeScale, peak: stop(), paths: counter.reset()}
			if delta {
				indexed = r
			} else {
				all = r
			}
			st.Close()
		}
	}
	if len(all.sum.Failed)+len(indexed.sum.Failed) != 0 || counter.throttled != 0 || all.sum.Found != indexed.sum.Found {
		b.Fatalf("asking all %+v\nfrom the index %+v", all.sum, indexed.sum)
	}
	calls := func(p map[string]int) (n int) {
		for _, c := range p {
			n += c
		}
		return n
	}
	b.ReportMetric(float64(all.sum.Found), "items")
	b.ReportMetric(float64(calls(all.paths)), "all-calls")
	b.ReportMetric(float64(all.paths[resourcesPath]), "all-resource-queries")
	b.ReportMetric(all.wall, "all-wall-s")
	b.ReportMetric(float64(calls(indexed.paths)), "indexed-calls")
	b.ReportMetric(float64(indexed.paths[resourcesPath]), "indexed-resource-queries")
	b.ReportMetric(indexed.wall, "indexed-wall-s")
	b.ReportMetric(float64(max(all.peak, indexed.peak))/(1<<20), "peak-heap-MiB")
}
