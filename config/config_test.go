package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
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

// TestFlowAndDeltaKeys: the defaults of the delta scan and of the per-operation budgets, and
// the per-operation map's keys and values checked one by one.
func TestFlowAndDeltaKeys(t *testing.T) {
	cfg, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := cfg.Alerts, cfg.BSS; !a.Delta || a.FullRefresh != 720*time.Hour || a.OrderOverlap != time.Hour ||
		b.RatePerSecond != 0 || b.OperationRate != 0 || b.InteractiveShare != nil || len(b.RatePerOperation) != 0 {
		t.Errorf("defaults: alerts %+v, bss %+v", a, b)
	}
	cfg, err = Parse([]byte("alerts:\n  delta: false\nbss:\n  rate_per_operation:\n    ListPayPerUseCustomerResources: 6\n    ListSubCustomers: 2.5\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Alerts.Delta || cfg.BSS.RatePerOperation["ListPayPerUseCustomerResources"] != 6 || cfg.BSS.RatePerOperation["ListSubCustomers"] != 2.5 {
		t.Errorf("overrides: %+v %+v", cfg.Alerts, cfg.BSS.RatePerOperation)
	}
	_, err = Parse([]byte("bss:\n  rate_per_operation:\n    ListSubCustomers: 5000\n    list-orders: 3\n"))
	for _, want := range []string{
		"bss.rate_per_operation.ListSubCustomers (line 3): must be between 0.1 and 1000, not 5000",
		"bss.rate_per_operation.list-orders (line 4): keys are the BSS operations the bot calls: AutoRenewalResources, ",
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

// TestEveryOperationHasABudgetKey: every operation the BSS client calls (bss.Operations, its
// one table) can be named in bss.rate_per_operation — ListSubcustomerMonthlyBills, added in
// November, was refused — and the client built from such a file accepts it too.
func TestEveryOperationHasABudgetKey(t *testing.T) {
	var b strings.Builder
	b.WriteString("bss:\n  rate_per_operation:\n")
	for _, op := range bss.Operations() {
		fmt.Fprintf(&b, "    %s: 5\n", op)
	}
	cfg, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.BSS.RatePerOperation) != len(bss.Operations()) || cfg.BSS.RatePerOperation[bss.OpListSubcustomerMonthlyBills] != 5 {
		t.Errorf("rate_per_operation = %v", cfg.BSS.RatePerOperation)
	}
	if _, err := bss.New(bss.Config{Credentials: bss.Credentials{AccessKey: "AK", SecretKey: "SK"}, RatePerOperation: cfg.BSS.RatePerOperation}); err != nil {
		t.Errorf("the client refuses what check-config accepts: %v", err)
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
		"bss.page_size (line 4): must be between 1 and 100",
		"bss.endpoint (line 5): ",
		"stor (line 6): unknown key",
		"log.level (line 9): must be debug, info, warn or error",
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
		"  report: mondays",
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
		"alerts.expiry_schedule", "alerts.report", "alerts.concurrency", "alerts.subscriptions[0].kind",
		"alerts.subscriptions[0].scope", "alerts.subscriptions[0].days",
	} {
		if !strings.Contains(err.Error(), w+":") && !strings.Contains(err.Error(), w+" (") {
			t.Errorf("no problem reported for %s:\n%v", w, err)
		}
	}
}

// TestParseRejectsDuplicateKeys: YAML keeps the last of two equal keys, so a second
// "default: admin" below a "default: none" silently made everyone an admin.
func TestParseRejectsDuplicateKeys(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string // each is a problem: key path, its line, and the first one's line
	}{
		{"role default", []string{
			"roles:",
			"  default: none",
			"  default: admin",
		}, []string{"roles.default (line 3): duplicate key: already at line 2"}},
		{"approvals required", []string{
			"approvals:",
			"  required: 3",
			"  expire_after: 24h",
			"  required: 1",
		}, []string{"approvals.required (line 4): duplicate key: already at line 2"}},
		{"top-level section", []string{
			"bot:",
			"  name: a",
			"log:",
			"  level: info",
			"bot:",
			"  language: en",
		}, []string{"bot (line 5): duplicate key: already at line 1"}},
		{"user listed twice", []string{
			"roles:",
			"  users:",
			"    console:eve: viewer",
			"    console:bob: approver",
			"    console:eve: admin",
		}, []string{"roles.users.console:eve (line 5): duplicate key: already at line 3"}},
		{"inside a subscription", []string{
			"alerts:",
			"  subscriptions:",
			"    - channel: console:a",
			"      kind: all",
			"      scope: \"*\"",
			"    - channel: console:b",
			"      kind: arrears",
			"      scope: \"*\"",
			"      kind: expiry",
		}, []string{"alerts.subscriptions[1].kind (line 9): duplicate key: already at line 7"}},
		{"three times, with other errors", []string{
			"bss:",
			"  page_size: 10",
			"  page_size: 20",
			"  sandbx: true",
			"  page_size: 30",
			"log:",
			"  level: loud",
		}, []string{
			"bss.page_size (line 3): duplicate key: already at line 2",
			"bss.page_size (line 5): duplicate key: already at line 2",
			`bss.sandbx (line 4): unknown key (did you mean "sandbox"?)`,
			"log.level (line 7): must be debug, info, warn or error",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Join(tt.in, "\n")))
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
				t.Errorf("got %d problems, want %d:\n%v", len(errs), len(tt.want), err)
			}
		})
	}
}

