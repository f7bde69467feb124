package commands_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// TestRepliesSayTheirLanguage: every reply the router gives says the language it was rendered
// in (chat.Reply.Lang), so that an adapter words what it adds in it rather than guessing from
// content: the asker's /lang (a /lang reply in the language just chosen), else the bot's;
// and so does every notice, in each recipient's rendering.
func TestRepliesSayTheirLanguage(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) {
		o.Roles["slack:A1"] = chat.RoleOperator
		o.IsDirect = func(platform, channel, user string) bool {
			return platform == "slack" && strings.HasPrefix(channel, "D")
		}
	})
	web := e.zsResource("zhangsan-web-01")
	for _, tt := range []struct{ user, text, want string }{
		{"console:alice", "/help", "zh"},
		{"console:alice", "/lang en", "en"},
		{"console:alice", "/help", "en"},
		{"console:alice", "/nosuch", "en"},
		{"console:alice", "/customer nobody-at-all", "en"},
		{"console:bob", "/expiring", "zh"},
		{"console:alice", "/lang zh", "zh"},
		{"console:alice", "/pending", "zh"},
	} {
		platform, id, _ := strings.Cut(tt.user, ":")
		rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: "console", Text: tt.text})
		if !ok || rep.Lang != tt.want {
			t.Errorf("%s %s: reply says %q, want %q", tt.user, tt.text, rep.Lang, tt.want)
		}
	}

	e.in("slack:A1", "DA1", "/lang en")
	e.in("slack:A1", "CTEAM", "/renew "+web.ResourceID+" 1m")
	e.deliver() // the request to the approvals channel
	s := &recordingSender{}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": s, "console": s}, Now: e.Clock.Now, Langs: e.Store}
	e.in("console:bob", "console", "/approve "+strconv.FormatUint(e.lastRequest().ID, 10))
	if _, _, err := d.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	for to, want := range map[bot.Target]string{{Channel: "CTEAM", UserID: "A1"}: "en", {Channel: "CAPPROVE"}: "zh"} {
		got := s.sent[to]
		if len(got) == 0 {
			t.Errorf("no notice to %+v; sent: %v", to, s.texts())
		}
		for _, r := range got {
			if l := r.Lang; l != want {
				t.Errorf("a notice to %+v says it is in %q, want %q", to, l, want)
			}
		}
	}
}
