package bsstest

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

func TestSignature(t *testing.T) {
	s := newFake(t, Options{})
	cust := customerCreds(t, s, "zhangsan")
	good := []byte(`{"offset":0,"limit":1}`)
	tests := []struct {
		name    string
		prepare func(t *testing.T) *http.Request
		status  int
		code    string
		reason  string
	}{
		{"valid partner signature", func(t *testing.T) *http.Request {
			return partner(t, s).request("POST", pathSubCustomers, good)
		}, 200, "", ""},
		{"tampered body", func(t *testing.T) *http.Request {
			req := partner(t, s).request("POST", pathSubCustomers, good)
			tampered := []byte(`{"offset":0,"limit":9}`)
			req.Body = io.NopCloser(bytes.NewReader(tampered))
			req.ContentLength = int64(len(tampered))
			return req
		}, 401, "APIG.0301", "signature"},
		{"tampered query", func(t *testing.T) *http.Request {
			req := partner(t, s).request("GET", pathOrders+"?limit=1", nil)
			req.URL.RawQuery = "limit=2"
			return req
		}, 401, "APIG.0301", "signature"},
		{"stale date", func(t *testing.T) *http.Request {
			c := partner(t, s)
			c.at = func() time.Time { return testNow.Add(-16 * time.Minute) }
			return c.request("POST", pathSubCustomers, good)
		}, 401, "APIG.0301", "X-Sdk-Date"},
		{"future date", func(t *testing.T) *http.Request {
			c := partner(t, s)
			c.at = func() time.Time { return testNow.Add(16 * time.Minute) }
			return c.request("POST", pathSubCustomers, good)
		}, 401, "APIG.0301", "X-Sdk-Date"},
		{"date within skew", func(t *testing.T) *http.Request {
			c := partner(t, s)
			c.at = func() time.Time { return testNow.Add(-14 * time.Minute) }
			return c.request("POST", pathSubCustomers, good)
		}, 200, "", ""},
		{"wrong secret key", func(t *testing.T) *http.Request {
			c := partner(t, s)
			c.cred.SecretKey = "NOTTHESECRET"
			return c.request("POST", pathSubCustomers, good)
		}, 401, "APIG.0301", "signature"},
		{"unknown access key", func(t *testing.T) *http.Request {
			c := partner(t, s)
			c.cred.AccessKey = "NOSUCHAK"
			return c.request("POST", pathSubCustomers, good)
		}, 401, "APIG.0301", "access key"},
		{"no Authorization header", func(t *testing.T) *http.Request {
			req := partner(t, s).request("POST", pathSubCustomers, good)
			req.Header.Del("Authorization")
			return req
		}, 401, "APIG.0301", "missing"},
		{"malformed Authorization header", func(t *testing.T) *http.Request {
			req := partner(t, s).request("POST", pathSubCustomers, good)
			req.Header.Set("Authorization", "Bearer abc")
			return req
		}, 401, "APIG.0301", "malformed"},
		{"date not signed", func(t *testing.T) *http.Request {
			req := partner(t, s).request("POST", pathSubCustomers, good)
			a := req.Header.Get("Authorization")
			req.Header.Set("Authorization", strings.Replace(a, ";x-sdk-date,", ",", 1))
			return req
		}, 401, "APIG.0301", ""},
		{"temporary credentials with token", func(t *testing.T) *http.Request {
			return (&caller{t: t, s: s, cred: cust}).request("POST", pathResources, []byte(`{}`))
		}, 200, "", ""},
		{"temporary credentials without token", func(t *testing.T) *http.Request {
			c := &caller{t: t, s: s, cred: cust}
			c.cred.SecurityToken = ""
			return c.request("POST", pathResources, []byte(`{}`))
		}, 401, "APIG.0301", "X-Security-Token"},
		{"temporary credentials with another token", func(t *testing.T) *http.Request {
			c := &caller{t: t, s: s, cred: cust}
			c.cred.SecurityToken = "forged"
			return c.request("POST", pathResources, []byte(`{}`))
		}, 401, "APIG.0301", "X-Security-Token"},
		{"token added after signing", func(t *testing.T) *http.Request {
			c := &caller{t: t, s: s, cred: cust}
			c.cred.SecurityToken = ""
			req := c.request("POST", pathResources, []byte(`{}`))
			req.Header.Set(bss.HeaderToken, cust.SecurityToken)
			return req
		}, 401, "APIG.0301", "signed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.prepare(t)
			r := partner(t, s).send(req)
			r.want(t, tc.status, tc.code)
			if tc.status == 401 {
				m := r.obj(t)
				if m["request_id"] != r.header.Get(bss.HeaderRequestID) {
					t.Errorf("request_id %v does not match header %q", m["request_id"], r.header.Get(bss.HeaderRequestID))
				}
				if msg, _ := m["error_msg"].(string); !strings.HasPrefix(msg, "Incorrect IAM authentication information") ||
					!strings.Contains(msg, tc.reason) {
					t.Errorf("error_msg = %q, want it to mention %q", msg, tc.reason)
				}
			}
		})
	}
}

