package alerts_test

import (
	"context"
	"net/http"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/store"
)

// BenchmarkForecast is the forecast the daily expiry scan computes for 10,000 customers and
// 200,000 resources, expiries spread over a year (bsstest.GenOptions.Spread), at BSS's real
// rates: the renewal quotes of every main resource expiring from now to the end of next month
// (⌈that customer's expiring main resources ÷ 10⌉ inquiries each, with the customer's agency
// token first), this month's spend of every customer (the monthly sums, paged, three charge
// modes), the balances (100 a call) and the partner's accounts. The index is filled from the
// same generated data set as the child's (no resource listing); quotes start uncached. The fake
// BSS runs in a child process with 20 ms latency and BSS's flow control (10 calls a second per
// API, bss-api.md "Corrections"; renew-rate publishes no rate of its own); time runs timeScale
// times faster for both, and is reported at the real rate. Reported: the calls (quote_calls
// beside Σ⌈n÷10⌉ computed from the index, to check them), the time, its floor (the busiest
// API's calls ÷ 10 a second), the peak heap and how much of it the forecast added to what was
// live when it started (the benchmark's own copy of the index and the customers).
func BenchmarkForecast(b *testing.B) {
	const (
		customers = 10_000
		resources = 200_000
		latency   = 20 * time.Millisecond // real
		timeScale = 20.0
		bssRate   = 10 // per API, real
	)
	now := time.Now()
	url := bsstest.StartChild(b, bsstest.ChildSpec{Customers: customers, Resources: resources, Spread: true,
		Latency: time.Duration(float64(latency) / timeScale), RatePerSecond: int(bssRate * timeScale)})
	counter := &pathCounter{next: &http.Transport{MaxIdleConnsPerHost: 64}, byPath: map[string]int{}}
	clk := benchutil.NewScaled(now, timeScale)
	client, err := bss.New(bss.Config{Endpoint: url, IAMEndpoint: url, Credentials: bsstest.SandboxCredentials,
		AgencyName: bsstest.SandboxAgency, Clock: clk, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// The index of the same data set (the child generated it with seed 1 at its start).
	ds := bsstest.Generate(bsstest.GenOptions{Customers: customers, Resources: resources, Seed: 1, Now: now, Spread: true})
	custs := make(map[string]bss.Customer, len(ds.Customers))
	entries := map[string]*store.IndexedCustomer{}
	for _, c := range ds.Customers {
		custs[c.ID] = bss.Customer{ID: c.ID, Name: c.Name, AccountName: c.AccountName, Label: c.Label}
		entries[c.ID] = &store.IndexedCustomer{ID: c.ID, Refreshed: now, Name: c.Name, Account: c.AccountName}
	}
	for _, r := range ds.Resources {
		e := entries[r.CustomerID]
		e.Resources = append(e.Resources, store.IndexedResource{ID: r.ResourceID, Main: r.IsMain, Parent: r.ParentResourceID,
			Status: r.Status, Expiry: r.ExpireTime, Policy: r.ExpirePolicy, Confirmed: now})
	}
	ds = nil
	// Σ⌈expiring main resources ÷ 10⌉ over the customers, for a forecast at from.
	wantQuotes := func(from time.Time) int {
		_, end := forecast.NextMonth(from)
		n := 0
		for _, e := range entries {
			k := 0
			for _, r := range e.Resources {
				if r.Main && r.Status != bss.StatusClosed && !r.Expiry.Before(from) && r.Expiry.Before(end) {
					k++
				}
			}
			n += (k + bss.MaxActionResources - 1) / bss.MaxActionResources
		}
		return n
	}
	var (
		stats forecast.Stats
		secs  float64
		at    time.Time
		base  uint64
		peak  uint64
		paths map[string]int
		body  int
	)
	for b.Loop() {
		b.StopTimer()
		st, err := store.Open(filepath.Join(b.TempDir(), "forecast.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var batch []store.IndexedCustomer
		for _, e := range entries {
			batch = append(batch, *e)
			if len(batch) == 100 {
				if err := st.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: batch}); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		if err := st.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: batch, State: &store.ExpiryScanState{At: now, FullAt: now, Customers: customers}}); err != nil {
			b.Fatal(err)
		}
		fc := alerts.NewForecaster(client, st, clk.Now, nil, 4)
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		base = ms.HeapAlloc // the benchmark's own copy of the index and the customers, the client
		counter.reset()
		b.StartTimer()
		stop := benchutil.HeapPeak()
		start := clk.Now()
		var in forecast.Input
		in, stats, err = fc.Refresh(ctx, custs)
		at = in.Now
		secs = clk.Since(start).Seconds()
		peak = stop()
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		paths = counter.reset()
		if f, ok, err := st.Forecast(ctx); err != nil || !ok {
			b.Fatal(ok, err)
		} else {
			body = len(f.Body)
		}
		st.Close()
		b.StartTimer()
	}
	b.StopTimer()
	if want := wantQuotes(at); stats.QuoteCalls != want {
		b.Errorf("quote calls %d, want Σ⌈expiring main resources ÷ 10⌉ = %d", stats.QuoteCalls, want)
	}
	busiest := 0
	for _, n := range paths {
		busiest = max(busiest, n)
	}
	b.ReportMetric(float64(stats.QuoteCalls), "quote_calls")
	b.ReportMetric(float64(stats.Quoted), "quoted")
	b.ReportMetric(float64(stats.Calls), "bss_calls")
	b.ReportMetric(float64(paths["/v3.0/OS-CREDENTIAL/securitytokens"]), "token_calls")
	b.ReportMetric(secs, "s_at_real_rate")
	b.ReportMetric(float64(busiest)/bssRate, "s_floor")
	b.ReportMetric(float64(peak)/(1<<20), "MiB_peak_heap")
	b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "MiB_heap_above_start")
	b.ReportMetric(float64(body)/(1<<20), "MiB_stored")
	b.ReportMetric(0, "ns/op")
	b.Logf("calls by path: %v", paths)
}
