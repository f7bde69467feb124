package bss

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Partner coupons (bss-money.md §7) and the quotas a tier-1 distributor issued (§9).
const (
	OpCreatePartnerCoupons     = "CreatePartnerCoupons"
	OpListIssuedPartnerCoupons = "ListIssuedPartnerCoupons"
	OpReclaimPartnerCoupons    = "ReclaimPartnerCoupons"
	OpListIssuedCouponQuotas   = "ListIssuedCouponQuotas"

	pathPartnerCoupons = "/v2/promotions/benefits/partner-coupons"
	pathReclaimCoupon  = "/v2/promotions/benefits/partner-coupons/reclaim"
	pathIssuedQuotas   = "/v2/partners/issued-coupon-quotas"
)

// Limits of the coupon APIs.
const (
	MaxCouponCustomers    = 100 // customer_ids of one issue
	MaxCouponRestrictions = 10  // cloud_service_types, product_ids
	MaxReclaimResellerLen = 100 // indirect_partner_id of a coupon reclaim
)

// Coupon statuses and types (ListIssuedPartnerCoupons).
const (
	CouponInactive  = 1
	CouponUsable    = 2
	CouponUsed      = 3
	CouponExpired   = 4
	CouponReclaimed = 5

	CouponTypeCash          = 1 // 代金券
	CouponTypeFlexiPurchase = 4 // 现金券
)

// CouponIssue issues a coupon of FaceValue to each customer from a quota.
type CouponIssue struct {
	QuotaID     string   // from ListQuotaCoupons (or, for a reseller, ListIssuedCouponQuotas)
	CustomerIDs []string // 1–100 resale customers
	FaceValue   Amount   // yuan, greater than 0, at most two decimals
	// ValidTime and ExpireTime bound the coupon; zero = the quota's.
	ValidTime, ExpireTime time.Time
	CloudServiceTypes     []string // at most 10, within the quota's restrictions
	ProductIDs            []string // at most 10
	Memo                  *string  // nil = none
	IndirectPartnerID     string   // a tier-2 reseller issuing from its quota to its customers
}

type couponIssueBody struct {
	QuotaID           string   `json:"quota_id"`
	CustomerIDs       []string `json:"customer_ids"`
	FaceValue         yuan     `json:"face_value"`
	ValidTime         string   `json:"valid_time,omitempty"`
	ExpireTime        string   `json:"expire_time,omitempty"`
	CloudServiceTypes []string `json:"cloud_service_types,omitempty"`
	ProductIDs        []string `json:"product_ids,omitempty"`
	Memo              *string  `json:"memo,omitempty"`
	IndirectPartnerID string   `json:"indirect_partner_id,omitempty"`
}

// CouponIssueResult is the answer of an issue, which can be a partial success, matched to the
// customers asked for: the coupons issued, per customer, the customers that got none, and those
// whose outcome the answer does not show.
type CouponIssueResult struct {
	Issued []IssuedCoupon `json:"coupon_infos"`
	Errors []ItemError    `json:"error_details"` // ID is the customer's id
	// Unknown are the customers asked for whose outcome the answer does not show: named in
	// neither list, named with a coupon id that is blank after trimming (which is no id), or
	// named more than once. Their coupons may or may not exist: settle from the issued coupons.
	Unknown []string `json:"-"`
	// Anomalies are the entries of the answer that name no customer asked for: a customer not
	// in the request, or a blank customer id (the first maxAnomalies; MoreAnomalies counts the
	// rest). They count as nobody's success. They are facts: commands words them for people.
	Anomalies     []CouponAnomaly `json:"-"`
	MoreAnomalies int             `json:"-"`
	// RequestID is the answer's X-Request-Id.
	RequestID string `json:"-"`
}

// CouponAnomaly is an entry of an issue's answer that names no customer asked for. Texts
// quoted from the answer are cut to 64 bytes (short).
type CouponAnomaly struct {
	List       string // where the answer holds it: "coupon_infos" or "error_details"
	CustomerID string // the customer it names; "" when it names none (a blank id)
	CouponID   string // coupon_infos: the coupon it names
	ErrorCode  string // error_details: the error it names
	ErrorMsg   string // error_details: BSS's message, kept for an entry that names no customer
}

// maxAnomalies bounds the anomalies kept of one answer; the rest are counted.
const maxAnomalies = 10

