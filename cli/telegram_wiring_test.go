package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
)

// TestTelegramWiring runs the binary as a service (console off, Telegram on) against
// telegramtest's fake Bot API: the token comes from the environment, /help sent on Telegram is answered
// there, and a cancelled context stops the bot. The adapter's own behaviour is tested in
// bot/telegram against a complete fake.
func TestTelegramWiring(t *testing.T) {
	api := telegramtest.New(t)
	op := telegramtest.User{ID: 77, FirstName: "Op"}
	api.AddPrivate(op)

	console := "  # the bot.\n  enabled: true"
	telegram := "every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: false\n  # The Bot API server: Telegram's, or a self-hosted telegram-bot-api server.\n  api_endpoint: https://api.telegram.org"
	on := func(extra string) string {
		return "every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: true\n  api_endpoint: " + api.URL + extra
	}
	t.Run("no token", func(t *testing.T) {
		t.Setenv("TELEGRAM_BOT_TOKEN", "")
		cfg := writeConfig(t, console, "  # the bot.\n  enabled: false", telegram, on(""))
		r := runCLI(t, "", "-config", cfg)
		r.check(t, exitUsage, nil, []string{"TELEGRAM_BOT_TOKEN"})
	})
	t.Run("as a service", func(t *testing.T) {
		t.Setenv("TELEGRAM_BOT_TOKEN", telegramtest.Token)
		cfg := writeConfig(t, console, "  # the bot.\n  enabled: false", telegram, on(""), "  poll_timeout: 30s", "  poll_timeout: 1s")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		api.Say(op.ID, op, "/help")
		var stdout, stderr bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- Run(ctx, []string{"-config", cfg}, strings.NewReader(""), &stdout, &stderr) }()
		api.WaitCallsFor("sendMessage", 1, 15*time.Second)
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
		if replies := api.Messages(op.ID); len(replies) == 0 || !strings.Contains(replies[0].Text, "/customer") {
			t.Errorf("replies = %+v, want the help", replies)
		}
		if strings.Contains(stderr.String(), telegramtest.Token) {
			t.Error("the token is in the log")
		}
		if !strings.Contains(stderr.String(), "adapters=telegram") {
			t.Errorf("the log does not say Telegram runs:\n%s", stderr.String())
		}
	})
}
