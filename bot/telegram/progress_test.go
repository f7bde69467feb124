package telegram

import (
	"strings"
	"testing"

	"golang.org/x/time/rate"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// A long command's progress is one message, edited as it goes and then into the answer: here
// /expiring --live through a router that reports every customer at once.
func TestProgressIsEditedNotMultiplied(t *testing.T) {
	tests := []struct {
		name     string
		chat     int64
		text     string
		progress bool
	}{
		{"private", alice.ID, "/expiring 60 --live", true},
		{"group", opsGroup, "/expiring@PartnerOpsBot 60 --live", true},
		{"no progress", alice.ID, "/help", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			router := commands.New(e.client, e.st, commands.Options{BotName: "partnerbot", Now: e.clock.Now, ProgressAfter: -1, ProgressEvery: -1,
				Roles: map[string]chat.Role{"telegram:1001": chat.RoleOperator}})
			e.start(e.options(), bot.NewHandler(router), func(a *Adapter) { // Telegram's pace is not under test
				a.pace.all = rate.NewLimiter(rate.Inf, 1)
				a.pace.chatLimit, a.pace.groupLimit = rate.Inf, rate.Inf
			})
			e.fake.Say(tt.chat, alice, tt.text)
			want := "资源"
			if !tt.progress {
				want = "/customer"
			}
			e.waitMsg(tt.chat, want)
			msgs := e.fake.Messages(tt.chat)
			if len(msgs) != 1 {
				var texts []string
				for _, m := range msgs {
					texts = append(texts, m.Text)
				}
				t.Fatalf("%d messages, want one:\n%s", len(msgs), strings.Join(texts, "\n---\n"))
			}
			// The first report is posted; every later one is an edit, and so is the answer.
			edits := 0
			if tt.progress {
				edits = len(e.srv.Customers())
			}
			if got := len(e.fake.OKCalls("editMessageText")); got != edits || msgs[0].Edits != edits {
				t.Errorf("%d edits (the message shows %d), want %d", got, msgs[0].Edits, edits)
			}
			if strings.Contains(msgs[0].Text, "处理中") {
				t.Errorf("the answer did not replace the progress: %q", msgs[0].Text)
			}
		})
	}
}
