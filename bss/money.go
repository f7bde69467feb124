package bss

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The partner money APIs (bss-money.md): allocating funds to a resale customer (拨款),
// reclaiming what is left (回收), and the two ledgers that show them.
const (
	OpUpdateCustomerAccountAmount     = "UpdateCustomerAccountAmount"
	OpReclaimToPartnerAccount         = "ReclaimToPartnerAccount"
	OpListPartnerAccountChangeRecords = "ListPartnerAccountChangeRecords"
	OpListPartnerAdjustRecords        = "ListPartnerAdjustRecords"

	pathAllocate      = "/v2/accounts/partner-accounts/adjust-amount"
	pathReclaimToPart = "/v2/accounts/partner-accounts/reclaim"
	pathChangeRecords = "/v2/accounts/partner-accounts/account-change-records"
	pathAdjustRecords = "/v3/accounts/partner-accounts/adjust-records"
)

// Limits of the money APIs.
const (
	MaxTransIDLen = 128 // trans_id filter of the adjust records
	MaxMemoLen    = 256 // coupon memo, in characters (our limit: BSS's is not documented)
)

// yuan is a request amount as the money APIs take it: a JSON string with two decimals built
// from whole cents ("amount":"100.00"), never through float64. The SDK types every amount we
// send *decimal.Decimal (shopspring/decimal: model_adjust_account_req.go amount,
// model_reclaim_to_partner_account_balances_req.go amount, model_create_partner_coupons_req.go
// face_value), whose MarshalJSON writes a quoted string: that is what Huawei's own clients send
// (bss-money.md, "Money"), so it is what we send, although the documentation's examples show
// numbers.
type yuan Amount

func (y yuan) MarshalJSON() ([]byte, error) {
	c := Amount(y).Cents()
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Appendf(nil, `"%s%d.%02d"`, sign, c/100, c%100), nil
}

// money checks a request amount: greater than 0, at most two decimal places.
func (c *checker) money(arg string, a Amount) {
	switch {
	case a.Sign() <= 0:
		c.fail(arg, "an amount of yuan greater than 0", "必须是大于 0 的金额（元）")
	case a.Micros()%(microsPerUnit/100) != 0:
		c.fail(arg, "at most two decimal places (got "+a.Exact()+")", "最多两位小数（当前 "+a.Exact()+"）")
	case a.Micros() > 1_000_000_000*microsPerUnit:
		c.fail(arg, "at most 1000000000 yuan", "最多 1000000000 元")
	}
}

// TransferRequest moves money between the partner and one of its resale (代售) customers.
type TransferRequest struct {
	CustomerID string
	Amount     Amount // yuan, greater than 0, at most two decimals
	// IndirectPartnerID names the tier-2 reseller whose customer it is; the reseller's balance
	// then pays (or receives) the money.
	IndirectPartnerID string
}

type transferBody struct {
	CustomerID        string `json:"customer_id"`
	Amount            yuan   `json:"amount"`
	IndirectPartnerID string `json:"indirect_partner_id,omitempty"`
}

// Transfer is a completed allocation or reclaim.
type Transfer struct {
	// TransID is BSS's transaction id: transfer_id in the allocation's answer, trans_id in the
	// reclaim's, and trans_id in the adjust records of either.
	TransID   string
	RequestID string // X-Request-Id of the answer
}

func (r TransferRequest) check(op string) error {
	ck := checker{op: op}
	ck.id("customer_id", r.CustomerID)
	ck.money("amount", r.Amount)
	ck.optID("indirect_partner_id", r.IndirectPartnerID)
	return ck.result()
}

