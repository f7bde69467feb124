package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Money actions, as stored in approvals. None of their BSS calls is idempotent: each runs
// exactly once, and an unknown outcome is settled from BSS's records of it (settleMoney),
// never by sending it again.
const (
	actTopUp          = "topup"
	actReclaimBalance = "reclaim_balance"
	actCoupon         = "coupon"
	actCouponReclaim  = "coupon_reclaim"
)

func isMoneyAction(action string) bool {
	switch action {
	case actTopUp, actReclaimBalance, actCoupon, actCouponReclaim:
		return true
	}
	return false
}

// maxCouponCustomers bounds the customers of one /coupon request (BSS takes 100 per call; a
// request an approver can read takes fewer).
const maxCouponCustomers = 10

// moneyParams are what a money request does, stored with it.
type moneyParams struct {
	CustomerIDs []string  `json:"customer_ids,omitempty"`
	Amount      string    `json:"amount,omitempty"` // exact decimal yuan: the transfer, or each coupon's face value
	Reseller    string    `json:"reseller,omitempty"`
	QuotaID     string    `json:"quota_id,omitempty"`
	ValidTime   time.Time `json:"valid_time,omitzero"` // zero: the quota's
	ExpireTime  time.Time `json:"expire_time,omitzero"`
	CouponID    string    `json:"coupon_id,omitempty"`
}

// moneyFacts is what a money request touches, shown before anyone approves it: facts, not
// text, so that each reader sees them in their own language. Amounts are exact decimals.
type moneyFacts struct {
	Amount    string          `json:"amount"`
	Currency  string          `json:"currency,omitempty"`
	Reseller  string          `json:"reseller,omitempty"`
	Customers []customerMoney `json:"customers,omitempty"`
	Fund      *fundFacts      `json:"fund,omitempty"`
	Quota     *quotaFacts     `json:"quota,omitempty"`
	QuotaType int             `json:"quota_type,omitempty"`
	// QuotaAfter is the quota's balance once every coupon is issued.
	QuotaAfter string       `json:"quota_after,omitempty"`
	ValidFrom  time.Time    `json:"valid_from,omitzero"`
	ValidTo    time.Time    `json:"valid_to,omitzero"`
	Coupon     *couponFacts `json:"coupon,omitempty"`
}

// customerMoney is a customer's balance before and after a transfer.
type customerMoney struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Known        bool   `json:"known"` // BSS answered its balance
	Balance      string `json:"balance,omitempty"`
	Debt         string `json:"debt,omitempty"`
	BalanceAfter string `json:"balance_after,omitempty"`
	DebtAfter    string `json:"debt_after,omitempty"`
}

// fundFacts is the partner's (or reseller's) funding account around a transfer. Amount and
// AmountAfter are the account's balance as BSS shows it — what /balance lists and what the
// ledger's balance_after_change reports — while Available is what may be allocated: that
// balance less BSS's designated_amount. Held is what other open top-up requests on the same
// account earmark; requests filed before it was kept have only Available and After.
type fundFacts struct {
	AccountID   string `json:"account_id"`
	AccountType int    `json:"account_type"`
	Available   string `json:"available"` // amount less designated, before
	After       string `json:"after"`     // available after the transfer
	Amount      string `json:"amount,omitempty"`
	AmountAfter string `json:"amount_after,omitempty"`
	Designated  string `json:"designated,omitempty"`
	Held        string `json:"held,omitempty"` // by other open top-up requests, when filed
}

// couponFacts is a coupon to be reclaimed.
type couponFacts struct {
	ID           string    `json:"id"`
	CustomerID   string    `json:"customer_id"`
	CustomerName string    `json:"customer_name"`
	Type         int       `json:"type"`
	Status       int       `json:"status"`
	Face         string    `json:"face"`
	Balance      string    `json:"balance"`
	Expiry       time.Time `json:"expiry,omitzero"`
}

func runTopUp(ctx context.Context, c *Call) (chat.Reply, error) {
	return c.transferRequest(ctx, actTopUp)
}

func runReclaimBalance(ctx context.Context, c *Call) (chat.Reply, error) {
	return c.transferRequest(ctx, actReclaimBalance)
}

// amountArgs splits "<customer> <amount>": the amount is the last argument, the customer (a
// name may hold spaces) everything before it.
func (c *Call) amountArgs() (string, bss.Amount, error) {
	args := c.Inv.Args
	amount, err := c.parseYuan("amount", args[len(args)-1])
	if err != nil {
		return "", bss.Amount{}, err
	}
	return strings.Join(args[:len(args)-1], " "), amount, nil
}

