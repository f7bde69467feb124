package bss

import (
	"context"
	"errors"
	"fmt"
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

func TestFlowBudgets(t *testing.T) {
	base := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		fc         flowConfig
		op         string
		background bool
		n          int
		want       time.Duration // simulated time n calls take
	}{
		{"an operation at its budget: 81 calls at 8/s take 10s", flowConfig{rate: 8, burst: 1, share: 0.25}, opRes, false, 81, 10 * time.Second},
		{"background calls leave a quarter: 61 at 6/s take 10s", flowConfig{rate: 8, burst: 1, share: 0.25}, opRes, true, 61, 10 * time.Second},
		{"no share: background at the whole budget", flowConfig{rate: 8, burst: 1}, opRes, true, 81, 10 * time.Second},
		{"a budget of its own", flowConfig{rate: 8, burst: 1, rates: map[string]float64{opRes: 2}}, opRes, false, 21, 10 * time.Second},
		{"a cap over all below the budget binds", flowConfig{all: 4, rate: 8, burst: 1}, opRes, false, 41, 10 * time.Second},
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

func TestFlowOperationsAreIndependent(t *testing.T) {
	clk := &simClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 8, burst: 1, share: 0.25}, clk)
	calls(t, f, clk, opRes, true, 41) // 40 intervals of the background pace
	// The resources budget is spent, but listing customers waits for nothing.
	if d := calls(t, f, clk, opCust, false, 1); d != 0 {
		t.Errorf("another operation waited %v", d)
	}
}

func TestFlowThrottledPausesTheOperation(t *testing.T) {
	clk := &simClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 8, burst: 1, base: time.Second, max: 8 * time.Second, maxWait: 30 * time.Second}, clk)
	calls(t, f, clk, opRes, true, 1)
	for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
		f.throttled(opRes, 0)
		if d := calls(t, f, clk, opRes, true, 1); d != want {
			t.Errorf("429 #%d: the next scan call waited %v, want %v", i+1, d, want)
		}
	}
	f.throttled(opRes, 20*time.Second) // a Retry-After beyond the backoff is honoured
	if d := calls(t, f, clk, opRes, false, 1); d > 125*time.Millisecond {
		t.Errorf("a person's call waited %v for the scans' pause", d)
	}
	if d := calls(t, f, clk, opRes, true, 1); d < 20*time.Second-125*time.Millisecond || d > 20*time.Second {
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
	if d := calls(t, f, clk, opCust, true, 1); d != 0 {
		t.Errorf("a 429 of one operation paused another for %v", d)
	}
	if s := f.stats()[opRes]; s.Throttled != 8 {
		t.Errorf("stats %+v, want 8 throttled", s)
	}
}

