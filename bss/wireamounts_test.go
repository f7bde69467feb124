package bss_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestRequestAmountsAreStrings: every money amount the client sends goes as a JSON string with
// two decimals, as the SDK's *decimal.Decimal (shopspring/decimal, MarshalJSON quotes) sends it
// and Huawei's own clients do (bss-money.md, "Money": "the SDK … actually sends a string";
// issue #20 §3 "Amounts"). SDK models: model_adjust_account_req.go (amount),
// model_reclaim_to_partner_account_balances_req.go (amount), model_create_partner_coupons_req.go
// (face_value). The sandbox accepts them.
func TestRequestAmountsAreStrings(t *testing.T) {
	ctx := context.Background()
	clock := func() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) }
	srv, c := newPair(t, bsstest.Options{Now: clock}, func(cfg *bss.Config) { cfg.Now = clock })
	zs := zhangsan(t, c)
	var quota string
	for _, q := range srv.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && len(q.Limits) == 0 {
			quota = q.QuotaID
		}
	}
	for _, tc := range []struct {
		name, path, field, want string
		call                    func() error
	}{
		{"allocation", "/v2/accounts/partner-accounts/adjust-amount", "amount", "1200.50", func() error {
			_, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1200.5")})
			return err
		}},
		{"whole yuan", "/v2/accounts/partner-accounts/adjust-amount", "amount", "7.00", func() error {
			_, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("7")})
			return err
		}},
		{"reclaim", "/v2/accounts/partner-accounts/reclaim", "amount", "0.01", func() error {
			_, err := c.ReclaimBalance(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("0.01")})
			return err
		}},
		{"coupon face value", "/v2/promotions/benefits/partner-coupons", "face_value", "12.30", func() error {
			_, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: quota, CustomerIDs: []string{zs.ID}, FaceValue: bss.MustAmount("12.3")})
			return err
		}},
	} {
		srv.ResetCalls()
		if err := tc.call(); err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		body := rawBody(t, srv, tc.path)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal([]byte(body), &fields); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got, want := string(fields[tc.field]), `"`+tc.want+`"`; got != want {
			t.Errorf("%s: %s is %s, want the string %s (body %s)", tc.name, tc.field, got, want, strings.TrimSpace(body))
		}
	}
}

// TestAnswerAmountsDecodeBothForms: every amount field of an answer (SDK decimal.Decimal or
// float64) decodes from a JSON number and from a JSON string alike, since Huawei sends both
// (bss-api.md §8 and Corrections, "Renewal amount": renew-rate amounts are strings; bss-money.md,
// "Money": "SDK-decimal fields may be number or string (decode both)").
func TestAnswerAmountsDecodeBothForms(t *testing.T) {
	want := bss.MustAmount("1234.56")
	amountType := reflect.TypeOf(bss.Amount{})
	fields := 0
	for _, v := range []any{
		bss.Order{}, bss.AmountInfo{}, bss.Discount{}, bss.OrderLineItem{},
		bss.CustomerBalance{}, bss.AccountBalance{}, bss.BillSum{}, bss.AccountDetail{},
		bss.PartnerCoupon{}, bss.AdjustRecord{}, bss.ChangeRecord{}, bss.Quota{}, bss.ReclaimedQuota{},
		bss.Resource{}, bss.OfficialRating{}, bss.ProductRating{}, bss.DiscountRating{},
		bss.RenewInquiry{}, bss.RenewOfficial{},
	} {
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			f := typ.Field(i)
			if f.Type != amountType {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			fields++
			for _, form := range []string{`1234.56`, `"1234.56"`, `1.23456e3`, `"1234.560"`} {
				p := reflect.New(typ)
				if err := json.Unmarshal([]byte(`{"`+name+`":`+form+`}`), p.Interface()); err != nil {
					t.Errorf("%s.%s from %s: %v", typ.Name(), f.Name, form, err)
					continue
				}
				if got := p.Elem().Field(i).Interface().(bss.Amount); got.Cmp(want) != 0 {
					t.Errorf("%s.%s from %s = %s", typ.Name(), f.Name, form, got.Exact())
				}
			}
		}
	}
	if fields < 35 {
		t.Errorf("only %d amount fields checked", fields)
	}
}
