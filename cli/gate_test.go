package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestUserGateFromConfig: the gate the adapters share takes bot.user_rate and the roles of the
// configuration, refuses an unlisted person (roles.default none) in the bot's language, and
// audits the refusals it answers.
func TestUserGateFromConfig(t *testing.T) {
	cfg := writeConfig(t, "  default: viewer", "  default: none",
		"    console:bob: approver", "    console:bob: approver\n    telegram:77: viewer",
		"    per_minute: 30\n    burst: 10", "    per_minute: 60\n    burst: 2")
	a, err := newApp(context.Background(), cfg, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	g := a.userGate()
	if a.userGate() != g {
		t.Fatal("the adapters would get different gates")
	}
	ctx := context.Background()
	stranger := chat.Request{Platform: "telegram", UserID: "99", Channel: "99", Text: "/help"}
	d := g.Check(ctx, stranger)
	if d.Verdict != bot.Answer || !strings.Contains(d.Reply.Text, "telegram:99") || !strings.Contains(d.Reply.Text, "权限") {
		t.Fatalf("an unlisted person: %+v", d)
	}
	member := chat.Request{Platform: "telegram", UserID: "77", Channel: "77", Text: "/help"}
	for i := range 2 {
		if d := g.Check(ctx, member); d.Verdict != bot.Admit {
			t.Fatalf("the member's command %d: %v", i, d.Verdict)
		}
	}
	if d := g.Check(ctx, member); d.Verdict != bot.Answer || !strings.Contains(d.Reply.Text, "每分钟最多 60 条") {
		t.Fatalf("past the burst of 2: %+v", d)
	}
	audit, err := a.store.RecentAudit(ctx, 10, store.AuditFilter{Platform: "telegram"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range audit {
		got = append(got, e.UserID+" "+e.Result+" "+e.Command)
	}
	if s := strings.Join(got, ","); !strings.Contains(s, "99 denied /help") || !strings.Contains(s, "77 limited /help") {
		t.Errorf("audit: %s", s)
	}
}