func TestSignatureWithSignedHostAndDomain(t *testing.T) {
	s := newFake(t, Options{DomainID: "PARTNERDOMAIN"})
	c := partner(t, s)
	c.domainID = "PARTNERDOMAIN"
	req, _ := http.NewRequest("POST", s.URL+pathSubCustomers, strings.NewReader(`{}`+"\n"))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "huaweicloud-usdk-go/3.0")
	req.Header.Set("Host", req.URL.Host)
	req.Header.Set(bss.HeaderDomainID, "PARTNERDOMAIN")
	bss.Sign(req, []byte("{}\n"), SandboxCredentials, testNow)
	if !strings.Contains(req.Header.Get("Authorization"), "SignedHeaders=host;user-agent;x-domain-id;x-sdk-date") {
		t.Fatalf("unexpected signed headers: %s", req.Header.Get("Authorization"))
	}
	c.send(req).want(t, 200, "")
}

func TestExpiredTemporaryCredentials(t *testing.T) {
	now := testNow
	s := NewTestServer(t, Options{Now: func() time.Time { return now }, TempCredentialTTL: 10 * time.Minute})
	cred := customerCreds(t, s, "zhangsan")
	c := &caller{t: t, s: s, cred: cred, at: func() time.Time { return now }}
	c.post(pathResources, `{}`).want(t, 200, "")
	now = now.Add(11 * time.Minute)
	r := c.post(pathResources, `{}`).want(t, 401, "APIG.0301")
	if !contains(string(r.body), "expired") {
		t.Errorf("error should say the key expired: %s", r.body)
	}
}

