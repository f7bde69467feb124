package bss_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const (
	pathAllocate = "/v2/accounts/partner-accounts/adjust-amount"
	pathReclaimB = "/v2/accounts/partner-accounts/reclaim"
	pathCoupons  = "/v2/promotions/benefits/partner-coupons"
	pathCouponRe = "/v2/promotions/benefits/partner-coupons/reclaim"
)

// rawBody is the body of the last call to path, as sent.
func rawBody(t *testing.T, srv *bsstest.Server, path string) string {
	t.Helper()
	calls := srv.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Path == path {
			return string(calls[i].Body)
		}
	}
	t.Fatalf("no call to %s", path)
	return ""
}

func TestTransfers(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	before, _ := srv.Customer(zs.ID)

	tr, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("100")})
	if err != nil || tr.TransID == "" || tr.RequestID == "" {
		t.Fatalf("allocate: %+v, %v", tr, err)
	}
	// The amount goes as a JSON string with two decimals built from cents, as the SDK's decimal
	// sends it (bss-money.md, "Money"; SDK model_adjust_account_req.go).
	if body := rawBody(t, srv, pathAllocate); !strings.Contains(body, `"amount":"100.00"`) || strings.Contains(body, "indirect_partner_id") {
		t.Errorf("allocation body %s", body)
	}
	back, err := c.ReclaimBalance(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("0.5")})
	if err != nil || back.TransID == "" || back.TransID == tr.TransID {
		t.Fatalf("reclaim: %+v, %v", back, err)
	}
	if body := rawBody(t, srv, pathReclaimB); !strings.Contains(body, `"amount":"0.50"`) {
		t.Errorf("reclaim body %s", body)
	}
	bs, err := c.CustomerBalances(ctx, []string{zs.ID})
	if err != nil || len(bs) != 1 || bs[0].Amount.String() != (before.Balance+bsstest.MustMoney("99.50")).String() {
		t.Errorf("balance after the transfers: %+v, %v", bs, err)
	}

	var recs []bss.AdjustRecord
	for r, err := range c.AdjustRecords(ctx, bss.AdjustFilter{CustomerID: zs.ID, Begin: bsstest.TestTime.Add(-time.Hour)}) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	if len(recs) != 2 || recs[0].TransID != back.TransID || recs[0].Amount.String() != "0.50" || recs[0].OperationType != bss.AdjustRetrieve ||
		recs[1].TransID != tr.TransID || recs[1].Amount.String() != "100.00" || recs[1].OperationType != bss.AdjustAllocate {
		t.Errorf("adjust records %+v", recs)
	}
	page, err := c.ListChangeRecords(ctx, bss.ChangeRecordFilter{TradeType: bss.TradeAllocate}, 0, 1)
	if err != nil || len(page.Records) != 1 {
		t.Fatalf("ledger: %+v, %v", page, err)
	}
	if r := page.Records[0]; r.TradeID != tr.TransID || r.Income() || r.ChangeAmount.String() != "100.00" || r.CustomerID != zs.ID || r.AccountName != "zhangsan" {
		t.Errorf("ledger record %+v", r)
	}
	accts, err := c.PartnerBalances(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	fund, avail, ok := bss.Available(accts)
	if !ok || fund.AccountType != 8 || avail.String() != fund.Amount.Sub(fund.DesignatedAmount).String() || page.Records[0].BalanceAfterChange.Cmp(fund.Amount) >= 0 {
		t.Errorf("available %v of %+v; ledger balance after %v", avail, fund, page.Records[0].BalanceAfterChange)
	}
}