// transferRequest files a top-up or a balance reclaim, showing the partner's available balance
// and the customer's balance or debt before and after, and refusing what BSS would refuse.
func (c *Call) transferRequest(ctx context.Context, kind string) (chat.Reply, error) {
	op := bss.OpUpdateCustomerAccountAmount
	if kind == actReclaimBalance {
		op = bss.OpReclaimToPartnerAccount
	}
	if err := c.requireSite(op, bss.OpListPartnerBalances, bss.OpListCustomersBalancesDetail); err != nil {
		return chat.Reply{}, err
	}
	q, amount, err := c.amountArgs()
	if err != nil {
		return chat.Reply{}, err
	}
	cu, reseller, err := c.resaleTarget(ctx, q)
	if err != nil {
		return chat.Reply{}, err
	}
	accts, err := c.r.bss.PartnerBalances(ctx, reseller)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	fund, avail, ok := bss.Available(accts)
	if !ok {
		return chat.Reply{}, c.fail("err.no_fund")
	}
	bs, err := c.r.bss.CustomerBalancesFor(ctx, reseller, []string{cu.ID})
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	cm := customerMoney{ID: cu.ID, Name: lang.CustomerName(cu)}
	var bal, debt bss.Amount
	for _, b := range bs {
		if b.CustomerID == cu.ID {
			cm.Known, bal, debt = true, b.Amount, b.Debt
		}
	}
	cur := fund.Currency
	after := avail
	switch kind {
	case actTopUp:
		if amount.Cmp(avail) > 0 {
			return chat.Reply{}, c.fail("err.topup_exceeds", lang.Money(amount, cur), lang.Money(avail, cur))
		}
		after = avail.Sub(amount)
		pay := amount
		if debt.Cmp(pay) < 0 {
			pay = debt
		}
		if cm.Known {
			cm.BalanceAfter, cm.DebtAfter = bal.Add(amount.Sub(pay)).Exact(), debt.Sub(pay).Exact()
		}
	case actReclaimBalance:
		if !cm.Known {
			return chat.Reply{}, c.fail("err.balance_unknown", lang.CustomerName(cu))
		}
		if amount.Cmp(bal) > 0 {
			return chat.Reply{}, c.fail("err.reclaim_exceeds", lang.Money(amount, cur), lang.Money(bal, cur))
		}
		after = avail.Add(amount)
		cm.BalanceAfter, cm.DebtAfter = bal.Sub(amount).Exact(), debt.Exact()
	}
	if cm.Known {
		cm.Balance, cm.Debt = bal.Exact(), debt.Exact()
	}
	held, err := c.openTopUps(ctx, reseller)
	if err != nil {
		return chat.Reply{}, err
	}
	amountAfter := fund.Amount.Add(after.Sub(avail)) // the account moves by what the transfer moves
	mf := moneyFacts{Amount: amount.Exact(), Currency: cur, Reseller: reseller, Customers: []customerMoney{cm},
		Fund: &fundFacts{AccountID: fund.AccountID, AccountType: fund.AccountType, Available: avail.Exact(), After: after.Exact(),
			Amount: fund.Amount.Exact(), AmountAfter: amountAfter.Exact(), Designated: fund.DesignatedAmount.Exact(), Held: held.Exact()}}
	mp := moneyParams{CustomerIDs: []string{cu.ID}, Amount: amount.Exact(), Reseller: reseller}
	return c.file(ctx, kind, actionParams{Money: &mp}, preview{CustomerName: lang.CustomerName(cu), CustomerID: cu.ID, Money: &mf}, []string{cu.ID})
}

