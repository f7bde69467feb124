package bss

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"maps"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Endpoints of the two Huawei Cloud sites (bss-api.md §0, §14).
const (
	EndpointChina         = "https://bss.myhuaweicloud.com"
	EndpointInternational = "https://bss-intl.myhuaweicloud.com"
	IAMEndpoint           = "https://iam.myhuaweicloud.com"
)

// Environment variables holding the partner's key pair. Credentials come only from here.
const (
	EnvAccessKey = "HUAWEICLOUD_SDK_AK"
	EnvSecretKey = "HUAWEICLOUD_SDK_SK"
)

// CredentialsFromEnv reads the partner AK/SK from HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK.
func CredentialsFromEnv() (Credentials, error) {
	c := Credentials{AccessKey: os.Getenv(EnvAccessKey), SecretKey: os.Getenv(EnvSecretKey)}
	if !c.Valid() {
		return Credentials{}, fmt.Errorf("bss: set %s and %s in the environment", EnvAccessKey, EnvSecretKey)
	}
	return c, nil
}

// Config configures a Client. The zero value of every field but Credentials has a sensible default.
type Config struct {
	Endpoint string // BSS base URL; default EndpointChina
	// Site is the site of Endpoint: SiteInternational lacks some partner APIs. "" = from
	// Endpoint (SiteInternational for EndpointInternational, else SiteChina); set it for a
	// custom URL in front of the international site.
	Site        Site
	IAMEndpoint string      // IAM base URL for agency credentials; default IAMEndpoint
	Credentials Credentials // the partner's AK/SK
	// DomainID is the partner's account id, sent as X-Domain-Id on every call signed with the
	// partner's key. Optional: when empty it is looked up once with IAM GET /v3/auth/domains
	// (ResolveDomainID), as the SDK's global credentials do.
	DomainID string
	// AgencyName is the agency (委托) customers granted the partner; empty means each
	// customer's xaccount_type (bss-api.md §14).
	AgencyName string

	HTTPClient *http.Client  // default: a client with sane transport timeouts
	Timeout    time.Duration // per attempt; default 30s
	MaxRetries int           // retries after the first attempt; default 3; negative = none
	RetryBase  time.Duration // first backoff; default 500ms, doubled per retry, capped at RetryMax
	RetryMax   time.Duration // default 10s
	// MaxWait caps any single wait between attempts; default 30s. When BSS asks (Retry-After)
	// for a longer wait, or one longer than the context's remaining time, the call returns the
	// throttled Error at once, with Error.RetryAfter set, instead of sleeping.
	MaxWait time.Duration

	// Flow control (see flow.go). BSS allows each API its own calls a second: 10, or a
	// documented exception (operationTable). Each operation has a budget: its entry in
	// RatePerOperation (names: Operations), else OperationRate when set, else its documented
	// rate. RatePerSecond, when set, caps all calls together; set alone (OperationRate 0, no
	// RatePerOperation) it keeps its old meaning: one limit for all calls, each operation
	// included.
	RatePerSecond    float64
	OperationRate    float64
	RatePerOperation map[string]float64
	// Burst is how many calls an operation (and the cap over all) may send at once; 0 = a
	// second's worth, its rate (BSS counts calls a second, so a second's budget may go at once).
	Burst int
	// Clock is the time of the flow control; nil = the real time. Benchmarks run a faster one.
	Clock Clock

	PageSize  int    // page size for iterators; default 100 (the documented maximum)
	UserAgent string // default "partnerbot"
	Now       func() time.Time
	Logger    *slog.Logger
	// Observer, when set, is told of every attempt of every call (metrics, health checks).
	Observer Observer
}

// Observer is told of each HTTP attempt the client makes, as it ends. It must not block.
type Observer interface {
	ObserveAttempt(ctx context.Context, a Attempt)
}

