package bsstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
)

// fuzzRoutes are every operation with the credentials it accepts (true = customer).
var fuzzRoutes = []struct {
	method, path string
	customer     bool
}{
	{"POST", pathSubCustomers, false},
	{"POST", pathBalances, false},
	{"GET", pathPartnerBal, false},
	{"POST", pathResources, false},
	{"POST", pathResources, true},
	{"POST", pathRenew, true},
	{"POST", pathUnsubscribe, true},
	{"POST", pathAutoRenew + "x", true},
	{"DELETE", pathAutoRenew + "x", true},
	{"GET", pathOrders, false},
	{"GET", pathOrderDetails + "x", false},
	{"POST", pathSubRate, true},
	{"POST", pathRenewRate, true},
	{"POST", pathQuotas, false},
	{"POST", pathReclaim, false},
	{"POST", pathIAM, false},
}

var fuzzBodies = []string{
	``, `{}`, `null`, `[]`, `"x"`, `{"a":`, `{}{}`, `{"offset":-99999999999999999999}`,
	`{"limit":1e308}`, `{"resource_ids":[null]}`, `{"resource_ids":[1,2]}`, `{"customer_infos":[null]}`,
	`{"product_infos":[{"id":null}]}`, `{"product_infos":[{}]}`, `{"project_id":"p","product_infos":[{"id":"1","cloud_service_type":"a","resource_type":"b","resource_spec":"c","region":"d","period_type":2,"period_num":1,"subscription_num":1}]}`,
	`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"domain_name":"zhangsan","agency_name":"x"}}}}`,
	`{"auth":null}`, `{"resource_ids":["a"],"period_type":2,"period_num":1,"is_auto_pay":1}`,
	`{"resource_ids":["a"],"unsubscribe_type":2}`, `{"quota_ids":["a"],"remark":null}`, `{"status_list":[5,5,5]}`,
	`{"expire_time_begin":"9999-12-31T23:59:59Z","expire_time_end":"0001-01-01T00:00:00Z"}`,
	"\xff\xfe", `{"customer":"\u0000"}`, `{"auto_renew_times":-1}`,
}

// checkAnswer fails on a server error or an answer that is neither empty nor JSON.
func checkAnswer(t *testing.T, rec *httptest.ResponseRecorder, what string) {
	t.Helper()
	if rec.Code >= 500 {
		t.Errorf("%s: status %d: %s", what, rec.Code, rec.Body)
	}
	if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
		t.Errorf("%s: invalid JSON answer %q", what, rec.Body)
	}
	if rec.Header().Get(bss.HeaderRequestID) == "" {
		t.Errorf("%s: no request id", what)
	}
}

// serve signs and serves one request in process.
func serve(s *Server, cred bss.Credentials, method, path string, payload []byte) *httptest.ResponseRecorder {
	return serveQuery(s, cred, method, path, "", payload)
}

// serveQuery is serve with a raw query string, which may be anything a client could send.
func serveQuery(s *Server, cred bss.Credentials, method, path, rawQuery string, payload []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "http://bss.example.com"+path, bytesReader(payload))
	req.URL.RawQuery = rawQuery
	req.Header = http.Header{}
	req.Header.Set("Content-Type", "application/json")
	if d := domainFor(s, cred); d != "" {
		req.Header.Set(bss.HeaderDomainID, d)
	}
	bss.Sign(req, payload, cred, testNow)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	return rec
}

func TestGarbageBodies(t *testing.T) {
	s := New(Options{Now: fixedNow})
	cust := issueDirect(t, s, "zhangsan")
	for _, rt := range fuzzRoutes {
		for _, b := range fuzzBodies {
			cred := SandboxCredentials
			if rt.customer {
				cred = cust
			}
			rec := serve(s, cred, rt.method, rt.path, []byte(b))
			checkAnswer(t, rec, rt.method+" "+rt.path+" "+b)
		}
	}
}

func FuzzRequests(f *testing.F) {
	for i := range fuzzRoutes {
		for _, b := range fuzzBodies {
			f.Add(i, "", b)
		}
	}
	f.Add(9, "limit=5&offset=999999999999&status=5&order_by=createTime", "")
	f.Add(9, "create_time_begin=2026-01-01T00:00:00Z&create_time_end=2025-01-01T00:00:00Z", "")
	f.Add(10, "offset=-1", "")
	s := New(Options{Now: fixedNow})
	cust := issueDirect(f, s, "zhangsan")
	f.Fuzz(func(t *testing.T, route int, query, payload string) {
		if route < 0 {
			route = -route
		}
		rt := fuzzRoutes[route%len(fuzzRoutes)]
		cred := SandboxCredentials
		if rt.customer {
			cred = cust
		}
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on %s %s?%s %q: %v", rt.method, rt.path, query, payload, r)
			}
		}()
		rec := serveQuery(s, cred, rt.method, rt.path, query, []byte(payload))
		checkAnswer(t, rec, rt.method+" "+rt.path+"?"+query)
	})
}

// issueDirect gets customer temporary credentials without a network server.
func issueDirect(t testing.TB, s *Server, account string) bss.Credentials {
	t.Helper()
	b := []byte(`{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"domain_name":"` + account + `","agency_name":"` + SandboxAgency + `"}}}}`)
	rec := serve(s, SandboxCredentials, "POST", pathIAM, b)
	if rec.Code != 201 {
		t.Fatalf("IAM: %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Credential struct{ Access, Secret, Securitytoken string }
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return bss.Credentials{AccessKey: out.Credential.Access, SecretKey: out.Credential.Secret, SecurityToken: out.Credential.Securitytoken}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
