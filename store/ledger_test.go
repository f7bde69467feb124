package store

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

type ledger = map[string]json.RawMessage

// ledgerText turns entries into strings, for comparison and messages.
func ledgerText(l ledger) map[string]string {
	out := make(map[string]string, len(l))
	for k, v := range l {
		out[k] = string(v)
	}
	return out
}

func mustLedgerPrefix(t *testing.T, s *Store, prefix string) map[string]string {
	t.Helper()
	l, err := s.LedgerPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatalf("LedgerPrefix(%q): %v", prefix, err)
	}
	return ledgerText(l)
}

func alertNotice(channel, text string) Notice {
	return Notice{Platform: "slack", Channel: channel, Kind: "alert", Body: json.RawMessage(`{"text":"` + text + `"}`)}
}

// queued is the Kind/Body of every queued notice, in order.
func queued(t *testing.T, s *Store) []string {
	t.Helper()
	var out []string
	for _, n := range mustDue(t, s, t0.AddDate(100, 0, 0), MaxApprovalLimit) {
		out = append(out, n.Channel+" "+string(n.Body))
	}
	return out
}

func TestCommitAlerts(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	type commit struct {
		puts    ledger
		deletes []string
		notices []Notice
	}
	tests := []struct {
		name        string
		commit      commit
		wantErr     string // "" = committed
		wantLedger  map[string]string
		wantNotices int
	}{
		{"first alerts", commit{
			ledger{"exp|slack:C1|r-1": json.RawMessage(`{"threshold":30}`), "exp|slack:C1|r-2": json.RawMessage(`{"threshold":7}`), "arr|slack:C1|c-1": json.RawMessage(`"2025-03"`)},
			nil,
			[]Notice{alertNotice("C1", "r-1 expires in 30 days"), alertNotice("C1", "r-2 expires in 7 days")},
		}, "", map[string]string{"exp|slack:C1|r-1": `{"threshold":30}`, "exp|slack:C1|r-2": `{"threshold":7}`, "arr|slack:C1|c-1": `"2025-03"`}, 2},
		{"update, delete and notify together", commit{
			ledger{"exp|slack:C1|r-1": json.RawMessage(`{"threshold":15}`)},
			[]string{"exp|slack:C1|r-2", "never-there"},
			[]Notice{alertNotice("C1", "r-1 expires in 15 days")},
		}, "", map[string]string{"exp|slack:C1|r-1": `{"threshold":15}`, "arr|slack:C1|c-1": `"2025-03"`}, 3},
		{"ledger only", commit{puts: ledger{"exp|slack:C2|r-1": json.RawMessage(` 1 `)}},
			"", map[string]string{"exp|slack:C1|r-1": `{"threshold":15}`, "arr|slack:C1|c-1": `"2025-03"`, "exp|slack:C2|r-1": ` 1 `}, 3},
		{"nothing", commit{}, "", map[string]string{"exp|slack:C1|r-1": `{"threshold":15}`, "arr|slack:C1|c-1": `"2025-03"`, "exp|slack:C2|r-1": ` 1 `}, 3},
		// A renewed resource starts over: its entry is deleted and put again; the put wins.
		{"deleted and put: put wins", commit{
			ledger{"exp|slack:C2|r-1": json.RawMessage(`{"threshold":30}`)}, []string{"exp|slack:C2|r-1", "exp|slack:C2|r-1"}, nil,
		}, "", map[string]string{"exp|slack:C1|r-1": `{"threshold":15}`, "arr|slack:C1|c-1": `"2025-03"`, "exp|slack:C2|r-1": `{"threshold":30}`}, 3},
	}
	before := map[string]string{"exp|slack:C1|r-1": `{"threshold":15}`, "arr|slack:C1|c-1": `"2025-03"`, "exp|slack:C2|r-1": `{"threshold":30}`}
	// Every refused commit writes nothing at all, not even the valid part before the bad one.
	for _, bad := range []struct {
		name string
		c    commit
		want string
	}{
		{"notice without platform", commit{
			ledger{"exp|slack:C1|r-1": json.RawMessage(`{"threshold":7}`), "exp|slack:C1|r-3": json.RawMessage(`{}`)},
			[]string{"arr|slack:C1|c-1"},
			[]Notice{alertNotice("C1", "fine"), {Channel: "C1", Kind: "alert"}},
		}, "needs a platform"},
		{"notice without channel or user", commit{
			ledger{"exp|slack:C1|r-3": json.RawMessage(`{}`)}, nil, []Notice{{Platform: "slack", Kind: "alert"}},
		}, "needs a platform"},
		{"invalid JSON value", commit{
			ledger{"exp|slack:C1|r-3": json.RawMessage(`{}`), "exp|slack:C1|r-4": json.RawMessage(`{`)}, nil, []Notice{alertNotice("C1", "x")},
		}, "not valid JSON"},
		{"empty value", commit{ledger{"k": nil}, nil, nil}, "not valid JSON"},
		{"empty put key", commit{ledger{"": json.RawMessage(`1`)}, nil, nil}, "empty ledger key"},
		{"empty delete key", commit{nil, []string{"arr|slack:C1|c-1", ""}, nil}, "empty ledger key"},
		{"key too long", commit{ledger{strings.Repeat("k", bolt.MaxKeySize+1): json.RawMessage(`1`)}, nil, nil}, "too long"},
	} {
		tests = append(tests, struct {
			name        string
			commit      commit
			wantErr     string
			wantLedger  map[string]string
			wantNotices int
		}{"refused: " + bad.name, bad.c, bad.want, before, 3})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.CommitAlerts(ctx, tt.commit.puts, tt.commit.deletes, tt.commit.notices)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatal(err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "store: commit alerts: ")):
				t.Errorf("CommitAlerts = %v, want an error with %q", err, tt.wantErr)
			}
			if got := mustLedgerPrefix(t, s, ""); !maps.Equal(got, tt.wantLedger) {
				t.Errorf("ledger %v, want %v", got, tt.wantLedger)
			}
			if n := pendingNotices(t, s); n != tt.wantNotices {
				t.Errorf("%d notices queued, want %d", n, tt.wantNotices)
			}
		})
	}
	if got, want := queued(t, s), []string{
		`C1 {"text":"r-1 expires in 30 days"}`, `C1 {"text":"r-2 expires in 7 days"}`, `C1 {"text":"r-1 expires in 15 days"}`,
	}; !slices.Equal(got, want) {
		t.Errorf("queued %q, want %q", got, want)
	}
	// The ledger is no audit matter: alerts are bookkeeping, like the outbox.
	if n := auditCount(t, s); n != 0 {
		t.Errorf("%d audit entries", n)
	}
}

