package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
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
