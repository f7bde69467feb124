package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/store"
)

// syncBuffer is a bytes.Buffer safe for the bot's goroutines to write while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runningBot is a bot started in-process with run, as main does.
type runningBot struct {
	cfg    string
	stderr *syncBuffer
	stop   func() int // cancels the bot and returns its exit code
}

// startBot runs the bot of the configuration at cfg (console on an input that stays open) until
// the test ends or stop is called, and returns once its control socket answers.
func startBot(t *testing.T, cfg string) *runningBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	stderr := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- Run(ctx, []string{"-config", cfg}, pr, io.Discard, stderr) }()
	var once sync.Once
	code := -1
	stop := func() int {
		once.Do(func() {
			cancel()
			code = <-done
			pw.Close()
		})
		return code
	}
	t.Cleanup(func() { stop() })
	sock := control.SocketPath(storePath(cfg))
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := control.StatusOf(context.Background(), sock); err == nil {
			break
		}
		select {
		case c := <-done:
			done <- c
			t.Fatalf("the bot stopped (exit %d) before serving its control socket:\n%s", c, stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the bot's control socket never answered:\n%s", stderr.String())
		}
	}
	return &runningBot{cfg: cfg, stderr: stderr, stop: stop}
}

// TestExecThroughRunningBot: while a bot holds the store, exec runs the command inside it over
// the control socket, as the -as identity, with the documented exit codes. The lock timeout is
// ten minutes, so an exec that waited for the store's lock instead would not finish.
func TestExecThroughRunningBot(t *testing.T) {
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 10m")
	b := startBot(t, cfg)
	info, err := os.Lstat(control.SocketPath(storePath(cfg)))
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Type() != fs.ModeSocket || info.Mode().Perm() != 0o600 {
		t.Errorf("control socket mode %v, want a socket with 0600", info.Mode())
	}
	for _, tt := range []struct {
		name        string
		args        []string
		code        int
		stdout      []string
		stderr      []string
		emptyStdout bool
	}{
		{name: "customer", args: []string{"/customer 张三"}, code: exitOK, stdout: []string{"客户：张三 (zhangsan)", "[资源] /resources "}},
		{name: "the caller's identity", args: []string{"-as", "console:alice", "/audit"}, code: exitFailed,
			stdout: []string{"/audit 需要 管理员（admin） 角色，您的角色是 操作员（operator）。"}},
		{name: "unknown command", args: []string{"/nosuch"}, code: exitFailed, stdout: []string{"没有 /nosuch 这个命令。"}},
		{name: "not a command", args: []string{"hello"}, code: exitUsage, emptyStdout: true, stderr: []string{`"hello" is not a command`}},
		{name: "usage", args: []string{"-as", "nocolon", "/help"}, code: exitUsage, emptyStdout: true},
		{name: "other platform", args: []string{"-as", "slack:U123", "/help"}, code: exitOK, stdout: []string{"/customer (/客户)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"exec", "-config", cfg}, tt.args...)...)
			r.check(t, tt.code, tt.stdout, tt.stderr)
			if tt.emptyStdout && r.stdout != "" {
				t.Errorf("stdout should be empty:\n%s", r.stdout)
			}
		})
	}
	if n := strings.Count(b.stderr.String(), "control socket: exec"); n != 5 {
		t.Errorf("the bot ran %d commands for exec, want 5 (all but the usage error):\n%s", n, b.stderr.String())
	}
	if code := b.stop(); code != exitOK {
		t.Fatalf("bot exit %d", code)
	}
	if _, err := os.Lstat(control.SocketPath(storePath(cfg))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the control socket outlived the bot: %v", err)
	}
	// The audit log names the caller and the exec channel, as exec without a bot does.
	st, err := store.Open(storePath(cfg), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	es, err := st.RecentAudit(context.Background(), 20, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range es {
		if e.Channel == "exec" {
			seen[e.Platform+":"+e.UserID+" "+e.Command+" "+e.Result] = true
		}
	}
	for _, want := range []string{"console:admin /customer 张三 ok", "console:alice /audit denied", "slack:U123 /help ok"} {
		if !seen[want] {
			t.Errorf("no audit entry %q in %v", want, seen)
		}
	}
}

// TestExecWhileBotStarts: an exec that finds no bot but the store's lock held (a bot starting)
// asks the bot on its socket once the lock wait ends, rather than failing: here the "bot" holds
// the lock throughout and starts serving its socket a moment after exec began.
func TestExecWhileBotStarts(t *testing.T) {
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 1s")
	st, err := store.Open(storePath(cfg), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got := make(chan result, 1)
	go func() {
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		code := Run(ctx, []string{"exec", "-config", cfg, "-as", "console:alice", "/customer 张三"}, strings.NewReader(""), &stdout, &stderr)
		got <- result{code, stdout.String(), stderr.String()}
	}()
	// Most often exec is waiting for the lock by now; if not, it finds the socket at once, and
	// the answer is the same.
	time.Sleep(200 * time.Millisecond)
	srv, err := control.Listen(control.SocketPath(storePath(cfg)), storePath(cfg), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(ctx, control.Handler{Exec: func(ctx context.Context, r control.ExecRequest) control.ExecResult {
			return control.ExecResult{Reply: "answered by the bot for " + r.Platform + ":" + r.User + ": " + r.Text + "\n"}
		}})
	}()
	defer func() { cancel(); <-served }()
	(<-got).check(t, exitOK, []string{"answered by the bot for console:alice: /customer 张三"}, nil)
}

// TestBackupOfRunningBot: backups taken through the running bot while commands write to the
// store reopen intact, pass the consistency check and hold a whole audit log.
func TestBackupOfRunningBot(t *testing.T) {
	cfg := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 10m")
	startBot(t, cfg)
	sock := control.SocketPath(storePath(cfg))
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes sync.Map
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				lang := []string{"/lang en", "/lang zh"}[i%2]
				res, err := control.Exec(context.Background(), sock, control.ExecRequest{Platform: "console", User: fmt.Sprint("writer", w), Text: lang})
				if err != nil || res.Failed {
					t.Errorf("writer %d: %+v, %v", w, res, err)
					return
				}
				writes.Store(fmt.Sprint(w, i), true)
			}
		}()
	}
	dir := t.TempDir()
	for i := range 4 {
		out := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		r := runCLI(t, "", "backup", "-config", cfg, out)
		r.check(t, exitOK, []string{"written to " + out + " through the running bot", "checked"}, nil)
	}
	close(stop)
	wg.Wait()
	n := 0
	writes.Range(func(any, any) bool { n++; return true })
	if n < 4 {
		t.Fatalf("only %d writes went on during the backups", n)
	}
	for i := range 4 {
		out := filepath.Join(dir, fmt.Sprintf("backup-%d.db", i))
		info, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if info.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", out, info.Mode().Perm())
		}
		st, err := store.Open(out, store.Options{}) // the consistency check runs at Open
		if err != nil {
			t.Fatalf("backup %d does not reopen: %v", i, err)
		}
		err = st.View(context.Background(), func(tx *bolt.Tx) error {
			audit := tx.Bucket([]byte("audit"))
			last, _ := audit.Cursor().Last()
			if k := uint64(audit.Stats().KeyN); last == nil || k != audit.Sequence() {
				return fmt.Errorf("%d audit entries, sequence %d: not a whole log", k, audit.Sequence())
			}
			return nil
		})
		if err != nil {
			t.Errorf("backup %d: %v", i, err)
		}
		st.Close()
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

// TestBackupWithoutBot: with no bot running, backup copies the store file directly; a missing
// store, the store itself as the output, and bad usage are refused.
func TestBackupWithoutBot(t *testing.T) {
	cfg := writeConfig(t)
	out := filepath.Join(t.TempDir(), "b.db")
	runCLI(t, "", "backup", "-config", cfg, out).check(t, exitFailed, nil, []string{"does not exist: nothing to back up"})
	if _, err := os.Stat(out); err == nil {
		t.Error("a failed backup left a file")
	}
	runCLI(t, "", "exec", "-config", cfg, "/lang en").check(t, exitOK, nil, nil)
	runCLI(t, "", "backup", "-config", cfg, out).check(t, exitOK, []string{"written to " + out + " from the store file", fmt.Sprintf("schema version %d", store.CurrentSchemaVersion)}, nil)
	// Again over the same name: replaced.
	runCLI(t, "", "backup", "-config", cfg, out).check(t, exitOK, nil, nil)
	st, err := store.Open(out, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := st.Prefs(context.Background(), "console:admin"); err != nil || p.Lang != "en" {
		t.Errorf("backup's prefs = %+v, %v", p, err)
	}
	st.Close()

	runCLI(t, "", "backup", "-config", cfg, storePath(cfg)).check(t, exitUsage, nil, []string{"is the store itself"})
	runCLI(t, "", "backup", "-config", cfg).check(t, exitUsage, nil, []string{"usage: partnerbot backup"})
	runCLI(t, "", "backup", "-config", cfg, "a", "b").check(t, exitUsage, nil, []string{"usage: partnerbot backup"})

	// A store held by a process without a control socket: the lock wait, then exit 1.
	held := writeConfig(t, "  lock_timeout: 10s", "  lock_timeout: 200ms")
	hs, err := store.Open(storePath(held), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer hs.Close()
	runCLI(t, "", "backup", "-config", held, out).check(t, exitFailed, nil, []string{"in use by another partnerbot process"})
}

// TestStaleSocket: a socket left by a bot that crashed does not stop exec (which removes it once
// it holds the store) nor a new bot (which serves its own).
func TestStaleSocket(t *testing.T) {
	cfg := writeConfig(t)
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitOK, nil, nil)
	sock := control.SocketPath(storePath(cfg))
	stale := func() {
		t.Helper()
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
		if err != nil {
			t.Fatal(err)
		}
		ln.SetUnlinkOnClose(false) // as a killed bot leaves it
		ln.Close()
	}
	stale()
	runCLI(t, "", "exec", "-config", cfg, "/customer 张三").check(t, exitOK, []string{"zhangsan"}, nil)
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("exec left the stale socket: %v", err)
	}
	stale()
	b := startBot(t, cfg)
	runCLI(t, "", "exec", "-config", cfg, "/customer 张三").check(t, exitOK, []string{"zhangsan"}, nil)
	if !strings.Contains(b.stderr.String(), "control socket: exec") {
		t.Errorf("exec did not go through the new bot:\n%s", b.stderr.String())
	}
	// Something that is not a socket in its place is left alone; the bot runs without a socket.
	b.stop()
	if err := os.WriteFile(sock, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stderr bytes.Buffer
	pr, pw := io.Pipe()
	defer pw.Close()
	if code := Run(ctx, []string{"-config", cfg}, pr, io.Discard, &stderr); code != exitOK {
		t.Errorf("exit %d", code)
	}
	if !strings.Contains(stderr.String(), "is not a socket") {
		t.Errorf("the bot did not say why it has no control socket:\n%s", stderr.String())
	}
	if b, err := os.ReadFile(sock); err != nil || string(b) != "mine" {
		t.Errorf("the file in the way was touched: %q, %v", b, err)
	}
}

// TestCompact: compact refuses while the bot runs, and writes a smaller, intact copy once it is
// stopped.
func TestCompact(t *testing.T) {
	cfg := writeConfig(t)
	b := startBot(t, cfg)
	out := filepath.Join(t.TempDir(), "compact.db")
	runCLI(t, "", "compact", "-config", cfg, out).check(t, exitFailed, nil, []string{"stop it first"})
	b.stop()
	runCLI(t, "", "compact", "-config", cfg, out).check(t, exitOK, []string{"compacted " + storePath(cfg), "move " + out}, nil)
	if _, err := store.Verify(out, store.Options{}); err != nil {
		t.Fatal(err)
	}
	runCLI(t, "", "compact", "-config", cfg, out).check(t, exitFailed, nil, []string{"already exists"})
	runCLI(t, "", "compact", "-config", cfg, storePath(cfg)).check(t, exitUsage, nil, []string{"is the store itself"})
}

// TestNewerSchemaRefused: a store written by a newer partnerbot stops the bot and exec (exit 1,
// never downgraded) and fails check-config's store row.
func TestNewerSchemaRefused(t *testing.T) {
	cfg := writeConfig(t)
	if err := os.MkdirAll(filepath.Dir(storePath(cfg)), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(storePath(cfg), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("meta"))
		if err != nil {
			return err
		}
		return b.Put([]byte("schema_version"), []byte(fmt.Sprint(store.CurrentSchemaVersion+1)))
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{fmt.Sprintf("the file has version %d, this partnerbot knows up to %d; refusing to downgrade", store.CurrentSchemaVersion+1, store.CurrentSchemaVersion)}
	runCLI(t, "/help\n", "-config", cfg).check(t, exitFailed, nil, want)
	runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitFailed, nil, want)
	r := runCLI(t, "", "check-config", "-config", cfg)
	r.check(t, exitFailed, []string{"written by a newer partnerbot"}, nil)
	// A backup still copies it, before a downgrade is undone.
	runCLI(t, "", "backup", "-config", cfg, filepath.Join(t.TempDir(), "b.db")).check(t, exitOK, []string{fmt.Sprintf("schema version %d", store.CurrentSchemaVersion+1)}, nil)
}

// TestCheckConfig: the table says what works, exit 0 when all does, 2 when the bot would refuse
// to start, 1 otherwise, over the sandbox, IAM's agency for one customer, and each platform's
// auth call against the platforms' fakes; no secret is printed.
func TestCheckConfig(t *testing.T) {
	const corpSecret = "check-corp-secret-5d1e"
	sl, tg := slacktest.New(t), telegramtest.New(t)
	slackBot, slackApp, tgToken := sl.BotToken, sl.AppToken, telegramtest.Token
	slackURL, tgURL := sl.APIURL(), tg.URL
	wc := wecomtest.New(t, wecomtest.Options{CorpID: "ww-check", CorpSecret: corpSecret, AgentID: 1000009})
	platforms := []string{
		// Slack on, at its fake.
		"(http mode).\n  enabled: false", "(http mode).\n  enabled: true",
		"  api_url: https://slack.com/api/", "  api_url: " + slackURL,
		// Telegram on, at its fake.
		"every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: false\n  # The Bot API server: Telegram's, or a self-hosted telegram-bot-api server.\n  api_endpoint: https://api.telegram.org",
		"every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: true\n  api_endpoint: " + tgURL,
		// WeCom app and a robot, at the fake.
		"  enabled: false\n  # 企业ID", "  enabled: true\n  # 企业ID",
		`  corp_id: ""`, "  corp_id: ww-check", "  agent_id: 0", "  agent_id: 1000009",
		"  api_base: https://qyapi.weixin.qq.com", "  api_base: " + wc.URL,
		"  robots: {}", "  robots:\n    ops: {}",
	}
	env := func(slackBotTok, tg, corp string) {
		t.Setenv("SLACK_BOT_TOKEN", slackBotTok)
		t.Setenv("SLACK_APP_TOKEN", slackApp)
		t.Setenv("TELEGRAM_BOT_TOKEN", tg)
		t.Setenv("WECOM_CORP_SECRET", corp)
		t.Setenv("WECOM_ROBOT_KEY_OPS", "robot-key")
	}
	secrets := []string{slackBot, slackApp, tgToken, corpSecret, "xoxb-wrong-9999", "not-the-corp-secret"}
	noSecrets := func(t *testing.T, r result) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.stdout+r.stderr, s) {
				t.Errorf("secret %q printed", s)
			}
		}
	}

	t.Run("sandbox alone", func(t *testing.T) {
		cfg := writeConfig(t)
		r := runCLI(t, "", "check-config", "-config", cfg)
		r.check(t, exitOK, []string{"CHECK", "configuration    ok", "store            ok", "not created yet",
			"bss credentials  ok", "the built-in sandbox", "bss account id   ok", "bss signed call  ok", "ListSubCustomers answered: 60 customers",
			"iam agency       skip"}, nil)
		if _, err := os.Stat(storePath(cfg)); err == nil {
			t.Error("check-config created the store")
		}
		runCLI(t, "", "exec", "-config", cfg, "/help").check(t, exitOK, nil, nil)
		runCLI(t, "", "check-config", "-config", cfg).check(t, exitOK,
			[]string{"store            ok      " + storePath(cfg) + ": consistent, ", fmt.Sprintf("bytes, schema version %d", store.CurrentSchemaVersion)}, nil)
	})
	t.Run("agency of a customer", func(t *testing.T) {
		cfg := writeConfig(t)
		out := runCLI(t, "", "bss", "-config", cfg, "customers", "-name", "张三").stdout
		var custs []struct {
			ID string `json:"customer_id"`
		}
		if err := json.Unmarshal([]byte(out), &custs); err != nil || len(custs) == 0 {
			t.Fatalf("no customer 张三: %v", err)
		}
		runCLI(t, "", "check-config", "-config", cfg, "-customer", custs[0].ID).
			check(t, exitOK, []string{"iam agency       ok", "temporary credentials for zhangsan (" + custs[0].ID + ")"}, nil)
		runCLI(t, "", "check-config", "-config", cfg, "-customer", "00000000000000000000000000000000").
			check(t, exitFailed, []string{"iam agency       FAIL", "no customer 00000000000000000000000000000000"}, nil)
	})
	t.Run("every platform works", func(t *testing.T) {
		env(slackBot, tgToken, corpSecret)
		cfg := writeConfig(t, platforms...)
		r := runCLI(t, "", "check-config", "-config", cfg)
		r.check(t, exitOK, []string{"slack            ok      auth.test (bot token) and apps.connections.open (app-level token) accepted",
			"telegram         ok      getMe (bot token) accepted", "wecom            ok      gettoken (corp id and secret) accepted",
			"wecom robots     skip"}, nil)
		noSecrets(t, r)
		if wc.TokenFetches() == 0 {
			t.Error("WeCom was not asked for a token")
		}
	})
	t.Run("wrong secrets", func(t *testing.T) {
		env("xoxb-wrong-9999", "4242424242:AAwrong-token-0000000000000000000", "not-the-corp-secret")
		cfg := writeConfig(t, platforms...)
		r := runCLI(t, "", "check-config", "-config", cfg)
		r.check(t, exitFailed, []string{"slack            FAIL    slack: auth.test: invalid_auth",
			"telegram         FAIL    telegram: getMe: Unauthorized", "wecom            FAIL    wecom: gettoken", "bss signed call  ok"}, nil)
		noSecrets(t, r)
	})
	t.Run("missing environment", func(t *testing.T) {
		env(slackBot, "", "")
		cfg := writeConfig(t, platforms...)
		r := runCLI(t, "", "check-config", "-config", cfg)
		// The bot would not start (exit 2): it stops at the first adapter it cannot build.
		r.check(t, exitUsage, []string{"telegram         FAIL", "TELEGRAM_BOT_TOKEN", "wecom            FAIL", "WECOM_CORP_SECRET",
			"The bot would refuse to start (exit 2), saying:\npartnerbot: wecom: WECOM_CORP_SECRET is not set"}, nil)
	})
	t.Run("invalid configuration", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "bad.yaml")
		if err := os.WriteFile(bad, []byte("bot:\n  langauge: en\nstore:\n  retention:\n    audit: 1h\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		runCLI(t, "", "check-config", "-config", bad).check(t, exitUsage, // as the bot, which refuses it
			[]string{"configuration  FAIL", "bot.langauge (line 2): unknown key", "store.retention.audit (line 5): must be between 24h"}, nil)
	})
	t.Run("beside a running bot", func(t *testing.T) {
		cfg := writeConfig(t)
		startBot(t, cfg)
		runCLI(t, "", "check-config", "-config", cfg).check(t, exitOK, []string{"held by the running bot (pid "}, nil)
	})
	t.Run("usage", func(t *testing.T) {
		runCLI(t, "", "check-config", "extra").check(t, exitUsage, nil, []string{"usage: partnerbot check-config"})
		runCLI(t, "", "check-config", "-bogus").check(t, exitUsage, nil, []string{"-bogus"})
	})
}