// splitCustomers reads "张三,李四" (or with "，"、"、") as several customer arguments.
func splitCustomers(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == '、' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func runCoupon(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpCreatePartnerCoupons, bss.OpListQuotaCoupons); err != nil {
		return chat.Reply{}, err
	}
	q, amount, err := c.amountArgs()
	if err != nil {
		return chat.Reply{}, err
	}
	days, err := c.IntFlag("days", 0, 1, 365)
	if err != nil {
		return chat.Reply{}, err
	}
	custs, reseller, err := c.resaleTargets(ctx, splitCustomers(q), maxCouponCustomers)
	if err != nil {
		return chat.Reply{}, err
	}
	need := amount.Mul(int64(len(custs)))
	quotaID, _ := c.Flag("quota")
	var until time.Time // with --days, the coupon's end: a quota picked must last that long
	if days > 0 {
		until = c.now.UTC().Truncate(time.Second).Add(time.Duration(days) * 24 * time.Hour)
	}
	qu, err := c.pickQuota(ctx, quotaID, reseller, need, until)
	if err != nil {
		return chat.Reply{}, err
	}
	if qu.Balance.Cmp(need) < 0 {
		return chat.Reply{}, c.fail("err.quota_short", qu.QuotaID, lang.Money(qu.Balance, qu.Currency), lang.Money(need, qu.Currency))
	}
	mp := moneyParams{Amount: amount.Exact(), Reseller: reseller, QuotaID: qu.QuotaID}
	from, to := qu.EffectiveTime.Time, qu.ExpireTime.Time
	if days > 0 {
		from = c.now.UTC().Truncate(time.Second)
		to = from.Add(time.Duration(days) * 24 * time.Hour)
		if to.After(qu.ExpireTime.Time) {
			return chat.Reply{}, c.fail("err.coupon_beyond_quota", days, qu.QuotaID, c.stamp(qu.ExpireTime.Time))
		}
		mp.ValidTime, mp.ExpireTime = from, to
	}
	mf := moneyFacts{Amount: amount.Exact(), Currency: qu.Currency, Reseller: reseller, QuotaType: qu.QuotaType,
		Quota:      &quotaFacts{ID: qu.QuotaID, Balance: qu.Balance.Exact(), Currency: qu.Currency, Status: qu.QuotaStatus, Found: true, Limits: qu.LimitInfos},
		QuotaAfter: qu.Balance.Sub(need).Exact(), ValidFrom: from, ValidTo: to}
	var subjects []string
	for _, cu := range custs {
		mp.CustomerIDs = append(mp.CustomerIDs, cu.ID)
		mf.Customers = append(mf.Customers, customerMoney{ID: cu.ID, Name: lang.CustomerName(cu)})
		subjects = append(subjects, cu.ID)
	}
	// The customers are the subjects: an open coupon request for any of them refuses another.
	return c.file(ctx, actCoupon, actionParams{Money: &mp}, preview{Money: &mf}, subjects)
}

// pickQuota finds the coupon quota to issue from: the one named, or else the usable quota of
// the partner's own with enough balance that expires first (a reseller's, with --reseller:
// a quota issued to it). Quotas the partner issued to resellers are not its own to use. A quota
// picked (not named) lasts until until, when that is not zero: one lapsing sooner than the
// coupon would end cannot hold it.
func (c *Call) pickQuota(ctx context.Context, id, reseller string, need bss.Amount, until time.Time) (bss.Quota, error) {
	if id != "" {
		if err := c.checkID("quota", id); err != nil {
			return bss.Quota{}, err
		}
	}
	var cands []bss.Quota
	issued := map[string]bool{}
	if reseller != "" || c.r.bss.Supports(bss.OpListIssuedCouponQuotas) {
		page, err := c.r.bss.ListIssuedQuotas(ctx, bss.IssuedQuotaFilter{QuotaID: id, IndirectPartnerID: reseller}, 0, 100)
		switch {
		case err != nil && reseller != "":
			return bss.Quota{}, c.bssError(err)
		case err != nil && (errors.Is(err, bss.ErrForbidden) || errors.Is(err, bss.ErrNotPartner) || errors.Is(err, bss.ErrNotFound)):
			// Not a tier-1 distributor: it issued no quotas to resellers.
		case err != nil:
			return bss.Quota{}, c.bssError(err)
		default:
			for _, q := range page.Quotas {
				issued[q.QuotaID] = true
				if reseller != "" && q.IndirectPartnerID == reseller {
					cands = append(cands, q.Quota)
				}
			}
		}
	}
	if reseller == "" {
		var ids []string
		if id != "" {
			ids = []string{id}
		}
		for _, qt := range []int{bss.QuotaTypeCashCoupon, bss.QuotaTypeFlexiPurchase} {
			page, err := c.r.bss.ListQuotas(ctx, bss.QuotaFilter{QuotaIDs: ids, QuotaType: &qt}, 0, 100)
			if err != nil {
				return bss.Quota{}, c.bssError(err)
			}
			for _, q := range page.Quotas {
				if !issued[q.QuotaID] {
					cands = append(cands, q)
				}
			}
		}
	}
	usable := func(q bss.Quota) bool {
		return q.QuotaStatus == bss.QuotaNormal && !c.now.Before(q.EffectiveTime.Time) && c.now.Before(q.ExpireTime.Time)
	}
	if id != "" {
		for _, q := range cands {
			if q.QuotaID != id {
				continue
			}
			if !usable(q) {
				return bss.Quota{}, c.fail("err.quota_unusable", id)
			}
			return q, nil
		}
		return bss.Quota{}, c.fail("err.no_quota", id)
	}
	var best *bss.Quota
	for i := range cands {
		q := &cands[i]
		if usable(*q) && q.Balance.Cmp(need) >= 0 && !q.ExpireTime.Before(until) && (best == nil || q.ExpireTime.Before(best.ExpireTime.Time)) {
			best = q
		}
	}
	if best == nil {
		return bss.Quota{}, c.fail("err.no_quota_for", lang.Money(need, ""))
	}
	return *best, nil
}

