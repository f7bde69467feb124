package bss

import (
	"context"
	"maps"
	"math"
	"slices"
	"sync"
	"time"
)

// Flow control. Huawei counts its quota per source IP, API and partner account, in calls a
// second: 10 for most APIs, more for a few (bss-api.md §12 and "Corrections"; operationTable).
// So the client keeps one budget per operation rather than one for all calls: a scan paging
// through ListPayPerUseCustomerResources does not slow a person's ListSubCustomers down.
//
// A budget is a sliding window: at most n calls in any span of n/rate seconds, lengthened by
// windowMargin (5 %) for the jitter of the network between us and BSS — 10 calls in any
// 1.05 s at BSS's 10 a second. That holds whether BSS counts in calendar seconds, in a sliding
// second or with a token bucket of one second's calls, and it lets a person's calls go at
// once, a second's budget in a burst (a token bucket of that burst could send twice the
// rate within one second).
//
// Calls made under a Background context (scans) yield to interactive ones but leave nothing
// unused: while no person's call waits, a scan may use the whole budget. Background calls go
// one at a time, evenly spaced (span/n apart), so that the window frees a slot every span/n
// — 105 ms at 10 a second — and a person's call, which goes before any waiting background
// call, waits about that long at most behind a scan (two spacings, 210 ms, when another
// person's call took a slot between two of the scan's). A 429 is counted and pauses the operation's
// background calls (for its Retry-After, or a backoff that doubles with each 429 in a row, at
// most MaxWait); other operations go on, and an interactive call keeps its own retries, so
// that a person is told at once when BSS asks for a long wait rather than left waiting behind
// a pause.

// windowMargin lengthens each budget's window, for the jitter of the network: calls sent a
// window apart must not arrive at BSS within one of its seconds.
const windowMargin = 0.05

// maxWindowCalls bounds a window's calls (its memory), for the high rates of tests.
const maxWindowCalls = 1000

// lateTimer is how late a timer may fire, on a busy machine, without the rate losing it. The
// credit given never exceeds a window's margin (50 ms at BSS's rates), so the calls actually
// sent keep within the rate even then: a late timer only eats into the margin for jitter.
const lateTimer = 50 * time.Millisecond

type ctxKey int

const (
	keyBackground ctxKey = iota
	keyUsage
)

// Background marks the calls made with ctx as background work (an alert scan): they yield to
// interactive calls of the same operation, which go first.
func Background(ctx context.Context) context.Context {
	return context.WithValue(ctx, keyBackground, true)
}

// IsBackground reports whether ctx was marked by Background.
func IsBackground(ctx context.Context) bool {
	b, _ := ctx.Value(keyBackground).(bool)
	return b
}

// Usage counts the calls made under a context (WithUsage), per operation. It is safe for
// concurrent use; the zero value is ready.
type Usage struct {
	mu  sync.Mutex
	ops map[string]OpStats
	// calls waiting for flow control now, since when, and the time so far during which at
	// least one did
	waiting int
	since   time.Time
	queued  time.Duration
}

// OpStats is what one operation did: requests sent (retries included), 429s answered, and the
// time callers spent waiting for the operation's budget.
type OpStats struct {
	Calls     int
	Throttled int
	Waited    time.Duration
}

// WithUsage counts the calls made with ctx in u.
func WithUsage(ctx context.Context, u *Usage) context.Context {
	return context.WithValue(ctx, keyUsage, u)
}

func usageOf(ctx context.Context) *Usage {
	u, _ := ctx.Value(keyUsage).(*Usage)
	return u
}

func (u *Usage) add(op string, s OpStats) {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ops == nil {
		u.ops = map[string]OpStats{}
	}
	o := u.ops[op]
	o.Calls += s.Calls
	o.Throttled += s.Throttled
	o.Waited += s.Waited
	u.ops[op] = o
}

// ByOp returns the counts per operation.
func (u *Usage) ByOp() map[string]OpStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	return maps.Clone(u.ops)
}

