package bsstest

import (
	"net/http"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// ---- ListCustomerOrders: GET /v2/orders/customer-orders (§7)

type ordersResp struct {
	TotalCount int         `json:"total_count"`
	OrderInfos []orderJSON `json:"order_infos"`
}

type orderJSON struct {
	OrderID               string         `json:"order_id"`
	CustomerID            string         `json:"customer_id"`
	ServiceTypeCode       string         `json:"service_type_code,omitempty"`
	ServiceTypeName       string         `json:"service_type_name,omitempty"`
	SourceType            int            `json:"source_type"`
	Status                int            `json:"status"`
	OrderType             int            `json:"order_type"`
	AmountAfterDiscount   Money          `json:"amount_after_discount"`
	OfficialAmount        Money          `json:"official_amount"`
	MeasureID             int            `json:"measure_id"`
	Currency              string         `json:"currency"`
	CreateTime            string         `json:"create_time"`
	PaymentTime           string         `json:"payment_time,omitempty"`
	ContractID            string         `json:"contract_id,omitempty"`
	AmountInfo            amountInfoJSON `json:"amount_info"`
	UserName              string         `json:"user_name,omitempty"`
	PendingPaymentEndTime string         `json:"pending_payment_end_time,omitempty"`
	AgentPayInfo          *agentPayJSON  `json:"agent_pay_info,omitempty"`
}

// agentPayJSON says who paid an order on behalf of the ordering enterprise sub-account
// (SDK model_agent_pay_info_v2.go; CustomerOrderV2 only, not the details' CustomerOrderV3).
type agentPayJSON struct {
	PayingAgentID string `json:"paying_agent_id"`
	IsAgentPay    bool   `json:"is_agent_pay"`
}

type amountInfoJSON struct {
	Discounts                 []discountJSON `json:"discounts"`
	CouponAmount              Money          `json:"coupon_amount"`
	FlexipurchaseCouponAmount Money          `json:"flexipurchase_coupon_amount"`
	StoredCardAmount          Money          `json:"stored_card_amount"`
	CommissionAmount          Money          `json:"commission_amount"`
	ConsumedAmount            Money          `json:"consumed_amount"`
}

type discountJSON struct {
	DiscountType   string `json:"discount_type"`
	DiscountAmount Money  `json:"discount_amount"`
}

func amountInfo(discount, coupon Money) amountInfoJSON {
	a := amountInfoJSON{Discounts: []discountJSON{}, CouponAmount: coupon}
	if discount != 0 {
		a.Discounts = append(a.Discounts, discountJSON{DiscountType: "607", DiscountAmount: discount})
	}
	return a
}

func orderToJSON(o *Order, lang string, detail bool) orderJSON {
	j := orderJSON{
		OrderID: o.ID, CustomerID: o.CustomerID, ServiceTypeCode: o.ServiceTypeCode,
		ServiceTypeName: displayName(o.ServiceTypeCode, o.ServiceTypeName, lang), SourceType: o.SourceType,
		Status: o.Status, OrderType: o.OrderType, AmountAfterDiscount: o.AmountAfterDiscount,
		OfficialAmount: o.OfficialAmount, MeasureID: 1, Currency: o.Currency, CreateTime: fmtTime(o.CreateTime),
		PaymentTime: fmtTime(o.PaymentTime), ContractID: o.ContractID,
		AmountInfo: amountInfo(o.DiscountAmount, o.CouponAmount),
	}
	if !detail && o.PayingAgentID != "" {
		j.AgentPayInfo = &agentPayJSON{PayingAgentID: o.PayingAgentID, IsAgentPay: true}
	}
	if detail {
		j.UserName = o.UserName
		if o.Status == 6 {
			j.PendingPaymentEndTime = fmtTime(o.PendingPaymentEndTime)
		}
	}
	return j
}

// window parses a begin/end pair of query parameters; both given must lie within a year.
func window(q map[string][]string, prefix string) (b, e time.Time, hasB, hasE bool, err *apiError) {
	get := func(name string) *string {
		if v, ok := q[name]; ok && len(v) > 0 {
			return &v[0]
		}
		return nil
	}
	if b, hasB, err = optTime(prefix+"_begin", get(prefix+"_begin"), true); err != nil {
		return
	}
	if e, hasE, err = optTime(prefix+"_end", get(prefix+"_end"), true); err != nil {
		return
	}
	if hasB && hasE && e.Sub(b) > 366*24*time.Hour {
		err = errInvalid("%s_begin and %s_end may be at most one year apart", prefix, prefix)
	}
	return
}

func handleListOrders(c *reqCtx) {
	q := c.r.URL.Query()
	orderID, customerID, svc := q.Get("order_id"), q.Get("customer_id"), q.Get("service_type_code")
	for _, name := range []string{"order_id", "customer_id", "service_type_code", "indirect_partner_id"} {
		if utf8.RuneCountInString(q.Get(name)) > 64 {
			c.fail(errInvalid("%s is longer than 64 characters", name))
			return
		}
	}
	cb, ce, hasCB, hasCE, e := window(q, "create_time")
	if e != nil {
		c.fail(e)
		return
	}
	pb, pe, hasPB, hasPE, e := window(q, "payment_time")
	if e != nil {
		c.fail(e)
		return
	}
	status, e := queryInt(q, "status")
	if e == nil && status != nil {
		// The filter takes these only; 2 and 10–13 appear in answers (bss-api.md, Corrections).
		e = oneOf("status", status, 1, 3, 4, 5, 6, 9)
	}
	if e != nil {
		c.fail(e)
		return
	}
	orderType := -1
	if v := q.Get("order_type"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 15 {
			c.fail(errInvalid("order_type must be an order type code such as 1, 2 or 4"))
			return
		}
		orderType = n
	}
	desc := true
	switch q.Get("order_by") {
	case "", "-createTime":
	case "createTime":
		desc = false
	default:
		c.fail(errInvalid("order_by must be createTime or -createTime"))
		return
	}
	// method (bss-api.md Corrections, "Order list method"): oneself (the default, also when
	// empty) lists the customers' own orders; sub_customer the orders a customer paid on behalf
	// of its enterprise sub-accounts (企业多账号代付), not the partner's customers.
	paidFor := false
	switch q.Get("method") {
	case "", "oneself":
	case "sub_customer":
		paidFor = true
	default:
		c.fail(errInvalid("method must be oneself or sub_customer"))
		return
	}
	if e := indirectPartner(queryStr(q, "indirect_partner_id")); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}

	resp := ordersResp{OrderInfos: []orderJSON{}}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	list := st.orders
	if customerID != "" {
		if st.custByID[customerID] == nil {
			c.fail(errCode(http.StatusBadRequest, "CBC.99000035", "customer %q is not a sub-customer of this partner", customerID))
			return
		}
		list = st.ordersByCust[customerID]
	}
	switch {
	case paidFor && customerID != "":
		// What this customer paid for its enterprise sub-accounts: their orders, not its own.
		list = slices.DeleteFunc(slices.Clone(st.orders), func(o *Order) bool { return o.PayingAgentID != customerID })
	case paidFor:
		// Without customer_id: what any of the partner's customers paid for a sub-account.
		list = slices.DeleteFunc(slices.Clone(st.orders), func(o *Order) bool { return !st.agentPaid(o) })
	}
	for i := range list {
		o := list[i]
		if desc {
			o = list[len(list)-1-i]
		}
		switch {
		case orderID != "" && o.ID != orderID,
			svc != "" && o.ServiceTypeCode != svc,
			status != nil && o.Status != *status,
			orderType >= 0 && o.OrderType != orderType,
			hasCB && o.CreateTime.Before(cb),
			hasCE && o.CreateTime.After(ce),
			(hasPB || hasPE) && o.PaymentTime.IsZero(),
			hasPB && o.PaymentTime.Before(pb),
			hasPE && o.PaymentTime.After(pe):
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			resp.OrderInfos = append(resp.OrderInfos, orderToJSON(o, c.lang, false))
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}

// ---- ShowCustomerOrderDetails: GET /v2/orders/customer-orders/details/{order_id} (§7)

type orderDetailResp struct {
	TotalCount     int            `json:"total_count"`
	OrderInfo      orderJSON      `json:"order_info"`
	OrderLineItems []lineItemJSON `json:"order_line_items"`
}

type lineItemJSON struct {
	OrderLineItemID     string         `json:"order_line_item_id"`
	ServiceTypeCode     string         `json:"service_type_code"`
	ProductID           string         `json:"product_id,omitempty"`
	ProductSpecDesc     string         `json:"product_spec_desc,omitempty"`
	PeriodType          int            `json:"period_type"`
	PeriodNum           int            `json:"period_num"`
	SubscriptionNum     int            `json:"subscription_num"`
	EffectiveTime       string         `json:"effective_time,omitempty"`
	ExpireTime          string         `json:"expire_time,omitempty"`
	AmountAfterDiscount Money          `json:"amount_after_discount"`
	OfficialAmount      Money          `json:"official_amount"`
	AmountInfo          amountInfoJSON `json:"amount_info"`
	Currency            string         `json:"currency"`
	CategoryCode        string         `json:"category_code,omitempty"`
}

func handleOrderDetails(c *reqCtx) {
	q := c.r.URL.Query()
	if utf8.RuneCountInString(c.param) > 64 {
		c.fail(errInvalid("order_id is longer than 64 characters"))
		return
	}
	if e := indirectPartner(queryStr(q, "indirect_partner_id")); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	o := c.s.st.orderByID[c.param]
	if o == nil {
		c.fail(errCode(http.StatusNotFound, "CBC.0101", "order %q does not exist", c.param))
		return
	}
	resp := orderDetailResp{TotalCount: len(o.LineItems), OrderInfo: orderToJSON(o, c.lang, true), OrderLineItems: []lineItemJSON{}}
	lo, hi := page(len(o.LineItems), off, lim)
	for _, li := range o.LineItems[lo:hi] {
		resp.OrderLineItems = append(resp.OrderLineItems, lineItemJSON{
			OrderLineItemID: li.ID, ServiceTypeCode: li.ServiceTypeCode, ProductID: li.ProductID,
			ProductSpecDesc: li.ProductSpecDesc, PeriodType: li.PeriodType, PeriodNum: li.PeriodNum,
			SubscriptionNum: li.SubscriptionNum, EffectiveTime: fmtTime(li.EffectiveTime), ExpireTime: fmtTime(li.ExpireTime),
			AmountAfterDiscount: li.AmountAfterDiscount, OfficialAmount: li.OfficialAmount,
			AmountInfo: amountInfo(li.OfficialAmount-li.AmountAfterDiscount, 0), Currency: o.Currency,
			CategoryCode: li.CategoryCode,
		})
	}
	c.json(http.StatusOK, resp)
}

func itoa(n int) string { return strconv.Itoa(n) }