// Attempt is one HTTP exchange of a call: the first one or a retry.
type Attempt struct {
	Op     string        // the operation, e.g. ListSubCustomers
	Retry  int           // 0 for the first attempt, n for the n-th retry
	Status int           // the HTTP status; 0 when no answer arrived
	Took   time.Duration // from sending the request to reading the whole answer
	Err    *Error        // nil on success
	// Cancelled: the caller gave up (its context ended) before BSS answered; says nothing
	// about BSS.
	Cancelled bool
}

// Outcome names how the attempt ended: "ok", "cancelled", or the Kind of its error
// ("throttled", "server", "network", ...).
func (a Attempt) Outcome() string {
	switch {
	case a.Err == nil:
		return "ok"
	case a.Cancelled:
		return "cancelled"
	}
	return a.Err.Kind.String()
}

// Throttled reports whether BSS asked the client to slow down (429, CBC.0250, APIG.0308).
func (a Attempt) Throttled() bool { return a.Err != nil && a.Err.Kind == KindThrottled }

// Failed reports whether the attempt says BSS itself is failing us: no answer, a 5xx, an
// answer that cannot be read, or the partner's credentials refused. An answer about the
// request (not found, invalid, no permission on that customer, throttled) is BSS working.
func (a Attempt) Failed() bool {
	if a.Err == nil || a.Cancelled {
		return false
	}
	if a.Status >= 500 {
		return true
	}
	switch a.Err.Kind {
	case KindNetwork, KindServer, KindBadResponse, KindAuth:
		return true
	case KindUnknownOutcome:
		return a.Status == 0 || a.Status >= 500
	}
	return false
}

// Client is a typed Huawei Cloud BSS partner API client. It is safe for concurrent use.
type Client struct {
	cfg      Config
	site     Site
	base     *url.URL
	iam      *url.URL
	http     *http.Client
	flow     *flow
	log      *slog.Logger
	agencies agencyCache

	domainMu sync.Mutex // held while looking the partner's domain id up
	domainID string     // the partner's domain id, once known

	randMu sync.Mutex
	rand   *rand.Rand
}

// New checks cfg and builds a Client.
func New(cfg Config) (*Client, error) {
	if cfg.Endpoint == "" {
		cfg.Endpoint = EndpointChina
	}
	if cfg.IAMEndpoint == "" {
		cfg.IAMEndpoint = IAMEndpoint
	}
	base, err := parseBase(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("bss: endpoint: %w", err)
	}
	iamBase, err := parseBase(cfg.IAMEndpoint)
	if err != nil {
		return nil, fmt.Errorf("bss: IAM endpoint: %w", err)
	}
	if !cfg.Credentials.Valid() {
		return nil, errors.New("bss: credentials are missing (AK and SK)")
	}
	site, err := siteOf(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = 3
	}
	if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = 500 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 10 * time.Second
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	fc, err := flowSettings(cfg)
	if err != nil {
		return nil, err
	}
	var clk Clock = realClock{}
	if cfg.Clock != nil {
		clk = cfg.Clock
	}
	if cfg.PageSize <= 0 || cfg.PageSize > maxLimit {
		cfg.PageSize = maxLimit
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "partnerbot"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConnsPerHost: 16,
			IdleConnTimeout:     90 * time.Second,
		}}
	}
	return &Client{
		cfg:  cfg,
		site: site,
		base: base,
		iam:  iamBase,
		http: hc,
		flow: newFlow(fc, clk),
		log:  cfg.Logger,
		rand: rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)),
	}, nil
}

func parseBase(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimRight(s, "/"))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http(s) URL", s)
	}
	return u, nil
}

// DefaultOperationRate is the flow-control quota of a BSS API that documents no exception:
// 10 calls a second per source IP, API and partner account (bss-api.md §12 and "Corrections",
// "Flow control is per API").
const DefaultOperationRate = 10