// TestFlowInteractiveFirst: background callers queue for an operation; a person's call that
// comes later gets the next token, before every one of them.
func TestFlowInteractiveFirst(t *testing.T) {
	for _, share := range []float64{0, 0.25} {
		t.Run(fmt.Sprintf("share %.2f", share), func(t *testing.T) {
			clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
			f := newFlow(flowConfig{rate: 8, burst: 1, share: share, base: time.Second, max: time.Second}, clk)
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
			settle(t, "the person queued too", func() bool { return f.queued(opRes) == 6 })
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

// TestFlowInteractiveWaitIsOneToken: with scans hammering an operation, a person's call waits
// at most one token interval of simulated time.
func TestFlowInteractiveWaitIsOneToken(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 8, burst: 1, share: 0.25, base: time.Second, max: time.Second}, clk)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	const scans = 8
	for i := 0; i < scans; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				_, _ = f.acquire(ctx, opRes, true)
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	quiet := func(queued int) func() bool {
		return func() bool { return f.queued(opRes) == queued && clk.pending() == 1 }
	}
	settle(t, "scans queued", quiet(scans))
	for round := 0; round < 5; round++ {
		for i := 0; i < 37; i++ { // somewhere between tokens
			clk.advance(time.Millisecond)
			settle(t, "scans queued", quiet(scans))
		}
		got := make(chan time.Duration, 1)
		go func() {
			waited, _ := f.acquire(ctx, opRes, false)
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
			return done && quiet(scans)() || quiet(scans+1)()
		}
		settle(t, "the person queued or served", check)
		for !done {
			clk.advance(time.Millisecond)
			settle(t, "everyone queued or served", check)
		}
		if waited > 125*time.Millisecond {
			t.Errorf("round %d: the person waited %v, more than one token (125ms)", round, waited)
		}
	}
}

func TestFlowSettings(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		all, rate float64
		share     float64
		wantErr   string
	}{
		{name: "nothing set: 8 per operation, no cap over all", cfg: Config{}, rate: 8, share: 0.25},
		{name: "rate_per_second alone keeps its meaning", cfg: Config{RatePerSecond: 5}, all: 5, rate: 5, share: 0.25},
		{name: "both", cfg: Config{RatePerSecond: 40, OperationRate: 8}, all: 40, rate: 8, share: 0.25},
		{name: "no share", cfg: Config{InteractiveShare: -1}, rate: 8, share: 0},
		{name: "share too large", cfg: Config{InteractiveShare: 0.95}, wantErr: "above 0.9"},
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
			if fc.all != tc.all || fc.rate != tc.rate || fc.share != tc.share || fc.burst != 1 {
				t.Errorf("got %+v", fc)
			}
		})
	}
}

func TestFlowContextEnds(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 1, burst: 1}, clk)
	if _, err := f.acquire(context.Background(), opRes, false); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := f.acquire(ctx, opRes, false); done <- err }()
	settle(t, "queued", func() bool { return f.queued(opRes) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.interactive != 0 || len(f.ops[opRes].interactive) != 0 {
		t.Errorf("a caller that gave up is still queued")
	}
}

// TestFlowLateTimerLosesNoTime: a timer that fires late (a busy machine), by less than a token
// interval, lets the next call go that much sooner, so that the rate holds over time.
func TestFlowLateTimerLosesNoTime(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 100, burst: 1}, clk)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	grants := 0
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := f.acquire(ctx, opRes, false); err == nil {
					mu.Lock()
					grants++
					mu.Unlock()
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	quiet := func() bool { return f.queued(opRes) == 4 && clk.pending() == 1 }
	settle(t, "queued", quiet)
	mu.Lock()
	first := grants
	mu.Unlock()
	// One second in steps of 7ms: timers due every 10ms fire up to 6ms late.
	for i := 0; i < 143; i++ {
		clk.advance(7 * time.Millisecond)
		settle(t, "queued", quiet)
	}
	mu.Lock()
	defer mu.Unlock()
	if n := grants - first; n < 99 || n > 101 {
		t.Errorf("%d calls in %v at 100 a second", n, 143*7*time.Millisecond)
	}
}

// TestFlowStallDoesNotBunchCalls: after a stall of seconds (the machine froze) the queue does
// not rush out: at BSS's rates one token more than the burst, so any second holds at most
// rate + burst + 1 calls (10 at 8 a second).
func TestFlowStallDoesNotBunchCalls(t *testing.T) {
	clk := &manualClock{now: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)}
	f := newFlow(flowConfig{rate: 8, burst: 1}, clk)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var at []time.Time
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				if _, err := f.acquire(ctx, opRes, false); err == nil {
					mu.Lock()
					at = append(at, clk.Now())
					mu.Unlock()
				}
			}
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	quiet := func() bool { return f.queued(opRes) == 16 && clk.pending() == 1 }
	settle(t, "queued", quiet)
	clk.advance(5 * time.Second) // the stall
	settle(t, "queued", quiet)
	for i := 0; i < 300; i++ {
		clk.advance(10 * time.Millisecond)
		settle(t, "queued", quiet)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range at {
		n := 0
		for _, b := range at[i:] {
			if b.Sub(at[i]) < time.Second {
				n++
			}
		}
		if n > 10 {
			t.Fatalf("%d calls within a second from %v", n, at[i])
		}
	}
}
