package bsstest

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

type resourcesOut struct {
	TotalCount int `json:"total_count"`
	Data       []struct {
		ID               string `json:"id"`
		ResourceID       string `json:"resource_id"`
		ResourceName     string `json:"resource_name"`
		ServiceTypeCode  string `json:"service_type_code"`
		ServiceTypeName  string `json:"service_type_name"`
		ResourceTypeCode string `json:"resource_type_code"`
		ParentResourceID string `json:"parent_resource_id"`
		IsMainResource   int    `json:"is_main_resource"`
		Status           int    `json:"status"`
		ExpireTime       string `json:"expire_time"`
		ExpirePolicy     int    `json:"expire_policy"`
	} `json:"data"`
}

func TestListResources(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	mine := s.Resources(zs.ID)
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	count := func(pred func(Resource) bool) int {
		n := 0
		for _, r := range mine {
			if pred(r) {
				n++
			}
		}
		return n
	}
	in7 := testNow.Add(7 * 24 * time.Hour)
	q := func(extra map[string]any) map[string]any {
		m := map[string]any{"customer_id": zs.ID, "limit": 100}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		body  any
		want  int
		check func(t *testing.T, out resourcesOut)
	}{
		{"all", q(nil), len(mine), nil},
		{"main only", q(map[string]any{"only_main_resource": 1}), count(func(r Resource) bool { return r.IsMain }), func(t *testing.T, out resourcesOut) {
			for _, d := range out.Data {
				if d.IsMainResource != 1 {
					t.Errorf("attached resource %s listed", d.ResourceID)
				}
			}
		}},
		{"expired", q(map[string]any{"status_list": []int{5}}), count(func(r Resource) bool { return r.Status == 5 }), nil},
		{"in use or frozen", q(map[string]any{"status_list": []int{2, 4}}), count(func(r Resource) bool { return r.Status == 2 || r.Status == 4 }), nil},
		{"expiring within 7 days", q(map[string]any{"status_list": []int{2}, "only_main_resource": 1,
			"expire_time_begin": testNow.Format(timeLayout), "expire_time_end": in7.Format(timeLayout)}), 2,
			func(t *testing.T, out resourcesOut) {
				if out.Data[0].ResourceName != "zhangsan-web-01" || out.Data[1].ResourceName != "zhangsan-bw-01" {
					t.Errorf("want web-01 then bw-01 (expiry order), got %s, %s", out.Data[0].ResourceName, out.Data[1].ResourceName)
				}
			}},
		{"disks only", q(map[string]any{"service_type_code": "hws.service.type.ebs"}), count(func(r Resource) bool { return r.ServiceTypeCode == svcEVS }),
			func(t *testing.T, out resourcesOut) {
				for _, d := range out.Data {
					if d.ParentResourceID == "" || d.IsMainResource != 0 || d.ResourceTypeCode != "hws.resource.type.volume" {
						t.Errorf("disk %+v", d)
					}
				}
			}},
		{"by resource ids", q(map[string]any{"resource_ids": []string{web.ResourceID, "nope"}}), 1, nil},
		{"empty resource ids = no filter", q(map[string]any{"resource_ids": []string{}}), len(mine), nil},
		{"by order id", q(map[string]any{"order_id": web.OrderID}), 1 + len(attachedOf(s, web)), nil},
		{"unknown order id", q(map[string]any{"order_id": "CS000000NOPE"}), 0, nil},
		{"huge offset", q(map[string]any{"offset": 1 << 30}), len(mine), func(t *testing.T, out resourcesOut) {
			if len(out.Data) != 0 {
				t.Error("data past the end")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			var out resourcesOut
			p.post(pathResources, tc.body).want(t, 200, "").into(t, &out)
			if out.TotalCount != tc.want {
				t.Errorf("total_count = %d, want %d", out.TotalCount, tc.want)
			}
			for i := 1; i < len(out.Data); i++ {
				a, b := out.Data[i-1], out.Data[i]
				if a.ExpireTime > b.ExpireTime || a.ExpireTime == b.ExpireTime && a.ResourceID > b.ResourceID {
					t.Errorf("not in (expire_time, resource_id) order at %d", i)
				}
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}

	t.Run("pages are stable", func(t *testing.T) {
		var full resourcesOut
		p.post(pathResources, q(nil)).into(t, &full)
		var paged []string
		for off := 0; off < full.TotalCount; off += 3 {
			var out resourcesOut
			p.post(pathResources, map[string]any{"customer_id": zs.ID, "offset": off, "limit": 3}).into(t, &out)
			if out.TotalCount != full.TotalCount {
				t.Fatalf("total_count changed between pages: %d vs %d", out.TotalCount, full.TotalCount)
			}
			for _, d := range out.Data {
				paged = append(paged, d.ResourceID)
			}
		}
		var want []string
		for _, d := range full.Data {
			want = append(want, d.ResourceID)
		}
		if !slices.Equal(paged, want) {
			t.Error("paging by 3 does not give the same sequence as one page")
		}
	})

	t.Run("all §3 fields and language", func(t *testing.T) {
		r := p.post(pathResources, map[string]any{"customer_id": zs.ID, "resource_ids": []string{web.ResourceID}})
		for _, f := range []string{"id", "resource_id", "resource_name", "region_code", "service_type_code", "service_type_name",
			"resource_type_code", "resource_type_name", "resource_spec_code", "project_id", "product_id", "is_main_resource",
			"status", "effective_time", "expire_time", "update_time", "expire_policy", "product_spec_desc", "enterprise_project"} {
			if !contains(string(r.body), `"`+f+`":`) {
				t.Errorf("field %s missing", f)
			}
		}
		if !contains(string(r.body), "弹性云服务器") {
			t.Errorf("zh_CN names by default: %s", r.body)
		}
		en := &caller{t: t, s: s, cred: SandboxCredentials, headers: map[string]string{"X-Language": "en_US"}}
		if r := en.post(pathResources, map[string]any{"customer_id": zs.ID, "resource_ids": []string{web.ResourceID}}); !contains(string(r.body), "Elastic Cloud Server") {
			t.Errorf("en_US names: %s", r.body)
		}
	})
}

func TestListResourcesValidation(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	id := `"customer_id":"` + zs.ID + `"`
	var ids []string
	for i := 0; i < 51; i++ {
		ids = append(ids, fmt.Sprintf("%q", fmt.Sprint("r", i)))
	}
	tests := []struct {
		name   string
		body   string
		status int
		code   string
		msg    string
	}{
		{"partner without customer_id", `{}`, 400, "CBC.0100", "customer_id"},
		{"partner with empty customer_id", `{"customer_id":""}`, 400, "CBC.0100", "customer_id"},
		{"not a sub-customer", `{"customer_id":"0123456789abcdef0123456789abcdef"}`, 400, "CBC.99000035", ""},
		{"null resource_ids", `{` + id + `,"resource_ids":null}`, 400, "CBC.0100", "resource_ids"},
		{"51 resource ids", `{` + id + `,"resource_ids":[` + strings.Join(ids, ",") + `]}`, 400, "CBC.0101", "resource_ids"},
		{"resource_ids not an array", `{` + id + `,"resource_ids":"abc"}`, 400, "CBC.0100", "resource_ids"},
		{"only_main_resource 2", `{` + id + `,"only_main_resource":2}`, 400, "CBC.0101", "only_main_resource"},
		{"status 1", `{` + id + `,"status_list":[1]}`, 400, "CBC.0101", "status_list"},
		{"11 statuses", `{` + id + `,"status_list":[2,2,2,2,2,2,2,2,2,2,2]}`, 400, "CBC.0101", "status_list"},
		{"empty expire begin", `{` + id + `,"expire_time_begin":""}`, 400, "CBC.0101", "expire_time_begin"},
		{"local expire end", `{` + id + `,"expire_time_end":"2026-11-25T08:00:00+08:00"}`, 400, "CBC.0101", "expire_time_end"},
		{"empty service type", `{` + id + `,"service_type_code":""}`, 400, "CBC.0101", "service_type_code"},
		{"limit 101", `{` + id + `,"limit":101}`, 400, "CBC.0101", "limit"},
		{"limit 0", `{` + id + `,"limit":0}`, 400, "CBC.0101", "limit"},
		{"unknown field", `{` + id + `,"page_no":1}`, 400, "CBC.0100", "page_no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			r := p.post(pathResources, tc.body).want(t, tc.status, tc.code)
			if msg, _ := r.obj(t)["error_msg"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("error_msg %q does not name %q", msg, tc.msg)
			}
		})
	}
}

type orderIDsOut struct {
	OrderIDs          []string `json:"order_ids"`
	FailResourceInfos []struct {
		ResourceID string `json:"resource_id"`
		ErrorCode  string `json:"error_code"`
		ErrorMsg   string `json:"error_msg"`
	} `json:"fail_resource_infos"`
}

func TestRenew(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	disk := attachedOf(s, web)[0]
	obs := findResource(t, s, zs.ID, "zhangsan-obs-pkg") // expired
	lisiRes := s.Resources(findCustomer(t, s, "lisi").ID)[0]
	before := len(s.Orders(zs.ID))

	t.Run("paid from balance", func(t *testing.T) {
		c.t = t
		// The renewal quote (main with attached) is what the order then charges.
		var quote struct {
			RenewInquiryResults []struct {
				Amount string `json:"amount"`
			} `json:"renew_inquiry_results"`
		}
		c.post(pathRenewRate, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1,
			"include_relative_resources": true}).want(t, 200, "").into(t, &quote)
		var out orderIDsOut
		c.post(pathRenew, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1, "is_auto_pay": 1}).
			want(t, 200, "").into(t, &out)
		if len(out.OrderIDs) != 1 || len(out.FailResourceInfos) != 0 {
			t.Fatalf("got %+v", out)
		}
		got, _ := s.Resource(web.ResourceID)
		if want := addMonths(web.ExpireTime, 1); !got.ExpireTime.Equal(want) {
			t.Errorf("expiry %v, want %v", got.ExpireTime, want)
		}
		if d, _ := s.Resource(disk.ResourceID); !d.ExpireTime.Equal(got.ExpireTime) {
			t.Errorf("attached disk expiry %v, want %v", d.ExpireTime, got.ExpireTime)
		}
		orders := s.Orders(zs.ID)
		o := orders[len(orders)-1]
		if o.ID != out.OrderIDs[0] || o.OrderType != 2 || o.Status != 5 || len(o.LineItems) != 1+len(attachedOf(s, web)) {
			t.Errorf("order %+v", o)
		}
		official := Money(0)
		for _, r := range append([]Resource{web}, attachedOf(s, web)...) {
			official += r.MonthlyPrice
		}
		if o.OfficialAmount != official || o.AmountAfterDiscount != official-official.percent(15) {
			t.Errorf("amounts %v / %v, want official %v", o.OfficialAmount, o.AmountAfterDiscount, official)
		}
		if len(quote.RenewInquiryResults) != 1 || quote.RenewInquiryResults[0].Amount != o.AmountAfterDiscount.String() {
			t.Errorf("quoted %+v, the order charged %v", quote.RenewInquiryResults, o.AmountAfterDiscount)
		}
		after, _ := s.Customer(zs.ID)
		if after.Balance != zs.Balance-o.AmountAfterDiscount {
			t.Errorf("balance %v, want %v", after.Balance, zs.Balance-o.AmountAfterDiscount)
		}
	})

	t.Run("expired resource renews from its original expiry", func(t *testing.T) {
		c.t = t
		c.post(pathRenew, map[string]any{"resource_ids": []string{obs.ResourceID}, "period_type": 2, "period_num": 2, "is_auto_pay": 1}).want(t, 200, "")
		got, _ := s.Resource(obs.ResourceID)
		if want := addMonths(obs.ExpireTime, 2); !got.ExpireTime.Equal(want) || got.Status != 2 {
			t.Errorf("expiry %v status %d, want %v and 2", got.ExpireTime, got.Status, want)
		}
	})

	t.Run("not enough balance leaves it pending", func(t *testing.T) {
		c.t = t
		s.SetBalance(zs.ID, "1.00", "")
		app := findResource(t, s, zs.ID, "zhangsan-app-02")
		var out orderIDsOut
		c.post(pathRenew, map[string]any{"resource_ids": []string{app.ResourceID}, "period_type": 3, "period_num": 1, "is_auto_pay": 1}).into(t, &out)
		got, _ := s.Resource(app.ResourceID)
		if !got.ExpireTime.Equal(app.ExpireTime) {
			t.Error("an unpaid renewal moved the expiry")
		}
		orders := s.Orders(zs.ID)
		if o := orders[len(orders)-1]; o.Status != 6 || o.PaymentTime != (time.Time{}) {
			t.Errorf("order status %d, want 6 (pending payment)", o.Status)
		}
		if cu, _ := s.Customer(zs.ID); cu.Balance != MustMoney("1.00") {
			t.Errorf("balance changed to %v", cu.Balance)
		}
	})

	t.Run("per-resource failures", func(t *testing.T) {
		c.t = t
		var out orderIDsOut
		c.post(pathRenew, map[string]any{"resource_ids": []string{"nosuchresource", disk.ResourceID, lisiRes.ResourceID},
			"period_type": 2, "period_num": 1}).want(t, 200, "").into(t, &out)
		if len(out.OrderIDs) != 0 || len(out.FailResourceInfos) != 3 {
			t.Fatalf("got %+v", out)
		}
		wantCodes := []string{"CBC.99000000", "CBC.0101", "CBC.99000000"}
		for i, f := range out.FailResourceInfos {
			if f.ErrorCode != wantCodes[i] || f.ErrorMsg == "" {
				t.Errorf("fail %d: %+v, want %s", i, f, wantCodes[i])
			}
		}
		if r, _ := s.Resource(lisiRes.ResourceID); !r.ExpireTime.Equal(lisiRes.ExpireTime) {
			t.Error("another customer's resource was renewed")
		}
	})

	if n := len(s.Orders(zs.ID)); n != before+3 {
		t.Errorf("orders: %d, want %d", n, before+3)
	}

	tests := []struct {
		name string
		body string
		code string
		msg  string
	}{
		{"no ids", `{"period_type":2,"period_num":1}`, "CBC.0100", "resource_ids"},
		{"null ids", `{"resource_ids":null,"period_type":2,"period_num":1}`, "CBC.0100", "resource_ids"},
		{"11 ids", `{"resource_ids":["1","2","3","4","5","6","7","8","9","10","11"],"period_type":2,"period_num":1}`, "CBC.0101", "resource_ids"},
		{"no period type", `{"resource_ids":["a"],"period_num":1}`, "CBC.0100", "period_type"},
		{"12 months", `{"resource_ids":["a"],"period_type":2,"period_num":12}`, "CBC.0101", "period_num"},
		{"4 years", `{"resource_ids":["a"],"period_type":3,"period_num":4}`, "CBC.0101", "period_num"},
		{"period type 1", `{"resource_ids":["a"],"period_type":1,"period_num":1}`, "CBC.0101", "period_type"},
		{"auto pay 2", `{"resource_ids":["a"],"period_type":2,"period_num":1,"is_auto_pay":2}`, "CBC.0101", "is_auto_pay"},
		{"expire_policy is not a v2 field", `{"resource_ids":["a"],"period_type":2,"period_num":1,"expire_policy":3}`, "CBC.0100", "expire_policy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			r := c.post(pathRenew, tc.body).want(t, 400, tc.code)
			if msg, _ := r.obj(t)["error_msg"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("error_msg %q does not name %q", msg, tc.msg)
			}
		})
	}
}

