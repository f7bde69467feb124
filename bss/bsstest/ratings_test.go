package bsstest

import (
	"regexp"
	"strings"
	"testing"
)

func TestSubscribeRate(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	project := zs.Projects[0].ID
	product := func(id, svc, res, spec, region string, periodType, periodNum int, extra map[string]any) map[string]any {
		m := map[string]any{"id": id, "cloud_service_type": svc, "resource_type": res, "resource_spec": spec,
			"region": region, "period_type": periodType, "period_num": periodNum, "subscription_num": 1}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name     string
		products []map[string]any
		official string
		amount   string
	}{
		{"one month of s6.large.2", []map[string]any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, nil)}, "132.80", "112.88"},
		{"one year is ten months", []map[string]any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 3, 1, nil)}, "1328.00", "1128.80"},
		{"regional price", []map[string]any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-south-1", 2, 1, nil)}, "128.00", "108.80"},
		{"linear disk", []map[string]any{product("d", svcEVS, resVolume, "SAS", "cn-north-4", 2, 1,
			map[string]any{"resource_size": 100, "size_measure_id": 17})}, "35.00", "29.75"},
		{"three servers and an EIP", []map[string]any{
			product("a", svcECS, resVM, "s6.small.1.linux", "cn-north-4", 2, 1, map[string]any{"subscription_num": 3}),
			product("b", svcVPC, resIP, "5_bgp", "cn-north-4", 2, 1, nil)}, "116.60", "99.11"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			r := c.post(pathSubRate, map[string]any{"project_id": project, "product_infos": tc.products}).want(t, 200, "")
			b := string(r.body)
			if !strings.Contains(b, `"official_website_rating_result":{"official_website_amount":`+tc.official+`,`) {
				t.Errorf("official amount %s expected: %s", tc.official, b)
			}
			if !strings.Contains(b, `"best_offer":1,"amount":`+tc.amount+`,`) {
				t.Errorf("discounted amount %s expected: %s", tc.amount, b)
			}
			if !strings.Contains(b, `"discount_type":607`) || !strings.Contains(b, `"currency":"CNY"`) {
				t.Errorf("discount type / currency: %s", b)
			}
		})
	}

	bad := []struct {
		name string
		body any
		code string
		msg  string
	}{
		{"no project", map[string]any{"product_infos": []any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, nil)}}, "CBC.0100", "project_id"},
		{"another project", map[string]any{"project_id": "0123456789abcdef0123456789abcdef", "product_infos": []any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, nil)}}, "CBC.0101", "project_id"},
		{"unknown spec", map[string]any{"project_id": project, "product_infos": []any{product("1", svcECS, resVM, "x9.huge.linux", "cn-north-4", 2, 1, nil)}}, "CBC.0101", "x9.huge.linux"},
		{"no products", map[string]any{"project_id": project, "product_infos": []any{}}, "CBC.0100", "product_infos"},
		{"duplicate id", map[string]any{"project_id": project, "product_infos": []any{
			product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, nil), product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, nil)}}, "CBC.0101", "id"},
		{"disk without size", map[string]any{"project_id": project, "product_infos": []any{product("1", svcEVS, resVolume, "SSD", "cn-north-4", 2, 1, nil)}}, "CBC.0100", "resource_size"},
		{"bad period", map[string]any{"project_id": project, "product_infos": []any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 0, nil)}}, "CBC.0101", "period_num"},
		{"no region", map[string]any{"project_id": project, "product_infos": []any{product("1", svcECS, resVM, "s6.large.2.linux", "", 2, 1, nil)}}, "CBC.0100", "region"},
		{"unknown product field", map[string]any{"project_id": project, "product_infos": []any{product("1", svcECS, resVM, "s6.large.2.linux", "cn-north-4", 2, 1, map[string]any{"color": "red"})}}, "CBC.0100", "product_infos[0].color"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			r := c.post(pathSubRate, tc.body).want(t, 400, tc.code)
			if msg, _ := r.obj(t)["error_msg"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("error_msg %q does not name %q", msg, tc.msg)
			}
		})
	}
}

