package cli

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// TestExecQuietForCron runs the real binary as cron would: exec prints its answer on stdout
// and nothing on stderr at the default log level, on a fresh store (schema migrations), on
// the next run, and when it gives up at once (-timeout 1ms: no warning about the lookups it
// cut short); an explicit log.level: debug still logs.
func TestExecQuietForCron(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	run := func(args ...string) (stdout, stderr string, code int) {
		t.Helper()
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr, cmd.Env = dir, &out, &errb, []string{"HOME=" + dir}
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), code
	}
	tests := []struct {
		name   string
		args   []string
		code   int
		stdout string
	}{
		{"fresh store", []string{"exec", "/customer 张三"}, exitOK, "zhangsan"},
		{"second run", []string{"exec", "/balance 张三"}, exitOK, "张三"},
		{"quick exit", []string{"exec", "-timeout", "1ms", "/expiring"}, exitFailed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := run(tt.args...)
			if code != tt.code || !strings.Contains(stdout, tt.stdout) {
				t.Errorf("exit %d (want %d), stdout:\n%s", code, tt.code, stdout)
			}
			if stderr != "" {
				t.Errorf("stderr not empty:\n%s", stderr)
			}
		})
	}
	cfg := writeConfig(t, "  level: info", "  level: debug")
	if _, stderr, _ := run("exec", "-config", cfg, "/customer 张三"); !strings.Contains(stderr, "level=DEBUG") &&
		!strings.Contains(stderr, "level=INFO") {
		t.Errorf("log.level: debug logs nothing:\n%s", stderr)
	}
}