func TestCredentialKinds(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	renew := map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1}
	tests := []struct {
		name   string
		who    *caller
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"partner on renew", p, "POST", pathRenew, renew, 403, "CBC.0155"},
		{"partner on unsubscribe", p, "POST", pathUnsubscribe, map[string]any{"resource_ids": []string{web.ResourceID}, "unsubscribe_type": 1}, 403, "CBC.0155"},
		{"partner on autorenew", p, "POST", pathAutoRenew + web.ResourceID, nil, 403, "CBC.0155"},
		{"partner on autorenew cancel", p, "DELETE", pathAutoRenew + web.ResourceID, nil, 403, "CBC.0155"},
		{"partner on subscribe-rate", p, "POST", pathSubRate, `{}`, 403, "CBC.0155"},
		{"partner on renew-rate", p, "POST", pathRenewRate, `{}`, 403, "CBC.0155"},
		{"customer on sub-customers", c, "POST", pathSubCustomers, `{}`, 403, "CBC.0155"},
		{"customer on balances", c, "POST", pathBalances, `{}`, 403, "CBC.0155"},
		{"customer on partner balances", c, "GET", pathPartnerBal, nil, 403, "CBC.0155"},
		{"customer on orders", c, "GET", pathOrders, nil, 403, "CBC.0155"},
		{"customer on quotas", c, "POST", pathQuotas, `{}`, 403, "CBC.0155"},
		{"customer on reclaim", c, "POST", pathReclaim, `{}`, 403, "CBC.0155"},
		{"customer on IAM", c, "POST", pathIAM, `{}`, 403, "IAM.0001"},
		{"customer on own resources", c, "POST", pathResources, `{}`, 200, ""},
		{"customer names itself", c, "POST", pathResources, map[string]any{"customer_id": zs.ID}, 200, ""},
		{"customer names another customer", c, "POST", pathResources, map[string]any{"customer_id": findCustomer(t, s, "lisi").ID}, 400, "CBC.99000000"},
		{"partner on resources", p, "POST", pathResources, map[string]any{"customer_id": zs.ID}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.who.t = t
			r := tc.who.do(tc.method, tc.path, tc.body).want(t, tc.status, tc.code)
			if tc.code == "CBC.0155" && !contains(string(r.body), "request not allowed") {
				t.Errorf("error_msg should say the request is not allowed: %s", r.body)
			}
		})
	}
	if r, _ := s.Resource(web.ResourceID); !r.ExpireTime.Equal(web.ExpireTime) {
		t.Error("a refused renew changed the resource")
	}
}

// TestDomainID: BSS calls carry, signed, the account id of the signing key in X-Domain-Id —
// the partner's for its key, the customer's for temporary credentials through its agency.
func TestDomainID(t *testing.T) {
	s := newFake(t, Options{DomainID: "PARTNERDOMAIN"})
	zs := findCustomer(t, s, "zhangsan")
	lisi := findCustomer(t, s, "lisi")
	cust := customerCreds(t, s, "zhangsan")
	unsigned := func(c *caller) func(*http.Request) {
		return func(req *http.Request) { req.Header.Set(bss.HeaderDomainID, c.domainID) }
	}
	tests := []struct {
		name    string
		cred    bss.Credentials
		domain  string // "" with none = no header
		none    bool
		after   bool // set the header after signing
		path    string
		status  int
		code    string
		msgPart string
	}{
		{"partner, its account", SandboxCredentials, "PARTNERDOMAIN", false, false, pathSubCustomers, 200, "", ""},
		{"partner, no header", SandboxCredentials, "", true, false, pathSubCustomers, 401, "APIG.0301", "X-Domain-Id is missing"},
		{"partner, another account", SandboxCredentials, "OTHER", false, false, pathSubCustomers, 401, "APIG.0301", "not the account of the access key"},
		{"partner, the customer's account", SandboxCredentials, zs.ID, false, false, pathSubCustomers, 401, "APIG.0301", "not the account"},
		{"partner, header not signed", SandboxCredentials, "PARTNERDOMAIN", false, true, pathSubCustomers, 401, "APIG.0301", "signed headers"},
		{"customer, its account", cust, zs.ID, false, false, pathResources, 200, "", ""},
		{"customer, no header", cust, "", true, false, pathResources, 401, "APIG.0301", "missing"},
		{"customer, the partner's account", cust, "PARTNERDOMAIN", false, false, pathResources, 401, "APIG.0301", "not the account"},
		{"customer, another customer's account", cust, lisi.ID, false, false, pathResources, 401, "APIG.0301", "not the account"},
		{"IAM without the header", SandboxCredentials, "", true, false, pathDomains, 200, "", ""},
		{"IAM with the partner's account", SandboxCredentials, "PARTNERDOMAIN", false, false, pathDomains, 200, "", ""},
		{"IAM with another account", SandboxCredentials, "OTHER", false, false, pathDomains, 401, "APIG.0301", "not the account"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &caller{t: t, s: s, cred: tc.cred, domainID: tc.domain, noDomain: tc.none || tc.after}
			method, body := "POST", []byte(`{}`)
			if tc.path == pathDomains {
				method, body = "GET", nil
			}
			req := c.request(method, tc.path, body)
			if tc.after {
				unsigned(c)(req)
			}
			r := c.send(req).want(t, tc.status, tc.code)
			if tc.msgPart != "" && !contains(string(r.body), tc.msgPart) {
				t.Errorf("error should say %q: %s", tc.msgPart, r.body)
			}
		})
	}
}

