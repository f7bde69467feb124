package bss

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Order statuses (bss-api.md §7).
const (
	OrderPendingReview       = 1
	OrderPendingRefund       = 2
	OrderProcessing          = 3
	OrderCancelled           = 4
	OrderCompleted           = 5
	OrderPendingPayment      = 6
	OrderPendingConfirmation = 9
)

// Order types (bss-api.md §7); the API takes them as strings in filters.
const (
	OrderTypeNew         = "1"
	OrderTypeRenewal     = "2"
	OrderTypeChange      = "3"
	OrderTypeUnsubscribe = "4"
)

// OrderFilter narrows ListCustomerOrders. Zero fields are not filters.
type OrderFilter struct {
	CustomerID        string
	OrderID           string
	Status            int // 0 = any; a filter takes 1, 3, 4, 5, 6 or 9 only
	OrderType         string
	ServiceTypeCode   string
	CreateBegin       time.Time // each window at most one year
	CreateEnd         time.Time
	PaymentBegin      time.Time
	PaymentEnd        time.Time
	OrderBy           string // "createTime" or "-createTime" (newest first)
	IndirectPartnerID string
	// Method is OrdersOneself (the default, also when empty) or OrdersPaidForSubAccounts, which
	// needs CustomerID. Leave it and CustomerID empty to list the orders of all customers.
	Method string
}

// Values of OrderFilter.Method (SDK model_list_customer_orders_request.go; bss-api.md
// Corrections, "Order list method").
const (
	// OrdersOneself lists the customers' own orders (the default).
	OrdersOneself = "oneself"
	// OrdersPaidForSubAccounts lists the orders a customer paid on behalf of its enterprise
	// sub-accounts (企业多账号代付, SDK "客户给企业子代付订单"). It does NOT mean the partner's
	// sub-customers.
	OrdersPaidForSubAccounts = "sub_customer"
)

// Order is one customer order.
type Order struct {
	OrderID             string      `json:"order_id"`
	CustomerID          string      `json:"customer_id"`
	ServiceTypeCode     string      `json:"service_type_code"`
	ServiceTypeName     string      `json:"service_type_name"`
	SourceType          int         `json:"source_type"`
	Status              int         `json:"status"`
	OrderType           int         `json:"order_type"`
	AmountAfterDiscount Amount      `json:"amount_after_discount"`
	OfficialAmount      Amount      `json:"official_amount"`
	MeasureID           int         `json:"measure_id"`
	Currency            string      `json:"currency"`
	CreateTime          Time        `json:"create_time"`
	PaymentTime         Time        `json:"payment_time"`
	ContractID          string      `json:"contract_id"`
	AmountInfo          *AmountInfo `json:"amount_info,omitempty"`
	UserName            string      `json:"user_name,omitempty"`
	PendingPaymentEnd   Time        `json:"pending_payment_end_time"`
	SubOrders           []Order     `json:"sub_order_infos,omitempty"`
	// AgentPay says who paid the order when an enterprise master account paid it on behalf of
	// the ordering sub-account (list answers only; SDK model_customer_order_v2.go).
	AgentPay *AgentPayInfo `json:"agent_pay_info,omitempty"`
}

// AgentPayInfo is an order's agent_pay_info (SDK model_agent_pay_info_v2.go).
type AgentPayInfo struct {
	PayingAgentID string `json:"paying_agent_id"` // the paying customer's account id
	IsAgentPay    bool   `json:"is_agent_pay"`    // anything but true: the customer paid itself
}

// PaidBy returns the account that paid the order on the customer's behalf, or "" when the
// customer paid (or has yet to pay) it itself.
func (o Order) PaidBy() string {
	if o.AgentPay == nil || !o.AgentPay.IsAgentPay {
		return ""
	}
	return o.AgentPay.PayingAgentID
}

// AmountInfo breaks an order's amount down.
type AmountInfo struct {
	Discounts                 []Discount `json:"discounts"`
	CouponAmount              Amount     `json:"coupon_amount"`
	FlexipurchaseCouponAmount Amount     `json:"flexipurchase_coupon_amount"`
	StoredCardAmount          Amount     `json:"stored_card_amount"`
	CommissionAmount          Amount     `json:"commission_amount"`
	ConsumedAmount            Amount     `json:"consumed_amount"`
}

// Discount is one discount applied to an order.
type Discount struct {
	Type   string `json:"discount_type"`
	Amount Amount `json:"discount_amount"`
}

// OrderPage is one page of ListCustomerOrders.
type OrderPage struct {
	TotalCount int     `json:"total_count"`
	Orders     []Order `json:"order_infos"`
}