// operationTable is every call the client makes, by the SDK's name, with the calls a second BSS
// allows it (bss-api.md, "Corrections": the default is 10/s per API; ListCustomerOrders 20/s,
// the subscribe-rate inquiry ListRateOnPeriodDetail 30/s; the identity check (5/s) and the
// on-demand rating (10 or 20/s) are documented too, but the client calls neither). Rates of the
// money, coupon, bill and on-demand list APIs are not published: they get the default. The
// two IAM calls are not BSS's; they are rare (once per start and once per customer an hour)
// and get the default as well.
//
// It is the one list of operations: Config.RatePerOperation and bss.rate_per_operation accept
// exactly these names (Operations), each operation's budget defaults to its rate here
// (OperationRates), and Client.do refuses to send a call whose operation is missing, so that
// a new operation cannot be added without its entry (TestEveryCallIsInTheTable).
var operationTable = map[string]float64{
	"ListSubCustomers":                 DefaultOperationRate,
	OpListCustomersBalancesDetail:      DefaultOperationRate,
	OpListPartnerBalances:              DefaultOperationRate,
	"ListPayPerUseCustomerResources":   DefaultOperationRate,
	"RenewalResources":                 DefaultOperationRate,
	"CancelResourcesSubscription":      DefaultOperationRate,
	"AutoRenewalResources":             DefaultOperationRate,
	"CancelAutoRenewalResources":       DefaultOperationRate,
	OpUpdatePeriodToOnDemand:           DefaultOperationRate,
	OpShowSubCustomerBudget:            DefaultOperationRate,
	OpUpdateSubCustomerBudget:          DefaultOperationRate,
	"ListCustomerOrders":               20, // customer-operations page: 20/s
	"ShowCustomerOrderDetails":         DefaultOperationRate,
	"ListRateOnPeriodDetail":           30, // subscribe-rate inquiry: 30/s
	"ListRenewRateOnPeriod":            DefaultOperationRate,
	OpListQuotaCoupons:                 DefaultOperationRate,
	OpReclaimCouponQuotas:              DefaultOperationRate,
	OpListSubcustomerMonthlyBills:      DefaultOperationRate,
	OpCreatePartnerCoupons:             DefaultOperationRate,
	OpListIssuedPartnerCoupons:         DefaultOperationRate,
	OpReclaimPartnerCoupons:            DefaultOperationRate,
	OpListIssuedCouponQuotas:           DefaultOperationRate,
	OpUpdateCustomerAccountAmount:      DefaultOperationRate,
	OpReclaimToPartnerAccount:          DefaultOperationRate,
	OpListPartnerAccountChangeRecords:  DefaultOperationRate,
	OpListPartnerAdjustRecords:         DefaultOperationRate,
	OpListCustomerOnDemandResources:    DefaultOperationRate,
	"CreateTemporaryAccessKeyByAgency": DefaultOperationRate, // IAM
	opListAuthDomains:                  DefaultOperationRate, // IAM
}

// Operations lists, sorted, the names of the operations the client calls: the names
// Config.RatePerOperation (bss.rate_per_operation) takes.
func Operations() []string { return slices.Sorted(maps.Keys(operationTable)) }

// OperationRates returns each operation's budget, calls a second: every (when > 0) for all of
// them, else the documented rate of each (operationTable); then perOp's entries over those.
// It returns an error naming any key of perOp that is not an operation, or a rate that is not
// positive.
func OperationRates(every float64, perOp map[string]float64) (map[string]float64, error) {
	out := maps.Clone(operationTable)
	if every > 0 {
		for op := range out {
			out[op] = every
		}
	}
	var unknown []string
	for op, r := range perOp {
		if _, ok := operationTable[op]; !ok {
			unknown = append(unknown, op)
			continue
		}
		if !(r > 0) || math.IsInf(r, 0) {
			return nil, fmt.Errorf("bss: rate of operation %s must be positive, not %v", op, r)
		}
		out[op] = r
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("bss: no operation named %s; budgets can be set for %s", strings.Join(unknown, ", "), strings.Join(Operations(), ", "))
	}
	return out, nil
}

// Endpoint is the BSS base URL in use.
func (c *Client) Endpoint() string { return c.base.String() }

