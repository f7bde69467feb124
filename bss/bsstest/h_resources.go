package bsstest

import (
	"bytes"
	"net/http"
	"sort"
	"time"
	"unicode/utf8"
)

// partnerDiscountPercent is the partner discount (discount_type 607) the fake applies to
// orders and offers in ratings.
const partnerDiscountPercent = 15

// ---- ListPayPerUseCustomerResources: POST /v2/orders/suscriptions/resources/query (§3)

type resourcesReq struct {
	CustomerID       *string  `json:"customer_id"`
	ResourceIDs      []string `json:"resource_ids" bss:"nonnull"`
	OrderID          *string  `json:"order_id"`
	OnlyMainResource *int     `json:"only_main_resource"`
	StatusList       []int    `json:"status_list"`
	ExpireTimeBegin  *string  `json:"expire_time_begin"`
	ExpireTimeEnd    *string  `json:"expire_time_end"`
	ServiceTypeCode  *string  `json:"service_type_code"`
	Offset           *int     `json:"offset"`
	Limit            *int     `json:"limit"`
}

type resourcesResp struct {
	TotalCount int            `json:"total_count"`
	Data       []resourceJSON `json:"data"`
}

type resourceJSON struct {
	ID                string                 `json:"id"`
	ResourceID        string                 `json:"resource_id"`
	ResourceName      string                 `json:"resource_name,omitempty"`
	RegionCode        string                 `json:"region_code,omitempty"`
	ServiceTypeCode   string                 `json:"service_type_code"`
	ServiceTypeName   string                 `json:"service_type_name,omitempty"`
	ResourceTypeCode  string                 `json:"resource_type_code"`
	ResourceTypeName  string                 `json:"resource_type_name,omitempty"`
	ResourceSpecCode  string                 `json:"resource_spec_code,omitempty"`
	ProjectID         string                 `json:"project_id,omitempty"`
	ProductID         string                 `json:"product_id,omitempty"`
	ParentResourceID  string                 `json:"parent_resource_id,omitempty"`
	IsMainResource    int                    `json:"is_main_resource"`
	Status            int                    `json:"status"`
	EffectiveTime     string                 `json:"effective_time,omitempty"`
	ExpireTime        string                 `json:"expire_time,omitempty"`
	UpdateTime        string                 `json:"update_time,omitempty"`
	ExpirePolicy      int                    `json:"expire_policy"`
	ProductSpecDesc   string                 `json:"product_spec_desc,omitempty"`
	SpecSize          *int64                 `json:"spec_size,omitempty"`
	SpecSizeMeasureID *int                   `json:"spec_size_measure_id,omitempty"`
	EnterpriseProject *enterpriseProjectJSON `json:"enterprise_project,omitempty"`
}

type enterpriseProjectJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

func resourceToJSON(r *Resource, lang string) resourceJSON {
	j := resourceJSON{
		ID: r.ID, ResourceID: r.ResourceID, ResourceName: r.Name, RegionCode: r.RegionCode,
		ServiceTypeCode: r.ServiceTypeCode, ServiceTypeName: displayName(r.ServiceTypeCode, r.ServiceTypeName, lang),
		ResourceTypeCode: r.ResourceTypeCode, ResourceTypeName: displayName(r.ResourceTypeCode, r.ResourceTypeName, lang),
		ResourceSpecCode: r.ResourceSpecCode, ProjectID: r.ProjectID, ProductID: r.ProductID,
		ParentResourceID: r.ParentResourceID, Status: r.Status, EffectiveTime: fmtTime(r.EffectiveTime),
		ExpireTime: fmtTime(r.ExpireTime), UpdateTime: fmtTime(r.UpdateTime), ExpirePolicy: r.ExpirePolicy,
		ProductSpecDesc: r.ProductSpecDesc,
	}
	if r.IsMain {
		j.IsMainResource = 1
	}
	if r.SpecSize > 0 {
		size, measure := r.SpecSize, r.SpecSizeMeasureID
		j.SpecSize, j.SpecSizeMeasureID = &size, &measure
	}
	if r.EnterpriseProjectID != "" {
		j.EnterpriseProject = &enterpriseProjectJSON{ID: r.EnterpriseProjectID, Name: r.EnterpriseProjectName}
	}
	return j
}

