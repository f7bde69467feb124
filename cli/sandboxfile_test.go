package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// runChild runs the binary's run with args in a process of its own (TestHelperMain), as a
// person at the shell runs partnerbot: nothing is shared with the test but the files.
func runChild(t *testing.T, args ...string) result {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMain$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperArgsEnv+"="+string(raw))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return result{code, stdout.String(), stderr.String()}
}

// TestSandboxIsOneWorld: a top-up requested by one `partnerbot exec` and approved by a second
// is the balance a third shows (each exec a process of its own, no bot running); `partnerbot
// sandbox reset` brings the demo's balance back. Before the sandbox kept a file, the third
// exec showed the demo's balance (issue #21).
func TestSandboxIsOneWorld(t *testing.T) {
	cfg := writeConfig(t)
	runChild(t, "exec", "-config", cfg, "/balance 张三").check(t, exitOK, []string{"CNY 1,580.00"}, nil)
	runChild(t, "exec", "-config", cfg, "-as", "console:alice", "/topup 张三 123.45").check(t, exitOK, []string{"#1", "CNY 1,703.45"}, nil)
	runChild(t, "exec", "-config", cfg, "-as", "console:bob", "/approve 1").check(t, exitOK, []string{"CNY 1,703.45"}, nil)
	r := runChild(t, "exec", "-config", cfg, "/balance 张三")
	r.check(t, exitOK, []string{"CNY 1,703.45"}, nil)
	if strings.Contains(r.stdout, "1,580.00") {
		t.Errorf("the balance after the top-up still shows the demo's:\n%s", r.stdout)
	}
	runChild(t, "sandbox", "reset", "-config", cfg).check(t, exitOK, []string{"holds the demo data again", "bot.sandbox.db"}, nil)
	runChild(t, "exec", "-config", cfg, "/balance 张三").check(t, exitOK, []string{"CNY 1,580.00"}, nil)
}

// TestSandboxReset covers the subcommand's refusals.
func TestSandboxReset(t *testing.T) {
	runCLI(t, "", "sandbox", "reset", "-config", writeConfig(t), "extra").check(t, exitUsage, nil, []string{`unexpected argument "extra"`})
	runCLI(t, "", "sandbox", "reset", "-config", writeConfig(t, "  sandbox: true", "  sandbox: false")).check(t, exitUsage, nil,
		[]string{"bss.sandbox is false"})
	runCLI(t, "", "sandbox", "reset", "-nope").check(t, exitUsage, nil, []string{"-nope"})
}

// TestSandboxListenSharesTheFile: `partnerbot sandbox -listen` serves the configuration's
// sandbox file, so a bot pointed at it (bss.sandbox false, its endpoint the listening URL)
// sees the top-up an exec made; `-file :memory:` serves the demo afresh. Before, -listen always
// served a demo in its own memory.
func TestSandboxListenSharesTheFile(t *testing.T) {
	cfg := writeConfig(t)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/topup 张三 123.45").check(t, exitOK, []string{"#1"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/approve 1").check(t, exitOK, []string{"CNY 1,703.45"}, nil)
	listen := func(args ...string) string {
		t.Helper()
		ctx, cancel := context.WithCancel(context.Background())
		out := &syncBuffer{}
		done := make(chan int, 1)
		go func() {
			done <- Run(ctx, append([]string{"sandbox", "-listen", "127.0.0.1:0"}, args...), nil, out, out)
		}()
		t.Cleanup(func() { cancel(); <-done })
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if _, rest, ok := strings.Cut(out.String(), "BSS sandbox on http://"); ok {
				return "http://" + strings.Fields(rest)[0]
			}
			if time.Now().After(deadline) {
				t.Fatalf("sandbox %q printed no address:\n%s", args, out.String())
			}
		}
	}
	viaListener := func(url string) result {
		t.Helper()
		t.Setenv(bss.EnvAccessKey, bsstest.SandboxCredentials.AccessKey)
		t.Setenv(bss.EnvSecretKey, bsstest.SandboxCredentials.SecretKey)
		bot := writeConfig(t, "  sandbox: true", "  sandbox: false",
			"  endpoint: china", "  endpoint: "+url, `  iam_endpoint: ""`, "  iam_endpoint: "+url)
		return runCLI(t, "", "exec", "-config", bot, "/balance 张三")
	}
	viaListener(listen("-config", cfg)).check(t, exitOK, []string{"CNY 1,703.45"}, nil)
	viaListener(listen("-config", cfg, "-file", ":memory:")).check(t, exitOK, []string{"CNY 1,580.00"}, nil)
	runCLI(t, "", "sandbox", "-file").check(t, exitUsage, nil, []string{"-file"})
}

// TestSandboxAWeekLater: a sandbox file last used a week ago (laid out then) shows the same
// expiring resources as a fresh one laid out today: the world moved on by the week when exec
// opened it. Before, the demo's 1- and 3-day resources of a week ago had expired and the list
// was another. Relative times ("in 10 hours") are left out of the comparison: the two execs run
// moments apart.
func TestSandboxAWeekLater(t *testing.T) {
	weekAgo := wallClock().Add(-7 * 24 * time.Hour)
	old, fresh := writeConfig(t), writeConfig(t)
	path := strings.TrimSuffix(storePath(old), ".db") + ".sandbox.db"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := bsstest.ResetFileAt(path, sandboxDataset(weekAgo), weekAgo, time.Second); err != nil {
		t.Fatal(err)
	}
	relative := regexp.MustCompile(`\([^()]*后\)`)
	expiring := func(cfg string) string {
		t.Helper()
		r := runCLI(t, "", "exec", "-config", cfg, "/expiring 3")
		r.check(t, exitOK, []string{"3 天内到期", "共 "}, nil)
		return relative.ReplaceAllString(r.stdout, "")
	}
	if got, want := expiring(old), expiring(fresh); got != want {
		t.Errorf("/expiring 3 on a file last used a week ago:\n%s\non a fresh one:\n%s", got, want)
	}
}