// TestParseRefusesWhatYAMLWouldIgnore (issue #20, §5): a second YAML document, a key without a
// value and, in roles.users, a null key or one with spaces around it all passed silently (the
// rest of the file ignored, the default kept, the user dropped or never matched). Each is refused
// with its line, together with the file's other problems.
func TestParseRefusesWhatYAMLWouldIgnore(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"a second document", []string{
			"roles:",
			"  users:",
			"    console:eve: viewer",
			"---",
			"roles:",
			"  users:",
			"    console:eve: admin",
		}, []string{"(document 2) (line 4): a second YAML document starts at this --- line; partnerbot reads one document"}},
		{"a second document that does not parse", []string{
			"bot:",
			"  name: pb",
			"---",
			"bot: [",
		}, []string{"(document 2): a second YAML document follows a --- line and does not parse (yaml: line 4"}},
		{"a third document after an empty one", []string{
			"bot:",
			"  name: pb",
			"---",
			"# nothing here",
			"---",
			"log:",
			"  level: debug",
		}, []string{"(document 3) (line 5): a second YAML document starts at this --- line"}},
		{"a user without a role", []string{
			"roles:",
			"  users:",
			"    console:eve:",
			"    console:bob: approver",
		}, []string{"roles.users.console:eve (line 3): no value given: write the role (viewer, operator, approver or admin), or remove the line"}},
		{"a user with a null role", []string{
			"roles:",
			"  users: {console:eve: ~, console:bob: null}",
		}, []string{
			"roles.users.console:eve (line 2): no value given: write the role",
			"roles.users.console:bob (line 2): no value given: write the role",
		}},
		{"a null user", []string{
			"roles:",
			"  users:",
			"    console:bob: approver",
			"    ~: admin",
		}, []string{"roles.users.(null) (line 4): a key is missing (empty, ~ or null before the colon)"}},
		{"an empty user", []string{
			"roles:",
			"  users:",
			"    ? ",
			"    : admin",
		}, []string{"roles.users.(null) (line 3): a key is missing"}},
		{"a user with a trailing space", []string{
			"roles:",
			"  users:",
			`    "console:eve ": admin`,
		}, []string{`roles.users."console:eve " (line 3): the key "console:eve " has spaces at its start or end, so it would match nothing: write "console:eve"`}},
		{"a user with a leading space and one with a tab", []string{
			"roles:",
			"  users:",
			`    " slack:U0123": viewer`,
			`    "telegram:42\t": viewer`,
		}, []string{
			`roles.users." slack:U0123" (line 3): the key " slack:U0123" has spaces at its start or end`,
			`roles.users."telegram:42\t" (line 4): the key "telegram:42\t" has spaces at its start or end`,
		}},
		{"a setting without a value keeps no default silently", []string{
			"admin:",
			"  listen:",
			"bot:",
			"  page_size:",
		}, []string{
			`admin.listen (line 2): no value given: write the value ("" for empty), or remove the key to keep its default`,
			"bot.page_size (line 4): no value given: write the value, or remove the key to keep its default",
		}},
		{"an operation's rate without a value", []string{
			"bss:",
			"  rate_per_operation:",
			"    ListCustomerOrders:",
		}, []string{"bss.rate_per_operation.ListCustomerOrders (line 3): no value given: write the value, or remove the line"}},
		{"all at once, with other problems", []string{
			"roles:",
			"  users:",
			"    console:eve:",
			`    "console:bob ": approver`,
			"log:",
			"  level: loud",
			"---",
			"bot:",
			"  language: en",
		}, []string{
			"roles.users.console:eve (line 3): no value given",
			`roles.users."console:bob " (line 4): the key "console:bob " has spaces`,
			"log.level (line 6): must be debug, info, warn or error",
			"(document 2) (line 7): a second YAML document",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Join(tt.in, "\n") + "\n"))
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
				t.Errorf("got %d problems, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i := 1; i < len(errs); i++ {
				if errs[i].Line != 0 && errs[i].Line < errs[i-1].Line {
					t.Errorf("problems not in the order of their lines:\n%v", err)
				}
			}
		})
	}
}

