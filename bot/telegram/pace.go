package telegram

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Telegram's pace (Bot FAQ): about one message per second in a chat (short bursts tolerated),
// twenty per minute in a group, thirty per second overall. Every message the adapter sends or
// edits, replies and notices alike, waits its turn in one pacer.
const (
	chatEvery  = time.Second // one message per second per chat…
	chatBurst  = 3           // …after a short burst (a reply in three parts goes out at once)
	groupEvery = time.Minute / 17
	groupBurst = 3 // 3 at once then one every 3.5 s: at most 20 in any first minute
	allRate    = 30
	allBurst   = 10

	// pacerIdle is how long an idle chat's limiters are kept; forgetting them sooner would
	// only hand the chat a fresh burst.
	pacerIdle = 10 * time.Minute
	// pacerPruneAt is the number of chats above which idle ones are forgotten.
	pacerPruneAt = 1024
)

// pacer spaces out messages per chat, per group and overall, and holds a chat after a 429
// until its retry_after has passed.
type pacer struct {
	now func() time.Time

	// The limits; newPacer sets Telegram's.
	chatLimit, groupLimit rate.Limit
	chatBurst, groupBurst int

	mu    sync.Mutex
	all   *rate.Limiter
	chats map[int64]*chatPace
}

type chatPace struct {
	chat  *rate.Limiter
	group *rate.Limiter // nil for a private chat
	hold  time.Time     // no message before this (a 429's retry_after)
	last  time.Time
}

func newPacer(now func() time.Time) *pacer {
	return &pacer{now: now, all: rate.NewLimiter(allRate, allBurst), chats: map[int64]*chatPace{},
		chatLimit: rate.Every(chatEvery), chatBurst: chatBurst, groupLimit: rate.Every(groupEvery), groupBurst: groupBurst}
}

// isGroup: Telegram gives groups, supergroups and channels negative chat ids, users positive.
func isGroup(chat int64) bool { return chat < 0 }

// chatLocked returns chat's limiters, creating them (and forgetting idle chats) as needed.
func (p *pacer) chatLocked(chat int64, now time.Time) *chatPace {
	c := p.chats[chat]
	if c == nil {
		if len(p.chats) >= pacerPruneAt {
			for id, old := range p.chats {
				if now.Sub(old.last) > pacerIdle && !old.hold.After(now) {
					delete(p.chats, id)
				}
			}
		}
		c = &chatPace{chat: rate.NewLimiter(p.chatLimit, p.chatBurst)}
		if isGroup(chat) {
			c.group = rate.NewLimiter(p.groupLimit, p.groupBurst)
		}
		p.chats[chat] = c
	}
	c.last = now
	return c
}

// reserve books the next message to chat at now and returns how long to wait before sending.
func (p *pacer) reserve(chat int64, now time.Time) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.chatLocked(chat, now)
	d := max(c.hold.Sub(now), 0)
	d = max(d, c.chat.ReserveN(now, 1).DelayFrom(now))
	if c.group != nil {
		d = max(d, c.group.ReserveN(now, 1).DelayFrom(now))
	}
	return max(d, p.all.ReserveN(now, 1).DelayFrom(now))
}

// wait blocks until a message to chat may go, or ctx ends.
func (p *pacer) wait(ctx context.Context, chat int64) error {
	d := p.reserve(chat, p.now())
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// hold keeps chat silent for d (Telegram's retry_after).
func (p *pacer) hold(chat int64, d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	c := p.chatLocked(chat, now)
	if until := now.Add(d); until.After(c.hold) {
		c.hold = until
	}
}