func runCouponReclaim(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpReclaimPartnerCoupons, bss.OpListIssuedPartnerCoupons); err != nil {
		return chat.Reply{}, err
	}
	id := c.Arg(0)
	if err := c.checkID("coupon-id", id); err != nil {
		return chat.Reply{}, err
	}
	reseller, err := c.resellerID()
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.r.bss.ListCoupons(ctx, bss.CouponFilter{CouponID: id, IndirectPartnerID: reseller}, 0, 10)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	i := slices.IndexFunc(page.Coupons, func(cp bss.PartnerCoupon) bool { return cp.CouponID == id })
	if i < 0 {
		return chat.Reply{}, &userError{text: c.Lang.T("err.no_coupon", id), result: "not-found"}
	}
	cp := page.Coupons[i]
	if cp.Status != bss.CouponUsable {
		return chat.Reply{}, c.fail("err.coupon_not_usable", id, c.couponStatus(cp.Status))
	}
	name := cp.CustomerID
	if p, err := c.r.bss.ListCustomers(ctx, bss.CustomerFilter{CustomerID: cp.CustomerID, IndirectPartnerID: reseller}, 0, 1); err != nil {
		return chat.Reply{}, c.bssError(err)
	} else if len(p.Customers) > 0 {
		name = lang.CustomerName(p.Customers[0])
	}
	mf := moneyFacts{Amount: cp.Balance.Exact(), Reseller: reseller, Coupon: &couponFacts{ID: id, CustomerID: cp.CustomerID, CustomerName: name,
		Type: cp.CouponType, Status: cp.Status, Face: cp.FaceValue.Exact(), Balance: cp.Balance.Exact(), Expiry: cp.ExpireTime.Time}}
	mp := moneyParams{CustomerIDs: []string{cp.CustomerID}, Amount: cp.Balance.Exact(), Reseller: reseller, CouponID: id}
	return c.file(ctx, actCouponReclaim, actionParams{Money: &mp}, preview{CustomerName: name, CustomerID: cp.CustomerID, Money: &mf}, []string{id})
}

// moneyDetailPrefix heads the ApprovalResult.Detail of a money action: the facts of its
// result as JSON, which each reader sees worded in their language.
const moneyDetailPrefix = "money="

// moneyResult is how a money action ended.
type moneyResult struct {
	TransID      string             `json:"trans_id,omitempty"`      // the transfer's, as BSS named it
	BalanceAfter string             `json:"balance_after,omitempty"` // the customer's, read after a transfer
	DebtAfter    string             `json:"debt_after,omitempty"`
	Issued       []bss.IssuedCoupon `json:"issued,omitempty"`
	Failed       []bss.ItemError    `json:"failed,omitempty"` // customers that got no coupon, and why
	Reclaimed    string             `json:"reclaimed,omitempty"`
	Missing      []string           `json:"missing,omitempty"`   // customers settling found no coupon for
	Ambiguous    []string           `json:"ambiguous,omitempty"` // transfers or coupons that cannot be told apart
	Status       int                `json:"status,omitempty"`    // a coupon's status when it was not reclaimed
	// Anomalies are what the answer named beyond the request (bss.CouponIssueResult.Anomalies),
	// worded when read, in the reader's language.
	Anomalies []worded `json:"anomaly_texts,omitempty"`
	// OldAnomalies are the same, as results stored before they were kept as facts held them:
	// English sentences, shown as they are.
	OldAnomalies []string `json:"anomalies,omitempty"`
}

func (m moneyResult) detail() string {
	b, _ := json.Marshal(m)
	return moneyDetailPrefix + string(b)
}

func parseMoneyResult(detail string) (moneyResult, bool) {
	var m moneyResult
	rest, ok := strings.CutPrefix(detail, moneyDetailPrefix)
	return m, ok && json.Unmarshal([]byte(rest), &m) == nil
}