// TestAuthDomains: GET /v3/auth/domains names the account of the signing key, as IAM's
// KeystoneListAuthDomains does.
func TestAuthDomains(t *testing.T) {
	s := newFake(t, Options{})
	zs := findCustomer(t, s, "zhangsan")
	var out struct {
		Domains []struct {
			ID      string `json:"id"`
			Name    string `json:"name"`
			Enabled bool   `json:"enabled"`
			Links   struct {
				Self string `json:"self"`
			} `json:"links"`
		} `json:"domains"`
		Links struct {
			Self string `json:"self"`
		} `json:"links"`
	}
	partner(t, s).get(pathDomains).want(t, 200, "").into(t, &out)
	if len(out.Domains) != 1 || out.Domains[0].ID != SandboxDomainID || out.Domains[0].Name != SandboxDomainName ||
		!out.Domains[0].Enabled || !strings.HasSuffix(out.Links.Self, pathDomains) || !strings.HasSuffix(out.Domains[0].Links.Self, SandboxDomainID) {
		t.Errorf("partner: %+v", out)
	}
	c := customer(t, s, "zhangsan")
	c.noDomain = true // what a client does before it knows the id
	c.get(pathDomains).want(t, 200, "").into(t, &out)
	if len(out.Domains) != 1 || out.Domains[0].ID != zs.ID || out.Domains[0].Name != "zhangsan" {
		t.Errorf("customer: %+v", out)
	}
	// IAM errors have IAM's shape, with a numeric code where Keystone gives one.
	s.Inject("GET", pathDomains, Fault{Status: 403})
	r := partner(t, s).get(pathDomains).want(t, 403, "")
	var e struct {
		Error struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
			Title   string `json:"title"`
		} `json:"error"`
	}
	r.into(t, &e)
	if e.Error.Code != 403 || e.Error.Message == "" || e.Error.Title != "Forbidden" {
		t.Errorf("IAM error body %s", r.body)
	}
}

