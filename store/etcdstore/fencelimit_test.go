package etcdstore_test

import (
	"context"
	"fmt"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store/etcdstore"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// TestFencedBulkWriteFitsEtcdsLimit: a leader's bulk write (the owners of a scan's listing,
// chunked) under a fence is written whole. etcd counts the fence's nesting against the 128
// operations of a Txn, so a fenced chunk holds one operation less than an unfenced one; a
// chunk of 128 would be refused ("too many operations in txn request").
func TestFencedBulkWriteFitsEtcdsLimit(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	s := open(t, cli, "/fencelimit/", fakeclock.New(storetest.Epoch).Now)
	ctx := context.Background()
	put, err := cli.Put(ctx, "/election/leader", "me")
	if err != nil {
		t.Fatal(err)
	}
	leader := WithTermFence(ctx, put.Header.Revision)
	owners := map[string]string{}
	for i := range 300 {
		owners[fmt.Sprintf("res-%03d", i)] = "cust-1"
	}
	if err := s.RememberOwners(leader, owners); err != nil {
		t.Fatalf("a fenced bulk write: %v", err)
	}
	for _, id := range []string{"res-000", "res-127", "res-299"} {
		if cust, ok, err := s.Owner(ctx, id); err != nil || !ok || cust != "cust-1" {
			t.Errorf("Owner(%s) = %q, %v, %v", id, cust, ok, err)
		}
	}
}

// WithTermFence is the fence of a term whose election key /election/leader was created at rev.
func WithTermFence(ctx context.Context, rev int64) context.Context {
	return etcdstore.WithFence(ctx, clientv3.Compare(clientv3.CreateRevision("/election/leader"), "=", rev))
}
