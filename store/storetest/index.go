package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

func (e *env) commitIndex(t *testing.T, u store.ExpiryIndexUpdate) {
	t.Helper()
	if err := e.b.CommitExpiryIndex(e.ctx, u); err != nil {
		t.Fatalf("CommitExpiryIndex: %v", err)
	}
}

// testExpiryIndex: puts, retries and deletes in one batch each; the state only when given; a
// refused batch writes nothing; ExpiringIndexed follows the puts.
func testExpiryIndex(t *testing.T, e *env) {
	t0 := e.now()
	if _, ok, err := e.b.ExpiryScanState(e.ctx); ok || err != nil {
		t.Fatalf("state before any scan: ok %t, %v", ok, err)
	}
	exp := t0.Add(30 * 24 * time.Hour)
	a := store.IndexedCustomer{ID: "cust-a", Name: "张三", Account: "zhangsan", Refreshed: t0, Resources: []store.IndexedResource{
		{ID: "ecs-1", Main: true, Status: 2, Expiry: exp, Policy: 3, Confirmed: t0, Desc: "web · s6.large.2"},
		{ID: "evs-1", Parent: "ecs-1", Status: 2, Expiry: exp, Confirmed: t0},
	}}
	b := store.IndexedCustomer{ID: "cust-b", Refreshed: t0}
	state := store.ExpiryScanState{At: t0, FullAt: t0, Customers: 2}
	e.commitIndex(t, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{b, a}, State: &state})

	got, err := e.b.IndexedCustomers(e.ctx, []string{"cust-a", "cust-b", "cust-c", ""})
	must(t, "IndexedCustomers", err)
	if len(got) != 2 || got["cust-a"].Name != "张三" || len(got["cust-a"].Resources) != 2 || got["cust-a"].Resources[1].Parent != "ecs-1" ||
		!got["cust-a"].Resources[0].Expiry.Equal(exp) || !got["cust-a"].Refreshed.Equal(t0) || got["cust-b"].Resources == nil {
		t.Fatalf("index %+v", got)
	}
	rs, err := e.b.ExpiringIndexed(e.ctx, t0, exp)
	must(t, "ExpiringIndexed", err)
	if len(rs) != 1 || rs[0].Customer != "cust-a" || rs[0].Name != "张三" || rs[0].Resource.ID != "ecs-1" || rs[0].Resource.Desc != "web · s6.large.2" {
		t.Errorf("ExpiringIndexed = %+v, want the main resource ecs-1 only", rs)
	}
	if rs, _ := e.b.ExpiringIndexed(e.ctx, t0, exp.Add(-time.Nanosecond)); len(rs) != 0 {
		t.Errorf("ExpiringIndexed up to just before the expiry = %+v", rs)
	}

	e.commitIndex(t, store.ExpiryIndexUpdate{Retry: []string{"cust-a", "cust-new"}, Delete: []string{"cust-b"}})
	sums, err := e.b.ExpiryCustomers(e.ctx)
	must(t, "ExpiryCustomers", err)
	if len(sums) != 2 || !sums["cust-a"].Retry || !sums["cust-a"].Refreshed.Equal(t0) || !sums["cust-new"].Retry || !sums["cust-new"].Refreshed.IsZero() {
		t.Fatalf("summaries %+v", sums)
	}
	if got, _ := e.b.IndexedCustomers(e.ctx, []string{"cust-a", "cust-b"}); len(got["cust-a"].Resources) != 2 || len(got) != 1 {
		t.Errorf("a retry changed the entry or the delete kept one: %+v", got)
	}

	t1 := t0.Add(24 * time.Hour)
	moved := exp.Add(365 * 24 * time.Hour)
	a.Refreshed, a.Resources = t1, []store.IndexedResource{{ID: "ecs-1", Main: true, Status: 2, Expiry: moved, Confirmed: t1}}
	e.commitIndex(t, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{a}})
	sums, _ = e.b.ExpiryCustomers(e.ctx)
	if sums["cust-a"].Retry || !sums["cust-a"].Refreshed.Equal(t1) {
		t.Errorf("a put did not clear the retry: %+v", sums["cust-a"])
	}
	if rs, _ := e.b.ExpiringIndexed(e.ctx, t0, exp); len(rs) != 0 {
		t.Errorf("the renewed resource is still listed at its old expiry: %+v", rs)
	}
	if rs, _ := e.b.ExpiringIndexed(e.ctx, moved, moved); len(rs) != 1 {
		t.Errorf("the renewed resource is not listed at its new expiry: %+v", rs)
	}
	if st, ok, err := e.b.ExpiryScanState(e.ctx); !ok || err != nil || st != state {
		t.Errorf("state %+v, %t, %v; want %+v", st, ok, err, state)
	}

	for _, u := range []store.ExpiryIndexUpdate{
		{Put: []store.IndexedCustomer{{ID: ""}}, State: &store.ExpiryScanState{At: t1}},
		{Delete: []string{strings.Repeat("x", 40000)}, State: &store.ExpiryScanState{At: t1}},
		{Retry: []string{""}, State: &store.ExpiryScanState{At: t1}},
	} {
		if err := e.b.CommitExpiryIndex(e.ctx, u); err == nil {
			t.Errorf("accepted %+v", u)
		}
	}
	if st, _, _ := e.b.ExpiryScanState(e.ctx); !st.At.Equal(t0) {
		t.Errorf("a refused batch wrote the state: %+v", st)
	}
}

// testExpiryIndexLaterListing: a put listed before the entry the index holds (a scan's batch
// that listed a customer before an approved renewal, committed after the refresh that followed
// it) is dropped; one listed at the same time or later replaces it. (Store's
// TestExpiryIndexKeepsTheLaterListing, through the contract.)
func testExpiryIndexLaterListing(t *testing.T, e *env) {
	t0 := e.now()
	old, renewed := t0.Add(3*24*time.Hour), t0.Add(400*24*time.Hour)
	entry := func(at, expiry time.Time) store.IndexedCustomer {
		return store.IndexedCustomer{ID: "cust-a", Refreshed: at, Resources: []store.IndexedResource{
			{ID: "ecs-1", Main: true, Status: 2, Expiry: expiry, Confirmed: at}}}
	}
	commit := func(c store.IndexedCustomer) {
		t.Helper()
		e.commitIndex(t, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{c}})
	}
	expiry := func() time.Time {
		t.Helper()
		got, err := e.b.IndexedCustomers(e.ctx, []string{"cust-a"})
		must(t, "IndexedCustomers", err)
		return got["cust-a"].Resources[0].Expiry
	}
	expiring := func() int {
		t.Helper()
		rs, err := e.b.ExpiringIndexed(e.ctx, t0, t0.Add(30*24*time.Hour))
		must(t, "ExpiringIndexed", err)
		return len(rs)
	}
	commit(entry(t0.Add(time.Minute), renewed)) // the refresh after the renewal
	commit(entry(t0, old))                      // the scan's batch, listed before it
	if got := expiry(); !got.Equal(renewed) || expiring() != 0 {
		t.Errorf("an older listing replaced the refresh: expiry %v, %d expiring within 30 days", got, expiring())
	}
	if sums, _ := e.b.ExpiryCustomers(e.ctx); !sums["cust-a"].Refreshed.Equal(t0.Add(time.Minute)) {
		t.Errorf("the dropped listing's time was kept: %+v", sums["cust-a"])
	}
	commit(entry(t0.Add(time.Minute), old)) // listed at the same time: the later commit stands
	if got := expiry(); !got.Equal(old) || expiring() != 1 {
		t.Errorf("a listing as recent as the held one was dropped: expiry %v, %d expiring", got, expiring())
	}
	commit(entry(t0.Add(2*time.Minute), renewed))
	if got := expiry(); !got.Equal(renewed) || expiring() != 0 {
		t.Errorf("a later listing was dropped: expiry %v", got)
	}
}

// largeBatch is the customers of the large-batch case: a scan's batch of a big partner, each
// with a main and an attached resource.
const largeBatch = 2000

// testExpiryIndexLargeBatch: many customers in one commit all land, with their by-time entries
// in expiry order; a second commit replacing half and deleting the rest leaves exactly that.
func testExpiryIndexLargeBatch(t *testing.T, e *env) {
	t0 := e.now()
	cust := func(i int, shift time.Duration) store.IndexedCustomer {
		exp := t0.Add(time.Duration(i%30+1)*24*time.Hour + time.Duration(i)*time.Second + shift)
		id := fmt.Sprintf("cust-%05d", i)
		return store.IndexedCustomer{ID: id, Name: "客户 " + id, Refreshed: t0.Add(shift), Resources: []store.IndexedResource{
			{ID: id + "-ecs", Main: true, Status: 2, Expiry: exp, Confirmed: t0},
			{ID: id + "-evs", Parent: id + "-ecs", Status: 2, Expiry: exp, Confirmed: t0},
		}}
	}
	var put []store.IndexedCustomer
	for i := range largeBatch {
		put = append(put, cust((i*7919)%largeBatch, 0)) // not in key order
	}
	state := store.ExpiryScanState{At: t0, FullAt: t0, Customers: largeBatch}
	e.commitIndex(t, store.ExpiryIndexUpdate{Put: put, State: &state})

	sums, err := e.b.ExpiryCustomers(e.ctx)
	must(t, "ExpiryCustomers", err)
	if len(sums) != largeBatch {
		t.Fatalf("%d customers indexed, want %d", len(sums), largeBatch)
	}
	window := func() []store.TimedResource {
		t.Helper()
		rs, err := e.b.ExpiringIndexed(e.ctx, t0, t0.Add(60*24*time.Hour))
		must(t, "ExpiringIndexed", err)
		return rs
	}
	rs := window()
	if len(rs) != largeBatch {
		t.Fatalf("%d main resources expiring, want %d", len(rs), largeBatch)
	}
	if !slices.IsSortedFunc(rs, func(a, b store.TimedResource) int { return a.Resource.Expiry.Compare(b.Resource.Expiry) }) {
		t.Error("ExpiringIndexed is not in expiry order")
	}

	// The next scan: the even customers listed again a day later (expiries a year on), the odd
	// ones gone out of scope.
	var next []store.IndexedCustomer
	var gone []string
	for i := range largeBatch {
		if i%2 == 0 {
			next = append(next, cust(i, 365*24*time.Hour))
		} else {
			gone = append(gone, fmt.Sprintf("cust-%05d", i))
		}
	}
	e.commitIndex(t, store.ExpiryIndexUpdate{Put: next, Delete: gone})
	sums, _ = e.b.ExpiryCustomers(e.ctx)
	if len(sums) != largeBatch/2 {
		t.Errorf("%d customers after the second batch, want %d", len(sums), largeBatch/2)
	}
	if rs := window(); len(rs) != 0 {
		t.Errorf("%d resources still listed at their old expiry", len(rs))
	}
	all, err := e.b.ExpiringIndexed(e.ctx, t0, t0.Add(800*24*time.Hour))
	must(t, "ExpiringIndexed", err)
	if len(all) != largeBatch/2 {
		t.Errorf("%d resources listed at their new expiry, want %d", len(all), largeBatch/2)
	}
	got, err := e.b.IndexedCustomers(e.ctx, []string{"cust-00000", "cust-00001"})
	must(t, "IndexedCustomers", err)
	if len(got) != 1 || len(got["cust-00000"].Resources) != 2 {
		t.Errorf("IndexedCustomers after the second batch: %+v", got)
	}
}

// testBalanceCache: a commit replaces the cache with its puts and keeps only the entries named
// in Keep; ok is false before the first.
func testBalanceCache(t *testing.T, e *env) {
	if _, bs, ok, err := e.b.BalanceCache(e.ctx); ok || err != nil || len(bs) != 0 {
		t.Fatalf("before any scan: %v %t %v", bs, ok, err)
	}
	bal := func(id, amount string) store.CachedBalance {
		return store.CachedBalance{CustomerID: id, Name: "客户 " + id, Amount: amount, Debt: "0.00", Currency: "CNY", MeasureID: 1}
	}
	st := store.BalanceCacheState{At: e.now(), Customers: 3}
	if err := e.b.CommitBalanceCache(e.ctx, store.BalanceCacheUpdate{State: st, Put: []store.CachedBalance{bal("c-3", "3.00"), bal("c-1", "1.00"), bal("c-2", "2.00")}}); err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(time.Hour)
	st2 := store.BalanceCacheState{At: e.now(), Customers: 3}
	if err := e.b.CommitBalanceCache(e.ctx, store.BalanceCacheUpdate{State: st2, Put: []store.CachedBalance{bal("c-1", "-5.10"), bal("c-4", "4.00")}, Keep: []string{"c-2"}}); err != nil {
		t.Fatal(err)
	}
	gotSt, bs, ok, err := e.b.BalanceCache(e.ctx)
	if err != nil || !ok || gotSt != st2 {
		t.Fatalf("BalanceCache state %+v %t %v, want %+v", gotSt, ok, err, st2)
	}
	have := map[string]string{}
	for _, b := range bs {
		have[b.CustomerID] = b.Amount
	}
	if len(have) != 3 || have["c-1"] != "-5.10" || have["c-2"] != "2.00" || have["c-4"] != "4.00" {
		t.Errorf("cache %v, want c-1 -5.10 (put), c-2 2.00 (kept), c-4 4.00 and not c-3", have)
	}
	if err := e.b.CommitBalanceCache(e.ctx, store.BalanceCacheUpdate{State: st, Put: []store.CachedBalance{{CustomerID: ""}}}); err == nil {
		t.Error("a balance without a customer was accepted")
	}
}
