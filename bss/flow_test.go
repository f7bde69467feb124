package bss

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// simClock is simulated time for one goroutine: a wait passes at once and moves the clock.
type simClock struct{ now time.Time }

func (c *simClock) Now() time.Time { return c.now }

func (c *simClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.now = c.now.Add(d)
	ch := make(chan time.Time, 1)
	ch <- c.now
	return ch, func() {}
}

// manualClock is time that moves only when the test says, for several goroutines.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*manualTimer
}

type manualTimer struct {
	at      time.Time
	ch      chan time.Time
	stopped bool
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{at: c.now.Add(d), ch: make(chan time.Time, 1)}
	c.timers = append(c.timers, t)
	return t.ch, func() {
		c.mu.Lock()
		t.stopped = true
		c.mu.Unlock()
	}
}

// advance moves the clock and fires the timers it passed.
func (c *manualClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.ch <- c.now
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
}

// fireNext moves the clock to the earliest armed timer and fires that one alone (the first
// armed among equals), so that the test decides which sleeper wakes first.
func (c *manualClock) fireNext() {
	c.mu.Lock()
	defer c.mu.Unlock()
	next := -1
	for i, t := range c.timers {
		if !t.stopped && (next < 0 || t.at.Before(c.timers[next].at)) {
			next = i
		}
	}
	if next < 0 {
		return
	}
	t := c.timers[next]
	c.timers = append(c.timers[:next], c.timers[next+1:]...)
	if t.at.After(c.now) {
		c.now = t.at
	}
	t.ch <- c.now
}

// pending counts the timers armed and not yet fired: the goroutines asleep in acquire.
func (c *manualClock) pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, t := range c.timers {
		if !t.stopped {
			n++
		}
	}
	return n
}

// settle waits until cond holds (goroutines have reacted to the clock), failing after a while.
func settle(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 5000; i++ {
		if cond() {
			return
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("never reached: %s", what)
}

const opRes, opCust = "ListPayPerUseCustomerResources", "ListSubCustomers"

// queued is how many calls wait for op.
func (f *flow) queued(op string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o := f.ops[op]; o != nil {
		return len(o.interactive) + len(o.background)
	}
	return 0
}

// calls runs n acquisitions of op one after the other in simulated time and returns how long
// they took.
func calls(t *testing.T, f *flow, clk *simClock, op string, background bool, n int) time.Duration {
	t.Helper()
	start := clk.now
	for i := 0; i < n; i++ {
		if _, err := f.acquire(context.Background(), op, background); err != nil {
			t.Fatal(err)
		}
	}
	return clk.now.Sub(start)
}

// The documented rates these tests rely on (bss-api.md, "Corrections", "Flow control is per
// API"): 10 calls a second per API by default, ListCustomerOrders 20, the subscribe-rate
// inquiry ListRateOnPeriodDetail 30.
const opOrders, opRating = "ListCustomerOrders", "ListRateOnPeriodDetail"

func TestFlowBudgets(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	documented, err := OperationRates(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		fc         flowConfig
		op         string
		background bool
		n          int
		want       time.Duration // simulated time n calls take
	}{
		// A person's calls go a second's budget at once, then the next a window (1.05 s) later.
		{"a person at the documented 10/s: 101 calls in 10 windows", flowConfig{rates: documented}, opRes, false, 101, 10500 * time.Millisecond},
		// Work conserving: a scan alone uses the whole budget, evenly spaced (105 ms apart).
		{"a scan alone at the documented 10/s: 101 calls in 10 windows", flowConfig{rates: documented}, opRes, true, 101, 10500 * time.Millisecond},
		{"ListCustomerOrders at 20/s", flowConfig{rates: documented}, opOrders, true, 201, 10500 * time.Millisecond},
		{"ListRateOnPeriodDetail at 30/s", flowConfig{rates: documented}, opRating, false, 301, 10500 * time.Millisecond},
		{"an operation not in rates at the client's rate", flowConfig{rate: 8}, opRes, false, 81, 10500 * time.Millisecond},
		{"a budget of its own", flowConfig{rate: 8, rates: map[string]float64{opRes: 2}}, opRes, false, 21, 10500 * time.Millisecond},
		{"a cap over all below the budget binds", flowConfig{all: 4, rates: documented}, opRes, false, 41, 10500 * time.Millisecond},
		{"burst 1 spaces a person's calls", flowConfig{rates: documented, burst: 1}, opRes, false, 101, 10500 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk := &simClock{now: base}
			f := newFlow(tc.fc, clk)
			if got := calls(t, f, clk, tc.op, tc.background, tc.n); got < tc.want-time.Millisecond || got > tc.want+time.Millisecond {
				t.Errorf("%d calls took %v, want %v", tc.n, got, tc.want)
			}
			if s := f.stats()[tc.op]; s.Calls != tc.n {
				t.Errorf("stats %+v, want %d calls", s, tc.n)
			}
		})
	}
}

// TestFlowBurst: BSS counts calls a second, so an idle operation lets a second's budget go at
// once; the call after it waits for the window.
func TestFlowBurst(t *testing.T) {
	clk := &simClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rates: map[string]float64{opRes: 10}}, clk)
	if d := calls(t, f, clk, opRes, false, 10); d != 0 {
		t.Errorf("a second's 10 calls waited %v", d)
	}
	if d := calls(t, f, clk, opRes, false, 1); d != 1050*time.Millisecond {
		t.Errorf("the 11th waited %v, want the window, 1.05s", d)
	}
	// Later, slots long free: a burst again, recorded at its own time — the credit for late
	// timers does not apply to a call no timer held back, so the window keeps its margin.
	clk.now = clk.now.Add(3 * time.Second)
	if d := calls(t, f, clk, opRes, false, 10); d != 0 {
		t.Errorf("a second burst of 10 waited %v", d)
	}
	if d := calls(t, f, clk, opRes, false, 1); d != 1050*time.Millisecond {
		t.Errorf("the call after the second burst waited %v, want 1.05s", d)
	}
}