// Queued is how long at least one of the calls was waiting for flow control: what the flow
// control cost the caller in time when its calls run side by side (OpStats.Waited adds the
// waits of parallel calls up).
func (u *Usage) Queued() time.Duration {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.queued
}

// startWait and endWait bracket one call's wait for flow control, at times of the flow's
// clock, which the flow reads in order (under its lock).
func (u *Usage) startWait(now time.Time) {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.waiting == 0 {
		u.since = now
	}
	u.waiting++
}

func (u *Usage) endWait(now time.Time) {
	if u == nil {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.waiting--; u.waiting == 0 {
		u.queued += now.Sub(u.since)
	}
}

// Total returns the counts over all operations.
func (u *Usage) Total() OpStats {
	u.mu.Lock()
	defer u.mu.Unlock()
	var t OpStats
	for _, o := range u.ops {
		t.Calls += o.Calls
		t.Throttled += o.Throttled
		t.Waited += o.Waited
	}
	return t
}

// Clock is the time of the flow control. The client's default is the real time; benchmarks
// run a faster one (so that a scan at BSS's real rates takes seconds), tests a manual one.
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed, and a function that stops it.
	After(d time.Duration) (<-chan time.Time, func())
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// window is a budget: at most n calls in any span (n/rate seconds, and the margin). It holds
// the times of the last n calls, oldest first from head.
type window struct {
	n      int
	span   time.Duration
	pace   time.Duration // span/n: the spacing of background calls
	credit time.Duration // how much of a late timer's lateness a call may be credited
	times  []time.Time
	head   int
}

func newWindow(rate float64, burst int) *window {
	n := int(min(math.Floor(rate), maxWindowCalls))
	if burst > 0 && burst < n {
		n = burst
	}
	n = max(n, 1)
	exact := float64(n) / rate * float64(time.Second)
	span := time.Duration(math.Ceil(exact * (1 + windowMargin)))
	return &window{n: n, span: span, pace: span / time.Duration(n),
		credit: min(lateTimer, span-time.Duration(math.Ceil(exact))), times: make([]time.Time, 0, n)}
}

// free is when the window has room for a call: the zero time while it has not been filled.
func (w *window) free() time.Time {
	if len(w.times) < w.n {
		return time.Time{}
	}
	return w.times[w.head].Add(w.span)
}

// take records a call sent at now, which free allowed. A call that a timer let go late (by
// late) is recorded at the time it was due, up to credit earlier, so that the next ones are
// not later by as much: over time the rate holds on a busy machine, and calls actually sent
// stay at least span − credit ≥ n/rate seconds apart from the n-th before them.
func (w *window) take(now time.Time, late time.Duration) {
	at := now
	if len(w.times) == w.n {
		at = latest(w.free(), now.Add(-min(w.credit, late)), w.times[(w.head+w.n-1)%w.n])
		w.times[w.head] = at
		w.head = (w.head + 1) % w.n
		return
	}
	w.times = append(w.times, at)
}

func latest(ts ...time.Time) time.Time {
	var l time.Time
	for _, t := range ts {
		if t.After(l) {
			l = t
		}
	}
	return l
}

// waiter is one call waiting for its turn.
type waiter struct {
	ready      chan struct{} // closed when the call may go
	granted    bool
	background bool
	at         time.Time // when it began to wait
	waited     time.Duration
	usage      *Usage
}

// opFlow is one operation's state.
type opFlow struct {
	name        string
	budget      *window
	bgNext      time.Time // a background call may not go before then (they go span/n apart)
	interactive []*waiter
	background  []*waiter
	pausedUntil time.Time // background calls wait until then after a 429
	strikes     int       // 429s in a row
	stats       OpStats
	timerAt     time.Time // when the armed timer fires; zero when none
	stopTimer   func()
	timerGen    int
}

// flow is the client's flow control: a budget per operation, an optional cap over all of them.
// Calls queue per operation, people's first; one timer per operation lets the next one go.
type flow struct {
	clk   Clock
	mu    sync.Mutex
	all   *window // nil: no cap over all operations
	ops   map[string]*opFlow
	rates map[string]float64
	rate  float64 // of an operation not in rates
	burst int
	// backoff after a 429 without Retry-After: base, doubled per 429 in a row, at most max;
	// no pause is longer than maxWait
	base, max   time.Duration
	maxWait     time.Duration
	interactive int // interactive callers queued, over all operations
}

// flowConfig is what New derives from Config.
type flowConfig struct {
	all     float64 // cap over all calls; 0 = none
	rate    float64 // of an operation not in rates
	rates   map[string]float64
	burst   int // 0 = a whole window's
	base    time.Duration
	max     time.Duration
	maxWait time.Duration
}

// flowSettings resolves the rate fields of cfg. RatePerOperation and OperationRate set
// budgets as OperationRates does (neither: each operation's documented rate); RatePerSecond,
// when set, caps all calls together. RatePerSecond alone keeps its old meaning: one limit
// for all calls, each operation included.
func flowSettings(cfg Config) (flowConfig, error) {
	fc := flowConfig{all: max(cfg.RatePerSecond, 0), rate: cfg.OperationRate, burst: cfg.Burst,
		base: cfg.RetryBase, max: cfg.RetryMax, maxWait: cfg.MaxWait}
	if fc.rate <= 0 && fc.all > 0 && len(cfg.RatePerOperation) == 0 {
		fc.rate = fc.all
	}
	rates, err := OperationRates(fc.rate, cfg.RatePerOperation)
	if err != nil {
		return fc, err
	}
	if fc.rate <= 0 {
		fc.rate = DefaultOperationRate
	}
	fc.rates = rates
	fc.burst = max(fc.burst, 0)
	return fc, nil
}

func newFlow(fc flowConfig, clk Clock) *flow {
	f := &flow{clk: clk, ops: map[string]*opFlow{}, rates: fc.rates, rate: fc.rate, burst: fc.burst,
		base: fc.base, max: fc.max, maxWait: fc.maxWait}
	if f.rate <= 0 {
		f.rate = DefaultOperationRate
	}
	if fc.all > 0 {
		f.all = newWindow(fc.all, fc.burst)
	}
	return f
}

// op returns the state of an operation, creating it at first use. The caller holds f.mu.
func (f *flow) op(name string) *opFlow {
	o := f.ops[name]
	if o == nil {
		rate := f.rate
		if r, ok := f.rates[name]; ok {
			rate = r
		}
		o = &opFlow{name: name, budget: newWindow(rate, f.burst)}
		f.ops[name] = o
	}
	return o
}

// acquire waits until a call of op may be sent and records it. It returns how long it
// waited, or the context's error.
func (f *flow) acquire(ctx context.Context, op string, background bool) (time.Duration, error) {
	f.mu.Lock()
	now := f.clk.Now()
	o := f.op(op)
	w := &waiter{ready: make(chan struct{}), background: background, at: now, usage: usageOf(ctx)}
	w.usage.startWait(now)
	if background {
		o.background = append(o.background, w)
	} else {
		o.interactive = append(o.interactive, w)
		f.interactive++
	}
	f.dispatch(o, now, 0)
	f.mu.Unlock()
	select {
	case <-w.ready:
		return w.waited, nil
	case <-ctx.Done():
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if w.granted { // granted while giving up: the call may go all the same
		return w.waited, nil
	}
	now = f.clk.Now()
	w.usage.endWait(now)
	if background {
		o.background = slices.DeleteFunc(o.background, func(x *waiter) bool { return x == w })
	} else {
		o.interactive = slices.DeleteFunc(o.interactive, func(x *waiter) bool { return x == w })
		f.interactive--
		f.kick(now)
	}
	f.dispatch(o, now, 0)
	return now.Sub(w.at), ctx.Err()
}

// dispatch lets the calls of o go whose turn it is, people's first, and arms the operation's
// timer for the next one; late is how late the timer that calls it fired (0 for a caller).
// The caller holds f.mu.
func (f *flow) dispatch(o *opFlow, now time.Time, late time.Duration) {
	for {
		var w *waiter
		var at time.Time // when w may go
		switch {
		case len(o.interactive) > 0:
			w, at = o.interactive[0], o.budget.free()
		case len(o.background) == 0:
			return
		case now.Before(o.pausedUntil):
			f.arm(o, o.pausedUntil.Sub(now), now)
			return
		case f.all != nil && f.interactive > 0:
			return // a person waits for the cap over all: kicked when nobody does
		default:
			w, at = o.background[0], latest(o.budget.free(), o.bgNext)
		}
		if f.all != nil {
			at = latest(at, f.all.free())
		}
		if at.After(now) {
			f.arm(o, at.Sub(now), now)
			return
		}
		o.budget.take(now, late)
		if f.all != nil {
			f.all.take(now, late)
		}
		if w.background {
			o.background = o.background[1:]
			o.bgNext = latest(o.bgNext, now.Add(-min(o.budget.credit, late))).Add(o.budget.pace)
		} else {
			o.interactive = o.interactive[1:]
			f.interactive--
			f.kick(now)
		}
		w.granted, w.waited = true, now.Sub(w.at)
		w.usage.endWait(now)
		o.stats.Calls++
		o.stats.Waited += w.waited
		close(w.ready)
	}
}

// kick lets background calls of every operation go again once no person waits for the cap
// over all. The caller holds f.mu.
func (f *flow) kick(now time.Time) {
	if f.all == nil || f.interactive > 0 {
		return
	}
	for _, o := range f.ops {
		if len(o.background) > 0 && o.timerAt.IsZero() {
			f.arm(o, 0, now)
		}
	}
}

// arm makes sure that o is dispatched again within d. The caller holds f.mu.
func (f *flow) arm(o *opFlow, d time.Duration, now time.Time) {
	at := now.Add(d)
	if !o.timerAt.IsZero() && !o.timerAt.After(at) {
		return // an earlier timer will do
	}
	if o.stopTimer != nil {
		o.stopTimer()
	}
	o.timerGen++
	gen := o.timerGen
	ch, stop := f.clk.After(d)
	quit := make(chan struct{})
	o.timerAt = at
	o.stopTimer = func() { stop(); close(quit) }
	go func() {
		select {
		case <-ch:
		case <-quit:
			return
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if o.timerGen != gen {
			return
		}
		now := f.clk.Now()
		o.timerAt, o.stopTimer = time.Time{}, nil
		f.dispatch(o, now, max(now.Sub(at), 0))
	}()
}

// throttled records a 429 of op: the operation's background calls pause for hint, or for a
// backoff that doubles with each 429 in a row, at most maxWait. Other operations go on.
func (f *flow) throttled(op string, hint time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clk.Now()
	o := f.op(op)
	o.stats.Throttled++
	o.strikes++
	d := f.base << min(o.strikes-1, 30)
	if d > f.max || d <= 0 {
		d = f.max
	}
	d = max(d, hint)
	if f.maxWait > 0 {
		d = min(d, f.maxWait)
	}
	if until := now.Add(d); until.After(o.pausedUntil) {
		o.pausedUntil = until
	}
}

// succeeded ends a run of 429s of op.
func (f *flow) succeeded(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if o := f.ops[op]; o != nil {
		o.strikes = 0
	}
}

// stats returns what every operation did since the client was built.
func (f *flow) stats() map[string]OpStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]OpStats, len(f.ops))
	for name, o := range f.ops {
		out[name] = o.stats
	}
	return out
}

// FlowStats returns, per operation, the requests sent, the 429s answered and the time callers
// waited for the operation's budget since the client was built.
func (c *Client) FlowStats() map[string]OpStats { return c.flow.stats() }
