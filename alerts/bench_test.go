package alerts_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

func TestMain(m *testing.M) {
	bsstest.ServeChildIfAsked()
	os.Exit(m.Run())
}

// BenchmarkExpiryScan is an expiry scan of 10,000 customers and 200,000 resources against the
// fake BSS (in a child process, so that the heap is the scanner's) answering every call after
// 20 ms, with a client rate limit of 1,000 calls/s (the whole of it: no share left to people)
// and 32 queries in flight (more than rate × latency = 20, so that the rate limit binds). It reports the
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
		RatePerSecond: rate, Burst: 1, InteractiveShare: -1, HTTPClient: &http.Client{Transport: counter}})
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

// BenchmarkInteractiveDuringScan: a person runs /customer every 400 ms while an expiry scan
// of 90 customers runs, all against a sandbox with BSS's flow control (10 calls a second per
// API, in real time) and the client's default budgets (8 a second per operation, scans using at
// most 6 of them and yielding to people). It reports how long each /customer waited for the
// flow control (the sum over its four BSS calls) and took in all; the target is a wait under
// one second. For reference, idle-wait is the same wait with no scan running.
func BenchmarkInteractiveDuringScan(b *testing.B) {
	var waits, tooks, idle []time.Duration
	for b.Loop() {
		e := newFlowEnv(b, 90)
		done := make(chan error, 1)
		go func() {
			_, err := e.scanner.Scan(context.Background(), alerts.KindExpiry)
			done <- err
		}()
		tick := time.NewTicker(400 * time.Millisecond)
	loop:
		for {
			select {
			case err := <-done:
				if err != nil {
					b.Fatal(err)
				}
				break loop
			case <-tick.C:
				start := time.Now()
				s := e.customer(b)
				tooks = append(tooks, time.Since(start))
				waits = append(waits, s.Waited)
				if s.Throttled != 0 {
					b.Fatalf("a /customer was throttled: %+v", s)
				}
			}
		}
		// The same with no scan, for reference: two searches in a row wait for each other.
		for i := 0; i < 10; i++ {
			<-tick.C
			idle = append(idle, e.customer(b).Waited)
		}
		tick.Stop()
		for op, s := range e.Client.FlowStats() {
			if s.Throttled != 0 {
				b.Fatalf("%s: %d throttled", op, s.Throttled)
			}
		}
	}
	slices.Sort(waits)
	slices.Sort(tooks)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	q := func(v []time.Duration, p float64) time.Duration { return v[min(len(v)-1, int(p*float64(len(v))))] }
	b.ReportMetric(float64(len(waits)), "customers-asked")
	b.ReportMetric(ms(q(waits, 0.5)), "wait-p50-ms")
	b.ReportMetric(ms(q(waits, 0.95)), "wait-p95-ms")
	b.ReportMetric(ms(waits[len(waits)-1]), "wait-max-ms")
	b.ReportMetric(ms(q(tooks, 0.5)), "took-p50-ms")
	b.ReportMetric(ms(tooks[len(tooks)-1]), "took-max-ms")
	slices.Sort(idle)
	b.ReportMetric(ms(idle[len(idle)-1]), "idle-wait-max-ms")
}

// pathCounter counts the requests it carries per path, and the 429s they got.
type pathCounter struct {
	next      http.RoundTripper
	mu        sync.Mutex
	byPath    map[string]int
	throttled int
}

func (p *pathCounter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(r)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byPath[r.URL.Path]++
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		p.throttled++
	}
	return resp, err
}

func (p *pathCounter) reset() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := p.byPath
	p.byPath = map[string]int{}
	return out
}

