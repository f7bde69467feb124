package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseDefaultsAndOverrides(t *testing.T) {
	cfg, err := Parse([]byte("bss:\n  sandbox: false\n  endpoint: international\n  timeout: 5s\nstore:\n  path: data/bot.db\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.BSS.Sandbox || cfg.BSS.Timeout != 5*time.Second || cfg.BSS.MaxRetries != 3 {
		t.Errorf("got %+v", cfg.BSS)
	}
	if u, _ := cfg.BSS.EndpointURL(); u != "https://bss-intl.myhuaweicloud.com" {
		t.Errorf("endpoint = %s", u)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	in := strings.Join([]string{
		"bss:",
		"  sandbx: true",      // unknown key, with a suggestion
		"  timeout: soon",     // bad duration
		"  page_size: 500",    // out of range
		"  endpoint: ftp://x", // bad URL
		"stor:",               // unknown top-level key
		"  path: x",
		"log:",
		"  level: loud",
	}, "\n")
	_, err := Parse([]byte(in))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("err = %v, want Errors", err)
	}
	want := []string{
		`bss.sandbx (line 2): unknown key (did you mean "sandbox"?)`,
		"bss.timeout (line 3): invalid value",
		"bss.page_size: must be between 1 and 100",
		"bss.endpoint: ",
		"stor (line 6): unknown key",
		"log.level: must be debug, info, warn or error",
	}
	text := err.Error()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d problems, want %d:\n%s", len(errs), len(want), text)
	}
}

func TestLoadRelativeStorePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "bot.yaml")
	if err := os.WriteFile(p, []byte("store:\n  path: state/bot.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.StorePath(), filepath.Join(dir, "state", "bot.db"); got != want {
		t.Errorf("StorePath = %s, want %s", got, want)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("missing file accepted")
	}
}

func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := Load("../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.BSS.Sandbox {
		t.Error("the example config must run on the sandbox")
	}
}

func TestParseChecksApprovalsAlertsAndRoles(t *testing.T) {
	in := strings.Join([]string{
		"bot:",
		"  language: fr",
		"  timezone: Mars/Olympus",
		"roles:",
		"  default: root",
		"  users:",
		"    alice: admin",
		"    console:bob: god",
		"approvals:",
		"  required: 0",
		"  expire_after: 10s",
		"  channel: slack",
		"  action_channels: [\"irc:#ops\"]",
		"alerts:",
		"  expiry_schedule: every morning",
		"  concurrency: 0",
		"  subscriptions:",
		"    - channel: wecom:robot1",
		"      kind: weather",
		"      scope: \"\"",
		"      days: [0]",
	}, "\n")
	_, err := Parse([]byte(in))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, w := range []string{
		"bot.language", "bot.timezone", "roles.default", "roles.users.alice", "roles.users.console:bob",
		"approvals.required", "approvals.expire_after", "approvals.channel", "approvals.action_channels[0]",
		"alerts.expiry_schedule", "alerts.concurrency", "alerts.subscriptions[0].kind",
		"alerts.subscriptions[0].scope", "alerts.subscriptions[0].days",
	} {
		if !strings.Contains(err.Error(), w+":") && !strings.Contains(err.Error(), w+" (") {
			t.Errorf("no problem reported for %s:\n%v", w, err)
		}
	}
}

func TestTelegramSection(t *testing.T) {
	cfg, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := cfg.Telegram, DefaultTelegram(); got != want || got.Enabled || got.Mode != "poll" || got.APIEndpoint != "https://api.telegram.org" {
		t.Errorf("defaults = %+v", got)
	}
	ok := strings.Join([]string{
		"telegram:",
		"  enabled: true",
		"  api_endpoint: http://127.0.0.1:8081",
		"  mode: webhook",
		"  webhook:",
		"    url: https://bot.example.com:8443/tg/hook",
		"    listen: 127.0.0.1:9000",
		"    path: /tg/hook",
		"  workers: 4",
		"  button_ttl: 168h",
	}, "\n")
	cfg, err = Parse([]byte(ok))
	if err != nil {
		t.Fatalf("valid webhook section refused: %v", err)
	}
	if tg := cfg.Telegram; !tg.Enabled || tg.Webhook.Listen != "127.0.0.1:9000" || tg.Workers != 4 || tg.ButtonTTL != 168*time.Hour || tg.PollTimeout != 30*time.Second {
		t.Errorf("parsed %+v", tg)
	}

	tests := []struct {
		name string
		yaml []string
		want []string
	}{
		{"every problem at once", []string{
			"telegram:",
			"  enabled: true",
			"  api_endpoint: api.telegram.org",
			"  mode: push",
			"  poll_timeout: 2m",
			"  workers: 0",
			"  request_timeout: 1s",
			"  button_ttl: 1m",
			"  token: 123:abc", // secrets are never read from the file
		}, []string{"telegram.api_endpoint:", "telegram.mode:", "telegram.poll_timeout:", "telegram.workers:",
			"telegram.request_timeout:", "telegram.button_ttl:", "telegram.token (line 9): unknown key"}},
		{"webhook without a URL", []string{"telegram:", "  enabled: true", "  mode: webhook"}, []string{"telegram.webhook.url:"}},
		{"webhook over http, bad listen and path", []string{"telegram:", "  enabled: true", "  mode: webhook", "  webhook:",
			"    url: http://bot.example.com/tg", "    listen: 8443", "    path: tg"},
			[]string{"telegram.webhook.url:", "telegram.webhook.listen:", "telegram.webhook.path:"}},
		{"webhook on a port Telegram does not post to", []string{"telegram:", "  enabled: true", "  mode: webhook", "  webhook:",
			"    url: https://bot.example.com:9443/tg"}, []string{"telegram.webhook.url: port 9443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Join(tt.yaml, "\n")))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want Errors", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("missing %q in:\n%v", w, err)
				}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("%d problems, want %d:\n%v", len(errs), len(tt.want), err)
			}
		})
	}
	// A webhook section is not required while Telegram is off.
	if _, err := Parse([]byte("telegram:\n  mode: webhook\n")); err != nil {
		t.Errorf("disabled webhook section refused: %v", err)
	}
}
