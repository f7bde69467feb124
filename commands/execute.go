package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// execute moves an approved request to executing (exactly once, in one bbolt transaction),
// makes the BSS call, and records the result. A call whose outcome is unknown is checked
// against BSS state at once; if that shows no effect yet, the request stays executing and
// Maintain settles it once BSS has had time to finish (SettleAfter) — it is never sent again.
func (r *Router) execute(ctx context.Context, a store.Approval, by store.Actor) (store.Approval, error) {
	r.inflightMu.Lock()
	r.inflight[a.ID] = true
	r.inflightMu.Unlock()
	defer func() {
		r.inflightMu.Lock()
		delete(r.inflight, a.ID)
		r.inflightMu.Unlock()
	}()
	a, err := r.store.BeginExecution(ctx, a.ID, by, elsewhere(by, r.decisionNotices))
	if err != nil {
		return a, err
	}
	r.setBegun(a.ID, true)
	// From here on the request is "executing" in the store: whatever happens to this process,
	// Maintain finds it. The BSS call must not be cut short by the chat request.
	// It has a deadline of its own: running out of it mid-call is an unknown outcome, settled
	// from BSS state like any other, never a reason to send the call again.
	bctx := context.WithoutCancel(ctx)
	pctx, cancel := context.WithTimeout(bctx, r.opts.ActionTimeout)
	res := r.perform(pctx, a)
	cancel()
	if res == nil {
		if res = r.settle(bctx, a); res == nil || !res.OK {
			return a, nil // left executing: Maintain settles it after SettleAfter
		}
		markSettled(res, settledAtOnce)
	}
	a, err = r.finish(bctx, a.ID, *res, elsewhere(by, r.resultNotices))
	if err == nil && res.OK {
		r.refreshTouched(bctx, a)
	}
	return a, err
}

// refreshTouched refreshes the expiry index entry of the customer whose resource an action
// renewed, unsubscribed or switched to auto-renew.
func (r *Router) refreshTouched(ctx context.Context, a store.Approval) {
	switch a.Action {
	case actRenew, actUnsubscribe, actAutoRenew, actOnDemand:
	default:
		return
	}
	var p actionParams
	if json.Unmarshal(a.Params, &p) != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, r.opts.ActionTimeout)
	defer cancel()
	r.refreshIndex(ctx, p.Customer.ID)
}

// finish records how a request ended, telling those notices says (r.resultNotices, less the
// place where the reply to whoever ran it already shows it).
func (r *Router) finish(ctx context.Context, id uint64, res store.ApprovalResult, notices store.NoticeFunc) (store.Approval, error) {
	a, err := r.store.FinishExecution(ctx, id, res, notices)
	if err == nil {
		r.setBegun(id, false)
	}
	return a, err
}

func (r *Router) setBegun(id uint64, on bool) {
	r.inflightMu.Lock()
	defer r.inflightMu.Unlock()
	if on {
		r.begun[id] = true
	} else {
		delete(r.begun, id)
	}
}

// settledHow says how Maintain settles a request left executing: one this process began is
// settled some minutes after it began; any other was left by an earlier run.
func (r *Router) settledHow(a store.Approval, now time.Time) string {
	r.inflightMu.Lock()
	here := r.begun[a.ID]
	r.inflightMu.Unlock()
	if !here {
		return settledAfterRestart
	}
	minutes := max(1, int((now.Sub(a.ExecutionStartedAt)+time.Minute-1)/time.Minute))
	return settledLater + strconv.Itoa(minutes)
}

// settleWait is how long after a request began executing Maintain leaves it to BSS. One this
// process began and is no longer running (its call ended with an unknown outcome) waits
// SettleAfter. One begun elsewhere — by another replica on the same store, or by an earlier
// run — may still be in its BSS call, which nothing here can see: it also waits until that call
// is over (ActionTimeout bounds it), since settling from BSS state while the call is under way
// would record an outcome the call may yet contradict.
func (r *Router) settleWait(id uint64) time.Duration {
	r.inflightMu.Lock()
	here := r.begun[id]
	r.inflightMu.Unlock()
	if here {
		return r.opts.SettleAfter
	}
	return max(r.opts.SettleAfter, r.opts.ActionTimeout)
}

// How a result was settled from BSS state. The store keeps no field for it, so it heads
// ApprovalResult.Detail as "settled=HOW; " and each reader gets it worded in their language.
const (
	settledPrefix       = "settled="
	settledAtOnce       = "unknown" // right after a call whose outcome was unknown
	settledAfterRestart = "restart" // by Maintain, for a request an earlier run left executing
	settledLater        = "later:"  // by Maintain in the same run, followed by the minutes
)

func markSettled(res *store.ApprovalResult, how string) {
	head := settledPrefix + how
	if res.Detail != "" {
		head += "; " + res.Detail
	}
	res.Detail = head
}

// splitSettled takes the settling mark off a result's detail.
func splitSettled(detail string) (how, rest string) {
	if !strings.HasPrefix(detail, settledPrefix) {
		return "", detail
	}
	how, rest, _ = strings.Cut(strings.TrimPrefix(detail, settledPrefix), "; ")
	return how, rest
}

