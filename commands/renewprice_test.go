package commands_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/lang"
)

// TestRenewRequestShowsBSSRenewalAmount: a renewal request says which amount BSS will charge —
// its own renewal amount (renew_inquiry_results[].amount: the main resource with its attached
// ones; the renewal call carries no discount choice) — with the list price and any optional
// discount as explanation, the discount said not to be in the charge; a customer without
// optional discounts is not shown the list price as "best price" (issues #9.4, #21).
func TestRenewRequestShowsBSSRenewalAmount(t *testing.T) {
	e := newActEnv(t, nil)
	var with, without *bsstest.Resource
	var withCust, withoutCust bsstest.Customer
	for _, c := range e.Srv.Customers() {
		if c.VerifiedStatus != "2" {
			continue // a renewal for an unverified customer is warned about first (TestRenewWarnsUnverified)
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if !r.IsMain || r.Status != 2 {
				continue
			}
			r := r
			switch {
			case len(c.Discounts) > 0 && with == nil:
				with, withCust = &r, c
			case len(c.Discounts) == 0 && without == nil:
				without, withoutCust = &r, c
			}
		}
	}
	if with == nil || without == nil {
		t.Fatal("the sandbox needs customers with and without optional discounts")
	}
	// What BSS quotes for one month, asked directly with the client the router uses.
	charge := func(c bsstest.Customer, r *bsstest.Resource) string {
		t.Helper()
		p, err := e.Client.RenewPrice(context.Background(), bss.CustomerRef{ID: c.ID, AccountName: c.AccountName, XAccountType: c.XAccountType},
			bss.RenewPriceRequest{ResourceIDs: []string{r.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, IncludeRelatives: true})
		if err != nil {
			t.Fatal(err)
		}
		a, ok := p.AmountOf(r.ResourceID)
		if !ok {
			t.Fatalf("no renewal amount for %s", r.ResourceID)
		}
		return lang.Money(a, p.Currency)
	}
	withCharge, withoutCharge := charge(withCust, with), charge(withoutCust, without)
	tests := []struct {
		name, lang, flags string
		res               *bsstest.Resource
		want, wantNone    []string
	}{
		{"zh, discount, autopay", "zh", " --autopay", with,
			[]string{"将从客户余额扣费: " + withCharge + "（BSS 续订金额，含从属资源；官网价 ", "可选折扣（", "不计入上面的扣费：续订请求不带折扣选择"},
			[]string{"续订金额（BSS）", "最优折扣价", "最优价"}},
		{"zh, no discount, order to pay", "zh", "", without,
			[]string{"将扣费（订单待客户支付）: " + withoutCharge + "（BSS 续订金额", "可选折扣: —"},
			[]string{"最优价", "可选折扣（"}},
		{"en, discount, order to pay", "en", "", with,
			[]string{"Will be charged (order awaiting the customer's payment): " + withCharge + " (BSS's renewal amount, attached resources included; list price ",
				"Optional discount (", "not in the charge above; the customer may choose it when paying the order"},
			[]string{"Renewal amount (BSS)", "Best price", "Best discount ("}},
		{"en, no discount, autopay", "en", " --autopay", without,
			[]string{"Will be charged to the customer's balance: " + withoutCharge + " (BSS's renewal amount", "Optional discounts: —"},
			[]string{"Best price", "Optional discount ("}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.say("console:alice", "/lang "+tc.lang)
			rep, text := e.say("console:alice", "/renew "+tc.res.ResourceID+" 1m"+tc.flags)
			if rep.Error {
				t.Fatalf("request refused:\n%s", text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("preview lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.wantNone {
				if strings.Contains(text, w) {
					t.Errorf("preview shows %q:\n%s", w, text)
				}
			}
			e.say("console:alice", "/cancel "+strconv.FormatUint(e.lastRequest().ID, 10))
		})
	}
}

// TestReclaimRequestShowsQuotaRestrictions: a quota restricted to some services or regions
// (limit_values are {value1, value2} objects on the wire) shows its restrictions readably in
// the reclaim request (issue #9.1).
func TestReclaimRequestShowsQuotaRestrictions(t *testing.T) {
	e := newActEnv(t, nil)
	var restricted, free string
	for _, q := range e.Srv.Quotas() {
		if q.Balance <= 0 {
			continue
		}
		switch {
		case len(q.Limits) > 1 && restricted == "":
			restricted = q.QuotaID
		case len(q.Limits) == 0 && free == "":
			free = q.QuotaID
		}
	}
	if restricted == "" || free == "" {
		t.Fatal("the sandbox needs quotas with and without restrictions")
	}
	_, text := e.say("console:alice", "/reclaim "+restricted+" "+free)
	for _, w := range []string{"使用限制", "云服务类型: ", "区域: 华北-北京四 (cn-north-4)", "(hws.service.type."} {
		if !strings.Contains(text, w) {
			t.Errorf("reclaim request lacks %q:\n%s", w, text)
		}
	}
}