func TestRenewRate(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	disks := attachedOf(s, web)
	group := web.MonthlyPrice
	for _, d := range disks {
		group += d.MonthlyPrice
	}
	// charged is what the renewal order charges for lines at these official prices: each line
	// less the partner discount (addLine). The renewal amount is that charge, as in the fact
	// sheet's example (bss-api.md §8: amount "432.10" of an official "480.11").
	charged := func(months Money, lines ...Resource) Money {
		var sum Money
		for _, r := range lines {
			l := r.MonthlyPrice * months
			sum += l - l.percent(partnerDiscountPercent)
		}
		return sum
	}
	webGroup := append([]Resource{web}, disks...)
	stringAmount := regexp.MustCompile(`"(amount|official_website_amount|discount_amount)":"-?\d+\.\d\d"`)
	numberAmount := regexp.MustCompile(`"(amount|official_website_amount|discount_amount)":-?\d`)
	tests := []struct {
		name      string
		body      map[string]any
		official  Money
		charge    Money
		failCount int
	}{
		{"main only", map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1}, web.MonthlyPrice, charged(1, web), 0},
		{"with disks", map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1, "include_relative_resources": true}, group, charged(1, webGroup...), 0},
		{"two years", map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 3, "period_num": 2}, web.MonthlyPrice * 20, charged(20, web), 0},
		{"attached and unknown fail", map[string]any{"resource_ids": []string{web.ResourceID, disks[0].ResourceID, "nosuch"}, "period_type": 2, "period_num": 1}, web.MonthlyPrice, charged(1, web), 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			r := c.post(pathRenewRate, tc.body).want(t, 200, "")
			if numberAmount.Match(r.body) || !stringAmount.Match(r.body) {
				t.Errorf("every amount must be a JSON string: %s", r.body)
			}
			var out struct {
				Currency            string `json:"currency"`
				RenewInquiryResults []struct {
					ResourceID string `json:"resource_id"`
					Amount     string `json:"amount"`
				} `json:"renew_inquiry_results"`
				OfficialWebsiteRatingResult struct {
					OfficialWebsiteAmount string `json:"official_website_amount"`
				} `json:"official_website_rating_result"`
				OptionalDiscountRatingResults []struct {
					DiscountID            string `json:"discount_id"`
					DiscountType          int    `json:"discount_type"`
					Amount                string `json:"amount"`
					OfficialWebsiteAmount string `json:"official_website_amount"`
					DiscountAmount        string `json:"discount_amount"`
					BestOffer             int    `json:"best_offer"`
				} `json:"optional_discount_rating_results"`
				FailResourceInfos []struct {
					ErrorCode string `json:"error_code"`
				} `json:"fail_resource_infos"`
			}
			r.into(t, &out)
			if got := out.OfficialWebsiteRatingResult.OfficialWebsiteAmount; got != tc.official.String() {
				t.Errorf("official = %s, want %s", got, tc.official)
			}
			// The per-resource renewal amount is what the renewal order will charge (main +
			// attached when asked); 张三 has two optional discounts on the official total, the
			// partner's 15% being the best offer.
			if len(out.RenewInquiryResults) != 1 || out.RenewInquiryResults[0].Amount != tc.charge.String() {
				t.Errorf("renew_inquiry_results = %+v, want amount %s", out.RenewInquiryResults, tc.charge)
			}
			if len(out.OptionalDiscountRatingResults) != 2 {
				t.Fatalf("optional discounts %+v, want 2", out.OptionalDiscountRatingResults)
			}
			// An optional discount comes on top of the renewal amount's: its percent off the
			// charge, and amount + discount_amount = official.
			for _, d := range out.OptionalDiscountRatingResults {
				pct := map[int]int64{605: 10, 607: 15}[d.DiscountType]
				amount := tc.charge - tc.charge.percent(pct)
				if d.OfficialWebsiteAmount != tc.official.String() || d.DiscountAmount != (tc.official-amount).String() ||
					d.Amount != amount.String() || d.BestOffer != map[int]int{605: 0, 607: 1}[d.DiscountType] {
					t.Errorf("discount %+v, want %d%% off the charge %s of %s", d, pct, tc.charge, tc.official)
				}
			}
			if len(out.FailResourceInfos) != tc.failCount {
				t.Errorf("fail_resource_infos = %+v", out.FailResourceInfos)
			}
		})
	}
	c.t = t
	// With include_relative_resources, each main resource's amount covers its attached ones.
	bw := findResource(t, s, zs.ID, "zhangsan-bw-01")
	var two struct {
		RenewInquiryResults []struct {
			ResourceID string `json:"resource_id"`
			Amount     string `json:"amount"`
		} `json:"renew_inquiry_results"`
		OfficialWebsiteRatingResult struct {
			OfficialWebsiteAmount string `json:"official_website_amount"`
		} `json:"official_website_rating_result"`
	}
	c.post(pathRenewRate, map[string]any{"resource_ids": []string{web.ResourceID, bw.ResourceID}, "period_type": 2, "period_num": 3,
		"include_relative_resources": true}).want(t, 200, "").into(t, &two)
	bwGroup := bw.MonthlyPrice
	bwLines := append([]Resource{bw}, attachedOf(s, bw)...)
	for _, r := range bwLines[1:] {
		bwGroup += r.MonthlyPrice
	}
	if len(two.RenewInquiryResults) != 2 || two.RenewInquiryResults[0].Amount != charged(3, webGroup...).String() ||
		two.RenewInquiryResults[1].Amount != charged(3, bwLines...).String() || two.OfficialWebsiteRatingResult.OfficialWebsiteAmount != ((group+bwGroup)*3).String() {
		t.Errorf("two groups: %+v, want %s and %s", two, charged(3, webGroup...), charged(3, bwLines...))
	}
	c.post(pathRenewRate, `{"resource_ids":[],"period_type":2,"period_num":1}`).want(t, 400, "CBC.0100")
	c.post(pathRenewRate, `{"resource_ids":["a"],"period_type":2,"period_num":13}`).want(t, 400, "CBC.0101")
	c.post(pathRenewRate, `{"resource_ids":["a"],"period_type":2,"period_num":1,"include_relative_resources":"yes"}`).want(t, 400, "CBC.0100")
}