// settledWords words how a result was settled.
func settledWords(l lang.Lang, how string) string {
	switch {
	case how == settledAtOnce:
		return l.T("act.settled_unknown")
	case how == settledAfterRestart:
		return l.T("act.settled_restart")
	case strings.HasPrefix(how, settledLater):
		if n, err := strconv.Atoi(strings.TrimPrefix(how, settledLater)); err == nil {
			return l.T("act.settled_later", n)
		}
	}
	return l.T("act.reconciled")
}

// perform makes the BSS call of an approved request. It returns nil when the outcome is unknown.
func (r *Router) perform(ctx context.Context, a store.Approval) *store.ApprovalResult {
	var p actionParams
	if err := json.Unmarshal(a.Params, &p); err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Detail: "stored parameters are unreadable: " + err.Error()}
	}
	var (
		res *bss.OrderResult
		err error
	)
	switch a.Action {
	case actRenew:
		res, err = r.bss.Renew(ctx, p.Customer, bss.RenewRequest{ResourceIDs: []string{p.ResourceID}, Period: *p.Period, AutoPay: p.AutoPay})
	case actUnsubscribe:
		req := bss.UnsubscribeRequest{ResourceIDs: []string{p.ResourceID}, Type: bss.UnsubscribeResource}
		if p.Reason != "" {
			req.ReasonType, req.Reason = 5, p.Reason
		}
		res, err = r.bss.Unsubscribe(ctx, p.Customer, req)
	case actAutoRenew:
		if p.On {
			err = r.bss.EnableAutoRenew(ctx, p.Customer, p.ResourceID, nil)
		} else {
			err = r.bss.DisableAutoRenew(ctx, p.Customer, p.ResourceID)
		}
		res = &bss.OrderResult{}
	case actReclaim:
		var rr *bss.ReclaimResult
		if rr, err = r.bss.ReclaimQuotas(ctx, p.QuotaIDs, p.Remark); err == nil {
			known, anomalies := matchReclaim(p.QuotaIDs, rr)
			if len(anomalies) > 0 {
				r.recordAnomalies(ctx, a, "", wordAll(lang.En, anomalies)) // logs and the audit are in English
			}
			if !known {
				r.log.WarnContext(ctx, "quota reclaim answered without naming every quota; reconciling from BSS state", "request", a.ID)
				return nil
			}
			out := reclaimResult(rr, anomalies)
			out.NeedsAttention = len(anomalies) > 0
			return out
		}
	case actTopUp, actReclaimBalance, actCoupon, actCouponReclaim:
		return r.performMoney(ctx, a, p)
	case actOnDemand:
		return r.performOnDemand(ctx, a, p)
	case actBudget:
		return r.performBudget(ctx, a, p)
	default:
		return &store.ApprovalResult{NeedsAttention: true, Detail: "unknown action " + a.Action}
	}
	if errors.Is(err, bss.ErrUnknownOutcome) {
		r.log.WarnContext(ctx, "action outcome unknown; reconciling from BSS state", "request", a.ID, "error", err)
		return nil
	}
	if err != nil {
		out := &store.ApprovalResult{Detail: r.failureText(err)}
		var be *bss.Error
		if errors.As(err, &be) {
			out.ErrorCode, out.RequestID = be.Code, be.RequestID
		}
		return out
	}
	if a.Action == actRenew || a.Action == actUnsubscribe {
		if why := res.Unproven(); why != "" {
			// An answer naming no order (HTTP 200 with an error_code body, or "order_ids": []),
			// or naming one by a blank id (which is no id), is no evidence that anything
			// happened: settle it from BSS state like a lost answer.
			r.log.WarnContext(ctx, "action answered without evidence; reconciling from BSS state", "request", a.ID, "why", why)
			return nil
		}
	}
	if len(res.Failed) > 0 {
		var parts []string
		for _, f := range res.Failed {
			parts = append(parts, strings.TrimSpace(f.ResourceID+": "+f.ErrorCode+" "+f.ErrorMsg))
		}
		return &store.ApprovalResult{OrderIDs: res.OrderIDs, ErrorCode: res.Failed[0].ErrorCode, Detail: strings.Join(parts, "; ")}
	}
	out := &store.ApprovalResult{OK: true, OrderIDs: res.OrderIDs}
	if a.Action == actRenew {
		if rs, err := r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: p.Customer.ID, ResourceIDs: []string{p.ResourceID}, OnlyMain: true}, 0, 1); err == nil && len(rs.Resources) > 0 {
			exp := rs.Resources[0].ExpireTime.Time
			if exp.After(p.PrevExpiry) {
				out.Detail = newExpiryDetail(exp)
			} else {
				out.Detail = "awaiting_payment"
			}
		}
	}
	return out
}

// failureText words a failed action for its result, in the bot's language, never as a raw
// Go error.
func (r *Router) failureText(err error) string {
	l := r.opts.Lang
	var be *bss.Error
	var ae *bss.ArgumentError
	switch {
	case errors.Is(err, bss.ErrThrottled):
		return l.T("err.throttled", retryMinutes(err))
	case errors.As(err, &be), errors.As(err, &ae):
		return bss.Explain(err, string(l))
	}
	r.log.Error("action failed", "error", err)
	return l.T("err.internal")
}

