package cli

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
)

// What a service manager gives the bot (issue #20, §2): standard input at /dev/null. The bot
// must not take that for a person at a terminal, and the end of a console's input must not end
// a bot that serves a platform.

const daemonSlackSecret = "daemon-signing-secret-5e1d"

// Edits of the example configuration (see writeConfig).
var (
	// consoleUnset leaves console.enabled out: the console runs only on a terminal.
	consoleUnset = []string{"  # the bot.\n  enabled: true\n", "  # the bot.\n"}
	// consoleOff turns the console off.
	consoleOff = []string{"  # the bot.\n  enabled: true", "  # the bot.\n  enabled: false"}
)

// slackHTTP is the edits that turn Slack on in HTTP mode at the stand-in apiURL, its endpoints on
// listen.
func slackHTTP(apiURL, listen string) []string {
	return []string{
		"SLACK_SIGNING_SECRET (http mode).\n  enabled: false", "SLACK_SIGNING_SECRET (http mode).\n  enabled: true",
		"  mode: socket", "  mode: http",
		"  api_url: https://slack.com/api/", "  api_url: " + apiURL,
		"  listen: 127.0.0.1:8081", "  listen: " + listen,
	}
}

// TestIsTerminal: /dev/null is a character device but no terminal; the console must tell them
// apart (the file mode cannot).
func TestIsTerminal(t *testing.T) {
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer devNull.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "commands.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	for _, tt := range []struct {
		name string
		in   io.Reader
		want bool
	}{
		{"/dev/null", devNull, false},
		{"a pipe", pr, false},
		{"a regular file", file, false},
		{"not a file", strings.NewReader("/help\n"), false},
	} {
		if got := isTerminal(tt.in); got != tt.want {
			t.Errorf("isTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	_, tty := openPTY(t)
	if !isTerminal(tty) {
		t.Errorf("isTerminal(a pseudo-terminal) = false, want true")
	}
}

// TestCheckConfigAgreesWithStart: a configuration the bot refuses to run is refused by
// check-config with the same words and the same exit status, and one the bot runs passes.
func TestCheckConfigAgreesWithStart(t *testing.T) {
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("TELEGRAM_BOT_TOKEN", "")
	invalid := filepath.Join(t.TempDir(), "invalid.yaml")
	if err := os.WriteFile(invalid, []byte("bot:\n  langauge: en\nstore:\n  path: bot.db\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	telegramOn := []string{"every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: false",
		"every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: true"}
	for _, tt := range []struct {
		name  string
		cfg   string // a file, or "" for the example with edits
		edits []string
		code  int
		words string // in the refusal
	}{
		{name: "console unset, input not a terminal, no platform", edits: consoleUnset, code: exitUsage,
			words: "console.enabled is unset and standard input is not a terminal"},
		{name: "console off, no platform", edits: consoleOff, code: exitUsage,
			words: "no chat adapter is enabled: enable slack, telegram or wecom"},
		{name: "invalid configuration", cfg: invalid, code: exitUsage, words: `bot.langauge (line 2): unknown key (did you mean "language"?)`},
		{name: "telegram without its token", edits: append(append([]string(nil), consoleUnset...), telegramOn...), code: exitUsage,
			words: "TELEGRAM_BOT_TOKEN"},
		{name: "slack without its token", edits: append(append([]string(nil), consoleOff...),
			"SLACK_SIGNING_SECRET (http mode).\n  enabled: false", "SLACK_SIGNING_SECRET (http mode).\n  enabled: true"),
			code: exitUsage, words: "SLACK_BOT_TOKEN"},
		{name: "console on with piped input", code: exitOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tt.cfg
			if cfg == "" {
				cfg = writeConfig(t, tt.edits...)
			}
			start := runCLI(t, "", "-config", cfg)
			check := runCLI(t, "", "check-config", "-config", cfg)
			if start.code != tt.code || check.code != tt.code {
				t.Fatalf("the start exits %d and check-config %d, want both %d\nstart:\n%s\ncheck-config:\n%s%s",
					start.code, check.code, tt.code, start.stderr, check.stdout, check.stderr)
			}
			if tt.code == exitOK {
				return
			}
			_, refusal, ok := strings.Cut(start.stderr, "partnerbot: ")
			if !ok || !strings.Contains(refusal, tt.words) {
				t.Fatalf("the start does not say %q:\n%s", tt.words, start.stderr)
			}
			refusal = strings.TrimSpace(refusal)
			if !strings.Contains(check.stdout, refusal) {
				t.Errorf("check-config does not say what the start says,\n%s\nstart:\n%s\ncheck-config:\n%s", refusal, start.stderr, check.stdout)
			}
		})
	}
}

// TestConsoleEndsAloneBesideSlack: the end of the console's input (Ctrl-D at a terminal, or the
// /dev/null of a service with console.enabled: true) ends the console but not a bot that also
// serves Slack; /quit would end both.
func TestConsoleEndsAloneBesideSlack(t *testing.T) {
	for _, tt := range []struct {
		name  string
		edits []string
		stdin func(t *testing.T) *os.File // and types into it
		want  []string                    // on standard output
	}{
		{"a terminal, Ctrl-D after a command", consoleUnset, func(t *testing.T) *os.File {
			pty, tty := openPTY(t)
			go io.Copy(io.Discard, pty) // the terminal's echo
			if _, err := pty.Write([]byte("/customer 张三\n\x04")); err != nil {
				t.Fatal(err)
			}
			return tty
		}, []string{"zhangsan", "Ctrl-D 只关闭控制台", "输入结束：控制台已关闭"}},
		{"/dev/null, console.enabled: true", nil, func(t *testing.T) *os.File {
			devNull, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { devNull.Close() })
			return devNull
		}, []string{"输入结束：控制台已关闭"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			slack := slacktest.New(t)
			addr := freeLoopbackAddr(t)
			t.Setenv("SLACK_BOT_TOKEN", slack.BotToken)
			t.Setenv("SLACK_SIGNING_SECRET", daemonSlackSecret)
			cfg := writeConfig(t, append(append([]string(nil), tt.edits...), slackHTTP(slack.APIURL(), addr)...)...)
			stdin := tt.stdin(t)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var stdout, stderr lockedBuffer
			done := make(chan int, 1)
			go func() { done <- Run(ctx, []string{"-config", cfg}, stdin, &stdout, &stderr) }()
			logs := func() string { return "\nstdout:\n" + stdout.String() + "\nlog:\n" + stderr.String() }
			deadline := time.Now().Add(20 * time.Second)
			waitUntil(t, deadline, "the console to reach the end of its input", logs, func() bool {
				return strings.Contains(stdout.String(), "输入结束") || len(done) > 0
			})
			select {
			case code := <-done:
				t.Fatalf("the bot exited (%d) when the console's input ended%s", code, logs())
			case <-time.After(time.Second):
			}
			if !slackAnswers(t, addr) {
				t.Fatalf("Slack is not served after the console's input ended%s", logs())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("the console does not say %q%s", w, logs())
				}
			}
			if !strings.Contains(stderr.String(), "adapters=console,slack") {
				t.Errorf("the console and Slack did not both start%s", logs())
			}
			cancel()
			if code := <-done; code != exitOK {
				t.Errorf("exit %d after the context ended, want 0%s", code, logs())
			}
		})
	}
}

