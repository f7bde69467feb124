package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/store"
)

// writeConfig writes the example configuration with store.path set to "state/bot.db" (relative,
// so it resolves against the config file's temporary directory) and the admin endpoint on a
// free port, applies each edit (old → new text of the file) and returns the file's path.
func writeConfig(t *testing.T, edits ...string) string {
	t.Helper()
	text := string(Example)
	edits = append([]string{"  path: partnerbot.db", "  path: state/bot.db",
		`  listen: "127.0.0.1:8079"`, `  listen: "127.0.0.1:0"`}, edits...)
	for i := 0; i+1 < len(edits); i += 2 {
		if !strings.Contains(text, edits[i]) {
			t.Fatalf("config.example.yaml has no %q to replace", edits[i])
		}
		text = strings.Replace(text, edits[i], edits[i+1], 1)
	}
	path := filepath.Join(t.TempDir(), "partnerbot.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// resourceID is the id /resources prints under the resource named name (on the line after
// "name ·"), or the test fails.
func resourceID(t *testing.T, stdout, name string) string {
	t.Helper()
	lines := strings.Split(stdout, "\n")
	for i, l := range lines {
		if strings.Contains(l, name+" ·") && i+1 < len(lines) {
			if id := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(lines[i+1]), "ID:")); id != "" {
				return id
			}
		}
	}
	t.Fatalf("no resource id of %s in:\n%s", name, stdout)
	return ""
}

// storePath is where the configuration at cfg keeps its store.
func storePath(cfg string) string { return filepath.Join(filepath.Dir(cfg), "state", "bot.db") }

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the binary's run function with a deadline, as main would.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := Run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	if ctx.Err() != nil {
		t.Fatalf("run %q did not finish in time", args)
	}
	return result{code, stdout.String(), stderr.String()}
}

func (r result) check(t *testing.T, code int, stdout, stderr []string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	for _, w := range stdout {
		if !strings.Contains(r.stdout, w) {
			t.Errorf("stdout lacks %q:\n%s", w, r.stdout)
		}
	}
	for _, w := range stderr {
		if !strings.Contains(r.stderr, w) {
			t.Errorf("stderr lacks %q:\n%s", w, r.stderr)
		}
	}
}

func TestExec(t *testing.T) {
	tests := []struct {
		name        string
		args        []string // after "exec -config FILE"
		code        int
		stdout      []string
		stderr      []string
		emptyStdout bool
	}{
		{name: "customer", args: []string{"/customer 张三"}, code: exitOK,
			stdout: []string{"客户：张三 (zhangsan)", "zhangsan", "[资源] /resources "}},
		{name: "command in several arguments", args: []string{"/customer", "张三"}, code: exitOK,
			stdout: []string{"zhangsan"}},
		{name: "alias", args: []string{"/欠费"}, code: exitOK, stdout: []string{"== 欠费客户 ==", "lisi"}},
		{name: "unknown command", args: []string{"/nosuch"}, code: exitFailed,
			stdout: []string{"没有 /nosuch 这个命令。"}},
		{name: "order not found", args: []string{"/order CS0000NOTFOUND"}, code: exitFailed,
			stdout: []string{"没有找到订单 CS0000NOTFOUND。"}},
		{name: "missing argument", args: []string{"/resources"}, code: exitFailed,
			stdout: []string{"/resources 缺少参数。", "用法："}},
		{name: "bad flag value", args: []string{"/expiring --page abc"}, code: exitFailed,
			stdout: []string{"--page"}},
		{name: "operator may not audit", args: []string{"-as", "console:alice", "/audit"}, code: exitFailed,
			stdout: []string{"/audit 需要 管理员（admin） 角色，您的角色是 操作员（operator）。"}},
		{name: "admin may audit", args: []string{"-as", "console:admin", "/audit"}, code: exitOK},
		{name: "default user is the console user (admin)", args: []string{"/audit"}, code: exitOK},
		{name: "other platform, default role", args: []string{"-as", "slack:U123", "/help"}, code: exitOK,
			stdout: []string{"/customer (/客户)"}},
		{name: "not a command", args: []string{"hello"}, code: exitUsage, emptyStdout: true,
			stderr: []string{`"hello" is not a command`}},
		{name: "no command", args: nil, code: exitUsage, emptyStdout: true,
			stderr: []string{"usage: partnerbot exec"}},
		{name: "-as without a platform", args: []string{"-as", "nocolon", "/help"}, code: exitUsage, emptyStdout: true,
			stderr: []string{`-as "nocolon": want platform:user-id`}},
		{name: "-as with an empty user", args: []string{"-as", "console:", "/help"}, code: exitUsage, emptyStdout: true},
		{name: "unknown flag", args: []string{"-bogus", "/help"}, code: exitUsage, emptyStdout: true,
			stderr: []string{"-bogus"}},
		{name: "timeout", args: []string{"-timeout", "1ns", "/arrears"}, code: exitFailed,
			stdout: []string{"查询华为云失败"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeConfig(t)
			r := runCLI(t, "", append([]string{"exec", "-config", cfg}, tt.args...)...)
			r.check(t, tt.code, tt.stdout, tt.stderr)
			if tt.emptyStdout && r.stdout != "" {
				t.Errorf("stdout should be empty on a usage error:\n%s", r.stdout)
			}
			if r.code != exitUsage && r.stdout == "" {
				t.Errorf("no reply printed")
			}
		})
	}
}

