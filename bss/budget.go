package bss

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
)

// Sub-customer budgets, which only the international site has: it funds resale customers with
// budgets instead of allocations (bss-money.md, "International site"; SDK
// services/bssintl/v2: ShowSubCustomerBudget, UpdateSubCustomerBudget with ModSubCustomerBudgetReq).
const (
	OpShowSubCustomerBudget   = "ShowSubCustomerBudget"
	OpUpdateSubCustomerBudget = "UpdateSubCustomerBudget"
	pathSubCustomerBudget     = "/v2/partners/sub-customers/budget"
)

// intlOnly are the operations only the international site has; elsewhere they fail with
// ErrUnavailable without calling.
var intlOnly = map[string]bool{
	OpShowSubCustomerBudget:   true,
	OpUpdateSubCustomerBudget: true,
}

// SubCustomerBudget is a resale customer's budget as BSS keeps it (SDK
// ShowSubCustomerBudgetResponse: numbers, not strings).
type SubCustomerBudget struct {
	// BudgetAmount is the budget; nil when BSS names none.
	BudgetAmount *Amount `json:"budget_amount"`
	// UsedAmount is what was used of it; BSS says it lags and may be inexact.
	UsedAmount *Amount `json:"used_amount"`
	MeasureID  int     `json:"measure_id"` // 1 = yuan (the currency's unit)
	Currency   string  `json:"currency"`   // e.g. USD
}

// SubCustomerBudget reads a resale customer's budget (GET /v2/partners/sub-customers/budget,
// query customer_id and, for a tier-2 reseller's customer, indirect_partner_id).
func (c *Client) SubCustomerBudget(ctx context.Context, customerID, indirectPartnerID string) (*SubCustomerBudget, error) {
	if err := c.unavailable(OpShowSubCustomerBudget, http.MethodGet, pathSubCustomerBudget); err != nil {
		return nil, err
	}
	ck := checker{op: OpShowSubCustomerBudget}
	ck.id("customer_id", customerID)
	ck.optID("indirect_partner_id", indirectPartnerID)
	if err := ck.result(); err != nil {
		return nil, err
	}
	q := url.Values{"customer_id": {customerID}}
	if indirectPartnerID != "" {
		q.Set("indirect_partner_id", indirectPartnerID)
	}
	var out SubCustomerBudget
	if err := c.do(ctx, request{op: OpShowSubCustomerBudget, method: http.MethodGet, path: pathSubCustomerBudget, query: q, out: &out}); err != nil {
		return nil, err
	}
	return &out, nil
}

// BudgetUpdate sets a resale customer's budget.
type BudgetUpdate struct {
	CustomerID string
	// Amount is the target budget (not a change), at least 0, at most two decimals.
	Amount Amount
	// Unfreeze also lifts a freeze the partner put on the customer (cancel_partner_frozen "1").
	Unfreeze bool
}

// budgetNumber is a budget amount as ModSubCustomerBudgetReq.budget_amount takes it: a JSON
// number (the SDK's float64) with two decimals, not the quoted string of the China site's money
// APIs.
type budgetNumber Amount

func (b budgetNumber) MarshalJSON() ([]byte, error) {
	c := Amount(b).Cents()
	return fmt.Appendf(nil, "%d.%02d", c/100, c%100), nil
}

type budgetBody struct {
	CustomerID          string       `json:"customer_id"`
	BudgetAmount        budgetNumber `json:"budget_amount"`
	CancelPartnerFrozen string       `json:"cancel_partner_frozen,omitempty"`
}

// UpdateSubCustomerBudget sets a resale customer's budget (POST
// /v2/partners/sub-customers/budget); BSS answers no body. The body is the SDK's
// ModSubCustomerBudgetReq field by field: customer_id, budget_amount (a number, the target),
// cancel_partner_frozen ("0"/"1", sent only as "1"). It is a mutation: never retried once sent;
// an unknown outcome is settled by reading the budget back.
func (c *Client) UpdateSubCustomerBudget(ctx context.Context, u BudgetUpdate) error {
	if err := c.unavailable(OpUpdateSubCustomerBudget, http.MethodPost, pathSubCustomerBudget); err != nil {
		return err
	}
	ck := checker{op: OpUpdateSubCustomerBudget}
	ck.id("customer_id", u.CustomerID)
	switch {
	case u.Amount.Sign() < 0:
		ck.fail("budget_amount", "an amount of at least 0", "不能小于 0")
	case u.Amount.Micros()%(microsPerUnit/100) != 0:
		ck.fail("budget_amount", "at most two decimal places", "最多两位小数")
	case u.Amount.Micros() > 1_000_000_000*microsPerUnit:
		ck.fail("budget_amount", "at most 1000000000", "最多 1000000000")
	}
	if err := ck.result(); err != nil {
		return err
	}
	body := budgetBody{CustomerID: u.CustomerID, BudgetAmount: budgetNumber(u.Amount)}
	if u.Unfreeze {
		body.CancelPartnerFrozen = "1"
	}
	return c.do(ctx, request{op: OpUpdateSubCustomerBudget, method: http.MethodPost, path: pathSubCustomerBudget, body: body, mutation: true})
}
