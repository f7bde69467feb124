package etcdstore_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
	"github.com/partnerbot/partnerbot/store/storetest"
)

var _ store.Portable = (*etcdstore.Store)(nil)

func openBolt(t *testing.T, now func() time.Time) store.Backend {
	t.Helper()
	s, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// TestCopyAcrossBackends: a store filled through the contract moves from bbolt to etcd and
// back, and from etcd to bbolt and back, the same record for record each way.
func TestCopyAcrossBackends(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	n := 0
	openEtcd := func(t *testing.T, now func() time.Time) store.Backend {
		t.Helper()
		n++
		s, err := etcdstore.Open(context.Background(), cli, etcdstore.Options{Prefix: "/copy/" + strings.ReplaceAll(t.Name(), "/", "-") + "/" + string(rune('a'+n)) + "/", Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("BoltToEtcd", func(t *testing.T) { storetest.RunCopy(t, openBolt, openEtcd) })
	t.Run("EtcdToBolt", func(t *testing.T) { storetest.RunCopy(t, openEtcd, openBolt) })
}

// TestExportEtcdOwnKeys: what only this backend keeps is not exported (a by-time key no entry
// has, the sweep counter, old balance generations, the cluster's keys), and a key of no known
// table makes the export fail rather than leave it behind.
func TestExportEtcdOwnKeys(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	ctx := context.Background()
	const prefix = "/own/"
	s, err := etcdstore.Open(ctx, cli, etcdstore.Options{Prefix: prefix, Now: func() time.Time { return storetest.Epoch }})
	if err != nil {
		t.Fatal(err)
	}
	exp := storetest.Epoch.Add(24 * time.Hour)
	cust := store.IndexedCustomer{ID: "cust-1", Refreshed: storetest.Epoch, Resources: []store.IndexedResource{{ID: "ecs-1", Main: true, Expiry: exp}}}
	if err := s.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{cust}}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // two generations of the balance cache: the export has the second's
		u := store.BalanceCacheUpdate{State: store.BalanceCacheState{At: storetest.Epoch, Customers: i + 1},
			Put: []store.CachedBalance{{CustomerID: "cust-1", Amount: []string{"1.00", "2.00"}[i], Debt: "0"}}}
		if err := s.CommitBalanceCache(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range map[string]string{
		prefix + "expiry_by_time/00000000000000000001/cust-1\x00gone": "",
		prefix + "expiry_scan/swept":                                  "3",
		prefix + "balance/00000000000000000001/cust-old":              `{"amount":"9","debt":"0"}`,
		prefix + "cluster/members/7587":                               "replica-a",
	} {
		if _, err := cli.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	sum, err := store.Summarize(ctx, s)
	if err != nil {
		t.Fatalf("Export: %v", err)
	}
	var recs []store.Record
	if err := s.Export(ctx, func(r store.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if strings.Contains(r.Key, "gone") || r.Key == "swept" || r.Key == "cust-old" || r.Table == "cluster" {
			t.Errorf("exported %s/%q, this backend's own", r.Table, r.Key)
		}
		if r.Table == "balance_cache" && string(r.Value) != `{"amount":"2.00","debt":"0","currency":""}` {
			t.Errorf("balance_cache record %s, want the current generation's", r.Value)
		}
	}
	if sum.Tables["expiry_by_time"].Records != 1 || sum.Tables["balance_cache"].Records != 1 {
		t.Errorf("tables %+v, want 1 by-time key and 1 balance", sum.Tables)
	}

	if _, err := cli.Put(ctx, prefix+"mystery/1", "x"); err != nil {
		t.Fatal(err)
	}
	err = s.Export(ctx, func(store.Record) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "mystery/1") {
		t.Errorf("Export with a key of no known table: %v, want it named", err)
	}
}
