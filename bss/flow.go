package bss

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Flow control. Huawei counts its quota (10 requests a second) per source IP, API and partner
// account (bss-api.md §12), so the client keeps one budget per operation rather than one for
// all calls: a scan paging through ListPayPerUseCustomerResources does not slow a person's
// ListSubCustomers down. Calls made under a Background context (scans) yield to interactive
// ones: an interactive caller waiting for an operation gets its next token before any
// background caller, and background callers use at most (1 − InteractiveShare) of each
// operation's budget, so the rest is there when a person asks. A 429 is counted and pauses the
// operation's background calls (for its Retry-After, or a backoff that doubles with each 429
// in a row, at most MaxWait); an interactive call keeps its own retries, so that a person is
// told at once when BSS asks for a long wait rather than left waiting behind a pause.

// DefaultOperationRate is each operation's budget (calls a second) when nothing is set: under
// BSS's 10, with room for a clock that runs a little fast.
const DefaultOperationRate = 8

// DefaultInteractiveShare is the share of each operation's budget that background calls leave
// to interactive ones.
const DefaultInteractiveShare = 0.25

// operations are the names of the calls the client makes, as Config.RatePerOperation takes them.
var operations = []string{
	"ListSubCustomers", OpListCustomersBalancesDetail, OpListPartnerBalances, "ListPayPerUseCustomerResources",
	"RenewalResources", "CancelResourcesSubscription", "AutoRenewalResources", "CancelAutoRenewalResources",
	"ListCustomerOrders", "ShowCustomerOrderDetails", "ListRateOnPeriodDetail", "ListRenewRateOnPeriod",
	OpListQuotaCoupons, OpReclaimCouponQuotas, "CreateTemporaryAccessKeyByAgency", opListAuthDomains,
}

// Operations lists the operation names a budget can be set for (Config.RatePerOperation).
func Operations() []string { return slices.Sorted(slices.Values(operations)) }

type ctxKey int

const (
	keyBackground ctxKey = iota
	keyUsage
)

// Background marks the calls made with ctx as background work (an alert scan): they yield to
// interactive calls of the same operation and leave them a share of its budget.
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

