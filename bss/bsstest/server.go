package bsstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// Options configure a fake server. The zero value is a usable sandbox.
type Options struct {
	Now     func() time.Time // clock for data and signatures; nil = time.Now (NewTestServer: TestTime)
	Data    *Dataset         // nil = Demo(Now(), 1); New takes ownership
	Partner bss.Credentials  // partner AK/SK accepted on partner ops; zero = SandboxCredentials
	// DomainID is the partner's account (domain) id: every BSS call signed with the partner's
	// key must carry it, signed, in X-Domain-Id; "" = SandboxDomainID. Calls signed with a
	// customer's temporary credentials must carry that customer's id.
	DomainID          string
	DomainName        string        // the partner's account name, as GET /v3/auth/domains shows it; "" = SandboxDomainName
	International     bool          // serve the international site (bss-intl): the APIs it lacks answer 404
	MaxSkew           time.Duration // allowed X-Sdk-Date skew; 0 = 15 minutes
	Latency           time.Duration // added to every call
	RatePerSecond     int           // if > 0, a token bucket per API; excess calls get 429 CBC.0250
	TempCredentialTTL time.Duration // lifetime of agency temporary credentials; 0 = 1h
	// AuthNow, when set, is the clock X-Sdk-Date skews and temporary credentials' lifetimes are
	// checked against instead of Now: for a sandbox whose data sits at a fixed time while its
	// clients sign with the real one. NewTestServer sets it to time.Now when Now is nil.
	AuthNow func() time.Time
}

// SandboxCredentials are the partner credentials accepted when Options.Partner is zero.
var SandboxCredentials = bss.Credentials{AccessKey: "SANDBOXPARTNERAK", SecretKey: "SANDBOXPARTNERSK"}

// The partner account the sandbox's partner key belongs to.
const (
	SandboxDomainID   = "0d5a4f0c2b9e4d47a1b3c6d2e1f0a9b8"
	SandboxDomainName = "partnerbot-sandbox"
)

// SandboxAgency is the agency name the fake accepts for every customer (besides the
// customer's own XAccountType).
const SandboxAgency = "partnerbot_sandbox"

// maxBody bounds request bodies; larger ones are refused with 400 CBC.0100.
const maxBody = 1 << 20

// maxCalls bounds the call log; the oldest half is dropped when it is reached, so that a
// long-running sandbox does not grow without bound.
const maxCalls = 100_000

// Server is the fake. It is an http.Handler, safe for concurrent use.
type Server struct {
	// URL is the base URL of the test server started by NewTestServer ("" otherwise).
	URL string

	opts       Options
	now        func() time.Time
	authNow    func() time.Time
	partner    bss.Credentials
	domainID   string // the partner's account id
	domainName string
	maxSkew    time.Duration
	ttl        time.Duration

	mu dataMu // guards st
	st *store
	// disk, when set, keeps st in a bbolt file that other processes share (Open, persist.go).
	disk *disk

	tmu       sync.Mutex
	temps     map[string]*tempCred // by temporary AK
	tempPrune int                  // prune expired temps when len(temps) reaches this

	callMu sync.Mutex
	calls  []*Call

	faultMu sync.Mutex
	faults  []*faultRule

	limiter *limiter

	closed    chan struct{}
	closeOnce sync.Once

	reqPrefix uint64
	reqSeq    atomic.Uint64
}

// New returns a fake BSS configured by opts.
func New(opts Options) *Server {
	s := &Server{opts: opts, now: opts.Now, partner: opts.Partner, maxSkew: opts.MaxSkew, ttl: opts.TempCredentialTTL,
		temps: make(map[string]*tempCred), closed: make(chan struct{}), reqPrefix: rand.Uint64()}
	if s.now == nil {
		s.now = time.Now
	}
	if s.authNow = opts.AuthNow; s.authNow == nil {
		s.authNow = s.now
	}
	if s.partner == (bss.Credentials{}) {
		s.partner = SandboxCredentials
	}
	s.domainID, s.domainName = opts.DomainID, opts.DomainName
	if s.domainID == "" {
		s.domainID = SandboxDomainID
	}
	if s.domainName == "" {
		s.domainName = SandboxDomainName
	}
	if s.maxSkew <= 0 {
		s.maxSkew = 15 * time.Minute
	}
	if s.ttl <= 0 {
		s.ttl = time.Hour
	}
	ds := opts.Data
	if ds == nil {
		ds = Demo(s.now(), 1)
	}
	s.st = storeOf(ds)
	if opts.RatePerSecond > 0 {
		s.limiter = newLimiter(opts.RatePerSecond)
	}
	return s
}