// Allocate funds a resale customer's account from the partner's (拨款,
// POST /v2/accounts/partner-accounts/adjust-amount). The amount may not exceed the partner's
// amount less designated_amount (ListPartnerBalances). It is a mutation and not idempotent
// on Huawei's side: never retried once sent; an answer that is lost, a 5xx, or a 2xx naming
// no transfer_id (or a blank one) is ErrUnknownOutcome, to be settled from the adjust records.
func (c *Client) Allocate(ctx context.Context, req TransferRequest) (*Transfer, error) {
	return c.transfer(ctx, OpUpdateCustomerAccountAmount, pathAllocate, req, func(a transferAnswer) string { return a.TransferID })
}

// ReclaimBalance takes money back from a resale customer's account to the partner's (回收,
// POST /v2/accounts/partner-accounts/reclaim). Like Allocate it is never retried once sent.
func (c *Client) ReclaimBalance(ctx context.Context, req TransferRequest) (*Transfer, error) {
	return c.transfer(ctx, OpReclaimToPartnerAccount, pathReclaimToPart, req, func(a transferAnswer) string { return a.TransID })
}

type transferAnswer struct {
	TransferID string `json:"transfer_id"` // the allocation's name
	TransID    string `json:"trans_id"`    // the reclaim's name
}

func (c *Client) transfer(ctx context.Context, op, path string, req TransferRequest, id func(transferAnswer) string) (*Transfer, error) {
	if err := c.unavailable(op, http.MethodPost, path); err != nil {
		return nil, err
	}
	if err := req.check(op); err != nil {
		return nil, err
	}
	var out transferAnswer
	var ans answer
	r := request{op: op, method: http.MethodPost, path: path, mutation: true, out: &out, answer: &ans,
		body: transferBody{CustomerID: req.CustomerID, Amount: yuan(req.Amount), IndirectPartnerID: req.IndirectPartnerID}}
	if err := c.do(ctx, r); err != nil {
		return nil, err
	}
	transID := strings.TrimSpace(id(out))
	if transID == "" {
		// 2xx without the transaction id — or with one that is blank, which is no id — is no
		// evidence that the money moved, nor that it did not.
		return nil, &Error{Op: op, Method: r.method, Path: path, HTTPStatus: ans.status, RequestID: ans.requestID,
			Kind: KindUnknownOutcome, Err: errors.New("the answer names no transaction id")}
	}
	return &Transfer{TransID: transID, RequestID: ans.requestID}, nil
}

// Adjust-record operation types (ListPartnerAdjustRecords operation_type).
const (
	AdjustAllocate = "SOURCE_OPERATION_BEADJUST"   // 拨款
	AdjustRetrieve = "SOURCE_OPERATION_BERETRIEVE" // 回收
	AdjustUnbind   = "SOURCE_OPERATION_BEUNBIND"   // reclaimed when the association ended
)

// AdjustFilter narrows ListPartnerAdjustRecords. Zero fields are not filters.
type AdjustFilter struct {
	CustomerID        string
	OperationType     string    // AdjustAllocate, AdjustRetrieve or AdjustUnbind
	Begin, End        time.Time // operation time window (UTC)
	TransID           string
	IndirectPartnerID string // a tier-2 reseller's records
}

// AdjustRecord is one allocation or reclaim (SDK AdjustRecordV3: amount is a string).
type AdjustRecord struct {
	CustomerID    string `json:"customer_id"`
	CustomerName  string `json:"customer_name"`
	OperationType string `json:"operation_type"`
	Amount        Amount `json:"amount"`
	Currency      string `json:"currency"`
	ApplyScene    string `json:"apply_scene"`
	OperationTime Time   `json:"operation_time"`
	MeasureID     int    `json:"measure_id"`
	TransID       string `json:"trans_id"`
}

// AdjustPage is one page of ListPartnerAdjustRecords.
type AdjustPage struct {
	TotalCount int            `json:"total_count"`
	Records    []AdjustRecord `json:"records"`
}

