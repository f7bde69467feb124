package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

var _ store.Portable = (*store.Store)(nil)

// openBolt opens a fresh bbolt store in the test's directory.
func openBolt(t *testing.T, now func() time.Time) store.Backend {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.db")
	s, err := store.Open(path, store.Options{Now: now})
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCopyBoltToBolt: a whole store exported and imported into another bbolt file is the same
// record for record (the etcd backend's tests copy across backends).
func TestCopyBoltToBolt(t *testing.T) {
	storetest.RunCopy(t, openBolt, openBolt)
}