// TestTime is the time a test sandbox shows unless it is given a clock: a Wednesday in the
// middle of a month, 10:30 in China. Tests that build routers, scanners or stores beside the
// sandbox give them this time too (internal/testenv does), so that what they expect does not
// depend on the day they run.
var TestTime = time.Date(2026, 11, 18, 10, 30, 0, 0, cst)

// EnvTestFile, when set, makes NewTestServer keep each fake's data in a sandbox file (Open)
// in the test's temporary directory: `BSSTEST_FILE=1 go test ./...` checks that a sandbox
// kept in a file answers every test as one in memory does.
const EnvTestFile = "BSSTEST_FILE"

// NewTestServer starts an httptest server around a new fake, sets s.URL and closes both
// when the test ends. Without opts.Now the sandbox's data and clock are fixed at TestTime,
// while signatures are checked against the real clock that clients sign with by default.
func NewTestServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return TestTime }
		if opts.AuthNow == nil {
			opts.AuthNow = time.Now
		}
	}
	s := New(opts)
	if os.Getenv(EnvTestFile) != "" {
		var err error
		if s, err = Open(filepath.Join(t.TempDir(), "sandbox.db"), opts, 0); err != nil {
			t.Fatal(err)
		}
	}
	ts := httptest.NewServer(s)
	s.URL = ts.URL
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s
}

// Close releases requests held by a Hang fault; later hanging requests are released at once.
// It does not stop any listener.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closed) })
}

// apiError is a failure answered with a JSON error body.
type apiError struct {
	status int
	code   string // "" in the IAM shape: the HTTP status as a number, as Keystone APIs answer
	msg    string
	iam    bool // IAM error shape {"error":{...}}
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func errParam(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "CBC.0100", msg: fmt.Sprintf(format, a...)}
}

func errInvalid(format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "CBC.0101", msg: fmt.Sprintf(format, a...)}
}

func errCode(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, a...)}
}

// callerKind tells which credentials signed a request.
type callerKind int

const (
	partnerCaller callerKind = iota + 1
	customerCaller
)

// access says which credentials an operation accepts.
type access int

const (
	partnerOnly access = iota + 1
	customerOnly
	anyCaller
)

// reqCtx is one request being served.
type reqCtx struct {
	s          *Server
	w          http.ResponseWriter
	r          *http.Request
	body       []byte
	param      string // the {resource_id} / {order_id} path parameter
	kind       callerKind
	customerID string   // for customer callers
	signed     []string // the signed headers
	now        time.Time
	authNow    time.Time // what signatures and temporary credentials are checked against
	lang       string
	status     int
	code       string
}

type route struct {
	method    string
	path      string // exact path, or prefix ending in "/" when param
	param     bool
	access    access
	iam       bool
	chinaOnly bool // absent from the international site (SDK services/bssintl/v2/bssintl_meta.go)
	intlOnly  bool // present on the international site only (SDK services/bssintl/v2 alone has it)
	handler   func(*reqCtx)
}