// matchReclaim reads a quota reclaim's answer against the quotas asked for, keeping only what
// names one of them, once, by an id that is not blank after trimming (a blank id is no id).
// known is false when a quota asked for is named nowhere, or more than once: the outcome is
// then unknown. anomalies describe entries naming no quota asked for, worded when read.
func matchReclaim(asked []string, rr *bss.ReclaimResult) (known bool, anomalies []worded) {
	wanted := make(map[string]bool, len(asked))
	for _, id := range asked {
		wanted[id] = true
	}
	named := map[string]int{}
	var reclaimed []bss.ReclaimedQuota
	for _, q := range rr.Reclaimed {
		id := strings.TrimSpace(q.QuotaID)
		if !wanted[id] {
			anomalies = append(anomalies, worded{Key: "act.quota_anomaly", Args: []string{"simple_quota_infos", cutRunes(id, 64)}})
			continue
		}
		q.QuotaID = id
		named[id]++
		reclaimed = append(reclaimed, q)
	}
	var failed []bss.ItemError
	for _, e := range rr.Errors {
		id := strings.TrimSpace(e.ID)
		if !wanted[id] {
			anomalies = append(anomalies, worded{Key: "act.quota_anomaly_code", Args: []string{"error_details", cutRunes(id, 64), cutRunes(e.ErrorCode, 64)}})
			continue
		}
		e.ID = id
		named[id]++
		failed = append(failed, e)
	}
	if n := len(anomalies); n > 10 {
		anomalies = append(anomalies[:10], worded{Key: "act.anomaly_more", Args: []string{strconv.Itoa(n - 10)}})
	}
	rr.Reclaimed, rr.Errors = reclaimed, failed
	for _, id := range asked {
		if named[id] != 1 {
			return false, anomalies
		}
	}
	return true, anomalies
}

// worded is a text kept as its catalogue key and arguments, so that each reader sees it in
// their language.
type worded struct {
	Key  string   `json:"key"`
	Args []string `json:"args,omitempty"`
}

func (w worded) in(l lang.Lang) string {
	args := make([]any, len(w.Args))
	for i, a := range w.Args {
		args[i] = a
	}
	return l.T(w.Key, args...)
}

// wordedPrefix heads an ApprovalResult.Detail kept as a worded text (JSON), which each reader
// sees in their language.
const wordedPrefix = "text="

// wordedDetail is the ApprovalResult.Detail of the catalogue text key with args.
func wordedDetail(key string, args ...string) string {
	b, _ := json.Marshal(worded{Key: key, Args: args})
	return wordedPrefix + string(b)
}

// wordAll is ws in l.
func wordAll(l lang.Lang, ws []worded) []string {
	out := make([]string, len(ws))
	for i, w := range ws {
		out[i] = w.in(l)
	}
	return out
}

// reclaimDetailPrefix heads the ApprovalResult.Detail of a quota reclaim: its result as JSON,
// which each reader sees worded in their language (reclaimOutcome.parts).
const reclaimDetailPrefix = "reclaim="

// reclaimOutcome is how a quota reclaim ended.
type reclaimOutcome struct {
	Reclaimed []reclaimedQuota `json:"reclaimed,omitempty"`
	Failed    []bss.ItemError  `json:"failed,omitempty"`
	Anomalies []worded         `json:"anomalies,omitempty"` // what the answer named beyond the request
}

type reclaimedQuota struct {
	ID      string `json:"id"`
	Balance string `json:"balance"` // what is left on the quota
}

func reclaimResult(rr *bss.ReclaimResult, anomalies []worded) *store.ApprovalResult {
	out := &store.ApprovalResult{OK: len(rr.Errors) == 0}
	o := reclaimOutcome{Failed: rr.Errors, Anomalies: anomalies}
	for _, q := range rr.Reclaimed {
		o.Reclaimed = append(o.Reclaimed, reclaimedQuota{ID: q.QuotaID, Balance: q.Balance.String()})
	}
	for _, e := range rr.Errors {
		out.ErrorCode = e.ErrorCode
	}
	b, _ := json.Marshal(o)
	out.Detail = reclaimDetailPrefix + string(b)
	return out
}

// parts are the outcome's facts in l: each quota's balance after, each failure, and what the
// answer named beyond the request.
func (o reclaimOutcome) parts(l lang.Lang) []string {
	var parts []string
	for _, q := range o.Reclaimed {
		parts = append(parts, q.ID+" → "+q.Balance)
	}
	for _, e := range o.Failed {
		parts = append(parts, e.ID+": "+strings.TrimSpace(e.ErrorCode+" "+e.ErrorMsg))
	}
	if len(o.Anomalies) > 0 {
		sep := "; "
		if l == lang.Zh {
			sep = "；"
		}
		parts = append(parts, l.T("act.money_anomaly", strings.Join(wordAll(l, o.Anomalies), sep)))
	}
	return parts
}

// settle reconciles a request from BSS state within ActionTimeout.
func (r *Router) settle(ctx context.Context, a store.Approval) *store.ApprovalResult {
	ctx, cancel := context.WithTimeout(ctx, r.opts.ActionTimeout)
	defer cancel()
	return r.reconcileOne(ctx, a)
}

// Settling from BSS state trusts only what this request can have caused.
const (
	clockSkew     = time.Minute      // BSS's clock against ours, at most
	orderWindow   = 15 * time.Minute // an action's order is created within this of its start
	expirySlack   = 36 * time.Hour   // BSS may count calendar months in China time, not UTC
	evidenceLimit = 50               // orders, or resources of one order, read as evidence
)

