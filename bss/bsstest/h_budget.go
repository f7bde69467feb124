package bsstest

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// ---- Sub-customer budgets of the international site (SDK services/bssintl/v2):
// ShowSubCustomerBudget GET and UpdateSubCustomerBudget POST /v2/partners/sub-customers/budget.

// budgetResp is ShowSubCustomerBudgetResponse: amounts as JSON numbers.
type budgetResp struct {
	BudgetAmount *json.RawMessage `json:"budget_amount,omitempty"`
	UsedAmount   *json.RawMessage `json:"used_amount,omitempty"`
	MeasureID    int              `json:"measure_id"`
	Currency     string           `json:"currency"`
}

// budgetReq is ModSubCustomerBudgetReq: customer_id, budget_amount (a number), and
// cancel_partner_frozen ("0" or "1").
type budgetReq struct {
	CustomerID          *string          `json:"customer_id"`
	BudgetAmount        *json.RawMessage `json:"budget_amount"`
	CancelPartnerFrozen *string          `json:"cancel_partner_frozen"`
}

func number(m Money) *json.RawMessage {
	raw := json.RawMessage(m.String())
	return &raw
}

// budgetCustomer finds a resale customer of the partner (or of the reseller named).
func (c *reqCtx) budgetCustomer(id string, reseller *string) (*Customer, *apiError) {
	if id == "" || len(id) > 64 {
		return nil, errParam("customer_id is required (at most 64 characters)")
	}
	r, e := c.s.st.resellerOf(reseller)
	if e != nil {
		return nil, e
	}
	cu := c.s.st.customerOf(id, r)
	if cu == nil {
		return nil, errCode(http.StatusBadRequest, "CBC.99000035", "customer %s is not a customer of this partner", id)
	}
	return cu, nil
}

// handleShowBudget answers a customer's budget; one with none set has no budget_amount. The
// sandbox spends nothing against budgets: used_amount is 0 once a budget is set.
func handleShowBudget(c *reqCtx) {
	q := c.r.URL.Query()
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	cu, e := c.budgetCustomer(q.Get("customer_id"), queryStr(q, "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	resp := budgetResp{MeasureID: 1, Currency: c.s.st.currency}
	if cu.Budget != nil {
		resp.BudgetAmount, resp.UsedAmount = number(*cu.Budget), number(0)
	}
	c.json(http.StatusOK, resp)
}

// handleUpdateBudget sets a customer's budget to budget_amount, a JSON number of at most two
// decimals (a quoted string is refused, as the SDK's float64 never sends one); with
// cancel_partner_frozen "1" it also lifts the customer's freeze. The answer has no body.
func handleUpdateBudget(c *reqCtx) {
	var req budgetReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if req.CustomerID == nil {
		c.fail(errParam("customer_id is required"))
		return
	}
	if req.BudgetAmount == nil {
		c.fail(errParam("budget_amount is required"))
		return
	}
	raw := bytes.TrimSpace(*req.BudgetAmount)
	if len(raw) == 0 || raw[0] == '"' || raw[0] == 'n' {
		c.fail(errParam("budget_amount must be a number"))
		return
	}
	amount, err := ParseMoney(string(raw))
	if err != nil || amount < 0 || amount > Yuan(1_000_000_000) {
		c.fail(errInvalid("budget_amount must be a number from 0 to 1000000000 with at most two decimals, not %s", raw))
		return
	}
	unfreeze := false
	if req.CancelPartnerFrozen != nil {
		switch *req.CancelPartnerFrozen {
		case "0":
		case "1":
			unfreeze = true
		default:
			c.fail(errInvalid("cancel_partner_frozen must be \"0\" or \"1\""))
			return
		}
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	cu, e := c.budgetCustomer(*req.CustomerID, nil)
	if e != nil {
		c.fail(e)
		return
	}
	cu.Budget = &amount
	if unfreeze {
		cu.IsFrozen = 0
	}
	c.empty()
}
