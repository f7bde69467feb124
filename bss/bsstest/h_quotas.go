package bsstest

import (
	"net/http"
	"time"
	"unicode/utf8"
)

// ---- ListQuotaCoupons: POST /v2/partners/coupon-quotas/query (§9)

type quotasReq struct {
	QuotaIDs           []string `json:"quota_ids"`
	QuotaStatusList    []int    `json:"quota_status_list"`
	QuotaType          *int     `json:"quota_type"`
	CreateTimeBegin    *string  `json:"create_time_begin"`
	CreateTimeEnd      *string  `json:"create_time_end"`
	EffectiveTimeBegin *string  `json:"effective_time_begin"`
	EffectiveTimeEnd   *string  `json:"effective_time_end"`
	ExpireTimeBegin    *string  `json:"expire_time_begin"`
	ExpireTimeEnd      *string  `json:"expire_time_end"`
	IndirectPartnerID  *string  `json:"indirect_partner_id"`
	Offset             *int     `json:"offset"`
	Limit              *int     `json:"limit"`
}

type quotasResp struct {
	TotalCount int         `json:"total_count"`
	Quotas     []quotaJSON `json:"quotas"`
}

type quotaJSON struct {
	QuotaID        string           `json:"quota_id"`
	QuotaType      int              `json:"quota_type"`
	QuotaValue     Money            `json:"quota_value"`
	Balance        Money            `json:"balance"`
	QuotaStatus    int              `json:"quota_status"`
	MeasureID      int              `json:"measure_id"`
	Currency       string           `json:"currency"`
	CreateTime     string           `json:"create_time,omitempty"`
	LastUpdateTime string           `json:"last_update_time,omitempty"`
	EffectiveTime  string           `json:"effective_time,omitempty"`
	ExpireTime     string           `json:"expire_time,omitempty"`
	LimitInfos     []quotaLimitJSON `json:"limit_infos,omitempty"`
}

type quotaLimitJSON struct {
	LimitKey    string           `json:"limit_key"`
	LimitValues []limitValueJSON `json:"limit_values"`
}

type limitValueJSON struct {
	Value1 string `json:"value1"`
	Value2 string `json:"value2,omitempty"`
}

// quotaToJSON is a quota as ListQuotaCoupons and ListIssuedCouponQuotas show it.
func quotaToJSON(q *Quota, currency string) quotaJSON {
	j := quotaJSON{QuotaID: q.QuotaID, QuotaType: q.QuotaType, QuotaValue: q.QuotaValue, Balance: q.Balance, QuotaStatus: q.QuotaStatus,
		MeasureID: 1, Currency: currency, CreateTime: fmtTime(q.CreateTime),
		LastUpdateTime: fmtTime(q.LastUpdateTime), EffectiveTime: fmtTime(q.EffectiveTime), ExpireTime: fmtTime(q.ExpireTime)}
	for _, l := range q.Limits {
		lj := quotaLimitJSON{LimitKey: l.Key, LimitValues: make([]limitValueJSON, 0, len(l.Values))}
		for _, v := range l.Values {
			lj.LimitValues = append(lj.LimitValues, limitValueJSON(v))
		}
		j.LimitInfos = append(j.LimitInfos, lj)
	}
	return j
}

type timeRange struct {
	name       string
	begin, end *string
	b, e       time.Time
	hasB, hasE bool
}

func (tr *timeRange) parse() *apiError {
	var err *apiError
	if tr.b, tr.hasB, err = optTime(tr.name+"_begin", tr.begin, true); err != nil {
		return err
	}
	tr.e, tr.hasE, err = optTime(tr.name+"_end", tr.end, true)
	return err
}

func (tr *timeRange) contains(t time.Time) bool {
	return !(tr.hasB && t.Before(tr.b)) && !(tr.hasE && t.After(tr.e))
}