// TestParseKeepsEmptySections: what YAML writes as null and means "nothing set" stays valid: a
// section, a list or a map with nothing under it, a robot with no settings, console.enabled
// unset, and "---" lines around one document.
func TestParseKeepsEmptySections(t *testing.T) {
	for _, tt := range []struct {
		name  string
		in    string
		check func(c *Config) bool
	}{
		{"an empty section keeps its defaults", "slack:\nbot:\n", func(c *Config) bool {
			return c.Slack.Command == "/pb" && c.Bot.PageSize == 10
		}},
		{"no users", "roles:\n  users:\n", func(c *Config) bool { return len(c.Roles.Users) == 0 }},
		{"no action channels", "approvals:\n  action_channels:\n", func(c *Config) bool { return len(c.Approvals.ActionChannels) == 0 }},
		{"a robot with its defaults", "wecom:\n  enabled: true\n  robots:\n    ops:\n", func(c *Config) bool {
			r, ok := c.WeCom.Robots["ops"]
			return ok && r.RatePerMinute == 0
		}},
		{"console.enabled unset", "console:\n  enabled:\n", func(c *Config) bool { return c.Console.Enabled == nil }},
		{"a leading ---", "---\nbot:\n  name: pb\n", func(c *Config) bool { return c.Bot.Name == "pb" }},
		{"a trailing --- and comments", "bot:\n  name: pb\n---\n# old settings, commented out\n", func(c *Config) bool { return c.Bot.Name == "pb" }},
		{"an end-of-document marker", "bot:\n  name: pb\n...\n", func(c *Config) bool { return c.Bot.Name == "pb" }},
		{"an empty file", "", func(c *Config) bool { return c.Bot.Name == "partnerbot" }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("WECOM_ROBOT_KEY_OPS", "k")
			c, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !tt.check(c) {
				t.Errorf("parsed as %+v", c)
			}
		})
	}
}

