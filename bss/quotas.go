package bss

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"
)

// Quota statuses and types (bss-api.md §9).
const (
	QuotaNormal    = 0
	QuotaInvalid   = 3
	QuotaAdjusting = 4
	QuotaFrozen    = 5

	QuotaTypeCashCoupon    = 0 // 代金券
	QuotaTypeFlexiPurchase = 1 // 现金券
)

const (
	pathQuotas        = "/v2/partners/coupon-quotas/query"
	pathReclaimQuotas = "/v2/partners/coupon-quotas/indirect-partner-reclaim"
)

// QuotaFilter narrows ListQuotaCoupons.
type QuotaFilter struct {
	QuotaIDs          []string
	Statuses          []int
	QuotaType         *int // nil = BSS default (cash-coupon quota)
	CreateBegin       time.Time
	CreateEnd         time.Time
	EffectiveBegin    time.Time
	EffectiveEnd      time.Time
	ExpireBegin       time.Time
	ExpireEnd         time.Time
	IndirectPartnerID string
}

// Quota is one coupon quota (优惠券额度).
type Quota struct {
	QuotaID        string      `json:"quota_id"`
	QuotaType      int         `json:"quota_type"`
	QuotaValue     Amount      `json:"quota_value"`
	Balance        Amount      `json:"balance"`
	QuotaStatus    int         `json:"quota_status"`
	MeasureID      int         `json:"measure_id"`
	Currency       string      `json:"currency"`
	CreateTime     Time        `json:"create_time"`
	LastUpdateTime Time        `json:"last_update_time"`
	EffectiveTime  Time        `json:"effective_time"`
	ExpireTime     Time        `json:"expire_time"`
	LimitInfos     []LimitInfo `json:"limit_infos"`
}

// LimitInfo is a usage restriction of a quota: a key such as "cloudServiceType" and the values
// it allows (SDK model_quota_limit_info.go).
type LimitInfo struct {
	Key    string       `json:"limit_key"`
	Values []LimitValue `json:"limit_values"`
}

// String shows the restriction for people, e.g.
// "cloudServiceType: 弹性云服务器 (hws.service.type.ec2), 云硬盘 (hws.service.type.ebs)".
func (l LimitInfo) String() string {
	vals := make([]string, len(l.Values))
	for i, v := range l.Values {
		vals[i] = v.String()
	}
	return l.Key + ": " + strings.Join(vals, ", ")
}

// LimitValue is one value a restriction allows (SDK model_limit_value.go): Value1 is the code
// (e.g. hws.service.type.ec2), Value2 its display name (e.g. 弹性云服务器) when BSS gives one.
type LimitValue struct {
	Value1 string `json:"value1,omitempty"`
	Value2 string `json:"value2,omitempty"`
}

// String is the display name followed by the code, e.g. "弹性云服务器 (hws.service.type.ec2)", or
// whichever of the two is present.
func (v LimitValue) String() string {
	switch {
	case v.Value2 == "" || v.Value2 == v.Value1:
		return v.Value1
	case v.Value1 == "":
		return v.Value2
	}
	return v.Value2 + " (" + v.Value1 + ")"
}

// UnmarshalJSON reads the documented object {"value1","value2"}; a bare string, as older pages
// of the documentation show, is taken as Value1.
func (v *LimitValue) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*v = LimitValue{}
		return json.Unmarshal(b, &v.Value1)
	}
	type plain LimitValue
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("limit value: %w", err)
	}
	*v = LimitValue(p)
	return nil
}

// QuotaPage is one page of ListQuotaCoupons.
type QuotaPage struct {
	TotalCount int     `json:"total_count"`
	Quotas     []Quota `json:"quotas"`
}

type listQuotasBody struct {
	QuotaIDs           []string `json:"quota_ids,omitempty"`
	QuotaStatusList    []int    `json:"quota_status_list,omitempty"`
	QuotaType          *int     `json:"quota_type,omitempty"`
	CreateTimeBegin    string   `json:"create_time_begin,omitempty"`
	CreateTimeEnd      string   `json:"create_time_end,omitempty"`
	EffectiveTimeBegin string   `json:"effective_time_begin,omitempty"`
	EffectiveTimeEnd   string   `json:"effective_time_end,omitempty"`
	ExpireTimeBegin    string   `json:"expire_time_begin,omitempty"`
	ExpireTimeEnd      string   `json:"expire_time_end,omitempty"`
	IndirectPartnerID  string   `json:"indirect_partner_id,omitempty"`
	Offset             int      `json:"offset"`
	Limit              int      `json:"limit"`
}

