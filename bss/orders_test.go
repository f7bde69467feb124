package bss_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestOrderStatusFilter: the status filter takes 1, 3, 4, 5, 6 and 9 only (the others appear in
// answers only); anything else is refused before any call, naming status.
func TestOrderStatusFilter(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	for _, st := range []int{1, 3, 4, 5, 6, 9} {
		if _, err := c.ListOrders(ctx, bss.OrderFilter{Status: st}, 0, 10); err != nil {
			t.Errorf("status %d: %v", st, err)
		}
		if q := lastCall(t, srv, "/v2/orders/customer-orders").RawQuery; !strings.Contains(q, "status="+strconv.Itoa(st)) {
			t.Errorf("status %d: query %q", st, q)
		}
	}
	srv.ResetCalls()
	for _, st := range []int{2, 7, 8, 10, 13, -1} {
		_, err := c.ListOrders(ctx, bss.OrderFilter{Status: st}, 0, 10)
		var ae *bss.ArgumentError
		if !errors.As(err, &ae) || ae.Arg != "status" || !errors.Is(err, bss.ErrInvalid) {
			t.Errorf("status %d: err = %v", st, err)
		}
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls made with a bad status", n)
	}
}

// TestOrderDetailLanguage: order details ask for names in the context's language, in a signed
// X-Language header.
func TestOrderDetailLanguage(t *testing.T) {
	srv, c := newPair(t, bsstest.Options{}, nil)
	var orderID string
	for _, o := range srv.Orders("") {
		if o.ServiceTypeCode == "hws.service.type.ec2" {
			orderID = o.ID
			break
		}
	}
	for _, tc := range []struct {
		ctx        context.Context
		header     string
		wantName   string
		descriptor string
	}{
		{context.Background(), "zh_CN", "弹性云服务器", "default"},
		{bss.WithLanguage(context.Background(), "zh"), "zh_CN", "弹性云服务器", "zh"},
		{bss.WithLanguage(context.Background(), "en"), "en_US", "Elastic Cloud Server", "en"},
		{bss.WithLanguage(context.Background(), "fr"), "zh_CN", "弹性云服务器", "other"},
	} {
		d, err := c.OrderDetail(tc.ctx, orderID)
		if err != nil {
			t.Fatal(err)
		}
		call := lastCall(t, srv, "/v2/orders/customer-orders/details/"+orderID)
		if call.Language != tc.header || !slices.Contains(call.SignedHeaders, "x-language") {
			t.Errorf("%s: X-Language %q, signed headers %v", tc.descriptor, call.Language, call.SignedHeaders)
		}
		if d.Order.ServiceTypeName != tc.wantName {
			t.Errorf("%s: service type name %q, want %q", tc.descriptor, d.Order.ServiceTypeName, tc.wantName)
		}
	}
	// Other operations send no X-Language.
	if _, err := c.ListOrders(bss.WithLanguage(context.Background(), "en"), bss.OrderFilter{}, 0, 1); err != nil {
		t.Fatal(err)
	}
	if l := lastCall(t, srv, "/v2/orders/customer-orders").Language; l != "" {
		t.Errorf("ListCustomerOrders sent X-Language %q", l)
	}
}

// TestOrderListMethod: bss-api.md Corrections, "Order list method" — method=sub_customer lists
// the orders a customer paid on behalf of its enterprise sub-accounts (SDK
// model_list_customer_orders_request.go: "sub_customer：客户给企业子代付订单"), not the partner's
// customers; all customers' orders take neither customer_id nor method. Answers carry
// agent_pay_info (SDK model_customer_order_v2.go, model_agent_pay_info_v2.go).
func TestOrderListMethod(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	srv, c := newPair(t, bsstest.Options{Now: clock}, func(cfg *bss.Config) { cfg.Now = clock })
	var payer, paid bsstest.Customer
	for _, cu := range srv.Customers() {
		switch cu.AccountName {
		case "bj-xinghe-tech":
			payer = cu
		case "sh-yunfan-net":
			paid = cu
		}
	}
	if payer.ID == "" || paid.ID == "" || paid.AgentPayerID != payer.ID {
		t.Fatalf("the demo has no enterprise payer: %+v %+v", payer, paid)
	}

	all, err := c.AllOrders(ctx, bss.OrderFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(srv.Orders("")) || len(all) < 100 {
		t.Errorf("all customers' orders: %d, the sandbox holds %d", len(all), len(srv.Orders("")))
	}
	if q := lastCall(t, srv, "/v2/orders/customer-orders").RawQuery; strings.Contains(q, "method") || strings.Contains(q, "customer_id") {
		t.Errorf("all customers' orders asked with %q", q)
	}
	customers := map[string]bool{}
	for _, o := range all {
		customers[o.CustomerID] = true
		if want := ""; o.CustomerID == paid.ID {
			want = payer.ID
			if o.PaidBy() != want {
				t.Errorf("order %s of %s paid by %q, want %q", o.OrderID, paid.AccountName, o.PaidBy(), want)
			}
		} else if o.PaidBy() != "" || o.AgentPay != nil {
			t.Errorf("order %s of %s carries agent_pay_info %+v", o.OrderID, o.CustomerID, o.AgentPay)
		}
	}
	if len(customers) < 50 {
		t.Errorf("the orders of %d customers", len(customers))
	}

	// What the payer paid for its sub-account: the sub-account's orders, none of its own.
	paidFor, err := c.AllOrders(ctx, bss.OrderFilter{CustomerID: payer.ID, Method: bss.OrdersPaidForSubAccounts})
	if err != nil {
		t.Fatal(err)
	}
	if len(paidFor) == 0 || len(paidFor) != len(srv.Orders(paid.ID)) {
		t.Errorf("%s paid for %d orders, %s has %d", payer.AccountName, len(paidFor), paid.AccountName, len(srv.Orders(paid.ID)))
	}
	for _, o := range paidFor {
		if o.CustomerID != paid.ID || o.PaidBy() != payer.ID {
			t.Errorf("paid-for order %s of %s, paid by %q", o.OrderID, o.CustomerID, o.PaidBy())
		}
	}
	// Its own orders: oneself, the default.
	for _, m := range []string{"", bss.OrdersOneself} {
		own, err := c.AllOrders(ctx, bss.OrderFilter{CustomerID: payer.ID, Method: m})
		if err != nil {
			t.Fatal(err)
		}
		if len(own) != len(srv.Orders(payer.ID)) || slices.ContainsFunc(own, func(o bss.Order) bool { return o.CustomerID != payer.ID }) {
			t.Errorf("method %q: %d own orders of %s, want %d", m, len(own), payer.AccountName, len(srv.Orders(payer.ID)))
		}
	}

	// sub_customer without a customer is refused before any call: it never means "all customers".
	srv.ResetCalls()
	_, err = c.ListOrders(ctx, bss.OrderFilter{Method: bss.OrdersPaidForSubAccounts}, 0, 10)
	var ae *bss.ArgumentError
	if !errors.As(err, &ae) || ae.Arg != "method" || !strings.Contains(ae.Explain("en"), "omit method") {
		t.Errorf("sub_customer without customer_id: err = %v", err)
	}
	if _, err := c.ListOrders(ctx, bss.OrderFilter{Method: "all"}, 0, 10); !errors.Is(err, bss.ErrInvalid) {
		t.Errorf("method all: err = %v", err)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls made with a bad method", n)
	}
}
