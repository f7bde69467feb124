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

// BenchmarkExpiryScan is the first full expiry scan of 10,000 customers and 200,000 resources
// at BSS's real rates: the client at its defaults (each API's documented rate, 10 calls a
// second for the ones a scan uses, no cap over all) and the scanner's default concurrency,
// against the fake BSS (in a child process, so that the heap is the scanner's) with BSS's
// flow control (10 a second per API) and 20 ms latency. Time runs timeScale times faster for
// both (a virtual clock for the client's flow control, rate and latency sped up in the fake),
// so that a scan of about 17 minutes takes about 4 minutes; times are reported at the real rate (a
// hiccup of the machine counts timeScale times over, so they are upper bounds).
// Meanwhile a person asks for a customer's resources every 2 s; their wait for flow control is
// reported too. Beside the scan's time: its floor, the busiest API's calls ÷ its rate.
func BenchmarkExpiryScan(b *testing.B) {
	const (
		customers = 10_000
		resources = 200_000
		latency   = 20 * time.Millisecond // real
		timeScale = 5.0
		bssRate   = 10 // per API, real (bss-api.md, "Corrections": 10 a second by default)
	)
	url := bsstest.StartChild(b, bsstest.ChildSpec{Customers: customers, Resources: resources,
		Latency: time.Duration(float64(latency) / timeScale), RatePerSecond: int(bssRate * timeScale)})
	counter := &pathCounter{next: &http.Transport{MaxIdleConnsPerHost: 64}, byPath: map[string]int{}}
	clk := benchutil.NewScaled(time.Now(), timeScale)
	client, err := bss.New(bss.Config{Endpoint: url, IAMEndpoint: url, Credentials: bsstest.SandboxCredentials,
		Clock: clk, HTTPClient: &http.Client{Transport: counter}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var asked string // a customer the person asks about
	for cu, err := range client.Customers(ctx, bss.CustomerFilter{}) {
		if err != nil {
			b.Fatal(err)
		}
		asked = cu.ID
		break
	}
	var (
		sum   alerts.Summary
		wall  float64
		peak  uint64
		paths map[string]int
		waits []time.Duration
	)
	for i := 0; b.Loop(); i++ {
		st, err := store.Open(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry", Scope: "*",
			Days: []int{30, 15, 7, 3, 1}, CreatedBy: store.Actor{Platform: "system", UserID: "bench"}}); err != nil {
			b.Fatal(err)
		}
		sc := alerts.New(client, st, alerts.Options{})
		runtime.GC()
		counter.reset()
		stop := benchutil.HeapPeak()
		done := make(chan struct{})
		var person sync.WaitGroup
		person.Add(1)
		go func() { // the person
			defer person.Done()
			tick := time.NewTicker(time.Duration(2 * float64(time.Second) / timeScale))
			defer tick.Stop()
			for {
				select {
				case <-done:
					return
				case <-tick.C:
				}
				u := &bss.Usage{}
				if _, err := client.ListResources(bss.WithUsage(ctx, u), bss.ResourceFilter{CustomerID: asked, OnlyMain: true}, 0, 1); err != nil {
					b.Error(err)
					return
				}
				waits = append(waits, u.Queued())
			}
		}()
		start := clk.Now()
		sum, err = sc.Scan(ctx, alerts.KindExpiry)
		wall = clk.Since(start).Seconds()
		close(done)
		person.Wait()
		if err != nil {
			b.Fatal(err)
		}
		peak = stop()
		paths = counter.reset()
		st.Close()
	}
	b.StopTimer()
	if sum.Customers != customers || len(sum.Failed) != 0 {
		b.Fatalf("scan summary %+v", sum)
	}
	if counter.throttled != 0 {
		b.Fatalf("%d calls throttled", counter.throttled)
	}
	calls, busiest := 0, 0
	for _, n := range paths {
		calls += n
		busiest = max(busiest, n)
	}
	floor := float64(busiest) / bssRate
	slices.Sort(waits)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(wall, "full-s")
	b.ReportMetric(floor, "floor-s")
	b.ReportMetric(wall/floor, "x-floor")
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(busiest), "busiest-api-calls")
	b.ReportMetric(float64(sum.Found), "expiring")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	if len(waits) > 0 {
		b.ReportMetric(float64(len(waits)), "person-asked")
		b.ReportMetric(ms(waits[len(waits)/2]), "person-wait-p50-ms")
		b.ReportMetric(ms(waits[len(waits)-1]), "person-wait-max-ms")
	}
}

// BenchmarkInteractiveDuringScan: a person runs /customer every 400 ms while an expiry scan
// of 90 customers runs, all against a sandbox with BSS's flow control (10 calls a second per
// API, in real time) and the client's defaults (each API's documented rate; scans use the whole
// budget while nobody waits and give way to people). It reports how long each /customer was
// queued for flow control — the time during which at least one of its seven BSS calls waited
// (bss.Usage.Queued), which is what it costs the person since the answer's parts are asked
// side by side — and how long it took in all; the targets are ≤ 250 ms during the scan and
// ≤ 50 ms with no scan running (idle-wait, ten /customer after the scan).
func BenchmarkInteractiveDuringScan(b *testing.B) {
	var waits, tooks, idle []time.Duration
	for b.Loop() {
		e := newFlowEnv(b, 90)
		done := make(chan error, 1)
		go func() {
			_, err := e.Scanner.Scan(context.Background(), alerts.KindExpiry)
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
				waits = append(waits, s.Queued)
				if s.Throttled != 0 {
					b.Fatalf("a /customer was throttled: %+v", s)
				}
			}
		}
		// The same with no scan, for reference: two searches in a row wait for each other.
		for i := 0; i < 10; i++ {
			<-tick.C
			idle = append(idle, e.customer(b).Queued)
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
	b.ReportMetric(ms(idle[len(idle)/2]), "idle-wait-p50-ms")
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
// 10 calls a second, the client to 10 a second per operation (scans use all of it),
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
		scanRate  = opRate
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