// short bounds a text quoted from an answer in an anomaly: 64 bytes, cut on a character.
func short(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// match reads a decoded answer against the customers asked for: an entry counts only for a
// customer asked for, named once, by ids that are not blank; everything else is Unknown (a
// customer asked for) or an anomaly (an entry naming no customer asked for).
func (res *CouponIssueResult) match(asked []string) {
	wanted := make(map[string]bool, len(asked))
	for _, id := range asked {
		wanted[id] = true
	}
	coupons := map[string][]IssuedCoupon{}
	for _, ic := range res.Issued {
		id := strings.TrimSpace(ic.CustomerID)
		switch {
		case id == "" || !wanted[id]:
			res.Anomalies = append(res.Anomalies, CouponAnomaly{List: "coupon_infos", CustomerID: short(id), CouponID: short(ic.CouponID)})
		default:
			coupons[id] = append(coupons[id], IssuedCoupon{CustomerID: id, CouponID: strings.TrimSpace(ic.CouponID)})
		}
	}
	failures := map[string][]ItemError{}
	for _, ie := range res.Errors {
		id := strings.TrimSpace(ie.ID)
		switch {
		case id == "":
			res.Anomalies = append(res.Anomalies, CouponAnomaly{List: "error_details", ErrorCode: short(ie.ErrorCode), ErrorMsg: short(ie.ErrorMsg)})
		case !wanted[id]:
			res.Anomalies = append(res.Anomalies, CouponAnomaly{List: "error_details", CustomerID: short(id), ErrorCode: short(ie.ErrorCode)})
		default:
			ie.ID = id
			failures[id] = append(failures[id], ie)
		}
	}
	if n := len(res.Anomalies); n > maxAnomalies {
		res.Anomalies, res.MoreAnomalies = res.Anomalies[:maxAnomalies], n-maxAnomalies
	}
	res.Issued, res.Errors = nil, nil
	for _, id := range asked {
		cs, fs := coupons[id], failures[id]
		switch {
		case len(cs) == 1 && len(fs) == 0 && !blank(cs[0].CouponID):
			res.Issued = append(res.Issued, cs[0])
		case len(cs) == 0 && len(fs) == 1:
			res.Errors = append(res.Errors, fs[0])
		default:
			res.Unknown = append(res.Unknown, id)
		}
	}
}

// IssuedCoupon is one coupon issued (SDK CouponSimpleInfo: id is the customer's).
type IssuedCoupon struct {
	CustomerID string `json:"id"`
	CouponID   string `json:"coupon_id"`
}

// IssueCoupons issues partner coupons (POST /v2/promotions/benefits/partner-coupons). BSS has
// no dedupe: a retry issues new coupons, so it is never retried once sent. The answer is
// matched to the customers asked for (CouponIssueResult.match). When it leaves any of them
// unknown — an answer naming neither a coupon nor an error, a blank coupon id, a customer left
// out — IssueCoupons returns ErrUnknownOutcome together with the result, whose Unknown and
// Anomalies say why: the outcome is to be settled from the issued coupons.
func (c *Client) IssueCoupons(ctx context.Context, req CouponIssue) (*CouponIssueResult, error) {
	if err := c.unavailable(OpCreatePartnerCoupons, http.MethodPost, pathPartnerCoupons); err != nil {
		return nil, err
	}
	ck := checker{op: OpCreatePartnerCoupons}
	ck.id("quota_id", req.QuotaID)
	ck.ids("customer_ids", req.CustomerIDs, 1, MaxCouponCustomers)
	ck.money("face_value", req.FaceValue)
	if !req.ValidTime.IsZero() && !req.ExpireTime.IsZero() && !req.ExpireTime.After(req.ValidTime) {
		ck.fail("expire_time", "must be after valid_time", "必须晚于 valid_time")
	}
	if len(req.CloudServiceTypes) > 0 {
		ck.ids("cloud_service_types", req.CloudServiceTypes, 1, MaxCouponRestrictions)
	}
	if len(req.ProductIDs) > 0 {
		ck.ids("product_ids", req.ProductIDs, 1, MaxCouponRestrictions)
	}
	if req.Memo != nil {
		ck.maxLen("memo", *req.Memo, MaxMemoLen)
	}
	ck.optID("indirect_partner_id", req.IndirectPartnerID)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res CouponIssueResult
	var ans answer
	r := request{op: OpCreatePartnerCoupons, method: http.MethodPost, path: pathPartnerCoupons, mutation: true, out: &res, answer: &ans,
		body: couponIssueBody{QuotaID: req.QuotaID, CustomerIDs: req.CustomerIDs, FaceValue: yuan(req.FaceValue),
			ValidTime: formatTime(req.ValidTime), ExpireTime: formatTime(req.ExpireTime), CloudServiceTypes: req.CloudServiceTypes,
			ProductIDs: req.ProductIDs, Memo: req.Memo, IndirectPartnerID: req.IndirectPartnerID}}
	if err := c.do(ctx, r); err != nil {
		return nil, err
	}
	empty := len(res.Issued) == 0 && len(res.Errors) == 0
	res.match(req.CustomerIDs)
	res.RequestID = ans.requestID
	if len(res.Unknown) > 0 {
		why := fmt.Sprintf("the answer does not show the outcome for customers %q", res.Unknown)
		if empty {
			why = "the answer holds no coupon_infos and no error_details"
		}
		return &res, &Error{Op: OpCreatePartnerCoupons, Method: r.method, Path: r.path, HTTPStatus: ans.status, RequestID: ans.requestID,
			Kind: KindUnknownOutcome, Err: errors.New(why)}
	}
	return &res, nil
}

// CouponFilter narrows ListIssuedPartnerCoupons. Zero fields are not filters.
type CouponFilter struct {
	CouponID, CustomerID, OrderID string
	CouponType                    int // CouponTypeCash or CouponTypeFlexiPurchase
	Status                        int // CouponInactive … CouponReclaimed
	CreateBegin, CreateEnd        time.Time
	EffectiveBegin, EffectiveEnd  time.Time
	ExpireBegin, ExpireEnd        time.Time
	IndirectPartnerID             string
}

// PartnerCoupon is a coupon the partner issued (SDK IQueryUserPartnerCouponsResultV2).
type PartnerCoupon struct {
	CouponID          string           `json:"coupon_id"`
	CustomerID        string           `json:"customer_id"`
	OrderID           string           `json:"order_id"`
	LockOrderID       string           `json:"lock_order_id"`
	PromotionID       string           `json:"promotion_id"`
	PromotionPlanID   string           `json:"promotion_plan_id"`
	PromotionPlanName string           `json:"promotion_plan_name"`
	PromotionPlanDesc string           `json:"promotion_plan_desc"`
	Status            int              `json:"status"`
	CouponType        int              `json:"coupon_type"`
	MeasureID         int              `json:"measure_id"`
	FaceValue         Amount           `json:"face_value"`
	Balance           Amount           `json:"balance"`
	EffectiveTime     Time             `json:"effective_time"`
	ExpireTime        Time             `json:"expire_time"`
	ActiveTime        Time             `json:"active_time"`
	LastUsedTime      Time             `json:"last_used_time"`
	CreateTime        Time             `json:"create_time"`
	IsFrozen          string           `json:"is_frozen"`
	MediaType         int              `json:"media_type"`
	FetchMethod       int              `json:"fetch_method"`
	UseLimits         []CouponUseLimit `json:"use_limits"`
}

// CouponUseLimit is one restriction of a coupon; every field is a string on the wire.
type CouponUseLimit struct {
	ID              string `json:"use_limiti_info_id"` // sic
	LimitKey        string `json:"limit_key"`
	Value1          string `json:"value1"`
	Value2          string `json:"value2"`
	ValueUnit       string `json:"value_unit"`
	LimitType       string `json:"limit_type"`
	PromotionPlanID string `json:"promotion_plan_id"`
}

// CouponPage is one page of ListIssuedPartnerCoupons.
type CouponPage struct {
	TotalCount int             `json:"total_count"`
	Coupons    []PartnerCoupon `json:"user_coupons"`
}

func (f CouponFilter) query(offset, limit int) url.Values {
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	setQuery(q, "coupon_id", f.CouponID)
	setQuery(q, "customer_id", f.CustomerID)
	setQuery(q, "order_id", f.OrderID)
	if f.CouponType != 0 {
		q.Set("coupon_type", strconv.Itoa(f.CouponType))
	}
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	setQuery(q, "create_time_begin", formatTime(f.CreateBegin))
	setQuery(q, "create_time_end", formatTime(f.CreateEnd))
	setQuery(q, "effective_time_begin", formatTime(f.EffectiveBegin))
	setQuery(q, "effective_time_end", formatTime(f.EffectiveEnd))
	setQuery(q, "expire_time_begin", formatTime(f.ExpireBegin))
	setQuery(q, "expire_time_end", formatTime(f.ExpireEnd))
	setQuery(q, "indirect_partner_id", f.IndirectPartnerID)
	return q
}

// ListCoupons returns one page of the coupons the partner issued
// (GET /v2/promotions/benefits/partner-coupons).
func (c *Client) ListCoupons(ctx context.Context, f CouponFilter, offset, limit int) (*CouponPage, error) {
	if err := c.unavailable(OpListIssuedPartnerCoupons, http.MethodGet, pathPartnerCoupons); err != nil {
		return nil, err
	}
	ck := checker{op: OpListIssuedPartnerCoupons}
	ck.optID("coupon_id", f.CouponID)
	ck.optID("customer_id", f.CustomerID)
	ck.optID("order_id", f.OrderID)
	if f.CouponType != 0 && f.CouponType != CouponTypeCash && f.CouponType != CouponTypeFlexiPurchase {
		ck.fail("coupon_type", "1 (cash coupon) or 4 (flexi-purchase)", "只能是 1（代金券）或 4（现金券）")
	}
	if f.Status != 0 {
		ck.between("status", f.Status, CouponInactive, CouponReclaimed)
	}
	ck.optID("indirect_partner_id", f.IndirectPartnerID)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var page CouponPage
	if err := c.do(ctx, request{op: OpListIssuedPartnerCoupons, method: http.MethodGet, path: pathPartnerCoupons,
		query: f.query(offset, limit), out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// Coupons iterates over every matching coupon.
func (c *Client) Coupons(ctx context.Context, f CouponFilter) iter.Seq2[PartnerCoupon, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]PartnerCoupon, int, error) {
		p, err := c.ListCoupons(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Coupons, p.TotalCount, nil
	})
}

type reclaimCouponBody struct {
	CouponID          string `json:"coupon_id"`
	IndirectPartnerID string `json:"indirect_partner_id,omitempty"` // an empty string is refused: omitted
}

// ReclaimCoupon takes back the whole remaining balance of a coupon
// (POST /v2/promotions/benefits/partner-coupons/reclaim, answered 204 with no body). It is
// never retried once sent; an unknown outcome is settled from the coupon's status.
func (c *Client) ReclaimCoupon(ctx context.Context, couponID, indirectPartnerID string) error {
	if err := c.unavailable(OpReclaimPartnerCoupons, http.MethodPost, pathReclaimCoupon); err != nil {
		return err
	}
	ck := checker{op: OpReclaimPartnerCoupons}
	ck.id("coupon_id", couponID)
	ck.maxLen("indirect_partner_id", indirectPartnerID, MaxReclaimResellerLen)
	ck.noControl("indirect_partner_id", indirectPartnerID)
	if err := ck.result(); err != nil {
		return err
	}
	return c.do(ctx, request{op: OpReclaimPartnerCoupons, method: http.MethodPost, path: pathReclaimCoupon, mutation: true,
		body: reclaimCouponBody{CouponID: couponID, IndirectPartnerID: indirectPartnerID}})
}

// IssuedQuotaFilter narrows ListIssuedCouponQuotas.
type IssuedQuotaFilter struct {
	QuotaID, IndirectPartnerID, ParentQuotaID string
}

// IssuedQuota is a coupon quota a tier-1 distributor issued to a tier-2 reseller.
type IssuedQuota struct {
	Quota
	ParentQuotaID              string `json:"parent_quota_id"`
	IndirectPartnerID          string `json:"indirect_partner_id"`
	IndirectPartnerAccountName string `json:"indirect_partner_account_name"`
	IndirectPartnerName        string `json:"indirect_partner_name"`
}

// IssuedQuotaPage is one page of ListIssuedCouponQuotas.
type IssuedQuotaPage struct {
	TotalCount int           `json:"total_count"`
	Quotas     []IssuedQuota `json:"quotas"`
}

// ListIssuedQuotas returns one page of the quotas issued to tier-2 resellers
// (GET /v2/partners/issued-coupon-quotas; tier-1 distributors only). These are the quotas a
// reseller issues coupons from.
func (c *Client) ListIssuedQuotas(ctx context.Context, f IssuedQuotaFilter, offset, limit int) (*IssuedQuotaPage, error) {
	if err := c.unavailable(OpListIssuedCouponQuotas, http.MethodGet, pathIssuedQuotas); err != nil {
		return nil, err
	}
	ck := checker{op: OpListIssuedCouponQuotas}
	ck.optID("quota_id", f.QuotaID)
	ck.optID("indirect_partner_id", f.IndirectPartnerID)
	ck.optID("parent_quota_id", f.ParentQuotaID)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	setQuery(q, "quota_id", f.QuotaID)
	setQuery(q, "indirect_partner_id", f.IndirectPartnerID)
	setQuery(q, "parent_quota_id", f.ParentQuotaID)
	var page IssuedQuotaPage
	if err := c.do(ctx, request{op: OpListIssuedCouponQuotas, method: http.MethodGet, path: pathIssuedQuotas, query: q, out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// IssuedQuotas iterates over every matching issued quota.
func (c *Client) IssuedQuotas(ctx context.Context, f IssuedQuotaFilter) iter.Seq2[IssuedQuota, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]IssuedQuota, int, error) {
		p, err := c.ListIssuedQuotas(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Quotas, p.TotalCount, nil
	})
}
