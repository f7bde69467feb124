package commands_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// recordingSender keeps the replies the dispatcher sends, by target.
type recordingSender struct {
	mu   sync.Mutex
	sent map[bot.Target][]chat.Reply
}

func (s *recordingSender) Send(_ context.Context, to bot.Target, r chat.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sent == nil {
		s.sent = map[bot.Target][]chat.Reply{}
	}
	s.sent[to] = append(s.sent[to], r)
	return nil
}

// texts is what was sent, flattened, by target.
func (s *recordingSender) texts() map[bot.Target][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[bot.Target][]string{}
	for to, rs := range s.sent {
		for _, r := range rs {
			out[to] = append(out[to], flatten(r))
		}
	}
	return out
}

// deliver runs the real dispatcher over e's outbox, with the store telling recipients' languages.
func (e *actEnv) deliver() map[bot.Target][]string {
	e.t.Helper()
	s := &recordingSender{}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": s, "console": s}, Now: e.Clock.Now, Langs: e.Store}
	if _, _, err := d.RunOnce(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	return s.texts()
}

func (e *actEnv) in(user, channel, text string) string {
	e.t.Helper()
	platform, id, _ := strings.Cut(user, ":")
	rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: channel, Text: text})
	if !ok {
		e.t.Fatalf("%q not handled", text)
	}
	return flatten(rep)
}

// TestNoticesInTheRecipientsLanguage: a person who chose /lang en hears of their request's
// approval and result in English, in their direct conversation and in the channel they asked in
// (which has no language of its own); the approvals channel, set to zh, stays Chinese; a
// channel set to en by an operator gets English. (Where the approver acted, their reply is the
// one message about the event.)
func TestNoticesInTheRecipientsLanguage(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) {
		o.Roles["slack:A1"], o.Roles["slack:A3"] = chat.RoleOperator, chat.RoleAdmin
		o.DirectMessages = func(platform, channel, user string) bool {
			return platform == "slack" && !strings.HasPrefix(channel, "D")
		}
		o.IsDirect = func(platform, channel, user string) bool {
			return platform == "slack" && strings.HasPrefix(channel, "D")
		}
	})
	web := e.zsResource("zhangsan-web-01")
	if got := e.in("slack:A1", "DA1", "/lang en"); !strings.Contains(got, "English") {
		t.Fatalf("/lang en in a DM: %s", got)
	}
	if got := e.in("slack:A3", "CAPPROVE", "/lang zh"); !strings.Contains(got, "频道") {
		t.Fatalf("/lang zh by an admin in a channel should set the channel's language: %s", got)
	}
	if got := e.in("slack:A1", "CTEAM", "/renew "+web.ResourceID+" 1m"); !strings.Contains(got, "Request #") {
		t.Fatalf("renew: %s", got)
	}
	id := e.lastRequest().ID
	e.deliver()
	if got := e.in("slack:A2", "CAPPROVE", "/approve "+strconv.FormatUint(id, 10)); !strings.Contains(got, "已执行") {
		t.Fatalf("approve: %s", got)
	}
	sent := e.deliver()
	check := func(to bot.Target, want, notWant string) {
		t.Helper()
		msgs := sent[to]
		if len(msgs) == 0 {
			t.Fatalf("nothing sent to %+v; sent: %v", to, sent)
		}
		for _, m := range msgs {
			if !strings.Contains(m, want) || (notWant != "" && strings.Contains(m, notWant)) {
				t.Errorf("to %+v: want %q without %q, got:\n%s", to, want, notWant, m)
			}
		}
	}
	check(bot.Target{UserID: "A1"}, "Request #", "申请 #")
	check(bot.Target{Channel: "CTEAM", UserID: "A1"}, "Request #", "申请 #")
	// The approvals channel, set to zh, saw the approval as the approver's reply there ("已执行"
	// above, in the channel's language): one message per event per place, so no notice too.
	if msgs := sent[bot.Target{Channel: "CAPPROVE"}]; len(msgs) != 0 {
		t.Errorf("the approvals channel got %d notices besides the approver's reply:\n%s", len(msgs), strings.Join(msgs, "\n---\n"))
	}
}
