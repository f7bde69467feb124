package bsstest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	pathAdjust        = "/v2/accounts/partner-accounts/adjust-amount"
	pathReclaimBal    = "/v2/accounts/partner-accounts/reclaim"
	pathChangeRecords = "/v2/accounts/partner-accounts/account-change-records"
	pathAdjustRecords = "/v3/accounts/partner-accounts/adjust-records"
	pathMonthly       = "/v2/bills/partner-bills/subcustomer-bills/monthly-sum"
	pathCoupons       = "/v2/promotions/benefits/partner-coupons"
	pathCouponReclaim = "/v2/promotions/benefits/partner-coupons/reclaim"
	pathIssuedQuotas  = "/v2/partners/issued-coupon-quotas"
	pathOnDemand      = "/v2/partners/sub-customers/on-demand-resources/query"
)

// fund is the partner account allocations draw on.
func fund(t *testing.T, s *Server, reseller string) PartnerAccount {
	t.Helper()
	a := fundingAccount(s.PartnerAccounts(reseller))
	if a == nil {
		t.Fatal("no funding account")
	}
	return *a
}

// referralCustomer is a demo customer the partner does not resell to.
func referralCustomer(t *testing.T, s *Server) Customer {
	t.Helper()
	for _, c := range s.Customers() {
		if c.AssociationType == "1" {
			return c
		}
	}
	t.Fatal("no referral customer")
	return Customer{}
}

// TestAllocateAndReclaim moves money both ways and checks every place it shows: the answer
// (transfer_id for an allocation, trans_id for a reclaim), both balances APIs, the adjust
// records (amount a string) and the ledger.
func TestAllocateAndReclaim(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	debtor := findCustomer(t, s, "lisi") // in arrears in the demo
	before := fund(t, s, "")

	var alloc map[string]any
	p.post(pathAdjust, `{"customer_id":"`+debtor.ID+`","amount":"10000.5"}`).want(t, 200, "").into(t, &alloc)
	id, _ := alloc["transfer_id"].(string)
	if id == "" || alloc["trans_id"] != nil {
		t.Fatalf("allocation answer %v: want transfer_id only", alloc)
	}
	after, _ := s.Customer(debtor.ID)
	if after.Debt != 0 || after.Balance != MustMoney("10000.50")-debtor.Debt {
		t.Errorf("customer after allocation: balance %v debt %v (debt before %v)", after.Balance, after.Debt, debtor.Debt)
	}
	if got := fund(t, s, "").Amount; got != before.Amount-MustMoney("10000.50") {
		t.Errorf("partner account %v, want %v less 10000.50", got, before.Amount)
	}

	var bal struct {
		CustomerBalances []struct {
			Amount     json.Number `json:"amount"`
			DebtAmount json.Number `json:"debt_amount"`
		} `json:"customer_balances"`
	}
	p.post(pathBalances, `{"customer_infos":[{"customer_id":"`+debtor.ID+`"}]}`).want(t, 200, "").into(t, &bal)
	if len(bal.CustomerBalances) != 1 || bal.CustomerBalances[0].DebtAmount.String() != "0.00" ||
		bal.CustomerBalances[0].Amount.String() != after.Balance.String() {
		t.Errorf("balances API after allocation: %+v", bal)
	}
	var pb struct {
		AccountBalances []struct {
			AccountID string      `json:"account_id"`
			Amount    json.Number `json:"amount"`
		} `json:"account_balances"`
	}
	p.get(pathPartnerBal).want(t, 200, "").into(t, &pb)
	found := false
	for _, a := range pb.AccountBalances {
		if a.AccountID == before.ID {
			found = a.Amount.String() == (before.Amount - MustMoney("10000.50")).String()
		}
	}
	if !found {
		t.Errorf("partner balances API does not show the allocation: %+v", pb)
	}

	var rec map[string]any
	p.post(pathReclaimBal, map[string]any{"customer_id": debtor.ID, "amount": 20.25}).want(t, 200, "").into(t, &rec)
	rid, _ := rec["trans_id"].(string)
	if rid == "" || rec["transfer_id"] != nil {
		t.Fatalf("reclaim answer %v: want trans_id only", rec)
	}
	if got, _ := s.Customer(debtor.ID); got.Balance != after.Balance-MustMoney("20.25") {
		t.Errorf("balance after reclaim %v", got.Balance)
	}
	if got := fund(t, s, "").Amount; got != before.Amount-MustMoney("10000.50")+MustMoney("20.25") {
		t.Errorf("partner account after reclaim %v", got)
	}

	// The adjust records name both, newest first, amounts as strings.
	r := p.get(pathAdjustRecords + "?customer_id=" + debtor.ID + "&operation_time_begin=" + url.QueryEscape(fmtTime(testNow)))
	var ar struct {
		TotalCount int               `json:"total_count"`
		Records    []json.RawMessage `json:"records"`
	}
	r.want(t, 200, "").into(t, &ar)
	if ar.TotalCount != 2 || len(ar.Records) != 2 {
		t.Fatalf("adjust records %s", r.body)
	}
	if !strings.Contains(string(ar.Records[0]), `"amount":"20.25"`) || !strings.Contains(string(ar.Records[0]), rid) ||
		!strings.Contains(string(ar.Records[1]), `"amount":"10000.50"`) || !strings.Contains(string(ar.Records[1]), `"trans_id":"`+id+`"`) {
		t.Errorf("adjust records %s", r.body)
	}
	r = p.get(pathAdjustRecords + "?trans_id=" + id + "&operation_type=SOURCE_OPERATION_BEADJUST")
	r.want(t, 200, "").into(t, &ar)
	if ar.TotalCount != 1 {
		t.Errorf("by trans_id: %s", r.body)
	}

	// The ledger shows the allocation as an expense and the reclaim as income.
	r = p.get(pathChangeRecords + "?balance_type=BALANCE_TYPE_DEBIT&limit=2")
	var cr struct {
		TotalCount int                 `json:"total_count"`
		Currency   string              `json:"currency"`
		Records    []map[string]string `json:"records"`
	}
	r.want(t, 200, "").into(t, &cr)
	if len(cr.Records) != 2 || cr.Currency != "CNY" {
		t.Fatalf("ledger %s", r.body)
	}
	if got := cr.Records[0]; got["trade_id"] != rid || got["type"] != "1" || got["change_amount"] != "20.25" ||
		got["trade_detail_type"] != OpRetrieve || got["account_name"] != "lisi" {
		t.Errorf("ledger reclaim %v", got)
	}
	if got := cr.Records[1]; got["trade_id"] != id || got["type"] != "2" || got["change_amount"] != "10000.50" ||
		got["balance_after_change"] != (before.Amount-MustMoney("10000.50")).String() {
		t.Errorf("ledger allocation %v", got)
	}
}