func TestTransferArgumentsCheckedFirst(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	for _, tc := range []struct {
		name string
		req  bss.TransferRequest
		arg  string
	}{
		{"three decimals", bss.TransferRequest{CustomerID: "c1", Amount: bss.MustAmount("1.005")}, "amount"},
		{"zero", bss.TransferRequest{CustomerID: "c1"}, "amount"},
		{"negative", bss.TransferRequest{CustomerID: "c1", Amount: bss.MustAmount("-1")}, "amount"},
		{"no customer", bss.TransferRequest{Amount: bss.MustAmount("1")}, "customer_id"},
		{"long reseller", bss.TransferRequest{CustomerID: "c1", Amount: bss.MustAmount("1"), IndirectPartnerID: strings.Repeat("x", 65)}, "indirect_partner_id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Allocate(ctx, tc.req)
			var ae *bss.ArgumentError
			if !errors.As(err, &ae) || ae.Arg != tc.arg {
				t.Errorf("err = %v, want an argument error on %s", err, tc.arg)
			}
		})
	}
	if _, err := c.ListChangeRecords(ctx, bss.ChangeRecordFilter{Begin: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)}, 0, 10); !errors.Is(err, bss.ErrInvalid) {
		t.Errorf("a ledger window over a year: %v", err)
	}
	if _, err := c.ListMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: "2026-13", ChargeMode: bss.ChargeModeOnDemand}, 0, 10); !errors.Is(err, bss.ErrInvalid) {
		t.Errorf("cycle 2026-13: %v", err)
	}
	if _, err := c.ListMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: "2026-11"}, 0, 10); !errors.Is(err, bss.ErrInvalid) {
		t.Errorf("no charge mode: %v", err)
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls made for bad arguments", n)
	}
}

// TestTransferOutcomeUnknown: a transfer whose answer is lost, or that answers 2xx without an
// id, is ErrUnknownOutcome and sent exactly once, retries configured or not.
func TestTransferOutcomeUnknown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault bsstest.Fault
		moved bool
	}{
		{"dropped after the work", bsstest.Fault{AfterWork: true, Drop: true}, true},
		{"500 after the work", bsstest.Fault{AfterWork: true, Status: 500}, true},
		{"2xx without an id", bsstest.Fault{EmptyOrderIDs: true}, false},
		{"dropped before the work", bsstest.Fault{Drop: true}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			srv, c := newPair(t, bsstest.Options{}, func(cfg *bss.Config) { cfg.MaxRetries = 3 })
			zs := zhangsan(t, c)
			before, _ := srv.Customer(zs.ID)
			srv.Inject("POST", pathAllocate, tc.fault)
			_, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("42")})
			if !errors.Is(err, bss.ErrUnknownOutcome) {
				t.Fatalf("err = %v, want ErrUnknownOutcome", err)
			}
			if n := srv.CallCount("POST", pathAllocate); n != 1 {
				t.Errorf("%d allocation calls, want exactly 1", n)
			}
			after, _ := srv.Customer(zs.ID)
			if moved := after.Balance != before.Balance; moved != tc.moved {
				t.Errorf("money moved = %v, want %v", moved, tc.moved)
			}
		})
	}
	// Throttled before anything ran: retried, and done once.
	srv, c := newPair(t, bsstest.Options{}, func(cfg *bss.Config) { cfg.MaxRetries = 3 })
	zs := zhangsan(t, c)
	srv.Inject("POST", pathAllocate, bsstest.Fault{Status: 429, Times: 1})
	if _, err := c.Allocate(context.Background(), bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")}); err != nil {
		t.Fatalf("throttled allocation: %v", err)
	}
	if n := len(srv.AdjustRecords()) - len(bsstest.Demo(bsstest.TestTime, 1).AdjustRecords); n != 1 {
		t.Errorf("%d new adjust records, want 1", n)
	}
}

