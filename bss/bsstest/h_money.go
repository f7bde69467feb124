package bsstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"time"
)

// reqAmount is an amount of yuan in a request: a JSON number, as the documentation's examples
// send it, or a JSON string holding one, as the SDK's decimal type sends it (bss-money.md,
// "Money"). It keeps the text; the handler checks it.
type reqAmount struct {
	text string
	set  bool
}

func (a *reqAmount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*a = reqAmount{}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = reqAmount{text: s, set: true}
		return nil
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9'):
		*a = reqAmount{text: string(b), set: true}
		return nil
	}
	return errors.New("expected a number")
}

// money checks a required amount: yuan, greater than 0, at most two decimal places.
func (a reqAmount) money(name string) (Money, *apiError) {
	if !a.set {
		return 0, errParam("%s is required", name)
	}
	m, err := ParseMoney(a.text)
	if err != nil || m <= 0 {
		return 0, errParam("%s must be an amount of yuan greater than 0 with at most 2 decimal places, got %q", name, a.text)
	}
	return m, nil
}

// ---- UpdateCustomerAccountAmount: POST /v2/accounts/partner-accounts/adjust-amount (§1)
// ---- ReclaimToPartnerAccount:     POST /v2/accounts/partner-accounts/reclaim (§2)

type transferReq struct {
	CustomerID        string    `json:"customer_id"`
	Amount            reqAmount `json:"amount"`
	IndirectPartnerID *string   `json:"indirect_partner_id"`
}

// transfer is what an allocation or a reclaim asks for, checked.
type transfer struct {
	cu       *Customer
	reseller string
	amount   Money
	fund     *PartnerAccount
}

// readTransfer decodes and checks an allocation or reclaim under the store's write lock.
func (c *reqCtx) readTransfer() (transfer, *apiError) {
	var req transferReq
	if e := decodeStrict(c.body, &req); e != nil {
		return transfer{}, e
	}
	if req.CustomerID == "" || len(req.CustomerID) > 64 {
		return transfer{}, errParam("customer_id is required (at most 64 characters)")
	}
	amount, e := req.Amount.money("amount")
	if e != nil {
		return transfer{}, e
	}
	st := c.s.st
	reseller, e := st.resellerOf(req.IndirectPartnerID)
	if e != nil {
		return transfer{}, e
	}
	cu := st.customerOf(req.CustomerID, reseller)
	switch {
	case cu == nil:
		return transfer{}, errCode(http.StatusBadRequest, "CBC.99000035", "customer %s is not a customer of this partner", req.CustomerID)
	case cu.AssociationType != "2":
		return transfer{}, errCode(http.StatusBadRequest, "CBC.99000035", "customer %s is not a resale customer: its account cannot be funded or reclaimed", req.CustomerID)
	}
	fund := fundingAccount(st.accounts(reseller))
	if fund == nil {
		return transfer{}, errCode(http.StatusInternalServerError, "CBC.0999", "the partner has no account to fund customers from")
	}
	return transfer{cu: cu, reseller: reseller, amount: amount, fund: fund}, nil
}

type transferResp struct {
	TransferID string `json:"transfer_id,omitempty"`
	TransID    string `json:"trans_id,omitempty"`
}

func handleAdjustAmount(c *reqCtx) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	t, e := c.readTransfer()
	if e != nil {
		c.fail(e)
		return
	}
	if avail := t.fund.Amount - t.fund.DesignatedAmount; t.amount > avail {
		c.fail(errCode(http.StatusBadRequest, "CBC.99005003", "insufficient balance: %s available to allocate, %s asked", avail, t.amount))
		return
	}
	t.fund.Amount -= t.amount
	// Money reaching a customer in arrears pays the debt first.
	pay := min(t.amount, t.cu.Debt)
	t.cu.Debt -= pay
	t.cu.Balance += t.amount - pay
	id := c.s.st.record(t, OpAllocate, "BEADJUST", false, c.now)
	c.json(http.StatusOK, transferResp{TransferID: id})
}

func handleReclaimBalance(c *reqCtx) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	t, e := c.readTransfer()
	if e != nil {
		c.fail(e)
		return
	}
	if t.amount > t.cu.Balance {
		c.fail(errCode(http.StatusBadRequest, "CBC.99005003", "insufficient balance: the customer has %s, %s asked", t.cu.Balance, t.amount))
		return
	}
	t.cu.Balance -= t.amount
	t.fund.Amount += t.amount
	id := c.s.st.record(t, OpRetrieve, "BERETRIEVE", true, c.now)
	c.json(http.StatusOK, transferResp{TransID: id})
}