// TestExecStore checks that exec uses store.path relative to the config file, audits the
// command, and releases the store when done.
func TestExecStore(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t)
	runCLI(t, "", "exec", "-config", cfg, "/customer 张三").check(t, exitOK, nil, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/audit").check(t, exitFailed, nil, nil)

	st, err := store.Open(storePath(cfg), store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("the store is not at store.path relative to the config, or is still locked: %v", err)
	}
	defer st.Close()
	es, err := st.RecentAudit(context.Background(), 10, store.AuditFilter{Platform: "console"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		t.Fatalf("audit log has %d entries, want 2: %+v", len(es), es)
	}
	if e := es[1]; e.Platform != "console" || e.UserID != "admin" || e.Command != "/customer 张三" || e.Result != "ok" {
		t.Errorf("first audit entry = %+v", e)
	}
	if e := es[0]; e.Platform != "console" || e.UserID != "alice" || e.Command != "/audit" || e.Result != "denied" {
		t.Errorf("second audit entry = %+v", e)
	}
}

// TestExecStoreInUse: a store held by another process made exec exit 2 (a usage error) after a
// fixed second. It waits store.lock_timeout, then fails (exit 1) saying who holds the store.
func TestExecStoreInUse(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 300ms")
	st, err := store.Open(storePath(cfg), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	start := time.Now()
	r := runCLI(t, "", "exec", "-config", cfg, "/help")
	r.check(t, exitFailed, nil, []string{"in use by another partnerbot process", "waited 300ms", "store.lock_timeout"})
	if took := time.Since(start); took < 200*time.Millisecond || took > 5*time.Second { // bbolt gives up a retry (50ms) early
		t.Errorf("exec waited %v for the lock, want store.lock_timeout (300ms)", took)
	}
	// The bot itself fails too (its console at once: TestSecondConsole).
	runCLI(t, "/help\n", "-config", cfg).check(t, exitFailed, nil, []string{"in use by another partnerbot"})
}

// TestSecondConsole: a console that is the bot's only adapter, on a store another process
// holds, says at once (not after store.lock_timeout) that the store is in use and gives the
// exec command that runs beside it.
func TestSecondConsole(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 25s")
	st, err := store.Open(storePath(cfg), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r := runCLI(t, "/help\n", "-config", cfg, "-as", "alice")
	r.check(t, exitFailed, nil, []string{"is in use by another partnerbot (a running bot or another console)",
		"partnerbot exec -config " + cfg + " -as console:alice '/help'"})
	if strings.Contains(r.stderr, "waited") {
		t.Errorf("the console waited store.lock_timeout:\n%s", r.stderr)
	}
}

// TestExecWaitsForTheLock: a store released within store.lock_timeout is used, not refused.
func TestExecWaitsForTheLock(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 20s")
	st, err := store.Open(storePath(cfg), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	released := make(chan struct{})
	go func() {
		defer close(released)
		time.Sleep(1500 * time.Millisecond) // longer than the old fixed second
		st.Close()
	}()
	defer func() { <-released }()
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitOK, []string{"/customer"}, nil)
}

// TestExecCorruptedStore: a damaged page stops exec with the corruption message and exit 1, not
// a panic.
func TestExecCorruptedStore(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t)
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitOK, nil, nil)
	path := storePath(cfg)
	damagePage(t, path, "leaf", 8, []byte{0x40}) // the page's type becomes nonsense
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitFailed, nil, []string{path, "is corrupted", "restore a backup"})
}