// request describes one API call.
type request struct {
	op       string
	method   string
	base     *url.URL // nil = BSS endpoint
	path     string   // already escaped
	query    url.Values
	body     any // nil = no body
	out      any // nil = ignore the body
	mutation bool
	cred     *Credentials // nil = partner credentials
	domainID string       // X-Domain-Id of a call signed with cred; partner calls use the partner's
	noDomain bool         // send no X-Domain-Id (the IAM call that looks it up)
	lang     string       // X-Language, signed like the other headers; "" = none
	ctype    string       // default application/json
	answer   *answer      // if set, filled in on success
}

// answer is what a caller may need of a successful answer besides its body.
type answer struct {
	status    int
	requestID string
}

// maxBody bounds what we read of one answer.
const maxBody = 32 << 20

// do runs one call with rate limiting, signing, retries and error mapping.
func (c *Client) do(ctx context.Context, r request) error {
	if _, ok := operationTable[r.op]; !ok {
		// A programming error, caught by the first test of the call: every operation has its
		// entry, with its documented rate, so that its budget can be set (Operations).
		return fmt.Errorf("bss: operation %q is missing from operationTable (client.go)", r.op)
	}
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return fmt.Errorf("bss %s: encode request: %w", r.op, err)
		}
	}
	base := r.base
	if base == nil {
		base = c.base
	}
	u := *base
	// r.path is already escaped: Path holds it unescaped and RawPath as sent, so that the
	// URL is not escaped twice.
	unescaped, err := url.PathUnescape(r.path)
	if err != nil {
		return fmt.Errorf("bss %s: path %q: %w", r.op, r.path, err)
	}
	u.Path = base.Path + unescaped
	u.RawPath = base.EscapedPath() + r.path
	if len(r.query) > 0 {
		// As the SDK does: a space is %20 on the wire, as in the signature, not '+'.
		u.RawQuery = strings.ReplaceAll(r.query.Encode(), "+", "%20")
	}
	cred := c.cfg.Credentials
	if r.cred != nil {
		cred = *r.cred
	} else if !r.noDomain {
		// BSS is a global service: every call carries the account id of the signing key.
		if r.domainID, err = c.ResolveDomainID(ctx); err != nil {
			return err
		}
	}
	for attempt := 0; ; attempt++ {
		waited, err := c.flow.acquire(ctx, r.op, IsBackground(ctx))
		if err != nil {
			usageOf(ctx).add(r.op, OpStats{Waited: waited})
			return &Error{Op: r.op, Method: r.method, Path: r.path, Kind: KindNetwork, Err: contextErr(ctx, err)}
		}
		started, status := time.Now(), 0
		e := c.attempt(ctx, r, &u, payload, cred, &status)
		c.observe(ctx, r.op, attempt, started, status, e)
		use := OpStats{Calls: 1, Waited: waited}
		if e != nil && e.Kind == KindThrottled {
			use.Throttled = 1
			c.flow.throttled(r.op, e.RetryAfter)
		} else if e == nil {
			c.flow.succeeded(r.op)
		}
		usageOf(ctx).add(r.op, use)
		if e == nil {
			return nil
		}
		if attempt >= c.cfg.MaxRetries || !retryable(e, r.mutation) || ctx.Err() != nil {
			if ctx.Err() != nil && e.Err == nil {
				e.Err = ctx.Err()
			}
			return e
		}
		wait, ok := c.retryWait(ctx, attempt, e.RetryAfter)
		if !ok {
			c.log.LogAttrs(ctx, slog.LevelWarn, "bss call not retried: the wait is too long",
				slog.String("op", r.op), slog.Int("status", e.HTTPStatus), slog.String("code", e.Code),
				slog.String("request_id", e.RequestID), slog.Duration("retry_after", e.RetryAfter))
			return e
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "bss call retried",
			slog.String("op", r.op), slog.Int("status", e.HTTPStatus), slog.String("code", e.Code),
			slog.String("request_id", e.RequestID), slog.Int("attempt", attempt+1), slog.Duration("wait", wait))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			e.Err = errors.Join(e.Err, ctx.Err())
			return e
		case <-t.C:
		}
	}
}