// reconcileOne decides from BSS state whether an action that was (perhaps) sent took effect.
// It returns nil when BSS cannot be read now; the request then stays executing for later.
func (r *Router) reconcileOne(ctx context.Context, a store.Approval) *store.ApprovalResult {
	var p actionParams
	if err := json.Unmarshal(a.Params, &p); err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored parameters are unreadable"}
	}
	if a.Action == actReclaim {
		return r.settleReclaim(ctx, p)
	}
	if isMoneyAction(a.Action) {
		return r.settleMoney(ctx, a, p)
	}
	if a.Action == actOnDemand {
		return r.settleOnDemand(ctx, p)
	}
	if a.Action == actBudget {
		return r.settleBudget(ctx, p)
	}
	page, err := r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: p.Customer.ID, ResourceIDs: []string{p.ResourceID}, OnlyMain: true}, 0, 1)
	if err != nil {
		return nil
	}
	var now *bss.Resource
	for i := range page.Resources {
		if page.Resources[i].ResourceID == p.ResourceID {
			now = &page.Resources[i]
		}
	}
	switch a.Action {
	case actRenew:
		return r.settleRenew(ctx, a, p, now)
	case actUnsubscribe:
		return r.settleUnsubscribe(ctx, a, p, now)
	case actAutoRenew:
		if now != nil && now.AutoRenew() == p.On {
			return &store.ApprovalResult{OK: true, Reconciled: true, Detail: wordedDetail("act.reconciled_policy")}
		}
	}
	return r.noTrace()
}

// noTrace is the result when BSS shows nothing this request did.
func (r *Router) noTrace() *store.ApprovalResult {
	return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: wordedDetail("act.no_trace")}
}

func (r *Router) settleReclaim(ctx context.Context, p actionParams) *store.ApprovalResult {
	found := 0
	for _, qt := range []int{bss.QuotaTypeCashCoupon, bss.QuotaTypeFlexiPurchase} {
		page, err := r.bss.ListQuotas(ctx, bss.QuotaFilter{QuotaIDs: p.QuotaIDs, QuotaType: &qt}, 0, bss.MaxQuotaIDs)
		if err != nil {
			return nil
		}
		for _, q := range page.Quotas {
			found++
			if !q.Balance.IsZero() {
				return r.noTrace()
			}
		}
	}
	if found < len(p.QuotaIDs) {
		return r.noTrace() // a quota BSS no longer shows proves nothing
	}
	return &store.ApprovalResult{OK: true, Reconciled: true, Detail: wordedDetail("act.reconciled_reclaim")}
}

// settleRenew: the expiry moved by exactly this renewal's period (counted from the expiry the
// request saw), after the request began; or a renewal order of this request — paid, with that
// expiry, or unpaid, with the expiry unchanged.
func (r *Router) settleRenew(ctx context.Context, a store.Approval, p actionParams, now *bss.Resource) *store.ApprovalResult {
	if p.Period == nil {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored parameters lack the period"}
	}
	want := renewedExpiry(p.PrevExpiry, *p.Period)
	asAsked := now != nil && within(now.ExpireTime.Time, want, expirySlack)
	if asAsked && changedSince(*now, a.ExecutionStartedAt) {
		return &store.ApprovalResult{OK: true, Reconciled: true, Detail: newExpiryDetail(now.ExpireTime.Time)}
	}
	ev, err := r.ordersSince(ctx, a, p, orderTypeRenewal)
	if err != nil {
		return nil
	}
	switch {
	case len(ev.proven) > 0 && asAsked:
		return &store.ApprovalResult{OK: true, Reconciled: true, OrderIDs: ev.proven, Detail: newExpiryDetail(now.ExpireTime.Time)}
	case len(ev.proven) > 0 && now != nil && now.ExpireTime.Equal(p.PrevExpiry):
		return &store.ApprovalResult{OK: true, Reconciled: true, OrderIDs: ev.proven, Detail: "awaiting_payment"}
	case len(ev.proven) > 0:
		var after time.Time
		if now != nil {
			after = now.ExpireTime.Time
		}
		c := &Call{Lang: r.opts.Lang, r: r, now: r.opts.Now()}
		return &store.ApprovalResult{OK: true, NeedsAttention: true, Reconciled: true, OrderIDs: ev.proven,
			Detail: wordedDetail("act.expiry_unexplained", c.stamp(p.PrevExpiry), c.stamp(after), c.stamp(want))}
	case len(ev.unproven) > 0:
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, OrderIDs: ev.unproven,
			Detail: wordedDetail("act.unproven_orders", strings.Join(ev.unproven, ", "))}
	}
	return r.noTrace()
}

// settleUnsubscribe: the resource is gone (or closed), and an unsubscribe order of this request
// says why.
func (r *Router) settleUnsubscribe(ctx context.Context, a store.Approval, p actionParams, now *bss.Resource) *store.ApprovalResult {
	if now != nil && now.Status != bss.StatusClosed {
		return r.noTrace()
	}
	ev, err := r.ordersSince(ctx, a, p, orderTypeUnsubscribe)
	if err != nil {
		return nil
	}
	switch {
	case len(ev.proven) > 0:
		return &store.ApprovalResult{OK: true, Reconciled: true, OrderIDs: ev.proven, Detail: wordedDetail("act.reconciled_gone")}
	case len(ev.unproven) > 0:
		return &store.ApprovalResult{OK: true, NeedsAttention: true, Reconciled: true, OrderIDs: ev.unproven,
			Detail: wordedDetail("act.gone_unproven", strings.Join(ev.unproven, ", "))}
	}
	return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: wordedDetail("act.gone_no_order")}
}

