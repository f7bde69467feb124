package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestTelegramWiring runs the binary as a service (console off, Telegram on) against a small
// Bot API stand-in: the token comes from the environment, /help sent on Telegram is answered
// there, and a cancelled context stops the bot. The adapter's own behaviour is tested in
// bot/telegram against a complete fake.
func TestTelegramWiring(t *testing.T) {
	const token = "4242424242:AAwiring-test-token-000000000000"
	var (
		mu      sync.Mutex
		served  bool
		replies []string
		sent    = make(chan struct{}, 1)
	)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, ok := strings.CutPrefix(r.URL.Path, "/bot"+token+"/")
		if !ok {
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"ok":false,"error_code":401,"description":"Unauthorized"}`))
			return
		}
		r.ParseForm()
		var result any = true
		switch method {
		case "getMe":
			result = map[string]any{"id": 4242424242, "is_bot": true, "first_name": "Bot", "username": "WiringBot"}
		case "getUpdates":
			mu.Lock()
			first := !served
			served = true
			mu.Unlock()
			if !first {
				select { // long polling: nothing more to say
				case <-r.Context().Done():
				case <-time.After(time.Second):
				}
				result = []any{}
				break
			}
			result = []any{map[string]any{"update_id": 1, "message": map[string]any{"message_id": 1, "date": 1, "text": "/help",
				"from": map[string]any{"id": 77, "is_bot": false, "first_name": "Op"}, "chat": map[string]any{"id": 77, "type": "private"}}}}
		case "sendMessage":
			mu.Lock()
			replies = append(replies, r.Form.Get("text"))
			mu.Unlock()
			select {
			case sent <- struct{}{}:
			default:
			}
			result = map[string]any{"message_id": 2, "date": 1, "chat": map[string]any{"id": 77, "type": "private"}, "text": "ok"}
		}
		json.NewEncoder(w).Encode(map[string]any{"ok": true, "result": result})
	}))
	defer api.Close()

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
		t.Setenv("TELEGRAM_BOT_TOKEN", token)
		cfg := writeConfig(t, console, "  # the bot.\n  enabled: false", telegram, on(""), "  poll_timeout: 30s", "  poll_timeout: 1s")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout, stderr bytes.Buffer
		done := make(chan int, 1)
		go func() { done <- Run(ctx, []string{"-config", cfg}, strings.NewReader(""), &stdout, &stderr) }()
		select {
		case <-sent:
		case <-time.After(15 * time.Second):
			t.Fatal("no reply on Telegram")
		}
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("exit %d, want 0; stderr:\n%s", code, stderr.String())
		}
		mu.Lock()
		defer mu.Unlock()
		if len(replies) == 0 || !strings.Contains(replies[0], "/customer") {
			t.Errorf("replies = %q, want the help", replies)
		}
		if strings.Contains(stderr.String(), token) {
			t.Error("the token is in the log")
		}
		if !strings.Contains(stderr.String(), "adapters=telegram") {
			t.Errorf("the log does not say Telegram runs:\n%s", stderr.String())
		}
	})
}