// targetCustomer resolves whose resources a call is about: a partner names the customer,
// a customer may only name itself. The caller holds s.mu.
func (c *reqCtx) targetCustomer(customerID *string) (*Customer, *apiError) {
	st := c.s.st
	id := str(customerID)
	if c.kind == customerCaller {
		if id != "" && id != c.customerID {
			return nil, errCode(http.StatusBadRequest, "CBC.99000000", "no permission on customer %q", id)
		}
		cu := st.custByID[c.customerID]
		if cu == nil {
			return nil, errCode(http.StatusBadRequest, "CBC.99000000", "the customer of these credentials no longer exists")
		}
		return cu, nil
	}
	if id == "" {
		return nil, errParam("customer_id is required when a partner queries a customer's resources")
	}
	cu := st.custByID[id]
	if cu == nil {
		return nil, errCode(http.StatusBadRequest, "CBC.99000035", "customer %q is not a sub-customer of this partner", id)
	}
	return cu, nil
}

func handleListResources(c *reqCtx) {
	var req resourcesReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if e := firstErr(maxLen("customer_id", req.CustomerID, 64), maxLen("order_id", req.OrderID, 64),
		oneOf("only_main_resource", req.OnlyMainResource, 0, 1)); e != nil {
		c.fail(e)
		return
	}
	if len(req.ResourceIDs) > 50 {
		c.fail(errInvalid("resource_ids holds %d ids; at most 50 are allowed", len(req.ResourceIDs)))
		return
	}
	if len(req.StatusList) > 10 {
		c.fail(errInvalid("status_list holds %d values; at most 10 are allowed", len(req.StatusList)))
		return
	}
	statuses := map[int]bool{}
	for _, st := range req.StatusList {
		if st < 2 || st > 5 {
			c.fail(errInvalid("status_list values must be 2, 3, 4 or 5, got %d", st))
			return
		}
		statuses[st] = true
	}
	begin, hasBegin, e := optTime("expire_time_begin", req.ExpireTimeBegin, false)
	if e != nil {
		c.fail(e)
		return
	}
	end, hasEnd, e := optTime("expire_time_end", req.ExpireTimeEnd, false)
	if e != nil {
		c.fail(e)
		return
	}
	if req.ServiceTypeCode != nil && *req.ServiceTypeCode == "" {
		c.fail(errInvalid("service_type_code must not be an empty string"))
		return
	}
	if e := maxLen("service_type_code", req.ServiceTypeCode, 64); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := paging(req.Offset, req.Limit, 100, 1<<31-1)
	if e != nil {
		c.fail(e)
		return
	}
	var ids map[string]bool
	if len(req.ResourceIDs) > 0 {
		ids = make(map[string]bool, len(req.ResourceIDs))
		for _, id := range req.ResourceIDs {
			ids[id] = true
		}
	}
	onlyMain := req.OnlyMainResource != nil && *req.OnlyMainResource == 1
	svc := str(req.ServiceTypeCode)
	orderID := str(req.OrderID)

	resp := resourcesResp{Data: []resourceJSON{}}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	cu, e := c.targetCustomer(req.CustomerID)
	if e != nil {
		c.fail(e)
		return
	}
	var inOrder map[string]bool
	if orderID != "" {
		inOrder = map[string]bool{}
		if o := c.s.st.orderByID[orderID]; o != nil && o.CustomerID == cu.ID {
			for _, li := range o.LineItems {
				inOrder[li.ResourceID] = true
			}
		}
	}
	list := c.s.st.byCust[cu.ID]
	start := 0
	if hasBegin {
		start = sort.Search(len(list), func(i int) bool { return !list[i].ExpireTime.Before(begin) })
	}
	for _, r := range list[start:] {
		if hasEnd && r.ExpireTime.After(end) {
			break
		}
		switch {
		case ids != nil && !ids[r.ResourceID],
			onlyMain && !r.IsMain,
			len(statuses) > 0 && !statuses[r.Status],
			svc != "" && r.ServiceTypeCode != svc,
			inOrder != nil && !inOrder[r.ResourceID] && r.OrderID != orderID:
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			resp.Data = append(resp.Data, resourceToJSON(r, c.lang))
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}

func firstErr(errs ...*apiError) *apiError {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

// ---- RenewalResources: POST /v2/orders/subscriptions/resources/renew (§4)

type renewReq struct {
	ResourceIDs []string `json:"resource_ids" bss:"nonnull"`
	PeriodType  *int     `json:"period_type"`
	PeriodNum   *int     `json:"period_num"`
	IsAutoPay   *int     `json:"is_auto_pay"`
}

type orderIDsResp struct {
	OrderIDs          []string       `json:"order_ids"`
	FailResourceInfos []failResource `json:"fail_resource_infos,omitempty"`
}

type failResource struct {
	ResourceID string `json:"resource_id"`
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
}

// checkPeriod validates period_type (2 month, 3 year) and period_num (months 1–11, years 1–3).
// It returns the number of months the period adds and the number of monthly prices it costs.
func checkPeriod(periodType, periodNum *int) (months, priceMonths int, e *apiError) {
	if periodType == nil {
		return 0, 0, errParam("period_type is required")
	}
	if periodNum == nil {
		return 0, 0, errParam("period_num is required")
	}
	switch *periodType {
	case 2:
		if *periodNum < 1 || *periodNum > 11 {
			return 0, 0, errInvalid("period_num must be 1 to 11 months when period_type is 2")
		}
		return *periodNum, *periodNum, nil
	case 3:
		if *periodNum < 1 || *periodNum > 3 {
			return 0, 0, errInvalid("period_num must be 1 to 3 years when period_type is 3")
		}
		return 12 * *periodNum, 10 * *periodNum, nil
	}
	return 0, 0, errInvalid("period_type must be 2 (month) or 3 (year)")
}

// owned looks up a resource of the calling customer (renew, unsubscribe, ratings, auto-renew).
// The caller holds s.mu.
func (c *reqCtx) owned(id string) (*Resource, *apiError) {
	r := c.s.st.res[id]
	if r == nil || r.CustomerID != c.customerID {
		return nil, errCode(http.StatusBadRequest, "CBC.99000000", "resource %q does not exist or does not belong to this customer", id)
	}
	return r, nil
}

func handleRenew(c *reqCtx) {
	var req renewReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if e := checkIDs("resource_ids", req.ResourceIDs, 10); e != nil {
		c.fail(e)
		return
	}
	months, priceMonths, e := checkPeriod(req.PeriodType, req.PeriodNum)
	if e != nil {
		c.fail(e)
		return
	}
	if e := oneOf("is_auto_pay", req.IsAutoPay, 0, 1); e != nil {
		c.fail(e)
		return
	}
	autoPay := req.IsAutoPay != nil && *req.IsAutoPay == 1

	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	cu := st.custByID[c.customerID]
	if cu == nil {
		c.fail(errCode(http.StatusBadRequest, "CBC.99000000", "the customer of these credentials no longer exists"))
		return
	}
	resp := orderIDsResp{OrderIDs: []string{}}
	var mains []*Resource
	for _, id := range dedupe(req.ResourceIDs) {
		r, e := c.owned(id)
		switch {
		case e != nil:
			resp.FailResourceInfos = append(resp.FailResourceInfos, failResource{id, e.code, e.msg})
		case !r.IsMain:
			resp.FailResourceInfos = append(resp.FailResourceInfos, failResource{id, "CBC.0101",
				"resource " + id + " is an attached resource; renew its main resource " + r.ParentResourceID})
		case r.Status == 3 || r.Status == 4:
			resp.FailResourceInfos = append(resp.FailResourceInfos, failResource{id, "CBC.99003602",
				"resource " + id + " is closed or frozen and cannot be renewed"})
		default:
			mains = append(mains, r)
		}
	}
	if len(mains) == 0 {
		c.json(http.StatusOK, resp)
		return
	}
	o := st.renewGroups(cu, mains, *req.PeriodType, *req.PeriodNum, months, priceMonths, autoPay, c.now)
	resp.OrderIDs = append(resp.OrderIDs, o.ID)
	c.json(http.StatusOK, resp)
}

// renewGroups renews main resources of cu (with their attached ones) by months, priced at
// priceMonths monthly prices, in one renewal order created now: paid from the balance at once
// when autoPay and the balance suffices, else pending payment (PayOrder pays it).
//
// Each main resource is renewed from its original expiry, also when it expired days ago and
// is in its grace or retention period (续费规则说明: 若资源进入宽限期或保留期后续费，续费周期的开始
// 时间为资源的原到期时间), by calendar months clamped to the month's end.
func (st *store) renewGroups(cu *Customer, mains []*Resource, periodType, periodNum, months, priceMonths int, autoPay bool, now time.Time) *Order {
	o := st.newOrder(cu, 2, mains[0].ServiceTypeCode, now)
	for _, m := range mains {
		from := m.ExpireTime
		to := addMonths(from, months)
		for _, r := range st.group(m) {
			o.addLine(r, periodType, periodNum, from, to, r.MonthlyPrice*Money(priceMonths))
		}
	}
	o.settle(cu, autoPay, now)
	if o.Status == 5 { // paid: the periods take effect now
		st.applyRenewal(o, now)
	}
	st.addOrder(o)
	return o
}

// applyRenewal moves the expiry of the resources of a paid renewal order by the order's period,
// from their expiry now (the one the order was priced from, unless it moved since).
func (st *store) applyRenewal(o *Order, now time.Time) {
	touched := map[string]bool{}
	for i := range o.LineItems {
		li := &o.LineItems[i]
		r := st.res[li.ResourceID]
		if r == nil {
			continue
		}
		months := li.PeriodNum
		if li.PeriodType == 3 {
			months *= 12
		}
		to := addMonths(r.ExpireTime, months)
		if r.IsMain {
			st.history[r.ResourceID] = append(st.history[r.ResourceID], renewal{prior: r.ExpireTime, orderID: o.ID})
		}
		li.EffectiveTime, li.ExpireTime = r.ExpireTime, to
		r.ExpireTime, r.UpdateTime = to, now
		if r.Status == 5 && to.After(now) {
			r.Status = 2 // a period that ended before today leaves it expired
		}
		touched[r.CustomerID] = true
	}
	for id := range touched {
		st.resortCustomer(id)
	}
}

// newOrder starts an order of the given type for a customer.
func (st *store) newOrder(cu *Customer, orderType int, svc string, now time.Time) *Order {
	return &Order{
		ID: st.newOrderID(now), CustomerID: cu.ID, UserName: cu.AccountName, ServiceTypeCode: svc,
		ServiceTypeName: zhName(svc), SourceType: 1, OrderType: orderType, Currency: cu.Currency, CreateTime: now,
		PayingAgentID: cu.AgentPayerID,
	}
}

// addLine adds a line at the official price; settle applies the partner discount.
func (o *Order) addLine(r *Resource, periodType, periodNum int, from, to time.Time, official Money) {
	o.LineItems = append(o.LineItems, OrderLineItem{
		ID: o.ID + "-" + itoa(len(o.LineItems)+1), ResourceID: r.ResourceID, ServiceTypeCode: r.ServiceTypeCode,
		ProductID: r.ProductID, ProductSpecDesc: r.ProductSpecDesc, CategoryCode: r.ResourceTypeCode,
		PeriodType: periodType, PeriodNum: periodNum, SubscriptionNum: 1, EffectiveTime: from, ExpireTime: to,
		OfficialAmount: official, AmountAfterDiscount: official - official.percent(partnerDiscountPercent),
	})
	o.OfficialAmount += official
}

// settle prices the order and pays it from the customer's balance when asked and possible;
// otherwise it stays pending payment for 15 days.
func (o *Order) settle(cu *Customer, autoPay bool, now time.Time) {
	o.AmountAfterDiscount = 0
	for _, li := range o.LineItems {
		o.AmountAfterDiscount += li.AmountAfterDiscount
	}
	o.DiscountAmount = o.OfficialAmount - o.AmountAfterDiscount
	if autoPay && cu.Balance >= o.AmountAfterDiscount {
		cu.Balance -= o.AmountAfterDiscount
		o.Status, o.PaymentTime = 5, now
		return
	}
	o.Status, o.PendingPaymentEndTime = 6, now.Add(15*24*time.Hour)
}

// ---- CancelResourcesSubscription: POST /v2/orders/subscriptions/resources/unsubscribe (§5)

type unsubscribeReq struct {
	ResourceIDs           []string `json:"resource_ids" bss:"nonnull"`
	UnsubscribeType       *int     `json:"unsubscribe_type"`
	UnsubscribeReasonType *int     `json:"unsubscribe_reason_type"`
	UnsubscribeReason     *string  `json:"unsubscribe_reason"`
}

// maxReason is the length the fake allows for unsubscribe_reason (UNCONFIRMED upstream).
const maxReason = 512

func handleUnsubscribe(c *reqCtx) {
	var req unsubscribeReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if e := checkIDs("resource_ids", req.ResourceIDs, 10); e != nil {
		c.fail(e)
		return
	}
	if req.UnsubscribeType == nil {
		c.fail(errParam("unsubscribe_type is required"))
		return
	}
	if e := firstErr(oneOf("unsubscribe_type", req.UnsubscribeType, 1, 2),
		oneOf("unsubscribe_reason_type", req.UnsubscribeReasonType, 1, 2, 3, 4, 5),
		maxLen("unsubscribe_reason", req.UnsubscribeReason, maxReason)); e != nil {
		c.fail(e)
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	st := c.s.st
	cu := st.custByID[c.customerID]
	if cu == nil {
		c.fail(errCode(http.StatusBadRequest, "CBC.99000000", "the customer of these credentials no longer exists"))
		return
	}
	ids := dedupe(req.ResourceIDs)
	listed := make(map[string]bool, len(ids))
	for _, id := range ids {
		listed[id] = true
	}
	var mains []*Resource
	for _, id := range ids {
		r, e := c.owned(id)
		if e != nil {
			c.fail(e)
			return
		}
		if !r.IsMain {
			if !listed[r.ParentResourceID] {
				c.fail(errInvalid("resource %q is attached to %q; unsubscribe its main resource", id, r.ParentResourceID))
				return
			}
			continue
		}
		if *req.UnsubscribeType == 2 && len(st.history[r.ResourceID]) == 0 {
			c.fail(errInvalid("resource %q has no renewed periods to unsubscribe", id))
			return
		}
		mains = append(mains, r)
	}
	o := st.unsubscribeGroups(cu, mains, *req.UnsubscribeType, c.now)
	c.json(http.StatusOK, orderIDsResp{OrderIDs: []string{o.ID}})
}

// unsubscribeGroups cancels main resources of cu (with their attached ones) now: type 1 the
// resources and their renewed periods (they leave), type 2 only the periods renewed through
// the fake. The refund pays off arrears first, then goes to the balance. It returns the
// unsubscribe order, created now.
func (st *store) unsubscribeGroups(cu *Customer, mains []*Resource, unsubscribeType int, now time.Time) *Order {
	o := st.newOrder(cu, 4, mains[0].ServiceTypeCode, now)
	var refund Money
	for _, m := range mains {
		until := m.ExpireTime
		from := now
		if unsubscribeType == 2 {
			if p := st.history[m.ResourceID][0].prior; p.After(from) {
				from = p
			}
		} else if m.EffectiveTime.After(from) {
			from = m.EffectiveTime
		}
		days := int64(0)
		if until.After(from) {
			days = int64(until.Sub(from) / (24 * time.Hour))
		}
		for _, r := range st.group(m) {
			amount := (r.MonthlyPrice - r.MonthlyPrice.percent(partnerDiscountPercent)).scale(days, 30)
			o.LineItems = append(o.LineItems, OrderLineItem{
				ID: o.ID + "-" + itoa(len(o.LineItems)+1), ResourceID: r.ResourceID, ServiceTypeCode: r.ServiceTypeCode,
				ProductID: r.ProductID, ProductSpecDesc: r.ProductSpecDesc, CategoryCode: r.ResourceTypeCode,
				PeriodType: 5, PeriodNum: 1, SubscriptionNum: 1, EffectiveTime: from, ExpireTime: until,
				OfficialAmount: amount, AmountAfterDiscount: amount,
			})
			refund += amount
		}
	}
	o.OfficialAmount, o.AmountAfterDiscount, o.Status, o.PaymentTime = refund, refund, 5, now
	pay := min(refund, cu.Debt)
	cu.Debt -= pay
	cu.Balance += refund - pay
	for _, m := range mains {
		if unsubscribeType == 1 {
			st.removeGroup(m)
			continue
		}
		prior := st.history[m.ResourceID][0].prior
		delete(st.history, m.ResourceID)
		for _, r := range st.group(m) {
			r.ExpireTime = prior
			r.UpdateTime = now
			if !prior.After(now) && r.Status == 2 {
				r.Status = 5
			}
		}
	}
	st.resortCustomer(cu.ID)
	st.addOrder(o)
	return o
}

// ---- Auto-renew: POST/DELETE /v2/orders/subscriptions/resources/autorenew/{resource_id} (§6)

type autoRenewReq struct {
	AutoRenewTimes *int `json:"auto_renew_times"`
}

// autoRenewTarget finds the main resource of the calling customer named in the path and
// checks it can take an auto-renew change. The caller holds s.mu.
func (c *reqCtx) autoRenewTarget() (*Resource, *apiError) {
	if utf8.RuneCountInString(c.param) > 64 {
		return nil, errInvalid("resource_id is longer than 64 characters")
	}
	r, e := c.owned(c.param)
	if e != nil {
		return nil, e
	}
	if !r.IsMain {
		return nil, errInvalid("resource %q is an attached resource; change auto-renew on its main resource %q", r.ResourceID, r.ParentResourceID)
	}
	if r.Status != 2 || !r.ExpireTime.After(c.now) {
		return nil, errCode(http.StatusBadRequest, "CBC.99003602", "resource %q is expired, frozen or closed; auto-renew cannot be changed", r.ResourceID)
	}
	return r, nil
}

func handleAutoRenewOn(c *reqCtx) {
	var req autoRenewReq
	if len(bytes.TrimSpace(c.body)) > 0 {
		if e := decodeStrict(c.body, &req); e != nil {
			c.fail(e)
			return
		}
		if req.AutoRenewTimes != nil && (*req.AutoRenewTimes < 0 || *req.AutoRenewTimes > 99) {
			c.fail(errInvalid("auto_renew_times must be between 0 and 99"))
			return
		}
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	m, e := c.autoRenewTarget()
	if e != nil {
		c.fail(e)
		return
	}
	times := 0
	if req.AutoRenewTimes != nil {
		times = *req.AutoRenewTimes
	} else if m.ExpirePolicy == 3 {
		times = m.AutoRenewTimes
	}
	for _, r := range c.s.st.group(m) {
		r.ExpirePolicy, r.AutoRenewTimes, r.UpdateTime = 3, times, c.now
	}
	c.empty()
}

func handleAutoRenewOff(c *reqCtx) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	m, e := c.autoRenewTarget()
	if e != nil {
		c.fail(e)
		return
	}
	if m.ExpirePolicy != 3 {
		c.fail(errCode(http.StatusBadRequest, "CBC.99003605", "auto-renew of resource %q is not on (already cancelled)", m.ResourceID))
		return
	}
	for _, r := range c.s.st.group(m) {
		r.ExpirePolicy, r.AutoRenewTimes, r.UpdateTime = 0, 0, c.now
	}
	c.empty()
}
