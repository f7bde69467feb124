package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// TestPeopleShownByName: a person's display name, seen on one event (a Slack slash command
// carries it, a message event does not), names them from then on, also after a restart:
// requests and /pending show the name, /audit the name with the id to copy.
func TestPeopleShownByName(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.Roles["slack:A1"] = chat.RoleOperator })
	web := e.zsResource("zhangsan-web-01")
	ask := func(user, name, text string) string {
		t.Helper()
		rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: "slack", UserID: user, UserName: name, Channel: "CTEAM", Text: text})
		if !ok {
			t.Fatalf("%q not handled", text)
		}
		return flatten(rep)
	}
	ask("A1", "alice.li", "/help")                                                      // a slash command: the name comes with it
	if text := ask("A1", "", "/renew "+web.ResourceID); !strings.Contains(text, "#1") { // a message event: no name
		t.Fatalf("request refused:\n%s", text)
	}
	e.restart()
	pending := ask("A2", "", "/pending")
	if !strings.Contains(pending, "alice.li") || strings.Contains(pending, "slack:A1") {
		t.Errorf("/pending does not name the requester by name:\n%s", pending)
	}
	// The customer by name, the resource by the id one copies into a command.
	if a := e.lastRequest(); !strings.Contains(pending, "张三 (zhangsan), "+web.ResourceID) || strings.Contains(pending, a.CustomerID) {
		t.Errorf("/pending does not name the customer by name:\n%s", pending)
	}
	req := ask("A2", "", "/request 1")
	if !strings.Contains(req, "alice.li 于") || strings.Contains(req, "slack:A1") {
		t.Errorf("the request does not name its requester by name:\n%s", req)
	}
	for _, n := range e.notices() {
		if text := noticeText(n); strings.Contains(text, "slack:A1") || !strings.Contains(text, "alice.li") {
			t.Errorf("notice %s does not name the requester by name:\n%s", n.DedupeKey, text)
		}
	}
	_, audit := e.say("console:admin", "/audit")
	if !strings.Contains(audit, "alice.li (slack:A1)") {
		t.Errorf("/audit does not show the name with the id to copy:\n%s", audit)
	}
}