func TestConfigErrors(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("bot:\n  langauge: en\nbss:\n  timeout: soon\nstore:\n  path: bot.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	for _, tt := range []struct {
		name   string
		args   []string
		stderr []string
	}{
		{"exec, unknown key and bad value", []string{"exec", "-config", bad, "/help"},
			[]string{"bot.langauge", "unknown key", `did you mean "language"`, "bss.timeout", "invalid value"}},
		{"bot, unknown key and bad value", []string{"-config", bad},
			[]string{"bot.langauge", "bss.timeout"}},
		{"bss, unknown key and bad value", []string{"bss", "-config", bad, "customers"},
			[]string{"bot.langauge", "bss.timeout"}},
		{"exec, missing file", []string{"exec", "-config", missing, "/help"}, []string{"missing.yaml"}},
		{"bot, missing file", []string{"-config", missing}, []string{"missing.yaml"}},
		{"bss, missing file", []string{"bss", "-config", missing, "customers"}, []string{"missing.yaml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "/help\n", tt.args...)
			r.check(t, exitUsage, nil, tt.stderr)
			if r.stdout != "" {
				t.Errorf("stdout should be empty:\n%s", r.stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(bad), "bot.db")); err == nil {
		t.Errorf("a store was created although the configuration is invalid")
	}
}

func TestBSSCommand(t *testing.T) {
	cfg := writeConfig(t)
	r := runCLI(t, "", "bss", "-config", cfg, "customers", "-name", "张三")
	r.check(t, exitOK, nil, nil)
	var custs []struct {
		CustomerID  string `json:"customer_id"`
		AccountName string `json:"account_name"`
		Name        string `json:"customer"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &custs); err != nil {
		t.Fatalf("output is not a JSON list of customers: %v\n%s", err, r.stdout)
	}
	id := ""
	for _, c := range custs {
		if c.AccountName == "zhangsan" && c.Name == "张三" {
			id = c.CustomerID
		}
	}
	if len(id) != 32 {
		t.Fatalf("no customer 张三 (zhangsan) with a customer_id in %+v", custs)
	}

	t.Run("resources of the customer found", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "", "bss", "-config", cfg, "resources", "-main", id)
		r.check(t, exitOK, []string{"zhangsan-web-01", "zhangsan-mysql-01"}, nil)
		var groups []json.RawMessage
		if err := json.Unmarshal([]byte(r.stdout), &groups); err != nil || len(groups) == 0 {
			t.Errorf("output is not a JSON list of resource groups (%v):\n%s", err, r.stdout)
		}
	})

	for _, tt := range []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr []string
	}{
		{"customer by id", []string{"customers", "-id", id}, exitOK, []string{`"account_name": "zhangsan"`}, nil},
		{"balances", []string{"balances", id}, exitOK, []string{id}, nil},
		{"orders", []string{"orders", "-customer", id, "-limit", "3"}, exitOK, nil, nil},
		{"unknown operation", []string{"nosuchop"}, exitUsage, nil, []string{`unknown operation "nosuchop"`, "operations:"}},
		{"no operation", nil, exitUsage, nil, []string{"usage: partnerbot bss"}},
		{"resources without id", []string{"resources"}, exitUsage, nil, []string{"usage: partnerbot bss resources"}},
		{"bad status list", []string{"resources", "-status", "x", id}, exitUsage, nil, []string{"-status"}},
		{"unknown op flag", []string{"customers", "-bogus"}, exitUsage, nil, []string{"-bogus"}},
		{"order not found", []string{"order", "CS0000NOTFOUND"}, exitFailed, nil, []string{"Not found"}},
		{"renew price of nobody", []string{"renew-price", "00000000000000000000000000000000", "r1"}, exitFailed, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := runCLI(t, "", append([]string{"bss", "-config", cfg}, tt.args...)...)
			r.check(t, tt.code, tt.stdout, tt.stderr)
			if tt.code != exitOK && r.stdout != "" {
				t.Errorf("stdout should be empty on failure:\n%s", r.stdout)
			}
		})
	}
	if _, err := os.Stat(storePath(cfg)); err == nil {
		t.Errorf("partnerbot bss opened the store; it needs none")
	}
}

func TestRunBot(t *testing.T) {
	for _, tt := range []struct {
		name   string
		edits  []string
		args   []string
		stdin  string
		code   int
		stdout []string
		absent []string
		stderr []string
	}{
		{name: "help then quit", stdin: "/help\n/quit\n/customer 张三\n", code: exitOK,
			stdout: []string{"partnerbot 控制台，身份 console:admin", "== partnerbot 命令 ==", "/customer (/客户)", "/audit (/审计)"},
			absent: []string{"zhangsan"}, stderr: []string{"partnerbot started", "version=", "go=go"}},
		{name: "EOF ends the bot", stdin: "/customer 张三", code: exitOK, stdout: []string{"zhangsan"}},
		{name: "run subcommand", args: []string{"run"}, stdin: "/help\n", code: exitOK, stdout: []string{"/customer (/客户)"}},
		{name: "-as chooses the user", args: []string{"-as", "alice"}, stdin: "/audit\n", code: exitOK,
			stdout: []string{"console:alice", "您的角色是 操作员", "（operator）"}},
		{name: "-as with console prefix", args: []string{"-as", "console:bob"}, stdin: "/help\n", code: exitOK,
			stdout: []string{"partnerbot 控制台，身份 console:bob"}, absent: []string{"console:console:"}},
		{name: "english bot", edits: []string{"  language: zh", "  language: en"}, stdin: "/help\n", code: exitOK,
			stdout: []string{"partnerbot console as console:admin — type /help;", "== partnerbot commands =="}, absent: []string{"控制台"}},
		{name: "console disabled", edits: []string{"  # the bot.\n  enabled: true", "  # the bot.\n  enabled: false"}, stdin: "/help\n", code: exitUsage,
			stderr: []string{"no chat adapter is enabled"}},
		// Left out, the console runs only on a terminal: a service's piped or empty standard
		// input is not read.
		{name: "console unset and input piped", edits: []string{"  # the bot.\n  enabled: true\n", "  # the bot.\n"}, stdin: "/help\n", code: exitUsage,
			stderr: []string{"no chat adapter is enabled: console.enabled is unset and standard input is not a terminal"}, absent: []string{"/customer (/客户)"}},
		{name: "extra argument", args: []string{"extra"}, code: exitUsage, stderr: []string{`unexpected argument "extra"`}},
		{name: "unknown flag", args: []string{"-bogus"}, code: exitUsage, stderr: []string{"-bogus"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := writeConfig(t, tt.edits...)
			args := []string{"-config", cfg}
			if len(tt.args) > 0 && tt.args[0] == "run" {
				args = append([]string{"run"}, append(args, tt.args[1:]...)...)
			} else {
				args = append(args, tt.args...)
			}
			r := runCLI(t, tt.stdin, args...)
			r.check(t, tt.code, tt.stdout, tt.stderr)
			for _, a := range tt.absent {
				if strings.Contains(r.stdout, a) {
					t.Errorf("stdout has %q:\n%s", a, r.stdout)
				}
			}
		})
	}
}

// TestRunBotCancelled checks that a cancelled context (SIGINT, SIGTERM) stops the bot with exit 0
// while its input is still open.
func TestRunBotCancelled(t *testing.T) {
	t.Parallel()
	cfg := writeConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	pr, pw := io.Pipe() // standard input that stays open
	defer pw.Close()
	var stdout, stderr bytes.Buffer
	if code := Run(ctx, []string{"-config", cfg}, pr, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	// The store is released.
	st, err := store.Open(storePath(cfg), store.Options{Timeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("the store is still held after the bot stopped: %v", err)
	}
	st.Close()
}

func TestSubcommands(t *testing.T) {
	t.Run("help", func(t *testing.T) {
		t.Parallel()
		runCLI(t, "", "help").check(t, exitOK, []string{"usage:", "partnerbot exec", "partnerbot bss", "partnerbot sandbox"}, nil)
	})
	for _, h := range []string{"-h", "--help"} {
		t.Run(h, func(t *testing.T) {
			t.Parallel()
			runCLI(t, "", h).check(t, exitOK, []string{"usage:", "partnerbot exec", "partnerbot bss"}, nil)
		})
	}
	t.Run("unknown subcommand", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "", "frobnicate")
		r.check(t, exitUsage, nil, []string{`unknown subcommand "frobnicate"`, "usage:"})
	})
	t.Run("sandbox", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // serve, print the address, and stop at once
		var stdout, stderr bytes.Buffer
		if code := Run(ctx, []string{"sandbox", "-listen", "127.0.0.1:0"}, nil, &stdout, &stderr); code != exitOK {
			t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
		}
		if !strings.Contains(stdout.String(), "BSS sandbox on http://127.0.0.1:") || !strings.Contains(stdout.String(), bsstest.SandboxAgency) {
			t.Errorf("stdout:\n%s", stdout.String())
		}
	})
	t.Run("sandbox bad address", func(t *testing.T) {
		t.Parallel()
		r := runCLI(t, "", "sandbox", "-listen", "256.0.0.1:http-nope")
		if r.code == exitOK {
			t.Errorf("exit 0 for an address that cannot be listened on")
		}
	})
}

// TestRealBSSCredentials covers bss.sandbox: false: credentials come only from the environment.
func TestRealBSSCredentials(t *testing.T) {
	t.Setenv(bss.EnvAccessKey, "")
	t.Setenv(bss.EnvSecretKey, "")
	cfg := writeConfig(t, "  sandbox: true", "  sandbox: false")
	for _, args := range [][]string{
		{"exec", "-config", cfg, "/help"},
		{"bss", "-config", cfg, "customers"},
		{"-config", cfg},
	} {
		r := runCLI(t, "/help\n", args...)
		r.check(t, exitUsage, nil, []string{"HUAWEICLOUD_SDK_AK", "HUAWEICLOUD_SDK_SK"})
	}

	// With the credentials in the environment and the endpoint pointing at a BSS (here the fake
	// over HTTP), the same configuration works: the binary signs with the environment's keys.
	srv := bsstest.NewTestServer(t, bsstest.Options{Now: wallClock})
	t.Setenv(bss.EnvAccessKey, bsstest.SandboxCredentials.AccessKey)
	t.Setenv(bss.EnvSecretKey, bsstest.SandboxCredentials.SecretKey)
	cfg = writeConfig(t, "  sandbox: true", "  sandbox: false",
		"  endpoint: china", "  endpoint: "+srv.URL, `  iam_endpoint: ""`, "  iam_endpoint: "+srv.URL,
		"  max_retries: 3", "  max_retries: 0")
	runCLI(t, "", "exec", "-config", cfg, "/customer 张三").check(t, exitOK, []string{"zhangsan"}, nil)
	if srv.CallCount("POST", "/v2/partners/sub-customers/query") == 0 {
		t.Errorf("the configured endpoint was not called")
	}

	// Wrong keys: IAM refuses them at start-up, when the client looks up the partner's account
	// id (bss.domain_id is empty): a configuration error, said in words (exit 2).
	t.Setenv(bss.EnvSecretKey, "WRONG")
	r := runCLI(t, "", "exec", "-config", cfg, "/customer 张三")
	r.check(t, exitUsage, nil, []string{"IAM rejected the access key", "AK/SK is wrong"})
	if strings.Contains(r.stdout+r.stderr, "WRONG") {
		t.Errorf("the secret key appears in the output")
	}
	// With bss.domain_id set there is no look-up: BSS refuses the keys and the command fails
	// politely (exit 1).
	cfg = writeConfig(t, "  sandbox: true", "  sandbox: false",
		"  endpoint: china", "  endpoint: "+srv.URL, `  iam_endpoint: ""`, "  iam_endpoint: "+srv.URL,
		`  domain_id: ""`, "  domain_id: "+bsstest.SandboxDomainID, "  max_retries: 3", "  max_retries: 0")
	r = runCLI(t, "", "exec", "-config", cfg, "/customer 张三")
	r.check(t, exitFailed, []string{"华为云拒绝了凭证"}, nil)
	if strings.Contains(r.stdout+r.stderr, "WRONG") {
		t.Errorf("the secret key appears in the output")
	}
	if n := srv.CallCount("GET", "/v3/auth/domains"); n != 2 {
		t.Errorf("the account id was looked up %d times, want 2 (once per run without bss.domain_id)", n)
	}
}

// TestExecApprovalWorkflow runs the README's workflow: the store keeps the request between
// exec runs, the requester cannot approve, the approver's approval runs it, and the console
// bot then prints the notices queued for the console.
func TestExecApprovalWorkflow(t *testing.T) {
	cfg := writeConfig(t)
	res := runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/resources 张三")
	res.check(t, 0, []string{"zhangsan-web-01"}, nil)
	id := resourceID(t, res.stdout, "zhangsan-web-01")
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/renew "+id+" 3m --autopay").
		check(t, 0, []string{"已提交申请 #1", "一并处理的 2 个附属资源", "将从客户余额扣费:", "BSS 续订金额", "可选折扣（", "[撤回] /cancel 1"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/approve 1").check(t, 1, []string{"需要 审批人"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:admin", "/renew "+id+" 13m").check(t, 1, []string{"无效"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/pending").check(t, 0, []string{"console:alice", "续订"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/approve 1").check(t, 0, []string{"✅ 已执行", "新的到期时间"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/request 1").check(t, 0, []string{"console:bob", "已成功"}, nil)
	// The console bot delivers the notices the exec runs queued for the console.
	runCLI(t, "/quit\n", "-config", cfg).check(t, 0, []string{"notice for console #console", "console:alice 提交了申请 #1", "✅ 已执行"}, nil)
}
