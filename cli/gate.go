package cli

import (
	"context"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// userGate is the gate the Slack, Telegram and WeCom adapters ask before a command takes a
// worker (one for all, made on first use): bot.user_rate per person, and a person with no role
// (roles.default none and not listed) refused at once, in their language, with the refusal
// audited as the router would.
func (a *app) userGate() *bot.Gate {
	a.gateOnce.Do(func() {
		roles := map[string]chat.Role{}
		for user, name := range a.cfg.Roles.Users {
			r, _ := chat.ParseRole(name)
			roles[user] = r
		}
		def, _ := chat.ParseRole(a.cfg.Roles.Default)
		language, _ := lang.ParseLang(a.cfg.Bot.Language)
		a.gate = bot.NewGate(bot.GateOptions{
			PerMinute: a.cfg.Bot.UserRate.PerMinute, Burst: a.cfg.Bot.UserRate.Burst,
			Role: func(user string) chat.Role {
				if r, ok := roles[user]; ok {
					return r
				}
				return def
			},
			Lang: func(ctx context.Context, user string) lang.Lang {
				if p, err := a.store.Prefs(ctx, user); err == nil {
					if l, ok := lang.ParseLang(p.Lang); ok {
						return l
					}
				}
				return language
			},
			Language: language,
			Audit: func(ctx context.Context, req chat.Request, result string) {
				e := store.AuditEntry{At: time.Now(), Platform: req.Platform, UserID: req.UserID, UserName: req.UserName,
					Channel: req.Channel, Command: cutBytes(req.Text, 500), Result: result, Detail: gateDetail[result]}
				if _, err := a.store.AppendAudit(ctx, e); err != nil {
					a.log.Error("audit record lost", "user", req.User(), "error", err)
				}
			},
			Logger: a.log.With("component", "gate"),
		})
	})
	return a.gate
}

// gateDetail explains in the audit log why the gate did not run a command.
var gateDetail = map[string]string{
	"denied":  "no role; refused before it ran",
	"limited": "over bot.user_rate; not run",
	"busy":    "no room in the worker pool for the sender; not run",
}

// cutBytes shortens s to at most n bytes without splitting a character.
func cutBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