// slackAnswers reports whether the bot's Slack endpoints on addr answer a signed url_verification.
func slackAnswers(t *testing.T, addr string) bool {
	t.Helper()
	code, body := postSigned(t, addr, "/slack/events", daemonSlackSecret, "application/json",
		`{"token":"unused","challenge":"daemon-challenge","type":"url_verification"}`)
	return code == http.StatusOK && strings.Contains(body, "daemon-challenge")
}

// TestServiceStdinDevNull starts the real binary as a service manager does, standard input at
// /dev/null and console.enabled left out:
//   - with Slack enabled it still serves after 5 seconds, and SIGTERM stops it cleanly;
//   - with no platform it refuses to start, with check-config's words and exit status.
func TestServiceStdinDevNull(t *testing.T) {
	bin := buildBinary(t)
	slack := slacktest.New(t)
	env := append(os.Environ(), "SLACK_BOT_TOKEN="+slack.BotToken, "SLACK_SIGNING_SECRET="+daemonSlackSecret)

	t.Run("slack enabled", func(t *testing.T) {
		addr, admin := freeLoopbackAddr(t), freeLoopbackAddr(t)
		cfg := writeConfig(t, append(append([]string{`  listen: "127.0.0.1:0"`, `  listen: "` + admin + `"`}, consoleUnset...),
			slackHTTP(slack.APIURL(), addr)...)...)
		var stdout, stderr lockedBuffer
		cmd := startService(t, bin, env, &stdout, &stderr, "-config", cfg)
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		logs := func() string { return "\nstdout:\n" + stdout.String() + "\nstderr:\n" + stderr.String() }
		waitUntil(t, time.Now().Add(30*time.Second), "the admin endpoint", logs, func() bool {
			_, ok := get(admin, "/healthz")
			return ok
		})
		select {
		case err := <-exited:
			t.Fatalf("the bot exited (%v) within 5 seconds of serving%s", err, logs())
		case <-time.After(5 * time.Second):
		}
		if body, ok := get(admin, "/healthz"); !ok {
			t.Errorf("/healthz does not answer after 5 seconds: %q%s", body, logs())
		}
		ready, ok := get(admin, "/readyz")
		if !ok || !strings.Contains(ready, "ok adapter slack: connected") || strings.Contains(ready, "console") {
			t.Errorf("/readyz after 5 seconds:\n%s\nwant ready with Slack connected and no console%s", ready, logs())
		}
		if !slackAnswers(t, addr) {
			t.Errorf("the Slack endpoints do not answer after 5 seconds%s", logs())
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("after SIGTERM: %v, want exit 0%s", err, logs())
			}
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			t.Fatalf("the bot did not stop within 30 seconds of SIGTERM%s", logs())
		}
		if !strings.Contains(stderr.String(), "partnerbot stopped") || stdout.String() != "" {
			t.Errorf("want a clean stop (\"partnerbot stopped\" logged, nothing printed)%s", logs())
		}
	})

	t.Run("console alone", func(t *testing.T) {
		cfg := writeConfig(t, consoleUnset...)
		var stdout, stderr lockedBuffer
		start := startService(t, bin, env, &stdout, &stderr, "-config", cfg)
		err := start.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
			t.Fatalf("the start: %v, want exit %d (a configuration it refuses)\n%s", err, exitUsage, stderr.String())
		}
		refusal := "partnerbot: no chat adapter is enabled: console.enabled is unset and standard input is not a terminal"
		if !strings.Contains(stderr.String(), refusal) {
			t.Errorf("the start does not say %q:\n%s", refusal, stderr.String())
		}
		var cout, cerr lockedBuffer
		check := startService(t, bin, env, &cout, &cerr, "check-config", "-config", cfg)
		err = check.Wait()
		if !errors.As(err, &ee) || ee.ExitCode() != exitUsage {
			t.Errorf("check-config: %v, want exit %d as the start\n%s%s", err, exitUsage, cout.String(), cerr.String())
		}
		_, words, _ := strings.Cut(stderr.String(), "partnerbot: ")
		if words = strings.TrimSpace(words); !strings.Contains(cout.String(), words) {
			t.Errorf("check-config does not say %q:\n%s", words, cout.String())
		}
	})
}

// startService starts bin with args as a service manager would: standard input at /dev/null.
func startService(t *testing.T, bin string, env []string, stdout, stderr io.Writer, args ...string) *exec.Cmd {
	t.Helper()
	devNull, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { devNull.Close() })
	cmd := exec.Command(bin, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.Env = devNull, stdout, stderr, env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() }) // once it has exited: os.ErrProcessDone, nothing killed
	return cmd
}

// get asks the admin endpoint at addr for path: its body, and whether it answered 200.
func get(addr, path string) (string, bool) {
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + path)
	if err != nil {
		return err.Error(), false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b), resp.StatusCode == http.StatusOK
}
