package bss_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestRenewPriceDecoding: renew-rate amounts arrive as JSON strings ("432.10"); numbers are
// read too; optional discounts may be absent.
func TestRenewPriceDecoding(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		amount    string
		official  string
		best      string
		discounts int
	}{
		{"strings, with discounts", `{"currency":"CNY","renew_inquiry_results":[{"resource_id":"r1","amount":"432.10"}],
			"official_website_rating_result":{"official_website_amount":"480.11"},
			"optional_discount_rating_results":[{"discount_id":"d1","amount":"408.09","official_website_amount":"480.11","discount_amount":"72.02","discount_type":607,"discount_name":"伙伴折扣","best_offer":1},
			{"discount_id":"d2","amount":"432.10","official_website_amount":"480.11","discount_amount":"48.01","discount_type":605,"best_offer":0}]}`,
			"432.10", "480.11", "408.09", 2},
		{"numbers, no discounts", `{"currency":"CNY","renew_inquiry_results":[{"resource_id":"r1","amount":432.1}],
			"official_website_rating_result":{"official_website_amount":432.1}}`,
			"432.10", "432.10", "432.10", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p bss.RenewPrice
			if err := json.Unmarshal([]byte(tc.body), &p); err != nil {
				t.Fatal(err)
			}
			a, ok := p.AmountOf("r1")
			if !ok || a.String() != tc.amount || p.Official.Amount.String() != tc.official || p.Best().String() != tc.best || len(p.Discounts) != tc.discounts {
				t.Errorf("amount %v %v, official %v, best %v, %d discounts", a, ok, p.Official.Amount, p.Best(), len(p.Discounts))
			}
			if _, ok := p.AmountOf("nosuch"); ok {
				t.Error("an amount for an unknown resource")
			}
		})
	}
}

// TestRenewPriceOverHTTP: the per-resource amount covers the attached resources, the discounts
// come only for customers who have some.
func TestRenewPriceOverHTTP(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	period := bss.Period{Type: bss.PeriodMonth, Num: 2}
	tested := map[int]bool{}
	for _, cu := range srv.Customers() {
		n := len(cu.Discounts)
		if tested[n] {
			continue
		}
		var main bsstest.Resource
		for _, r := range srv.Resources(cu.ID) {
			if r.IsMain && r.Status == 2 {
				main = r
				break
			}
		}
		if main.ResourceID == "" {
			continue
		}
		tested[n] = true
		ref := bss.CustomerRef{ID: cu.ID, AccountName: cu.AccountName, XAccountType: cu.XAccountType}
		alone, err := c.RenewPrice(ctx, ref, bss.RenewPriceRequest{ResourceIDs: []string{main.ResourceID}, Period: period})
		if err != nil {
			t.Fatal(err)
		}
		group, err := c.RenewPrice(ctx, ref, bss.RenewPriceRequest{ResourceIDs: []string{main.ResourceID}, Period: period, IncludeRelatives: true})
		if err != nil {
			t.Fatal(err)
		}
		a1, _ := alone.AmountOf(main.ResourceID)
		a2, _ := group.AmountOf(main.ResourceID)
		// The renewal amount is what the order will charge (the sandbox's partner discount
		// taken), so at most the official price of the group (bss-api.md §8's example).
		if a1.Sign() <= 0 || a2.Cmp(a1) < 0 || a2.Cmp(group.Official.Amount) > 0 {
			t.Errorf("%s: alone %v, with attached %v, official %v", cu.AccountName, a1, a2, group.Official.Amount)
		}
		if len(group.Discounts) != n {
			t.Errorf("%s: %d discounts, want %d", cu.AccountName, len(group.Discounts), n)
		}
		best := group.Best()
		if n == 0 && best.Cmp(group.Official.Amount) != 0 || n > 0 && best.Cmp(group.Official.Amount) >= 0 {
			t.Errorf("%s: best %v, official %v, %d discounts", cu.AccountName, best, group.Official.Amount, n)
		}
		for _, d := range group.Discounts {
			if d.OfficialAmount.Cmp(group.Official.Amount) != 0 || d.Amount.Add(d.DiscountAmount).Cmp(d.OfficialAmount) != 0 {
				t.Errorf("%s: discount %+v", cu.AccountName, d)
			}
		}
	}
	if len(tested) != 3 {
		t.Errorf("tested customers with %v discounts, want 0, 1 and 2", tested)
	}
}
