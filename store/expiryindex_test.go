package store

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestExpiryIndex(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	s := openStore(t, path, Options{Now: newClock().Now})
	if _, ok, err := s.ExpiryScanState(ctx); ok || err != nil {
		t.Fatalf("state before any scan: ok %v err %v", ok, err)
	}
	exp := t0.Add(30 * 24 * time.Hour)
	a := IndexedCustomer{ID: "cust-a", Refreshed: t0, Resources: []IndexedResource{
		{ID: "ecs-1", Main: true, Status: 2, Expiry: exp, Policy: 3, Confirmed: t0},
		{ID: "evs-1", Parent: "ecs-1", Status: 2, Expiry: exp, Policy: 3, Confirmed: t0},
	}}
	b := IndexedCustomer{ID: "cust-b", Refreshed: t0} // no resources
	state := ExpiryScanState{At: t0, FullAt: t0, Customers: 2}
	if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: []IndexedCustomer{b, a}, State: &state}); err != nil {
		t.Fatal(err)
	}
	got, err := s.IndexedCustomers(ctx, []string{"cust-a", "cust-b", "cust-c", ""})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got["cust-a"].Resources) != 2 || got["cust-a"].Resources[1].Parent != "ecs-1" ||
		!got["cust-a"].Resources[0].Expiry.Equal(exp) || !got["cust-a"].Refreshed.Equal(t0) || got["cust-b"].Resources == nil {
		t.Fatalf("index %+v", got)
	}

	// A failed refresh keeps the entry and marks it; a later put clears the mark; a delete
	// removes both parts.
	if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Retry: []string{"cust-a", "cust-new"}, Delete: []string{"cust-b"}}); err != nil {
		t.Fatal(err)
	}
	sums, err := s.ExpiryCustomers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 2 || !sums["cust-a"].Retry || !sums["cust-a"].Refreshed.Equal(t0) || !sums["cust-new"].Retry || !sums["cust-new"].Refreshed.IsZero() {
		t.Fatalf("summaries %+v", sums)
	}
	t1 := t0.Add(24 * time.Hour)
	a.Refreshed, a.Resources = t1, a.Resources[:1]
	if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: []IndexedCustomer{a}}); err != nil {
		t.Fatal(err)
	}
	// Reopened, everything is there.
	s.Close()
	s = openStore(t, path, Options{})
	sums, _ = s.ExpiryCustomers(ctx)
	got, _ = s.IndexedCustomers(ctx, []string{"cust-a", "cust-b"})
	if sums["cust-a"].Retry || !sums["cust-a"].Refreshed.Equal(t1) || len(got) != 1 || len(got["cust-a"].Resources) != 1 {
		t.Errorf("after the second refresh: %+v %+v", sums, got)
	}
	if st, ok, err := s.ExpiryScanState(ctx); !ok || err != nil || !st.At.Equal(t0) || st.Customers != 2 {
		t.Errorf("state %+v %v %v", st, ok, err)
	}

	// Bad keys change nothing.
	for _, u := range []ExpiryIndexUpdate{
		{Put: []IndexedCustomer{{ID: ""}}},
		{Delete: []string{strings.Repeat("x", 40000)}},
		{Retry: []string{""}, State: &ExpiryScanState{At: t1}},
	} {
		if err := s.CommitExpiryIndex(ctx, u); err == nil {
			t.Errorf("accepted %+v", u)
		}
	}
	if st, _, _ := s.ExpiryScanState(ctx); !st.At.Equal(t0) {
		t.Errorf("a refused update wrote the state: %+v", st)
	}
}

// TestExpiryIndexKeepsTheLaterListing: a put listed before the entry the index holds (a scan's
// batch that listed a customer before an approved action, committed after the refresh that
// followed the action) is dropped; one listed at the same time or later replaces it. Before,
// the older listing overwrote the refresh and the index showed the renewed resource as expiring.
func TestExpiryIndexKeepsTheLaterListing(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, dbPath(t), Options{Now: newClock().Now})
	old, renewed := t0.Add(3*24*time.Hour), t0.Add(400*24*time.Hour)
	entry := func(at, expiry time.Time) IndexedCustomer {
		return IndexedCustomer{ID: "cust-a", Refreshed: at, Resources: []IndexedResource{
			{ID: "ecs-1", Main: true, Status: 2, Expiry: expiry, Confirmed: at}}}
	}
	commit := func(c IndexedCustomer) {
		t.Helper()
		if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: []IndexedCustomer{c}}); err != nil {
			t.Fatal(err)
		}
	}
	expiry := func() time.Time {
		t.Helper()
		got, err := s.IndexedCustomers(ctx, []string{"cust-a"})
		if err != nil {
			t.Fatal(err)
		}
		return got["cust-a"].Resources[0].Expiry
	}
	expiring := func() int {
		t.Helper()
		rs, err := s.ExpiringIndexed(ctx, t0, t0.Add(30*24*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(rs)
	}
	commit(entry(t0.Add(time.Minute), renewed)) // the refresh after the renewal
	commit(entry(t0, old))                      // the scan's batch, listed before it
	if got := expiry(); !got.Equal(renewed) || expiring() != 0 {
		t.Errorf("an older listing replaced the refresh: expiry %v, %d expiring within 30 days", got, expiring())
	}
	commit(entry(t0.Add(time.Minute), old)) // listed at the same time: the later commit stands
	if got := expiry(); !got.Equal(old) || expiring() != 1 {
		t.Errorf("a listing as recent as the held one was dropped: expiry %v, %d expiring", got, expiring())
	}
	commit(entry(t0.Add(2*time.Minute), renewed))
	if got := expiry(); !got.Equal(renewed) {
		t.Errorf("a later listing was dropped: expiry %v", got)
	}
}
