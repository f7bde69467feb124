package bss

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Period types accepted by renewals and renewal price inquiries.
const (
	PeriodMonth = 2
	PeriodYear  = 3
)

// Period is a renewal period: 1–11 months or 1–3 years.
type Period struct {
	Type int // PeriodMonth or PeriodYear
	Num  int
}

func (p Period) check(c *checker) {
	switch p.Type {
	case PeriodMonth:
		c.between("period_num", p.Num, 1, 11)
	case PeriodYear:
		c.between("period_num", p.Num, 1, 3)
	default:
		c.fail("period_type", "2 (month) or 3 (year)", "只能是 2（月）或 3（年）")
	}
}

// FailedResource is a per-item failure inside a 200 answer.
type FailedResource struct {
	ResourceID string `json:"resource_id"`
	ErrorCode  string `json:"error_code"`
	ErrorMsg   string `json:"error_msg"`
}

// OrderResult is what renew and unsubscribe answer: the orders created and the items that failed.
type OrderResult struct {
	OrderIDs []string         `json:"order_ids"`
	Failed   []FailedResource `json:"fail_resource_infos"`
}

// RenewRequest renews main resources (their attached resources go with them).
type RenewRequest struct {
	ResourceIDs []string // 1–10 main resource ids
	Period      Period
	AutoPay     bool // pay from the customer's balance at once; otherwise the order waits for payment
}

type renewBody struct {
	ResourceIDs []string `json:"resource_ids"`
	PeriodType  int      `json:"period_type"`
	PeriodNum   int      `json:"period_num"`
	IsAutoPay   int      `json:"is_auto_pay"`
}

// Renew renews yearly/monthly resources (POST /v2/orders/subscriptions/resources/renew), with
// the customer's agency credentials. It is never retried once sent: an unknown outcome comes
// back as ErrUnknownOutcome, to be checked against the resource's expiry before trying again.
func (c *Client) Renew(ctx context.Context, customer CustomerRef, req RenewRequest) (*OrderResult, error) {
	ck := checker{op: "RenewalResources"}
	ck.ids("resource_ids", req.ResourceIDs, 1, MaxActionResources)
	req.Period.check(&ck)
	if err := ck.result(); err != nil {
		return nil, err
	}
	body := renewBody{ResourceIDs: req.ResourceIDs, PeriodType: req.Period.Type, PeriodNum: req.Period.Num}
	if req.AutoPay {
		body.IsAutoPay = 1
	}
	var res OrderResult
	var ans answer
	r := request{
		op: "RenewalResources", method: http.MethodPost, path: "/v2/orders/subscriptions/resources/renew",
		body: body, out: &res, mutation: true, answer: &ans,
	}
	if err := c.asCustomer(ctx, customer, r); err != nil {
		return nil, err
	}
	if err := res.evidence(r, ans); err != nil {
		return nil, err
	}
	return &res, nil
}

// evidence checks that a successful renew or unsubscribe answer shows what happened: orders
// created or resources that failed, each named. An answer with neither proves nothing, and
// neither does one that names an order or a failed resource by an id that is blank after
// trimming (order_ids [" "], fail_resource_infos [{}]): BSS may have done nothing, or done the
// work and lost its ids. The outcome is unknown and must be settled from BSS state. The ids
// kept are trimmed.
func (res *OrderResult) evidence(r request, ans answer) error {
	why := res.Unproven()
	if why == "" {
		for i, id := range res.OrderIDs {
			res.OrderIDs[i] = strings.TrimSpace(id)
		}
		for i := range res.Failed {
			res.Failed[i].ResourceID = strings.TrimSpace(res.Failed[i].ResourceID)
		}
		return nil
	}
	return &Error{Op: r.op, Method: r.method, Path: r.path, HTTPStatus: ans.status, RequestID: ans.requestID,
		Kind: KindUnknownOutcome, Err: errors.New(why)}
}

// Unproven says why a renew or unsubscribe answer proves nothing, or "" when it shows orders
// created or resources that failed, every one named by an id that is not blank. An id that is
// blank after trimming is no id.
func (res *OrderResult) Unproven() string {
	switch {
	case len(res.OrderIDs) == 0 && len(res.Failed) == 0:
		return "the answer holds no order_ids and no fail_resource_infos"
	case slices.ContainsFunc(res.OrderIDs, blank):
		return fmt.Sprintf("the answer names an order by a blank id (order_ids %q)", res.OrderIDs)
	case slices.ContainsFunc(res.Failed, func(f FailedResource) bool { return blank(f.ResourceID) }):
		return "the answer names a failed resource by a blank id (fail_resource_infos without resource_id)"
	}
	return ""
}