// record writes an allocation or reclaim to the adjust records and the ledger, and returns its
// transaction id (trans_id, which the allocation answers as transfer_id).
func (st *store) record(t transfer, op, trade string, income bool, now time.Time) string {
	prefix := "AD"
	if income {
		prefix = "RE"
	}
	id := prefix + now.In(cst).Format("060102150405") + st.newHexID(6)
	st.adjusts = append(st.adjusts, &AdjustRecord{TransID: id, IndirectPartnerID: t.reseller, CustomerID: t.cu.ID,
		CustomerName: t.cu.Name, OperationType: op, Amount: t.amount, Time: now})
	st.ledger = append(st.ledger, &LedgerEntry{ID: st.newHexID(32), IndirectPartnerID: t.reseller, AccountID: t.fund.ID,
		BalanceType: BalanceTypeDebit, TradeType: trade, DetailType: op, TradeID: id, Time: now, Change: t.amount,
		BalanceAfter: t.fund.Amount, Income: income, CustomerID: t.cu.ID, AccountName: t.cu.AccountName})
	return id
}

// ---- ListPartnerAccountChangeRecords: GET /v2/accounts/partner-accounts/account-change-records (§3)

type changeRecordsResp struct {
	TotalCount int                `json:"total_count"`
	Currency   string             `json:"currency"`
	Records    []changeRecordJSON `json:"records"`
}

type changeRecordJSON struct {
	AccountChangeID    string      `json:"account_change_id"`
	TradeID            string      `json:"trade_id,omitempty"`
	TradeDetailType    string      `json:"trade_detail_type"`
	TradeTime          string      `json:"trade_time"`
	ChangeAmount       moneyString `json:"change_amount"`
	BalanceAfterChange moneyString `json:"balance_after_change"`
	Type               string      `json:"type"`
	CustomerID         string      `json:"customer_id,omitempty"`
	AccountName        string      `json:"account_name,omitempty"`
}

var tradeTypes = []string{"RECHARGE", "DEDEUCT", "REFUND", "RFROZEN", "TRANS", "ADJUST", "BEADJUST", "BERETRIEVE",
	"BEUNBIND", "BONUSCONVERT", "TRADE_MODE_TRANSFER"}

// dateParam reads a YYYY-MM-DD date (China time) of the ledger's trade time window.
func dateParam(q url.Values, name string) (time.Time, bool, *apiError) {
	v := queryStr(q, name)
	if v == nil || *v == "" {
		return time.Time{}, false, nil
	}
	if len(*v) > 10 {
		return time.Time{}, false, errInvalid("%s is longer than 10 characters", name)
	}
	d, err := time.ParseInLocation("2006-01-02", *v, cst)
	if err != nil {
		return time.Time{}, false, errInvalid("%s must be a date like 2026-11-25", name)
	}
	return d, true, nil
}

