package store

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	clk := newClock()

	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Path(); got != path {
		t.Errorf("Path() = %q, want %q", got, path)
	}
	first := mustAppend(t, s, AuditEntry{Platform: "slack", UserID: "U1", Command: "/balance", Result: "ok"})
	if err := s.SetPrefs(ctx, "slack:U1", Prefs{Lang: "en", TimeZone: "Europe/Paris"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	s = openStore(t, path, Options{Now: clk.Now})
	got, err := s.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != first || got[0].Command != "/balance" {
		t.Fatalf("audit after reopen = %+v, want the one entry %d", got, first)
	}
	p, err := s.Prefs(ctx, "slack:U1")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Prefs{Lang: "en", TimeZone: "Europe/Paris"}); p != want {
		t.Errorf("prefs after reopen = %+v, want %+v", p, want)
	}
	if next := mustAppend(t, s, AuditEntry{Command: "/help"}); next != first+1 {
		t.Errorf("id after reopen = %d, want %d", next, first+1)
	}
}

func lockedMessage(path string) string {
	return "store " + path + " is in use by another partnerbot process (waited 100ms for its lock); stop that process, try again later or raise store.lock_timeout, or point store.path elsewhere"
}

// checkLocked asserts that opening path fails fast with ErrLocked and the clear message.
func checkLocked(t *testing.T, path string, opts Options) {
	t.Helper()
	opts.Timeout = 100 * time.Millisecond
	start := time.Now()
	s, err := Open(path, opts)
	elapsed := time.Since(start)
	if err == nil {
		s.Close()
		t.Fatalf("second Open(%+v) succeeded, want ErrLocked", opts)
	}
	if !errors.Is(err, ErrLocked) {
		t.Errorf("error %v is not ErrLocked", err)
	}
	if !errors.Is(err, berrors.ErrTimeout) {
		t.Errorf("error %v does not wrap berrors.ErrTimeout", err)
	}
	if got, want := err.Error(), lockedMessage(path); got != want {
		t.Errorf("message:\n got %q\nwant %q", got, want)
	}
	if elapsed > 2*time.Second {
		t.Errorf("Open took %v with a 100ms timeout", elapsed)
	}
}

func TestOpenLockedInProcess(t *testing.T) {
	tests := []struct {
		name         string
		first, again Options
	}{
		{"writer then writer", Options{}, Options{}},
		{"writer then reader", Options{}, Options{ReadOnly: true}},
		{"reader then writer", Options{ReadOnly: true}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := dbPath(t)
			// Make sure the file exists at the current schema before a read-only open.
			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s.Close()

			first := openStore(t, path, tt.first)
			checkLocked(t, path, tt.again)
			if err := first.Close(); err != nil {
				t.Fatal(err)
			}
			openStore(t, path, tt.again) // free again once the holder is gone
		})
	}
}

func TestOpenTwoReaders(t *testing.T) {
	path := dbPath(t)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	openStore(t, path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
	openStore(t, path, Options{ReadOnly: true, Timeout: 100 * time.Millisecond})
}

// TestHelperHoldLock is not a test: TestOpenLockedByOtherProcess runs the test binary with it
// to hold the store open from another process until its stdin closes.
func TestHelperHoldLock(t *testing.T) {
	path := os.Getenv("STORE_TEST_HOLD_LOCK")
	if path == "" {
		t.Skip("helper process only")
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("helper: %v", err)
	}
	defer s.Close()
	os.Stdout.WriteString("locked\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // EOF when the parent closes stdin
}

func TestOpenLockedByOtherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := dbPath(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHoldLock$", "-test.count=1")
	cmd.Env = append(os.Environ(), "STORE_TEST_HOLD_LOCK="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v\n%s", err, stderr.String())
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v; stderr:\n%s", line, err, stderr.String())
	}

	checkLocked(t, path, Options{})
	checkLocked(t, path, Options{ReadOnly: true})
}

func TestFileMode(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, path string) // nil: no file yet
	}{
		{"new file in new directories", nil},
		{"existing 0644 store", func(t *testing.T, path string) {
			rawDB(t, path, func(tx *bolt.Tx) error { return nil })
			if err := os.Chmod(path, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"existing empty 0666 file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, nil, 0o666); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, 0o666); err != nil { // beat the umask
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "var", "partnerbot")
			path := filepath.Join(dir, "state.db")
			if tt.prepare != nil {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				tt.prepare(t, path)
			}
			openStore(t, path, Options{})
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Mode().Perm(); got != 0o600 {
				t.Errorf("file mode = %#o, want 0600", got)
			}
			if tt.prepare == nil {
				info, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if got := info.Mode().Perm(); got != 0o700 {
					t.Errorf("created directory mode = %#o, want 0700", got)
				}
			}
		})
	}
}

