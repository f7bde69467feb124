package etcdstore

import (
	"context"
	"fmt"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// TestBalanceCacheConcurrentCommits: a scan's commit that another commits past, between
// writing its generation and switching to it, loses the switch and deletes its own
// generation: the winner's cache reads whole, and one generation is left.
func TestBalanceCacheConcurrentCommits(t *testing.T) {
	s, cli, clk := openForecastStore(t, "/balrace/")
	ctx := context.Background()
	update := func(amount string) store.BalanceCacheUpdate {
		u := store.BalanceCacheUpdate{State: store.BalanceCacheState{At: clk.Now(), Customers: 200}}
		for i := range 200 { // more than one Txn holds
			u.Put = append(u.Put, store.CachedBalance{CustomerID: fmt.Sprintf("c-%03d", i), Amount: amount, Debt: "0", Currency: "CNY"})
		}
		return u
	}
	if err := s.CommitBalanceCache(ctx, update("1.00")); err != nil {
		t.Fatal(err)
	}
	s.afterBalanceChunks = func() {
		s.afterBalanceChunks = nil
		if err := s.CommitBalanceCache(ctx, update("3.00")); err != nil {
			t.Errorf("the other scan's commit: %v", err)
		}
	}
	if err := s.CommitBalanceCache(ctx, update("2.00")); err == nil {
		t.Error("the commit that lost the switch succeeded")
	}
	_, bs, ok, err := s.BalanceCache(ctx)
	if err != nil || !ok || len(bs) != 200 {
		t.Fatalf("BalanceCache: %d balances, %t, %v; want the winner's 200", len(bs), ok, err)
	}
	for _, b := range bs {
		if b.Amount != "3.00" {
			t.Fatalf("%s has %s, want the winner's 3.00", b.CustomerID, b.Amount)
		}
	}
	if n := countKeys(t, cli, "/balrace/balance/"); n != 200 {
		t.Errorf("%d balance keys, want the winner's 200", n)
	}
}
