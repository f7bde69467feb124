package bot_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/internal/langcheck"
	"github.com/partnerbot/partnerbot/lang"
)

// gateAudit records what a gate audits.
type gateAudit struct {
	mu  sync.Mutex
	got []string
}

func (a *gateAudit) record(_ context.Context, req chat.Request, result string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.got = append(a.got, req.User()+" "+result)
}

func (a *gateAudit) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

func newTestGate(clock *fakeclock.Clock, audit *gateAudit) *bot.Gate {
	roles := map[string]chat.Role{"slack:UFLOOD": chat.RoleViewer, "slack:UVIEW": chat.RoleViewer}
	return bot.NewGate(bot.GateOptions{
		Role: func(user string) chat.Role { return roles[user] },
		Lang: func(_ context.Context, user string) lang.Lang {
			if user == "slack:UVIEW" {
				return lang.En
			}
			return "" // not set: the default
		},
		Now: clock.Now, Audit: audit.record,
	})
}

func req(user, text string) chat.Request {
	return chat.Request{Platform: "slack", UserID: user, Channel: "D" + user, Text: text}
}

// TestGateRate: a person may send Burst commands at once and PerMinute a minute after that
// (defaults 10 and 30); past it they are told once, in their language, when to try again, and
// not again for NoticeEvery however much more they send. Another person is not affected.
func TestGateRate(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	audit := &gateAudit{}
	g := newTestGate(clock, audit)
	ctx := context.Background()
	counts := map[bot.Verdict]int{}
	var answers []string
	for range 1000 {
		d := g.Check(ctx, req("UFLOOD", "/customer 张三"))
		counts[d.Verdict]++
		if d.Verdict == bot.Answer {
			answers = append(answers, d.Reply.Text)
		}
	}
	if counts[bot.Admit] != 10 || counts[bot.Answer] != 1 || counts[bot.Drop] != 989 {
		t.Fatalf("1000 commands at once: %v, want 10 admitted, 1 answered, 989 dropped", counts)
	}
	if want := "每分钟最多 30 条）。请 2 秒后再试"; !strings.Contains(answers[0], want) {
		t.Errorf("answer %q does not say %q", answers[0], want)
	}
	if d := g.Check(ctx, req("UVIEW", "/help")); d.Verdict != bot.Admit {
		t.Fatalf("another person's command: %v, want admitted", d.Verdict)
	}

	clock.Advance(2 * time.Second) // one more token
	if d := g.Check(ctx, req("UFLOOD", "/help")); d.Verdict != bot.Admit {
		t.Fatalf("after 2 s: %v, want admitted", d.Verdict)
	}
	if d := g.Check(ctx, req("UFLOOD", "/help")); d.Verdict != bot.Drop {
		t.Fatalf("told 2 s ago: %v, want dropped", d.Verdict)
	}
	clock.Advance(9 * time.Second) // 11 s after the answer
	if d := g.Check(ctx, req("UFLOOD", "/help")); d.Verdict != bot.Admit {
		t.Fatalf("after 9 s more: %v, want admitted (4 tokens)", d.Verdict)
	}
	for range 3 {
		g.Check(ctx, req("UFLOOD", "/help"))
	}
	if d := g.Check(ctx, req("UFLOOD", "/help")); d.Verdict != bot.Answer {
		t.Fatalf("over the rate again 11 s after the last answer: %v, want answered", d.Verdict)
	}

	// The English speaker's answer is in English.
	for range 10 {
		g.Check(ctx, req("UVIEW", "/help"))
	}
	d := g.Check(ctx, req("UVIEW", "/help"))
	if d.Verdict != bot.Answer || !strings.Contains(d.Reply.Text, "at most 30 a minute") || !d.Reply.Error {
		t.Fatalf("over the rate in English: %+v", d)
	}
	if got, want := strings.Join(audit.list(), ","), "slack:UFLOOD limited,slack:UFLOOD limited,slack:UVIEW limited"; got != want {
		t.Errorf("audited %s, want %s", got, want)
	}
}

