package etcdstore

import (
	"context"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// TestSweepDuringCommit: a Prune that runs after a commit wrote its new entries' by-time keys
// and before it committed the entries finds those keys without an entry and deletes them; the
// commit notices (the sweep counter moved) and writes them again, so the entries are listed.
func TestSweepDuringCommit(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	ctx := context.Background()
	s, err := Open(ctx, cli, Options{Prefix: "/race/", Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t0 := clk.Now()
	exp := t0.Add(10 * 24 * time.Hour)
	sweeps := 0
	s.afterPrewrite = func() {
		if sweeps > 0 {
			return
		}
		res, err := s.Prune(ctx, store.Retention{})
		if err != nil {
			t.Errorf("Prune: %v", err)
		}
		sweeps++
		if res.IndexKeys != 2 {
			t.Errorf("Prune between by-time keys and entries removed %d keys, want 2", res.IndexKeys)
		}
	}
	d := store.IndexedCustomer{ID: "cust-d", Refreshed: t0, Resources: []store.IndexedResource{
		{ID: "ecs-1", Main: true, Status: 2, Expiry: exp, Confirmed: t0},
		{ID: "ecs-2", Main: true, Status: 2, Expiry: exp.Add(time.Hour), Confirmed: t0}}}
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{d}}); err != nil {
		t.Fatal(err)
	}
	if sweeps != 1 {
		t.Fatalf("%d sweeps ran, want 1", sweeps)
	}
	rs, err := s.ExpiringIndexed(ctx, t0, exp.Add(24*time.Hour))
	if err != nil || len(rs) != 2 {
		t.Errorf("ExpiringIndexed = %+v, %v; want cust-d's two resources", rs, err)
	}
	if res, err := s.Prune(ctx, store.Retention{}); err != nil || res.IndexKeys != 0 {
		t.Errorf("Prune after the commit = %+v, %v; want no index key removed", res, err)
	}
}