func (f OrderFilter) check(c *checker) {
	c.optID("customer_id", f.CustomerID)
	c.optID("order_id", f.OrderID)
	switch f.Status {
	case 0, OrderPendingReview, OrderProcessing, OrderCancelled, OrderCompleted, OrderPendingPayment, OrderPendingConfirmation:
	default:
		// Other statuses (2, 10–13) appear in answers only (bss-api.md, Corrections).
		c.fail("status", fmt.Sprintf("1, 3, 4, 5, 6 or 9 (got %d)", f.Status), fmt.Sprintf("只能是 1、3、4、5、6、9（当前 %d）", f.Status))
	}
	c.optID("order_type", f.OrderType)
	c.optID("service_type_code", f.ServiceTypeCode)
	if f.OrderBy != "" {
		c.oneOf("order_by", f.OrderBy, "createTime", "-createTime")
	}
	if f.Method != "" {
		c.oneOf("method", f.Method, OrdersOneself, OrdersPaidForSubAccounts)
	}
	if f.Method == OrdersPaidForSubAccounts && f.CustomerID == "" {
		// Which customer's payments for its enterprise sub-accounts? Without customer_id the
		// China site does not say what it lists and bssintl ignores the method; a caller that
		// wants every customer's orders must omit the method (bss-api.md Corrections).
		c.fail("method", "sub_customer (orders a customer paid for its enterprise sub-accounts) with a customer_id; omit method to list all customers' orders",
			"sub_customer（客户为企业子账号代付的订单）须同时给出 customer_id；查询所有客户的订单请不要带 method")
	}
	c.optID("indirect_partner_id", f.IndirectPartnerID)
	window := func(arg string, b, e time.Time) {
		if b.IsZero() || e.IsZero() {
			return
		}
		if e.Before(b) {
			c.fail(arg, "the end is before the beginning", "结束时间早于开始时间")
		} else if e.After(b.AddDate(1, 0, 0)) {
			c.fail(arg, "a window of at most one year", "时间范围最多一年")
		}
	}
	window("create_time_end", f.CreateBegin, f.CreateEnd)
	window("payment_time_end", f.PaymentBegin, f.PaymentEnd)
}

func (f OrderFilter) query(offset, limit int) url.Values {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("customer_id", f.CustomerID)
	set("order_id", f.OrderID)
	if f.Status != 0 {
		q.Set("status", strconv.Itoa(f.Status))
	}
	set("order_type", f.OrderType)
	set("service_type_code", f.ServiceTypeCode)
	set("create_time_begin", formatTime(f.CreateBegin))
	set("create_time_end", formatTime(f.CreateEnd))
	set("payment_time_begin", formatTime(f.PaymentBegin))
	set("payment_time_end", formatTime(f.PaymentEnd))
	set("order_by", f.OrderBy)
	set("indirect_partner_id", f.IndirectPartnerID)
	set("method", f.Method)
	q.Set("offset", strconv.Itoa(offset))
	q.Set("limit", strconv.Itoa(limit))
	return q
}

// ListOrders returns one page of customer orders (GET /v2/orders/customer-orders).
func (c *Client) ListOrders(ctx context.Context, f OrderFilter, offset, limit int) (*OrderPage, error) {
	ck := checker{op: "ListCustomerOrders"}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var page OrderPage
	if err := c.do(ctx, request{
		op: "ListCustomerOrders", method: http.MethodGet, path: "/v2/orders/customer-orders",
		query: f.query(offset, limit), out: &page,
	}); err != nil {
		return nil, err
	}
	return &page, nil
}

// Orders iterates over every matching order.
func (c *Client) Orders(ctx context.Context, f OrderFilter) iter.Seq2[Order, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]Order, int, error) {
		p, err := c.ListOrders(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Orders, p.TotalCount, nil
	})
}

// AllOrders collects Orders into a slice.
func (c *Client) AllOrders(ctx context.Context, f OrderFilter) ([]Order, error) {
	return collect(c.Orders(ctx, f))
}

// OrderDetail is one order with its line items.
type OrderDetail struct {
	TotalCount int             `json:"total_count"` // line items in all
	Order      Order           `json:"order_info"`
	LineItems  []OrderLineItem `json:"order_line_items"`
}

// OrderLineItem is one product line of an order.
type OrderLineItem struct {
	ID                  string      `json:"order_line_item_id"`
	ServiceTypeCode     string      `json:"service_type_code"`
	ProductID           string      `json:"product_id"`
	ProductSpecDesc     string      `json:"product_spec_desc"`
	PeriodType          int         `json:"period_type"` // 0 day, 1 week, 2 month, 3 year, 4 hour, 5 one-off
	PeriodNum           int         `json:"period_num"`
	SubscriptionNum     int         `json:"subscription_num"`
	EffectiveTime       Time        `json:"effective_time"`
	ExpireTime          Time        `json:"expire_time"`
	AmountAfterDiscount Amount      `json:"amount_after_discount"`
	OfficialAmount      Amount      `json:"official_amount"`
	AmountInfo          *AmountInfo `json:"amount_info,omitempty"`
	Currency            string      `json:"currency"`
	CategoryCode        string      `json:"category_code"`
}

// OrderDetail returns one order and all its line items
// (GET /v2/orders/customer-orders/details/{order_id}, paged over the line items), with names in
// the language of the context (WithLanguage; zh_CN by default).
func (c *Client) OrderDetail(ctx context.Context, orderID string) (*OrderDetail, error) {
	ck := checker{op: "ShowCustomerOrderDetails"}
	ck.id("order_id", orderID)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var detail *OrderDetail
	for offset := 0; ; {
		var page OrderDetail
		if err := c.do(ctx, request{
			op: "ShowCustomerOrderDetails", method: http.MethodGet,
			path:  "/v2/orders/customer-orders/details/" + url.PathEscape(orderID),
			query: url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(c.cfg.PageSize)}},
			out:   &page, lang: languageOf(ctx),
		}); err != nil {
			return nil, err
		}
		if detail == nil {
			detail = &page
		} else {
			detail.LineItems = append(detail.LineItems, page.LineItems...)
		}
		offset += len(page.LineItems)
		if len(page.LineItems) == 0 || offset >= page.TotalCount {
			return detail, nil
		}
	}
}
