package alerts_test

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

// twin is one sandbox (testenv's) scanned by two scanners, each with its own store: one makes
// a full scan every time, the other keeps the expiry index (in testenv's store) and scans deltas.
type twin struct {
	*testenv.Env
	t                   *testing.T
	full, delta         *store.Store
	fullScan, deltaScan *alerts.Scanner
}

// day0 is 09:00 in Shanghai, when the daily scan runs.
var day0 = time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)

func newTwin(t *testing.T, tweak func(*alerts.Options)) *twin {
	t.Helper()
	w := &twin{t: t, Env: testenv.New(t, testenv.Options{Clock: fakeclock.New(day0),
		Sandbox: bsstest.Options{Data: bsstest.Demo(day0, 1)}})}
	full, err := store.Open(filepath.Join(t.TempDir(), "full.db"), store.Options{Now: w.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { full.Close() })
	w.full, w.delta = full, w.Store
	// Digests in full (no summary), so that full and delta scans compare resource by resource.
	opts := alerts.Options{Now: w.Clock.Now, Concurrency: 4, Location: time.UTC, DigestScreen: -1}
	w.fullScan = alerts.New(w.Client, w.full, opts)
	opts.Delta = true
	if tweak != nil {
		tweak(&opts)
	}
	w.deltaScan = alerts.New(w.Client, w.delta, opts)
	return w
}

func (w *twin) stores() []*store.Store { return []*store.Store{w.full, w.delta} }

func (w *twin) subscribe(channel, kind, scope string, days ...int) {
	w.t.Helper()
	platform, ch, _ := strings.Cut(channel, ":")
	for _, st := range w.stores() {
		if _, err := st.AddSubscription(context.Background(), store.Subscription{Platform: platform, Channel: ch, Kind: kind,
			Scope: scope, Days: days, CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
			w.t.Fatal(err)
		}
	}
}

// digests takes every notice out of a store's outbox: per channel, the rendered texts, sorted.
func (w *twin) digests(st *store.Store) map[string][]string {
	w.t.Helper()
	ctx := context.Background()
	ns, err := st.DueNotices(ctx, w.Clock.Now().Add(365*24*time.Hour), 10000)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, n := range ns {
		out[n.Platform+":"+n.Channel] = append(out[n.Platform+":"+n.Channel], text(n))
		if err := st.AckNotice(ctx, n.ID); err != nil {
			w.t.Fatal(err)
		}
	}
	for _, v := range out {
		slices.Sort(v)
	}
	return out
}

// scanBoth runs both scans and checks that they sent exactly the same notices and found the
// same; it returns the delta scan's summary.
func (w *twin) scanBoth(day int) (full, delta alerts.Summary) {
	w.t.Helper()
	ctx := context.Background()
	var err error
	if full, err = w.fullScan.Scan(ctx, alerts.KindExpiry); err != nil {
		w.t.Fatalf("day %d: full scan: %v", day, err)
	}
	if delta, err = w.deltaScan.Scan(ctx, alerts.KindExpiry); err != nil {
		w.t.Fatalf("day %d: delta scan: %v", day, err)
	}
	a, b := w.digests(w.full), w.digests(w.delta)
	for ch, want := range a {
		if got := b[ch]; !slices.Equal(got, want) {
			w.t.Errorf("day %d, %s: the delta scan sent\n%s\n--- a full scan sent ---\n%s", day, ch, strings.Join(got, "\n~~~\n"), strings.Join(want, "\n~~~\n"))
		}
	}
	for ch, got := range b {
		if _, ok := a[ch]; !ok {
			w.t.Errorf("day %d, %s: the delta scan alone sent\n%s", day, ch, strings.Join(got, "\n~~~\n"))
		}
	}
	if full.Customers != delta.Customers || full.Found != delta.Found || full.Alerted != delta.Alerted ||
		full.Notices != delta.Notices || len(full.Failed)+len(delta.Failed) != 0 {
		w.t.Errorf("day %d: full scan %+v\ndelta scan %+v", day, full, delta)
	}
	return full, delta
}

// mainResource finds a main resource in use expiring between from and to days from now, with
// auto-renew on or off as asked, not in skip; the first by id, so that the test is the same
// every run.
func (w *twin) mainResource(from, to int, autoRenew bool, skip map[string]bool) bsstest.Resource {
	w.t.Helper()
	now := w.Clock.Now()
	var found []bsstest.Resource
	for _, c := range w.Srv.Customers() {
		for _, r := range w.Srv.Resources(c.ID) {
			if r.IsMain && r.Status == 2 && (r.ExpirePolicy == 3) == autoRenew && !skip[r.ResourceID] && !skip[c.ID] &&
				r.ExpireTime.After(now.Add(time.Duration(from)*24*time.Hour)) && r.ExpireTime.Before(now.Add(time.Duration(to)*24*time.Hour)) {
				found = append(found, r)
			}
		}
	}
	if len(found) == 0 {
		w.t.Fatalf("no main resource expiring in %d–%d days with auto-renew %v", from, to, autoRenew)
	}
	slices.SortFunc(found, func(a, b bsstest.Resource) int { return strings.Compare(a.ResourceID, b.ResourceID) })
	return found[0]
}

func (w *twin) ref(customerID string) bss.CustomerRef {
	c, ok := w.Srv.Customer(customerID)
	if !ok {
		w.t.Fatalf("no customer %s", customerID)
	}
	return bss.CustomerRef{ID: c.ID, AccountName: c.AccountName, XAccountType: c.XAccountType}
}

// TestDeltaScanSendsWhatAFullScanSends drives the sandbox through a month of business — new
// customers, purchases, renewals inside and outside the alert window, a renewal paid days
// after it was ordered, auto-renew switched both ways, unsubscriptions, a customer leaving,
// BSS's own auto-renewals, a snooze, a new subscription, and a random 5 % of customers doing
// something every day — and checks, day by day, that the delta scan sends exactly the notices
// a full scan sends, while asking BSS about fewer customers. The sandbox implements the order
// list's method as the SDK defines it (bss-api.md Corrections, "Order list method": sub_customer =
// orders paid for enterprise sub-accounts), so a delta scan asking with method=sub_customer
// misses the purchases and fails here.
func TestDeltaScanSendsWhatAFullScanSends(t *testing.T) {
	w := newTwin(t, func(o *alerts.Options) { o.FullRefresh = 10 * 24 * time.Hour })
	ctx := context.Background()
	zs := w.Srv.Customers()[len(w.Srv.Customers())-1] // any; replaced below by zhangsan
	for _, c := range w.Srv.Customers() {
		if c.AccountName == "zhangsan" {
			zs = c
		}
	}
	w.subscribe("slack:C1", "expiry", "*")
	w.subscribe("slack:C2", "all", "label:vip", 7, 1)
	w.subscribe("slack:C3", "expiry", zs.ID, 15, 3)

	var (
		fullQueries, deltaQueries int
		asked                     alerts.Requeried
		skip                      = map[string]bool{} // resources and customers a scripted event used
		pending                   string              // a renewal order waiting for payment
	)
	_, d := w.scanBoth(0)
	if d.Mode != alerts.ModeFull {
		t.Fatalf("the first scan with the index is %q, want full", d.Mode)
	}
	rich := func(customerID string) { w.Srv.SetBalance(customerID, "100000", "0") }
	for day := 1; day <= 30; day++ {
		w.Clock.Set(day0.Add(time.Duration(day-1)*24*time.Hour + 2*time.Hour)) // business hours
		switch day {
		case 1: // a new customer buys a month; 张三 buys an RDS for a month
			cu := w.Srv.AddCustomer(bsstest.Customer{Name: "新来的公司", Label: "vip", Balance: bsstest.MustMoney("5000")})
			if _, _, err := w.Srv.Buy(cu.ID, bsstest.Purchase{Kind: "ecs", Attached: 1, Months: 1}); err != nil {
				t.Fatal(err)
			}
			if _, _, err := w.Srv.Buy(zs.ID, bsstest.Purchase{Kind: "rds", Months: 1}); err != nil {
				t.Fatal(err)
			}
		case 2: // a renewal inside the window, through the API as the bot's /renew does
			r := w.mainResource(2, 6, false, skip)
			skip[r.ResourceID], skip[r.CustomerID] = true, true
			rich(r.CustomerID)
			if _, err := w.Client.Renew(ctx, w.ref(r.CustomerID), bss.RenewRequest{ResourceIDs: []string{r.ResourceID},
				Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, AutoPay: true}); err != nil {
				t.Fatal(err)
			}
		case 3: // a renewal far outside the window
			r := w.mainResource(100, 300, false, skip)
			skip[r.ResourceID] = true
			rich(r.CustomerID)
			if _, err := w.Srv.Renew(r.ResourceID, 12, true); err != nil {
				t.Fatal(err)
			}
		case 4: // a renewal ordered now, paid on day 8
			r := w.mainResource(10, 14, false, skip)
			skip[r.ResourceID], skip[r.CustomerID] = true, true
			var err error
			if pending, err = w.Srv.Renew(r.ResourceID, 1, false); err != nil {
				t.Fatal(err)
			}
		case 5: // auto-renew switched on, a week before it crosses the 7-day threshold
			r := w.mainResource(9, 16, false, skip)
			skip[r.ResourceID] = true
			if err := w.Client.EnableAutoRenew(ctx, w.ref(r.CustomerID), r.ResourceID, nil); err != nil {
				t.Fatal(err)
			}
		case 6: // auto-renew switched off, before the resource comes within 30 days
			r := w.mainResource(33, 50, true, skip)
			skip[r.ResourceID] = true
			if err := w.Client.DisableAutoRenew(ctx, w.ref(r.CustomerID), r.ResourceID); err != nil {
				t.Fatal(err)
			}
		case 7: // an alerted resource is unsubscribed
			r := w.mainResource(0, 7, false, skip)
			skip[r.ResourceID] = true
			if _, err := w.Client.Unsubscribe(ctx, w.ref(r.CustomerID), bss.UnsubscribeRequest{ResourceIDs: []string{r.ResourceID},
				Type: bss.UnsubscribeResource, ReasonType: 5, Reason: "project ended"}); err != nil {
				t.Fatal(err)
			}
		case 8:
			for _, o := range w.Srv.Orders("") {
				if o.ID == pending {
					rich(o.CustomerID)
				}
			}
			if err := w.Srv.PayOrder(pending); err != nil {
				t.Fatal(err)
			}
		case 9: // a customer with alerted resources leaves
			r := w.mainResource(0, 15, false, skip)
			if r.CustomerID == zs.ID || !w.Srv.RemoveCustomer(r.CustomerID) {
				t.Fatalf("cannot remove the customer of %+v", r)
			}
		case 10: // a customer snoozed in C1 for two days
			r := w.mainResource(0, 30, false, skip)
			for _, st := range w.stores() {
				if err := st.Snooze(ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: r.CustomerID,
					Until: w.Clock.Now().Add(47 * time.Hour), By: store.Actor{Platform: "slack", UserID: "U1"}}); err != nil {
					t.Fatal(err)
				}
			}
		case 12: // a new channel with a wider window
			w.subscribe("telegram:-100", "expiry", "*", 60, 45)
		}
		w.Srv.Churn(0.05, uint64(day))
		w.Clock.Set(day0.Add(time.Duration(day-1)*24*time.Hour + 18*time.Hour)) // 03:00 in Shanghai
		w.Srv.RunAutoRenewals()

		w.Clock.Set(day0.Add(time.Duration(day) * 24 * time.Hour))
		f, d := w.scanBoth(day)
		if d.Mode != alerts.ModeDelta {
			t.Errorf("day %d: a %q scan, want delta", day, d.Mode)
		}
		fullQueries += f.ResourceQueries
		deltaQueries += d.ResourceQueries
		asked.Orders += d.Requeried.Orders
		asked.New += d.Requeried.New
		asked.Thresholds += d.Requeried.Thresholds
		asked.Refresh += d.Requeried.Refresh
		t.Logf("day %2d: full %3d resource queries; delta %3d (orders %d, new %d, thresholds %d, refresh %d), %d calls of a full scan's %d, %d alerts",
			day, f.ResourceQueries, d.ResourceQueries, d.Requeried.Orders, d.Requeried.New, d.Requeried.Thresholds,
			d.Requeried.Refresh, d.Calls, d.FullCalls, d.Alerted)
	}
	if asked.Orders == 0 || asked.New == 0 || asked.Thresholds == 0 || asked.Refresh == 0 {
		t.Errorf("a reason to ask again was never exercised: %+v", asked)
	}
	if deltaQueries*2 > fullQueries {
		t.Errorf("the delta scans made %d resource queries, the full scans %d", deltaQueries, fullQueries)
	}
}

// TestDeltaScanAsks checks one delta scan's calls: the customer listing, the order list across
// customers by creation and by payment since the last scan less the overlap, and a resource
// query per customer it had a reason to ask about, no more.
func TestDeltaScanAsks(t *testing.T) {
	w := newTwin(t, nil)
	w.subscribe("slack:C1", "expiry", "*")
	w.scanBoth(0)
	w.Clock.Set(day0.Add(2 * time.Hour))
	cu := w.Srv.Customers()[10]
	if _, _, err := w.Srv.Buy(cu.ID, bsstest.Purchase{Kind: "obs", Months: 12}); err != nil {
		t.Fatal(err)
	}
	w.Clock.Set(day0.Add(24 * time.Hour))
	w.Srv.ResetCalls()
	sum, err := w.deltaScan.Scan(context.Background(), alerts.KindExpiry)
	if err != nil {
		t.Fatal(err)
	}
	var orders []url.Values
	resources := 0
	for _, c := range w.Srv.Calls() {
		switch c.Path {
		case "/v2/orders/customer-orders":
			q, _ := url.ParseQuery(c.RawQuery)
			orders = append(orders, q)
		case "/v2/orders/suscriptions/resources/query":
			resources++
		}
	}
	from := day0.Add(-time.Hour).Format(bss.TimeLayout)
	to := day0.Add(24 * time.Hour).Format(bss.TimeLayout)
	// bss-api.md Corrections, "Order list method": method=sub_customer lists only the orders a
	// customer paid for its enterprise sub-accounts; all customers' orders take neither
	// customer_id nor method.
	if len(orders) != 2 || orders[0].Has("method") || orders[1].Has("method") || orders[1].Has("customer_id") ||
		orders[0].Get("create_time_begin") != from || orders[0].Get("create_time_end") != to ||
		orders[1].Get("payment_time_begin") != from || orders[1].Get("payment_time_end") != to || orders[0].Get("customer_id") != "" {
		t.Errorf("order listings %v", orders)
	}
	if sum.Requeried.Orders < 1 || resources != sum.Requeried.Total() || sum.ResourceQueries != resources {
		t.Errorf("%d resource queries for %+v (summary says %d)", resources, sum.Requeried, sum.ResourceQueries)
	}
	if sum.Customers != 60 || sum.Requeried.Total() >= 30 || sum.Saved() <= 0 || sum.Calls+sum.Saved() != sum.FullCalls {
		t.Errorf("summary %+v, saved %d", sum, sum.Saved())
	}
	// The slice of the rotating refresh: a thirtieth of the customers a day.
	if sum.Requeried.Refresh < 1 || sum.Requeried.Refresh > 3 {
		t.Errorf("refreshed %d customers, want 60/30 = 2", sum.Requeried.Refresh)
	}
}

// TestDeltaScanRetriesAFailedCustomer: a customer whose query fails is reported, and asked
// about again at the next scan even with no reason of its own.
func TestDeltaScanRetriesAFailedCustomer(t *testing.T) {
	w := newTwin(t, nil)
	w.subscribe("slack:C1", "expiry", "*")
	w.scanBoth(0)
	w.Clock.Set(day0.Add(2 * time.Hour))
	cu := w.Srv.Customers()[20]
	if _, _, err := w.Srv.Buy(cu.ID, bsstest.Purchase{Kind: "ecs", Months: 1}); err != nil {
		t.Fatal(err)
	}
	w.Clock.Set(day0.Add(24 * time.Hour))
	// Only the one customer with an order is asked... and its query fails, twice.
	w.Srv.Inject("POST", "/v2/orders/suscriptions/resources/query", bsstest.Fault{Status: 500, Times: 1000})
	ctx := context.Background()
	sum, err := w.deltaScan.Scan(ctx, alerts.KindExpiry)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Failed) != sum.Requeried.Total() || !slices.Contains(sum.Failed, cu.Name) && !slices.ContainsFunc(sum.Failed, func(s string) bool { return strings.HasPrefix(s, cu.Name) }) {
		t.Fatalf("failed %v of %+v", sum.Failed, sum.Requeried)
	}
	w.Srv.ClearFaults()
	w.digests(w.delta)
	w.Clock.Set(day0.Add(24*time.Hour + time.Minute))
	again, err := w.deltaScan.Scan(ctx, alerts.KindExpiry)
	if err != nil {
		t.Fatal(err)
	}
	if again.Requeried.New < len(sum.Failed) || len(again.Failed) != 0 {
		t.Errorf("the next scan %+v", again)
	}
	// The new purchase expires within 30 days: it is alerted now that the customer answered.
	found := false
	for _, ns := range w.digests(w.delta) {
		for _, n := range ns {
			found = found || strings.Contains(n, cu.ID)
		}
	}
	if !found {
		t.Error("the purchase of the customer whose query failed was never alerted")
	}
}