// ListQuotas returns one page of coupon quotas (POST /v2/partners/coupon-quotas/query).
func (c *Client) ListQuotas(ctx context.Context, f QuotaFilter, offset, limit int) (*QuotaPage, error) {
	if err := c.unavailable(OpListQuotaCoupons, http.MethodPost, pathQuotas); err != nil {
		return nil, err
	}
	ck := checker{op: OpListQuotaCoupons}
	for _, id := range f.QuotaIDs {
		ck.id("quota_ids", id)
	}
	for _, s := range f.Statuses {
		if s != QuotaNormal && s != QuotaInvalid && s != QuotaAdjusting && s != QuotaFrozen {
			ck.fail("quota_status_list", "statuses are 0, 3, 4 or 5", "状态只能是 0、3、4、5")
		}
	}
	if f.QuotaType != nil {
		ck.between("quota_type", *f.QuotaType, 0, 1)
	}
	ck.optID("indirect_partner_id", f.IndirectPartnerID)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var page QuotaPage
	if err := c.do(ctx, request{
		op: OpListQuotaCoupons, method: http.MethodPost, path: pathQuotas,
		body: listQuotasBody{
			QuotaIDs: f.QuotaIDs, QuotaStatusList: f.Statuses, QuotaType: f.QuotaType,
			CreateTimeBegin: formatTime(f.CreateBegin), CreateTimeEnd: formatTime(f.CreateEnd),
			EffectiveTimeBegin: formatTime(f.EffectiveBegin), EffectiveTimeEnd: formatTime(f.EffectiveEnd),
			ExpireTimeBegin: formatTime(f.ExpireBegin), ExpireTimeEnd: formatTime(f.ExpireEnd),
			IndirectPartnerID: f.IndirectPartnerID, Offset: offset, Limit: limit,
		},
		out: &page,
	}); err != nil {
		return nil, err
	}
	return &page, nil
}

// Quotas iterates over every matching quota.
func (c *Client) Quotas(ctx context.Context, f QuotaFilter) iter.Seq2[Quota, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]Quota, int, error) {
		p, err := c.ListQuotas(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Quotas, p.TotalCount, nil
	})
}

// ReclaimResult is the answer of a quota reclaim: HTTP 200 even when some ids failed.
type ReclaimResult struct {
	Reclaimed []ReclaimedQuota `json:"simple_quota_infos"`
	Errors    []ItemError      `json:"error_details"`
}

// ReclaimedQuota is a quota's balance after the reclaim.
type ReclaimedQuota struct {
	QuotaID string `json:"quota_id"`
	Balance Amount `json:"quota_balance"`
}

// ItemError is a per-item failure of a batch operation.
type ItemError struct {
	ID        string `json:"id"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

type reclaimBody struct {
	QuotaIDs []string `json:"quota_ids"`
	Remark   *string  `json:"remark,omitempty"`
}

// ReclaimQuotas reclaims coupon quotas from second-level resellers
// (POST /v2/partners/coupon-quotas/indirect-partner-reclaim). remark nil = not set. It is a
// mutation: never retried once sent.
func (c *Client) ReclaimQuotas(ctx context.Context, quotaIDs []string, remark *string) (*ReclaimResult, error) {
	if err := c.unavailable(OpReclaimCouponQuotas, http.MethodPost, pathReclaimQuotas); err != nil {
		return nil, err
	}
	ck := checker{op: OpReclaimCouponQuotas}
	ck.ids("quota_ids", quotaIDs, 1, MaxQuotaIDs)
	if remark != nil {
		ck.maxLen("remark", *remark, MaxRemarkLen)
	}
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res ReclaimResult
	if err := c.do(ctx, request{
		op: OpReclaimCouponQuotas, method: http.MethodPost, path: pathReclaimQuotas,
		body: reclaimBody{QuotaIDs: quotaIDs, Remark: remark}, out: &res, mutation: true,
	}); err != nil {
		return nil, err
	}
	return &res, nil
}