// Order types an action creates (bss-api.md §7).
const (
	orderTypeRenewal     = 2
	orderTypeUnsubscribe = 4
)

// orderEvidence sorts the orders a request may have created.
type orderEvidence struct {
	proven   []string // of the type, customer and time, and BSS lists the resource under them
	unproven []string // of the type, customer and time only
}

// ordersSince finds the orders of type orderType that the customer got from the time the
// request began executing (less the clock skew) to orderWindow after. The query's filters are
// checked again on each order: a BSS that ignored one must not turn someone else's order into
// evidence.
func (r *Router) ordersSince(ctx context.Context, a store.Approval, p actionParams, orderType int) (orderEvidence, error) {
	begin := a.ExecutionStartedAt.Add(-clockSkew)
	end := a.ExecutionStartedAt.Add(orderWindow)
	page, err := r.bss.ListOrders(ctx, bss.OrderFilter{CustomerID: p.Customer.ID, OrderType: strconv.Itoa(orderType),
		CreateBegin: begin, CreateEnd: end, OrderBy: "-createTime"}, 0, evidenceLimit)
	if err != nil {
		return orderEvidence{}, fmt.Errorf("list orders of %s: %w", p.Customer.ID, err)
	}
	var ev orderEvidence
	for _, o := range page.Orders {
		created := o.CreateTime.Time
		if strings.TrimSpace(o.OrderID) == "" || o.OrderType != orderType || o.CustomerID != p.Customer.ID || created.Before(begin) || created.After(end) {
			continue
		}
		ok, err := r.orderTouches(ctx, p.Customer.ID, o.OrderID, p.ResourceID)
		if err != nil {
			return orderEvidence{}, err
		}
		if ok {
			ev.proven = append(ev.proven, o.OrderID)
		} else {
			ev.unproven = append(ev.unproven, o.OrderID)
		}
	}
	return ev, nil
}

// orderTouches reports whether BSS lists the resource id, and nothing but it and its attached
// resources, under the order (ListPayPerUseCustomerResources by order_id, "查询指定订单下的资源").
// Order lines do not name resources (the SDK's OrderLineItemEntityV2 has no resource id), so
// this is the proof BSS offers; an answer naming other resources — one main resource is renewed
// or unsubscribed per request — proves nothing, as a query that ignored order_id would.
func (r *Router) orderTouches(ctx context.Context, customerID, orderID, id string) (bool, error) {
	page, err := r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: customerID, OrderID: orderID}, 0, evidenceLimit)
	if err != nil {
		return false, fmt.Errorf("list resources of order %s: %w", orderID, err)
	}
	if page.TotalCount > len(page.Resources) {
		return false, nil
	}
	found := false
	for _, res := range page.Resources {
		switch {
		case res.ResourceID == id:
			found = true
		case res.ParentResourceID != id:
			return false, nil
		}
	}
	return found, nil
}

// changedSince reports whether BSS dates the resource's last change at or after t (less the
// clock skew). A resource without an update time proves nothing.
func changedSince(res bss.Resource, t time.Time) bool {
	return !res.UpdateTime.IsZero() && !res.UpdateTime.Before(t.Add(-clockSkew))
}

func within(t, want time.Time, slack time.Duration) bool {
	d := t.Sub(want)
	return d > -slack && d < slack
}

func newExpiryDetail(t time.Time) string { return "new_expiry=" + t.UTC().Format(time.RFC3339) }

// renewedExpiry is the expiry a renewal by period gives: the previous expiry plus the period,
// always — a resource renewed in its grace or retention period starts its new period at its
// original expiry, not at the renewal (bss-api.md, Corrections).
func renewedExpiry(prev time.Time, p bss.Period) time.Time {
	if p.Type == bss.PeriodYear {
		return addCalendar(prev, p.Num, 0)
	}
	return addCalendar(prev, 0, p.Num)
}

// addCalendar adds years and months to t in t's own zone, keeping the time of day. A day the
// target month lacks becomes its last day (31 January + 1 month = 28 or 29 February; 29 February
// + 1 year = 28 February), where time.AddDate would roll over into the next month.
func addCalendar(t time.Time, years, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y+years, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}

// maintenanceActor is who the store records for what Maintain does.
var maintenanceActor = store.Actor{Platform: "system", UserID: "maintenance"}

