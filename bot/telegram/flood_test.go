package telegram

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/floodtest"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/lang"
)

// stranger is listed nowhere; the gate of these tests refuses them (roles.default none).
var stranger = telegramtest.User{ID: 1666, FirstName: "Mallory"}

// unpaced lifts Telegram's pace, so that the floods' answers need not take seconds.
func unpaced(a *Adapter) {
	a.pace.all = rate.NewLimiter(rate.Inf, 1)
	a.pace.chatLimit, a.pace.groupLimit = rate.Inf, rate.Inf
}

func texts(ms []telegramtest.Message) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Text
	}
	return out
}

func countContaining(ms []telegramtest.Message, s string) int {
	n := 0
	for _, m := range ms {
		if strings.Contains(m.Text, s) {
			n++
		}
	}
	return n
}

// TestFloodDoesNotSilenceOthers is issue #20 §5 on Telegram: one person sends two hundred
// commands at once, each of which takes long. Another person's command is still answered while
// every one of the flooder's is running or waiting, and the flooder is told "busy" rather
// than left in silence. (Before the pool was fair, the other person was refused.)
func TestFloodDoesNotSilenceOthers(t *testing.T) {
	e := newEnv(t)
	fh := floodtest.New(fmt.Sprint(victor.ID), nil)
	defer fh.Free()
	e.start(e.options(), fh.Handle, unpaced)
	for i := range 200 {
		e.fake.Say(victor.ID, victor, fmt.Sprint("/customer 张三 ", i))
	}
	e.fake.Say(bob.ID, bob, "/pending")
	e.waitMsg(bob.ID, "done /pending")
	if n := countContaining(e.fake.Messages(victor.ID), "done"); n != 0 {
		t.Fatalf("%d of the flooder's commands finished before they were let go", n)
	}
	e.waitMsg(victor.ID, lang.Zh.Busy()) // no gate: the bot's language
	fh.Free()
}

// startGated runs the adapter with the router behind a gate on a clock that stands still: the
// default rate (10 at once, 30 a minute), the stranger refused.
func (e *env) startGated(fh *floodtest.Handler) {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	opts := e.options()
	opts.Gate = bot.NewGate(bot.GateOptions{Now: clock.Now, Role: func(user string) chat.Role {
		if user == fmt.Sprint("telegram:", stranger.ID) {
			return chat.RoleNone
		}
		return chat.RoleViewer
	}})
	e.start(opts, fh.Handle, unpaced)
}

// TestStrangerIsRefusedOutsideThePool: an unlisted user's 320 /help are refused once, by the
// gate, none of them reaching a worker, and an approver's /pending is answered by the router.
func TestStrangerIsRefusedOutsideThePool(t *testing.T) {
	e := newEnv(t)
	e.fake.AddPrivate(stranger)
	fh := floodtest.New(fmt.Sprint(telegramtest.User{}.ID), bot.NewHandler(e.router))
	e.startGated(fh)
	for range 320 {
		e.fake.Say(stranger.ID, stranger, "/help")
	}
	e.fake.Say(bob.ID, bob, "/pending")
	e.waitMsg(bob.ID, "")
	e.waitMsg(stranger.ID, "telegram:1666")
	if ms := e.fake.Messages(stranger.ID); len(ms) != 1 {
		t.Errorf("the stranger got %d messages, want one refusal:\n%s", len(ms), strings.Join(texts(ms), "\n---\n"))
	}
	if n := fh.CallsOf(fmt.Sprint(stranger.ID)); n != 0 {
		t.Errorf("%d of the stranger's commands reached a worker", n)
	}
}

// TestFloodIsRateLimited: of a flood of 300 quick /help, the burst (10) is answered, the
// flooder is told once that they go too fast, and the rest is dropped without a word.
func TestFloodIsRateLimited(t *testing.T) {
	e := newEnv(t)
	fh := floodtest.New(fmt.Sprint(telegramtest.User{}.ID), bot.NewHandler(e.router))
	e.startGated(fh)
	for range 300 {
		e.fake.Say(victor.ID, victor, "/help")
	}
	e.fake.Say(bob.ID, bob, "/pending")
	e.waitMsg(bob.ID, "")
	e.waitMsg(victor.ID, "速度太快了（每分钟最多 30 条）")
	ms := e.fake.Messages(victor.ID)
	for deadline := time.Now().Add(15 * time.Second); len(ms) < 11 && time.Now().Before(deadline); ms = e.fake.Messages(victor.ID) {
		time.Sleep(10 * time.Millisecond)
	}
	if len(ms) != 11 || countContaining(ms, "partnerbot") != 10 {
		t.Errorf("the flooder got %d messages, want 10 answers and 1 \"too fast\":\n%s", len(ms), strings.Join(texts(ms), "\n---\n"))
	}
	if n := fh.CallsOf(fmt.Sprint(victor.ID)); n != 10 {
		t.Errorf("%d of the flooder's commands ran, want 10", n)
	}
}
