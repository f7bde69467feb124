package store

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// expiringIDs is what ExpiringIndexed finds in [from, to], as "customer/resource".
func expiringIDs(t *testing.T, s *Store, from, to time.Time) []string {
	t.Helper()
	got, err := s.ExpiringIndexed(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range got {
		out = append(out, r.Customer+"/"+r.Resource.ID)
	}
	return out
}

func TestExpiringIndexedFollowsTheIndex(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	day := 24 * time.Hour
	a := IndexedCustomer{ID: "cust-a", Name: "A", Resources: []IndexedResource{
		{ID: "ecs-1", Main: true, Expiry: t0.Add(3 * day)},
		{ID: "evs-1", Parent: "ecs-1", Expiry: t0.Add(3 * day)}, // attached: not listed
		{ID: "ecs-2", Main: true, Expiry: t0.Add(20 * day)},
	}}
	b := IndexedCustomer{ID: "cust-b", Resources: []IndexedResource{{ID: "rds-1", Main: true, Expiry: t0.Add(day)}}}
	if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: []IndexedCustomer{a, b}}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"a week, soonest first", t0, t0.Add(7 * day), []string{"cust-b/rds-1", "cust-a/ecs-1"}},
		{"edges included", t0.Add(day), t0.Add(20 * day), []string{"cust-b/rds-1", "cust-a/ecs-1", "cust-a/ecs-2"}},
		{"nothing", t0.Add(30 * day), t0.Add(40 * day), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := expiringIDs(t, s, tt.from, tt.to); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	// A renewal moves the resource; a departed customer leaves.
	a.Resources[0].Expiry = t0.Add(400 * day)
	if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: []IndexedCustomer{a}, Delete: []string{"cust-b"}}); err != nil {
		t.Fatal(err)
	}
	if got := expiringIDs(t, s, t0, t0.Add(500*day)); !slices.Equal(got, []string{"cust-a/ecs-2", "cust-a/ecs-1"}) {
		t.Errorf("after a renewal and a departure: %v", got)
	}
}

func TestMigrationFillsExpiryByTime(t *testing.T) {
	path := dbPath(t)
	s := openStore(t, path, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// A version-6 file: an index entry, no expiry_by_time.
	rawDB(t, path, func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketBalanceCache, bucketBalanceScan, bucketExpiryByTime} {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		v, _ := json.Marshal(IndexedCustomer{Name: "A", Resources: []IndexedResource{{ID: "ecs-1", Main: true, Expiry: t0}}})
		if err := tx.Bucket(bucketExpiryIndex).Put([]byte("cust-a"), v); err != nil {
			return err
		}
		return putSchemaVersion(tx, 6)
	})
	s = openStore(t, path, Options{})
	if got := expiringIDs(t, s, t0, t0); !slices.Equal(got, []string{"cust-a/ecs-1"}) {
		t.Errorf("after the migration: %v", got)
	}
}

func TestBalanceCache(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if _, _, ok, err := s.BalanceCache(ctx); ok || err != nil {
		t.Fatalf("before any scan: ok %v err %v", ok, err)
	}
	put := func(at time.Time, u BalanceCacheUpdate) []string {
		t.Helper()
		u.State = BalanceCacheState{At: at, Customers: len(u.Put) + len(u.Keep)}
		if err := s.CommitBalanceCache(ctx, u); err != nil {
			t.Fatal(err)
		}
		st, bs, ok, err := s.BalanceCache(ctx)
		if err != nil || !ok || !st.At.Equal(at) {
			t.Fatalf("state %+v ok %v err %v", st, ok, err)
		}
		var out []string
		for _, b := range bs {
			out = append(out, b.CustomerID+"="+b.Debt)
		}
		return out
	}
	if got := put(t0, BalanceCacheUpdate{Put: []CachedBalance{{CustomerID: "a", Debt: "5"}, {CustomerID: "b", Debt: "0"}, {CustomerID: "c", Debt: "1"}}}); !slices.Equal(got, []string{"a=5", "b=0", "c=1"}) {
		t.Errorf("first scan: %v", got)
	}
	// b's batch failed: kept; c left the scope: gone.
	if got := put(t0.Add(time.Hour), BalanceCacheUpdate{Put: []CachedBalance{{CustomerID: "a", Debt: "0"}}, Keep: []string{"b"}}); !slices.Equal(got, []string{"a=0", "b=0"}) {
		t.Errorf("second scan: %v", got)
	}
	if err := s.CommitBalanceCache(ctx, BalanceCacheUpdate{Put: []CachedBalance{{}}}); err == nil {
		t.Error("an empty customer id was accepted")
	}
}