// performMoney makes the BSS call of an approved money request. It returns nil when the
// outcome is unknown.
func (r *Router) performMoney(ctx context.Context, a store.Approval, p actionParams) *store.ApprovalResult {
	m := p.Money
	if m == nil || (a.Action != actCouponReclaim && len(m.CustomerIDs) == 0) {
		return &store.ApprovalResult{NeedsAttention: true, Detail: "stored parameters lack the money request"}
	}
	amount, err := bss.ParseAmount(m.Amount)
	if err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Detail: "stored amount is unreadable: " + err.Error()}
	}
	var res moneyResult
	out := &store.ApprovalResult{}
	switch a.Action {
	case actTopUp, actReclaimBalance:
		req := bss.TransferRequest{CustomerID: m.CustomerIDs[0], Amount: amount, IndirectPartnerID: m.Reseller}
		var tr *bss.Transfer
		if a.Action == actTopUp {
			tr, err = r.bss.Allocate(ctx, req)
		} else {
			tr, err = r.bss.ReclaimBalance(ctx, req)
		}
		if err == nil && strings.TrimSpace(tr.TransID) == "" {
			// A blank transaction id is no id: no evidence the money moved, nor that it did not.
			err = &bss.Error{Op: a.Action, Kind: bss.KindUnknownOutcome, RequestID: tr.RequestID, Err: errors.New("the answer names no transaction id")}
		}
		if err == nil {
			res.TransID, out.OK, out.RequestID = tr.TransID, true, tr.RequestID
			r.balanceAfter(ctx, m, &res)
		}
	case actCoupon:
		var ir *bss.CouponIssueResult
		ir, err = r.bss.IssueCoupons(ctx, bss.CouponIssue{QuotaID: m.QuotaID, CustomerIDs: m.CustomerIDs, FaceValue: amount,
			ValidTime: m.ValidTime, ExpireTime: m.ExpireTime, IndirectPartnerID: m.Reseller})
		var anomalies []worded
		if ir != nil && len(ir.Anomalies) > 0 {
			// What the answer names beyond the request is nobody's success; it is kept in the
			// log and the audit (in English), whatever becomes of the request.
			anomalies = couponAnomalies(ir)
			r.recordAnomalies(ctx, a, ir.RequestID, wordAll(lang.En, anomalies))
		}
		if err == nil && len(ir.Unknown) > 0 {
			err = &bss.Error{Op: bss.OpCreatePartnerCoupons, Kind: bss.KindUnknownOutcome, RequestID: ir.RequestID,
				Err: fmt.Errorf("the answer does not show the outcome for customers %q", ir.Unknown)}
		}
		if err == nil {
			// A partial success is reported per customer: it succeeded for those issued, and a
			// person looks at the others.
			res.Issued, res.Failed, res.Anomalies, out.RequestID = ir.Issued, ir.Errors, anomalies, ir.RequestID
			out.OK = len(ir.Issued) > 0
			out.NeedsAttention = len(ir.Errors) > 0 && len(ir.Issued) > 0 || len(ir.Anomalies) > 0
			if len(ir.Errors) > 0 {
				out.ErrorCode = ir.Errors[0].ErrorCode
			}
		}
	case actCouponReclaim:
		if err = r.bss.ReclaimCoupon(ctx, m.CouponID, m.Reseller); err == nil {
			res.Reclaimed, out.OK = m.CouponID, true
		}
	}
	if errors.Is(err, bss.ErrUnknownOutcome) {
		r.log.Warn("money action outcome unknown; settling from BSS's records", "request", a.ID, "action", a.Action, "error", err)
		return nil
	}
	if err != nil {
		out.Detail = r.failureText(err)
		var be *bss.Error
		if errors.As(err, &be) {
			out.ErrorCode, out.RequestID = be.Code, be.RequestID
		}
		return out
	}
	out.Detail = res.detail()
	return out
}

// couponAnomalies are the entries of a coupon issue's answer that name no customer asked for,
// as catalogue texts worded when read.
func couponAnomalies(ir *bss.CouponIssueResult) []worded {
	var out []worded
	for _, an := range ir.Anomalies {
		what := an.ErrorCode
		if an.List == "coupon_infos" {
			what = "coupon_id " + an.CouponID
		}
		if an.CustomerID == "" {
			out = append(out, worded{Key: "act.coupon_anomaly_blank", Args: []string{an.List, strings.TrimSpace(what + " " + an.ErrorMsg)}})
			continue
		}
		out = append(out, worded{Key: "act.coupon_anomaly", Args: []string{an.List, an.CustomerID, what}})
	}
	if ir.MoreAnomalies > 0 {
		out = append(out, worded{Key: "act.anomaly_more", Args: []string{strconv.Itoa(ir.MoreAnomalies)}})
	}
	return out
}

// recordAnomalies logs what a BSS answer named beyond the request and records it in the audit.
func (r *Router) recordAnomalies(ctx context.Context, a store.Approval, requestID string, anomalies []string) {
	r.log.WarnContext(ctx, "BSS answer names what the request did not ask for; counted as nobody's success",
		"request", a.ID, "action", a.Action, "request_id", requestID, "anomalies", anomalies)
	e := store.AuditEntry{At: r.opts.Now(), Platform: maintenanceActor.Platform, UserID: "bss",
		Command: fmt.Sprintf("answer #%d %s", a.ID, a.Action), Result: "anomaly",
		Detail: cutRunes(strings.Join(anomalies, "; "), 500), RequestID: requestID}
	if _, err := r.store.AppendAudit(context.WithoutCancel(ctx), e); err != nil {
		r.log.ErrorContext(ctx, "audit record lost", "request", a.ID, "error", err)
	}
}