func routes() []route {
	return []route{
		{method: "POST", path: "/v2/partners/sub-customers/query", access: partnerOnly, handler: handleListSubCustomers},
		{method: "POST", path: "/v2/accounts/customer-accounts/balances/batch-query", access: partnerOnly, chinaOnly: true, handler: handleCustomerBalances},
		{method: "GET", path: "/v2/accounts/partner-accounts/balances", access: partnerOnly, chinaOnly: true, handler: handlePartnerBalances},
		{method: "POST", path: "/v2/orders/suscriptions/resources/query", access: anyCaller, handler: handleListResources},
		{method: "POST", path: "/v2/orders/subscriptions/resources/renew", access: customerOnly, handler: handleRenew},
		{method: "POST", path: "/v2/orders/subscriptions/resources/unsubscribe", access: customerOnly, handler: handleUnsubscribe},
		{method: "POST", path: "/v2/orders/subscriptions/resources/autorenew/", param: true, access: customerOnly, handler: handleAutoRenewOn},
		{method: "DELETE", path: "/v2/orders/subscriptions/resources/autorenew/", param: true, access: customerOnly, handler: handleAutoRenewOff},
		{method: "POST", path: "/v2/orders/subscriptions/resources/to-on-demand", access: customerOnly, handler: handleToOnDemand},
		{method: "GET", path: "/v2/orders/customer-orders", access: partnerOnly, handler: handleListOrders},
		{method: "GET", path: "/v2/orders/customer-orders/details/", param: true, access: partnerOnly, handler: handleOrderDetails},
		{method: "POST", path: "/v2/bills/ratings/period-resources/subscribe-rate", access: customerOnly, handler: handleSubscribeRate},
		{method: "POST", path: "/v2/bills/ratings/period-resources/renew-rate", access: customerOnly, handler: handleRenewRate},
		{method: "POST", path: "/v2/partners/coupon-quotas/query", access: partnerOnly, chinaOnly: true, handler: handleListQuotas},
		{method: "POST", path: "/v2/partners/coupon-quotas/indirect-partner-reclaim", access: partnerOnly, chinaOnly: true, handler: handleReclaimQuotas},
		{method: "POST", path: "/v2/accounts/partner-accounts/adjust-amount", access: partnerOnly, chinaOnly: true, handler: handleAdjustAmount},
		{method: "POST", path: "/v2/accounts/partner-accounts/reclaim", access: partnerOnly, chinaOnly: true, handler: handleReclaimBalance},
		{method: "GET", path: "/v2/accounts/partner-accounts/account-change-records", access: partnerOnly, chinaOnly: true, handler: handleAccountChangeRecords},
		{method: "GET", path: "/v3/accounts/partner-accounts/adjust-records", access: partnerOnly, chinaOnly: true, handler: handleAdjustRecords},
		{method: "GET", path: "/v2/bills/partner-bills/subcustomer-bills/monthly-sum", access: partnerOnly, chinaOnly: true, handler: handleMonthlyBills},
		{method: "POST", path: "/v2/promotions/benefits/partner-coupons", access: partnerOnly, chinaOnly: true, handler: handleCreateCoupons},
		{method: "GET", path: "/v2/promotions/benefits/partner-coupons", access: partnerOnly, chinaOnly: true, handler: handleListCoupons},
		{method: "POST", path: "/v2/promotions/benefits/partner-coupons/reclaim", access: partnerOnly, chinaOnly: true, handler: handleReclaimCoupon},
		{method: "GET", path: "/v2/partners/issued-coupon-quotas", access: partnerOnly, chinaOnly: true, handler: handleIssuedQuotas},
		{method: "POST", path: "/v2/partners/sub-customers/on-demand-resources/query", access: partnerOnly, handler: handleOnDemandResources},
		{method: "GET", path: "/v2/partners/sub-customers/budget", access: partnerOnly, intlOnly: true, handler: handleShowBudget},
		{method: "POST", path: "/v2/partners/sub-customers/budget", access: partnerOnly, intlOnly: true, handler: handleUpdateBudget},
		{method: "POST", path: "/v3.0/OS-CREDENTIAL/securitytokens", access: partnerOnly, iam: true, handler: handleSecurityToken},
		{method: "GET", path: "/v3/auth/domains", access: anyCaller, iam: true, handler: handleAuthDomains},
	}
}

var routeTable = routes()

// match finds the route of a request; the second result is the path parameter.
func match(method, path string) (*route, string) {
	for i := range routeTable {
		rt := &routeTable[i]
		if rt.method != method {
			continue
		}
		if !rt.param {
			if path == rt.path {
				return rt, ""
			}
			continue
		}
		if rest, ok := strings.CutPrefix(path, rt.path); ok && rest != "" && !strings.Contains(rest, "/") {
			return rt, rest
		}
	}
	return nil, ""
}

// ServeHTTP serves one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.disk != nil {
		s.servePersisted(w, r)
		return
	}
	s.serve(w, r)
}

