package etcdstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// TestExpiryIndexIgnoresLeftoverKeys: by-time keys that no entry has — what a crash between
// the chunked writes of a commit leaves behind — are never listed, and an entry committed
// later lists as it should.
func TestExpiryIndexIgnoresLeftoverKeys(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, cli, "/idx/", clk.Now)
	ctx := context.Background()
	t0 := clk.Now()
	exp := t0.Add(10 * 24 * time.Hour)
	// A crash after the by-time keys of cust-a's entry were written, before the entry was:
	leftover := fmt.Sprintf("/idx/expiry_by_time/%020d/cust-a\x00ecs-1", exp.UnixNano())
	if _, err := cli.Put(ctx, leftover, ""); err != nil {
		t.Fatal(err)
	}
	// and a key of an entry since replaced (another expiry of cust-b's ecs-2).
	stale := fmt.Sprintf("/idx/expiry_by_time/%020d/cust-b\x00ecs-2", exp.Add(time.Hour).UnixNano())
	if _, err := cli.Put(ctx, stale, ""); err != nil {
		t.Fatal(err)
	}
	b := store.IndexedCustomer{ID: "cust-b", Refreshed: t0, Resources: []store.IndexedResource{
		{ID: "ecs-2", Main: true, Status: 2, Expiry: exp.Add(2 * time.Hour), Confirmed: t0}}}
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{b}}); err != nil {
		t.Fatal(err)
	}
	rs, err := s.ExpiringIndexed(ctx, t0, exp.Add(24*time.Hour))
	if err != nil || len(rs) != 1 || rs[0].Customer != "cust-b" || !rs[0].Resource.Expiry.Equal(exp.Add(2*time.Hour)) {
		t.Errorf("ExpiringIndexed = %+v, %v; want cust-b's ecs-2 at its entry's expiry only", rs, err)
	}

	a := store.IndexedCustomer{ID: "cust-a", Name: "甲", Refreshed: t0, Resources: []store.IndexedResource{
		{ID: "ecs-1", Main: true, Status: 2, Expiry: exp, Confirmed: t0}}}
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{a}}); err != nil {
		t.Fatal(err)
	}
	rs, err = s.ExpiringIndexed(ctx, t0, exp.Add(24*time.Hour))
	if err != nil || len(rs) != 2 || rs[0].Customer != "cust-a" || rs[0].Name != "甲" {
		t.Errorf("after cust-a's entry: %+v, %v", rs, err)
	}
}

// TestExpiryIndexLargeCustomer: a customer with more main resources than one Txn holds
// operations is indexed, and when its resources are renewed, listed at the new expiries only
// (its old keys are too many to delete with the entry and are left behind, never listed).
func TestExpiryIndexLargeCustomer(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, cli, "/big/", clk.Now)
	ctx := context.Background()
	t0 := clk.Now()
	entry := func(refreshed time.Time, shift time.Duration) store.IndexedCustomer {
		c := store.IndexedCustomer{ID: "cust-big", Refreshed: refreshed}
		for i := range 300 {
			c.Resources = append(c.Resources, store.IndexedResource{ID: fmt.Sprintf("ecs-%03d", i), Main: true, Status: 2,
				Expiry: t0.Add(time.Duration(i+1)*time.Hour + shift), Confirmed: refreshed})
		}
		return c
	}
	other := store.IndexedCustomer{ID: "cust-small", Refreshed: t0, Resources: []store.IndexedResource{
		{ID: "ecs-x", Main: true, Status: 2, Expiry: t0.Add(time.Hour), Confirmed: t0}}}
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{entry(t0, 0), other}}); err != nil {
		t.Fatal(err)
	}
	window := func(from, to time.Time) int {
		t.Helper()
		rs, err := s.ExpiringIndexed(ctx, from, to)
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	if n := window(t0, t0.Add(400*time.Hour)); n != 301 {
		t.Errorf("%d resources listed, want 301", n)
	}
	year := 365 * 24 * time.Hour
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{entry(t0.Add(time.Hour), year)}}); err != nil {
		t.Fatal(err)
	}
	if n := window(t0, t0.Add(400*time.Hour)); n != 1 {
		t.Errorf("%d resources listed at the old expiries, want cust-small's only", n)
	}
	if n := window(t0.Add(year), t0.Add(year+400*time.Hour)); n != 300 {
		t.Errorf("%d resources listed at the new expiries, want 300", n)
	}
}

// TestBalanceCacheGenerations: each commit leaves exactly one generation of balances in etcd,
// and a reader sees one commit's cache whole.
func TestBalanceCacheGenerations(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, cli, "/bal/", clk.Now)
	ctx := context.Background()
	for round := range 3 {
		var put []store.CachedBalance
		for i := range 300 { // more than one Txn holds
			put = append(put, store.CachedBalance{CustomerID: fmt.Sprintf("c-%03d", i), Amount: fmt.Sprintf("%d.00", round), Debt: "0.00", Currency: "CNY"})
		}
		st := store.BalanceCacheState{At: clk.Now(), Customers: len(put)}
		if err := s.CommitBalanceCache(ctx, store.BalanceCacheUpdate{State: st, Put: put}); err != nil {
			t.Fatal(err)
		}
		gotSt, bs, ok, err := s.BalanceCache(ctx)
		if err != nil || !ok || gotSt != st || len(bs) != 300 {
			t.Fatalf("round %d: %+v, %d balances, %t, %v", round, gotSt, len(bs), ok, err)
		}
		for _, b := range bs {
			if b.Amount != fmt.Sprintf("%d.00", round) {
				t.Fatalf("round %d: %s has %s, from another commit", round, b.CustomerID, b.Amount)
			}
		}
		resp, err := cli.Get(ctx, "/bal/balance/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil || resp.Count != 300 {
			t.Errorf("round %d: %d balance keys in etcd (%v), want one generation of 300", round, resp.Count, err)
		}
		clk.Advance(time.Hour)
	}
}