// TestGateRefusesUnlistedCheaply: a person without a role is refused by the gate, never
// admitted to a worker, answered once per NoticeEvery however much they send.
func TestGateRefusesUnlistedCheaply(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	audit := &gateAudit{}
	g := newTestGate(clock, audit)
	ctx := context.Background()
	counts := map[bot.Verdict]int{}
	var first string
	for i := range 320 {
		if i%32 == 0 {
			clock.Advance(time.Second)
		}
		d := g.Check(ctx, req("USTRANGER", "/help"))
		counts[d.Verdict]++
		if d.Verdict == bot.Answer && first == "" {
			first = d.Reply.Text
		}
	}
	if counts[bot.Admit] != 0 || counts[bot.Answer] != 1 || counts[bot.Drop] != 319 {
		t.Fatalf("320 /help over 10 s from a stranger: %v, want 1 answered and the rest dropped", counts)
	}
	if !strings.Contains(first, "slack:USTRANGER") || !strings.Contains(first, "roles") {
		t.Errorf("the refusal %q does not say which key to add", first)
	}
	clock.Advance(10 * time.Second)
	if d := g.Check(ctx, req("USTRANGER", "/help")); d.Verdict != bot.Answer {
		t.Errorf("10 s later: %v, want answered again", d.Verdict)
	}
	if got := audit.list(); len(got) != 2 || got[0] != "slack:USTRANGER denied" {
		t.Errorf("audited %v, want two denials", got)
	}
}

// TestGateBusyOncePerBurst: the worker pool's "busy" is said once per NoticeEvery per person.
func TestGateBusyOncePerBurst(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	g := newTestGate(clock, &gateAudit{})
	ctx := context.Background()
	said := 0
	for range 100 {
		if rep, ok := g.Busy(ctx, req("UVIEW", "/help")); ok {
			said++
			if rep.Text != lang.En.Busy() {
				t.Errorf("busy answer %q", rep.Text)
			}
		}
	}
	if said != 1 {
		t.Fatalf("busy said %d times for 100 commands at once, want 1", said)
	}
	if _, ok := g.Busy(ctx, req("UFLOOD", "/help")); !ok {
		t.Error("another person was not told")
	}
	clock.Advance(10 * time.Second)
	if _, ok := g.Busy(ctx, req("UVIEW", "/help")); !ok {
		t.Error("not told again after 10 s")
	}

	var nilGate *bot.Gate
	rep, ok := nilGate.Busy(ctx, req("UVIEW", "/help"))
	if !ok || rep.Text != lang.Zh.Busy() {
		t.Errorf("a nil gate's busy = %q %v, want %q: the default language, not both at once", rep.Text, ok, lang.Zh.Busy())
	}
	for _, p := range langcheck.New().Problems("zh", rep.Text) {
		t.Errorf("a nil gate's busy: %s\n%s", p, rep.Text)
	}
	if d := nilGate.Check(ctx, req("USTRANGER", "/help")); d.Verdict != bot.Admit {
		t.Errorf("a nil gate refused: %v", d.Verdict)
	}
}

// TestGateForgetsIdlePeople: the gate remembers a bounded number of people.
func TestGateForgetsIdlePeople(t *testing.T) {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	g := bot.NewGate(bot.GateOptions{Now: clock.Now})
	ctx := context.Background()
	for i := range 25000 {
		if d := g.Check(ctx, req(fmt.Sprint("U", i), "/help")); d.Verdict != bot.Admit {
			t.Fatalf("person %d's first command: %v", i, d.Verdict)
		}
		if i%1000 == 0 {
			clock.Advance(time.Minute)
		}
	}
	// The flood of one person is still held after all that.
	for range 10 {
		g.Check(ctx, req("UFLOOD", "/help"))
	}
	if d := g.Check(ctx, req("UFLOOD", "/help")); d.Verdict == bot.Admit {
		t.Error("the 11th command at once was admitted")
	}
}
