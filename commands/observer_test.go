package commands_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/logging"
)

type observed struct {
	mu  sync.Mutex
	got []string
	ids []string
}

func (o *observed) ObserveCommand(ctx context.Context, name, outcome string, took time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, name+"|"+outcome)
	o.ids = append(o.ids, logging.RequestID(ctx))
}

// syncBuffer is a bytes.Buffer safe for the loggers of several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) records(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, r)
	}
	return out
}

// TestCommandObserverAndRequestID: every command is observed with its name and outcome, and
// gets a request id that its log line and the log records of its BSS calls carry.
func TestCommandObserverAndRequestID(t *testing.T) {
	obs := &observed{}
	var buf syncBuffer
	log := slog.New(logging.Handler(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}), nil))
	e := newActEnv(t, func(o *commands.Options, c *bss.Config) {
		o.Observer, o.Logger, c.Logger = obs, log, log
	})
	e.say("console:admin", "/customer 张三")
	e.say("console:admin", "/customer 没有这个人")
	e.say("console:admin", "/nosuch")
	e.say("console:alice", "/audit")
	e.say("console:admin", "/resources")
	want := []string{"customer|ok", "customer|not-found", "|unknown", "audit|denied", "resources|invalid"}
	if !slices.Equal(obs.got, want) {
		t.Errorf("observed %q, want %q", obs.got, want)
	}
	if len(obs.ids) != len(want) || slices.Contains(obs.ids, "") || len(slices.Compact(slices.Clone(obs.ids))) != len(want) {
		t.Fatalf("request ids %q: want one of its own per command", obs.ids)
	}

	first := obs.ids[0]
	var commandLines, bssCalls int
	for _, r := range buf.records(t) {
		if r[logging.Key] == nil {
			continue
		}
		if r[logging.Key] != first {
			continue
		}
		switch r["msg"] {
		case "command":
			commandLines++
			if r["command"] != "customer" || r["outcome"] != "ok" || r["user"] != "console:admin" {
				t.Errorf("command line %v", r)
			}
		case "bss call":
			bssCalls++
		}
	}
	if commandLines != 1 || bssCalls == 0 {
		t.Errorf("request %s: %d command lines and %d BSS call records, want 1 and some:\n%s", first, commandLines, bssCalls, buf.b.String())
	}
}