func TestFlowOperationsAreIndependent(t *testing.T) {
	clk := &simClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 10}, clk)
	calls(t, f, clk, opRes, true, 41)
	// The resources budget is spent, but listing customers waits for nothing.
	if d := calls(t, f, clk, opCust, false, 1); d != 0 {
		t.Errorf("another operation waited %v", d)
	}
}

func TestFlowThrottledPausesTheOperation(t *testing.T) {
	clk := &simClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 10, base: time.Second, max: 8 * time.Second, maxWait: 30 * time.Second}, clk)
	calls(t, f, clk, opRes, true, 1)
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		f.throttled(opRes, 0)
		if d := calls(t, f, clk, opRes, true, 1); d != want {
			t.Errorf("429 #%d: the next scan call waited %v, want %v", i+1, d, want)
		}
	}
	f.throttled(opRes, 20*time.Second) // a Retry-After beyond the backoff is honoured
	if d := calls(t, f, clk, opRes, false, 1); d > 0 {
		t.Errorf("a person's call waited %v for the scans' pause", d)
	}
	if d := calls(t, f, clk, opCust, true, 1); d != 0 {
		t.Errorf("a 429 of one operation paused another's scan calls for %v", d)
	}
	if d := calls(t, f, clk, opRes, true, 1); d != 20*time.Second {
		t.Errorf("after Retry-After 20s a scan call waited %v", d)
	}
	f.throttled(opRes, time.Hour) // but never longer than MaxWait
	if d := calls(t, f, clk, opRes, true, 1); d != 30*time.Second {
		t.Errorf("after Retry-After 1h a scan call waited %v", d)
	}
	f.succeeded(opRes)
	f.throttled(opRes, 0)
	if d := calls(t, f, clk, opRes, true, 1); d != time.Second {
		t.Errorf("after a success the backoff starts over: waited %v", d)
	}
	if s := f.stats()[opRes]; s.Throttled != 8 {
		t.Errorf("stats %+v, want 8 throttled", s)
	}
}

// TestFlowInteractiveFirst: background callers queue for an operation; a person's call that
// comes later gets the next turn, before every one of them.
func TestFlowInteractiveFirst(t *testing.T) {
	for _, burst := range []int{0, 1} {
		t.Run(fmt.Sprintf("burst %d", burst), func(t *testing.T) {
			clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
			f := newFlow(flowConfig{rate: 10, burst: burst, base: time.Second, max: time.Second}, clk)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var mu sync.Mutex
			var order []string
			start := func(who string, background bool) {
				go func() {
					if _, err := f.acquire(ctx, opRes, background); err != nil {
						return
					}
					mu.Lock()
					order = append(order, who)
					mu.Unlock()
				}()
			}
			granted := func() int { mu.Lock(); defer mu.Unlock(); return len(order) }
			for i := 0; i < 6; i++ {
				start("scan", true)
			}
			settle(t, "one scan call granted, five queued", func() bool { return granted() == 1 && f.queued(opRes) == 5 && clk.pending() == 1 })
			start("person", false)
			if burst == 0 { // the window has room: the person goes at once
				settle(t, "the person granted", func() bool { return granted() == 2 })
			} else {
				settle(t, "the person queued too", func() bool { return f.queued(opRes) == 6 })
			}
			for granted() < 7 {
				clk.fireNext()
				settle(t, "the operation dispatched", func() bool {
					n := granted()
					return n+f.queued(opRes) == 7 && (n == 7 || clk.pending() == 1)
				})
			}
			mu.Lock()
			defer mu.Unlock()
			if order[1] != "person" {
				t.Errorf("grants %v: the person was not next", order)
			}
		})
	}
}