// TestRenewFromOriginalExpiry: a renewal in the grace or retention period starts at the
// resource's original expiry, not at the renewal (Huawei's renewal rules), by calendar months
// clamped to the end of the month.
func TestRenewFromOriginalExpiry(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(timeLayout, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ds := Demo(testNow, 1) // testNow is 2026-11-25T01:00:00Z
	var zsID string
	for i := range ds.Customers {
		if ds.Customers[i].AccountName == "zhangsan" {
			ds.Customers[i].Balance = MustMoney("1000000.00")
			zsID = ds.Customers[i].ID
		}
	}
	expiries := map[string]time.Time{
		"zhangsan-obs-pkg":  at("2026-10-31T16:00:00Z"), // 25 days ago: grace period
		"zhangsan-mysql-01": at("2026-01-31T16:00:00Z"), // ten months ago: retention
		"zhangsan-bw-01":    at("2024-02-29T16:00:00Z"), // a leap day, with its EIPs
	}
	mainOf := map[string]string{}
	for i := range ds.Resources {
		r := &ds.Resources[i]
		if r.CustomerID == zsID && expiries[r.Name] != (time.Time{}) {
			mainOf[r.ResourceID] = r.Name
		}
	}
	for i := range ds.Resources {
		r := &ds.Resources[i]
		name := mainOf[r.ResourceID]
		if name == "" {
			name = mainOf[r.ParentResourceID]
		}
		if exp, ok := expiries[name]; ok {
			r.ExpireTime, r.Status, r.ExpirePolicy = exp, 5, 0
		}
	}
	s := newFake(t, Options{Data: ds})
	c := customer(t, s, "zhangsan")
	tests := []struct {
		name       string
		periodType int
		periodNum  int
		want       string
		status     int
	}{
		{"zhangsan-obs-pkg", 2, 1, "2026-11-30T16:00:00Z", 2},  // Oct 31 + 1 month: Nov 30, not Dec 1
		{"zhangsan-mysql-01", 2, 1, "2026-02-28T16:00:00Z", 5}, // Jan 31 + 1 month: Feb 28, still in the past
		{"zhangsan-bw-01", 3, 3, "2027-02-28T16:00:00Z", 2},    // Feb 29 + 3 years
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			main := findResource(t, s, zsID, tc.name)
			var out orderIDsOut
			c.post(pathRenew, map[string]any{"resource_ids": []string{main.ResourceID}, "period_type": tc.periodType,
				"period_num": tc.periodNum, "is_auto_pay": 1}).want(t, 200, "").into(t, &out)
			if len(out.OrderIDs) != 1 {
				t.Fatalf("answer %+v", out)
			}
			for _, r := range append([]Resource{main}, attachedOf(s, main)...) {
				got, _ := s.Resource(r.ResourceID)
				if !got.ExpireTime.Equal(at(tc.want)) || got.Status != tc.status {
					t.Errorf("%s: expiry %v status %d, want %s and %d", r.Name, got.ExpireTime.Format(timeLayout), got.Status, tc.want, tc.status)
				}
			}
			orders := s.Orders(zsID)
			o := orders[len(orders)-1]
			if o.Status != 5 || !o.LineItems[0].EffectiveTime.Equal(expiries[tc.name]) || !o.LineItems[0].ExpireTime.Equal(at(tc.want)) {
				t.Errorf("order %s status %d, line %v – %v", o.ID, o.Status, o.LineItems[0].EffectiveTime, o.LineItems[0].ExpireTime)
			}
		})
	}
}

