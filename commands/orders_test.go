package commands_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const (
	ordersPath    = "/v2/orders/customer-orders"
	customersPath = "/v2/partners/sub-customers/query"
)

// TestOrderStatusFilter: /orders --status takes only the statuses ListCustomerOrders filters on
// (1 review, 3 processing, 4 cancelled, 5 completed, 6 pending, 9 confirm), by name or number;
// anything else is refused, with the allowed names, before any BSS call.
func TestOrderStatusFilter(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		arg    string
		status string // the status sent to BSS; "" = refused
	}{
		{"review", "1"}, {"1", "1"}, {"待审核", "1"},
		{"processing", "3"}, {"3", "3"},
		{"cancelled", "4"}, {"canceled", "4"}, {"4", "4"},
		{"completed", "5"}, {"5", "5"}, {"已完成", "5"},
		{"pending", "6"}, {"6", "6"}, {"待支付", "6"},
		{"confirm", "9"}, {"9", "9"}, {"待确认", "9"},
		{"refund", ""}, {"2", ""}, {"待退款", ""}, {"7", ""}, {"10", ""}, {"13", ""}, {"0", ""}, {"weird", ""},
	}
	for _, tc := range tests {
		t.Run(tc.arg, func(t *testing.T) {
			e.Srv.ResetCalls()
			rep, text, _ := e.say(t, "console:admin", "/orders 张三 --status "+tc.arg)
			if tc.status == "" {
				if !rep.Error || !strings.Contains(text, "订单状态 “"+tc.arg+"” 无效") {
					t.Errorf("not refused:\n%s", text)
				}
				for _, name := range []string{"review", "processing", "cancelled", "completed", "pending", "confirm"} {
					if !strings.Contains(text, name) {
						t.Errorf("the refusal does not list %q:\n%s", name, text)
					}
				}
				if strings.Contains(text, "refund") && tc.arg != "refund" {
					t.Errorf("the refusal offers refund:\n%s", text)
				}
				if n := e.Srv.CallCount("", ordersPath) + e.Srv.CallCount("", customersPath); n != 0 {
					t.Errorf("%d BSS calls before the refusal", n)
				}
				return
			}
			if rep.Error {
				t.Fatalf("refused:\n%s", text)
			}
			var sent []string
			for _, c := range e.Srv.Calls() {
				if c.Path == ordersPath {
					q, _ := url.ParseQuery(c.RawQuery)
					sent = append(sent, q.Get("status"))
				}
			}
			if len(sent) != 1 || sent[0] != tc.status {
				t.Errorf("status sent to BSS %v, want [%s]", sent, tc.status)
			}
		})
	}
	if _, text, _ := e.say(t, "console:admin", "/lang en"); !strings.Contains(text, "English") {
		t.Fatal(text)
	}
	if _, text, _ := e.say(t, "console:admin", "/orders 张三 --status refund"); !strings.Contains(text, `Invalid order status "refund"`) || !strings.Contains(text, "confirm") {
		t.Errorf("English refusal:\n%s", text)
	}
}

// TestOrderDetailsAskBSSInTheCallersLanguage: /order sends X-Language from the caller's
// language (zh_CN, en_US), so BSS's own names come back in it (issue #9.7).
func TestOrderDetailsAskBSSInTheCallersLanguage(t *testing.T) {
	e := newActEnv(t, nil)
	var orderID string
	for _, c := range e.Srv.Customers() {
		if os := e.Srv.Orders(c.ID); len(os) > 0 {
			orderID = os[0].ID
			break
		}
	}
	for _, tc := range []struct{ lang, want string }{{"zh", "zh_CN"}, {"en", "en_US"}} {
		e.say("console:alice", "/lang "+tc.lang)
		if rep, text := e.say("console:alice", "/order "+orderID); rep.Error {
			t.Fatalf("/order failed:\n%s", text)
		}
		calls := e.Srv.Calls()
		var last bsstest.Call
		for _, c := range calls {
			if strings.HasPrefix(c.Path, "/v2/orders/customer-orders/details/") {
				last = c
			}
		}
		if last.Language != tc.want {
			t.Errorf("/lang %s: X-Language %q, want %q", tc.lang, last.Language, tc.want)
		}
	}
}
