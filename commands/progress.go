package commands

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/lang"

	"github.com/partnerbot/partnerbot/chat"
)

// The router's side of progress reporting (see chat.WithProgress): it calls the adapter's
// chat.ProgressFunc only once the command has run for Options.ProgressAfter, then at most every
// Options.ProgressEvery, in the reader's language.

// reporter throttles one command's progress reports.
type reporter struct {
	f      chat.ProgressFunc
	lang   lang.Lang
	start  time.Time
	after  time.Duration
	every  time.Duration
	mu     sync.Mutex
	last   time.Time
	posted bool
}

func (rp *reporter) report(ctx context.Context, done, total int) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	now := time.Now()
	if now.Sub(rp.start) < rp.after || (rp.posted && now.Sub(rp.last) < rp.every) {
		return
	}
	rp.posted, rp.last = true, now
	rp.f(ctx, chat.Reply{Text: rp.lang.T("progress.working", groupDigits(done), groupDigits(total))})
}

// withReporter gives the command's context a reporter when the adapter listens.
func (r *Router) withReporter(ctx context.Context, lang lang.Lang) context.Context {
	f := chat.Progress(ctx)
	if f == nil {
		return ctx
	}
	rp := &reporter{f: f, lang: lang, start: time.Now(), after: r.opts.ProgressAfter, every: r.opts.ProgressEvery}
	return chat.WithReporter(ctx, rp.report)
}

// groupDigits writes n with thousands separators: 10,000.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// joiner lets a request join an identical one already running (same person, channel and
// text), so that asking twice for a long answer runs it once.
type joiner struct {
	mu      sync.Mutex
	running map[string]*joined
}

type joined struct {
	done    chan struct{}
	reply   chat.Reply
	err     error
	waiting int // requests that joined it
}

// do runs fn, or waits for the run of key already under way and returns its outcome; shared
// reports the latter.
func (j *joiner) do(ctx context.Context, key string, fn func() (chat.Reply, error)) (rep chat.Reply, err error, shared bool) {
	j.mu.Lock()
	if j.running == nil {
		j.running = map[string]*joined{}
	}
	if w, ok := j.running[key]; ok {
		w.waiting++
		j.mu.Unlock()
		select {
		case <-w.done:
			return w.reply, w.err, true
		case <-ctx.Done():
			return chat.Reply{}, ctx.Err(), true
		}
	}
	w := &joined{done: make(chan struct{})}
	j.running[key] = w
	j.mu.Unlock()
	defer func() {
		j.mu.Lock()
		delete(j.running, key)
		j.mu.Unlock()
		close(w.done)
	}()
	w.reply, w.err = fn()
	return w.reply, w.err, false
}