// blank reports whether an id in an answer is no id: empty after trimming white space.
func blank(id string) bool { return strings.TrimSpace(id) == "" }

// Unsubscribe types and reason types (bss-api.md §5).
const (
	UnsubscribeResource       = 1 // the resource and its renewed periods
	UnsubscribeRenewedPeriods = 2 // only the renewed periods
)

// UnsubscribeRequest cancels yearly/monthly resources (attached ones go with their main resource).
type UnsubscribeRequest struct {
	ResourceIDs []string // 1–10
	Type        int      // UnsubscribeResource or UnsubscribeRenewedPeriods
	ReasonType  int      // 0 = not given; 1 hard to use, 2 lacks features, 3 too complex, 4 unhappy with service, 5 other
	Reason      string   // free text, at most 256 characters (our limit: BSS's is not documented)
}

type unsubscribeBody struct {
	ResourceIDs           []string `json:"resource_ids"`
	UnsubscribeType       int      `json:"unsubscribe_type"`
	UnsubscribeReasonType int      `json:"unsubscribe_reason_type,omitempty"`
	UnsubscribeReason     string   `json:"unsubscribe_reason,omitempty"`
}

// MaxReasonLen bounds the free-text unsubscribe reason.
const MaxReasonLen = 256

// Unsubscribe cancels resources (POST /v2/orders/subscriptions/resources/unsubscribe), with the
// customer's agency credentials; never retried once sent.
func (c *Client) Unsubscribe(ctx context.Context, customer CustomerRef, req UnsubscribeRequest) (*OrderResult, error) {
	ck := checker{op: "CancelResourcesSubscription"}
	ck.ids("resource_ids", req.ResourceIDs, 1, MaxActionResources)
	if req.Type != UnsubscribeResource && req.Type != UnsubscribeRenewedPeriods {
		ck.fail("unsubscribe_type", "1 (resource and renewed periods) or 2 (renewed periods only)", "只能是 1（资源及续费周期）或 2（仅续费周期）")
	}
	if req.ReasonType != 0 {
		ck.between("unsubscribe_reason_type", req.ReasonType, 1, 5)
	}
	ck.maxLen("unsubscribe_reason", req.Reason, MaxReasonLen)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res OrderResult
	var ans answer
	r := request{
		op: "CancelResourcesSubscription", method: http.MethodPost, path: "/v2/orders/subscriptions/resources/unsubscribe",
		body: unsubscribeBody{ResourceIDs: req.ResourceIDs, UnsubscribeType: req.Type,
			UnsubscribeReasonType: req.ReasonType, UnsubscribeReason: req.Reason},
		out: &res, mutation: true, answer: &ans,
	}
	if err := c.asCustomer(ctx, customer, r); err != nil {
		return nil, err
	}
	if err := res.evidence(r, ans); err != nil {
		return nil, err
	}
	return &res, nil
}

type autoRenewBody struct {
	AutoRenewTimes *int `json:"auto_renew_times,omitempty"`
}

// EnableAutoRenew switches auto-renew on (POST /v2/orders/subscriptions/resources/autorenew/{resource_id}).
// times is nil for "unlimited" on first enabling, or 0–99 (0 = unlimited) to set the count.
func (c *Client) EnableAutoRenew(ctx context.Context, customer CustomerRef, resourceID string, times *int) error {
	ck := checker{op: "AutoRenewalResources"}
	ck.id("resource_id", resourceID)
	if times != nil {
		ck.between("auto_renew_times", *times, 0, MaxAutoRenewTimes)
	}
	if err := ck.result(); err != nil {
		return err
	}
	r := request{
		op: "AutoRenewalResources", method: http.MethodPost,
		path: "/v2/orders/subscriptions/resources/autorenew/" + url.PathEscape(resourceID), mutation: true,
	}
	if times != nil {
		// Without a count there is no body at all, not {}: as the SDK sends it.
		r.body = autoRenewBody{AutoRenewTimes: times}
	}
	return c.asCustomer(ctx, customer, r)
}

// DisableAutoRenew cancels auto-renew (DELETE /v2/orders/subscriptions/resources/autorenew/{resource_id}).
func (c *Client) DisableAutoRenew(ctx context.Context, customer CustomerRef, resourceID string) error {
	ck := checker{op: "CancelAutoRenewalResources"}
	ck.id("resource_id", resourceID)
	if err := ck.result(); err != nil {
		return err
	}
	return c.asCustomer(ctx, customer, request{
		op: "CancelAutoRenewalResources", method: http.MethodDelete,
		path:     "/v2/orders/subscriptions/resources/autorenew/" + url.PathEscape(resourceID),
		mutation: true,
	})
}
