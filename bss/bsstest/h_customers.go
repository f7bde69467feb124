package bsstest

import (
	"net/http"
	"strings"
	"unicode"
)

// ---- ListSubCustomers: POST /v2/partners/sub-customers/query (§1)

type subCustomersReq struct {
	AccountName       *string `json:"account_name"`
	Customer          *string `json:"customer"`
	CustomerID        *string `json:"customer_id"`
	Label             *string `json:"label"`
	AssociationType   *string `json:"association_type"`
	AssociatedOnBegin *string `json:"associated_on_begin"`
	AssociatedOnEnd   *string `json:"associated_on_end"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
	Offset            *int    `json:"offset"`
	Limit             *int    `json:"limit"`
}

type subCustomersResp struct {
	Count         int                `json:"count"`
	CustomerInfos []customerInfoJSON `json:"customer_infos"`
}

type customerInfoJSON struct {
	CustomerID      string               `json:"customer_id"`
	AccountName     string               `json:"account_name"`
	Customer        string               `json:"customer,omitempty"`
	AssociatedOn    string               `json:"associated_on,omitempty"`
	AssociationType string               `json:"association_type"`
	Label           string               `json:"label,omitempty"`
	Telephone       string               `json:"telephone,omitempty"`
	CountryCode     string               `json:"country_code,omitempty"`
	Email           string               `json:"email,omitempty"`
	VerifiedStatus  string               `json:"verified_status"`
	CustomerType    int                  `json:"customer_type"`
	IsFrozen        int                  `json:"is_frozen"`
	AccountManagers []accountManagerJSON `json:"account_managers,omitempty"`
	CustomerLevel   string               `json:"customer_level,omitempty"`
	XAccountID      string               `json:"xaccount_id,omitempty"`
	XAccountType    string               `json:"xaccount_type,omitempty"`
}

type accountManagerJSON struct {
	AccountName string `json:"account_name"`
}

func customerJSON(c *Customer) customerInfoJSON {
	j := customerInfoJSON{
		CustomerID: c.ID, AccountName: c.AccountName, Customer: c.Name, AssociatedOn: fmtTime(c.AssociatedOn),
		AssociationType: c.AssociationType, Label: c.Label, Telephone: c.Telephone, CountryCode: c.CountryCode,
		Email: c.Email, VerifiedStatus: c.VerifiedStatus, CustomerType: c.CustomerType, IsFrozen: c.IsFrozen,
		CustomerLevel: c.CustomerLevel, XAccountID: c.XAccountID, XAccountType: c.XAccountType,
	}
	if c.AccountManager != "" {
		j.AccountManagers = []accountManagerJSON{{AccountName: c.AccountManager}}
	}
	return j
}

// indirectPartner refuses indirect_partner_id on the operations where the fake's resellers have
// nothing (orders, quotas).
func indirectPartner(v *string) *apiError {
	if e := maxLen("indirect_partner_id", v, 64); e != nil {
		return e
	}
	if str(v) != "" {
		return errCode(http.StatusBadRequest, "CBC.99000037", "no permission on reseller %q", *v)
	}
	return nil
}

// resellerOf reads indirect_partner_id under the store's lock: absent or empty is the partner
// itself (""), a known reseller's id selects that reseller, anything else is refused with
// CBC.99000037 (no rights over that reseller).
func (st *store) resellerOf(v *string) (string, *apiError) {
	if e := maxLen("indirect_partner_id", v, 64); e != nil {
		return "", e
	}
	id := str(v)
	if id != "" && st.resellers[id] == nil {
		return "", errCode(http.StatusBadRequest, "CBC.99000037", "no permission on reseller %q", id)
	}
	return id, nil
}

// customerOf finds a customer of the partner (reseller "") or of one of its resellers.
func (st *store) customerOf(id, reseller string) *Customer {
	cu := st.custByID[id]
	if cu == nil || cu.IndirectPartnerID != reseller {
		return nil
	}
	return cu
}

func handleListSubCustomers(c *reqCtx) {
	var req subCustomersReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	for _, f := range []struct {
		name string
		v    *string
		n    int
	}{{"account_name", req.AccountName, 64}, {"customer", req.Customer, 64}, {"customer_id", req.CustomerID, 64},
		{"label", req.Label, 64}, {"association_type", req.AssociationType, 2},
		{"associated_on_begin", req.AssociatedOnBegin, 20}, {"associated_on_end", req.AssociatedOnEnd, 20}} {
		if e := maxLen(f.name, f.v, f.n); e != nil {
			c.fail(e)
			return
		}
	}
	// The fuzzy filters take no spaces (SDK model_query_sub_customer_list_req.go: 不支持携带空格
	// 查询; bss-api.md Corrections, "ListSubCustomers customer").
	for _, f := range []struct {
		name string
		v    *string
	}{{"account_name", req.AccountName}, {"customer", req.Customer}, {"label", req.Label}} {
		if strings.ContainsFunc(str(f.v), unicode.IsSpace) {
			c.fail(errInvalid("%s must not contain spaces", f.name))
			return
		}
	}
	if at := str(req.AssociationType); at != "" && at != "1" && at != "2" {
		c.fail(errInvalid("association_type must be \"1\" or \"2\""))
		return
	}
	begin, hasBegin, e := optTime("associated_on_begin", req.AssociatedOnBegin, false)
	if e != nil {
		c.fail(e)
		return
	}
	end, hasEnd, e := optTime("associated_on_end", req.AssociatedOnEnd, false)
	if e != nil {
		c.fail(e)
		return
	}
	off, lim, e := paging(req.Offset, req.Limit, 100, 40_000_000)
	if e != nil {
		c.fail(e)
		return
	}
	account := strings.ToLower(str(req.AccountName))
	name := strings.ToLower(str(req.Customer))
	label := str(req.Label)
	match := func(cu *Customer) bool {
		switch {
		case req.CustomerID != nil && *req.CustomerID != "" && cu.ID != *req.CustomerID,
			account != "" && !strings.Contains(strings.ToLower(cu.AccountName), account),
			name != "" && !strings.Contains(strings.ToLower(cu.Name), name),
			label != "" && !strings.Contains(cu.Label, label),
			str(req.AssociationType) != "" && cu.AssociationType != *req.AssociationType,
			hasBegin && cu.AssociatedOn.Before(begin),
			hasEnd && cu.AssociatedOn.After(end):
			return false
		}
		return true
	}
	resp := subCustomersResp{CustomerInfos: []customerInfoJSON{}}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reseller, e := c.s.st.resellerOf(req.IndirectPartnerID)
	if e != nil {
		c.fail(e)
		return
	}
	list := c.s.st.customers
	if reseller != "" {
		list = c.s.st.resellerCusts[reseller]
	}
	if id := str(req.CustomerID); id != "" {
		if cu := c.s.st.customerOf(id, reseller); cu != nil && match(cu) {
			resp.Count = 1
			if off == 0 {
				resp.CustomerInfos = append(resp.CustomerInfos, customerJSON(cu))
			}
		}
	} else {
		for _, cu := range list {
			if !match(cu) {
				continue
			}
			if resp.Count >= off && resp.Count < off+lim {
				resp.CustomerInfos = append(resp.CustomerInfos, customerJSON(cu))
			}
			resp.Count++
		}
	}
	c.json(http.StatusOK, resp)
}

// ---- ListCustomersBalancesDetail: POST /v2/accounts/customer-accounts/balances/batch-query (§2)

type balancesReq struct {
	CustomerInfos []struct {
		CustomerID string `json:"customer_id"`
	} `json:"customer_infos" bss:"nonnull"`
	IndirectPartnerID *string `json:"indirect_partner_id"`
}

type balancesResp struct {
	CustomerBalances []customerBalanceJSON `json:"customer_balances"`
}

type customerBalanceJSON struct {
	CustomerID string `json:"customer_id"`
	Amount     Money  `json:"amount"`
	DebtAmount Money  `json:"debt_amount"`
	Currency   string `json:"currency"`
	MeasureID  int    `json:"measure_id"`
}

func handleCustomerBalances(c *reqCtx) {
	var req balancesReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if len(req.CustomerInfos) == 0 {
		c.fail(errParam("customer_infos is required and must hold 1 to 100 customers"))
		return
	}
	if len(req.CustomerInfos) > 100 {
		c.fail(errInvalid("customer_infos holds %d customers; at most 100 are allowed", len(req.CustomerInfos)))
		return
	}
	for i, ci := range req.CustomerInfos {
		if ci.CustomerID == "" || len(ci.CustomerID) > 64 {
			c.fail(errParam("customer_infos[%d].customer_id is required (at most 64 characters)", i))
			return
		}
	}
	resp := balancesResp{CustomerBalances: []customerBalanceJSON{}}
	seen := map[string]bool{}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reseller, e := c.s.st.resellerOf(req.IndirectPartnerID)
	if e != nil {
		c.fail(e)
		return
	}
	for _, ci := range req.CustomerInfos {
		cu := c.s.st.customerOf(ci.CustomerID, reseller)
		if cu == nil || cu.AssociationType != "2" || seen[cu.ID] {
			continue
		}
		seen[cu.ID] = true
		resp.CustomerBalances = append(resp.CustomerBalances, customerBalanceJSON{
			CustomerID: cu.ID, Amount: cu.Balance, DebtAmount: cu.Debt, Currency: cu.Currency, MeasureID: 1})
	}
	c.json(http.StatusOK, resp)
}

// ---- ListPartnerBalances: GET /v2/accounts/partner-accounts/balances (§2)

type partnerBalancesResp struct {
	AccountBalances []partnerBalanceJSON `json:"account_balances"`
}

type partnerBalanceJSON struct {
	AccountID        string `json:"account_id"`
	AccountType      int    `json:"account_type"`
	Amount           Money  `json:"amount"`
	Currency         string `json:"currency"`
	DesignatedAmount Money  `json:"designated_amount"`
	CreditAmount     *Money `json:"credit_amount,omitempty"`
	MeasureID        int    `json:"measure_id"`
	Memo             string `json:"memo,omitempty"`
}

func handlePartnerBalances(c *reqCtx) {
	resp := partnerBalancesResp{AccountBalances: []partnerBalanceJSON{}}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reseller, e := c.s.st.resellerOf(queryStr(c.r.URL.Query(), "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	for _, a := range c.s.st.accounts(reseller) {
		j := partnerBalanceJSON{AccountID: a.ID, AccountType: a.Type, Amount: a.Amount, Currency: c.s.st.currency,
			DesignatedAmount: a.DesignatedAmount, MeasureID: 1, Memo: a.Memo}
		if a.Type == 2 {
			credit := a.CreditAmount
			j.CreditAmount = &credit
		}
		resp.AccountBalances = append(resp.AccountBalances, j)
	}
	c.json(http.StatusOK, resp)
}