func TestCommitAlertsDedupe(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	n := alertNotice("C1", "once")
	n.DedupeKey = "alert-1"
	for range 2 {
		if err := s.CommitAlerts(ctx, nil, nil, []Notice{n}); err != nil {
			t.Fatal(err)
		}
	}
	if got := pendingNotices(t, s); got != 1 {
		t.Errorf("%d notices, want 1: CommitAlerts dedupes like EnqueueNoticesTx", got)
	}
}

func TestLedgerLookups(t *testing.T) {
	ctx := context.Background()
	s, _, path := newFakeStore(t)
	entries := ledger{
		"exp|slack:C1|r-1":     json.RawMessage(`{"t":30}`),
		"exp|slack:C1|r-2":     json.RawMessage(`{"t":7}`),
		"exp|slack:C10|r-1":    json.RawMessage(`{"t":1}`),
		"exp|telegram:-100|r1": json.RawMessage(`[1,2]`),
		"arr|slack:C1|c-1":     json.RawMessage(`"x"`),
	}
	if err := s.CommitAlerts(ctx, entries, nil, nil); err != nil {
		t.Fatal(err)
	}
	check := func(t *testing.T, s *Store) {
		prefixes := []struct {
			prefix string
			want   []string
		}{
			{"", []string{"exp|slack:C1|r-1", "exp|slack:C1|r-2", "exp|slack:C10|r-1", "exp|telegram:-100|r1", "arr|slack:C1|c-1"}},
			{"exp|", []string{"exp|slack:C1|r-1", "exp|slack:C1|r-2", "exp|slack:C10|r-1", "exp|telegram:-100|r1"}},
			{"exp|slack:C1|", []string{"exp|slack:C1|r-1", "exp|slack:C1|r-2"}},
			{"exp|slack:C1", []string{"exp|slack:C1|r-1", "exp|slack:C1|r-2", "exp|slack:C10|r-1"}},
			{"exp|slack:C1|r-1", []string{"exp|slack:C1|r-1"}},
			{"arr|slack:C2|", nil},
			{"zzz", nil},
			{"\x00", nil},
		}
		for _, tt := range prefixes {
			want := make(map[string]string)
			for _, k := range tt.want {
				want[k] = string(entries[k])
			}
			if got := mustLedgerPrefix(t, s, tt.prefix); !maps.Equal(got, want) {
				t.Errorf("LedgerPrefix(%q) = %v, want %v", tt.prefix, got, want)
			}
		}
		keys := []string{"exp|slack:C1|r-1", "arr|slack:C1|c-1", "exp|slack:C1|r-9", "", strings.Repeat("k", bolt.MaxKeySize+1), "exp|slack:C1|r-1"}
		got, err := s.Ledger(ctx, keys)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]string{"exp|slack:C1|r-1": `{"t":30}`, "arr|slack:C1|c-1": `"x"`}; !maps.Equal(ledgerText(got), want) {
			t.Errorf("Ledger = %v, want %v", ledgerText(got), want)
		}
		if got, err := s.Ledger(ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("Ledger(nil) = %v, %v", got, err)
		}
	}
	check(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check(t, openStore(t, path, Options{}))
}