func TestUnsubscribe(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	bw := findResource(t, s, zs.ID, "zhangsan-bw-01")
	eips := attachedOf(s, bw)
	mysql := findResource(t, s, zs.ID, "zhangsan-mysql-01")

	t.Run("renewed periods only needs a renewal", func(t *testing.T) {
		c.t = t
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{web.ResourceID}, "unsubscribe_type": 2}).want(t, 400, "CBC.0101")
	})

	t.Run("renew twice then roll back", func(t *testing.T) {
		c.t = t
		for i := 0; i < 2; i++ {
			c.post(pathRenew, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1, "is_auto_pay": 1}).want(t, 200, "")
		}
		if r, _ := s.Resource(web.ResourceID); !r.ExpireTime.Equal(addMonths(addMonths(web.ExpireTime, 1), 1)) {
			t.Fatalf("renewals did not apply: %v", r.ExpireTime)
		}
		balance := func() Money { cu, _ := s.Customer(zs.ID); return cu.Balance }
		b0 := balance()
		var out orderIDsOut
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{web.ResourceID}, "unsubscribe_type": 2,
			"unsubscribe_reason_type": 5, "unsubscribe_reason": "项目结束"}).want(t, 200, "").into(t, &out)
		r, _ := s.Resource(web.ResourceID)
		if !r.ExpireTime.Equal(web.ExpireTime) {
			t.Errorf("rolled back to %v, want %v", r.ExpireTime, web.ExpireTime)
		}
		for _, d := range attachedOf(s, web) {
			if !d.ExpireTime.Equal(web.ExpireTime) {
				t.Errorf("disk %s at %v", d.ResourceID, d.ExpireTime)
			}
		}
		if balance() <= b0 {
			t.Error("no refund credited")
		}
		orders := s.Orders(zs.ID)
		if o := orders[len(orders)-1]; o.ID != out.OrderIDs[0] || o.OrderType != 4 || o.Status != 5 {
			t.Errorf("unsubscribe order %+v", o)
		}
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{web.ResourceID}, "unsubscribe_type": 2}).want(t, 400, "CBC.0101")
	})

	t.Run("attached alone is refused", func(t *testing.T) {
		c.t = t
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{eips[0].ResourceID}, "unsubscribe_type": 1}).want(t, 400, "CBC.0101")
	})

	t.Run("resource and attached leave", func(t *testing.T) {
		c.t = t
		n := len(s.Resources(zs.ID))
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{bw.ResourceID, eips[0].ResourceID}, "unsubscribe_type": 1}).want(t, 200, "")
		if _, ok := s.Resource(bw.ResourceID); ok {
			t.Error("bandwidth still there")
		}
		for _, e := range eips {
			if _, ok := s.Resource(e.ResourceID); ok {
				t.Error("EIP still there")
			}
		}
		if got := len(s.Resources(zs.ID)); got != n-1-len(eips) {
			t.Errorf("%d resources left, want %d", got, n-1-len(eips))
		}
		p := partner(t, s)
		var out resourcesOut
		p.post(pathResources, map[string]any{"customer_id": zs.ID, "resource_ids": []string{bw.ResourceID}}).into(t, &out)
		if out.TotalCount != 0 {
			t.Error("the query API still lists the unsubscribed resource")
		}
	})

	t.Run("all or nothing", func(t *testing.T) {
		c.t = t
		c.post(pathUnsubscribe, map[string]any{"resource_ids": []string{mysql.ResourceID, "nosuch"}, "unsubscribe_type": 1}).want(t, 400, "CBC.99000000")
		if _, ok := s.Resource(mysql.ResourceID); !ok {
			t.Error("mysql was removed by a refused request")
		}
	})

	for _, tc := range []struct{ name, body, code string }{
		{"no type", `{"resource_ids":["a"]}`, "CBC.0100"},
		{"type 3", `{"resource_ids":["a"],"unsubscribe_type":3}`, "CBC.0101"},
		{"reason type 6", `{"resource_ids":["a"],"unsubscribe_type":1,"unsubscribe_reason_type":6}`, "CBC.0101"},
		{"long reason", `{"resource_ids":["a"],"unsubscribe_type":1,"unsubscribe_reason":"` + strings.Repeat("长", 513) + `"}`, "CBC.0101"},
		{"no ids", `{"resource_ids":[],"unsubscribe_type":1}`, "CBC.0100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.post(pathUnsubscribe, tc.body).want(t, 400, tc.code)
		})
	}
}