// Maintain expires overdue requests, runs approved requests whose run was interrupted (a crash
// between approval and execution), and settles requests left executing — by a crash, or by a
// call whose outcome was unknown — from BSS state once SettleAfter has passed (and, for one
// this process did not begin, once its call can no longer be running: settleWait). main runs
// it at start-up and then every minute.
func (r *Router) Maintain(ctx context.Context) error {
	if _, err := r.store.ExpireDue(ctx, r.decisionNotices); err != nil {
		return fmt.Errorf("expire requests: %w", err)
	}
	open, err := r.store.ListApprovals(ctx, store.ApprovalFilter{States: []store.ApprovalState{store.StateApproved, store.StateExecuting}, Limit: store.MaxApprovalLimit})
	if err != nil {
		return fmt.Errorf("list open requests: %w", err)
	}
	now := r.opts.Now()
	var errs []error
	for _, a := range open {
		r.inflightMu.Lock()
		busy := r.inflight[a.ID]
		r.inflightMu.Unlock()
		if busy {
			continue // this process is running it right now
		}
		switch a.State {
		case store.StateApproved:
			if now.Sub(a.UpdatedAt) < time.Minute {
				continue // the approver's own call is about to run it
			}
			if _, err := r.execute(ctx, a, maintenanceActor); err != nil && !errors.Is(err, store.ErrWrongState) && !errors.Is(err, store.ErrExpired) {
				errs = append(errs, fmt.Errorf("request #%d: %w", a.ID, err))
			}
			continue
		case store.StateExecuting:
			if now.Sub(a.ExecutionStartedAt) < r.settleWait(a.ID) {
				continue // BSS may still be working on it, or another replica still calling it
			}
		}
		res := r.settle(ctx, a)
		if res == nil {
			errs = append(errs, fmt.Errorf("request #%d: BSS could not be read; will try again", a.ID))
			continue
		}
		markSettled(res, r.settledHow(a, now))
		if _, err := r.finish(ctx, a.ID, *res, r.resultNotices); err != nil {
			errs = append(errs, fmt.Errorf("request #%d: %w", a.ID, err))
			continue
		}
		r.log.Info("settled a request left executing", "request", a.ID, "action", a.Action, "ok", res.OK)
	}
	return errors.Join(errs...)
}

// Notices. They are written to the store's outbox in the same transaction as the state change
// and delivered by the dispatcher in bot/, each in its recipient's language: a notice carries
// its message rendered in every language of the catalogue, and the dispatcher picks the one the
// channel or person chose with /lang (Body, in the bot's default language, otherwise).

// elsewhere drops, from the notices fn computes, those to the conversation where by acted: the
// reply to by's command is the message about the event there (a click's reply even replaces
// the message clicked), so that each place gets one message per event. Notices to a person
// directly, and to other conversations, stay. The console's one channel is every terminal and
// every `exec` run, not the one that showed the reply: its notices stay too.
func elsewhere(by store.Actor, fn store.NoticeFunc) store.NoticeFunc {
	if by.Channel == "" || by.Platform == "console" || fn == nil {
		return fn
	}
	return func(a store.Approval) []store.Notice {
		ns := fn(a)
		out := ns[:0:0]
		for _, n := range ns {
			if n.Platform == by.Platform && n.Channel == by.Channel {
				continue
			}
			out = append(out, n)
		}
		return out
	}
}

// noticeLangs are the languages a notice is rendered in.
var noticeLangs = []lang.Lang{lang.Zh, lang.En}

func (r *Router) notice(platform, channel, user, kind string, render func(lang.Lang) chat.Reply, dedupe string) store.Notice {
	n := store.Notice{Platform: platform, Channel: channel, UserID: user, Kind: kind, DedupeKey: dedupe}
	rendered := func(l lang.Lang) chat.Reply {
		rep := render(l)
		rep.Lang = string(l)
		if l != lang.En {
			rep.Lang = string(lang.Zh)
		}
		return rep
	}
	n.Body = chat.EncodeNotice(rendered(r.opts.Lang))
	for _, l := range noticeLangs {
		if l != r.opts.Lang { // the default rendering is Body, not repeated
			if n.Bodies == nil {
				n.Bodies = map[string]json.RawMessage{}
			}
			n.Bodies[string(l)] = chat.EncodeNotice(rendered(l))
		}
	}
	return n
}

func (r *Router) newRequestNotices(a store.Approval) []store.Notice {
	platform, channel, ok := strings.Cut(r.opts.ApprovalsChannel, ":")
	if !ok {
		return nil
	}
	now := r.opts.Now()
	render := func(l lang.Lang) chat.Reply {
		rep := r.renderApproval(l, r.loc, now, a)
		rep.Text = l.T("act.new_request", r.nameOf(a.Requester), a.ID) + "\n" + rep.Text
		rep.Buttons = approveButtons(l, a.ID)
		return rep
	}
	return []store.Notice{r.notice(platform, channel, "", "approval", render, fmt.Sprintf("approval:%d:new", a.ID))}
}

// toRequester addresses the requester: the channel of the request and, on platforms with
// direct messages, the requester in person.
func (r *Router) toRequester(a store.Approval, render func(lang.Lang) chat.Reply, tag string) []store.Notice {
	key := fmt.Sprintf("approval:%d:%s", a.ID, tag)
	ns := []store.Notice{r.notice(a.Requester.Platform, a.Requester.Channel, a.Requester.UserID, "approval", render, key+":channel")}
	if r.opts.DirectMessages != nil && a.Requester.Channel != "" &&
		r.opts.DirectMessages(a.Requester.Platform, a.Requester.Channel, a.Requester.UserID) {
		ns = append(ns, r.notice(a.Requester.Platform, "", a.Requester.UserID, "approval", render, key+":direct"))
	}
	return ns
}

func (r *Router) decisionNotices(a store.Approval) []store.Notice {
	now := r.opts.Now()
	switch a.State {
	case store.StatePending:
		render := func(l lang.Lang) chat.Reply {
			rep := r.renderApproval(l, r.loc, now, a)
			rep.Text = l.T("act.approved_partly", a.ID, len(a.Approvals), a.Needed) + "\n" + rep.Text
			return rep
		}
		return r.toRequester(a, render, fmt.Sprintf("approved-%d", len(a.Approvals)))
	case store.StateApproved, store.StateExecuting:
		return nil // the result follows
	}
	return r.toRequester(a, func(l lang.Lang) chat.Reply { return r.renderApproval(l, r.loc, now, a) }, string(a.State))
}