// TestParseBoundsNumbers: every number and duration has a range; NaN, infinities, negative and
// absurd values are refused with the key, its line and the range.
func TestParseBoundsNumbers(t *testing.T) {
	tests := []struct {
		section, key, value string
		want                string // besides "section.key (line 2): "
	}{
		{"alerts", "arrears_step", "1e308", "must be between 0.01 and 1000000000 (yuan), not 1e+308"},
		{"alerts", "arrears_step", ".nan", "must be between 0.01 and 1000000000 (yuan), not NaN"},
		{"alerts", "arrears_step", "-.inf", "must be between 0.01 and 1000000000 (yuan), not -Inf"},
		{"alerts", "arrears_step", "-5", "must be between 0.01 and 1000000000 (yuan), not -5"},
		{"alerts", "arrears_step", "0.001", "must be between 0.01 and 1000000000 (yuan), not 0.001"},
		{"bss", "rate_per_second", ".nan", "must be between 0.1 and 10000 (or 0: no cap), not NaN"},
		{"bss", "rate_per_second", ".inf", "must be between 0.1 and 10000 (or 0: no cap), not +Inf"},
		{"bss", "rate_per_second", "-1", "must be between 0.1 and 10000 (or 0: no cap), not -1"},
		{"bot", "page_size", "-1", "must be between 1 and 50, not -1"},
		{"bot", "page_size", "1e308", "invalid value"},
		{"approvals", "required", "1000000", "must be between 1 and 5, not 1000000"},
		{"approvals", "expire_after", "-24h", "must be between 1m and 720h, not -24h"},
		{"approvals", "expire_after", "1e308h", "invalid value"},
		{"alerts", "concurrency", "-4", "must be between 1 and 64, not -4"},
		{"alerts", "lookback", "87600h", "must be between 1h and 2160h, not 87600h"},
		{"bss", "timeout", "-30s", "must be between 100ms and 10m, not -30s"},
		{"bss", "timeout", "0s", "must be between 100ms and 10m, not 0s"},
		{"bss", "timeout", "8760h", "must be between 100ms and 10m, not 8760h"},
		{"bss", "max_retries", "-1", "must be between 0 and 10, not -1"},
		{"bss", "page_size", "101", "must be between 1 and 100 (the API's maximum), not 101"},
		{"store", "lock_timeout", "-1s", "must be between 10ms and 10m, not -1s"},
		{"store", "lock_timeout", "1000h", "must be between 10ms and 10m, not 1000h"},
		{"store", "check_timeout", "0s", "must be between 1s and 1h, not 0s"},
		{"store", "check_timeout", ".nan", "invalid value"},
		{"alerts", "full_refresh", "1h", "must be between 24h and 2160h, not 1h"},
		{"alerts", "full_refresh", "8760h", "must be between 24h and 2160h, not 8760h"},
		{"alerts", "order_overlap", "0s", "must be between 1m and 48h, not 0s"},
		{"alerts", "order_overlap", "720h", "must be between 1m and 48h, not 720h"},
		{"bss", "operation_rate", "0.01", "must be between 0.1 and 1000 (or 0: each API's documented rate), not 0.01"},
		{"bss", "operation_rate", ".inf", "must be between 0.1 and 1000 (or 0: each API's documented rate), not +Inf"},
		{"bss", "interactive_share", "1", "must be between 0 and 0.9, not 1"},
		{"bss", "interactive_share", "-0.1", "must be between 0 and 0.9, not -0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := Parse([]byte(tt.section + ":\n  " + tt.key + ": " + tt.value + "\n"))
			if err == nil {
				t.Fatal("accepted")
			}
			want := tt.section + "." + tt.key + " (line 2): " + tt.want
			if !strings.Contains(err.Error(), want) {
				t.Errorf("missing %q in:\n%v", want, err)
			}
		})
	}
	t.Run("subscription days", func(t *testing.T) {
		in := "alerts:\n  subscriptions:\n    - channel: console:a\n      kind: expiry\n      scope: \"*\"\n      days: [30, 100000]\n"
		_, err := Parse([]byte(in))
		want := "alerts.subscriptions[0].days (line 6): thresholds are days from 1 to 365, not 100000"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	})
}