// balanceAfter reads the customer's balance after a transfer, for the result; a failure to
// read leaves it out (the transfer itself is known to be done).
func (r *Router) balanceAfter(ctx context.Context, m *moneyParams, res *moneyResult) {
	bs, err := r.bss.CustomerBalancesFor(ctx, m.Reseller, m.CustomerIDs[:1])
	if err != nil {
		return
	}
	for _, b := range bs {
		if b.CustomerID == m.CustomerIDs[0] {
			res.BalanceAfter, res.DebtAfter = b.Amount.Exact(), b.Debt.Exact()
		}
	}
}

// maxEvidence bounds the adjust records or coupons read while settling one request.
const maxEvidence = 200

// settleMoney decides from BSS's records whether a money action whose outcome is unknown took
// effect. Only evidence this request can have caused counts: for a transfer, an adjust record
// of this customer, operation and amount, dated from when the request began executing (less
// the clock skew) to orderWindow after, and not claimed by another request's result; for a
// coupon issue, per customer, a coupon of this face value created in that window, likewise
// unclaimed; for a coupon reclaim, the coupon now reclaimed. It returns nil when BSS cannot be
// read now; the request then stays executing for later.
func (r *Router) settleMoney(ctx context.Context, a store.Approval, p actionParams) *store.ApprovalResult {
	m := p.Money
	if m == nil {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored parameters lack the money request"}
	}
	amount, err := bss.ParseAmount(m.Amount)
	if err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored amount is unreadable"}
	}
	begin, end := a.ExecutionStartedAt.Add(-clockSkew), a.ExecutionStartedAt.Add(orderWindow)
	within := func(t time.Time) bool { return !t.Before(begin) && !t.After(end) }
	switch a.Action {
	case actTopUp, actReclaimBalance:
		claimed, err := r.claimed(ctx, a)
		if err != nil {
			return nil
		}
		op := bss.AdjustAllocate
		if a.Action == actReclaimBalance {
			op = bss.AdjustRetrieve
		}
		customer := m.CustomerIDs[0]
		var found []string
		n := 0
		for rec, err := range r.bss.AdjustRecords(ctx, bss.AdjustFilter{CustomerID: customer, OperationType: op, Begin: begin, End: end, IndirectPartnerID: m.Reseller}) {
			if err != nil {
				return nil
			}
			if n++; n > maxEvidence {
				break
			}
			// The filters are checked again: a BSS that ignored one must not turn someone
			// else's transfer into this request's.
			if rec.CustomerID == customer && rec.OperationType == op && within(rec.OperationTime.Time) &&
				rec.Amount.Cmp(amount) == 0 && strings.TrimSpace(rec.TransID) != "" && !claimed[rec.TransID] {
				found = append(found, rec.TransID)
			}
		}
		switch len(found) {
		case 0:
			return r.noTrace()
		case 1:
			res := moneyResult{TransID: found[0]}
			r.balanceAfter(ctx, m, &res)
			return &store.ApprovalResult{OK: true, Reconciled: true, Detail: res.detail()}
		}
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: moneyResult{Ambiguous: found}.detail()}
	case actCoupon:
		claimed, err := r.claimed(ctx, a)
		if err != nil {
			return nil
		}
		var res moneyResult
		for _, customer := range m.CustomerIDs {
			var found []string
			n := 0
			for cp, err := range r.bss.Coupons(ctx, bss.CouponFilter{CustomerID: customer, CreateBegin: begin, CreateEnd: end, IndirectPartnerID: m.Reseller}) {
				if err != nil {
					return nil
				}
				if n++; n > maxEvidence {
					break
				}
				if cp.CustomerID == customer && within(cp.CreateTime.Time) && cp.FaceValue.Cmp(amount) == 0 &&
					strings.TrimSpace(cp.CouponID) != "" && !claimed[cp.CouponID] {
					found = append(found, cp.CouponID)
				}
			}
			switch len(found) {
			case 0:
				res.Missing = append(res.Missing, customer)
			case 1:
				res.Issued = append(res.Issued, bss.IssuedCoupon{CustomerID: customer, CouponID: found[0]})
			default:
				res.Ambiguous = append(res.Ambiguous, found...)
			}
		}
		if len(res.Issued) == 0 && len(res.Ambiguous) == 0 {
			return r.noTrace()
		}
		return &store.ApprovalResult{OK: len(res.Issued) > 0 && len(res.Ambiguous) == 0, Reconciled: true,
			NeedsAttention: len(res.Missing) > 0 || len(res.Ambiguous) > 0, Detail: res.detail()}
	case actCouponReclaim:
		page, err := r.bss.ListCoupons(ctx, bss.CouponFilter{CouponID: m.CouponID, IndirectPartnerID: m.Reseller}, 0, 10)
		if err != nil {
			return nil
		}
		for _, cp := range page.Coupons {
			if cp.CouponID != m.CouponID {
				continue
			}
			switch cp.Status {
			case bss.CouponReclaimed:
				return &store.ApprovalResult{OK: true, Reconciled: true, Detail: moneyResult{Reclaimed: m.CouponID}.detail()}
			case bss.CouponUsable, bss.CouponInactive:
				return r.noTrace()
			}
			return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: moneyResult{Status: cp.Status}.detail()}
		}
	}
	return r.noTrace()
}

