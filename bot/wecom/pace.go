package wecom

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bot"
)

// errQueueFull says a destination's window is full for longer than the caller may wait.
var errQueueFull = errors.New("wecom: sending pace for this destination reached")

// pacer keeps each destination under its own limit: at most n messages in any window (a
// sliding window, since WeCom does not say whether its minute is sliding or fixed). WeCom drops
// app messages over the limit without an error, and answers a robot with 45009, so the bot
// paces itself. Messages to one destination queue in order (one sender at a time); a caller
// that would have to wait longer than it may gets a bot.Throttled error, so the dispatcher waits
// instead of holding the other platforms' notices.
type pacer struct {
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu    sync.Mutex
	dests map[string]*dest
}

type dest struct {
	sending sync.Mutex // one sender at a time: the queue
	mu      sync.Mutex // guards sent and lastUse
	n       int
	window  time.Duration
	sent    []time.Time // send times within the window, oldest first
	lastUse time.Time
}

func newPacer(now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	return &pacer{now: now, sleep: sleep, dests: map[string]*dest{}}
}

// maxIdleDests bounds the table: idle destinations are forgotten past it.
const maxIdleDests = 1000

func (p *pacer) get(key string, n int, window time.Duration) *dest {
	p.mu.Lock()
	defer p.mu.Unlock()
	d, ok := p.dests[key]
	if !ok {
		if len(p.dests) >= maxIdleDests {
			now := p.now()
			for k, o := range p.dests {
				o.mu.Lock()
				idle := now.Sub(o.lastUse) > o.window && len(o.sent) == 0 || now.Sub(o.lastUse) > 2*o.window
				o.mu.Unlock()
				if idle && o.sending.TryLock() {
					delete(p.dests, k)
					o.sending.Unlock()
				}
			}
		}
		d = &dest{n: n, window: window}
		p.dests[key] = d
	}
	return d
}

// run calls send for each of count messages to key, in order, at the destination's pace.
// maxWait bounds one wait (0 = as long as ctx allows). It returns how many were sent.
func (p *pacer) run(ctx context.Context, key string, n int, window, maxWait time.Duration, count int, send func(i int) error) (int, error) {
	d := p.get(key, n, window)
	d.sending.Lock()
	defer d.sending.Unlock()
	for i := 0; i < count; i++ {
		for {
			wait := d.take(p.now())
			if wait == 0 {
				break
			}
			if maxWait > 0 && wait > maxWait {
				return i, bot.Throttled(wait, fmt.Errorf("%w (%d per %s)", errQueueFull, d.n, d.window))
			}
			if err := p.sleep(ctx, wait); err != nil {
				return i, err
			}
		}
		if err := send(i); err != nil {
			return i, err
		}
	}
	return count, nil
}

// take reserves a slot at now and returns 0, or returns how long until one frees up.
func (d *dest) take(now time.Time) time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.lastUse = now
	for len(d.sent) > 0 && now.Sub(d.sent[0]) >= d.window {
		d.sent = d.sent[1:]
	}
	if len(d.sent) < d.n {
		d.sent = append(d.sent, now)
		return 0
	}
	return d.sent[0].Add(d.window).Sub(now)
}

// sleepCtx waits d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