// hammer runs n background callers of op until the test ends and returns when they all wait.
func hammer(t *testing.T, f *flow, clk *manualClock, op string, n int) (quiet func(extra int) func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, _ = f.acquire(ctx, op, true)
			}
		}()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })
	quiet = func(extra int) func() bool {
		return func() bool { return f.queued(op) == n+extra && clk.pending() == 1 }
	}
	settle(t, "scans queued", quiet(0))
	return quiet
}

// TestFlowPersonPreemptsScan: with scans hammering an operation at its whole budget, a
// person's call, arriving at any moment, waits at most two background spacings — 210 ms at
// 10 a second, within the 250 ms promised — of simulated time: the next slot the window frees
// is at most a spacing away, or two when an earlier person's call took one between them.
func TestFlowPersonPreemptsScan(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 10, base: time.Second, max: time.Second}, clk)
	quiet := hammer(t, f, clk, opRes, 8)
	rnd := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 40; round++ {
		for i, n := 0, 1+rnd.IntN(1100); i < n; i++ { // somewhere in the scan
			clk.advance(time.Millisecond)
			settle(t, "scans queued", quiet(0))
		}
		got := make(chan time.Duration, 1)
		go func() {
			waited, _ := f.acquire(context.Background(), opRes, false)
			got <- waited
		}()
		var waited time.Duration
		done := false
		check := func() bool {
			select {
			case waited = <-got:
				done = true
			default:
			}
			return done && quiet(0)() || quiet(1)()
		}
		settle(t, "the person queued or served", check)
		for !done {
			clk.advance(time.Millisecond)
			settle(t, "everyone queued or served", check)
		}
		t.Logf("round %d: waited %v", round, waited)
		if waited > 210*time.Millisecond {
			t.Errorf("round %d: the person waited %v, more than two spacings (210ms)", round, waited)
		}
	}
}

// grantLog records when each call of a test was let go.
type grantLog struct {
	mu sync.Mutex
	at []time.Time
}

func (g *grantLog) add(t time.Time) {
	g.mu.Lock()
	g.at = append(g.at, t)
	g.mu.Unlock()
}

func (g *grantLog) len() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.at)
}

// maxIn is the most calls within any span of d (a sliding window), and within any calendar
// second.
func (g *grantLog) maxIn(d time.Duration) (sliding, calendar int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	perSecond := map[int64]int{}
	for i, a := range g.at {
		n := 0
		for _, b := range g.at[i:] {
			if b.Sub(a) < d {
				n++
			}
		}
		sliding = max(sliding, n)
		perSecond[a.Unix()]++
		calendar = max(calendar, perSecond[a.Unix()])
	}
	return sliding, calendar
}

// TestFlowNeverMoreThanTheRateInASecond: people and scans mixed at random, timers firing late
// and a stall of seconds (the machine froze): in no second, sliding or calendar, do more calls
// go than BSS allows the operation — however BSS counts its second.
func TestFlowNeverMoreThanTheRateInASecond(t *testing.T) {
	for _, tc := range []struct {
		op   string
		rate int
	}{{opRes, 10}, {opOrders, 20}} {
		t.Run(tc.op, func(t *testing.T) {
			clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
			rates, err := OperationRates(0, nil)
			if err != nil {
				t.Fatal(err)
			}
			f := newFlow(flowConfig{rates: rates, base: time.Second, max: time.Second}, clk)
			ctx, cancel := context.WithCancel(context.Background())
			var wg sync.WaitGroup
			var log grantLog
			const workers = 12
			for i := 0; i < workers; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for ctx.Err() == nil {
						if _, err := f.acquire(ctx, tc.op, i%3 != 0); err == nil {
							log.add(clk.Now())
						}
					}
				}()
			}
			defer func() { cancel(); wg.Wait() }()
			quiet := func() bool { return f.queued(tc.op) == workers && clk.pending() == 1 }
			settle(t, "queued", quiet)
			rnd := rand.New(rand.NewPCG(3, 4))
			for i := 0; i < 600; i++ {
				d := time.Duration(1+rnd.IntN(30)) * time.Millisecond // timers fire up to 30ms late
				if i == 300 {
					d = 5 * time.Second // the stall
				}
				clk.advance(d)
				settle(t, "queued", quiet)
			}
			sliding, calendar := log.maxIn(time.Second)
			if sliding > tc.rate || calendar > tc.rate {
				t.Errorf("%d calls in a sliding second, %d in a calendar second; BSS allows %d", sliding, calendar, tc.rate)
			}
			if n := log.len(); n < 10*tc.rate {
				t.Errorf("only %d calls in %v", n, clk.Now().Sub(log.at[0]))
			}
		})
	}
}

