package bss_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

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