// killEnv tells TestLedgerKillHelper, run as a child process, what to do and where.
const (
	killEnvMode = "PARTNERBOT_STORE_TEST_KILL_MODE"
	killEnvPath = "PARTNERBOT_STORE_TEST_KILL_PATH"
	killedCode  = 7 // the child's exit code when it died where it was meant to
)

// TestLedgerKillHelper is not a test: TestCommitAlertsSurvivesKill runs it in a child process
// that dies (os.Exit: no deferred calls, no Close, no Commit) after or during CommitAlerts.
func TestLedgerKillHelper(t *testing.T) {
	mode, path := os.Getenv(killEnvMode), os.Getenv(killEnvPath)
	if mode == "" {
		return
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	puts := ledger{"exp|slack:C1|r-1": json.RawMessage(`{"threshold":7}`)}
	notices := []Notice{alertNotice("C1", "r-1 expires in 7 days")}
	switch mode {
	case "after":
		if err := s.CommitAlerts(context.Background(), puts, []string{"old"}, notices); err != nil {
			t.Fatal(err)
		}
		os.Exit(killedCode)
	case "before":
		// What CommitAlerts does, dying before the commit.
		_ = s.Update(context.Background(), func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketLedger).Put([]byte("exp|slack:C1|r-1"), puts["exp|slack:C1|r-1"]); err != nil {
				return err
			}
			if err := tx.Bucket(bucketLedger).Delete([]byte("old")); err != nil {
				return err
			}
			if err := s.EnqueueNoticesTx(tx, t0, notices...); err != nil {
				return err
			}
			os.Exit(killedCode)
			return nil
		})
	}
	t.Fatalf("unknown mode %q or not killed", mode)
}

func TestCommitAlertsSurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	tests := []struct {
		mode        string
		wantLedger  map[string]string
		wantNotices []string
	}{
		{"after", map[string]string{"exp|slack:C1|r-1": `{"threshold":7}`}, []string{`C1 {"text":"r-1 expires in 7 days"}`}},
		{"before", map[string]string{"old": `{"threshold":30}`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			ctx := context.Background()
			path := dbPath(t)
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CommitAlerts(ctx, ledger{"old": json.RawMessage(`{"threshold":30}`)}, nil, nil); err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}

			cmd := exec.Command(os.Args[0], "-test.run=^TestLedgerKillHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), killEnvMode+"="+tt.mode, killEnvPath+"="+path)
			out, err := cmd.CombinedOutput()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != killedCode {
				t.Fatalf("child: %v, want exit code %d; output:\n%s", err, killedCode, out)
			}

			s = openStore(t, path, Options{})
			if got := mustLedgerPrefix(t, s, ""); !maps.Equal(got, tt.wantLedger) {
				t.Errorf("ledger after the kill %v, want %v", got, tt.wantLedger)
			}
			if got := queued(t, s); !slices.Equal(got, tt.wantNotices) {
				t.Errorf("notices after the kill %q, want %q", got, tt.wantNotices)
			}
		})
	}
}