// observe tells the Observer, if any, how an attempt ended.
func (c *Client) observe(ctx context.Context, op string, retry int, started time.Time, status int, e *Error) {
	if c.cfg.Observer == nil {
		return
	}
	a := Attempt{Op: op, Retry: retry, Status: status, Took: time.Since(started), Err: e}
	if e != nil && status == 0 && ctx.Err() != nil {
		a.Cancelled = true
	}
	c.cfg.Observer.ObserveAttempt(ctx, a)
}

// attempt makes one HTTP exchange of r; status is set to the answer's HTTP status, if any.
func (c *Client) attempt(ctx context.Context, r request, u *url.URL, payload []byte, cred Credentials, status *int) *Error {
	fail := func(kind Kind, err error) *Error {
		return &Error{Op: r.op, Method: r.method, Path: r.path, Kind: kind, Err: err}
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u.String(), body)
	if err != nil {
		return fail(KindOther, err)
	}
	req.Header = http.Header{}
	ctype := r.ctype
	if ctype == "" {
		ctype = "application/json"
	}
	req.Header.Set("Content-Type", ctype)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if r.domainID != "" && !r.noDomain {
		req.Header.Set(HeaderDomainID, r.domainID)
	}
	if r.lang != "" {
		req.Header.Set(HeaderLanguage, r.lang)
	}
	Sign(req, payload, cred, c.cfg.Now())
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		kind := KindNetwork
		if r.mutation && !notSent(err) {
			kind = KindUnknownOutcome
		}
		c.log.LogAttrs(ctx, slog.LevelDebug, "bss call failed", slog.String("op", r.op), slog.Duration("took", time.Since(start)), slog.String("error", err.Error()))
		return fail(kind, contextErr(actx, err))
	}
	defer resp.Body.Close()
	*status = resp.StatusCode
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	data = c.scrub(data, cred)
	reqID := resp.Header.Get(HeaderRequestID)
	c.log.LogAttrs(ctx, slog.LevelDebug, "bss call", slog.String("op", r.op), slog.Int("status", resp.StatusCode),
		slog.String("request_id", reqID), slog.Duration("took", time.Since(start)))
	if err != nil {
		kind := KindNetwork
		if r.mutation {
			kind = KindUnknownOutcome
		}
		e := fail(kind, fmt.Errorf("read answer: %w", contextErr(actx, err)))
		e.HTTPStatus, e.RequestID = resp.StatusCode, reqID
		return e
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		if eb, failed := errorInSuccess(data); failed {
			// Success without evidence: BSS said 2xx but named an error. A read is that error;
			// a mutation may or may not have run.
			e := &Error{Op: r.op, Method: r.method, Path: r.path, HTTPStatus: resp.StatusCode,
				Code: eb.code, Message: eb.msg, AuthorizationMessage: eb.authMsg, Details: eb.details,
				RequestID: reqID, Kind: classify(resp.StatusCode, eb.code, r.path)}
			if r.mutation {
				e.Kind = KindUnknownOutcome
			}
			return e
		}
		if r.answer != nil {
			*r.answer = answer{status: resp.StatusCode, requestID: reqID}
		}
		if r.out == nil {
			return nil
		}
		if len(bytes.TrimSpace(data)) == 0 {
			if r.mutation {
				return nil // e.g. auto-renew answers 200 with no body
			}
			e := fail(KindBadResponse, errors.New("empty answer"))
			e.HTTPStatus, e.RequestID = resp.StatusCode, reqID
			return e
		}
		if err := json.Unmarshal(data, r.out); err != nil {
			kind := KindBadResponse
			if r.mutation {
				kind = KindUnknownOutcome
			}
			e := fail(kind, fmt.Errorf("decode answer: %w", err))
			e.HTTPStatus, e.RequestID = resp.StatusCode, reqID
			return e
		}
		return nil
	}
	eb := parseErrorBody(data)
	e := &Error{
		Op: r.op, Method: r.method, Path: r.path, HTTPStatus: resp.StatusCode,
		Code: eb.code, Message: eb.msg, AuthorizationMessage: eb.authMsg, Details: eb.details,
		RequestID: reqID, Kind: classify(resp.StatusCode, eb.code, r.path),
	}
	if r.mutation && resp.StatusCode >= 500 {
		// A gateway or server failure after the request arrived: it may have been carried out.
		e.Kind = KindUnknownOutcome
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
		e.RetryAfter = d
	}
	return e
}