// TestRatingDiscountsPerCustomer: optional_discount_rating_results come only when the customer
// has optional discounts, one per discount, the largest saving marked best_offer.
func TestRatingDiscountsPerCustomer(t *testing.T) {
	s := newFake(t, Options{})
	seen := map[int]bool{} // numbers of discounts tested
	for _, cu := range s.Customers() {
		if seen[len(cu.Discounts)] {
			continue
		}
		var types []int
		for _, d := range cu.Discounts {
			types = append(types, d.Type)
		}
		var main Resource
		for _, r := range s.Resources(cu.ID) {
			if r.IsMain && r.Status == 2 {
				main = r
				break
			}
		}
		if main.ResourceID == "" {
			continue
		}
		seen[len(cu.Discounts)] = true
		c := customer(t, s, cu.AccountName)
		r := c.post(pathRenewRate, map[string]any{"resource_ids": []string{main.ResourceID}, "period_type": 2, "period_num": 1}).want(t, 200, "")
		var out struct {
			Official struct {
				Amount string `json:"official_website_amount"`
			} `json:"official_website_rating_result"`
			Discounts []struct {
				DiscountType int    `json:"discount_type"`
				Amount       string `json:"amount"`
				BestOffer    int    `json:"best_offer"`
			} `json:"optional_discount_rating_results"`
		}
		r.into(t, &out)
		if len(cu.Discounts) == 0 {
			if strings.Contains(string(r.body), "optional_discount_rating_results") {
				t.Errorf("%s has no discounts but got %s", cu.AccountName, r.body)
			}
			continue
		}
		if len(out.Discounts) != len(types) {
			t.Errorf("%s: %d discounts, want %v", cu.AccountName, len(out.Discounts), types)
			continue
		}
		best := 0
		for i, d := range out.Discounts {
			if d.DiscountType != types[i] {
				t.Errorf("%s: discount %d type %d", cu.AccountName, i, d.DiscountType)
			}
			best += d.BestOffer
		}
		if best != 1 {
			t.Errorf("%s: %d discounts marked best", cu.AccountName, best)
		}
	}
	if !seen[0] || !seen[1] || !seen[2] {
		t.Errorf("the demo should have customers with 0, 1 and 2 discounts: %v", seen)
	}
}