func TestAutoRenew(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	app := findResource(t, s, zs.ID, "zhangsan-app-02")
	obs := findResource(t, s, zs.ID, "zhangsan-obs-pkg")
	disk := attachedOf(s, web)[0]
	if app.ExpirePolicy != 3 || web.ExpirePolicy != 0 {
		t.Fatalf("demo: app-02 should have auto-renew on and web-01 off")
	}
	policies := func(r Resource) []int {
		out := []int{}
		for _, x := range append([]Resource{r}, attachedOf(s, r)...) {
			x, _ = s.Resource(x.ResourceID)
			out = append(out, x.ExpirePolicy)
		}
		return out
	}

	r := c.do(http.MethodPost, pathAutoRenew+web.ResourceID, nil).want(t, 200, "")
	if len(r.body) != 0 {
		t.Errorf("want an empty body, got %q", r.body)
	}
	for _, p := range policies(web) {
		if p != 3 {
			t.Errorf("policies after enabling: %v", policies(web))
		}
	}
	c.do(http.MethodPost, pathAutoRenew+web.ResourceID, `{"auto_renew_times":5}`).want(t, 200, "")
	if got, _ := s.Resource(web.ResourceID); got.AutoRenewTimes != 5 {
		t.Errorf("auto_renew_times = %d", got.AutoRenewTimes)
	}
	c.do(http.MethodDelete, pathAutoRenew+web.ResourceID, nil).want(t, 200, "")
	for _, p := range policies(web) {
		if p != 0 {
			t.Errorf("policies after cancelling: %v", policies(web))
		}
	}

	tests := []struct {
		name   string
		method string
		id     string
		body   any
		code   string
	}{
		{"cancel when off", "DELETE", web.ResourceID, nil, "CBC.99003605"},
		{"expired resource", "POST", obs.ResourceID, nil, "CBC.99003602"},
		{"cancel on expired resource", "DELETE", obs.ResourceID, nil, "CBC.99003602"},
		{"attached resource", "POST", disk.ResourceID, nil, "CBC.0101"},
		{"unknown resource", "POST", "nosuch", nil, "CBC.99000000"},
		{"another customer's resource", "POST", s.Resources(findCustomer(t, s, "lisi").ID)[0].ResourceID, nil, "CBC.99000000"},
		{"times 100", "POST", app.ResourceID, `{"auto_renew_times":100}`, "CBC.0101"},
		{"unknown body field", "POST", app.ResourceID, `{"action_id":"autorenew"}`, "CBC.0100"},
		{"body not JSON", "POST", app.ResourceID, `times=1`, "CBC.0100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c.t = t
			c.do(tc.method, pathAutoRenew+tc.id, tc.body).want(t, 400, tc.code)
		})
	}
	c.t = t
	c.do(http.MethodDelete, pathAutoRenew+app.ResourceID, nil).want(t, 200, "")
	if got, _ := s.Resource(app.ResourceID); got.ExpirePolicy != 0 {
		t.Error("app-02 still on auto-renew")
	}
}