// successCodes are error_code values some BSS pages send with a successful answer.
var successCodes = map[string]bool{"CBC.0000": true, "0": true}

// errorInSuccess reports whether a 2xx answer names an error: a top-level error_code that is
// neither empty nor a success code. Per-item errors (fail_resource_infos, error_details) are
// nested and do not count.
func errorInSuccess(data []byte) (errorBody, bool) {
	if !bytes.Contains(data, []byte(`"error_code"`)) {
		return errorBody{}, false // the common case, without decoding twice
	}
	fields, ok := objectFields(data)
	if !ok {
		return errorBody{}, false
	}
	code := firstScalar(fields, "error_code")
	if code == "" || successCodes[code] {
		return errorBody{}, false
	}
	eb := parseErrorBody(data)
	eb.code = code
	return eb, true
}

// parseRetryAfter reads a Retry-After header: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(v, 10, 64); err == nil {
		if s <= 0 {
			return 0, false
		}
		return time.Duration(min(s, int64(math.MaxInt64/time.Second))) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil || !t.After(now) {
		return 0, false
	}
	return t.Sub(now), true
}

// retryable: throttling always (the request was refused before it ran), server and network
// failures on reads only; never 4xx, never an unknown outcome.
func retryable(e *Error, mutation bool) bool {
	switch e.Kind {
	case KindThrottled:
		return true
	case KindServer, KindNetwork, KindBadResponse:
		return !mutation || e.Kind == KindNetwork // a mutation's network error here was not sent
	}
	return false
}

// notSent reports whether a transport error happened before the request could reach the server.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func contextErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		return fmt.Errorf("%w: %w", ctx.Err(), err)
	}
	return err
}

// retryWait is how long to wait before the next attempt: the backoff, or the server's
// Retry-After hint when longer. ok is false when that wait is longer than MaxWait or than what
// is left of the context's deadline: then the caller returns the error at once rather than
// sleeping (a bot that sleeps an hour on a Retry-After freezes).
func (c *Client) retryWait(ctx context.Context, attempt int, hint time.Duration) (time.Duration, bool) {
	if hint > c.cfg.MaxWait {
		return 0, false
	}
	d := max(c.backoff(attempt), hint)
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return 0, false
	}
	return d, true
}

// backoff is the exponential backoff with jitter of an attempt, at most RetryMax and MaxWait.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.RetryBase << attempt
	if d > c.cfg.RetryMax || d <= 0 {
		d = c.cfg.RetryMax
	}
	d = min(d, c.cfg.MaxWait)
	c.randMu.Lock()
	j := time.Duration(c.rand.Int64N(int64(d)/2 + 1))
	c.randMu.Unlock()
	return d/2 + j // "equal jitter": between d/2 and d
}

// Page limits and pagination.
const (
	maxLimit  = 100
	maxOffset = 40_000_000
)

// paginate turns a page fetcher into an iterator that stops at the total, on an empty page,
// on the first error (yielded once), and when ctx is cancelled.
func paginate[T any](ctx context.Context, pageSize int, fetch func(ctx context.Context, offset, limit int) ([]T, int, error)) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		for offset := 0; ; {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			items, total, err := fetch(ctx, offset, pageSize)
			if err != nil {
				yield(zero, err)
				return
			}
			for _, it := range items {
				if !yield(it, nil) {
					return
				}
			}
			offset += len(items)
			if len(items) == 0 || offset >= total || offset > maxOffset {
				return
			}
		}
	}
}

// collect drains an iterator into a slice.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}