func handleAccountChangeRecords(c *reqCtx) {
	q := c.r.URL.Query()
	balanceType := q.Get("balance_type")
	if balanceType != BalanceTypeDebit && balanceType != BalanceTypeCredit {
		c.fail(errParam("balance_type is required: BALANCE_TYPE_DEBIT or BALANCE_TYPE_CREDIT"))
		return
	}
	trade := q.Get("trade_type")
	if trade != "" && !slices.Contains(tradeTypes, trade) {
		c.fail(errInvalid("trade_type %q is not one of the documented trade types", trade))
		return
	}
	begin, hasB, e := dateParam(q, "trade_time_begin")
	if e != nil {
		c.fail(e)
		return
	}
	end, hasE, e := dateParam(q, "trade_time_end")
	if e != nil {
		c.fail(e)
		return
	}
	today := time.Date(c.now.In(cst).Year(), c.now.In(cst).Month(), c.now.In(cst).Day(), 0, 0, 0, 0, cst)
	if !hasE {
		end = today
	}
	if !hasB {
		begin = end.AddDate(-1, 0, 0)
	}
	if end.Before(begin) {
		c.fail(errInvalid("trade_time_end is before trade_time_begin"))
		return
	}
	if end.After(begin.AddDate(1, 0, 0)) {
		c.fail(errInvalid("the trade time window spans more than one year"))
		return
	}
	off, lim, e := queryPaging(q)
	if e != nil {
		c.fail(e)
		return
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	reseller, e := c.s.st.resellerOf(queryStr(q, "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	resp := changeRecordsResp{Currency: c.s.st.currency, Records: []changeRecordJSON{}}
	stop := end.AddDate(0, 0, 1)                   // the end date is included, to its last second
	for i := len(c.s.st.ledger) - 1; i >= 0; i-- { // newest first
		l := c.s.st.ledger[i]
		if l.IndirectPartnerID != reseller || l.BalanceType != balanceType || trade != "" && l.TradeType != trade ||
			l.Time.Before(begin) || !l.Time.Before(stop) {
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			j := changeRecordJSON{AccountChangeID: l.ID, TradeID: l.TradeID, TradeDetailType: l.DetailType,
				TradeTime: fmtTime(l.Time), ChangeAmount: moneyString(l.Change), BalanceAfterChange: moneyString(l.BalanceAfter),
				Type: "2", CustomerID: l.CustomerID}
			if l.Income {
				j.Type = "1"
			}
			switch l.DetailType {
			case OpAllocate, OpRetrieve, OpUnbind:
				j.AccountName = l.AccountName
			}
			resp.Records = append(resp.Records, j)
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}

// ---- ListPartnerAdjustRecords: GET /v3/accounts/partner-accounts/adjust-records

type adjustRecordsResp struct {
	TotalCount int                `json:"total_count"`
	Records    []adjustRecordJSON `json:"records"`
}

// adjustRecordJSON follows the SDK's AdjustRecordV3: amount is a string.
type adjustRecordJSON struct {
	CustomerID    string      `json:"customer_id"`
	CustomerName  string      `json:"customer_name,omitempty"`
	OperationType string      `json:"operation_type"`
	Amount        moneyString `json:"amount"`
	Currency      string      `json:"currency"`
	ApplyScene    string      `json:"apply_scene,omitempty"`
	OperationTime string      `json:"operation_time"`
	MeasureID     int         `json:"measure_id"`
	TransID       string      `json:"trans_id,omitempty"`
}

func handleAdjustRecords(c *reqCtx) {
	q := c.r.URL.Query()
	customerID, transID := q.Get("customer_id"), q.Get("trans_id")
	if e := maxLen("customer_id", &customerID, 64); e != nil {
		c.fail(e)
		return
	}
	if e := maxLen("trans_id", &transID, 128); e != nil {
		c.fail(e)
		return
	}
	op := q.Get("operation_type")
	if op != "" && op != OpAllocate && op != OpRetrieve && op != OpUnbind {
		c.fail(errInvalid("operation_type must be SOURCE_OPERATION_BEADJUST, SOURCE_OPERATION_BERETRIEVE or SOURCE_OPERATION_BEUNBIND"))
		return
	}
	begin, hasB, e := optTime("operation_time_begin", queryStr(q, "operation_time_begin"), true)
	if e != nil {
		c.fail(e)
		return
	}
	end, hasE, e := optTime("operation_time_end", queryStr(q, "operation_time_end"), true)
	if e != nil {
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
	reseller, e := c.s.st.resellerOf(queryStr(q, "indirect_partner_id"))
	if e != nil {
		c.fail(e)
		return
	}
	resp := adjustRecordsResp{Records: []adjustRecordJSON{}}
	for i := len(c.s.st.adjusts) - 1; i >= 0; i-- { // newest first
		a := c.s.st.adjusts[i]
		switch {
		case a.IndirectPartnerID != reseller,
			customerID != "" && a.CustomerID != customerID,
			op != "" && a.OperationType != op,
			transID != "" && a.TransID != transID,
			hasB && a.Time.Before(begin),
			hasE && a.Time.After(end):
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			resp.Records = append(resp.Records, adjustRecordJSON{CustomerID: a.CustomerID, CustomerName: a.CustomerName,
				OperationType: a.OperationType, Amount: moneyString(a.Amount), Currency: c.s.st.currency,
				ApplyScene: a.ApplyScene, OperationTime: fmtTime(a.Time), MeasureID: 1, TransID: a.TransID})
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}
