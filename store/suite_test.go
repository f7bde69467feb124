package store_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// TestBackendSuite runs the shared suite of the store contract against bbolt.
func TestBackendSuite(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Backend {
		t.Helper()
		path := filepath.Join(t.TempDir(), "state.db")
		s, err := store.Open(path, store.Options{Now: now})
		if err != nil {
			t.Fatalf("Open(%s): %v", path, err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return s
	})
}