func handleListQuotas(c *reqCtx) {
	var req quotasReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if len(req.QuotaIDs) > 100 {
		c.fail(errInvalid("quota_ids holds %d ids; at most 100 are allowed", len(req.QuotaIDs)))
		return
	}
	statuses := map[int]bool{}
	for _, s := range req.QuotaStatusList {
		if s != 0 && s != 3 && s != 4 && s != 5 {
			c.fail(errInvalid("quota_status_list values must be 0, 3, 4 or 5, got %d", s))
			return
		}
		statuses[s] = true
	}
	if e := oneOf("quota_type", req.QuotaType, 0, 1); e != nil {
		c.fail(e)
		return
	}
	qtype := 0
	if req.QuotaType != nil {
		qtype = *req.QuotaType
	}
	ranges := []*timeRange{
		{name: "create_time", begin: req.CreateTimeBegin, end: req.CreateTimeEnd},
		{name: "effective_time", begin: req.EffectiveTimeBegin, end: req.EffectiveTimeEnd},
		{name: "expire_time", begin: req.ExpireTimeBegin, end: req.ExpireTimeEnd},
	}
	for _, tr := range ranges {
		if e := tr.parse(); e != nil {
			c.fail(e)
			return
		}
	}
	if e := indirectPartner(req.IndirectPartnerID); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := paging(req.Offset, req.Limit, 100, 1<<31-1)
	if e != nil {
		c.fail(e)
		return
	}
	var ids map[string]bool
	if len(req.QuotaIDs) > 0 {
		ids = map[string]bool{}
		for _, id := range req.QuotaIDs {
			ids[id] = true
		}
	}
	resp := quotasResp{Quotas: []quotaJSON{}}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	for _, q := range c.s.st.quotas {
		switch {
		case ids != nil && !ids[q.QuotaID],
			len(statuses) > 0 && !statuses[q.QuotaStatus],
			q.QuotaType != qtype,
			!ranges[0].contains(q.CreateTime),
			!ranges[1].contains(q.EffectiveTime),
			!ranges[2].contains(q.ExpireTime):
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			resp.Quotas = append(resp.Quotas, quotaToJSON(q, c.s.st.currency))
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}

// ---- ReclaimCouponQuotas: POST /v2/partners/coupon-quotas/indirect-partner-reclaim (§9)

type reclaimReq struct {
	QuotaIDs []string `json:"quota_ids" bss:"nonnull"`
	Remark   *string  `json:"remark"`
}

type reclaimResp struct {
	SimpleQuotaInfos []simpleQuotaJSON `json:"simple_quota_infos"`
	ErrorDetails     []errorDetailJSON `json:"error_details"`
}

type simpleQuotaJSON struct {
	QuotaID      string `json:"quota_id"`
	QuotaBalance Money  `json:"quota_balance"`
}

type errorDetailJSON struct {
	ID        string `json:"id"`
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
}

func handleReclaimQuotas(c *reqCtx) {
	var req reclaimReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if e := checkIDs("quota_ids", req.QuotaIDs, 10); e != nil {
		c.fail(e)
		return
	}
	if req.Remark != nil && utf8.RuneCountInString(*req.Remark) > 256 {
		c.fail(errInvalid("remark is longer than 256 characters"))
		return
	}
	resp := reclaimResp{SimpleQuotaInfos: []simpleQuotaJSON{}, ErrorDetails: []errorDetailJSON{}}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	for _, id := range dedupe(req.QuotaIDs) {
		q := st.quotaByID[id]
		var why string
		switch {
		case q == nil:
			why = "quota " + id + " does not exist"
		case q.IndirectPartnerID == "":
			why = "quota " + id + " was not issued to a reseller and cannot be reclaimed"
		case q.QuotaStatus != 0:
			why = "quota " + id + " is not in a normal state (status " + itoa(q.QuotaStatus) + ")"
		case q.Balance <= 0:
			why = "quota " + id + " has no balance left to reclaim"
		}
		if why != "" {
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetailJSON{ID: id, ErrorCode: "CBC.99000012", ErrorMsg: why})
			continue
		}
		q.Records = append(q.Records, QuotaRecord{ID: st.newHexID(32), OperationType: "11", Amount: q.Balance,
			Time: c.now, Remark: str(req.Remark), Result: "0"})
		q.Balance = 0
		q.LastUpdateTime = c.now
		resp.SimpleQuotaInfos = append(resp.SimpleQuotaInfos, simpleQuotaJSON{QuotaID: id, QuotaBalance: 0})
	}
	c.json(http.StatusOK, resp)
}