// claimed are the transaction and coupon ids that other requests of the same action already
// name as their own result: evidence for them, not for a.
func (r *Router) claimed(ctx context.Context, a store.Approval) (map[string]bool, error) {
	done, err := r.store.ListApprovals(ctx, store.ApprovalFilter{States: []store.ApprovalState{store.StateSucceeded, store.StateFailed},
		Limit: store.MaxApprovalLimit})
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, o := range done {
		if o.ID == a.ID || o.Action != a.Action || o.Result == nil {
			continue
		}
		_, detail := splitSettled(o.Result.Detail)
		res, ok := parseMoneyResult(detail)
		if !ok {
			continue
		}
		if res.TransID != "" {
			out[res.TransID] = true
		}
		for _, ic := range res.Issued {
			out[ic.CouponID] = true
		}
	}
	return out, nil
}

// moneyFields shows what a money request touches, in language l.
func (r *Router) moneyFields(c *Call, action string, mf *moneyFacts, rep *chat.Reply) {
	if mf == nil {
		return
	}
	l := c.Lang
	amt := func(s string) string {
		a, _ := bss.ParseAmount(s)
		return lang.Money(a, mf.Currency)
	}
	balanceText := func(bal, debt string) string {
		d, _ := bss.ParseAmount(debt)
		if d.Sign() > 0 {
			return l.T("act.money_owes", amt(debt))
		}
		return amt(bal)
	}
	if mf.Reseller != "" {
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.money_reseller"), Value: mf.Reseller})
	}
	switch action {
	case actTopUp, actReclaimBalance:
		label := "act.money_topup"
		if action == actReclaimBalance {
			label = "act.money_reclaim"
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T(label), Value: amt(mf.Amount)})
		for _, cm := range mf.Customers {
			if !cm.Known {
				rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.money_customer_now", cm.Name), Value: l.T("lbl.unknown")})
				continue
			}
			rep.Fields = append(rep.Fields,
				chat.Field{Label: l.T("act.money_customer_now", cm.Name), Value: balanceText(cm.Balance, cm.Debt)},
				chat.Field{Label: l.T("act.money_customer_after", cm.Name), Value: balanceText(cm.BalanceAfter, cm.DebtAfter)})
		}
		if f := mf.Fund; f != nil {
			acct := c.enum("acct", f.AccountType)
			if f.Amount == "" { // filed before the account's balance was kept
				rep.Fields = append(rep.Fields,
					chat.Field{Label: l.T("act.money_available", acct), Value: amt(f.Available)},
					chat.Field{Label: l.T("act.money_available_after"), Value: amt(f.After)})
			} else {
				r.fundFields(c, action, mf, rep)
			}
		}
		if action == actReclaimBalance {
			rep.Text = l.T("act.money_reclaim_note")
		}
	case actCoupon:
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.money_face"), Value: amt(mf.Amount)},
			chat.Field{Label: l.T("act.money_coupon_type"), Value: c.couponType(couponTypeOfQuota(mf.QuotaType))})
		if q := mf.Quota; q != nil {
			rep.Fields = append(rep.Fields,
				chat.Field{Label: l.T("act.quota"), Value: q.ID},
				chat.Field{Label: l.T("act.quota_balance"), Value: amt(q.Balance) + " → " + amt(mf.QuotaAfter)},
				chat.Field{Label: l.T("act.quota_limits"), Value: limitsText(l, q.Limits)})
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.money_validity"), Value: c.stamp(mf.ValidFrom) + " – " + c.stamp(mf.ValidTo)})
		sec := chat.Section{Title: l.T("act.money_customers", len(mf.Customers))}
		for _, cm := range mf.Customers {
			sec.Lines = append(sec.Lines, cm.Name+" · "+cm.ID)
		}
		rep.Sections = append(rep.Sections, sec)
	case actCouponReclaim:
		if cp := mf.Coupon; cp != nil {
			rep.Fields = append(rep.Fields,
				chat.Field{Label: l.T("act.money_coupon"), Value: cp.ID + " · " + c.couponType(cp.Type)},
				chat.Field{Label: l.T("act.money_face"), Value: amt(cp.Face)},
				chat.Field{Label: l.T("act.money_coupon_balance"), Value: amt(cp.Balance)},
				chat.Field{Label: l.T("coupons.col.expires"), Value: c.when(cp.Expiry)},
				chat.Field{Label: l.T("coupons.col.status"), Value: c.couponStatus(cp.Status)})
		}
		rep.Text = l.T("act.money_coupon_reclaim_note")
	}
}