func TestParseStoreTimeouts(t *testing.T) {
	cfg, err := Parse([]byte("store:\n  lock_timeout: 250ms\n  check_timeout: 2m\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Store.LockTimeout != 250*time.Millisecond || cfg.Store.CheckTimeout != 2*time.Minute {
		t.Errorf("store = %+v", cfg.Store)
	}
	if d := Default().Store; d.LockTimeout != 10*time.Second || d.CheckTimeout != 30*time.Second {
		t.Errorf("defaults = %+v, want lock_timeout 10s and check_timeout 30s", d)
	}
}

// TestParseStoreRetention: store.retention has its defaults (400 days of audit, 30 of delivered
// notices), takes durations, and refuses values outside its ranges with the key and line.
func TestParseStoreRetention(t *testing.T) {
	if r := Default().Store.Retention; r.Audit != 400*24*time.Hour || r.DeliveredNotices != 30*24*time.Hour {
		t.Errorf("defaults = %+v, want 9600h and 720h", r)
	}
	cfg, err := Parse([]byte("store:\n  retention:\n    audit: 2160h\n    delivered_notices: 48h\n"))
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Store.Retention; r.Audit != 90*24*time.Hour || r.DeliveredNotices != 48*time.Hour {
		t.Errorf("retention = %+v", r)
	}
	for _, tt := range []struct{ key, value, want string }{
		{"audit", "1h", "store.retention.audit (line 3): must be between 24h and 878400h, not 1h"},
		{"audit", "0s", "store.retention.audit (line 3): must be between 24h and 878400h, not 0s"},
		{"audit", "1000000h", "store.retention.audit (line 3): must be between 24h and 878400h, not 1000000h"},
		{"delivered_notices", "-24h", "store.retention.delivered_notices (line 3): must be between 24h and 8784h, not -24h"},
		{"delivered_notices", "9000h", "store.retention.delivered_notices (line 3): must be between 24h and 8784h, not 9000h"},
		{"delivered_notices", "soon", "store.retention.delivered_notices (line 3): invalid value"},
		{"forever", "true", "store.retention.forever (line 3): unknown key"},
	} {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			_, err := Parse([]byte("store:\n  retention:\n    " + tt.key + ": " + tt.value + "\n"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("missing %q in:\n%v", tt.want, err)
			}
		})
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
		"wecom.secret (line 7): secrets are never read from the file: put it in the environment variable WECOM_CORP_SECRET instead",
		"wecom.api_base (line 6):", "wecom.corp_id (line 3): must be set with agent_id", "wecom.callback.listen (line 9): the callback needs the app",
		"wecom.callback.listen (line 9): \"8088\" must be host:port", "wecom.callback.path (line 10): must start with /",
		"wecom.robots.Ops (line 12): robot names", "wecom.robots.a_b (line 14): shares WECOM_ROBOT_KEY_A_B with robot a-b",
		"wecom.robots.a_b.rate_per_minute (line 15):", "approvals.channel (line 2): names robot \"nosuch\"",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if _, err := Parse([]byte("wecom:\n  enabled: true\n")); err == nil || !strings.Contains(err.Error(), "wecom (line 1): enabled with neither an app") {
		t.Errorf("empty wecom section: %v", err)
	}
	if _, err := Parse([]byte("wecom:\n  enabled: false\n  agent_id: 3\n")); err != nil {
		t.Errorf("a disabled section is not checked: %v", err)
	}
}

// TestDeadlineKeys: the command deadline, an action's BSS deadline and the longest
// Retry-After wait are configurable and bounded.
func TestDeadlineKeys(t *testing.T) {
	cfg, err := Parse([]byte("bot:\n  command_timeout: 2m\napprovals:\n  action_timeout: 5m\nbss:\n  max_wait: 10s\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Bot.CommandTimeout != 2*time.Minute || cfg.Approvals.ActionTimeout != 5*time.Minute || cfg.BSS.MaxWait != 10*time.Second {
		t.Fatalf("got %v %v %v", cfg.Bot.CommandTimeout, cfg.Approvals.ActionTimeout, cfg.BSS.MaxWait)
	}
	d := Default()
	if d.Bot.CommandTimeout != time.Minute || d.Approvals.ActionTimeout != 3*time.Minute || d.BSS.MaxWait != 30*time.Second {
		t.Fatalf("defaults %v %v %v", d.Bot.CommandTimeout, d.Approvals.ActionTimeout, d.BSS.MaxWait)
	}
	_, err = Parse([]byte("bot:\n  command_timeout: 0s\napprovals:\n  action_timeout: 2h\nbss:\n  max_wait: 1h\n"))
	for _, w := range []string{"bot.command_timeout (line 2)", "approvals.action_timeout (line 4)", "bss.max_wait (line 6)"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("no problem reported for %s: %v", w, err)
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
			var errs Errors
			s.resolve(tt.getenv, func(path, msg string) { errs = append(errs, FieldError{Path: path, Msg: msg}) })
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

// TestConsoleEnabled: true runs the console even on piped input, false never, and a section
// without the key runs it only on a terminal.
func TestConsoleEnabled(t *testing.T) {
	for _, tt := range []struct {
		yaml              string
		terminal, notTerm bool
	}{
		{"console:\n  user: admin\n", true, false},
		{"console:\n  enabled: true\n", true, true},
		{"console:\n  enabled: false\n", false, false},
	} {
		cfg, err := Parse([]byte(tt.yaml))
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Console.On(true); got != tt.terminal {
			t.Errorf("%q on a terminal: %v", tt.yaml, got)
		}
		if got := cfg.Console.On(false); got != tt.notTerm {
			t.Errorf("%q on piped input: %v", tt.yaml, got)
		}
	}
}

func TestAdminAndShutdown(t *testing.T) {
	cfg, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Admin.Listen != "127.0.0.1:8079" || cfg.Bot.ShutdownTimeout != 20*time.Second {
		t.Errorf("defaults: admin.listen %q, bot.shutdown_timeout %s", cfg.Admin.Listen, cfg.Bot.ShutdownTimeout)
	}
	for _, tc := range []struct {
		in   string
		want string // "" = accepted
	}{
		{"admin:\n  listen: \"\"\n", ""},
		{"admin:\n  listen: \":9090\"\n", ""},
		{"admin:\n  listen: \"[::1]:9090\"\n", ""},
		{"admin:\n  listen: \"9090\"\n", "admin.listen"},
		{"admin:\n  listen: \"localhost:\"\n", "admin.listen"},
		{"admin:\n  port: 9090\n", "admin.port"},
		{"bot:\n  shutdown_timeout: 1s\n", ""},
		{"bot:\n  shutdown_timeout: 10m\n", ""},
		{"bot:\n  shutdown_timeout: 500ms\n", "bot.shutdown_timeout"},
		{"bot:\n  shutdown_timeout: 11m\n", "bot.shutdown_timeout"},
	} {
		_, err := Parse([]byte(tc.in))
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q refused: %v", tc.in, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%q: err = %v, want a problem at %s", tc.in, err, tc.want)
		}
	}
}

// TestSandboxPath: the sandbox's file is beside the store unless bss.sandbox_file says where,
// relative to the config file; the store's own file is refused.
func TestSandboxPath(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(dir, "elsewhere", "sb.db")
	tests := []struct {
		name, yaml, want, problem string
	}{
		{"beside the store", "store:\n  path: state/bot.db\n", filepath.Join(dir, "state", "bot.sandbox.db"), ""},
		{"store without extension", "store:\n  path: state/bot\n", filepath.Join(dir, "state", "bot.sandbox.db"), ""},
		{"relative", "bss:\n  sandbox_file: data/sb.db\n", filepath.Join(dir, "data", "sb.db"), ""},
		{"absolute", "bss:\n  sandbox_file: " + abs + "\n", abs, ""},
		{"the store itself", "store:\n  path: bot.db\nbss:\n  sandbox_file: ./bot.db\n", "", "bss.sandbox_file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bot.yaml")
			if err := os.WriteFile(p, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(p)
			if tt.problem != "" {
				if err == nil || !strings.Contains(err.Error(), tt.problem) {
					t.Errorf("Load: %v, want a problem with %s", err, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.SandboxPath(); got != tt.want {
				t.Errorf("SandboxPath = %s, want %s", got, tt.want)
			}
		})
	}
}

// admin.listen's default uses admin.DefaultPort, not Prometheus's 9090.
func TestDefaultAdminListenPort(t *testing.T) {
	if got := Default().Admin.Listen; got != "127.0.0.1:8079" {
		t.Errorf("default admin.listen = %q, want 127.0.0.1:8079 (admin.DefaultPort)", got)
	}
}

// TestStoreBackendEtcd: store.backend etcd reads the endpoints, prefix, credentials' user, TLS
// files and the replica's keys; the defaults fit one machine (bbolt); mistakes name their key.
func TestStoreBackendEtcd(t *testing.T) {
	d := Default()
	if d.Store.Backend != BackendBolt || d.Store.Etcd.Prefix != "/partnerbot/" || d.Store.Etcd.DialTimeout != 5*time.Second || d.Cluster.Lease != 10*time.Second {
		t.Errorf("defaults = %+v %+v", d.Store, d.Cluster)
	}
	if got := d.ControlSocket(); got != filepath.Join(".", "partnerbot.db")+".sock" {
		t.Errorf("bbolt control socket = %s", got)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "bot.yaml")
	file := "store:\n  backend: etcd\n  etcd:\n    endpoints: [https://etcd-0:2379, http://127.0.0.1:2379]\n    prefix: /team-a/\n" +
		"    tls:\n      ca_file: etcd/ca.crt\n      cert_file: /etc/pb/client.crt\n      key_file: /etc/pb/client.key\n" +
		"cluster:\n  id: replica-1\n  lease: 6s\n"
	if err := os.WriteFile(p, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if e := cfg.Store.Etcd; cfg.Store.Backend != BackendEtcd || len(e.Endpoints) != 2 || e.Prefix != "/team-a/" || e.DialTimeout != 5*time.Second {
		t.Errorf("store = %+v", cfg.Store)
	}
	if got := cfg.EtcdFile(cfg.Store.Etcd.TLS.CAFile); got != filepath.Join(dir, "etcd", "ca.crt") {
		t.Errorf("ca_file = %s", got)
	}
	if got := cfg.EtcdFile(cfg.Store.Etcd.TLS.CertFile); got != "/etc/pb/client.crt" {
		t.Errorf("cert_file = %s", got)
	}
	if cfg.ReplicaID() != "replica-1" || cfg.Cluster.Lease != 6*time.Second {
		t.Errorf("cluster = %+v", cfg.Cluster)
	}
	if got := cfg.ControlSocket(); got != DefaultEtcdSocket {
		t.Errorf("etcd control socket = %s, want %s", got, DefaultEtcdSocket)
	}
	cfg.Control.Socket = "run/pb.sock"
	if got := cfg.ControlSocket(); got != filepath.Join(dir, "run", "pb.sock") {
		t.Errorf("control.socket = %s", got)
	}
	if h, _ := os.Hostname(); h != "" && Default().ReplicaID() != h {
		t.Errorf("default replica id = %s, want the host name %s", Default().ReplicaID(), h)
	}

	t.Setenv(EtcdPasswordEnv, "")
	const etcd = "store:\n  backend: etcd\n"
	for _, tt := range []struct{ file, want string }{
		{"store:\n  backend: postgres\n", "store.backend (line 2): must be bbolt (one machine) or etcd"},
		{etcd, "must list etcd's client URLs"},
		{etcd + "  etcd:\n    endpoints: [etcd-0:2379]\n", `"etcd-0:2379" is not a client URL`},
		{etcd + "  etcd:\n    endpoints: [http://etcd-0:2379/v3]\n", "is not a client URL"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\n    prefix: partnerbot\n", "store.etcd.prefix (line 5): must start with /"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\n    username: bot\n", "store.etcd.username (line 5): is set but PARTNERBOT_ETCD_PASSWORD is empty"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\n    tls:\n      cert_file: c.crt\n", "store.etcd.tls (line 5): cert_file and key_file go together"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\n    dial_timeout: 10m\n", "store.etcd.dial_timeout (line 5): must be between"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\ncluster:\n  lease: 1500ms\n", "cluster.lease (line 6): must be whole seconds"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\ncluster:\n  lease: 1s\n", "cluster.lease (line 6): must be between 2s and 1m"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\ncluster:\n  id: a/b\n", "cluster.id (line 6): must have no slashes"},
		{etcd + "  etcd:\n    endpoints: [http://e:2379]\n    password: x\n", "store.etcd.password (line 5): unknown key"},
	} {
		t.Run(tt.want, func(t *testing.T) {
			_, err := Parse([]byte(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("missing %q in:\n%v", tt.want, err)
			}
		})
	}
	t.Setenv(EtcdPasswordEnv, "s3cret")
	if _, err := Parse([]byte(etcd + "  etcd:\n    endpoints: [http://e:2379]\n    username: bot\n")); err != nil {
		t.Errorf("username with the password in the environment: %v", err)
	}
	// bbolt ignores the etcd keys' mistakes: they are not in use.
	if _, err := Parse([]byte("store:\n  etcd:\n    prefix: x\n")); err != nil {
		t.Errorf("bbolt with an unused etcd section: %v", err)
	}
}