func TestAllocationRefusals(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	ref := referralCustomer(t, s)
	avail := fund(t, s, "")
	tooMuch := (avail.Amount - avail.DesignatedAmount + 1).String()
	tests := []struct {
		name, path, body string
		status           int
		code             string
	}{
		{"three decimals", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":10.001}`, 400, "CBC.0100"},
		{"zero", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":0}`, 400, "CBC.0100"},
		{"negative", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":"-5"}`, 400, "CBC.0100"},
		{"not a number", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":"ten"}`, 400, "CBC.0100"},
		{"a boolean", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":true}`, 400, "CBC.0100"},
		{"no amount", pathAdjust, `{"customer_id":"` + zs.ID + `"}`, 400, "CBC.0100"},
		{"no customer", pathAdjust, `{"amount":1}`, 400, "CBC.0100"},
		{"referral customer", pathAdjust, `{"customer_id":"` + ref.ID + `","amount":1}`, 400, "CBC.99000035"},
		{"unknown reseller", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":1,"indirect_partner_id":"nobody"}`, 400, "CBC.99000037"},
		{"more than available (earmarked excluded)", pathAdjust, `{"customer_id":"` + zs.ID + `","amount":"` + tooMuch + `"}`, 400, "CBC.99005003"},
		{"reclaim more than the balance", pathReclaimBal, `{"customer_id":"` + zs.ID + `","amount":"` + (zs.Balance + 1).String() + `"}`, 400, "CBC.99005003"},
		{"unknown field", pathReclaimBal, `{"customer_id":"` + zs.ID + `","amount":1,"remark":"x"}`, 400, "CBC.0100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			p.post(tc.path, tc.body).want(t, tc.status, tc.code)
		})
	}
	if got, _ := s.Customer(zs.ID); got.Balance != zs.Balance || fund(t, s, "").Amount != avail.Amount || len(s.AdjustRecords()) != len(Demo(testNow, 1).AdjustRecords) {
		t.Error("a refused transfer moved money or left a record")
	}
}

// TestLostAnswerAfterWork: an AfterWork fault does the allocation and then drops the
// connection or answers 500; the money moved and the adjust record tells.
func TestLostAnswerAfterWork(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault Fault
	}{{"dropped", Fault{AfterWork: true, Drop: true}}, {"500", Fault{AfterWork: true, Status: 500}}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t, Options{})
			p := partner(t, s)
			zs := findCustomer(t, s, "zhangsan")
			s.Inject("POST", pathAdjust, Fault{AfterWork: tc.fault.AfterWork, Drop: tc.fault.Drop, Status: tc.fault.Status, Times: 1})
			req := p.request("POST", pathAdjust, []byte(`{"customer_id":"`+zs.ID+`","amount":100}`))
			resp, err := http.DefaultClient.Do(req)
			switch {
			case tc.fault.Drop && err == nil:
				resp.Body.Close()
				t.Fatalf("answer %d, want a dropped connection", resp.StatusCode)
			case !tc.fault.Drop && (err != nil || resp.StatusCode != 500):
				t.Fatalf("err %v, want HTTP 500", err)
			case err == nil:
				resp.Body.Close()
			}
			if got, _ := s.Customer(zs.ID); got.Balance != zs.Balance+Yuan(100) {
				t.Errorf("balance %v: the work was not done", got.Balance)
			}
			recs := s.AdjustRecords()
			if last := recs[len(recs)-1]; last.CustomerID != zs.ID || last.Amount != Yuan(100) || !last.Time.Equal(testNow) {
				t.Errorf("last adjust record %+v", last)
			}
			// The next call is answered normally.
			p.post(pathAdjust, `{"customer_id":"`+zs.ID+`","amount":1}`).want(t, 200, "")
		})
	}
}

func TestChangeRecordsFilters(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	all := 0
	for _, l := range s.Ledger() {
		if l.IndirectPartnerID == "" {
			all++
		}
	}
	tests := []struct {
		name, query string
		status      int
		want        int // -1: not checked
	}{
		{"no balance type", "", 400, -1},
		{"debit, default year", "balance_type=BALANCE_TYPE_DEBIT&limit=100", 200, all},
		{"credit has none", "balance_type=BALANCE_TYPE_CREDIT", 200, 0},
		{"allocations", "balance_type=BALANCE_TYPE_DEBIT&trade_type=BEADJUST&limit=100", 200, 8},
		{"bad trade type", "balance_type=BALANCE_TYPE_DEBIT&trade_type=GIFT", 400, -1},
		{"window over a year", "balance_type=BALANCE_TYPE_DEBIT&trade_time_begin=2024-01-01&trade_time_end=2026-01-02", 400, -1},
		{"window before the data", "balance_type=BALANCE_TYPE_DEBIT&trade_time_begin=2025-01-01&trade_time_end=2025-06-01", 200, 0},
		{"bad date", "balance_type=BALANCE_TYPE_DEBIT&trade_time_begin=2025/01/01", 400, -1},
		{"limit over 100", "balance_type=BALANCE_TYPE_DEBIT&limit=101", 400, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			r := p.get(pathChangeRecords+"?"+tc.query).want(t, tc.status, "")
			if tc.want >= 0 {
				var out struct {
					TotalCount int `json:"total_count"`
				}
				r.into(t, &out)
				if out.TotalCount != tc.want {
					t.Errorf("total %d, want %d", out.TotalCount, tc.want)
				}
			}
		})
	}
}