// TestFlowLateTimerLosesNoTime: timers that fire late (a busy machine), by less than
// lateTimer, do not slow a scan down: over time it keeps its whole budget.
func TestFlowLateTimerLosesNoTime(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 100}, clk)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var log grantLog
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := f.acquire(ctx, opRes, true); err == nil {
					log.add(clk.Now())
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	quiet := func() bool { return f.queued(opRes) == 4 && clk.pending() == 1 }
	settle(t, "queued", quiet)
	first := log.len()
	// 10.5 s in steps of 7ms: timers due every 10.5 ms fire up to 6ms late.
	for i := 0; i < 1500; i++ {
		clk.advance(7 * time.Millisecond)
		settle(t, "queued", quiet)
	}
	if n := log.len() - first; n < 998 || n > 1001 {
		t.Errorf("%d calls in %v at 100 a second (a window of 1.05 s)", n, 1500*7*time.Millisecond)
	}
}

func TestFlowSettings(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		all      float64
		res, ord float64 // the budgets of ListPayPerUseCustomerResources and ListCustomerOrders
		wantErr  string
	}{
		{name: "nothing set: the documented rates, no cap over all", cfg: Config{}, res: 10, ord: 20},
		{name: "rate_per_second alone keeps its meaning", cfg: Config{RatePerSecond: 5}, all: 5, res: 5, ord: 5},
		{name: "a cap over the documented rates", cfg: Config{RatePerSecond: 40, RatePerOperation: map[string]float64{opCust: 3}}, all: 40, res: 10, ord: 20},
		{name: "one rate for every operation", cfg: Config{RatePerSecond: 40, OperationRate: 8}, all: 40, res: 8, ord: 8},
		{name: "an operation's own", cfg: Config{OperationRate: 8, RatePerOperation: map[string]float64{opOrders: 15}}, res: 8, ord: 15},
		{name: "an operation added in November", cfg: Config{RatePerOperation: map[string]float64{OpListSubcustomerMonthlyBills: 4}}, res: 10, ord: 20},
		{name: "unknown operation", cfg: Config{RatePerOperation: map[string]float64{"ListResources": 3}}, wantErr: "no operation named ListResources"},
		{name: "zero rate", cfg: Config{RatePerOperation: map[string]float64{opRes: 0}}, wantErr: "must be positive"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fc, err := flowSettings(tc.cfg)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fc.all != tc.all || fc.rates[opRes] != tc.res || fc.rates[opOrders] != tc.ord || fc.burst != 0 {
				t.Errorf("got %+v", fc)
			}
			for op, r := range tc.cfg.RatePerOperation {
				if fc.rates[op] != r {
					t.Errorf("%s: %v, want %v", op, fc.rates[op], r)
				}
			}
		})
	}
}

func TestFlowContextEnds(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 1}, clk)
	if _, err := f.acquire(context.Background(), opRes, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	u := &Usage{}
	done := make(chan error, 1)
	go func() { _, err := f.acquire(WithUsage(ctx, u), opRes, false); done <- err }()
	settle(t, "queued", func() bool { return f.queued(opRes) == 1 })
	clk.advance(300 * time.Millisecond)
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if q := u.Queued(); q != 300*time.Millisecond {
		t.Errorf("queued %v, want 300ms", q)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.interactive != 0 || len(f.ops[opRes].interactive) != 0 {
		t.Errorf("a caller that gave up is still queued")
	}
}

// TestUsageQueuedCountsOverlapOnce: calls waiting side by side cost the caller the time any
// of them waited, not the sum.
func TestUsageQueuedCountsOverlapOnce(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	u := &Usage{}
	at := func(ms int) time.Time { return base.Add(time.Duration(ms) * time.Millisecond) }
	u.startWait(at(0))
	u.startWait(at(10))
	u.endWait(at(50))
	u.endWait(at(100)) // 0–100
	u.startWait(at(200))
	u.endWait(at(230)) // 200–230
	if q := u.Queued(); q != 130*time.Millisecond {
		t.Errorf("queued %v, want 130ms", q)
	}
}