func TestOpenNotABoltFile(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	sqlite := append([]byte("SQLite format 3\x00"), make([]byte, 8192)...)
	tests := []struct {
		name    string
		content []byte
	}{
		{"short text", []byte("store:\n  path: state.db\n")},
		{"sqlite header", sqlite},
		{"zeros", make([]byte, 32<<10)},
		{"random", random},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := dbPath(t)
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Open(path, Options{Timeout: 100 * time.Millisecond})
			if err == nil {
				s.Close()
				t.Fatal("Open of a non-bbolt file succeeded")
			}
			msg := err.Error()
			if !strings.Contains(msg, path) || !strings.Contains(msg, "not a bbolt database") {
				t.Errorf("error %q does not name the path and say it is not a bbolt database", msg)
			}
			if errors.Is(err, ErrLocked) {
				t.Errorf("error %v should not be ErrLocked", err)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(after, tt.content) {
				t.Error("Open modified the file")
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		path string
		opts Options
		want string
	}{
		{"empty path", "", Options{}, "empty path"},
		{"parent is a file", filepath.Join(notDir, "state.db"), Options{}, "create directory"},
		{"path is a directory", dir, Options{}, "not a regular file"},
		{"read-only, missing", filepath.Join(dir, "missing.db"), Options{ReadOnly: true}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(tt.path, tt.opts)
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q should mention %q and the path", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "missing.db")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("read-only Open created the file: %v", err)
	}
}

func TestReadOnly(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, AuditEntry{Command: "/help"})
	s.Close()

	ro := openStore(t, path, Options{ReadOnly: true})
	got, err := ro.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil || len(got) != 1 {
		t.Fatalf("RecentAudit on read-only = %v, %v; want 1 entry", got, err)
	}
	if _, err := ro.AppendAudit(ctx, AuditEntry{Command: "/x"}); !errors.Is(err, berrors.ErrDatabaseReadOnly) {
		t.Errorf("AppendAudit on read-only: %v, want ErrDatabaseReadOnly", err)
	}
	if err := ro.Update(ctx, func(*bolt.Tx) error { return nil }); !errors.Is(err, berrors.ErrDatabaseReadOnly) {
		t.Errorf("Update on read-only: %v, want ErrDatabaseReadOnly", err)
	}
}

func TestUpdateViewPassErrorsThrough(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	errMine := errors.New("mine")

	err := s.Update(ctx, func(tx *bolt.Tx) error {
		if _, err := s.appendAudit(tx, AuditEntry{Command: "/rolled-back"}); err != nil {
			return err
		}
		return errMine
	})
	if err != errMine {
		t.Errorf("Update returned %v, want fn's error unchanged", err)
	}
	if n := auditCount(t, s); n != 0 {
		t.Errorf("failed Update left %d audit entries, want 0", n)
	}
	if err := s.View(ctx, func(*bolt.Tx) error { return errMine }); err != errMine {
		t.Errorf("View returned %v, want fn's error unchanged", err)
	}
	err = s.View(ctx, func(tx *bolt.Tx) error { return tx.Bucket(bucketPrefs).Put([]byte("k"), []byte("v")) })
	if !errors.Is(err, berrors.ErrTxNotWritable) {
		t.Errorf("write in View: %v, want ErrTxNotWritable", err)
	}
}

func TestClosedStore(t *testing.T) {
	s, err := Open(dbPath(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err = s.AppendAudit(context.Background(), AuditEntry{})
	if !errors.Is(err, berrors.ErrDatabaseNotOpen) || !strings.HasPrefix(err.Error(), "store: append audit:") {
		t.Errorf("AppendAudit after Close: %v", err)
	}
}

func TestContextCancelled(t *testing.T) {
	s := newStore(t)
	seed := mustAppend(t, s, AuditEntry{At: t0.Add(-time.Hour), Command: "/seed"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	called := false
	tests := []struct {
		name string
		op   func() error
	}{
		{"AppendAudit", func() error { _, err := s.AppendAudit(ctx, AuditEntry{Command: "/x"}); return err }},
		{"RecentAudit", func() error { _, err := s.RecentAudit(ctx, 10, AuditFilter{}); return err }},
		{"PruneAudit", func() error { _, err := s.PruneAudit(ctx, t0.Add(time.Hour)); return err }},
		{"Prefs", func() error { _, err := s.Prefs(ctx, "slack:U1"); return err }},
		{"SetPrefs", func() error { return s.SetPrefs(ctx, "slack:U1", Prefs{Lang: "en"}) }},
		{"Update", func() error { return s.Update(ctx, func(*bolt.Tx) error { called = true; return nil }) }},
		{"View", func() error { return s.View(ctx, func(*bolt.Tx) error { called = true; return nil }) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.op(); !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want context.Canceled", err)
			}
		})
	}

	if called {
		t.Error("Update or View ran fn with a cancelled context")
	}
	got, err := s.RecentAudit(context.Background(), 10, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != seed {
		t.Errorf("audit = %+v, want only the seed entry %d", got, seed)
	}
	if p, err := s.Prefs(context.Background(), "slack:U1"); err != nil || p != (Prefs{}) {
		t.Errorf("prefs = %+v, %v; want none", p, err)
	}
}
