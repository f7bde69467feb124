package bsstest

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// Fault is a misbehaviour injected into matching calls. Faults act before signature checks
// and do not execute the operation: a faulted write changes no data (Latency alone excepted,
// which only delays a normal answer) — unless AfterWork is set.
type Fault struct {
	Latency   time.Duration // sleep before answering (respecting the request context)
	Status    int           // if non-zero, answer with this status and ErrorCode (500 → CBC.0999, 429 → CBC.0250 by default; IAM paths: {"error":{"code":<status>,...}})
	ErrorCode string
	// RetryAfter, with Status, adds a Retry-After header of that many whole seconds.
	RetryAfter time.Duration
	Malformed  bool // answer 200 with truncated, invalid JSON
	// OKWithError answers 200 with an error body {"error_code","error_msg"} (ErrorCode, default
	// CBC.0999): "success" that is not.
	OKWithError bool
	// EmptyOrderIDs answers 200 with {"order_ids":[]}: a renew or unsubscribe that names no order.
	EmptyOrderIDs bool
	// Body answers with exactly this body (HTTP Status, 200 by default) in place of the
	// operation's: an answer in a shape BSS should not give, such as {"order_ids":[" "]}.
	// With AfterWork the work is done first and its answer replaced by this one.
	Body string
	// EchoCredentials answers an error (Status, default 400; ErrorCode, default CBC.0100) whose
	// error_msg echoes the credentials the call was signed with — access key, secret key and
	// security token, as the sandbox knows them — the way a gateway might quote what it refused.
	EchoCredentials bool
	Hang            bool // never answer until the client gives up (request context done) or the server closes
	// Drop closes the connection without a word of answer, as a server dying mid-request would.
	Drop bool
	// AfterWork serves the call normally first — checks, signature, the operation and its
	// changes to the data — and then loses the answer: Drop closes the connection, Status
	// answers that error instead (a 500 after the work was done). With neither, the answer is
	// dropped. It is how a write whose outcome the client cannot know is made.
	AfterWork bool
	Times     int // apply to the next N matching calls only; 0 = every call until cleared
}

type faultRule struct {
	method, path string
	prefix       bool
	f            Fault
	left         int // remaining uses when f.Times > 0
}

// Inject adds a fault for calls to path (exact, or a prefix if it ends with "*"), with method
// ("" = any). When several faults match a call, the one injected last applies.
func (s *Server) Inject(method, path string, f Fault) {
	rule := &faultRule{method: strings.ToUpper(method), path: path, f: f, left: f.Times}
	if p, ok := strings.CutSuffix(path, "*"); ok {
		rule.path, rule.prefix = p, true
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, rule)
	s.faultMu.Unlock()
}

