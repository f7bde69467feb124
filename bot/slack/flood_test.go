package slack

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/floodtest"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/lang"
)

const stranger = "USTRANGER" // listed nowhere, and roles.default is none for the gate's tests

// postsTo is the text of what was posted to channel.
func (e *env) postsTo(channel string) []string {
	var out []string
	for _, p := range e.fake.Posts() {
		if p.Channel == channel {
			out = append(out, p.Text+"\n"+slacktest.BlockText(p.Blocks))
		}
	}
	return out
}

func countContaining(texts []string, s string) int {
	n := 0
	for _, t := range texts {
		if strings.Contains(t, s) {
			n++
		}
	}
	return n
}

// flood sends n direct messages from user as fast as the socket takes them.
func (e *env) flood(user string, n int) {
	e.t.Helper()
	for i := range n {
		e.fake.Envelope("events_api", slacktest.EventPayload(fmt.Sprintf("EvFlood-%s-%d", user, i),
			slacktest.DMEvent(user, fmt.Sprint("customer 张三 ", i), fmt.Sprintf("1700000100.%06d", i))), false)
	}
}

// TestFloodDoesNotSilenceOthers is issue #20 §5 on Slack: one person sends two hundred
// commands at once, each of which takes long. Another person's command is still answered,
// while every one of the flooder's is running or waiting, and the flooder is told "busy"
// rather than left in silence. (Before the pool was fair, the flood filled the one queue and
// the other person was refused.)
func TestFloodDoesNotSilenceOthers(t *testing.T) {
	fh := floodtest.New(viewer, nil)
	e := newEnv(t, envOptions{handler: fh.Handle})
	defer fh.Free()
	e.flood(viewer, 200)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvBob", slacktest.DMEvent(bob, "/pending", "1700000200.000100")), false)
	e.fake.WaitFor("bob's answer", func() bool { return countContaining(e.postsTo("D"+bob), "done /pending") == 1 })
	if n := countContaining(e.postsTo("D"+viewer), "done"); n != 0 {
		t.Fatalf("%d of the flooder's commands finished before they were let go", n)
	}
	e.fake.WaitFor("the flooder to be told busy", func() bool { return countContaining(e.postsTo("D"+viewer), lang.Zh.Busy()) > 0 }) // no gate: the bot's language
	fh.Free()
}

// newGatedEnv is the Slack environment with a gate on a clock that stands still (so no token
// comes back during the test): the default rate (10 at once, 30 a minute), the stranger
// without a role.
func newGatedEnv(t *testing.T, h bot.Handler, workers int) *env {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	gate := bot.NewGate(bot.GateOptions{Now: clock.Now, Role: func(user string) chat.Role {
		if user == "slack:"+stranger {
			return chat.RoleNone
		}
		return chat.RoleViewer
	}})
	return newEnv(t, envOptions{handler: h, adapter: func(o *Options) { o.Gate, o.Workers = gate, workers }})
}

// TestFloodIsRateLimited: with the gate, of a flood of 300 quick commands the burst (10) runs,
// the flooder is told once that they go too fast, and the rest is dropped without a word.
// (With 8 workers a person may hold 2 and have 8 waiting: room for the whole burst.)
func TestFloodIsRateLimited(t *testing.T) {
	fh := floodtest.New("nobody", nil) // every command answers at once
	e := newGatedEnv(t, fh.Handle, 8)
	e.flood(viewer, 300)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvBob", slacktest.DMEvent(bob, "/pending", "1700000200.000100")), false)
	e.fake.WaitFor("bob's answer", func() bool { return countContaining(e.postsTo("D"+bob), "done /pending") == 1 })
	e.fake.WaitFor("the flooder's answers", func() bool { return len(e.postsTo("D"+viewer)) >= 11 })
	posts := e.postsTo("D" + viewer)
	if len(posts) != 11 || countContaining(posts, "done") != 10 || countContaining(posts, "速度太快了（每分钟最多 30 条）") != 1 {
		t.Errorf("the flooder got %d messages, want 10 answers and 1 \"too fast\":\n%s", len(posts), strings.Join(posts, "\n---\n"))
	}
	if n := fh.CallsOf(viewer); n != 10 {
		t.Errorf("%d of the flooder's commands ran, want 10", n)
	}
}

// TestSlowFloodIsBusyOnce: when the flooder's commands take long, what the pool has no room
// for (with 4 workers: 1 running and 8 waiting) is answered "busy" once, not per message.
func TestSlowFloodIsBusyOnce(t *testing.T) {
	fh := floodtest.New(viewer, nil)
	e := newGatedEnv(t, fh.Handle, 4)
	defer fh.Free()
	e.flood(viewer, 300)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvBob", slacktest.DMEvent(bob, "/pending", "1700000200.000100")), false)
	e.fake.WaitFor("bob's answer", func() bool { return countContaining(e.postsTo("D"+bob), "done /pending") == 1 })
	e.fake.WaitFor("the flooder to be told", func() bool { return len(e.postsTo("D"+viewer)) > 0 })
	fh.Free()
	e.fake.WaitFor("the flooder's answers", func() bool { return countContaining(e.postsTo("D"+viewer), "done") == 9 })
	posts := e.postsTo("D" + viewer)
	if len(posts) != 10 || countContaining(posts, "机器人正忙") != 1 {
		t.Errorf("the flooder got %d messages, want 9 answers and 1 busy:\n%s", len(posts), strings.Join(posts, "\n---\n"))
	}
	if n := fh.CallsOf(viewer); n != 9 {
		t.Errorf("%d of the flooder's commands ran, want 9", n)
	}
}

// TestStrangerIsRefusedOutsideThePool: a person without a role sending 320 /help is refused
// once, by the gate, without one of them reaching a worker; an approver's command is answered.
func TestStrangerIsRefusedOutsideThePool(t *testing.T) {
	fh := floodtest.New(viewer, nil)
	e := newGatedEnv(t, fh.Handle, 4)
	defer fh.Free()
	e.flood(stranger, 320)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvBob", slacktest.DMEvent(bob, "/pending", "1700000200.000100")), false)
	e.fake.WaitFor("bob's answer", func() bool { return countContaining(e.postsTo("D"+bob), "done /pending") == 1 })
	e.fake.WaitFor("the stranger's refusal", func() bool { return len(e.postsTo("D"+stranger)) > 0 })
	posts := e.postsTo("D" + stranger)
	if len(posts) != 1 || !strings.Contains(posts[0], "slack:"+stranger) {
		t.Errorf("the stranger got %d messages, want one refusal naming the key to add:\n%s", len(posts), strings.Join(posts, "\n---\n"))
	}
	if n := fh.CallsOf(stranger); n != 0 {
		t.Errorf("%d of the stranger's commands reached a worker", n)
	}
}
