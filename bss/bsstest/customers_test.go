package bsstest

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

type subCustomersOut struct {
	Count         int `json:"count"`
	CustomerInfos []struct {
		CustomerID      string `json:"customer_id"`
		AccountName     string `json:"account_name"`
		Customer        string `json:"customer"`
		AssociatedOn    string `json:"associated_on"`
		AssociationType string `json:"association_type"`
		Label           string `json:"label"`
		VerifiedStatus  string `json:"verified_status"`
		CustomerType    *int   `json:"customer_type"`
		IsFrozen        *int   `json:"is_frozen"`
	} `json:"customer_infos"`
}

func TestListSubCustomers(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	all := s.Customers()
	zs := findCustomer(t, s, "zhangsan")
	count := func(pred func(Customer) bool) int {
		n := 0
		for _, c := range all {
			if pred(c) {
				n++
			}
		}
		return n
	}
	begin := testNow.Add(-400 * 24 * time.Hour)
	tests := []struct {
		name      string
		body      any
		wantCount int
		wantLen   int
		check     func(t *testing.T, out subCustomersOut)
	}{
		{"no filter, default limit", `{}`, len(all), 10, nil},
		{"last page", map[string]any{"offset": 55, "limit": 10}, len(all), len(all) - 55, nil},
		{"offset past the end", map[string]any{"offset": 40_000_000, "limit": 100}, len(all), 0, nil},
		{"account name infix", map[string]any{"account_name": "angsa"}, 1, 1, func(t *testing.T, out subCustomersOut) {
			if out.CustomerInfos[0].AccountName != "zhangsan" || out.CustomerInfos[0].Customer != "张三" {
				t.Errorf("got %+v", out.CustomerInfos[0])
			}
		}},
		{"account name case-insensitive", map[string]any{"account_name": "ZHANGSAN"}, 1, 1, nil},
		{"customer name fuzzy", map[string]any{"customer": "科技"}, count(func(c Customer) bool { return strings.Contains(c.Name, "科技") }), -1, nil},
		{"customer name 张三", map[string]any{"customer": "张三"}, 1, 1, nil},
		{"customer id exact", map[string]any{"customer_id": zs.ID}, 1, 1, nil},
		{"customer id prefix is not a match", map[string]any{"customer_id": zs.ID[:10]}, 0, 0, nil},
		{"label case-sensitive", map[string]any{"label": "vip", "limit": 100}, count(func(c Customer) bool { return strings.Contains(c.Label, "vip") }), -1,
			func(t *testing.T, out subCustomersOut) {
				for _, c := range out.CustomerInfos {
					if c.Label == "VIP大客户" {
						t.Error("label vip matched VIP大客户")
					}
				}
			}},
		{"label upper case", map[string]any{"label": "VIP"}, 1, 1, nil},
		{"referral only", map[string]any{"association_type": "1", "limit": 100}, count(func(c Customer) bool { return c.AssociationType == "1" }), -1,
			func(t *testing.T, out subCustomersOut) {
				for _, c := range out.CustomerInfos {
					if c.AssociationType != "1" {
						t.Errorf("association_type %q", c.AssociationType)
					}
				}
			}},
		{"associated window", map[string]any{"associated_on_begin": begin.Format(timeLayout), "associated_on_end": testNow.Format(timeLayout), "limit": 100},
			count(func(c Customer) bool { return !c.AssociatedOn.Before(begin) }), -1, nil},
		{"empty strings are no filter", map[string]any{"account_name": "", "label": "", "customer": ""}, len(all), 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			var out subCustomersOut
			p.post(pathSubCustomers, tc.body).want(t, 200, "").into(t, &out)
			if out.Count != tc.wantCount {
				t.Errorf("count = %d, want %d", out.Count, tc.wantCount)
			}
			wantLen := tc.wantLen
			if wantLen < 0 {
				wantLen = min(tc.wantCount, 10)
				if m, ok := tc.body.(map[string]any); ok && m["limit"] != nil {
					wantLen = min(tc.wantCount, m["limit"].(int))
				}
			}
			if len(out.CustomerInfos) != wantLen {
				t.Errorf("len(customer_infos) = %d, want %d", len(out.CustomerInfos), wantLen)
			}
			if tc.check != nil {
				tc.check(t, out)
			}
		})
	}

	t.Run("every field of §1", func(t *testing.T) {
		r := p.post(pathSubCustomers, map[string]any{"customer_id": zs.ID})
		for _, f := range []string{"customer_id", "account_name", "customer", "associated_on", "association_type", "label",
			"telephone", "country_code", "email", "verified_status", "customer_type", "is_frozen", "customer_level",
			"xaccount_id", "xaccount_type"} {
			if !contains(string(r.body), `"`+f+`":`) {
				t.Errorf("field %s missing: %s", f, r.body)
			}
		}
		if !regexp.MustCompile(`"associated_on":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"`).Match(r.body) {
			t.Errorf("associated_on format: %s", r.body)
		}
	})

	t.Run("pages are disjoint and complete", func(t *testing.T) {
		seen := map[string]bool{}
		for off := 0; off < len(all); off += 7 {
			var out subCustomersOut
			p.post(pathSubCustomers, map[string]any{"offset": off, "limit": 7}).into(t, &out)
			for _, c := range out.CustomerInfos {
				if seen[c.CustomerID] {
					t.Fatalf("customer %s on two pages", c.CustomerID)
				}
				seen[c.CustomerID] = true
			}
		}
		if len(seen) != len(all) {
			t.Errorf("paged through %d customers, want %d", len(seen), len(all))
		}
	})
}