// TestDeltaScanFullAfterALongPause: more than FullRefresh since the last scan (the bot was
// down) and the scan is a full one again.
func TestDeltaScanFullAfterALongPause(t *testing.T) {
	w := newTwin(t, func(o *alerts.Options) { o.FullRefresh = 5 * 24 * time.Hour })
	w.subscribe("slack:C1", "expiry", "*")
	w.scanBoth(0)
	for _, tc := range []struct {
		at   time.Duration
		want string
	}{{24 * time.Hour, alerts.ModeDelta}, {7 * 24 * time.Hour, alerts.ModeFull}, {8 * 24 * time.Hour, alerts.ModeDelta}} {
		w.Clock.Set(day0.Add(tc.at))
		_, d := w.scanBoth(int(tc.at / (24 * time.Hour)))
		if d.Mode != tc.want {
			t.Errorf("at +%v: %q scan, want %q", tc.at, d.Mode, tc.want)
		}
	}
}

func TestRequeriedTotal(t *testing.T) {
	r := alerts.Requeried{Orders: 1, New: 2, Thresholds: 3, Refresh: 4}
	if r.Total() != 10 {
		t.Error(fmt.Sprint(r.Total()))
	}
}

// TestDeltaScanOrderListFails: without the order list a delta scan cannot know whom to ask; it
// fails, commits nothing, and the next scan's order windows start where the failed one's did.
func TestDeltaScanOrderListFails(t *testing.T) {
	w := newTwin(t, nil)
	w.subscribe("slack:C1", "expiry", "*")
	w.scanBoth(0)
	w.Clock.Set(day0.Add(24 * time.Hour))
	w.Srv.Inject("GET", "/v2/orders/customer-orders", bsstest.Fault{Status: 500})
	ctx := context.Background()
	if _, err := w.deltaScan.Scan(ctx, alerts.KindExpiry); err == nil || !strings.Contains(err.Error(), "list orders") {
		t.Fatalf("err = %v", err)
	}
	if n := len(w.digests(w.delta)); n != 0 {
		t.Errorf("%d channels got notices from a failed scan", n)
	}
	w.Srv.ClearFaults()
	w.Srv.ResetCalls()
	w.Clock.Set(day0.Add(25 * time.Hour))
	if _, err := w.fullScan.Scan(ctx, alerts.KindExpiry); err != nil {
		t.Fatal(err)
	}
	w.Srv.ResetCalls()
	if _, err := w.deltaScan.Scan(ctx, alerts.KindExpiry); err != nil {
		t.Fatal(err)
	}
	for _, c := range w.Srv.Calls() {
		if c.Path == "/v2/orders/customer-orders" {
			q, _ := url.ParseQuery(c.RawQuery)
			if b := q.Get("create_time_begin") + q.Get("payment_time_begin"); b != day0.Add(-time.Hour).Format(bss.TimeLayout) {
				t.Errorf("order window begins %s, want the last good scan less the overlap", b)
			}
		}
	}
	// And it sends what a full scan sends.
	a, b := w.digests(w.full), w.digests(w.delta)
	if len(a) != len(b) || !slices.Equal(a["slack:C1"], b["slack:C1"]) {
		t.Errorf("after the failure the delta scan sent %d channels' digests, a full scan %d", len(b), len(a))
	}
}