// ClearFaults removes every injected fault.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// takeFault returns the fault for a call, consuming one use of a counted fault.
func (s *Server) takeFault(method, path string) (Fault, bool) {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i := len(s.faults) - 1; i >= 0; i-- {
		r := s.faults[i]
		if r.method != "" && r.method != method {
			continue
		}
		if r.prefix && !strings.HasPrefix(path, r.path) || !r.prefix && path != r.path {
			continue
		}
		if r.f.Times > 0 {
			r.left--
			if r.left <= 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return r.f, true
	}
	return Fault{}, false
}

// applyFault plays a fault taken for c (before the work); it reports whether the call was
// answered (or abandoned) by it.
func (s *Server) applyFault(c *reqCtx, f Fault) bool {
	ctx := c.r.Context()
	if !sleepCtx(ctx, f.Latency, s.closed) {
		return true
	}
	if f.Status != 0 && f.RetryAfter > 0 {
		c.w.Header().Set("Retry-After", strconv.FormatInt(int64((f.RetryAfter+time.Second-1)/time.Second), 10))
	}
	switch {
	case f.Drop:
		abort(c)
		return true
	case f.Hang:
		select {
		case <-ctx.Done():
		case <-s.closed:
			abort(c)
		}
		return true
	case f.Body != "":
		c.raw(bodyStatus(f), []byte(f.Body))
		return true
	case f.EchoCredentials:
		status, code := f.Status, f.ErrorCode
		if status == 0 {
			status = http.StatusBadRequest
		}
		if code == "" {
			code = defaultFaultCode(status)
		}
		c.fail(&apiError{status: status, code: code, msg: s.echoCredentials(c.r)})
		return true
	case f.Status != 0 && isIAMPath(c.r.URL.Path):
		// IAM answers in its own shape; without ErrorCode the code is the HTTP status, a number.
		c.fail(iamErr(f.Status, f.ErrorCode, "injected fault: "+http.StatusText(f.Status)))
		return true
	case f.Status != 0:
		code := f.ErrorCode
		if code == "" {
			code = defaultFaultCode(f.Status)
		}
		c.fail(&apiError{status: f.Status, code: code, msg: "injected fault: " + http.StatusText(f.Status)})
		return true
	case f.Malformed:
		c.raw(http.StatusOK, []byte(`{"total_count":3,"data":[{"id":"6a1f`))
		return true
	case f.OKWithError:
		code := f.ErrorCode
		if code == "" {
			code = "CBC.0999"
		}
		c.fail(&apiError{status: http.StatusOK, code: code, msg: "injected fault: an error answered with HTTP 200"})
		return true
	case f.EmptyOrderIDs:
		c.raw(http.StatusOK, []byte(`{"order_ids":[]}`+"\n"))
		return true
	}
	return false
}

// echoCredentials words what an EchoCredentials fault quotes: the caller's access key, and the
// secret key and security token the sandbox holds for it.
func (s *Server) echoCredentials(r *http.Request) string {
	ak := ""
	if a, err := bss.ParseAuthorization(r.Header.Get(bss.HeaderAuth)); err == nil {
		ak = a.AccessKey
	}
	sk, token := "", r.Header.Get(bss.HeaderToken)
	if ak == s.partner.AccessKey {
		sk = s.partner.SecretKey
	} else {
		s.tmu.Lock()
		if tc := s.temps[ak]; tc != nil {
			sk, token = tc.secret, tc.token
		}
		s.tmu.Unlock()
	}
	return "injected fault: the signature does not match; Access=" + ak + ", secret " + sk + ", X-Security-Token " + token
}

// loseAnswer replaces the answer of work already done (AfterWork): an error status, or a
// dropped connection.
func (s *Server) loseAnswer(c *reqCtx, f Fault) {
	if f.Body != "" && !f.Drop {
		c.raw(bodyStatus(f), []byte(f.Body))
		return
	}
	if f.Status != 0 && !f.Drop {
		code := f.ErrorCode
		if code == "" {
			code = defaultFaultCode(f.Status)
		}
		c.fail(&apiError{status: f.Status, code: code, msg: "injected fault: " + http.StatusText(f.Status) + " (after the work was done)"})
		return
	}
	abort(c)
}

// bodyStatus is the HTTP status of a Body fault's answer.
func bodyStatus(f Fault) int {
	if f.Status != 0 {
		return f.Status
	}
	return http.StatusOK
}

// discard is the ResponseWriter an operation answers into when its answer is to be lost.
type discard struct{ h http.Header }

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(b []byte) (int, error) { return len(b), nil }
func (d *discard) WriteHeader(int)             {}

// abort drops the connection without an answer, as a dying server would.
func abort(c *reqCtx) {
	conn, _, err := http.NewResponseController(c.w).Hijack()
	if err != nil {
		c.fail(errCode(http.StatusServiceUnavailable, "CBC.0999", "server is shutting down"))
		return
	}
	_ = conn.Close()
	c.status = 0
}

// isIAMPath tells IAM's paths (/v3/auth/..., /v3.0/...) from BSS's, some of which are /v3 too.
func isIAMPath(path string) bool {
	return strings.HasPrefix(path, "/v3/auth/") || strings.HasPrefix(path, "/v3.0/")
}

func defaultFaultCode(status int) string {
	switch {
	case status == http.StatusTooManyRequests:
		return "CBC.0250"
	case status == http.StatusUnauthorized:
		return "APIG.0301"
	case status == http.StatusForbidden:
		return "CBC.0155"
	case status == http.StatusNotFound:
		return "APIG.0101"
	case status >= 400 && status < 500:
		return "CBC.0100"
	default:
		return "CBC.0999"
	}
}

// Call is one request received by the fake.
type Call struct {
	Method        string
	Path          string
	RawQuery      string
	Body          []byte
	AccessKey     string   // from the Authorization header, "" if absent or malformed
	DomainID      string   // the X-Domain-Id header
	Language      string   // the X-Language header
	SignedHeaders []string // SignedHeaders of the Authorization header
	Status        int      // 0 while in progress, or when the call was abandoned (client gone)
	ErrorCode     string   // error_code of an error answer
	At            time.Time
}

func (s *Server) recordArrival(r *http.Request, body []byte, now time.Time) *Call {
	c := &Call{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Body: body, At: now,
		DomainID: r.Header.Get(bss.HeaderDomainID), Language: r.Header.Get("X-Language")}
	if v := r.Header.Get("Authorization"); v != "" {
		if _, rest, ok := strings.Cut(v, "Access="); ok {
			c.AccessKey, _, _ = strings.Cut(rest, ",")
		}
		if a, err := bss.ParseAuthorization(v); err == nil {
			c.SignedHeaders = a.SignedHeaders
		}
	}
	s.callMu.Lock()
	if len(s.calls) >= maxCalls {
		s.calls = append(s.calls[:0:0], s.calls[maxCalls/2:]...)
	}
	s.calls = append(s.calls, c)
	s.callMu.Unlock()
	return c
}

func (s *Server) recordDone(c *Call, status int, code string) {
	s.callMu.Lock()
	c.Status, c.ErrorCode = status, code
	s.callMu.Unlock()
}

// Calls returns a copy of the calls received, in arrival order, including rejected ones.
// Body and SignedHeaders slices are shared: do not modify them.
func (s *Server) Calls() []Call {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	out := make([]Call, len(s.calls))
	for i, c := range s.calls {
		out[i] = *c
	}
	return out
}

// CallCount counts the calls to exactly path with method ("" = any method).
func (s *Server) CallCount(method, path string) int {
	s.callMu.Lock()
	defer s.callMu.Unlock()
	n := 0
	for _, c := range s.calls {
		if c.Path == path && (method == "" || strings.EqualFold(c.Method, method)) {
			n++
		}
	}
	return n
}

// ResetCalls forgets the calls received so far.
func (s *Server) ResetCalls() {
	s.callMu.Lock()
	s.calls = nil
	s.callMu.Unlock()
}

// limiter is a token bucket per API, refilled in real (monotonic) time. APIs with a documented
// exception get their multiple of the rate (documentedRates).
type limiter struct {
	mu      sync.Mutex
	rate    float64
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(perSecond int) *limiter {
	return &limiter{rate: float64(perSecond), buckets: make(map[string]*bucket)}
}

// documentedRates are the APIs whose flow-control quota BSS documents above the default 10 a
// second (bss-api.md, "Corrections", "Flow control is per API"), as multiples of the default.
var documentedRates = map[string]float64{
	"GET /v2/orders/customer-orders":                         2, // ListCustomerOrders, 20/s
	"POST /v2/bills/ratings/period-resources/subscribe-rate": 3, // ListRateOnPeriodDetail, 30/s
}

func (l *limiter) allow(key string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	rate := l.rate
	if m, ok := documentedRates[key]; ok {
		rate *= m
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: rate, last: now}
		l.buckets[key] = b
	}
	b.tokens += now.Sub(b.last).Seconds() * rate
	if b.tokens > rate {
		b.tokens = rate
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
