package bss

import (
	"context"
	"net/http"
	"net/url"
)

// CustomerBalance is a resale customer's balance and arrears (bss-api.md §2).
// A customer is in arrears (欠费) when Debt > 0.
type CustomerBalance struct {
	CustomerID string `json:"customer_id"`
	Amount     Amount `json:"amount"`      // total available
	Debt       Amount `json:"debt_amount"` // total arrears
	Currency   string `json:"currency"`
	MeasureID  int    `json:"measure_id"`
}

// InArrears reports whether the customer owes money.
func (b CustomerBalance) InArrears() bool { return b.Debt.Sign() > 0 }

const (
	pathCustomerBalances = "/v2/accounts/customer-accounts/balances/batch-query"
	pathPartnerBalances  = "/v2/accounts/partner-accounts/balances"
)

type customerIDInfo struct {
	CustomerID string `json:"customer_id"`
}

type balancesBody struct {
	CustomerInfos     []customerIDInfo `json:"customer_infos"`
	IndirectPartnerID string           `json:"indirect_partner_id,omitempty"`
}

type balancesAnswer struct {
	Balances []CustomerBalance `json:"customer_balances"`
}

// CustomerBalances returns the balances of the given customers
// (POST /v2/accounts/customer-accounts/balances/batch-query), in batches of MaxBalanceBatch.
// Only resale (代售) customers are answered; others are silently left out by BSS.
func (c *Client) CustomerBalances(ctx context.Context, customerIDs []string) ([]CustomerBalance, error) {
	return c.CustomerBalancesFor(ctx, "", customerIDs)
}

// CustomerBalancesFor is CustomerBalances for the customers of a tier-2 reseller
// (indirect_partner_id); "" is the partner's own customers.
func (c *Client) CustomerBalancesFor(ctx context.Context, indirectPartnerID string, customerIDs []string) ([]CustomerBalance, error) {
	if err := c.unavailable(OpListCustomersBalancesDetail, http.MethodPost, pathCustomerBalances); err != nil {
		return nil, err
	}
	ck := checker{op: OpListCustomersBalancesDetail}
	for _, id := range customerIDs {
		ck.id("customer_id", id)
	}
	ck.optID("indirect_partner_id", indirectPartnerID)
	if err := ck.result(); err != nil {
		return nil, err
	}
	out := make([]CustomerBalance, 0, len(customerIDs))
	for start := 0; start < len(customerIDs); start += MaxBalanceBatch {
		end := min(start+MaxBalanceBatch, len(customerIDs))
		body := balancesBody{CustomerInfos: make([]customerIDInfo, 0, end-start), IndirectPartnerID: indirectPartnerID}
		for _, id := range customerIDs[start:end] {
			body.CustomerInfos = append(body.CustomerInfos, customerIDInfo{id})
		}
		var ans balancesAnswer
		if err := c.do(ctx, request{
			op: OpListCustomersBalancesDetail, method: http.MethodPost,
			path: pathCustomerBalances, body: body, out: &ans,
		}); err != nil {
			return out, err
		}
		out = append(out, ans.Balances...)
	}
	return out, nil
}

// AccountBalance is one of the partner's own accounts.
type AccountBalance struct {
	AccountID        string `json:"account_id"`
	AccountType      int    `json:"account_type"` // 1 balance, 2 credit, 5 bonus, 7 deposit, 8 allocatable
	Amount           Amount `json:"amount"`
	Currency         string `json:"currency"`
	DesignatedAmount Amount `json:"designated_amount"`
	CreditAmount     Amount `json:"credit_amount"`
	MeasureID        int    `json:"measure_id"`
	Memo             string `json:"memo"`
}

// PartnerBalances returns the partner's own account balances (GET /v2/accounts/partner-accounts/balances).
func (c *Client) PartnerBalances(ctx context.Context, indirectPartnerID string) ([]AccountBalance, error) {
	if err := c.unavailable(OpListPartnerBalances, http.MethodGet, pathPartnerBalances); err != nil {
		return nil, err
	}
	ck := checker{op: OpListPartnerBalances}
	ck.optID("indirect_partner_id", indirectPartnerID)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var q url.Values
	if indirectPartnerID != "" {
		q = url.Values{"indirect_partner_id": {indirectPartnerID}}
	}
	var ans struct {
		Balances []AccountBalance `json:"account_balances"`
	}
	if err := c.do(ctx, request{
		op: OpListPartnerBalances, method: http.MethodGet,
		path: pathPartnerBalances, query: q, out: &ans,
	}); err != nil {
		return nil, err
	}
	return ans.Balances, nil
}
