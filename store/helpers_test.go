package store

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// clock is a fake Now that advances one second per call; safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second)
	return c.t
}

// dbPath is a fresh path for a store file in a per-test directory.
func dbPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "state.db")
}

// openStore opens path and closes it when the test ends.
func openStore(t *testing.T, path string, opts Options) *Store {
	t.Helper()
	s, err := Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// newStore is a fresh store with a fake clock.
func newStore(t *testing.T) *Store {
	t.Helper()
	return openStore(t, dbPath(t), Options{Now: newClock().Now})
}

// rawDB writes to a bbolt file directly, as an older (or newer) partnerbot would have.
func rawDB(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatalf("bolt.Open(%s): %v", path, err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatalf("raw update of %s: %v", path, err)
	}
}

// storedVersion reads meta/schema_version of a closed file.
func storedVersion(t *testing.T, path string) uint64 {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatalf("bolt.Open(%s): %v", path, err)
	}
	defer db.Close()
	var v uint64
	if err := db.View(func(tx *bolt.Tx) error {
		var err error
		v, err = schemaVersion(tx)
		return err
	}); err != nil {
		t.Fatalf("read version of %s: %v", path, err)
	}
	return v
}

// auditCount is the number of entries in the audit bucket.
func auditCount(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.View(context.Background(), func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketAudit).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatalf("count audit: %v", err)
	}
	return n
}

// mustAppend appends e and returns its id.
func mustAppend(t *testing.T, s *Store, e AuditEntry) uint64 {
	t.Helper()
	id, err := s.AppendAudit(context.Background(), e)
	if err != nil {
		t.Fatalf("AppendAudit(%+v): %v", e, err)
	}
	return id
}

func ids(es []AuditEntry) []uint64 {
	out := make([]uint64, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}
