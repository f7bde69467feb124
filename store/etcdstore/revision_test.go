package etcdstore_test

import (
	"context"
	"testing"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/store"
)

// TestRevisionAdvancesWithWrites: Revision reads etcd's revision, which a write advances and a
// read does not.
func TestRevisionAdvancesWithWrites(t *testing.T) {
	c := etcdtest.Start(t, 1)
	s := open(t, c.Client(t), "/rev/", nil)
	ctx := context.Background()
	r1, err := s.Revision(ctx)
	if err != nil || r1 <= 0 {
		t.Fatalf("Revision = %d, %v", r1, err)
	}
	if r2, err := s.Revision(ctx); err != nil || r2 != r1 {
		t.Fatalf("a second read: Revision = %d, %v, want %d", r2, err, r1)
	}
	if err := s.SetPrefs(ctx, "slack:U1", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if r3, err := s.Revision(ctx); err != nil || r3 <= r1 {
		t.Fatalf("after a write: Revision = %d, %v, want more than %d", r3, err, r1)
	}
}
