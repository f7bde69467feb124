package cli

import (
	"bytes"
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestReadBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	devel := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}}
	tests := []struct {
		name   string
		bi     *debug.BuildInfo
		ok     bool
		linked string
		want   string
	}{
		{"vcs", vcs, true, "", "v1.4.0 (rev 0123456789ab, 2026-12-01T10:00:00Z, modified) go1.26.8"},
		{"no vcs (-buildvcs=false)", devel, true, "", "(devel) go1.26.8"},
		{"ldflags fallback", devel, true, "v1.4.1", "v1.4.1 go1.26.8"},
		{"no build info", nil, false, "", "unknown unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := readBuildInfo(tt.bi, tt.ok, tt.linked).String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestVersionSubcommand(t *testing.T) {
	var out, errb bytes.Buffer
	if code := Run(context.Background(), []string{"version"}, strings.NewReader(""), &out, &errb); code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
	if errb.Len() != 0 {
		t.Errorf("stderr not empty: %q", errb.String())
	}
	if !strings.HasPrefix(out.String(), "partnerbot ") || !strings.Contains(out.String(), "go         "+runtime.Version()) {
		t.Errorf("version output:\n%s", out.String())
	}
	if code := Run(context.Background(), []string{"version", "extra"}, strings.NewReader(""), &out, &errb); code != exitUsage {
		t.Errorf("version extra: exit %d, want %d", code, exitUsage)
	}
}
