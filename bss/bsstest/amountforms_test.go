package bsstest

import (
	"encoding/json"
	"testing"
)

// rawJSON puts a JSON value into a body as written.
func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

// TestRequestAmountForms: the money APIs' request amounts are decimal.Decimal in the SDK
// (model_adjust_account_req.go amount, model_reclaim_to_partner_account_balances_req.go amount,
// model_create_partner_coupons_req.go face_value), which the SDK sends as a JSON string with
// trailing zeros trimmed ("100", "0.5") and our client as "100.00"; the documentation's examples
// send numbers (bss-money.md, "Money"). The sandbox takes both for each field and moves exactly
// that amount; anything else is 400 CBC.0100 and moves nothing.
func TestRequestAmountForms(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	var quota Quota
	for _, q := range s.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && len(q.Limits) == 0 {
			quota = q
		}
	}
	type field struct {
		name, path, key string
		body            func() map[string]any
		moved           func() Money // what the amounts so far added up to
	}
	start, _ := s.Customer(zs.ID)
	fields := []field{
		{"allocation", pathAdjust, "amount", func() map[string]any { return map[string]any{"customer_id": zs.ID} },
			func() Money { c, _ := s.Customer(zs.ID); return c.Balance - start.Balance }},
		{"coupon face value", pathCoupons, "face_value", func() map[string]any {
			return map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID}}
		}, func() Money { return quota.Balance - findQuota(t, s, quota.QuotaID).Balance }},
	}
	for _, f := range fields {
		var sum Money
		for _, tc := range []struct {
			raw  string // the JSON value sent
			want Money
		}{
			{`"100"`, MustMoney("100")},     // the SDK, trailing zeros trimmed
			{`"0.5"`, MustMoney("0.50")},    // the SDK
			{`"12.30"`, MustMoney("12.30")}, // our client
			{`12.30`, MustMoney("12.30")},   // the documentation's examples
			{`7`, MustMoney("7")},           //
		} {
			b := f.body()
			b[f.key] = rawJSON(tc.raw)
			p.t = t
			if r := p.post(f.path, b); r.status != 200 {
				t.Errorf("%s %s: %d %s", f.name, tc.raw, r.status, r.body)
				continue
			}
			sum += tc.want
			if got := f.moved(); got != sum {
				t.Errorf("%s %s: moved %v in all, want %v", f.name, tc.raw, got, sum)
			}
		}
		for _, raw := range []string{`""`, `"abc"`, `"1.001"`, `"1e2"`, `"-1"`, `"0"`, `0.001`, `true`, `{}`, `["1"]`} {
			b := f.body()
			b[f.key] = rawJSON(raw)
			p.t = t
			if r := p.post(f.path, b); r.status != 400 || r.code(t) != "CBC.0100" {
				t.Errorf("%s %s: %d %s, want 400 CBC.0100", f.name, raw, r.status, r.body)
			}
		}
		if got := f.moved(); got != sum {
			t.Errorf("%s: refused amounts moved money: %v, want %v", f.name, got, sum)
		}
	}
	// A reclaim takes the same forms.
	for _, raw := range []string{`"1"`, `"0.5"`, `"0.50"`, `0.5`} {
		p.t = t
		p.post(pathReclaimBal, map[string]any{"customer_id": zs.ID, "amount": rawJSON(raw)}).want(t, 200, "")
	}
}
