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

// TestPruneSweepsLeftoverIndexKeys: Prune deletes the by-time keys their customer's entry does
// not have (customer never committed, resource gone, expiry changed), more than one batch of
// them, reports how many, and keeps every key an entry has; a second Prune finds none.
func TestPruneSweepsLeftoverIndexKeys(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, cli, "/sweep/", clk.Now)
	ctx := context.Background()
	t0 := clk.Now()
	exp := t0.Add(10 * 24 * time.Hour)
	key := func(at time.Time, customer, resource string) string {
		return fmt.Sprintf("/sweep/expiry_by_time/%020d/%s\x00%s", at.UnixNano(), customer, resource)
	}
	live := store.IndexedCustomer{ID: "cust-live", Refreshed: t0}
	for i := range 60 {
		live.Resources = append(live.Resources, store.IndexedResource{ID: fmt.Sprintf("ecs-%02d", i), Main: true, Status: 2,
			Expiry: exp.Add(time.Duration(i) * time.Minute), Confirmed: t0})
	}
	live.Resources = append(live.Resources, store.IndexedResource{ID: "evs-1", Status: 2, Expiry: exp, Confirmed: t0}) // not main: no key
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{live}}); err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{}
	for _, r := range live.Resources[:60] {
		want[key(r.Expiry, live.ID, r.ID)] = true
	}
	var stale []string
	for i := range 70 { // a customer whose entry was never committed
		stale = append(stale, key(exp.Add(time.Duration(i)*time.Second), "cust-gone", fmt.Sprintf("ecs-%02d", i)))
	}
	stale = append(stale,
		key(exp, live.ID, "ecs-99"),                           // a resource the entry no longer has
		key(exp.Add(time.Hour), live.ID, "ecs-01"),            // an expiry the entry no longer has
		key(exp, live.ID, "evs-1"),                            // a resource no longer main
		key(exp.Add(-time.Nanosecond), "cust-live", "ecs-00"), // off by a nanosecond
	)
	for _, k := range stale {
		if _, err := cli.Put(ctx, k, ""); err != nil {
			t.Fatal(err)
		}
	}

	res, err := s.Prune(ctx, store.Retention{})
	if err != nil || res != (store.PruneResult{IndexKeys: len(stale)}) {
		t.Fatalf("Prune = %+v, %v; want %d index keys removed", res, err, len(stale))
	}
	resp, err := cli.Get(ctx, "/sweep/expiry_by_time/", clientv3.WithPrefix(), clientv3.WithKeysOnly())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, kv := range resp.Kvs {
		got[string(kv.Key)] = true
		if !want[string(kv.Key)] {
			t.Errorf("kept %q, which no entry has", kv.Key)
		}
	}
	for k := range want {
		if !got[k] {
			t.Errorf("deleted %q, which the entry has", k)
		}
	}
	rs, err := s.ExpiringIndexed(ctx, t0, exp.Add(24*time.Hour))
	if err != nil || len(rs) != 60 {
		t.Errorf("ExpiringIndexed after Prune: %d resources, %v; want 60", len(rs), err)
	}
	if res, err := s.Prune(ctx, store.Retention{}); err != nil || res != (store.PruneResult{}) {
		t.Errorf("second Prune = %+v, %v; want nothing removed", res, err)
	}
}