func TestIAMSecurityTokens(t *testing.T) {
	s := newFake(t, Options{TempCredentialTTL: 2 * time.Hour})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	var noX Customer
	for _, c := range s.Customers() {
		if c.XAccountType == "" {
			noX = c
			break
		}
	}
	if noX.ID == "" {
		t.Fatal("demo data should hold a customer without xaccount_type")
	}
	body := func(role map[string]any) map[string]any {
		return map[string]any{"auth": map[string]any{"identity": map[string]any{
			"methods": []string{"assume_role"}, "assume_role": role}}}
	}
	tests := []struct {
		name    string
		body    any
		status  int
		code    string
		expires string
	}{
		{"by domain name", body(map[string]any{"domain_name": "zhangsan", "agency_name": SandboxAgency, "duration_seconds": 3600}),
			201, "", "2026-11-25T02:00:00.000000Z"},
		{"by domain id, xaccount_type agency", body(map[string]any{"domain_id": zs.ID, "agency_name": zs.XAccountType}),
			201, "", "2026-11-25T03:00:00.000000Z"},
		{"customer without xaccount_type, sandbox agency", body(map[string]any{"domain_id": noX.ID, "agency_name": SandboxAgency, "duration_seconds": 900}),
			201, "", "2026-11-25T01:15:00.000000Z"},
		{"wrong agency", body(map[string]any{"domain_name": "zhangsan", "agency_name": "someone_else"}), 403, "IAM.0001", ""},
		{"unknown customer", body(map[string]any{"domain_name": "nobody", "agency_name": SandboxAgency}), 403, "IAM.0001", ""},
		{"no domain", body(map[string]any{"agency_name": SandboxAgency}), 400, "IAM.0006", ""},
		{"no agency", body(map[string]any{"domain_name": "zhangsan"}), 400, "IAM.0006", ""},
		{"duration too short", body(map[string]any{"domain_name": "zhangsan", "agency_name": SandboxAgency, "duration_seconds": 60}), 400, "IAM.0006", ""},
		{"wrong method", map[string]any{"auth": map[string]any{"identity": map[string]any{"methods": []string{"password"}}}}, 400, "IAM.0006", ""},
		{"unknown field", body(map[string]any{"domain_name": "zhangsan", "agency_name": SandboxAgency, "bogus": 1}), 400, "IAM.0006", ""},
		{"not JSON", "auth=1", 400, "IAM.0006", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.t = t
			r := p.post(pathIAM, tc.body).want(t, tc.status, tc.code)
			if tc.status != 201 {
				e, _ := r.obj(t)["error"].(map[string]any)
				if e["message"] == "" || e["title"] == "" {
					t.Errorf("IAM error shape expected: %s", r.body)
				}
				return
			}
			var out struct {
				Credential map[string]string `json:"credential"`
			}
			r.into(t, &out)
			for _, k := range []string{"access", "secret", "securitytoken", "expires_at"} {
				if out.Credential[k] == "" {
					t.Errorf("credential.%s is empty", k)
				}
			}
			if out.Credential["expires_at"] != tc.expires {
				t.Errorf("expires_at = %s, want %s", out.Credential["expires_at"], tc.expires)
			}
		})
	}
}

func TestUnknownPath(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	for _, tc := range []struct{ method, path string }{
		{"POST", "/v2/partners/sub-customers/query/"},
		{"GET", pathSubCustomers},
		{"POST", "/v2/orders/subscriptions/resources/query"}, // the correctly spelt path does not exist
		{"PUT", pathAutoRenew + "abc"},
		{"POST", pathAutoRenew},
		{"GET", pathOrderDetails},
		{"GET", "/"},
	} {
		r := p.do(tc.method, tc.path, nil).want(t, 404, "APIG.0101")
		if !contains(string(r.body), "does not exist or has not been published") {
			t.Errorf("%s %s: %s", tc.method, tc.path, r.body)
		}
	}
	// Unsigned calls to unknown paths are still 404, as at the gateway.
	resp, err := http.Get(s.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 || resp.Header.Get(bss.HeaderRequestID) == "" {
		t.Errorf("status %d, request id %q", resp.StatusCode, resp.Header.Get(bss.HeaderRequestID))
	}
}

// TestInternationalSite: the international site has no balance or coupon-quota APIs (SDK
// services/bssintl/v2/bssintl_meta.go): they answer 404 like any unpublished API.
func TestInternationalSite(t *testing.T) {
	intl := newFake(t, Options{International: true})
	china := newFake(t, Options{})
	for _, tc := range []struct {
		method, path string
		body         any
	}{
		{"POST", pathBalances, `{"customer_infos":[]}`},
		{"GET", pathPartnerBal, nil},
		{"POST", pathQuotas, `{}`},
		{"POST", pathReclaim, `{"quota_ids":["Q1"]}`},
	} {
		r := partner(t, intl).do(tc.method, tc.path, tc.body).want(t, 404, "APIG.0101")
		if !contains(string(r.body), "does not exist or has not been published") {
			t.Errorf("%s: %s", tc.path, r.body)
		}
		if r := partner(t, china).do(tc.method, tc.path, tc.body); r.status == 404 {
			t.Errorf("the Chinese site lacks %s", tc.path)
		}
	}
	partner(t, intl).post(pathSubCustomers, `{}`).want(t, 200, "")
	customer(t, intl, "zhangsan").post(pathResources, `{}`).want(t, 200, "")
}
