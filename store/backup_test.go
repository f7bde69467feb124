package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fileSink writes a backup to a new file at path.
func fileSink(t *testing.T, path string) (BackupSink, func()) {
	t.Helper()
	var f *os.File
	sink := func(size int64) (io.Writer, error) {
		var err error
		f, err = os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		return f, err
	}
	return sink, func() {
		if f != nil {
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// TestBackupUnderWrites takes backups while writers append audit entries and queue notices: each
// backup reopens intact (Open's consistency check passes) and holds a prefix of the writes: every
// entry up to its last, none missing in between.
func TestBackupUnderWrites(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: fmt.Sprint(w), Command: strings.Repeat("x", 200), Result: "ok"}); err != nil {
					t.Error(err)
					return
				}
				if err := s.EnqueueNotices(ctx, notice("alert", fmt.Sprintf("w%d-%d", w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	dir := t.TempDir()
	var sizes []int64
	for i := range 5 {
		// Let the writers commit between backups.
		for range 20 {
			if _, err := s.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: "main", Command: "/help", Result: "ok"}); err != nil {
				t.Fatal(err)
			}
		}
		path := filepath.Join(dir, fmt.Sprintf("b%d.db", i))
		sink, done := fileSink(t, path)
		n, err := s.Backup(ctx, sink)
		done()
		if err != nil {
			t.Fatalf("backup %d: %v", i, err)
		}
		sizes = append(sizes, n)
	}
	close(stop)
	wg.Wait()

	for i, size := range sizes {
		path := filepath.Join(dir, fmt.Sprintf("b%d.db", i))
		info, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if info.Size() != size {
			t.Errorf("backup %d: file of %d bytes, Backup said %d", i, info.Size(), size)
		}
		fi, err := Verify(path, Options{})
		if err != nil {
			t.Fatalf("backup %d does not check out: %v", i, err)
		}
		if fi.Schema != CurrentSchemaVersion {
			t.Errorf("backup %d: schema %d", i, fi.Schema)
		}
		b, err := Open(path, Options{})
		if err != nil {
			t.Fatalf("backup %d does not open: %v", i, err)
		}
		err = b.View(ctx, func(tx *bolt.Tx) error {
			audit := tx.Bucket(bucketAudit)
			n := uint64(audit.Stats().KeyN)
			last, _ := audit.Cursor().Last()
			if n == 0 || binary.BigEndian.Uint64(last) != n || audit.Sequence() != n {
				return fmt.Errorf("the audit log is not a whole prefix: %d entries, last id %x, sequence %d", n, last, audit.Sequence())
			}
			return nil
		})
		if err != nil {
			t.Errorf("backup %d: %v", i, err)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBackupFile copies a closed store file without opening it as a Store: a file of a newer
// schema is copied as it is (nothing migrated or refused), and one a writer holds is ErrLocked.
func TestBackupFile(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	rawDB(t, path, func(tx *bolt.Tx) error { return putSchemaVersion(tx, CurrentSchemaVersion+1) })
	out := filepath.Join(t.TempDir(), "copy.db")
	sink, done := fileSink(t, out)
	if _, err := BackupFile(ctx, path, Options{}, sink); err != nil {
		t.Fatal(err)
	}
	done()
	fi, err := Verify(out, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if fi.Schema != CurrentSchemaVersion+1 {
		t.Errorf("copied schema %d, want %d", fi.Schema, CurrentSchemaVersion+1)
	}

	s := newStore(t)
	_, err = BackupFile(ctx, s.Path(), Options{Timeout: 100 * time.Millisecond}, func(int64) (io.Writer, error) { return io.Discard, nil })
	if !errors.Is(err, ErrLocked) {
		t.Errorf("backup of a held file: %v, want ErrLocked", err)
	}
	if _, err := BackupFile(ctx, filepath.Join(t.TempDir(), "none.db"), Options{}, nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("backup of no file: %v", err)
	}
}

// TestBackupStops: a sink that fails, or a cancelled context, stops the backup with an error.
func TestBackupStops(t *testing.T) {
	s := newStore(t)
	boom := errors.New("disk full")
	if _, err := s.Backup(context.Background(), func(int64) (io.Writer, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("failing sink: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var buf bytes.Buffer
	_, err := s.Backup(ctx, func(int64) (io.Writer, error) { cancel(); return &buf, nil })
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestVerifyDamaged: Verify refuses a file that is not a store, or whose pages are damaged.
func TestVerifyDamaged(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not bbolt "), 2000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(junk, Options{}); !errors.Is(err, ErrCorrupted) {
		t.Errorf("junk: %v, want ErrCorrupted", err)
	}
	if _, err := Verify(filepath.Join(t.TempDir(), "none.db"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "none.db")); err == nil {
		t.Error("Verify created the file")
	}
}

// TestCompactFile: after a prune the compacted copy is smaller, checks out, holds the same
// records, and the source is untouched; an existing destination is refused.
func TestCompactFile(t *testing.T) {
	ctx := context.Background()
	s, clk, path := newFakeStore(t)
	err := s.update(func(tx *bolt.Tx) error {
		for i := range 3000 {
			if _, err := s.appendAudit(tx, AuditEntry{Platform: "exec", UserID: "u", Command: fmt.Sprintf("/help %d %s", i, strings.Repeat("x", 300)), Result: "ok"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(48 * time.Hour)
	if _, err := s.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: "u", Command: "/kept", Result: "ok"}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.PruneAudit(ctx, clk.Now().Add(-24*time.Hour)); err != nil || n != 3000 {
		t.Fatalf("pruned %d, %v", n, err)
	}
	sp, err := s.Space(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sp.Free == 0 || sp.Free > sp.Size {
		t.Errorf("space after a prune = %+v: the freed pages should show", sp)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "compact.db")
	before, after, err := CompactFile(ctx, path, dst, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if after >= before {
		t.Errorf("compacted %d → %d bytes", before, after)
	}
	c := openStore(t, dst, Options{})
	es, err := c.RecentAudit(ctx, 10, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Command != "/kept" || es[0].ID != 3001 {
		t.Errorf("compacted audit = %+v", es)
	}
	// The audit sequence survives: the next id follows the last.
	if id, err := c.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: "u", Command: "/next", Result: "ok"}); err != nil || id != 3002 {
		t.Errorf("next id after compaction %d, %v", id, err)
	}
	if info, err := os.Stat(path); err != nil || info.Size() != before {
		t.Errorf("the source changed: %v, %v", info, err)
	}
	if _, _, err := CompactFile(ctx, path, dst, Options{}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("existing destination: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(dst))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".compact-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
