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

func TestSlackSection(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	const bot, app, secret = "xoxb-1-2-botsecretvalue", "xapp-1-A1-3-appsecretvalue", "signingsecretvalue"
	tests := []struct {
		name    string
		edit    func(*Slack)
		getenv  func(string) string
		problem []string // key paths with a problem; none = valid
		check   func(t *testing.T, s Slack)
	}{
		{name: "off by default needs no secrets", getenv: env(),
			check: func(t *testing.T, s Slack) {
				if s.BotToken != "" || s.Mode != "socket" || s.APIURL != "https://slack.com/api/" || s.Command != "/pb" {
					t.Errorf("defaults: %+v", s)
				}
			}},
		{name: "socket mode reads both tokens", edit: func(s *Slack) { s.Enabled = true },
			getenv: env(EnvSlackBotToken, bot, EnvSlackAppToken, app, EnvSlackSigningSecret, secret),
			check: func(t *testing.T, s Slack) {
				if s.BotToken != bot || s.AppToken != app || s.SigningSecret != "" {
					t.Errorf("secrets: bot %v app %v secret %v", s.BotToken == bot, s.AppToken == app, s.SigningSecret)
				}
			}},
		{name: "http mode reads the signing secret", edit: func(s *Slack) { s.Enabled, s.Mode = true, "http" },
			getenv: env(EnvSlackBotToken, bot, EnvSlackSigningSecret, secret),
			check: func(t *testing.T, s Slack) {
				if s.SigningSecret != secret || s.AppToken != "" {
					t.Error("http mode secrets")
				}
			}},
		{name: "no tokens", edit: func(s *Slack) { s.Enabled = true }, getenv: env(), problem: []string{"slack.enabled", "slack.mode"}},
		{name: "a user token instead of a bot token", edit: func(s *Slack) { s.Enabled = true },
			getenv: env(EnvSlackBotToken, "xoxp-user", EnvSlackAppToken, app), problem: []string{"slack.enabled"}},
		{name: "a bot token as the app token", edit: func(s *Slack) { s.Enabled = true },
			getenv: env(EnvSlackBotToken, bot, EnvSlackAppToken, bot), problem: []string{"slack.mode"}},
		{name: "http mode without a signing secret", edit: func(s *Slack) { s.Enabled, s.Mode = true, "http" },
			getenv: env(EnvSlackBotToken, bot, EnvSlackAppToken, app), problem: []string{"slack.mode"}},
		{name: "bad values", edit: func(s *Slack) {
			s.Mode, s.APIURL, s.Command, s.Workers, s.Timeout = "rtm", "slack.com", "pb", 0, time.Hour
		}, getenv: env(), problem: []string{"slack.mode", "slack.api_url", "slack.command", "slack.workers", "slack.timeout"}},
		{name: "http mode with a bad listen address", edit: func(s *Slack) { s.Mode, s.Listen = "http", "localhost" },
			getenv: env(), problem: []string{"slack.listen"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := DefaultSlack()
			if tt.edit != nil {
				tt.edit(&s)
			}
			errs := s.resolve(tt.getenv)
			var paths []string
			for _, e := range errs {
				paths = append(paths, e.Path)
				for _, secretValue := range []string{bot, app, secret, "xoxp-user"} {
					if strings.Contains(e.Error(), secretValue) {
						t.Errorf("a problem shows a secret: %v", e)
					}
				}
			}
			for _, p := range tt.problem {
				found := false
				for _, q := range paths {
					found = found || q == p
				}
				if !found {
					t.Errorf("no problem reported at %s (got %v)", p, errs)
				}
			}
			if len(tt.problem) == 0 && len(errs) > 0 {
				t.Errorf("unexpected problems: %v", errs)
			}
			if tt.check != nil {
				tt.check(t, s)
			}
		})
	}
}

func TestSlackSecretsComeOnlyFromTheEnvironment(t *testing.T) {
	t.Setenv(EnvSlackBotToken, "xoxb-from-env")
	t.Setenv(EnvSlackAppToken, "xapp-from-env")
	cfg, err := Parse([]byte("slack:\n  enabled: true\n  workers: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Slack.BotToken != "xoxb-from-env" || cfg.Slack.AppToken != "xapp-from-env" || cfg.Slack.Workers != 4 {
		t.Errorf("slack = mode %s workers %d, tokens from env: %v", cfg.Slack.Mode, cfg.Slack.Workers, cfg.Slack.BotToken == "xoxb-from-env")
	}
	_, err = Parse([]byte("slack:\n  enabled: true\n  bot_token: xoxb-in-the-file\n"))
	if err == nil || !strings.Contains(err.Error(), "slack.bot_token") || strings.Contains(err.Error(), "xoxb-in-the-file") {
		t.Errorf("a token in the file: %v", err)
	}
}