// TestMonthlySum checks the computed spend: per charge mode, refunds negative, nothing for
// today or the future, and the filters.
func TestMonthlySum(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	cycle := testNow.In(cst).Format("2006-01")
	type sums struct {
		Count    int    `json:"count"`
		Currency string `json:"currency"`
		BillSums []struct {
			CustomerID       string      `json:"customer_id"`
			CloudServiceType string      `json:"cloud_service_type"`
			BillType         string      `json:"bill_type"`
			ChargeMode       string      `json:"charge_mode"`
			Amount           json.Number `json:"amount"`
			DiscountAmount   json.Number `json:"discount_amount"`
			MeasureID        int         `json:"measure_id"`
		} `json:"bill_sums"`
	}
	get := func(query string) sums {
		t.Helper()
		var out sums
		p.get(pathMonthly+"?"+query).want(t, 200, "").into(t, &out)
		return out
	}
	p.get(pathMonthly+"?cycle="+cycle).want(t, 400, "CBC.0100")
	p.get(pathMonthly+"?charge_mode=3").want(t, 400, "CBC.0100")
	p.get(pathMonthly+"?cycle="+cycle+"&charge_mode=2").want(t, 400, "CBC.0100")

	od := get("cycle=" + cycle + "&charge_mode=3&customer_id=" + zs.ID)
	if od.Count == 0 || od.Currency != "CNY" {
		t.Fatalf("张三 has no on-demand spend this month: %+v", od)
	}
	// Compute what it should be: hours from the later of the cycle's start and the resource's
	// start, to the earlier of its end and 00:00 today, China time.
	n := testNow.In(cst)
	start, today := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, cst), time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, cst)
	want := map[string]Money{}
	for _, r := range s.OnDemand(zs.ID) {
		from, to := start, today
		if r.EffectiveTime.After(from) {
			from = r.EffectiveTime
		}
		if !r.ExpireTime.IsZero() && r.ExpireTime.Before(to) {
			to = r.ExpireTime
		}
		if h := int64(to.Sub(from) / time.Hour); h > 0 {
			want[r.ServiceTypeCode] += r.Hourly * Money(h)
		}
	}
	for _, b := range od.BillSums {
		if b.CustomerID != zs.ID || b.ChargeMode != "3" || b.BillType != "0" || b.MeasureID != 1 {
			t.Errorf("row %+v", b)
		}
		got, _ := ParseMoney(b.Amount.String())
		want[b.CloudServiceType] -= got
	}
	for svc, left := range want {
		if left != 0 {
			t.Errorf("%s: computed and answered spend differ by %v", svc, left)
		}
	}

	// Unsubscribe refunds are bill_type 1 with negative amounts.
	var refunds int
	for _, o := range s.Orders("") {
		if o.OrderType == 4 && o.Status == 5 {
			cu, _ := s.Customer(o.CustomerID)
			if cu.AssociationType != "2" || o.PaymentTime.IsZero() || !o.PaymentTime.Before(today) {
				continue
			}
			got := get("cycle=" + cycleOf(o.PaymentTime) + "&charge_mode=1&bill_type=1&customer_id=" + o.CustomerID)
			for _, b := range got.BillSums {
				if b.BillType != "1" || !strings.HasPrefix(b.Amount.String(), "-") || b.DiscountAmount != "" {
					t.Errorf("refund row %+v", b)
				}
			}
			if got.Count > 0 {
				refunds++
			}
		}
	}
	if refunds == 0 {
		t.Error("no refund row in any cycle")
	}
	if future := get("cycle=2099-01&charge_mode=1"); future.Count != 0 {
		t.Errorf("a future cycle has %d rows", future.Count)
	}
	all := get("cycle=" + cycle + "&charge_mode=3&limit=100")
	customers := map[string]bool{}
	for _, b := range all.BillSums {
		customers[b.CustomerID] = true
		if cu, _ := s.Customer(b.CustomerID); cu.AssociationType != "2" || cu.IndirectPartnerID != "" {
			t.Errorf("row of %s (association %s, reseller %q)", cu.AccountName, cu.AssociationType, cu.IndirectPartnerID)
		}
	}
	if len(customers) < 5 {
		t.Errorf("only %d customers spent on demand this month", len(customers))
	}
	if ebs := get("cycle=" + cycle + "&charge_mode=3&customer_id=" + zs.ID + "&cloud_service_type=hws.service.type.ebs"); ebs.Count != 1 {
		t.Errorf("service filter: %+v", ebs)
	}
}