func TestMonthlyBills(t *testing.T) {
	ctx := context.Background()
	_, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	cycle := bss.Cycle(bsstest.TestTime)
	all, err := c.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: cycle, CustomerID: zs.ID})
	if err != nil || all.Currency != "CNY" {
		t.Fatalf("all: %+v, %v", all, err)
	}
	modes := map[string]bool{}
	for _, b := range all.BillSums {
		modes[b.ChargeMode] = true
		if b.CustomerID != zs.ID || b.CloudServiceTypeName == "" {
			t.Errorf("line %+v", b)
		}
	}
	if !modes[bss.ChargeModeOnDemand] {
		t.Errorf("张三 has no on-demand spend in %s: %+v", cycle, all.BillSums)
	}
	var n int
	for _, err := range c.MonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: cycle, ChargeMode: bss.ChargeModeOnDemand}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 5 {
		t.Errorf("%d on-demand lines this month over all customers", n)
	}
}

func TestCouponsClient(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	var quota string
	for _, q := range srv.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && len(q.Limits) == 0 {
			quota = q.QuotaID
		}
	}
	memo := "welcome"
	res, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: quota, CustomerIDs: []string{zs.ID, "0000000000000000000000000000dead"},
		FaceValue: bss.MustAmount("66.6"), Memo: &memo})
	if err != nil || len(res.Issued) != 1 || res.Issued[0].CustomerID != zs.ID || len(res.Errors) != 1 || res.Errors[0].ID != "0000000000000000000000000000dead" {
		t.Fatalf("issue: %+v, %v", res, err)
	}
	if body := rawBody(t, srv, pathCoupons); !strings.Contains(body, `"face_value":"66.60"`) {
		t.Errorf("issue body %s", body)
	}
	page, err := c.ListCoupons(ctx, bss.CouponFilter{CustomerID: zs.ID, Status: bss.CouponUsable}, 0, 10)
	if err != nil || page.TotalCount != 2 || page.Coupons[0].CouponID != res.Issued[0].CouponID || page.Coupons[0].FaceValue.String() != "66.60" {
		t.Fatalf("list: %+v, %v", page, err)
	}
	if err := c.ReclaimCoupon(ctx, res.Issued[0].CouponID, ""); err != nil {
		t.Fatalf("reclaim (204): %v", err)
	}
	if body := rawBody(t, srv, pathCouponRe); strings.Contains(body, "indirect_partner_id") {
		t.Errorf("an empty reseller id was sent: %s", body)
	}
	page, _ = c.ListCoupons(ctx, bss.CouponFilter{CouponID: res.Issued[0].CouponID}, 0, 1)
	if page.Coupons[0].Status != bss.CouponReclaimed || !page.Coupons[0].Balance.IsZero() {
		t.Errorf("after reclaim %+v", page.Coupons[0])
	}
	// A reclaim whose answer is lost is an unknown outcome; the coupon says what happened.
	srv.Inject("POST", pathCouponRe, bsstest.Fault{AfterWork: true, Drop: true, Times: 1})
	usable := page.Coupons[0].CouponID
	for cp, err := range c.Coupons(ctx, bss.CouponFilter{CustomerID: zs.ID, Status: bss.CouponUsable}) {
		if err != nil {
			t.Fatal(err)
		}
		usable = cp.CouponID
	}
	if err := c.ReclaimCoupon(ctx, usable, ""); !errors.Is(err, bss.ErrUnknownOutcome) {
		t.Fatalf("lost reclaim: %v", err)
	}
	page, _ = c.ListCoupons(ctx, bss.CouponFilter{CouponID: usable}, 0, 1)
	if page.Coupons[0].Status != bss.CouponReclaimed {
		t.Errorf("the lost reclaim did not take effect: %+v", page.Coupons[0])
	}
	if _, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: quota, CustomerIDs: []string{zs.ID}, FaceValue: bss.MustAmount("1"),
		CloudServiceTypes: strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")}); !errors.Is(err, bss.ErrInvalid) {
		t.Errorf("11 services: %v", err)
	}
	rs := srv.Resellers()[0]
	issued, err := c.ListIssuedQuotas(ctx, bss.IssuedQuotaFilter{IndirectPartnerID: rs.ID}, 0, 10)
	if err != nil || issued.TotalCount != 1 || issued.Quotas[0].IndirectPartnerName != rs.Name || issued.Quotas[0].QuotaID == "" || issued.Quotas[0].Balance.IsZero() {
		t.Errorf("issued quotas: %+v, %v", issued, err)
	}
}

