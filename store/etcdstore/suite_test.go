package etcdstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
	"github.com/partnerbot/partnerbot/store/storetest"
)

var _ store.Backend = (*etcdstore.Store)(nil)

// TestSuite runs the store contract's shared suite on etcd: one single-member cluster, each
// case on a fresh, empty store under a prefix of its own.
func TestSuite(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Backend {
		s, err := etcdstore.Open(context.Background(), cli, etcdstore.Options{Prefix: "/suite/" + t.Name() + "/", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	})
}
