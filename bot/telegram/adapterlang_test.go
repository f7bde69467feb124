package telegram

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/langcheck"
	"github.com/partnerbot/partnerbot/lang"
)

// TestAdapterTextsInOneLanguage: what the adapter says itself — the hint for plain text in a
// private chat, the apology for a command that failed, and the alerts for a button that is
// unknown or expired — is in its recipient's language (their /lang, else the bot's: Gate.Lang),
// one language a message, not Chinese and English side by side.
func TestAdapterTextsInOneLanguage(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.ButtonTTL = time.Hour
	opts.Gate = bot.NewGate(bot.GateOptions{Language: lang.Zh, Lang: func(_ context.Context, user string) lang.Lang {
		if user == fmt.Sprint("telegram:", alice.ID) {
			return lang.En
		}
		return "" // no /lang: the bot's
	}})
	a := e.start(opts, func(_ context.Context, req chat.Request) (chat.Reply, bool) {
		if req.Text == "/panic" {
			panic("boom")
		}
		return chat.Reply{}, false // plain text: no command
	})
	ck := langcheck.New()
	for _, tt := range []struct {
		who  telegramtest.User
		lang lang.Lang
	}{{alice, lang.En}, {bob, lang.Zh}} {
		func() { // not a subtest: env's waits fail the test itself
			check := func(what, got, want string) {
				t.Helper()
				what = string(tt.lang) + ": " + what
				if words(got) != words(want) {
					t.Errorf("%s: %q, want %q", what, got, want)
				}
				for _, p := range ck.Problems(string(tt.lang), got) {
					t.Errorf("%s: %s\n%s", what, p, got)
				}
			}
			e.fake.Say(tt.who.ID, tt.who, "hi")
			check("the hint", e.waitMsg(tt.who.ID, tt.lang.Hint()).Text, tt.lang.Hint())
			e.fake.Say(tt.who.ID, tt.who, "/panic")
			check("the apology", e.waitMsg(tt.who.ID, "⚠️").Text[len("⚠️"):], tt.lang.Failed())

			if err := a.Send(context.Background(), bot.Target{Channel: fmt.Sprint(tt.who.ID)},
				chat.Reply{Text: "page 1", Buttons: []chat.Button{{Label: "Next", Command: "/expiring 30 --page 2"}}}); err != nil {
				t.Fatal(err)
			}
			m := e.waitMsg(tt.who.ID, "page 1")
			q := e.fake.Click(tt.who.ID, m.ID, tt.who, "b:AAAAAAAAAAAAAAAA")
			check("an unknown button", e.waitAnswered(q).Text, tt.lang.ButtonGone())
			e.clock.Advance(2 * time.Hour)
			q = e.fake.Click(tt.who.ID, m.ID, tt.who, telegramtest.Buttons(m)[0][0][1])
			check("an expired button", e.waitAnswered(q).Text, tt.lang.ButtonExpired("/expiring 30 --page 2"))
		}()
	}
}

// words is s with its spacing and line breaks (the renderer wraps lines) as single spaces.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }
