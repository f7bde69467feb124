package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// RunCopy checks that a store moves between two backends whole: a store filled through the
// contract (Fill) is exported from one, imported into an empty other, and both export the same
// records; the copy reads as the original does, its ids continue after the copied ones; and a
// copy back into a fresh first backend equals the original too. from and to may be the same
// backend. Their stores must implement store.Portable.
func RunCopy(t *testing.T, from, to Opener) {
	t.Helper()
	t.Run("RoundTrip", func(t *testing.T) { testCopyRoundTrip(t, from, to) })
	t.Run("ImportRefusesBadRecords", func(t *testing.T) { testImportRefuses(t, to) })
}

func portable(t *testing.T, b store.Backend) store.Portable {
	t.Helper()
	p, ok := b.(store.Portable)
	if !ok {
		t.Fatalf("%T does not implement store.Portable", b)
	}
	return p
}

// Filled is what Fill wrote, for checking a copy.
type Filled struct {
	Approvals []uint64 // one per state: pending, approved, executing, succeeded, rejected, cancelled, expired
	Parked    uint64   // a parked notice
	Resources int      // main resources in the expiry index
}

// Fill writes a bit of everything the bot keeps into b through the contract: approvals in each
// state with their audit and notices, notices queued, delivered, retried and parked, the alert
// ledger, subscriptions, a snooze, quiet hours, preferences and names, owners, buttons, inbound
// ids, an expiry index of resources main resources (over several customers) with its scan
// state, a balance cache, and the forecast with its renewal quotes and a budget. clk is b's
// clock; Fill moves it forward.
func Fill(t *testing.T, b store.Backend, clk *fakeclock.Clock, resources int) Filled {
	t.Helper()
	e := &env{ctx: context.Background(), b: b, clk: clk}
	var f Filled
	mk := func(subject string) store.Approval { return e.create(t, e.request(1, subject)) }

	pending := mk("ecs-pending")
	approved := mk("ecs-approved")
	_, err := b.Approve(e.ctx, approved.ID, approver(1), announce)
	must(t, "Approve", err)
	executing := mk("ecs-executing")
	_, err = b.Approve(e.ctx, executing.ID, approver(1), announce)
	must(t, "Approve", err)
	_, err = b.BeginExecution(e.ctx, executing.ID, approver(1), announce)
	must(t, "BeginExecution", err)
	succeeded := mk("ecs-done")
	_, err = b.Approve(e.ctx, succeeded.ID, approver(2), announce)
	must(t, "Approve", err)
	_, err = b.BeginExecution(e.ctx, succeeded.ID, approver(2), announce)
	must(t, "BeginExecution", err)
	_, err = b.FinishExecution(e.ctx, succeeded.ID, store.ApprovalResult{OK: true, OrderIDs: []string{"CS-1"}, Detail: "续费成功"}, announce)
	must(t, "FinishExecution", err)
	rejected := mk("ecs-rejected")
	_, err = b.Reject(e.ctx, rejected.ID, approver(3), "not now", announce)
	must(t, "Reject", err)
	cancelled := mk("ecs-cancelled")
	_, err = b.Cancel(e.ctx, cancelled.ID, requester, announce)
	must(t, "Cancel", err)
	expiring := e.request(1, "ecs-expired")
	expiring.ExpiresAt = e.now().Add(time.Minute)
	expired := e.create(t, expiring)
	clk.Advance(2 * time.Minute)
	_, err = b.ExpireDue(e.ctx, announce)
	must(t, "ExpireDue", err)
	f.Approvals = []uint64{pending.ID, approved.ID, executing.ID, succeeded.ID, rejected.ID, cancelled.ID, expired.ID}

	// The outbox: the approvals' notices wait; one delivered (its dedupe key kept), one
	// retried, one parked.
	var ns []store.Notice
	for i, text := range []string{"delivered", "retried", "parked"} {
		n := slackNotice(fmt.Sprintf("C%d", i+1), "alert", text)
		n.DedupeKey = "fill|" + text
		ns = append(ns, n)
	}
	e.enqueue(t, ns...)
	due := e.due(t)
	byText := map[string]uint64{}
	for _, n := range due {
		var text string
		_ = json.Unmarshal(n.Body, &text)
		byText[text] = n.ID
	}
	must(t, "AckNotice", b.AckNotice(e.ctx, byText["delivered"]))
	must(t, "RetryNotice", b.RetryNotice(e.ctx, byText["retried"], e.now().Add(time.Minute), "timeout"))
	must(t, "ParkNotice", b.ParkNotice(e.ctx, byText["parked"], "channel_not_found"))
	f.Parked = byText["parked"]

	ledger := map[string]json.RawMessage{"exp|slack:C1|r-42": json.RawMessage(`{"at":"2026-11-18T02:30:00Z","days":7}`)}
	must(t, "CommitAlerts", b.CommitAlerts(e.ctx, ledger, nil, []store.Notice{slackNotice("C1", "expiry", "r-42 expires in 7 days")}))
	_, err = b.AddSubscription(e.ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry", Scope: "*", Days: []int{7, 30}, CreatedBy: requester})
	must(t, "AddSubscription", err)
	must(t, "SyncConfigSubscriptions", b.SyncConfigSubscriptions(e.ctx, []store.Subscription{{Platform: "telegram", Channel: "-100", Kind: "arrears", Scope: "label:vip"}}))
	must(t, "Snooze", b.Snooze(e.ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: "r-42", Until: e.now().Add(48 * time.Hour), By: requester}))
	must(t, "SetQuietHours", b.SetQuietHours(e.ctx, "slack", "C1", &store.QuietHours{Start: "22:00", End: "08:00"}, requester))
	must(t, "SetPrefs", b.SetPrefs(e.ctx, "slack:UREQ", store.Prefs{Lang: "en", TimeZone: "Europe/Paris"}))
	must(t, "SetChannelPrefs", b.SetChannelPrefs(e.ctx, "slack", "C1", store.Prefs{Lang: "zh"}))
	must(t, "RememberName", b.RememberName(e.ctx, "slack:UAPP01", "Alice Li (@alice)"))
	must(t, "RememberOwners", b.RememberOwners(e.ctx, map[string]string{"ecs-pending": "cust-7", "r-42": "cust-9"}))
	_, err = b.SaveButtons(e.ctx, []store.Button{{Platform: "telegram", Command: "/approve 1", Label: "Approve", Decides: true}}, time.Hour)
	must(t, "SaveButtons", err)
	_, err = b.FirstDeliveries(e.ctx, "telegram", []string{"1001", "1002"}, time.Hour)
	must(t, "FirstDeliveries", err)

	// The expiry index: customers of up to 50 resources each, every other one a main resource
	// with a child, expiring over the coming months.
	var cs []store.IndexedCustomer
	for i := 0; f.Resources < resources; i++ {
		c := store.IndexedCustomer{ID: fmt.Sprintf("cust-%03d", i), Name: fmt.Sprintf("客户 %d", i), Account: fmt.Sprintf("acct%d", i), Refreshed: e.now()}
		for j := 0; j < 50 && f.Resources < resources; j++ {
			exp := e.now().Add(time.Duration(1+(i*50+j)%180) * 24 * time.Hour)
			id := fmt.Sprintf("ecs-%03d-%02d", i, j)
			c.Resources = append(c.Resources,
				store.IndexedResource{ID: id, Main: true, Status: 2, Expiry: exp, Policy: 3, Confirmed: e.now(), Desc: "web · s6.large.2"},
				store.IndexedResource{ID: "evs-" + id[4:], Parent: id, Status: 2, Expiry: exp, Confirmed: e.now()})
			f.Resources++
		}
		cs = append(cs, c)
	}
	state := store.ExpiryScanState{At: e.now(), FullAt: e.now(), Customers: len(cs)}
	for from := 0; from < len(cs); from += 8 {
		u := store.ExpiryIndexUpdate{Put: cs[from:min(from+8, len(cs))]}
		if from+8 >= len(cs) {
			u.State, u.Retry = &state, []string{cs[0].ID}
		}
		e.commitIndex(t, u)
	}
	bal := func(id, amount string) store.CachedBalance {
		return store.CachedBalance{CustomerID: id, Name: "客户 " + id, Amount: amount, Debt: "0.00", Currency: "CNY", MeasureID: 1}
	}
	must(t, "CommitBalanceCache", b.CommitBalanceCache(e.ctx, store.BalanceCacheUpdate{State: store.BalanceCacheState{At: e.now(), Customers: 2},
		Put: []store.CachedBalance{bal("cust-001", "-12.50"), bal("cust-002", "800.00")}}))
	clk.Advance(time.Minute)
	must(t, "CommitBalanceCache", b.CommitBalanceCache(e.ctx, store.BalanceCacheUpdate{State: store.BalanceCacheState{At: e.now(), Customers: 2},
		Put: []store.CachedBalance{bal("cust-001", "-13.50")}, Keep: []string{"cust-002"}}))

	// The forecast (larger than one etcd Txn), the quotes it used (two customers, one a prefix
	// of the other's id) and a budget.
	must(t, "PutForecast", b.PutForecast(e.ctx, store.StoredForecast{At: e.now(), Customers: len(cs),
		Body: ForecastBody(5000, "copy")})) // 1.7 MiB: more than one etcd Txn
	quote := func(res, amount string) store.CachedQuote {
		return store.CachedQuote{ResourceID: res, Period: "1m", Amount: amount, Currency: "CNY", At: e.now()}
	}
	must(t, "PutQuotes", b.PutQuotes(e.ctx, "cust-001", []store.CachedQuote{quote("ecs-001-00", "432.10"), quote("ecs-001-01", "10")}))
	must(t, "PutQuotes", b.PutQuotes(e.ctx, "cust-0010", []store.CachedQuote{quote("ecs-0010-00", "99")}))
	must(t, "SetBudget", b.SetBudget(e.ctx, store.Budget{CustomerID: "cust-002", Name: "客户 2", Amount: "5000", By: "slack:UREQ", At: e.now()}))
	return f
}

// summarize exports p, failing the test on an error.
func summarize(t *testing.T, p store.Portable) *store.Summary {
	t.Helper()
	s, err := store.Summarize(context.Background(), p)
	if err != nil {
		t.Fatalf("Summarize: %v", err)
	}
	return s
}

// copyInto copies from into to in batches of batch records, after checking to is empty.
func copyInto(t *testing.T, from, to store.Portable, batch int) {
	t.Helper()
	ctx := context.Background()
	if err := store.NotEmpty(ctx, to); err != nil {
		t.Fatalf("destination: %v", err)
	}
	if _, err := store.Copy(ctx, from, to, batch); err != nil {
		t.Fatalf("Copy: %v", err)
	}
}

func testCopyRoundTrip(t *testing.T, openFrom, openTo Opener) {
	ctx := context.Background()
	clk := fakeclock.New(Epoch)
	src := openFrom(t, clk.Now)
	filled := Fill(t, src, clk, 300)
	want := summarize(t, portable(t, src))
	for _, table := range []string{"meta", "seq", "audit", "prefs", "approvals", "approvals_open", "approvals_subjects", "outbox",
		"outbox_keys", "outbox_sent", "owners", "subscriptions", "snoozes", "quiet_hours", "ledger", "buttons", "buttons_expiry",
		"expiry_index", "expiry_customers", "expiry_scan", "expiry_by_time", "balance_cache", "balance_scan",
		"inbound_deliveries", "inbound_expiry", "forecast", "quote_cache", "budgets"} {
		if want.Tables[table].Records == 0 {
			t.Errorf("Fill left table %s empty: the copy of it is not tested", table)
		}
	}
	if n := want.Tables["expiry_by_time"].Records; n != filled.Resources {
		t.Errorf("%d expiry_by_time records, want one per main resource (%d)", n, filled.Resources)
	}
	if err := store.NotEmpty(ctx, portable(t, src)); !errors.Is(err, store.ErrNotEmpty) {
		t.Errorf("NotEmpty(filled store) = %v, want ErrNotEmpty", err)
	}

	dst := openTo(t, clk.Now)
	copyInto(t, portable(t, src), portable(t, dst), 37) // batches that split tables
	got := summarize(t, portable(t, dst))
	if err := want.Diff(got, 10); err != nil {
		t.Fatalf("the copy differs: %v", err)
	}

	// The copy reads as the original.
	for _, id := range filled.Approvals {
		wa, err := src.Approval(ctx, id)
		must(t, "Approval (source)", err)
		ga, err := dst.Approval(ctx, id)
		must(t, "Approval (copy)", err)
		if !reflect.DeepEqual(normal(wa), normal(ga)) {
			t.Errorf("approval #%d: copy %+v, original %+v", id, ga, wa)
		}
	}
	for _, q := range []struct {
		name string
		read func(b store.Backend) (any, error)
	}{
		{"RecentAudit", func(b store.Backend) (any, error) {
			return b.RecentAudit(ctx, store.MaxAuditLimit, store.AuditFilter{})
		}},
		{"ParkedNotices", func(b store.Backend) (any, error) { return b.ParkedNotices(ctx) }},
		{"DueNotices", func(b store.Backend) (any, error) { return b.DueNotices(ctx, clk.Now().Add(time.Hour), 0) }},
		{"OutboxStats", func(b store.Backend) (any, error) { return b.OutboxStats(ctx) }},
		{"ApprovalCounts", func(b store.Backend) (any, error) { return b.ApprovalCounts(ctx) }},
		{"Subscriptions", func(b store.Backend) (any, error) { return b.Subscriptions(ctx, "", "") }},
		{"Snoozes", func(b store.Backend) (any, error) { return b.Snoozes(ctx, "slack", "C1") }},
		{"QuietHours", func(b store.Backend) (any, error) { return b.QuietHours(ctx, "slack", "C1") }},
		{"Names", func(b store.Backend) (any, error) { return b.Names(ctx) }},
		{"LedgerPrefix", func(b store.Backend) (any, error) { return b.LedgerPrefix(ctx, "exp|") }},
		{"ExpiryScanState", func(b store.Backend) (any, error) { st, _, err := b.ExpiryScanState(ctx); return st, err }},
		{"ExpiryCustomers", func(b store.Backend) (any, error) { return b.ExpiryCustomers(ctx) }},
		{"ExpiringIndexed", func(b store.Backend) (any, error) {
			return b.ExpiringIndexed(ctx, clk.Now(), clk.Now().Add(60*24*time.Hour))
		}},
		{"BalanceCache", func(b store.Backend) (any, error) {
			st, bs, _, err := b.BalanceCache(ctx)
			return fmt.Sprint(st, bs), err
		}},
		{"Forecast", func(b store.Backend) (any, error) {
			f, ok, err := b.Forecast(ctx)
			return fmt.Sprint(f.At.UTC(), f.Customers, string(f.Body), ok), err
		}},
		{"Quotes", func(b store.Backend) (any, error) {
			return b.Quotes(ctx, []string{"cust-001", "cust-0010", "cust-002"})
		}},
		{"Budgets", func(b store.Backend) (any, error) { return b.Budgets(ctx) }},
	} {
		w, err := q.read(src)
		must(t, q.name+" (source)", err)
		g, err := q.read(dst)
		must(t, q.name+" (copy)", err)
		if fmt.Sprint(w) != fmt.Sprint(g) {
			t.Errorf("%s: copy\n%v\noriginal\n%v", q.name, g, w)
		}
	}
	// A duplicate of an open request is refused on the copy: approvals_subjects came along.
	_, err := dst.CreateApproval(ctx, (&env{ctx: ctx, b: dst, clk: clk}).request(1, "ecs-pending"), announce)
	wantErr(t, "CreateApproval(duplicate of an open request, on the copy)", err, store.ErrDuplicate)
	// The inbound ids came along: a repeat is not a first delivery.
	first, err := dst.FirstDeliveries(ctx, "telegram", []string{"1001", "1003"}, time.Hour)
	must(t, "FirstDeliveries (copy)", err)
	if !slices.Equal(first, []bool{false, true}) {
		t.Errorf("FirstDeliveries on the copy = %v, want [false true]", first)
	}

	// Ids continue after the copied ones, on both sides alike.
	next, err := dst.CreateApproval(ctx, (&env{ctx: ctx, b: dst, clk: clk}).request(1, "ecs-new"), announce)
	must(t, "CreateApproval (copy)", err)
	if last := slices.Max(filled.Approvals); next.ID != last+1 {
		t.Errorf("a new approval on the copy got #%d, want #%d", next.ID, last+1)
	}

	// And back, into a fresh store of the first kind: the same records as the original, but
	// for what was just added.
	back := openFrom(t, clk.Now)
	after := summarize(t, portable(t, dst))
	copyInto(t, portable(t, dst), portable(t, back), 1000)
	if err := after.Diff(summarize(t, portable(t, back)), 10); err != nil {
		t.Errorf("the copy back differs: %v", err)
	}
}

// normal is a without what its JSON does not keep exactly (monotonic clock readings).
func normal(a store.Approval) string {
	raw, _ := json.Marshal(a)
	return string(raw)
}

// testImportRefuses: a record of no known table, an id that is not one, a counter of no table
// and a schema version other than this one are refused.
func testImportRefuses(t *testing.T, open Opener) {
	clk := fakeclock.New(Epoch)
	p := portable(t, open(t, clk.Now))
	for _, r := range []store.Record{
		{Table: "nonsense", Key: "k", Value: []byte("{}")},
		{Table: "approvals", Key: "7", Value: []byte("{}")},
		{Table: "outbox_sent", Key: "123/key"},
		{Table: "approvals_subjects", Key: "5:renew"},
		{Table: "seq", Key: "prefs", Value: []byte("3")},
		{Table: "meta", Key: "schema_version", Value: []byte(fmt.Sprint(store.CurrentSchemaVersion + 1))},
		{Table: "inbound_deliveries", Key: "telegram\x001", Value: []byte("soon")},
	} {
		if err := p.Import(context.Background(), []store.Record{r}); err == nil {
			t.Errorf("Import(%s/%q) accepted", r.Table, r.Key)
		}
	}
	if err := store.NotEmpty(context.Background(), p); err != nil {
		t.Errorf("a refused import wrote: %v", err)
	}
}