func TestPartnerCoupons(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	ref := referralCustomer(t, s)
	var quota Quota
	for _, q := range s.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && len(q.Limits) == 0 {
			quota = q
		}
	}
	if quota.QuotaID == "" {
		t.Fatal("no unrestricted quota of the partner's own")
	}

	// Partial success: 张三 gets one, the referral customer does not.
	var created struct {
		CouponInfos  []map[string]string `json:"coupon_infos"`
		ErrorDetails []map[string]string `json:"error_details"`
	}
	p.post(pathCoupons, map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID, ref.ID}, "face_value": "88.80",
		"memo": "year-end"}).want(t, 200, "").into(t, &created)
	if len(created.CouponInfos) != 1 || created.CouponInfos[0]["id"] != zs.ID || created.CouponInfos[0]["coupon_id"] == "" ||
		len(created.ErrorDetails) != 1 || created.ErrorDetails[0]["id"] != ref.ID {
		t.Fatalf("partial success: %+v", created)
	}
	couponID := created.CouponInfos[0]["coupon_id"]
	q2 := findQuota(t, s, quota.QuotaID)
	if q2.Balance != quota.Balance-MustMoney("88.80") {
		t.Errorf("quota balance %v, want %v less 88.80", q2.Balance, quota.Balance)
	}

	var list struct {
		TotalCount  int              `json:"total_count"`
		UserCoupons []map[string]any `json:"user_coupons"`
	}
	p.get(pathCoupons+"?customer_id="+zs.ID+"&status=2").want(t, 200, "").into(t, &list)
	if list.TotalCount != 2 || list.UserCoupons[0]["coupon_id"] != couponID || list.UserCoupons[0]["face_value"] != 88.8 {
		t.Fatalf("usable coupons of 张三: %+v", list)
	}

	// Reclaim: 204 with no body; the balance goes back to the quota; a second reclaim fails.
	r := p.post(pathCouponReclaim, map[string]any{"coupon_id": couponID})
	if r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("reclaim answered %d %q, want 204 and no body", r.status, r.body)
	}
	if findQuota(t, s, quota.QuotaID).Balance != quota.Balance {
		t.Error("the reclaimed balance did not return to the quota")
	}
	p.get(pathCoupons+"?coupon_id="+couponID).want(t, 200, "").into(t, &list)
	if list.TotalCount != 1 || list.UserCoupons[0]["status"] != 5.0 || list.UserCoupons[0]["balance"] != 0.0 {
		t.Errorf("reclaimed coupon %+v", list)
	}
	p.post(pathCouponReclaim, map[string]any{"coupon_id": couponID}).want(t, 400, "CBC.0101")
	p.post(pathCouponReclaim, map[string]any{"coupon_id": couponID, "indirect_partner_id": ""}).want(t, 400, "CBC.0100")

	for name, body := range map[string]any{
		"unknown quota":         map[string]any{"quota_id": "Q0", "customer_ids": []string{zs.ID}, "face_value": 1},
		"three decimals":        map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID}, "face_value": 1.234},
		"no customers":          map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{}, "face_value": 1},
		"expiry before start":   map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID}, "face_value": 1, "valid_time": fmtTime(testNow.Add(time.Hour)), "expire_time": fmtTime(testNow)},
		"issued quota":          map[string]any{"quota_id": s.Quotas()[5].QuotaID, "customer_ids": []string{zs.ID}, "face_value": 1},
		"more than 10 services": map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID}, "face_value": 1, "cloud_service_types": strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")},
	} {
		t.Run(name, func(t *testing.T) {
			p.t = t
			if r := p.post(pathCoupons, body); r.status != 400 {
				t.Errorf("status %d: %s", r.status, r.body)
			}
		})
	}
}

