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

func TestWeComConfig(t *testing.T) {
	good := strings.Join([]string{
		"wecom:",
		"  enabled: true",
		"  corp_id: ww1436e0e65a779aee",
		"  agent_id: 1000002",
		"  callback:",
		"    listen: \":8088\"",
		"  robots:",
		"    ops-alerts: {}",
		"    finance:",
		"      rate_per_minute: 10",
		"alerts:",
		"  subscriptions:",
		"    - channel: wecom:robot:ops-alerts",
		"      kind: all",
		"      scope: \"*\"",
	}, "\n")
	cfg, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	w := cfg.WeCom
	if w.APIBase != "https://qyapi.weixin.qq.com" || w.Callback.Path != "/wecom/callback" || w.Callback.Listen != ":8088" ||
		w.AgentID != 1000002 || w.Robots["finance"].RatePerMinute != 10 || len(w.Robots) != 2 {
		t.Errorf("wecom = %+v", w)
	}
	if got := WeComRobotKeyEnv("ops-alerts"); got != "WECOM_ROBOT_KEY_OPS_ALERTS" {
		t.Errorf("WeComRobotKeyEnv = %s", got)
	}

	bad := strings.Join([]string{
		"approvals:",
		"  channel: wecom:robot:nosuch",
		"wecom:",
		"  enabled: true",
		"  agent_id: 12",
		"  api_base: qyapi",
		"  secret: do-not-put-it-here",
		"  callback:",
		"    listen: \"8088\"",
		"    path: wecom",
		"  robots:",
		"    Ops: {}",
		"    a-b: {}",
		"    a_b:",
		"      rate_per_minute: 60",
	}, "\n")
	_, err = Parse([]byte(bad))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		"wecom.secret (line 7): unknown key",
		"wecom.api_base:", "wecom.corp_id: must be set with agent_id", "wecom.callback.listen: the callback needs the app",
		"wecom.callback.listen: \"8088\" must be host:port", "wecom.callback.path: must start with /",
		"wecom.robots.Ops: robot names", "wecom.robots.a_b: shares WECOM_ROBOT_KEY_A_B with robot a-b",
		"wecom.robots.a_b.rate_per_minute:", "approvals.channel: names robot \"nosuch\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if _, err := Parse([]byte("wecom:\n  enabled: true\n")); err == nil || !strings.Contains(err.Error(), "wecom: enabled with neither an app") {
		t.Errorf("empty wecom section: %v", err)
	}
	if _, err := Parse([]byte("wecom:\n  enabled: false\n  agent_id: 3\n")); err != nil {
		t.Errorf("a disabled section is not checked: %v", err)
	}
}
