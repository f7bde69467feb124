package commands_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestRenewRequestShowsBSSRenewalAmount: a renewal request shows BSS's own renewal amount
// (renew_inquiry_results[].amount: the main resource with its attached ones) beside the list
// price, and the best optional discount only when BSS offered one — a customer without
// optional discounts is not shown the list price as "best price" (issue #9.4).
func TestRenewRequestShowsBSSRenewalAmount(t *testing.T) {
	e := newActEnv(t, nil)
	var with, without *bsstest.Resource
	for _, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if !r.IsMain || r.Status != 2 {
				continue
			}
			r := r
			switch {
			case len(c.Discounts) > 0 && with == nil:
				with = &r
			case len(c.Discounts) == 0 && without == nil:
				without = &r
			}
		}
	}
	if with == nil || without == nil {
		t.Fatal("the sandbox needs customers with and without optional discounts")
	}
	tests := []struct {
		name     string
		res      *bsstest.Resource
		want     []string
		wantNone []string
	}{
		{"with a discount", with, []string{"Renewal amount (BSS)", "List price", "Best discount ("}, []string{"Best price"}},
		{"without a discount", without, []string{"Renewal amount (BSS)", "List price", "Optional discounts: —"}, []string{"Best price", "Best discount ("}},
	}
	e.say("console:alice", "/lang en")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, text := e.say("console:alice", "/renew "+tc.res.ResourceID+" 1m")
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
		})
	}
}

// TestReclaimRequestShowsQuotaRestrictions: a quota restricted to some services or regions
// (limit_values are {value1, value2} objects on the wire) shows its restrictions readably in
// the reclaim request (issue #9.1).
func TestReclaimRequestShowsQuotaRestrictions(t *testing.T) {
	e := newActEnv(t, nil)
	var restricted, free string
	for _, q := range e.srv.Quotas() {
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