// serve answers one request from the data in memory.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	c := &reqCtx{s: s, w: w, r: r, now: s.now().UTC(), authNow: s.authNow().UTC(), lang: r.Header.Get("X-Language")}
	w.Header().Set(bss.HeaderRequestID, s.requestID())

	var body []byte
	var readErr error
	if r.Body != nil {
		body, readErr = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	}
	call := s.recordArrival(r, body, c.now)
	defer func() { s.recordDone(call, c.status, c.code) }()

	if s.opts.Latency > 0 && !sleepCtx(r.Context(), s.opts.Latency, nil) {
		return
	}
	f, faulted := s.takeFault(r.Method, r.URL.Path)
	if faulted && !f.AfterWork && s.applyFault(c, f) {
		return
	}
	if faulted && f.AfterWork {
		// The work is done as usual; its answer goes nowhere and the fault answers instead.
		c.w = &discard{h: http.Header{}}
		defer func() {
			c.w = w
			code := c.code
			s.loseAnswer(c, f)
			if c.status == 0 {
				c.code = code // dropped: the log keeps what the work answered
			}
		}()
	}
	rt, param := match(r.Method, r.URL.Path)
	if rt != nil && (rt.chinaOnly && s.opts.International || rt.intlOnly && !s.opts.International) {
		rt = nil // as a path the gateway does not publish
	}
	if rt == nil {
		c.fail(&apiError{status: http.StatusNotFound, code: "APIG.0101",
			msg: "The API does not exist or has not been published in the environment"})
		return
	}
	c.param = param
	if readErr != nil || len(body) > maxBody {
		c.fail(errParam("request body is too large or unreadable"))
		return
	}
	c.body = body
	if e := s.authenticate(c); e != nil {
		c.fail(e)
		return
	}
	if e := s.checkDomain(c, rt); e != nil {
		c.fail(e)
		return
	}
	if s.limiter != nil && !s.limiter.allow(rt.method+" "+rt.path) {
		c.fail(errCode(http.StatusTooManyRequests, "CBC.0250", "flow control: too many requests to this API, retry later"))
		return
	}
	if e := s.checkAccess(c, rt); e != nil {
		c.fail(e)
		return
	}
	rt.handler(c)
}

// checkAccess enforces partner-only and customer-only operations.
func (s *Server) checkAccess(c *reqCtx, rt *route) *apiError {
	switch {
	case rt.access == partnerOnly && c.kind != partnerCaller:
		if rt.iam {
			return &apiError{status: http.StatusForbidden, code: "IAM.0001", iam: true,
				msg: "temporary credentials cannot assume an agency; sign with the partner's AK/SK"}
		}
		return errCode(http.StatusForbidden, "CBC.0155", "request not allowed: this API needs the partner's credentials")
	case rt.access == customerOnly && c.kind != customerCaller:
		return errCode(http.StatusForbidden, "CBC.0155", "request not allowed: this API needs the customer's credentials")
	}
	return nil
}

func (s *Server) requestID() string {
	return fmt.Sprintf("%016x%016x", s.reqPrefix, s.reqSeq.Add(1))
}

// json answers status with v encoded as JSON.
func (c *reqCtx) json(status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		c.fail(errCode(http.StatusInternalServerError, "CBC.0999", "encoding the response failed"))
		return
	}
	c.raw(status, buf.Bytes())
}

func (c *reqCtx) raw(status int, body []byte) {
	c.status = status
	h := c.w.Header()
	if len(body) > 0 {
		h.Set("Content-Type", "application/json;charset=UTF-8")
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(status)
	_, _ = c.w.Write(body)
}

// empty answers 200 with no body (the auto-renew operations).
func (c *reqCtx) empty() { c.raw(http.StatusOK, nil) }

// fail answers an error in the shape of the service that would give it.
func (c *reqCtx) fail(e *apiError) {
	var v any
	switch {
	case e.iam:
		var code any = e.code
		if e.code == "" {
			code = e.status
		}
		v = map[string]any{"error": map[string]any{"code": code, "message": e.msg, "title": http.StatusText(e.status)}}
	case strings.HasPrefix(e.code, "APIG.03"):
		v = map[string]string{"error_code": e.code, "error_msg": e.msg, "request_id": c.w.Header().Get(bss.HeaderRequestID)}
	default:
		v = map[string]string{"error_code": e.code, "error_msg": e.msg}
	}
	b, _ := json.Marshal(v)
	c.raw(e.status, append(b, '\n'))
	c.code = e.code
	if c.code == "" {
		c.code = strconv.Itoa(e.status)
	}
}

// sleepCtx sleeps d unless ctx ends or stop closes first; it reports whether d elapsed.
func sleepCtx(ctx interface{ Done() <-chan struct{} }, d time.Duration, stop <-chan struct{}) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-stop:
		return false
	}
}
