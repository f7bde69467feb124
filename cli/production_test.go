package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/internal/promtext"
)

// consoleBot is the bot running in the background on a console fed through a pipe.
type consoleBot struct {
	t      *testing.T
	in     *io.PipeWriter
	stdout *lockedBuffer
	stderr *lockedBuffer
	stop   context.CancelFunc // the first SIGTERM
	done   chan int
}

func startConsoleBot(t *testing.T, args ...string) *consoleBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	b := &consoleBot{t: t, in: pw, stdout: &lockedBuffer{}, stderr: &lockedBuffer{}, stop: cancel, done: make(chan int, 1)}
	go func() { b.done <- Run(ctx, args, pr, b.stdout, b.stderr) }()
	t.Cleanup(func() {
		cancel()
		pw.Close()
		select {
		case <-b.done:
		case <-time.After(30 * time.Second):
			t.Error("the bot did not stop")
		}
	})
	return b
}

func (b *consoleBot) say(line string) {
	b.t.Helper()
	if _, err := io.WriteString(b.in, line+"\n"); err != nil {
		b.t.Fatal(err)
	}
}

// waitFor waits until cond holds, failing the test after 20 s.
func (b *consoleBot) waitFor(what string, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("gave up waiting for %s\nstdout:\n%s\nstderr:\n%s", what, b.stdout, b.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// exit waits for the bot to end and returns its exit code.
func (b *consoleBot) exit() int {
	b.t.Helper()
	select {
	case code := <-b.done:
		b.done <- code // for the cleanup
		return code
	case <-time.After(30 * time.Second):
		b.t.Fatalf("the bot did not exit\nstderr:\n%s", b.stderr)
		return -1
	}
}

var adminAddrRE = regexp.MustCompile(`msg="admin endpoints listening".*? addr=(\S+)`)

// adminAddr is the address the bot's admin endpoints listen on, from its log.
func (b *consoleBot) adminAddr() string {
	b.t.Helper()
	var addr string
	b.waitFor("the admin endpoints", func() bool {
		m := adminAddrRE.FindStringSubmatch(b.stderr.String())
		if m != nil {
			addr = m[1]
		}
		return m != nil
	})
	return addr
}

// realBSSConfig is the example configuration talking to srv as real BSS, with edits.
func realBSSConfig(t *testing.T, srv *bsstest.Server, edits ...string) string {
	t.Helper()
	t.Setenv(bss.EnvAccessKey, bsstest.SandboxCredentials.AccessKey)
	t.Setenv(bss.EnvSecretKey, bsstest.SandboxCredentials.SecretKey)
	return writeConfig(t, append([]string{"  sandbox: true", "  sandbox: false",
		"  endpoint: china", "  endpoint: " + srv.URL, `  iam_endpoint: ""`, "  iam_endpoint: " + srv.URL}, edits...)...)
}

func zhangsanResource(t *testing.T, srv *bsstest.Server, name string) string {
	t.Helper()
	for _, c := range srv.Customers() {
		if c.AccountName == "zhangsan" {
			for _, r := range srv.Resources(c.ID) {
				if r.Name == name {
					return r.ResourceID
				}
			}
		}
	}
	t.Fatalf("张三 has no %s", name)
	return ""
}

// TestAdminEndpointsOfTheRunningBot: the binary serves /healthz, /readyz and /metrics on
// admin.listen, and partnerbot healthcheck asks /healthz: 0 while the bot runs, 1 once it
// stopped.
func TestAdminEndpointsOfTheRunningBot(t *testing.T) {
	cfg := writeConfig(t)
	b := startConsoleBot(t, "-config", cfg)
	addr := b.adminAddr()
	b.say("/customer 张三")
	b.waitFor("the answer", func() bool { return strings.Contains(b.stdout.String(), "zhangsan") })

	r := runCLI(t, "", "healthcheck", "-addr", addr)
	r.check(t, exitOK, []string{"http://" + addr + "/healthz: ok"}, nil)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, body := get("/readyz"); code != http.StatusOK || !strings.Contains(body, "ok store: open") ||
		!strings.Contains(body, "ok adapter console") || !strings.Contains(body, "ok bss: last call") ||
		!strings.Contains(body, "ok version: "+currentBuild().String()) {
		t.Errorf("/readyz %d:\n%s", code, body)
	}
	_, body := get("/metrics")
	if v, _ := promtext.Value(body, "partnerbot_commands_total", "command", "customer", "outcome", "ok"); v != 1 {
		t.Errorf("partnerbot_commands_total{customer,ok} = %v:\n%s", v, body)
	}
	if _, ok := promtext.Value(body, "partnerbot_approvals", "state", "pending"); !ok {
		t.Errorf("no approvals gauge:\n%s", body)
	}

	b.stop()
	if code := b.exit(); code != exitOK {
		t.Fatalf("exit %d:\n%s", code, b.stderr)
	}
	r = runCLI(t, "", "healthcheck", "-addr", addr)
	r.check(t, exitFailed, nil, []string{"http://" + addr + "/healthz"})
}

func TestHealthcheckUsage(t *testing.T) {
	off := writeConfig(t, `  listen: "127.0.0.1:0"`, `  listen: ""`)
	runCLI(t, "", "healthcheck", "-config", off).check(t, exitUsage, nil, []string{"admin.listen is empty"})
	runCLI(t, "", "healthcheck", "-addr", "nonsense").check(t, exitUsage, nil, []string{`"nonsense" is not host:port`})
	runCLI(t, "", "healthcheck", "extra").check(t, exitUsage, nil, []string{`unexpected argument "extra"`})
	for _, tc := range []struct{ listen, url string }{
		{":9090", "http://127.0.0.1:9090/healthz"},
		{"0.0.0.0:9090", "http://127.0.0.1:9090/healthz"},
		{"[::]:9090", "http://[::1]:9090/healthz"},
		{"10.0.0.5:9191", "http://10.0.0.5:9191/healthz"},
	} {
		if got, err := healthURL(tc.listen); err != nil || got != tc.url {
			t.Errorf("healthURL(%q) = %q, %v; want %q", tc.listen, got, err, tc.url)
		}
	}
}

// TestAdminListenInUse: a port that cannot be bound stops the start, naming the key and port.
func TestAdminListenInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	cfg := writeConfig(t, `  listen: "127.0.0.1:0"`, `  listen: "`+ln.Addr().String()+`"`)
	runCLI(t, "/help\n", "-config", cfg).check(t, exitFailed, nil, []string{`admin.listen "` + ln.Addr().String() + `"`, "cannot listen on port " + port})
}

// TestSecondSignalExitsAtOnce: the first signal cancels the context (a graceful shutdown);
// the second calls exit.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	var stderr lockedBuffer
	ctx := OnSignals(context.Background(), sigs, &stderr, func(code int) { exited <- code })
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	select {
	case code := <-exited:
		t.Fatalf("exit(%d) after one signal", code)
	default:
	}
	sigs <- syscall.SIGINT
	if code := <-exited; code != exitFailed {
		t.Errorf("exit(%d), want %d", code, exitFailed)
	}
	for _, w := range []string{"terminated: shutting down", "interrupt: signalled again: exiting now"} {
		if !strings.Contains(stderr.String(), w) {
			t.Errorf("stderr lacks %q: %s", w, stderr.String())
		}
	}
}