// BenchmarkDeltaScan: 10,000 customers and 200,000 resources (expiries spread over a year),
// one subscription to everything with the default thresholds. The first expiry scan is full
// (it builds the index); then 1 % of the customers do business for a day (bsstest Churn:
// renewals, purchases, auto-renew switched, unsubscriptions, spec changes, new customers) and
// the next day's scan is a delta. The fake BSS runs in a child process and limits every API to
// 10 calls a second, the client to its defaults (8 a second per operation, scans at most 6),
// with 20 ms latency — all sped up timeScale times, so that the benchmark takes a minute and a
// half rather than half an hour; the times are reported at the real rate (measured ×
// timeScale, so the client's own CPU time counts timeScale times over). The data set spreads
// expiries evenly over a year (bsstest.GenOptions.Spread).
// Beside each scan's calls and time, the floors: the naive one (one resource query per
// customer at 10 a second) and the delta's need (the customers it had a reason to ask about,
// plus the customer and order list pages).
func BenchmarkDeltaScan(b *testing.B) {
	const (
		customers = 10_000
		resources = 200_000
		timeScale = 25.0
		bssRate   = 10                    // per API, real
		latency   = 20 * time.Millisecond // real
		opRate    = bss.DefaultOperationRate
		scanRate  = opRate * (1 - bss.DefaultInteractiveShare)
	)
	child := bsstest.StartChildControl(b, bsstest.ChildSpec{Customers: customers, Resources: resources,
		Latency: time.Duration(float64(latency) / timeScale), RatePerSecond: int(bssRate * timeScale), Spread: true})
	counter := &pathCounter{next: &http.Transport{MaxIdleConnsPerHost: 64}, byPath: map[string]int{}}
	client, err := bss.New(bss.Config{Endpoint: child.URL, IAMEndpoint: child.URL, Credentials: bsstest.SandboxCredentials,
		OperationRate: opRate * timeScale, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var (
		full, delta           alerts.Summary
		fullWall, deltaWall   float64
		fullPeak, deltaPeak   uint64
		fullPaths, deltaPaths map[string]int
		churn                 bsstest.ChurnReport
	)
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry", Scope: "*",
			CreatedBy: store.Actor{Platform: "system", UserID: "bench"}}); err != nil {
			b.Fatal(err)
		}
		clk := fakeclock.New(time.Now()) // wall clock: the child sandbox laid its data out at its own start
		sc := alerts.New(client, st, alerts.Options{Now: clk.Now, Delta: true})
		scan := func() (alerts.Summary, float64, uint64, map[string]int) {
			runtime.GC()
			counter.reset()
			stop := benchutil.HeapPeak()
			start := time.Now()
			sum, err := sc.Scan(ctx, alerts.KindExpiry)
			if err != nil {
				b.Fatal(err)
			}
			wall := time.Since(start).Seconds() * timeScale
			return sum, wall, stop(), counter.reset()
		}
		full, fullWall, fullPeak, fullPaths = scan()
		if churn, err = child.Churn(0.01, uint64(i+1)); err != nil {
			b.Fatal(err)
		}
		clk.Advance(24 * time.Hour)
		delta, deltaWall, deltaPeak, deltaPaths = scan()
		st.Close()
	}
	if full.Mode != alerts.ModeFull || delta.Mode != alerts.ModeDelta || len(full.Failed)+len(delta.Failed) != 0 {
		b.Fatalf("full %+v\ndelta %+v", full, delta)
	}
	if counter.throttled != 0 || full.Throttled+delta.Throttled != 0 {
		b.Fatalf("%d calls throttled", counter.throttled)
	}
	const (
		customersPath = "/v2/partners/sub-customers/query"
		ordersPath    = "/v2/orders/customer-orders"
	)
	need := delta.Requeried.Total() + deltaPaths[customersPath] + deltaPaths[ordersPath]
	deltaCalls := 0
	for _, n := range deltaPaths {
		deltaCalls += n
	}
	fullCalls := 0
	for _, n := range fullPaths {
		fullCalls += n
	}
	// The delta's floor in time: its operations run side by side, each at the scans' share.
	floor := float64(max(delta.Requeried.Total(), deltaPaths[customersPath], deltaPaths[ordersPath])) / scanRate
	fullFloor := float64(max(fullPaths[resourcesPath], fullPaths[customersPath])) / scanRate
	b.ReportMetric(float64(customers), "naive-floor-calls")
	b.ReportMetric(float64(customers)/bssRate, "naive-floor-s")
	b.ReportMetric(float64(fullCalls), "full-calls")
	b.ReportMetric(float64(fullPaths[resourcesPath]), "full-resource-queries")
	b.ReportMetric(fullWall, "full-wall-s")
	b.ReportMetric(fullWall/fullFloor, "full-x-floor")
	b.ReportMetric(float64(churn.Changed+churn.Joined+churn.Left), "customers-changed")
	b.ReportMetric(float64(deltaCalls), "delta-calls")
	b.ReportMetric(float64(deltaPaths[resourcesPath]), "delta-resource-queries")
	b.ReportMetric(float64(delta.Requeried.Orders), "delta-asked-orders")
	b.ReportMetric(float64(delta.Requeried.New), "delta-asked-new")
	b.ReportMetric(float64(delta.Requeried.Thresholds), "delta-asked-thresholds")
	b.ReportMetric(float64(delta.Requeried.Refresh), "delta-asked-refresh")
	b.ReportMetric(float64(need), "delta-need-calls")
	b.ReportMetric(float64(deltaCalls)/float64(need), "delta-x-need")
	b.ReportMetric(deltaWall, "delta-wall-s")
	b.ReportMetric(floor, "delta-floor-s")
	b.ReportMetric(deltaWall/floor, "delta-x-floor")
	b.ReportMetric(float64(fullPaths[resourcesPath])/float64(deltaPaths[resourcesPath]), "x-fewer-resource-queries")
	b.ReportMetric(float64(delta.FullCalls-delta.Calls), "delta-saved-calls")
	b.ReportMetric(float64(counter.throttled), "throttled")
	b.ReportMetric(float64(max(fullPeak, deltaPeak))/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(delta.Alerted), "delta-alerted")
	b.ReportMetric(float64(full.Alerted), "full-alerted")
	const balancesPath = "/v2/accounts/customer-accounts/balances/batch-query"
	b.ReportMetric(float64(fullPaths[customersPath]), "full-customer-pages")
	b.ReportMetric(float64(fullPaths[balancesPath]), "full-balance-calls")
	b.ReportMetric(float64(deltaPaths[customersPath]), "delta-customer-pages")
	b.ReportMetric(float64(deltaPaths[ordersPath]), "delta-order-pages")
	b.ReportMetric(float64(deltaPaths[balancesPath]), "delta-balance-calls")
}
