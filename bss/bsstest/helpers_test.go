package bsstest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// testNow is the fixed clock of most tests.
var testNow = time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// newFake starts a fake on the fixed clock with the demo data.
func newFake(t *testing.T, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = fixedNow
	}
	return NewTestServer(t, opts)
}

// caller signs requests by hand with bss.Sign.
type caller struct {
	t        testing.TB
	s        *Server
	cred     bss.Credentials
	at       func() time.Time  // signing time; nil = testNow
	domainID string            // X-Domain-Id; "" = the account of cred (see domainFor)
	noDomain bool              // send no X-Domain-Id
	headers  map[string]string // set before signing
	hc       *http.Client
}

func partner(t testing.TB, s *Server) *caller {
	return &caller{t: t, s: s, cred: SandboxCredentials}
}

// reply is an answer read fully.
type reply struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r reply) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

// into decodes the body into v.
func (r reply) into(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %T: %v\n%s", v, err, r.body)
	}
}

func (r reply) code(t testing.TB) string {
	t.Helper()
	m := r.obj(t)
	if c, ok := m["error_code"].(string); ok {
		return c
	}
	if e, ok := m["error"].(map[string]any); ok {
		c, _ := e["code"].(string)
		return c
	}
	return ""
}

// want checks status (and error code when code != "").
func (r reply) want(t testing.TB, status int, code string) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body %s", r.status, status, r.body)
	}
	if code != "" {
		if got := r.code(t); got != code {
			t.Fatalf("error_code = %q, want %q; body %s", got, code, r.body)
		}
	}
	return r
}

// body turns a request body argument into bytes: string and []byte are sent as is, nil as
// nothing, anything else as JSON.
func body(t testing.TB, v any) []byte {
	t.Helper()
	switch b := v.(type) {
	case nil:
		return nil
	case string:
		return []byte(b)
	case []byte:
		return b
	default:
		out, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func (c *caller) request(method, path string, payload []byte) *http.Request {
	c.t.Helper()
	req, err := http.NewRequest(method, c.s.URL+path, bytes.NewReader(payload))
	if err != nil {
		c.t.Fatal(err)
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	switch {
	case c.noDomain:
	case c.domainID != "":
		req.Header.Set(bss.HeaderDomainID, c.domainID)
	default:
		if d := domainFor(c.s, c.cred); d != "" {
			req.Header.Set(bss.HeaderDomainID, d)
		}
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	at := testNow
	if c.at != nil {
		at = c.at()
	}
	bss.Sign(req, payload, c.cred, at)
	return req
}

func (c *caller) send(req *http.Request) reply {
	c.t.Helper()
	hc := c.hc
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.Header.Get(bss.HeaderRequestID) == "" {
		c.t.Errorf("%s %s: no X-Request-Id in the answer", req.Method, req.URL.Path)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// do signs and sends a request.
func (c *caller) do(method, path string, payload any) reply {
	c.t.Helper()
	return c.send(c.request(method, path, body(c.t, payload)))
}

func (c *caller) post(path string, payload any) reply {
	c.t.Helper()
	return c.do(http.MethodPost, path, payload)
}

func (c *caller) get(path string) reply {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

// domainFor is the account id that calls signed with cred carry, as a client does: the
// partner's for the partner's key, the customer's for temporary credentials, "" for an unknown
// key.
func domainFor(s *Server, cred bss.Credentials) string {
	if cred.AccessKey == s.partner.AccessKey {
		return s.domainID
	}
	s.tmu.Lock()
	defer s.tmu.Unlock()
	if tc := s.temps[cred.AccessKey]; tc != nil {
		return tc.customerID
	}
	return ""
}

// customerCreds swaps partner credentials for the customer's temporary credentials.
func customerCreds(t testing.TB, s *Server, account string) bss.Credentials {
	t.Helper()
	r := partner(t, s).post(pathIAM, map[string]any{"auth": map[string]any{"identity": map[string]any{
		"methods":     []string{"assume_role"},
		"assume_role": map[string]any{"domain_name": account, "agency_name": SandboxAgency, "duration_seconds": 3600},
	}}})
	r.want(t, http.StatusCreated, "")
	var out struct {
		Credential struct {
			Access, Secret, Securitytoken, ExpiresAt string
		}
	}
	r.into(t, &out)
	return bss.Credentials{AccessKey: out.Credential.Access, SecretKey: out.Credential.Secret,
		SecurityToken: out.Credential.Securitytoken}
}

func customer(t testing.TB, s *Server, account string) *caller {
	t.Helper()
	return &caller{t: t, s: s, cred: customerCreds(t, s, account)}
}

// findCustomer returns the customer with an account name.
func findCustomer(t testing.TB, s *Server, account string) Customer {
	t.Helper()
	for _, c := range s.Customers() {
		if c.AccountName == account {
			return c
		}
	}
	t.Fatalf("no customer %q", account)
	return Customer{}
}

// findResource returns the resource of a customer with a name.
func findResource(t testing.TB, s *Server, customerID, name string) Resource {
	t.Helper()
	for _, r := range s.Resources(customerID) {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no resource %q", name)
	return Resource{}
}

func attachedOf(s *Server, r Resource) []Resource {
	var out []Resource
	for _, x := range s.Resources(r.CustomerID) {
		if x.ParentResourceID == r.ResourceID {
			out = append(out, x)
		}
	}
	return out
}

const (
	pathSubCustomers = "/v2/partners/sub-customers/query"
	pathBalances     = "/v2/accounts/customer-accounts/balances/batch-query"
	pathPartnerBal   = "/v2/accounts/partner-accounts/balances"
	pathResources    = "/v2/orders/suscriptions/resources/query"
	pathRenew        = "/v2/orders/subscriptions/resources/renew"
	pathUnsubscribe  = "/v2/orders/subscriptions/resources/unsubscribe"
	pathAutoRenew    = "/v2/orders/subscriptions/resources/autorenew/"
	pathOrders       = "/v2/orders/customer-orders"
	pathOrderDetails = "/v2/orders/customer-orders/details/"
	pathSubRate      = "/v2/bills/ratings/period-resources/subscribe-rate"
	pathRenewRate    = "/v2/bills/ratings/period-resources/renew-rate"
	pathQuotas       = "/v2/partners/coupon-quotas/query"
	pathReclaim      = "/v2/partners/coupon-quotas/indirect-partner-reclaim"
	pathIAM          = "/v3.0/OS-CREDENTIAL/securitytokens"
	pathDomains      = "/v3/auth/domains"
)

func contains(s, sub string) bool { return strings.Contains(s, sub) }