// TestSignalSaidInTheConfiguredLogFormat: once the bot has built its logger, the signal
// handler's lines go through it, so a bot configured for JSON logs writes only JSON (they
// were plain text before, the one exception in the deploy plays).
func TestSignalSaidInTheConfiguredLogFormat(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	exited := make(chan int, 1)
	var stderr, logs lockedBuffer
	ctx := OnSignals(context.Background(), sigs, &stderr, func(code int) { exited <- code })
	useSignalLog(ctx, slog.New(slog.NewJSONHandler(&logs, nil)))
	sigs <- syscall.SIGTERM
	<-ctx.Done()
	sigs <- syscall.SIGTERM
	<-exited
	if stderr.String() != "" {
		t.Errorf("plain text on stderr beside the logger: %q", stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 log lines, got %q", logs.String())
	}
	for _, line := range lines {
		if !json.Valid([]byte(line)) || !strings.Contains(line, `"signal":"terminated"`) {
			t.Errorf("not a JSON record naming the signal: %q", line)
		}
	}
}

// TestHealthcheckNeedsNoSecrets: `healthcheck -config` reads only admin.listen, so an
// operator's shell or a probe without the bot's secrets in its environment asks the right
// port instead of being refused for SLACK_BOT_TOKEN (it was, exit 2).
func TestHealthcheckNeedsNoSecrets(t *testing.T) {
	t.Setenv(config.EnvSlackBotToken, "")
	t.Setenv(config.EnvSlackAppToken, "")
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	yaml := "slack:\n  enabled: true\n  mode: socket\nadmin:\n  listen: 127.0.0.1:1\n"
	if err := os.WriteFile(cfg, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := config.Load(cfg); err == nil || !strings.Contains(err.Error(), config.EnvSlackBotToken) {
		t.Fatalf("a full load without the secrets: %v; want it refused for %s", err, config.EnvSlackBotToken)
	}
	runCLI(t, "", "healthcheck", "-config", cfg, "-timeout", "1s").check(t, exitFailed, nil, []string{"http://127.0.0.1:1/healthz"})
	none := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(none, []byte("log:\n  level: info\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := adminListen(none); err != nil || got != config.Default().Admin.Listen {
		t.Errorf("adminListen of a file without admin: %q, %v; want the default", got, err)
	}
	runCLI(t, "", "healthcheck", "-config", filepath.Join(t.TempDir(), "missing.yaml")).check(t, exitUsage, nil, []string{"missing.yaml"})
}