func TestOnDemandClient(t *testing.T) {
	ctx := bss.WithLanguage(context.Background(), "en")
	srv, c := newPair(t, bsstest.Options{}, func(cfg *bss.Config) { cfg.PageSize = 5 })
	zs := zhangsan(t, c)
	var all []bss.OnDemandResource
	for r, err := range c.OnDemandResources(ctx, bss.OnDemandFilter{CustomerID: zs.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	if len(all) != 12 || srv.CallCount("POST", "/v2/partners/sub-customers/on-demand-resources/query") != 3 {
		t.Fatalf("%d resources in %d pages", len(all), srv.CallCount("POST", "/v2/partners/sub-customers/on-demand-resources/query"))
	}
	sized := 0
	for _, r := range all {
		if size, ok := r.SpecSize(); ok {
			sized++
			if size.Sign() <= 0 || r.ServiceTypeName != "Elastic Volume Service" {
				t.Errorf("%+v: size %v", r, size)
			}
		}
	}
	if sized != 2 {
		t.Errorf("%d resources with a size, want the 2 disks", sized)
	}
	if calls := srv.Calls(); calls[len(calls)-1].Language != "en_US" {
		t.Errorf("X-Language %q", calls[len(calls)-1].Language)
	}
	if _, ok := (bss.OnDemandResource{ResourceInfo: "not json"}).SpecSize(); ok {
		t.Error("a size read from bad resource_info")
	}
}

// TestMoneyOnTheInternationalSite: every money API but the on-demand list fails at once as
// unavailable; the on-demand list works.
func TestMoneyOnTheInternationalSite(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{International: true}, func(cfg *bss.Config) { cfg.Site = bss.SiteInternational })
	zs := zhangsan(t, c)
	srv.ResetCalls()
	req := bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")}
	calls := map[string]func() error{
		bss.OpUpdateCustomerAccountAmount:     func() error { _, err := c.Allocate(ctx, req); return err },
		bss.OpReclaimToPartnerAccount:         func() error { _, err := c.ReclaimBalance(ctx, req); return err },
		bss.OpListPartnerAccountChangeRecords: func() error { _, err := c.ListChangeRecords(ctx, bss.ChangeRecordFilter{}, 0, 10); return err },
		bss.OpListPartnerAdjustRecords:        func() error { _, err := c.ListAdjustRecords(ctx, bss.AdjustFilter{}, 0, 10); return err },
		bss.OpListSubcustomerMonthlyBills: func() error {
			_, err := c.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: "2026-11"})
			return err
		},
		bss.OpCreatePartnerCoupons: func() error {
			_, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: "Q", CustomerIDs: []string{zs.ID}, FaceValue: bss.MustAmount("1")})
			return err
		},
		bss.OpListIssuedPartnerCoupons: func() error { _, err := c.ListCoupons(ctx, bss.CouponFilter{}, 0, 10); return err },
		bss.OpReclaimPartnerCoupons:    func() error { return c.ReclaimCoupon(ctx, "CP1", "") },
		bss.OpListIssuedCouponQuotas:   func() error { _, err := c.ListIssuedQuotas(ctx, bss.IssuedQuotaFilter{}, 0, 10); return err },
	}
	for op, call := range calls {
		if err := call(); !errors.Is(err, bss.ErrUnavailable) || c.Supports(op) {
			t.Errorf("%s: %v", op, err)
		}
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls for APIs the site lacks", n)
	}
	if page, err := c.ListOnDemandResources(ctx, bss.OnDemandFilter{CustomerID: zs.ID}, 0, 10); err != nil || page.TotalCount != 12 ||
		!c.Supports(bss.OpListCustomerOnDemandResources) {
		t.Errorf("on-demand on the international site: %+v, %v", page, err)
	}
}
