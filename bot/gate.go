package bot

import (
	"context"
	"log/slog"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// Gate is what an adapter asks about each inbound command before it takes a worker, so that one
// person's flood costs the others nothing:
//
//   - each person ("platform:user-id") has a rate (GateOptions.PerMinute, Burst); a command
//     over it is not run but answered "you are sending commands too fast, try again in N s";
//   - a person without a role is refused here, at once, with the router's refusal, never
//     taking a worker, reading BSS or waiting behind anyone;
//   - those answers, and "busy" when the worker pool has no room for the person
//     (Gate.Busy), go to one person at most once every NoticeEvery (10 s): a flood of a
//     thousand messages gets a handful of answers, not a thousand, so the bot does not flood
//     the chat back, and the answer holds for what they send meanwhile. The commands not
//     answered are counted in the log.
//
// A nil *Gate admits everything and words "busy" in Chinese (the default language). It is safe for concurrent
// use.
type Gate struct {
	opts GateOptions

	mu    sync.Mutex
	users map[string]*gateUser
}

// GateOptions configure a Gate.
type GateOptions struct {
	// PerMinute is how many commands a minute one person may send, sustained, and Burst how
	// many at once; defaults 30 and 10. A negative PerMinute sets no rate.
	PerMinute float64
	Burst     int
	// Role is a person's role; nil lets everyone through to the router, which checks roles
	// itself.
	Role func(user string) chat.Role
	// Lang is a person's language; nil, or one it does not know, is Language.
	Lang func(ctx context.Context, user string) lang.Lang
	// Language is the default language; zh when empty.
	Language lang.Lang
	// NoticeEvery is the least time between two answers that refuse one person's commands
	// (over the rate, busy, or no role past the rate); default 10 s.
	NoticeEvery time.Duration
	// Audit, when set, records each refusal answered ("denied", "limited" or "busy"); those
	// not answered are not recorded, so a flood writes as little as it is answered.
	Audit  func(ctx context.Context, req chat.Request, result string)
	Now    func() time.Time
	Logger *slog.Logger
}

// gateUser is what the gate knows of one person.
type gateUser struct {
	lim     *rate.Limiter // nil: no rate
	told    time.Time     // when they were last answered with a refusal
	unsaid  int           // refusals not answered since
	touched time.Time
}

// Defaults of GateOptions.
const (
	DefaultUserPerMinute = 30
	DefaultUserBurst     = 10
	defaultNoticeEvery   = 10 * time.Second
	gateMaxUsers         = 10000 // people remembered before the idle are forgotten
)

// NewGate makes a gate.
func NewGate(o GateOptions) *Gate {
	if o.PerMinute == 0 {
		o.PerMinute = DefaultUserPerMinute
	}
	if o.Burst <= 0 {
		o.Burst = DefaultUserBurst
	}
	if o.NoticeEvery <= 0 {
		o.NoticeEvery = defaultNoticeEvery
	}
	if o.Language == "" {
		o.Language = lang.Zh
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Gate{opts: o, users: map[string]*gateUser{}}
}

// Verdict is what an adapter does with a command.
type Verdict int

// The verdicts of Gate.Check.
const (
	// Admit: queue it for a worker.
	Admit Verdict = iota
	// Answer: do not run it; send Decision.Reply at once, outside the worker pool.
	Answer
	// Drop: do not run it and say nothing: its sender was answered a moment ago.
	Drop
)

// Decision is the gate's answer about one command.
type Decision struct {
	Verdict Verdict
	Reply   chat.Reply // for Answer: already sanitized
}

// Check decides about one inbound command (for a button click, Text may still be empty).
func (g *Gate) Check(ctx context.Context, req chat.Request) Decision {
	if g == nil {
		return Decision{Verdict: Admit}
	}
	user := req.User()
	refused := g.opts.Role != nil && g.opts.Role(user) == chat.RoleNone
	now := g.opts.Now()
	g.mu.Lock()
	u := g.user(user, now)
	allowed := u.lim == nil || u.lim.AllowN(now, 1)
	if allowed && !refused {
		g.mu.Unlock()
		return Decision{Verdict: Admit}
	}
	// A person with no role, and anyone over their rate, is answered at most once every
	// NoticeEvery: the answer holds for what they send meanwhile.
	say, unsaid := u.tell(now, g.opts.NoticeEvery)
	wait := u.wait(now)
	g.mu.Unlock()
	result := "denied"
	if !refused {
		result = "limited"
	}
	if !say {
		g.opts.Logger.Debug("command not run and not answered: its sender was answered a moment ago",
			"user", user, "channel", req.Channel, "reason", result)
		return Decision{Verdict: Drop}
	}
	if !refused || unsaid > 0 {
		g.opts.Logger.Warn("command refused before it ran", "user", user, "channel", req.Channel,
			"reason", result, "unanswered_since_last", unsaid)
	}
	lang := g.lang(ctx, user)
	rep := chat.Reply{Text: lang.NoRole(user), Error: true, Ephemeral: true}
	if !refused {
		rep.Text = lang.RateLimited(int(math.Round(g.opts.PerMinute)), wait)
	}
	g.audit(ctx, req, result)
	return Decision{Verdict: Answer, Reply: rep.Sanitized()}
}

// Busy is the answer to a command the worker pool has no room for (workers.ErrBusy): ok is
// false when its sender was answered a moment ago, and nothing is to be said.
func (g *Gate) Busy(ctx context.Context, req chat.Request) (rep chat.Reply, ok bool) {
	if g == nil {
		return chat.Reply{Text: g.Lang(ctx, req.User()).Busy(), Error: true, Ephemeral: true}, true
	}
	user := req.User()
	now := g.opts.Now()
	g.mu.Lock()
	say, unsaid := g.user(user, now).tell(now, g.opts.NoticeEvery)
	g.mu.Unlock()
	if !say {
		g.opts.Logger.Debug("command not run and not answered: its sender was answered busy a moment ago", "user", user, "channel", req.Channel)
		return chat.Reply{}, false
	}
	g.opts.Logger.Warn("no room for the sender's command; answered busy", "user", user, "channel", req.Channel,
		"unanswered_since_last", unsaid)
	g.audit(ctx, req, "busy")
	return chat.Reply{Text: g.lang(ctx, user).Busy(), Error: true, Ephemeral: true}, true
}

// user is the state of user, made when new. Called with g.mu held.
func (g *Gate) user(user string, now time.Time) *gateUser {
	u := g.users[user]
	if u == nil {
		if len(g.users) >= gateMaxUsers {
			g.forget(now)
		}
		u = &gateUser{}
		if g.opts.PerMinute > 0 {
			u.lim = rate.NewLimiter(rate.Limit(g.opts.PerMinute/60), g.opts.Burst)
		}
		g.users[user] = u
	}
	u.touched = now
	return u
}

// forget drops the people whose rate is whole again and who were not answered lately: what
// the gate knows of them is what it would know anew. Called with g.mu held.
func (g *Gate) forget(now time.Time) {
	for k, u := range g.users {
		if now.Sub(u.told) >= g.opts.NoticeEvery && (u.lim == nil || u.lim.TokensAt(now) >= float64(u.lim.Burst())) {
			delete(g.users, k)
		}
	}
	if len(g.users) >= gateMaxUsers { // all busy at once: forget the least recent half
		cut := now
		for _, u := range g.users {
			if u.touched.Before(cut) {
				cut = u.touched
			}
		}
		mid := cut.Add(now.Sub(cut) / 2)
		for k, u := range g.users {
			if !u.touched.After(mid) {
				delete(g.users, k)
			}
		}
	}
}

// tell reports whether the person may be answered with a refusal now, and how many refusals
// went unanswered since the last answer; it books the answer.
func (u *gateUser) tell(now time.Time, every time.Duration) (bool, int) {
	if !u.told.IsZero() && now.Sub(u.told) < every {
		u.unsaid++
		return false, 0
	}
	n := u.unsaid
	u.told, u.unsaid = now, 0
	return true, n
}

// wait is how many whole seconds (at least 1) until the person's next command is taken.
func (u *gateUser) wait(now time.Time) int {
	if u.lim == nil || u.lim.Limit() <= 0 {
		return 1
	}
	missing := 1 - u.lim.TokensAt(now)
	return max(1, int(math.Ceil(missing/float64(u.lim.Limit()))))
}

// Lang is the language of what an adapter says to user itself (not a command's reply): their
// /lang, else the default language; zh without a Gate.
func (g *Gate) Lang(ctx context.Context, user string) lang.Lang {
	if g == nil {
		return lang.Zh
	}
	return g.lang(ctx, user)
}

func (g *Gate) lang(ctx context.Context, user string) lang.Lang {
	if g.opts.Lang != nil {
		if l := g.opts.Lang(ctx, user); l == lang.Zh || l == lang.En {
			return l
		}
	}
	return g.opts.Language
}

func (g *Gate) audit(ctx context.Context, req chat.Request, result string) {
	if g.opts.Audit != nil {
		g.opts.Audit(context.WithoutCancel(ctx), req, result)
	}
}