func TestListSubCustomersValidation(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	tests := []struct {
		name string
		body any
		code string
		msg  string
	}{
		{"limit 0", `{"limit":0}`, "CBC.0101", "limit"},
		{"limit 101", `{"limit":101}`, "CBC.0101", "limit"},
		{"negative offset", `{"offset":-1}`, "CBC.0101", "offset"},
		{"offset too large", `{"offset":40000001}`, "CBC.0101", "offset"},
		{"limit as string", `{"limit":"10"}`, "CBC.0100", "limit"},
		{"limit as float", `{"limit":1.5}`, "CBC.0100", "limit"},
		{"huge number", `{"offset":1e40}`, "CBC.0100", "offset"},
		{"association type 3", `{"association_type":"3"}`, "CBC.0101", "association_type"},
		{"association type number", `{"association_type":2}`, "CBC.0100", "association_type"},
		{"empty begin", `{"associated_on_begin":""}`, "CBC.0101", "associated_on_begin"},
		{"bad end", `{"associated_on_end":"2026-11-25 00:00:00"}`, "CBC.0101", "associated_on_end"},
		{"account name too long", map[string]any{"account_name": strings.Repeat("a", 65)}, "CBC.0101", "account_name"},
		{"account name with space", `{"account_name":"zhang san"}`, "CBC.0101", "account_name"},
		// bss-api.md Corrections, "ListSubCustomers customer": customer takes no spaces (SDK
		// model_query_sub_customer_list_req.go, 不支持携带空格查询), like account_name and label.
		{"customer with space", `{"customer":"ACME Ltd"}`, "CBC.0101", "customer"},
		{"customer with a full-width space", `{"customer":"北京　星河"}`, "CBC.0101", "customer"},
		{"customer with a tab", `{"customer":"ACME\tLtd"}`, "CBC.0101", "customer"},
		{"label with space", `{"label":"big customer"}`, "CBC.0101", "label"},
		{"unknown field", `{"offset":0,"page_size":10}`, "CBC.0100", "page_size"},
		{"wrong case", `{"Limit":10}`, "CBC.0100", "Limit"},
		{"indirect partner", `{"indirect_partner_id":"abc"}`, "CBC.99000037", ""},
		{"not JSON", `offset=0`, "CBC.0100", "JSON"},
		{"array", `[]`, "CBC.0100", "JSON object"},
		{"empty body", ``, "CBC.0100", "empty"},
		{"truncated", `{"offset":`, "CBC.0100", ""},
		{"two objects", `{}{}`, "CBC.0100", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			r := p.post(pathSubCustomers, tc.body).want(t, http.StatusBadRequest, tc.code)
			if msg, _ := r.obj(t)["error_msg"].(string); !strings.Contains(msg, tc.msg) {
				t.Errorf("error_msg %q does not name %q", msg, tc.msg)
			}
		})
	}
}