func (f AdjustFilter) check(c *checker) {
	c.optID("customer_id", f.CustomerID)
	if f.OperationType != "" {
		c.oneOf("operation_type", f.OperationType, AdjustAllocate, AdjustRetrieve, AdjustUnbind)
	}
	if !f.Begin.IsZero() && !f.End.IsZero() && f.End.Before(f.Begin) {
		c.fail("operation_time_end", "must not be before operation_time_begin", "不能早于 operation_time_begin")
	}
	c.maxLen("trans_id", f.TransID, MaxTransIDLen)
	c.noControl("trans_id", f.TransID)
	c.optID("indirect_partner_id", f.IndirectPartnerID)
}

// ListAdjustRecords returns one page of the partner's allocations and reclaims
// (GET /v3/accounts/partner-accounts/adjust-records).
func (c *Client) ListAdjustRecords(ctx context.Context, f AdjustFilter, offset, limit int) (*AdjustPage, error) {
	if err := c.unavailable(OpListPartnerAdjustRecords, http.MethodGet, pathAdjustRecords); err != nil {
		return nil, err
	}
	ck := checker{op: OpListPartnerAdjustRecords}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	q := url.Values{"offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	setQuery(q, "customer_id", f.CustomerID)
	setQuery(q, "operation_type", f.OperationType)
	setQuery(q, "operation_time_begin", formatTime(f.Begin))
	setQuery(q, "operation_time_end", formatTime(f.End))
	setQuery(q, "trans_id", f.TransID)
	setQuery(q, "indirect_partner_id", f.IndirectPartnerID)
	var page AdjustPage
	if err := c.do(ctx, request{op: OpListPartnerAdjustRecords, method: http.MethodGet, path: pathAdjustRecords, query: q, out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// AdjustRecords iterates over every matching adjust record.
func (c *Client) AdjustRecords(ctx context.Context, f AdjustFilter) iter.Seq2[AdjustRecord, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]AdjustRecord, int, error) {
		p, err := c.ListAdjustRecords(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Records, p.TotalCount, nil
	})
}

// Ledger balance types and the trade types that concern customers (bss-money.md §3).
const (
	BalanceTypeDebit  = "BALANCE_TYPE_DEBIT"
	BalanceTypeCredit = "BALANCE_TYPE_CREDIT"

	TradeRecharge = "RECHARGE"
	TradeAllocate = "BEADJUST"   // 拨款 to a customer
	TradeRetrieve = "BERETRIEVE" // 回收 from a customer
	TradeUnbind   = "BEUNBIND"
)

var tradeTypes = []string{TradeRecharge, "DEDEUCT", "REFUND", "RFROZEN", "TRANS", "ADJUST", TradeAllocate, TradeRetrieve,
	TradeUnbind, "BONUSCONVERT", "TRADE_MODE_TRANSFER"}

// ChinaTime is the zone of the ledger's dates and of bill cycles (UTC+8).
var ChinaTime = time.FixedZone("CST", 8*3600)

// ChangeRecordFilter narrows ListPartnerAccountChangeRecords.
type ChangeRecordFilter struct {
	BalanceType string // BalanceTypeDebit (default) or BalanceTypeCredit
	TradeType   string // "" = all; TradeAllocate, TradeRetrieve, TradeRecharge, ...
	// Begin and End are dates, taken in China time; zero = BSS's default (a year ago, today).
	// The window may span at most one year.
	Begin, End        time.Time
	IndirectPartnerID string // a tier-2 reseller's ledger
}

// ChangeRecord is one change of the partner's account (SDK AccountChangeRecord: amounts are
// strings in yuan). Direction comes from Type; ChangeAmount is not relied on for a sign.
type ChangeRecord struct {
	AccountChangeID    string `json:"account_change_id"`
	TradeID            string `json:"trade_id"`
	TradeDetailType    string `json:"trade_detail_type"` // opaque: the enum mixes spellings
	TradeTime          Time   `json:"trade_time"`
	ChangeAmount       Amount `json:"change_amount"`
	BalanceAfterChange Amount `json:"balance_after_change"`
	Type               string `json:"type"` // "1" income, "2" expense
	CustomerID         string `json:"customer_id"`
	AccountName        string `json:"account_name"` // allocations and reclaims only
}

// Income reports whether the record brought money in.
func (r ChangeRecord) Income() bool { return r.Type == "1" }

// ChangeRecordPage is one page of ListPartnerAccountChangeRecords.
type ChangeRecordPage struct {
	TotalCount int            `json:"total_count"`
	Currency   string         `json:"currency"`
	Records    []ChangeRecord `json:"records"`
}

func (f ChangeRecordFilter) check(c *checker) {
	if f.BalanceType != "" {
		c.oneOf("balance_type", f.BalanceType, BalanceTypeDebit, BalanceTypeCredit)
	}
	if f.TradeType != "" {
		c.oneOf("trade_type", f.TradeType, tradeTypes...)
	}
	if !f.Begin.IsZero() && !f.End.IsZero() {
		b, e := chinaDate(f.Begin), chinaDate(f.End)
		switch {
		case e.Before(b):
			c.fail("trade_time_end", "must not be before trade_time_begin", "不能早于 trade_time_begin")
		case e.After(b.AddDate(1, 0, 0)):
			c.fail("trade_time_end", "a window of at most one year", "时间范围最多一年")
		}
	}
	c.optID("indirect_partner_id", f.IndirectPartnerID)
}

// chinaDate is the calendar day of t in China time, at midnight there.
func chinaDate(t time.Time) time.Time {
	y, m, d := t.In(ChinaTime).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, ChinaTime)
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(ChinaTime).Format("2006-01-02")
}

// ListChangeRecords returns one page of the partner's account change records (收支明细,
// GET /v2/accounts/partner-accounts/account-change-records).
func (c *Client) ListChangeRecords(ctx context.Context, f ChangeRecordFilter, offset, limit int) (*ChangeRecordPage, error) {
	if err := c.unavailable(OpListPartnerAccountChangeRecords, http.MethodGet, pathChangeRecords); err != nil {
		return nil, err
	}
	ck := checker{op: OpListPartnerAccountChangeRecords}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	bt := f.BalanceType
	if bt == "" {
		bt = BalanceTypeDebit
	}
	q := url.Values{"balance_type": {bt}, "offset": {strconv.Itoa(offset)}, "limit": {strconv.Itoa(limit)}}
	setQuery(q, "trade_type", f.TradeType)
	setQuery(q, "trade_time_begin", formatDate(f.Begin))
	setQuery(q, "trade_time_end", formatDate(f.End))
	setQuery(q, "indirect_partner_id", f.IndirectPartnerID)
	var page ChangeRecordPage
	if err := c.do(ctx, request{op: OpListPartnerAccountChangeRecords, method: http.MethodGet, path: pathChangeRecords, query: q, out: &page}); err != nil {
		return nil, err
	}
	return &page, nil
}

// ChangeRecords iterates over every matching change record.
func (c *Client) ChangeRecords(ctx context.Context, f ChangeRecordFilter) iter.Seq2[ChangeRecord, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]ChangeRecord, int, error) {
		p, err := c.ListChangeRecords(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Records, p.TotalCount, nil
	})
}

// Available is what a partner may allocate: the amount less the earmarked (designated) amount
// of its funding account — the allocatable account (type 8, 可拨款账户) when it has one, else
// its balance account (type 1). BSS does not document which of the two an allocation draws
// on; the fact sheet names amount − designated_amount. ok is false when it has neither.
func Available(accounts []AccountBalance) (AccountBalance, Amount, bool) {
	for _, want := range []int{8, 1} {
		for _, a := range accounts {
			if a.AccountType == want {
				return a, a.Amount.Sub(a.DesignatedAmount), true
			}
		}
	}
	return AccountBalance{}, Amount{}, false
}

// setQuery sets a query parameter unless v is empty.
func setQuery(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
