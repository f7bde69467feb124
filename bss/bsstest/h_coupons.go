package bsstest

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// maxMemo is how long a coupon memo may be in the fake (the real limit is not documented).
const maxMemo = 256

// ---- CreatePartnerCoupons: POST /v2/promotions/benefits/partner-coupons (§7)

type createCouponsReq struct {
	QuotaID           string    `json:"quota_id"`
	CustomerIDs       []string  `json:"customer_ids" bss:"nonnull"`
	FaceValue         reqAmount `json:"face_value"`
	ValidTime         *string   `json:"valid_time"`
	ExpireTime        *string   `json:"expire_time"`
	CloudServiceTypes []string  `json:"cloud_service_types"`
	ProductIDs        []string  `json:"product_ids"`
	Memo              *string   `json:"memo"`
	IndirectPartnerID *string   `json:"indirect_partner_id"`
}

type createCouponsResp struct {
	ErrorDetails []errorDetailJSON `json:"error_details"`
	CouponInfos  []couponInfoJSON  `json:"coupon_infos"`
}

// couponInfoJSON is the SDK's CouponSimpleInfo: id is the customer's id.
type couponInfoJSON struct {
	ID       string `json:"id"`
	CouponID string `json:"coupon_id"`
}

func handleCreateCoupons(c *reqCtx) {
	var req createCouponsReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if req.QuotaID == "" || len(req.QuotaID) > 64 {
		c.fail(errParam("quota_id is required (at most 64 characters)"))
		return
	}
	if e := checkIDs("customer_ids", req.CustomerIDs, 100); e != nil {
		c.fail(e)
		return
	}
	face, e := req.FaceValue.money("face_value")
	if e != nil {
		c.fail(e)
		return
	}
	valid, hasValid, e := optTime("valid_time", req.ValidTime, false)
	if e != nil {
		c.fail(e)
		return
	}
	expire, hasExpire, e := optTime("expire_time", req.ExpireTime, false)
	if e != nil {
		c.fail(e)
		return
	}
	if len(req.CloudServiceTypes) > 10 || len(req.ProductIDs) > 10 {
		c.fail(errInvalid("cloud_service_types and product_ids hold at most 10 entries each"))
		return
	}
	if req.Memo != nil && utf8.RuneCountInString(*req.Memo) > maxMemo {
		c.fail(errInvalid("memo is longer than %d characters", maxMemo))
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	reseller, e := st.resellerOf(req.IndirectPartnerID)
	if e != nil {
		c.fail(e)
		return
	}
	q := st.quotaByID[req.QuotaID]
	switch {
	case q == nil || q.IndirectPartnerID != reseller:
		c.fail(errInvalid("coupon quota %s does not exist", req.QuotaID))
		return
	case q.QuotaStatus != 0:
		c.fail(errInvalid("coupon quota %s is not usable (status %d)", req.QuotaID, q.QuotaStatus))
		return
	case c.now.Before(q.EffectiveTime) || !c.now.Before(q.ExpireTime):
		c.fail(errInvalid("coupon quota %s is not valid now", req.QuotaID))
		return
	}
	if !hasValid {
		valid = q.EffectiveTime
	}
	if !hasExpire {
		expire = q.ExpireTime
	}
	if !expire.After(valid) || valid.Before(q.EffectiveTime) || expire.After(q.ExpireTime) {
		c.fail(errInvalid("the coupon's validity must lie within the quota's (%s to %s), with expire_time after valid_time",
			fmtTime(q.EffectiveTime), fmtTime(q.ExpireTime)))
		return
	}
	for _, l := range q.Limits {
		if l.Key != "cloudServiceType" {
			continue
		}
		for _, s := range req.CloudServiceTypes {
			if !slices.ContainsFunc(l.Values, func(v LimitValue) bool { return v.Value1 == s }) {
				c.fail(errInvalid("cloud service type %s is outside the quota's restrictions", s))
				return
			}
		}
	}
	resp := createCouponsResp{ErrorDetails: []errorDetailJSON{}, CouponInfos: []couponInfoJSON{}}
	for _, id := range dedupe(req.CustomerIDs) {
		cu := st.customerOf(id, reseller)
		switch {
		case cu == nil || cu.AssociationType != "2":
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetailJSON{ID: id, ErrorCode: "CBC.99000035",
				ErrorMsg: "not a resale customer of this partner"})
			continue
		case q.Balance < face:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetailJSON{ID: id, ErrorCode: "CBC.99005003",
				ErrorMsg: "the quota's balance " + q.Balance.String() + " is less than the face value " + face.String()})
			continue
		}
		q.Balance -= face
		q.LastUpdateTime = c.now
		cp := &Coupon{ID: "CP" + c.now.In(cst).Format("060102") + st.newHexID(10), CustomerID: id, QuotaID: q.QuotaID,
			IndirectPartnerID: reseller, Type: couponTypeOf(q), FaceValue: face, Balance: face, Status: CouponUsable,
			CreateTime: c.now, EffectiveTime: valid, ExpireTime: expire, Memo: str(req.Memo),
			Limits: couponLimits(q.Limits, req.CloudServiceTypes)}
		if valid.After(c.now) {
			cp.Status = CouponInactive
		}
		st.coupons = append(st.coupons, cp)
		st.couponByID[cp.ID] = cp
		resp.CouponInfos = append(resp.CouponInfos, couponInfoJSON{ID: id, CouponID: cp.ID})
	}
	c.json(http.StatusOK, resp)
}