func findQuota(t *testing.T, s *Server, id string) Quota {
	t.Helper()
	for _, q := range s.Quotas() {
		if q.QuotaID == id {
			return q
		}
	}
	t.Fatalf("no quota %s", id)
	return Quota{}
}

func TestOnDemandAndResellers(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	var page struct {
		TotalCount int              `json:"total_count"`
		Resources  []map[string]any `json:"resources"`
	}
	p.post(pathOnDemand, map[string]any{"customer_id": zs.ID, "limit": 10}).want(t, 200, "").into(t, &page)
	if page.TotalCount != 12 || len(page.Resources) != 10 {
		t.Fatalf("张三's on-demand resources: %d of %d", len(page.Resources), page.TotalCount)
	}
	p.post(pathOnDemand, map[string]any{"customer_id": zs.ID, "offset": 10, "limit": 10}).want(t, 200, "").into(t, &page)
	if len(page.Resources) != 2 {
		t.Errorf("second page has %d", len(page.Resources))
	}
	sized := false
	for _, r := range s.OnDemand(zs.ID) {
		if r.SpecSize > 0 {
			var one struct{ Resources []map[string]any }
			p.post(pathOnDemand, map[string]any{"customer_id": zs.ID, "resource_ids": []string{r.ResourceID}}).into(t, &one)
			info, _ := one.Resources[0]["resource_info"].(string)
			var spec struct{ SpecSize float64 }
			if err := json.Unmarshal([]byte(info), &spec); err != nil || spec.SpecSize != float64(r.SpecSize) {
				t.Errorf("resource_info %q is not a JSON string with specSize %d", info, r.SpecSize)
			}
			sized = true
		}
	}
	if !sized {
		t.Error("张三 has no disk on demand")
	}
	p.headers = map[string]string{"X-Language": "en_US"}
	p.post(pathOnDemand, map[string]any{"customer_id": zs.ID, "status": 6}).want(t, 200, "").into(t, &page)
	if page.TotalCount != 1 || page.Resources[0]["service_type_name"] != "Elastic Cloud Server" {
		t.Errorf("closed ones in English: %+v", page)
	}
	p.headers = nil
	p.post(pathOnDemand, map[string]any{"customer_id": referralCustomer(t, s).ID}).want(t, 400, "CBC.99000035")

	// The reseller's customers are listed and funded only with its id, from its own account.
	rs := s.Resellers()[0]
	var subs struct {
		Count         int              `json:"count"`
		CustomerInfos []map[string]any `json:"customer_infos"`
	}
	p.post(pathSubCustomers, map[string]any{"indirect_partner_id": rs.ID}).want(t, 200, "").into(t, &subs)
	if subs.Count != 2 {
		t.Fatalf("reseller's customers: %+v", subs)
	}
	theirs := s.ResellerCustomers(rs.ID)[0]
	p.post(pathSubCustomers, map[string]any{"customer_id": theirs.ID}).want(t, 200, "").into(t, &subs)
	if subs.Count != 0 {
		t.Error("a reseller's customer is listed without the reseller's id")
	}
	p.post(pathAdjust, map[string]any{"customer_id": theirs.ID, "amount": 5}).want(t, 400, "CBC.99000035")
	before := fund(t, s, rs.ID)
	p.post(pathAdjust, map[string]any{"customer_id": theirs.ID, "amount": 5, "indirect_partner_id": rs.ID}).want(t, 200, "")
	if got := fund(t, s, rs.ID).Amount; got != before.Amount-Yuan(5) {
		t.Errorf("reseller account %v, want %v less 5", got, before.Amount)
	}
	var ledger struct {
		TotalCount int `json:"total_count"`
	}
	p.get(pathChangeRecords+"?balance_type=BALANCE_TYPE_DEBIT&indirect_partner_id="+rs.ID).want(t, 200, "").into(t, &ledger)
	if ledger.TotalCount != 1 {
		t.Errorf("reseller ledger has %d records", ledger.TotalCount)
	}
	var issued struct {
		TotalCount int              `json:"total_count"`
		Quotas     []map[string]any `json:"quotas"`
	}
	p.get(pathIssuedQuotas+"?indirect_partner_id="+rs.ID).want(t, 200, "").into(t, &issued)
	if issued.TotalCount != 1 || issued.Quotas[0]["indirect_partner_name"] != rs.Name {
		t.Errorf("quotas issued to the reseller: %+v", issued)
	}
}

func TestMoneyOnTheInternationalSite(t *testing.T) {
	s := newFake(t, Options{International: true})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	for _, path := range []string{pathAdjust, pathReclaimBal, pathCoupons, pathCouponReclaim} {
		p.post(path, `{}`).want(t, 404, "APIG.0101")
	}
	for _, path := range []string{pathChangeRecords, pathAdjustRecords, pathMonthly, pathCoupons, pathIssuedQuotas} {
		p.get(path).want(t, 404, "APIG.0101")
	}
	p.post(pathOnDemand, map[string]any{"customer_id": zs.ID}).want(t, 200, "")
}