// TestExecTimeoutThroughBot: a command that runs out of exec's -timeout inside the bot is
// answered as such (exit 1), not lost as a broken connection.
func TestExecTimeoutThroughBot(t *testing.T) {
	srv := bsstest.NewTestServer(t, bsstest.Options{Now: wallClock})
	t.Setenv(bss.EnvAccessKey, bsstest.SandboxCredentials.AccessKey)
	t.Setenv(bss.EnvSecretKey, bsstest.SandboxCredentials.SecretKey)
	cfg := writeConfig(t, "  sandbox: true", "  sandbox: false",
		"  endpoint: china", "  endpoint: "+srv.URL, `  iam_endpoint: ""`, "  iam_endpoint: "+srv.URL,
		"  max_retries: 3", "  max_retries: 0")
	b := startBot(t, cfg)
	srv.Inject("POST", "/v2/partners/sub-customers/query", bsstest.Fault{Hang: true})
	r := runCLI(t, "", "exec", "-config", cfg, "-timeout", "1s", "/customer 张三")
	r.check(t, exitFailed, []string{"查询华为云失败"}, nil) // as exec without a bot answers it
	if strings.Contains(r.stderr, "control:") {
		t.Errorf("the answer was lost:\n%s", r.stderr)
	}
	if !strings.Contains(b.stderr.String(), "control socket: exec") {
		t.Errorf("exec did not go through the bot:\n%s", b.stderr.String())
	}
}