// ---- ListIssuedPartnerCoupons: GET /v2/promotions/benefits/partner-coupons (§7)

type couponsResp struct {
	TotalCount  int          `json:"total_count"`
	UserCoupons []couponJSON `json:"user_coupons"`
}

type couponJSON struct {
	CouponID          string         `json:"coupon_id"`
	CustomerID        string         `json:"customer_id"`
	OrderID           string         `json:"order_id,omitempty"`
	PromotionPlanID   string         `json:"promotion_plan_id,omitempty"`
	PromotionPlanName string         `json:"promotion_plan_name,omitempty"`
	PromotionPlanDesc string         `json:"promotion_plan_desc,omitempty"`
	Status            int            `json:"status"`
	CouponType        int            `json:"coupon_type"`
	MeasureID         int            `json:"measure_id"`
	FaceValue         Money          `json:"face_value"`
	Balance           Money          `json:"balance"`
	EffectiveTime     string         `json:"effective_time"`
	ExpireTime        string         `json:"expire_time"`
	ActiveTime        string         `json:"active_time,omitempty"`
	LastUsedTime      string         `json:"last_used_time,omitempty"`
	CreateTime        string         `json:"create_time"`
	IsFrozen          string         `json:"is_frozen"`
	MediaType         int            `json:"media_type"`
	FetchMethod       int            `json:"fetch_method"`
	UseLimits         []useLimitJSON `json:"use_limits"`
}

// useLimitJSON is the SDK's ICouponUseLimitInfoV2: every field a string, "limiti" as spelt.
type useLimitJSON struct {
	ID              string `json:"use_limiti_info_id"`
	LimitKey        string `json:"limit_key"`
	Value1          string `json:"value1"`
	Value2          string `json:"value2,omitempty"`
	ValueUnit       string `json:"value_unit,omitempty"`
	LimitType       string `json:"limit_type"`
	PromotionPlanID string `json:"promotion_plan_id,omitempty"`
}

// statusAt is a coupon's status at now: a usable coupon past its expiry is expired.
func (cp *Coupon) statusAt(now time.Time) int {
	if (cp.Status == CouponUsable || cp.Status == CouponInactive) && !now.Before(cp.ExpireTime) {
		return CouponExpired
	}
	if cp.Status == CouponInactive && !now.Before(cp.EffectiveTime) {
		return CouponUsable
	}
	return cp.Status
}

