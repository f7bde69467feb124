package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/langcheck"
	"github.com/partnerbot/partnerbot/lang"
)

// TestRestartReplyInOneLanguage: a command the adapter stopped before running is answered
// "send it again" in its sender's language — their /lang, else the bot's — and in that one
// language only, not both at once.
func TestRestartReplyInOneLanguage(t *testing.T) {
	gate := bot.NewGate(bot.GateOptions{Language: lang.Zh, Lang: func(_ context.Context, user string) lang.Lang {
		if user == "slack:"+alice {
			return lang.En
		}
		return "" // no /lang: the bot's
	}})
	e := newEnv(t, envOptions{adapter: func(o *Options) { o.Gate = gate }})
	p := newPool(context.Background(), e.ad, nil)
	ck := langcheck.New()
	for _, tt := range []struct{ user, lang, want string }{
		{alice, "en", "The bot is restarting; please try again in a moment."},
		{bob, "zh", "机器人正在重启，请稍后再试。"},
	} {
		ch := "D" + tt.user
		p.restart(inbound{kind: kindMessage, channel: ch, im: true,
			req: chat.Request{Platform: platform, UserID: tt.user, Channel: ch, Text: "customer 张三"}})
		e.fake.WaitFor("the answer to "+tt.user, func() bool { return len(e.postsTo(ch)) == 1 })
		got := e.postsTo(ch)[0]
		if countContaining([]string{got}, tt.want) != 1 {
			t.Errorf("%s is told %q, want %q", tt.user, got, tt.want)
		}
		for _, problem := range ck.Problems(tt.lang, got) {
			t.Errorf("%s (%s): %s\n%s", tt.user, tt.lang, problem, got)
		}
	}
}

// TestAdapterRepliesInOneLanguage: what the adapter words itself — the hint for a slash command
// that names no command, and the apology for a command that failed — is in its sender's
// language (their /lang, else the bot's), one language a message.
func TestAdapterRepliesInOneLanguage(t *testing.T) {
	gate := bot.NewGate(bot.GateOptions{Language: lang.Zh, Lang: func(_ context.Context, user string) lang.Lang {
		if user == "slack:"+alice {
			return lang.En
		}
		return ""
	}})
	e := newEnv(t, envOptions{adapter: func(o *Options) { o.Gate = gate }})
	ck := langcheck.New()
	ck.Allow(e.ad.opts.Command)
	notCommand := func(context.Context, chat.Request) (chat.Reply, bool) { return chat.Reply{}, false }
	panics := func(context.Context, chat.Request) (chat.Reply, bool) { panic("boom") }
	for _, tt := range []struct {
		user, lang string
		h          bot.Handler
		want       string
	}{
		{alice, "en", notCommand, "Type a command, e.g. " + e.ad.opts.Command + " help."},
		{bob, "zh", notCommand, "请输入命令，例如 " + e.ad.opts.Command + " 帮助。"},
		{alice, "en", panics, "Something went wrong with that command; it has been logged. Please try again later."},
		{bob, "zh", panics, "处理这条命令时出错了，已记录日志。请稍后再试。"},
	} {
		ch := "D" + tt.user
		before := len(e.postsTo(ch))
		p := newPool(context.Background(), e.ad, tt.h)
		p.run(inbound{kind: kindSlash, channel: ch, im: true,
			req: chat.Request{Platform: platform, UserID: tt.user, Channel: ch, Text: "/frobnicate"}})
		e.fake.WaitFor("the answer to "+tt.user, func() bool { return len(e.postsTo(ch)) == before+1 })
		got := e.postsTo(ch)[before]
		if !strings.Contains(got, tt.want) {
			t.Errorf("%s is told %q, want %q", tt.user, got, tt.want)
		}
		for _, problem := range ck.Problems(tt.lang, got) {
			t.Errorf("%s (%s): %s\n%s", tt.user, tt.lang, problem, got)
		}
	}
}
