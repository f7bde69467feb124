package bsstest

import (
	"net/url"
	"testing"
	"time"
)

// The demo's health scenario (demoHealth) answered over the wire as BSS answers: a usable coupon
// lapsing within a week, one of the partner's own quotas lapsing within a fortnight, an
// unverified customer with a resource expiring within 30 days, resources past expiry (grace or
// retention) and orders waiting for payment.
func TestDemoHealthScenario(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	now := testNow
	day := 24 * time.Hour
	window := url.Values{"status": {"2"}, "expire_time_begin": {now.UTC().Format(time.RFC3339)},
		"expire_time_end": {now.Add(7 * day).UTC().Format(time.RFC3339)}, "offset": {"0"}, "limit": {"100"}}
	var coupons struct {
		Total   int `json:"total_count"`
		Coupons []struct {
			CouponID   string  `json:"coupon_id"`
			CustomerID string  `json:"customer_id"`
			Status     int     `json:"status"`
			Balance    float64 `json:"balance"`
			ExpireTime string  `json:"expire_time"`
		} `json:"user_coupons"`
	}
	p.get("/v2/promotions/benefits/partner-coupons?"+window.Encode()).want(t, 200, "").into(t, &coupons)
	umbrella := findCustomer(t, s, "umbrella-trading")
	if coupons.Total != 1 || len(coupons.Coupons) != 1 || coupons.Coupons[0].CustomerID != umbrella.ID ||
		coupons.Coupons[0].Balance != 180 || coupons.Coupons[0].Status != 2 {
		t.Fatalf("usable coupons lapsing within 7 days: %+v, want umbrella-trading's one with 180.00 left", coupons)
	}

	var quotas struct {
		Total  int `json:"total_count"`
		Quotas []struct {
			QuotaID    string  `json:"quota_id"`
			Balance    float64 `json:"balance"`
			ExpireTime string  `json:"expire_time"`
		} `json:"quotas"`
	}
	p.post("/v2/partners/coupon-quotas/query", map[string]any{"quota_status_list": []int{0}, "quota_type": 1,
		"expire_time_begin": now.UTC().Format(time.RFC3339), "expire_time_end": now.Add(15 * day).UTC().Format(time.RFC3339),
		"offset": 0, "limit": 100}).want(t, 200, "").into(t, &quotas)
	if quotas.Total != 1 || len(quotas.Quotas) != 1 || quotas.Quotas[0].Balance <= 0 {
		t.Fatalf("quotas lapsing within 15 days: %+v, want one with a balance", quotas)
	}

	unverified := 0
	for _, cu := range s.Customers() {
		if cu.VerifiedStatus == "2" {
			continue
		}
		for _, r := range s.Resources(cu.ID) {
			if r.IsMain && r.Status == 2 && r.ExpireTime.After(now) && !r.ExpireTime.After(now.Add(30*day)) {
				unverified++
				break
			}
		}
	}
	if unverified == 0 {
		t.Error("no unverified customer has a resource expiring within 30 days")
	}
	var pending struct {
		Total int `json:"total_count"`
	}
	p.get("/v2/orders/customer-orders?status=6&offset=0&limit=10").want(t, 200, "").into(t, &pending)
	if pending.Total == 0 {
		t.Error("no order waits for payment")
	}
	zs := findCustomer(t, s, "zhangsan")
	obs := findResource(t, s, zs.ID, "zhangsan-obs-pkg")
	if obs.Status != 5 || obs.ExpirePolicy != 0 || !obs.ExpireTime.Before(now) {
		t.Errorf("张三's OBS package: status %d, policy %d, expiry %v; want expired into its grace period", obs.Status, obs.ExpirePolicy, obs.ExpireTime)
	}
}