func handleListCoupons(c *reqCtx) {
	q := c.r.URL.Query()
	for _, name := range []string{"coupon_id", "customer_id", "order_id"} {
		v := q.Get(name)
		if e := maxLen(name, &v, 64); e != nil {
			c.fail(e)
			return
		}
	}
	couponType, e := queryInt(q, "coupon_type")
	if e == nil {
		e = oneOf("coupon_type", couponType, CouponTypeCash, CouponTypeFlexiPurchase)
	}
	if e != nil {
		c.fail(e)
		return
	}
	status, e := queryInt(q, "status")
	if e == nil {
		e = oneOf("status", status, 1, 2, 3, 4, 5)
	}
	if e != nil {
		c.fail(e)
		return
	}
	ranges := []*timeRange{
		{name: "create_time", begin: queryStr(q, "create_time_begin"), end: queryStr(q, "create_time_end")},
		{name: "effective_time", begin: queryStr(q, "effective_time_begin"), end: queryStr(q, "effective_time_end")},
		{name: "expire_time", begin: queryStr(q, "expire_time_begin"), end: queryStr(q, "expire_time_end")},
	}
	for _, tr := range ranges {
		if e := tr.parse(); e != nil {
			c.fail(e)
			return
		}
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reseller, e := c.s.st.resellerOf(queryStr(q, "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	couponID, customerID, orderID := q.Get("coupon_id"), q.Get("customer_id"), q.Get("order_id")
	resp := couponsResp{UserCoupons: []couponJSON{}}
	for i := len(c.s.st.coupons) - 1; i >= 0; i-- { // newest first
		cp := c.s.st.coupons[i]
		st := cp.statusAt(c.now)
		switch {
		case cp.IndirectPartnerID != reseller,
			couponID != "" && cp.ID != couponID,
			customerID != "" && cp.CustomerID != customerID,
			orderID != "",
			couponType != nil && cp.Type != *couponType,
			status != nil && st != *status,
			!ranges[0].contains(cp.CreateTime),
			!ranges[1].contains(cp.EffectiveTime),
			!ranges[2].contains(cp.ExpireTime):
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			j := couponJSON{CouponID: cp.ID, CustomerID: cp.CustomerID, PromotionPlanID: cp.QuotaID, PromotionPlanName: "partner coupon",
				PromotionPlanDesc: cp.Memo, Status: st, CouponType: cp.Type, MeasureID: 1, FaceValue: cp.FaceValue, Balance: cp.Balance,
				EffectiveTime: fmtTime(cp.EffectiveTime), ExpireTime: fmtTime(cp.ExpireTime), LastUsedTime: fmtTime(cp.LastUsedTime),
				CreateTime: fmtTime(cp.CreateTime), IsFrozen: "0", MediaType: 1, FetchMethod: 3, UseLimits: []useLimitJSON{}}
			if st != CouponInactive {
				j.ActiveTime = fmtTime(cp.EffectiveTime)
			}
			for k, l := range cp.Limits {
				j.UseLimits = append(j.UseLimits, useLimitJSON{ID: cp.ID + "-" + strconv.Itoa(k+1), LimitKey: l.Key, Value1: l.Value1,
					Value2: l.Value2, ValueUnit: l.Unit, LimitType: l.Type, PromotionPlanID: cp.QuotaID})
			}
			resp.UserCoupons = append(resp.UserCoupons, j)
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}

// ---- ReclaimPartnerCoupons: POST /v2/promotions/benefits/partner-coupons/reclaim (§7)

type reclaimCouponReq struct {
	CouponID          string  `json:"coupon_id"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

// handleReclaimCoupon reclaims the whole remaining balance of a usable coupon, which goes back
// to the quota it was issued from (the UI manual's rule; UNCONFIRMED for the API), and answers
// 204 with no body.
func handleReclaimCoupon(c *reqCtx) {
	var req reclaimCouponReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if req.CouponID == "" || len(req.CouponID) > 64 {
		c.fail(errParam("coupon_id is required (at most 64 characters)"))
		return
	}
	if req.IndirectPartnerID != nil && *req.IndirectPartnerID == "" {
		c.fail(errParam("indirect_partner_id must not be an empty string"))
		return
	}
	if e := maxLen("indirect_partner_id", req.IndirectPartnerID, 100); e != nil {
		c.fail(e)
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	reseller := str(req.IndirectPartnerID)
	if reseller != "" && st.resellers[reseller] == nil {
		c.fail(errCode(http.StatusBadRequest, "CBC.99000037", "no permission on reseller %q", reseller))
		return
	}
	cp := st.couponByID[req.CouponID]
	if cp == nil || cp.IndirectPartnerID != reseller {
		c.fail(errInvalid("coupon %s does not exist", req.CouponID))
		return
	}
	if s := cp.statusAt(c.now); s != CouponUsable {
		c.fail(errInvalid("coupon %s cannot be reclaimed: only usable coupons can (status %d)", req.CouponID, s))
		return
	}
	if q := st.quotaByID[cp.QuotaID]; q != nil {
		q.Balance += cp.Balance
		q.LastUpdateTime = c.now
	}
	cp.Balance, cp.Status = 0, CouponReclaimed
	c.raw(http.StatusNoContent, nil)
}

// ---- ListIssuedCouponQuotas: GET /v2/partners/issued-coupon-quotas (§9)

type issuedQuotasResp struct {
	TotalCount int               `json:"total_count"`
	Quotas     []issuedQuotaJSON `json:"quotas"`
}

type issuedQuotaJSON struct {
	quotaJSON
	ParentQuotaID              string `json:"parent_quota_id,omitempty"`
	IndirectPartnerID          string `json:"indirect_partner_id"`
	IndirectPartnerAccountName string `json:"indirect_partner_account_name,omitempty"`
	IndirectPartnerName        string `json:"indirect_partner_name,omitempty"`
}

func handleIssuedQuotas(c *reqCtx) {
	q := c.r.URL.Query()
	quotaID, reseller, parent := q.Get("quota_id"), q.Get("indirect_partner_id"), q.Get("parent_quota_id")
	for name, v := range map[string]string{"quota_id": quotaID, "indirect_partner_id": reseller, "parent_quota_id": parent} {
		if e := maxLen(name, &v, 64); e != nil {
			c.fail(e)
			return
		}
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	resp := issuedQuotasResp{Quotas: []issuedQuotaJSON{}}
	for _, qu := range c.s.st.quotas {
		switch {
		case qu.IndirectPartnerID == "",
			quotaID != "" && qu.QuotaID != quotaID,
			reseller != "" && qu.IndirectPartnerID != reseller,
			parent != "" && qu.ParentQuotaID != parent:
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			j := issuedQuotaJSON{quotaJSON: quotaToJSON(qu, c.s.st.currency), ParentQuotaID: qu.ParentQuotaID, IndirectPartnerID: qu.IndirectPartnerID}
			if r := c.s.st.resellers[qu.IndirectPartnerID]; r != nil {
				j.IndirectPartnerAccountName, j.IndirectPartnerName = r.AccountName, r.Name
			}
			resp.Quotas = append(resp.Quotas, j)
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}