func TestCustomerBalances(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	var referral, arrears Customer
	for _, c := range s.Customers() {
		if c.AssociationType == "1" && referral.ID == "" {
			referral = c
		}
		if c.Debt > 0 && arrears.ID == "" {
			arrears = c
		}
	}
	if referral.ID == "" || arrears.ID == "" {
		t.Fatal("demo data needs a referral customer and one in arrears")
	}
	infos := func(ids ...string) map[string]any {
		var list []map[string]string
		for _, id := range ids {
			list = append(list, map[string]string{"customer_id": id})
		}
		return map[string]any{"customer_infos": list}
	}
	r := p.post(pathBalances, infos(zs.ID, referral.ID, "nosuchcustomer", arrears.ID, zs.ID)).want(t, 200, "")
	if !contains(string(r.body), `"customer_id":"`+zs.ID+`","amount":1580.00,"debt_amount":0.00,"currency":"CNY","measure_id":1`) {
		t.Errorf("张三's balance not encoded as two-decimal numbers: %s", r.body)
	}
	var out struct {
		CustomerBalances []struct {
			CustomerID string  `json:"customer_id"`
			Amount     float64 `json:"amount"`
			DebtAmount float64 `json:"debt_amount"`
		} `json:"customer_balances"`
	}
	r.into(t, &out)
	if len(out.CustomerBalances) != 2 {
		t.Fatalf("want 张三 and the arrears customer only (referral, unknown and duplicate filtered), got %s", r.body)
	}
	if b := out.CustomerBalances[1]; b.CustomerID != arrears.ID || b.DebtAmount <= 0 || b.Amount != 0 {
		t.Errorf("arrears customer: %+v", b)
	}

	s.SetBalance(zs.ID, "12.34", "0.5")
	r = p.post(pathBalances, infos(zs.ID))
	if !contains(string(r.body), `"amount":12.34,"debt_amount":0.50`) {
		t.Errorf("after SetBalance: %s", r.body)
	}

	var many []string
	for i := 0; i < 101; i++ {
		many = append(many, zs.ID)
	}
	p.post(pathBalances, infos(many...)).want(t, 400, "CBC.0101")
	p.post(pathBalances, `{}`).want(t, 400, "CBC.0100")
	p.post(pathBalances, `{"customer_infos":[]}`).want(t, 400, "CBC.0100")
	p.post(pathBalances, `{"customer_infos":null}`).want(t, 400, "CBC.0100")
	p.post(pathBalances, `{"customer_infos":[{"customer_id":""}]}`).want(t, 400, "CBC.0100")
	p.post(pathBalances, `{"customer_infos":[{"id":"x"}]}`).want(t, 400, "CBC.0100")
}

func TestPartnerBalances(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	r := p.get(pathPartnerBal).want(t, 200, "")
	var out struct {
		AccountBalances []struct {
			AccountType  int      `json:"account_type"`
			Amount       float64  `json:"amount"`
			CreditAmount *float64 `json:"credit_amount"`
			Currency     string   `json:"currency"`
			MeasureID    int      `json:"measure_id"`
		} `json:"account_balances"`
	}
	r.into(t, &out)
	if len(out.AccountBalances) != 4 {
		t.Fatalf("want 4 accounts: %s", r.body)
	}
	for _, a := range out.AccountBalances {
		if (a.AccountType == 2) != (a.CreditAmount != nil) || a.Currency != "CNY" || a.MeasureID != 1 {
			t.Errorf("account %+v", a)
		}
	}
	if !contains(string(r.body), `"amount":125000.00`) {
		t.Errorf("amount encoding: %s", r.body)
	}
	p.get(pathPartnerBal+"?indirect_partner_id=x").want(t, 400, "CBC.99000037")
}
