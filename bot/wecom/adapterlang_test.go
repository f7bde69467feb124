package wecom_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/langcheck"
	"github.com/partnerbot/partnerbot/lang"
)

// TestAdapterTextsInOneLanguage: what the adapter says itself — the hint for text that is no
// command, "text only" for a picture, the apology for a command that failed, and the answer
// to a button that is not ours — is in the
// member's language (their /lang, else the bot's: Gate.Lang), one language a message, not
// Chinese and English side by side.
func TestAdapterTextsInOneLanguage(t *testing.T) {
	gate := bot.NewGate(bot.GateOptions{Language: lang.Zh, Lang: func(_ context.Context, user string) lang.Lang {
		if user == wecom.Platform+":alice" {
			return lang.En
		}
		return "" // no /lang: the bot's
	}})
	h := start(t, setup{
		handler: func(_ context.Context, req chat.Request) (chat.Reply, bool) {
			if req.Text == "/panic" {
				panic("boom")
			}
			return chat.Reply{}, false
		},
		opts: func(o *wecom.Options) { o.Gate = gate },
	})
	ck := langcheck.New()
	sent := 0
	for _, tt := range []struct {
		user string
		lang lang.Lang
	}{{"alice", lang.En}, {"eve", lang.Zh}} {
		for _, step := range []struct {
			what, msg, want string
		}{
			{"the hint", h.text(tt.user, "你好 hello"), tt.lang.Hint()},
			{"text only", fmt.Sprintf(`<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType><PicUrl>http://x</PicUrl><MsgId>%d</MsgId></xml>`,
				corpID, tt.user, 990+sent), tt.lang.TextOnly()},
			{"the apology", h.text(tt.user, "/panic"), tt.lang.Failed()},
			{"a button not ours", click(tt.user, "not-ours", "task", "code"), tt.lang.ButtonGone()},
		} {
			h.post(step.msg)
			sent++
			calls := wait(t, h.fake, pathSend, sent)
			got := markdownOf(calls[sent-1])
			if to, _ := calls[sent-1].Body["touser"].(string); to != tt.user {
				t.Errorf("%s (%s) went to %q, want %s", step.what, tt.lang, to, tt.user)
			}
			if strings.Join(strings.Fields(got), " ") != step.want {
				t.Errorf("%s (%s): %q, want %q", step.what, tt.lang, got, step.want)
			}
			for _, p := range ck.Problems(string(tt.lang), got) {
				t.Errorf("%s (%s): %s\n%s", step.what, tt.lang, p, got)
			}
		}
	}
}