// clock is the time source of the flow control; tests replace it.
type clock interface {
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

// bucket is a token bucket: rate tokens a second, holding at most burst while idle. While
// callers queue it may hold more — one token, or lateTimer's worth when that is more — so
// that a timer that fires late does not lose the time it was late by (the next calls go that
// much sooner). At BSS's rates that is one token: over any second no more than rate + burst
// + 1 calls go out, 10 at the default 8 a second.
type bucket struct {
	rate, burst, tokens float64
	last                time.Time
}

func newBucket(rate, burst float64, now time.Time) *bucket {
	return &bucket{rate: rate, burst: burst, tokens: burst, last: now}
}

func (b *bucket) fill(now time.Time, backlog bool) {
	if now.After(b.last) {
		limit := b.burst
		if backlog {
			limit += max(1, b.rate*lateTimer.Seconds())
		}
		b.tokens = min(limit, b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
}

// wait is how long until the bucket holds a whole token.
func (b *bucket) wait() time.Duration {
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration(math.Ceil((1 - b.tokens) / b.rate * float64(time.Second)))
}

// lateTimer is how late a timer may fire, on a busy machine, without the rate losing it.
const lateTimer = 20 * time.Millisecond

// waiter is one call waiting for its turn.
type waiter struct {
	ready      chan struct{} // closed when the call may go
	granted    bool
	background bool
	at         time.Time // when it began to wait
	waited     time.Duration
}

// opFlow is one operation's state.
type opFlow struct {
	name        string
	budget      *bucket
	paced       *bucket // background calls' own pace (the same burst); nil when they may use the whole budget
	interactive []*waiter
	background  []*waiter
	pausedUntil time.Time // background calls wait until then after a 429
	strikes     int       // 429s in a row
	stats       OpStats
	timerAt     time.Time // when the armed timer fires; zero when none
	stopTimer   func()
	timerGen    int
}

func (o *opFlow) backlog() bool { return len(o.interactive)+len(o.background) > 0 }

// flow is the client's flow control: a budget per operation, an optional cap over all of them.
// Calls queue per operation, people's first; one timer per operation hands out the tokens.
type flow struct {
	clk   clock
	mu    sync.Mutex
	all   *bucket // nil: no cap over all operations
	ops   map[string]*opFlow
	rates map[string]float64
	rate  float64 // of an operation not in rates
	burst float64
	share float64
	// backoff after a 429 without Retry-After: base, doubled per 429 in a row, at most max;
	// no pause is longer than maxWait
	base, max   time.Duration
	maxWait     time.Duration
	interactive int // interactive callers queued, over all operations
}

// flowConfig is what New derives from Config.
type flowConfig struct {
	all     float64 // cap over all calls; 0 = none
	rate    float64
	rates   map[string]float64
	burst   int
	share   float64
	base    time.Duration
	max     time.Duration
	maxWait time.Duration
}

// flowSettings resolves the rate fields of cfg: RatePerSecond alone keeps its old meaning (a
// cap over all calls, each operation included); OperationRate alone gives each operation its
// budget without a cap over all; neither gives each operation DefaultOperationRate.
func flowSettings(cfg Config) (flowConfig, error) {
	fc := flowConfig{all: cfg.RatePerSecond, rate: cfg.OperationRate, burst: cfg.Burst, share: cfg.InteractiveShare,
		base: cfg.RetryBase, max: cfg.RetryMax, maxWait: cfg.MaxWait}
	switch {
	case fc.rate <= 0 && fc.all > 0:
		fc.rate = fc.all
	case fc.rate <= 0:
		fc.rate = DefaultOperationRate
	}
	if fc.all < 0 {
		fc.all = 0
	}
	switch {
	case fc.share == 0:
		fc.share = DefaultInteractiveShare
	case fc.share < 0:
		fc.share = 0
	case fc.share > 0.9:
		return fc, fmt.Errorf("bss: interactive share %v is above 0.9: scans would barely move", fc.share)
	}
	if fc.burst <= 0 {
		fc.burst = 1
	}
	var unknown []string
	for op, r := range cfg.RatePerOperation {
		if !slices.Contains(operations, op) {
			unknown = append(unknown, op)
			continue
		}
		if !(r > 0) {
			return fc, fmt.Errorf("bss: rate of operation %s must be positive, not %v", op, r)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fc, fmt.Errorf("bss: no operation named %s; budgets can be set for %s", strings.Join(unknown, ", "), strings.Join(Operations(), ", "))
	}
	fc.rates = maps.Clone(cfg.RatePerOperation)
	return fc, nil
}

func newFlow(fc flowConfig, clk clock) *flow {
	f := &flow{clk: clk, ops: map[string]*opFlow{}, rates: fc.rates, rate: fc.rate, burst: float64(fc.burst),
		share: fc.share, base: fc.base, max: fc.max, maxWait: fc.maxWait}
	if fc.all > 0 {
		f.all = newBucket(fc.all, float64(fc.burst), clk.Now())
	}
	return f
}

// op returns the state of an operation, creating it at first use. The caller holds f.mu.
func (f *flow) op(name string, now time.Time) *opFlow {
	o := f.ops[name]
	if o == nil {
		rate := f.rate
		if r, ok := f.rates[name]; ok {
			rate = r
		}
		o = &opFlow{name: name, budget: newBucket(rate, f.burst, now)}
		if f.share > 0 {
			o.paced = newBucket(rate*(1-f.share), f.burst, now)
		}
		f.ops[name] = o
	}
	return o
}

// acquire waits until a call of op may be sent and takes its tokens. It returns how long it
// waited, or the context's error.
func (f *flow) acquire(ctx context.Context, op string, background bool) (time.Duration, error) {
	f.mu.Lock()
	now := f.clk.Now()
	o := f.op(op, now)
	w := &waiter{ready: make(chan struct{}), background: background, at: now}
	f.fill(o, now) // up to now, as the queue was: a call after a pause finds no extra token
	if background {
		o.background = append(o.background, w)
	} else {
		o.interactive = append(o.interactive, w)
		f.interactive++
	}
	f.dispatch(o, now)
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
	if background {
		o.background = slices.DeleteFunc(o.background, func(x *waiter) bool { return x == w })
	} else {
		o.interactive = slices.DeleteFunc(o.interactive, func(x *waiter) bool { return x == w })
		f.interactive--
		f.kick(now)
	}
	f.dispatch(o, now)
	return now.Sub(w.at), ctx.Err()
}

// dispatch lets the calls of o go whose turn it is, people's first, and arms the operation's
// timer for the next one. The caller holds f.mu.
func (f *flow) dispatch(o *opFlow, now time.Time) {
	for {
		f.fill(o, now)
		var w *waiter
		var d time.Duration
		switch {
		case len(o.interactive) > 0:
			w, d = o.interactive[0], o.budget.wait()
		case len(o.background) == 0:
			return
		case now.Before(o.pausedUntil):
			f.arm(o, o.pausedUntil.Sub(now), now)
			return
		case f.all != nil && f.interactive > 0:
			return // a person waits for the cap over all: kicked when nobody does
		default:
			w, d = o.background[0], o.budget.wait()
			if o.paced != nil {
				d = max(d, o.paced.wait())
			}
		}
		if f.all != nil {
			d = max(d, f.all.wait())
		}
		if d > 0 {
			f.arm(o, d, now)
			return
		}
		o.budget.tokens--
		if f.all != nil {
			f.all.tokens--
		}
		if w.background {
			o.background = o.background[1:]
			if o.paced != nil {
				o.paced.tokens--
			}
		} else {
			o.interactive = o.interactive[1:]
			f.interactive--
			f.kick(now)
		}
		w.granted, w.waited = true, now.Sub(w.at)
		o.stats.Calls++
		o.stats.Waited += w.waited
		close(w.ready)
	}
}

// fill brings o's buckets up to now. The caller holds f.mu.
func (f *flow) fill(o *opFlow, now time.Time) {
	backlog := o.backlog()
	o.budget.fill(now, backlog)
	if o.paced != nil {
		o.paced.fill(now, backlog)
	}
	if f.all != nil {
		f.all.fill(now, backlog || f.interactive > 0)
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
		o.timerAt, o.stopTimer = time.Time{}, nil
		f.dispatch(o, f.clk.Now())
	}()
}

// throttled records a 429 of op: the operation's background calls pause for hint, or for a
// backoff that doubles with each 429 in a row, at most maxWait.
func (f *flow) throttled(op string, hint time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.clk.Now()
	o := f.op(op, now)
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
