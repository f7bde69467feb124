package bsstest

import (
	"errors"
	"net/url"
	"testing"
	"time"
)

// clock is a settable time for the hooks' tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

// listedOrder is what the hooks' tests read of a listed order.
type listedOrder struct {
	OrderID    string `json:"order_id"`
	CustomerID string `json:"customer_id"`
	Status     int    `json:"status"`
	OrderType  int    `json:"order_type"`
	CreateTime string `json:"create_time"`
}

// listedOrders asks ListCustomerOrders across customers for a window: neither customer_id nor
// method (bss-api.md Corrections, "Order list method": sub_customer would list only orders paid
// for enterprise sub-accounts).
func listedOrders(t *testing.T, s *Server, at func() time.Time, kind string, begin, end time.Time) []listedOrder {
	t.Helper()
	q := url.Values{"limit": {"100"}, kind + "_begin": {fmtTime(begin)}, kind + "_end": {fmtTime(end)}}
	var resp struct {
		OrderInfos []listedOrder `json:"order_infos"`
	}
	p := partner(t, s)
	p.at = at
	p.get("/v2/orders/customer-orders?"+q.Encode()).want(t, 200, "").into(t, &resp)
	return resp.OrderInfos
}

func TestHooksCreateOrdersAsBSSDoes(t *testing.T) {
	clk := &clock{t: testNow}
	s := newFake(t, Options{Now: clk.now})
	p := partner(t, s)
	p.at = clk.now
	before := len(s.Orders(""))

	// A new customer is listed first, and buys: the purchase is an order created and paid now.
	clk.t = testNow.Add(time.Hour)
	cu := s.AddCustomer(Customer{Name: "新客户", Balance: MustMoney("5000.00")})
	var list subCustomersResp
	p.post("/v2/partners/sub-customers/query", map[string]any{"offset": 0, "limit": 1}).want(t, 200, "").into(t, &list)
	if len(list.CustomerInfos) != 1 || list.CustomerInfos[0].CustomerID != cu.ID || list.Count != 61 {
		t.Fatalf("new customer not listed first: %+v", list)
	}
	mainID, orderID, err := s.Buy(cu.ID, Purchase{Kind: "ecs", Attached: 2, Months: 1})
	if err != nil {
		t.Fatal(err)
	}
	rs := s.Resources(cu.ID)
	if len(rs) != 3 || rs[0].ExpireTime != addMonths(clk.t, 1) || !rs[0].EffectiveTime.Equal(clk.t) {
		t.Fatalf("bought %+v", rs)
	}
	got := listedOrders(t, s, clk.now, "create_time", testNow.Add(30*time.Minute), testNow.Add(2*time.Hour))
	if len(got) != 1 || got[0].OrderID != orderID || got[0].OrderType != 1 || got[0].Status != 5 || got[0].CustomerID != cu.ID {
		t.Fatalf("purchase orders %+v", got)
	}

	// A renewal left unpaid moves nothing; paid days later, the order keeps its creation time and
	// shows up by payment time.
	renewal, err := s.Renew(mainID, 3, false)
	if err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Resource(mainID); !r.ExpireTime.Equal(addMonths(clk.t, 1)) {
		t.Errorf("an unpaid renewal moved the expiry to %v", r.ExpireTime)
	}
	clk.t = testNow.Add(5 * 24 * time.Hour)
	if err := s.PayOrder(renewal); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Resource(mainID); !r.ExpireTime.Equal(addMonths(addMonths(testNow.Add(time.Hour), 1), 3)) {
		t.Errorf("paid renewal: expiry %v", r.ExpireTime)
	}
	for _, r := range s.Resources(cu.ID) {
		if !r.ExpireTime.Equal(addMonths(addMonths(testNow.Add(time.Hour), 1), 3)) {
			t.Errorf("attached %s did not follow: %v", r.ResourceID, r.ExpireTime)
		}
	}
	paid := listedOrders(t, s, clk.now, "payment_time", clk.t.Add(-time.Hour), clk.t.Add(time.Hour))
	if len(paid) != 1 || paid[0].OrderID != renewal || paid[0].CreateTime != fmtTime(testNow.Add(time.Hour)) {
		t.Errorf("by payment time: %+v", paid)
	}
	if err := s.PayOrder(renewal); err == nil {
		t.Error("paid twice")
	}

	// Switching auto-renew creates no order.
	n := len(s.Orders(""))
	if err := s.SetAutoRenew(mainID, true); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Resource(mainID); r.ExpirePolicy != 3 || len(s.Orders("")) != n {
		t.Errorf("auto-renew on: policy %d, %d orders (was %d)", r.ExpirePolicy, len(s.Orders("")), n)
	}

	// Auto-renew runs 7 days before expiry: a system renewal order, paid now.
	clk.t = addMonths(addMonths(testNow.Add(time.Hour), 1), 3).Add(-3 * 24 * time.Hour)
	ids := s.RunAutoRenewals()
	var auto *Order
	for _, o := range s.Orders(cu.ID) {
		if len(ids) > 0 && o.ID == ids[0] {
			auto = &o
		}
	}
	if auto == nil || auto.SourceType != 8 || auto.OrderType != 2 || !auto.CreateTime.Equal(clk.t) || !auto.PaymentTime.Equal(clk.t) {
		t.Fatalf("auto-renew orders %v: %+v", ids, auto)
	}
	if again := s.RunAutoRenewals(); len(again) != 0 {
		t.Errorf("renewed again the same day: %v", again)
	}

	// Unsubscribing: the resources leave with an unsubscribe order.
	unsub, err := s.Unsubscribe(mainID)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Resources(cu.ID)) != 0 {
		t.Error("resources still there after unsubscribing")
	}
	found := false
	for _, o := range s.Orders(cu.ID) {
		found = found || o.ID == unsub && o.OrderType == 4 && o.CreateTime.Equal(clk.t)
	}
	if !found {
		t.Errorf("no unsubscribe order %s created now", unsub)
	}

	// The customer leaves: no longer listed, its resources and orders out of reach.
	if !s.RemoveCustomer(cu.ID) || s.RemoveCustomer(cu.ID) {
		t.Fatal("RemoveCustomer")
	}
	p.post("/v2/orders/suscriptions/resources/query", map[string]any{"customer_id": cu.ID}).want(t, 400, "CBC.99000035")
	if len(s.Orders("")) != before {
		t.Errorf("%d orders, want the %d there were", len(s.Orders("")), before)
	}
	if _, _, err := s.Buy(cu.ID, Purchase{}); !errors.Is(err, ErrNotFound) {
		t.Errorf("buy for a departed customer: %v", err)
	}
}

func TestChurnIsDeterministic(t *testing.T) {
	ds := Generate(GenOptions{Customers: 500, Resources: 8000, Seed: 3, Now: testNow})
	a := New(Options{Now: fixedNow, Data: ds.Clone()})
	b := New(Options{Now: fixedNow, Data: ds})
	ra, rb := a.Churn(0.02, 7), b.Churn(0.02, 7)
	if ra != rb {
		t.Fatalf("same seed, different days: %+v vs %+v", ra, rb)
	}
	if ra.Changed != 10 || ra.Joined != 1 || ra.Orders == 0 || ra.Renewals+ra.Purchases+ra.Unsubscribe+ra.Changes != ra.Orders-ra.Joined {
		t.Errorf("report %+v", ra)
	}
	if len(a.Orders("")) != len(b.Orders("")) || len(a.Customers()) != 500+ra.Joined-ra.Left {
		t.Errorf("%d and %d orders, %d customers", len(a.Orders("")), len(b.Orders("")), len(a.Customers()))
	}
	if rc := a.Churn(0.02, 8); rc == ra {
		t.Errorf("another seed, the same day: %+v", rc)
	}
}
