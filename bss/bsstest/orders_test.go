package bsstest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

type ordersOut struct {
	TotalCount int `json:"total_count"`
	OrderInfos []struct {
		OrderID      string `json:"order_id"`
		CustomerID   string `json:"customer_id"`
		Status       int    `json:"status"`
		OrderType    int    `json:"order_type"`
		CreateTime   string `json:"create_time"`
		AgentPayInfo *struct {
			PayingAgentID string `json:"paying_agent_id"`
			IsAgentPay    bool   `json:"is_agent_pay"`
		} `json:"agent_pay_info"`
	} `json:"order_infos"`
}

func TestListCustomerOrders(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	all := s.Orders("")
	count := func(pred func(Order) bool) int {
		n := 0
		for _, o := range all {
			if pred(o) {
				n++
			}
		}
		return n
	}
	statuses := map[int]bool{}
	types := map[int]bool{}
	for _, o := range all {
		statuses[o.Status], types[o.OrderType] = true, true
	}
	for _, st := range []int{3, 4, 5, 6} {
		if !statuses[st] {
			t.Errorf("demo has no order in status %d", st)
		}
	}
	for _, ty := range []int{1, 2, 4} {
		if !types[ty] {
			t.Errorf("demo has no order of type %d", ty)
		}
	}
	monthAgo := testNow.Add(-30 * 24 * time.Hour).Format(timeLayout)
	tests := []struct {
		name  string
		query url.Values
		want  int
		check func(t *testing.T, out ordersOut)
	}{
		{"all", url.Values{"limit": {"100"}}, len(all), func(t *testing.T, out ordersOut) {
			for i := 1; i < len(out.OrderInfos); i++ {
				if out.OrderInfos[i-1].CreateTime < out.OrderInfos[i].CreateTime {
					t.Fatal("default order is not newest first")
				}
			}
		}},
		{"oldest first", url.Values{"order_by": {"createTime"}, "limit": {"100"}}, len(all), func(t *testing.T, out ordersOut) {
			for i := 1; i < len(out.OrderInfos); i++ {
				if out.OrderInfos[i-1].CreateTime > out.OrderInfos[i].CreateTime {
					t.Fatal("not oldest first")
				}
			}
		}},
		{"one customer", url.Values{"customer_id": {zs.ID}}, count(func(o Order) bool { return o.CustomerID == zs.ID }), func(t *testing.T, out ordersOut) {
			for _, o := range out.OrderInfos {
				if o.CustomerID != zs.ID {
					t.Errorf("order of %s", o.CustomerID)
				}
			}
		}},
		{"pending payment", url.Values{"status": {"6"}}, count(func(o Order) bool { return o.Status == 6 }), nil},
		{"renewals", url.Values{"order_type": {"2"}}, count(func(o Order) bool { return o.OrderType == 2 }), nil},
		{"created in the last 30 days", url.Values{"create_time_begin": {monthAgo}, "create_time_end": {testNow.Format(timeLayout)}},
			count(func(o Order) bool { return o.CreateTime.Format(timeLayout) >= monthAgo }), nil},
		{"by id", url.Values{"order_id": {all[0].ID}}, 1, nil},
		{"ecs only", url.Values{"service_type_code": {svcECS}}, count(func(o Order) bool { return o.ServiceTypeCode == svcECS }), nil},
		{"page past the end", url.Values{"offset": {"100000"}}, len(all), func(t *testing.T, out ordersOut) {
			if len(out.OrderInfos) != 0 {
				t.Error("orders past the end")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			var out ordersOut
			p.get(pathOrders+"?"+tc.query.Encode()).want(t, 200, "").into(t, &out)
			if out.TotalCount != tc.want {
				t.Errorf("total_count = %d, want %d", out.TotalCount, tc.want)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}

	for _, tc := range []struct{ name, query, code string }{
		{"limit 101", "limit=101", "CBC.0101"},
		{"limit abc", "limit=abc", "CBC.0101"},
		{"bad order_by", "order_by=amount", "CBC.0101"},
		{"bad status", "status=7", "CBC.0101"},
		{"status only seen in answers", "status=2", "CBC.0101"},
		{"hardware delivery status", "status=10", "CBC.0101"},
		{"window over a year", "create_time_begin=2024-01-01T00:00:00Z&create_time_end=2026-01-01T00:00:00Z", "CBC.0101"},
		{"bad time", "payment_time_begin=yesterday", "CBC.0101"},
		{"unknown customer", "customer_id=nobody", "CBC.99000035"},
		{"bad method", "method=all", "CBC.0101"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			p.get(pathOrders+"?"+tc.query).want(t, 400, tc.code)
		})
	}
}

// TestListCustomerOrdersMethod: bss-api.md Corrections, "Order list method" — oneself (the
// default) lists the customers' own orders, and every customer's without customer_id;
// sub_customer lists the orders a customer paid on behalf of its enterprise sub-accounts (SDK
// model_list_customer_orders_request.go, "客户给企业子代付订单"), which carry agent_pay_info
// {paying_agent_id, is_agent_pay} (model_customer_order_v2.go, model_agent_pay_info_v2.go). A
// partner asking sub_customer for all its customers gets those few orders, not its customers'.
func TestListCustomerOrdersMethod(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	payer, paid := findCustomer(t, s, "bj-xinghe-tech"), findCustomer(t, s, "sh-yunfan-net")
	all, paidOrders := len(s.Orders("")), len(s.Orders(paid.ID))
	if paidOrders == 0 || paidOrders*10 > all {
		t.Fatalf("%d of %d orders paid on behalf of a sub-account", paidOrders, all)
	}
	list := func(query string) ordersOut {
		t.Helper()
		var out ordersOut
		p.get(pathOrders+"?limit=100&"+query).want(t, 200, "").into(t, &out)
		return out
	}
	for _, tc := range []struct {
		name, query string
		want        int
		paidOnly    bool // every order listed was paid by payer for paid
	}{
		{"no method: every customer's", "", all, false},
		{"oneself: every customer's", "method=oneself", all, false},
		{"empty method is oneself", "method=", all, false},
		{"sub_customer, partner-wide: only agent-paid orders", "method=sub_customer", paidOrders, true},
		{"the payer's own orders", "customer_id=" + payer.ID, len(s.Orders(payer.ID)), false},
		{"what the payer paid for its sub-account", "method=sub_customer&customer_id=" + payer.ID, paidOrders, true},
		{"the sub-account's own orders", "method=oneself&customer_id=" + paid.ID, paidOrders, true},
		{"the sub-account paid for nobody", "method=sub_customer&customer_id=" + paid.ID, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			out := list(tc.query)
			if out.TotalCount != tc.want {
				t.Errorf("total_count = %d, want %d", out.TotalCount, tc.want)
			}
			agentPaid := 0
			for _, o := range out.OrderInfos {
				if a := o.AgentPayInfo; a != nil {
					agentPaid++
					if o.CustomerID != paid.ID || a.PayingAgentID != payer.ID || !a.IsAgentPay {
						t.Errorf("order %s of %s: agent_pay_info %+v", o.OrderID, o.CustomerID, *a)
					}
				} else if o.CustomerID == paid.ID {
					t.Errorf("order %s of the paid-for sub-account has no agent_pay_info", o.OrderID)
				}
			}
			if tc.paidOnly && agentPaid != len(out.OrderInfos) {
				t.Errorf("%d of %d orders paid on behalf", agentPaid, len(out.OrderInfos))
			}
		})
	}
	// An order the sub-account makes now is paid by its master account too.
	p.t = t
	_, id, err := s.Buy(paid.ID, Purchase{Kind: "obs", Months: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range s.Orders(paid.ID) {
		if o.ID == id && o.PayingAgentID != payer.ID {
			t.Errorf("the sub-account's new order %s is paid by %q", id, o.PayingAgentID)
		}
	}
	if out := list("method=sub_customer"); out.TotalCount != paidOrders+1 {
		t.Errorf("after a purchase: %d orders paid on behalf, want %d", out.TotalCount, paidOrders+1)
	}
}

func TestOrderDetails(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	var o Order
	for _, x := range s.Orders("") {
		if len(x.LineItems) >= 3 {
			o = x
			break
		}
	}
	if o.ID == "" {
		t.Fatal("no order with 3 line items in the demo")
	}
	var out struct {
		TotalCount int `json:"total_count"`
		OrderInfo  struct {
			OrderID             string  `json:"order_id"`
			AmountAfterDiscount float64 `json:"amount_after_discount"`
			OfficialAmount      float64 `json:"official_amount"`
			AmountInfo          struct {
				Discounts []struct {
					DiscountType   string  `json:"discount_type"`
					DiscountAmount float64 `json:"discount_amount"`
				} `json:"discounts"`
			} `json:"amount_info"`
		} `json:"order_info"`
		OrderLineItems []struct {
			OrderLineItemID string `json:"order_line_item_id"`
			PeriodType      int    `json:"period_type"`
		} `json:"order_line_items"`
	}
	p.get(pathOrderDetails+o.ID+"?limit=2").want(t, 200, "").into(t, &out)
	if out.TotalCount != len(o.LineItems) || len(out.OrderLineItems) != 2 || out.OrderInfo.OrderID != o.ID {
		t.Errorf("got total %d, %d lines, id %s", out.TotalCount, len(out.OrderLineItems), out.OrderInfo.OrderID)
	}
	if len(out.OrderInfo.AmountInfo.Discounts) != 1 || out.OrderInfo.AmountInfo.Discounts[0].DiscountType != "607" {
		t.Errorf("discounts: %+v", out.OrderInfo.AmountInfo)
	}
	p.get(pathOrderDetails+o.ID+"?offset=2&limit=2").into(t, &out)
	if len(out.OrderLineItems) != len(o.LineItems)-2 {
		t.Errorf("second page: %d lines", len(out.OrderLineItems))
	}
	r := p.get(pathOrderDetails+"CS000000NOSUCH").want(t, 404, "")
	if code := r.code(t); !strings.HasPrefix(code, "CBC.") {
		t.Errorf("404 should carry a CBC error code, got %q", code)
	}
	p.get(pathOrderDetails+o.ID+"?limit=0").want(t, 400, "CBC.0101")
}

// TestOrderDetailsLanguage: ShowCustomerOrderDetails takes X-Language (zh_CN default, en_US).
func TestOrderDetailsLanguage(t *testing.T) {
	s := newFake(t, Options{})
	var o Order
	for _, x := range s.Orders("") {
		if x.ServiceTypeCode == svcECS {
			o = x
			break
		}
	}
	for _, tc := range []struct{ lang, want string }{
		{"", "弹性云服务器"}, {"zh_CN", "弹性云服务器"}, {"en_US", "Elastic Cloud Server"},
	} {
		p := partner(t, s)
		if tc.lang != "" {
			p.headers = map[string]string{"X-Language": tc.lang}
		}
		var out struct {
			OrderInfo struct {
				ServiceTypeName string `json:"service_type_name"`
			} `json:"order_info"`
		}
		p.get(pathOrderDetails+o.ID).want(t, 200, "").into(t, &out)
		if out.OrderInfo.ServiceTypeName != tc.want {
			t.Errorf("X-Language %q: service_type_name %q, want %q", tc.lang, out.OrderInfo.ServiceTypeName, tc.want)
		}
	}
}
