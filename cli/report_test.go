package cli

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestReportCommand: partnerbot report -out FILE writes the partner report's PNG on the
// sandbox and prints its caption and the file's absolute path; exec's --out FILE, relative,
// lands in exec's working directory; without -out, or with a bad -period, it is a usage error.
func TestReportCommand(t *testing.T) {
	cfg := writeConfig(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "weekly.png")
	runCLI(t, "", "report", "-config", cfg, "-out", out, "-period", "month", "label:vip").
		check(t, exitOK, []string{"合作伙伴月报 · 标签 vip", "近 7 个月消费", out}, nil)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || c.Width != 1200 || c.Height != 1500 {
		t.Errorf("%s: %dx%d %v", out, c.Width, c.Height, err)
	}

	t.Chdir(dir)
	runCLI(t, "", "exec", "-config", cfg, "/报告 --out rel.png").check(t, exitOK, []string{filepath.Join(dir, "rel.png")}, nil)
	if _, err := os.Stat(filepath.Join(dir, "rel.png")); err != nil {
		t.Error(err)
	}
	runCLI(t, "", "report", "-config", cfg).check(t, exitUsage, nil, []string{"-out FILE is required"})
	runCLI(t, "", "report", "-config", cfg, "-out", out, "-period", "year").check(t, exitUsage, nil, []string{`-period "year"`})
}

func TestAbsOut(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"/report --out r.png":         "/report --out " + filepath.Join(wd, "r.png"),
		"/report --out=/tmp/r.png":    "/report --out=/tmp/r.png",
		"/report month --out a/b.png": "/report month --out " + filepath.Join(wd, "a/b.png"),
		"/spend 张三":                   "/spend 张三",
	} {
		if got := absOut(in); got != want {
			t.Errorf("absOut(%q) = %q, want %q", in, got, want)
		}
	}
}