// fundFields shows the funding account around a transfer, each figure naming its account: the
// account's balance before and after (as /balance and the ledger's balance after show it), what
// may be allocated and what open top-up requests already hold of it.
func (r *Router) fundFields(c *Call, action string, mf *moneyFacts, rep *chat.Reply) {
	l, f := c.Lang, mf.Fund
	amt := func(s string) string {
		a, _ := bss.ParseAmount(s)
		return lang.Money(a, mf.Currency)
	}
	acct := c.enum("acct", f.AccountType)
	amount, _ := bss.ParseAmount(f.Amount)
	designated, _ := bss.ParseAmount(f.Designated)
	avail, _ := bss.ParseAmount(f.Available)
	held, _ := bss.ParseAmount(f.Held)
	rep.Fields = append(rep.Fields,
		chat.Field{Label: l.T("act.money_fund_balance", acct, f.AccountID), Value: amt(f.Amount) + " → " + amt(f.AmountAfter)},
		chat.Field{Label: l.T("act.money_fund_available"), Value: c.fundText(amount, designated, avail, held, mf.Currency)},
		chat.Field{Label: l.T("act.money_available_after"), Value: amt(f.After)})
	if action == actTopUp && held.Sign() > 0 {
		if a, _ := bss.ParseAmount(mf.Amount); a.Cmp(avail.Sub(held)) > 0 {
			rep.Text = "⚠ " + l.T("act.money_held_short", amt(mf.Amount), amt(avail.Sub(held).Exact()))
		}
	}
}

// couponTypeOfQuota is the type of coupon a quota issues.
func couponTypeOfQuota(quotaType int) int {
	if quotaType == bss.QuotaTypeFlexiPurchase {
		return bss.CouponTypeFlexiPurchase
	}
	return bss.CouponTypeCash
}

// moneyResultText words a money action's result for its story.
func (r *Router) moneyResultText(c *Call, a store.Approval, res moneyResult) []string {
	l := c.Lang
	var pv preview
	_ = json.Unmarshal(a.Preview, &pv)
	cur := ""
	names := map[string]string{}
	if mf := pv.Money; mf != nil {
		cur = mf.Currency
		for _, cm := range mf.Customers {
			names[cm.ID] = cm.Name
		}
	}
	name := func(id string) string {
		if n := names[id]; n != "" {
			return n
		}
		return id
	}
	amt := func(s string) string {
		v, _ := bss.ParseAmount(s)
		return lang.Money(v, cur)
	}
	var parts []string
	if res.TransID != "" {
		parts = append(parts, l.T("act.money_trans", res.TransID))
	}
	if res.BalanceAfter != "" {
		if d, _ := bss.ParseAmount(res.DebtAfter); d.Sign() > 0 {
			parts = append(parts, l.T("act.money_now_owes", amt(res.DebtAfter)))
		} else {
			parts = append(parts, l.T("act.money_now_balance", amt(res.BalanceAfter)))
		}
	}
	for _, ic := range res.Issued {
		parts = append(parts, l.T("act.money_issued", name(ic.CustomerID), ic.CouponID))
	}
	for _, f := range res.Failed {
		parts = append(parts, l.T("act.money_issue_failed", name(f.ID), strings.TrimSpace(f.ErrorCode+" "+f.ErrorMsg)))
	}
	if len(res.Missing) > 0 {
		ns := make([]string, len(res.Missing))
		for i, id := range res.Missing {
			ns[i] = name(id)
		}
		parts = append(parts, l.T("act.money_missing", strings.Join(ns, ", ")))
	}
	if res.Reclaimed != "" {
		parts = append(parts, l.T("act.money_reclaimed", res.Reclaimed))
	}
	if res.Status != 0 {
		parts = append(parts, l.T("act.money_coupon_now", c.couponStatus(res.Status)))
	}
	if len(res.Ambiguous) > 0 {
		parts = append(parts, l.T("act.money_ambiguous", strings.Join(res.Ambiguous, ", ")))
	}
	if anomalies := append(wordAll(l, res.Anomalies), res.OldAnomalies...); len(anomalies) > 0 {
		sep := "; "
		if l == lang.Zh {
			sep = "；"
		}
		parts = append(parts, l.T("act.money_anomaly", strings.Join(anomalies, sep)))
	}
	return parts
}

// topUpButton offers a top-up of a customer's debt: the command, prefilled. A click runs it
// as the person who clicked, whose role decides whether it may be filed.
func topUpButton(l lang.Lang, cu bss.Customer, debt bss.Amount, currency string) chat.Button {
	return chat.Button{Label: lang.TopUpLabel(l, cu, debt, currency), Command: cmdline.TopUp(cu.ID, debt), Style: "primary"}
}
