package slack

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/workers"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// sendTimeout bounds delivering one answer, after the command ran.
const sendTimeout = 30 * time.Second

// pool runs commands on the bot's fair worker pool (bot/internal/workers): a fixed number of
// workers, each person's commands in a bounded queue of their own, served in turn, so that a
// burst of messages neither holds up Slack's acknowledgements nor grows without bound, and one
// person's backlog never waits in front of another's command. A message the gate refuses (over
// the rate, no role) or that finds no room is answered at once, outside the pool.
type pool struct {
	ctx      context.Context
	a        *Adapter
	h        bot.Handler
	wp       *workers.Pool
	wg       sync.WaitGroup
	overflow chan struct{} // quick answers in flight (a semaphore)
}

func newPool(ctx context.Context, a *Adapter, h bot.Handler) *pool {
	return &pool{ctx: ctx, a: a, h: h, overflow: make(chan struct{}, 16),
		wp: workers.New(workers.Options{Workers: a.opts.Workers, Queue: a.opts.Queue})}
}

// submit queues a message, or answers it at once when the gate refuses it or the pool has no
// room for its sender. It never blocks.
func (p *pool) submit(in inbound) {
	switch d := p.a.opts.Gate.Check(p.ctx, in.req); d.Verdict {
	case bot.Drop:
		return
	case bot.Answer:
		p.reply(in, d.Reply)
		return
	}
	err := p.wp.Submit(workers.Job{User: in.req.User(), Chat: platform + ":" + in.channel, Run: func(context.Context) {
		if p.ctx.Err() != nil {
			p.restart(in) // the adapter stopped before a worker took it
			return
		}
		p.run(in)
	}})
	if err != nil {
		if rep, ok := p.a.opts.Gate.Busy(p.ctx, in.req); ok {
			p.reply(in, rep)
		}
	}
}

// reply answers in with a fixed reply from a goroutine of its own, at most 16 at a time.
func (p *pool) reply(in inbound, rep chat.Reply) {
	select {
	case p.overflow <- struct{}{}:
	default:
		p.a.log.Error("slack: overloaded; a message was neither run nor answered", "user", in.req.UserID, "channel", in.channel)
		return
	}
	p.wg.Go(func() {
		defer func() { <-p.overflow }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), sendTimeout)
		defer cancel()
		if err := p.a.answer(ctx, in, rep); err != nil {
			p.a.log.Warn("slack: answering", "user", in.req.UserID, "channel", in.channel, "error", redactURL(err))
		}
	})
}

// restartReply tells the sender of a command that will not run now to send it again, in l
// (their /lang, else the bot's language: Gate.Lang).
func restartReply(l lang.Lang) chat.Reply {
	return chat.Reply{Text: l.Restarting(), Error: true, Ephemeral: true}
}

// failedReply and hintReply are what the adapter words itself, in l (the sender's /lang, else
// the bot's language: Gate.Lang): a command that failed, and a slash command with no command.
func failedReply(l lang.Lang) chat.Reply {
	return chat.Reply{Text: l.Failed(), Error: true, Ephemeral: true}
}

func hintReply(l lang.Lang, command string) chat.Reply {
	return chat.Reply{Text: l.SlashHint(command), Ephemeral: true}
}

// restart tells the sender of a message that will not run now to send it again, in their language.
func (p *pool) restart(in inbound) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), sendTimeout)
	defer cancel()
	if err := p.a.answer(ctx, in, restartReply(p.a.opts.Gate.Lang(ctx, in.req.User()))); err != nil {
		p.a.log.Warn("slack: answering", "user", in.req.UserID, "channel", in.channel, "error", redactURL(err))
	}
}

// stop waits, once ctx has ended, for the commands running to be answered and those still
// queued to be told to send again, and for the answers under way.
func (p *pool) stop() {
	p.wp.Close(p.a.opts.Timeout + sendTimeout)
	p.wg.Wait()
}

// run handles one message: the command under the per-request timeout, then the answer. A
// panic is answered politely and logged; the worker goes on.
func (p *pool) run(in inbound) {
	defer func() {
		if r := recover(); r != nil {
			p.a.log.Error("slack: a command panicked", "user", in.req.UserID, "channel", in.channel, "panic", fmt.Sprint(r))
			ctx, cancel := context.WithTimeout(context.WithoutCancel(p.ctx), sendTimeout)
			defer cancel()
			if err := p.a.answer(ctx, in, failedReply(p.a.opts.Gate.Lang(ctx, in.req.User()))); err != nil {
				p.a.log.Warn("slack: answering", "error", redactURL(err))
			}
		}
	}()
	ctx, cancel := context.WithTimeout(p.ctx, p.a.opts.Timeout)
	in = p.a.withName(ctx, in)
	pm := p.a.progressMessage(in)
	rep, ok := p.h(chat.WithProgress(ctx, pm.Report), in.req)
	cancel()
	if !ok && in.kind != kindSlash {
		return // not a command for this bot: say nothing
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(p.ctx), sendTimeout)
	defer scancel()
	if !ok {
		rep = hintReply(p.a.opts.Gate.Lang(sctx, in.req.User()), p.a.opts.Command)
	}
	if pm.Replace(sctx, rep) {
		return
	}
	if err := p.a.answer(sctx, in, rep); err != nil {
		p.a.log.Warn("slack: answering", "user", in.req.UserID, "channel", in.channel, "error", redactURL(err))
	}
}

// seenSet remembers keys for a while, to handle each Slack event once.
type seenSet struct {
	mu  sync.Mutex
	ttl time.Duration
	max int
	m   map[string]time.Time
}

func newSeenSet(ttl time.Duration, max int) *seenSet {
	return &seenSet{ttl: ttl, max: max, m: map[string]time.Time{}}
}

// add records key and reports whether it is new.
func (s *seenSet) add(key string) bool {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if at, ok := s.m[key]; ok && now.Sub(at) < s.ttl {
		return false
	}
	if len(s.m) >= s.max {
		for k, at := range s.m {
			if now.Sub(at) >= s.ttl {
				delete(s.m, k)
			}
		}
		for k := range s.m { // still full: forget arbitrary ones
			if len(s.m) < s.max*3/4 {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[key] = now
	return true
}

// pacer spaces messages to each conversation (Slack: about one per second per channel, short
// bursts allowed), so a long answer or a digest does not run into 429s.
type pacer struct {
	mu    sync.Mutex
	limit rate.Limit
	burst int
	m     map[string]*paced
}

type paced struct {
	lim  *rate.Limiter
	used time.Time
}

func newPacer(perSecond float64, burst int) *pacer {
	return &pacer{limit: rate.Limit(perSecond), burst: burst, m: map[string]*paced{}}
}

func (p *pacer) wait(ctx context.Context, channel string) error {
	if p.limit <= 0 {
		return nil
	}
	now := time.Now()
	p.mu.Lock()
	e, ok := p.m[channel]
	if !ok {
		if len(p.m) >= 1000 {
			for k, v := range p.m {
				if now.Sub(v.used) > time.Minute {
					delete(p.m, k)
				}
			}
		}
		e = &paced{lim: rate.NewLimiter(p.limit, p.burst)}
		p.m[channel] = e
	}
	e.used = now
	p.mu.Unlock()
	return e.lim.Wait(ctx)
}