func (r *Router) resultNotices(a store.Approval) []store.Notice {
	now := r.opts.Now()
	render := func(l lang.Lang) chat.Reply { return r.renderApproval(l, r.loc, now, a) }
	ns := r.toRequester(a, render, "result")
	if platform, channel, ok := strings.Cut(r.opts.ApprovalsChannel, ":"); ok && (platform != a.Requester.Platform || channel != a.Requester.Channel) {
		ns = append(ns, r.notice(platform, channel, "", "approval", render, fmt.Sprintf("approval:%d:result:approvers", a.ID)))
	}
	return ns
}

// renderApproval shows a request in language l: what it touches, its state, who decided, and
// the result.
func (r *Router) renderApproval(l lang.Lang, loc *time.Location, now time.Time, a store.Approval) chat.Reply {
	c := &Call{Lang: l, r: r, now: now}
	var pv preview
	_ = json.Unmarshal(a.Preview, &pv)
	var p actionParams
	_ = json.Unmarshal(a.Params, &p)
	rep := chat.Reply{Title: l.T("act.title", a.ID, l.T("action."+a.Action))}
	if pv.CustomerName != "" {
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("price.customer"), Value: pv.CustomerName + " · " + pv.CustomerID})
	}
	if m := pv.Main; m != nil {
		rep.Fields = append(rep.Fields,
			chat.Field{Label: l.T("act.resource"), Value: lang.LocalDesc(l, m.Desc) + " (" + m.ID + ")"},
			chat.Field{Label: l.T("act.expiry_now"), Value: c.when(m.Expiry) + " · " + c.enum("res.status", m.Status)},
			chat.Field{Label: l.T("act.autorenew_now"), Value: c.onOff(m.AutoRenew)})
	}
	switch a.Action {
	case actRenew:
		if pv.Period != nil {
			rep.Fields = append(rep.Fields, chat.Field{Label: l.T("price.period"), Value: c.periodText(*pv.Period)})
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.expiry_new"), Value: c.when(pv.NewExpiry)})
		rep.Fields = append(rep.Fields, renewPriceFields(l, pv)...)
		pay := l.T("act.pay_later")
		if pv.AutoPay {
			pay = l.T("act.pay_now")
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.payment"), Value: pay})
	case actUnsubscribe:
		rep.Text = "⚠ " + l.T("act.unsubscribe_warning")
		if pv.Reason != "" {
			rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.reason"), Value: pv.Reason})
		}
	case actAutoRenew:
		if pv.AutoRenewTo != nil {
			rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.autorenew_new"), Value: c.onOff(*pv.AutoRenewTo)})
		}
	case actReclaim:
		t := &chat.Table{Columns: []string{l.T("act.quota"), l.T("act.quota_balance"), l.T("act.quota_limits")}}
		for _, q := range pv.Quotas {
			amt, _ := bss.ParseAmount(q.Balance)
			t.Rows = append(t.Rows, []string{q.ID, lang.Money(amt, q.Currency), limitsText(l, q.Limits)})
		}
		rep.Table = t
		if pv.Remark != nil {
			rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.remark"), Value: *pv.Remark})
		}
	case actTopUp, actReclaimBalance, actCoupon, actCouponReclaim:
		r.moneyFields(c, a.Action, pv.Money, &rep)
	case actOnDemand:
		onDemandFields(c, pv, &rep)
	case actBudget:
		budgetFields(c, pv.Budget, &rep)
	}
	if len(pv.Attached) > 0 {
		sec := chat.Section{Title: l.T("act.attached", len(pv.Attached))}
		for _, at := range pv.Attached {
			sec.Lines = append(sec.Lines, lang.LocalDesc(l, at.Desc)+" ("+at.ID+") · "+c.when(at.Expiry))
		}
		rep.Sections = append(rep.Sections, sec)
	}
	story := chat.Section{Title: l.T("act.story")}
	story.Lines = append(story.Lines, l.T("act.requested_by", r.nameOf(a.Requester), c.stamp(a.CreatedAt), c.stamp(a.ExpiresAt)))
	for _, d := range a.Approvals {
		story.Lines = append(story.Lines, l.T("act.approved_by", r.nameOf(d.By), c.stamp(d.At)))
	}
	if d := a.Rejection; d != nil {
		line := l.T("act.rejected_by", r.nameOf(d.By), c.stamp(d.At))
		if d.Reason != "" {
			line += ": " + d.Reason
		}
		story.Lines = append(story.Lines, line)
	}
	story.Lines = append(story.Lines, l.T("act.state", l.T("state."+string(a.State)), len(a.Approvals), a.Needed))
	if res := a.Result; res != nil {
		story.Lines = append(story.Lines, r.resultLine(c, a, res))
	}
	rep.Sections = append(rep.Sections, story)
	rep.Error = a.State == store.StateFailed
	c.zoned(&rep)
	return rep
}

func (r *Router) resultLine(c *Call, a store.Approval, res *store.ApprovalResult) string {
	l := c.Lang
	var parts []string
	if res.OK {
		parts = append(parts, "✅ "+l.T("act.done"))
	} else {
		parts = append(parts, "❌ "+l.T("act.failed"))
	}
	if len(res.OrderIDs) > 0 {
		parts = append(parts, l.T("act.orders", strings.Join(res.OrderIDs, ", ")))
	}
	how, detail := splitSettled(res.Detail)
	switch {
	case strings.HasPrefix(detail, "new_expiry="):
		if t, err := time.Parse(time.RFC3339, strings.TrimPrefix(detail, "new_expiry=")); err == nil {
			parts = append(parts, l.T("act.new_expiry_is", c.when(t)))
		}
	case detail == "awaiting_payment":
		parts = append(parts, l.T("act.awaiting_payment"))
	case strings.HasPrefix(detail, wordedPrefix):
		var w worded
		if json.Unmarshal([]byte(strings.TrimPrefix(detail, wordedPrefix)), &w) == nil {
			parts = append(parts, w.in(l))
		}
	case strings.HasPrefix(detail, reclaimDetailPrefix):
		var o reclaimOutcome
		if json.Unmarshal([]byte(strings.TrimPrefix(detail, reclaimDetailPrefix)), &o) == nil {
			parts = append(parts, o.parts(l)...)
		}
	case strings.HasPrefix(detail, moneyDetailPrefix):
		if m, ok := parseMoneyResult(detail); ok {
			parts = append(parts, r.moneyResultText(c, a, m)...)
		}
	case detail != "":
		parts = append(parts, detail)
	}
	if res.RequestID != "" {
		parts = append(parts, l.T("act.request_id", res.RequestID))
	}
	if res.Reconciled {
		parts = append(parts, settledWords(l, how))
	}
	if res.NeedsAttention {
		parts = append(parts, "⚠ "+l.T("act.needs_attention"))
	}
	return strings.Join(parts, " · ")
}

// renewPriceFields shows a renewal's price. The charge is BSS's own renewal amount
// (renew_inquiry_results[].amount, the main resource with its attached ones): the renewal
// request (RenewalResources) carries no discount choice, so that is what BSS bills, paid from
// the customer's balance at once with --autopay, else as an order awaiting payment. The list
// price and any optional discount are shown as explanation, the discount as not included.
// Requests filed before the renewal amount was kept show list and best price as they did.
func renewPriceFields(l lang.Lang, pv preview) []chat.Field {
	amount := func(s string) string {
		a, _ := bss.ParseAmount(s)
		return lang.Money(a, pv.Currency)
	}
	var fs []chat.Field
	if pv.Renewal != "" {
		charge, _ := bss.ParseAmount(pv.Renewal)
		label := "act.charge_pending"
		if pv.AutoPay {
			label = "act.charge_autopay"
		}
		value := amount(pv.Renewal)
		if pv.Official != "" {
			official, _ := bss.ParseAmount(pv.Official)
			if off := official.Sub(charge); off.Sign() > 0 {
				value = l.T("act.charge_value_off", value, amount(pv.Official), lang.Money(off, pv.Currency))
			} else {
				value = l.T("act.charge_value", value, amount(pv.Official))
			}
		}
		fs = append(fs, chat.Field{Label: l.T(label), Value: value})
		best, _ := bss.ParseAmount(pv.Best)
		switch {
		case pv.Best != "" && best.Cmp(charge) < 0:
			// An optional discount is worth a line only when it would charge less than BSS's
			// renewal amount, which may already have a discount in it.
			how := "act.discount_pending"
			if pv.AutoPay {
				how = "act.discount_autopay"
			}
			fs = append(fs, chat.Field{Label: l.T("act.optional_discount", firstNonEmpty(l.DiscountName(pv.BestType, pv.BestName), "—")), Value: l.T(how, amount(pv.Best))})
		case pv.NoDiscount:
			fs = append(fs, chat.Field{Label: l.T("act.best_discount_none"), Value: "—"})
		}
		return fs
	}
	if pv.Official != "" {
		fs = append(fs, chat.Field{Label: l.T("price.official"), Value: amount(pv.Official)})
	}
	switch {
	case pv.Best != "" && pv.BestName != "":
		fs = append(fs, chat.Field{Label: l.T("act.best_discount", l.DiscountName(pv.BestType, pv.BestName)), Value: amount(pv.Best)})
	case pv.Best != "" && !pv.NoDiscount:
		fs = append(fs, chat.Field{Label: l.T("price.best"), Value: amount(pv.Best)})
	case pv.NoDiscount:
		fs = append(fs, chat.Field{Label: l.T("act.best_discount_none"), Value: "—"})
	}
	return fs
}

// limitsText shows a quota's usage restrictions readably, e.g. "云服务类型: 弹性云服务器
// (hws.service.type.ec2); 区域: 华北-北京四 (cn-north-4)"; "—" when it has none.
func limitsText(l lang.Lang, limits []bss.LimitInfo) string {
	if len(limits) == 0 {
		return l.T("act.quota_unlimited")
	}
	parts := make([]string, len(limits))
	for i, li := range limits {
		key := li.Key
		if k := "quota.limit." + li.Key; l.Has(k) {
			key = l.T(k)
		}
		vals := make([]string, len(li.Values))
		for j, v := range li.Values {
			v.Value2 = l.BSSName(v.Value1, v.Value2)
			vals[j] = v.String()
		}
		parts[i] = key + ": " + strings.Join(vals, ", ")
	}
	return strings.Join(parts, "; ")
}
