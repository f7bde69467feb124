package commands

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Action kinds, as stored in approvals.
const (
	actRenew       = "renew"
	actUnsubscribe = "unsubscribe"
	actAutoRenew   = "autorenew"
	actOnDemand    = "to-ondemand"
	actReclaim     = "reclaim"
)

// actionCommands are the commands that spend or cancel: each files a request that runs only
// after four-eyes approval, and the commands that handle those requests.
func actionCommands() []*Command {
	cust := Flag{Name: "customer", Help: "opt.customer"}
	return []*Command{
		{Name: "renew", Aliases: []string{"续订", "续费"}, Args: "<resource-id> [1m|3m|1y] [--autopay] [--anyway] [--customer C]",
			Summary: "sum.renew", Role: chat.RoleOperator, Action: true, MinArgs: 1, MaxArgs: 2,
			Flags:    []Flag{{Name: "autopay", Bool: true, Help: "opt.autopay"}, {Name: "anyway", Bool: true, Help: "opt.anyway"}, cust},
			Examples: []string{"/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3m", "/续订 fe40032c-a583-34f7-a1b6-e290e74570a5 1y --autopay"}, Run: runRenew},
		{Name: "unsubscribe", Aliases: []string{"退订"}, Args: "<resource-id> [reason]",
			Summary: "sum.unsubscribe", Role: chat.RoleOperator, Action: true, MinArgs: 1, MaxArgs: -1,
			Flags: []Flag{cust}, Examples: []string{"/unsubscribe de7104ee-8ca3-70ce-2486-9ead7dd81009 project ended", "/退订 9c34b324-3621-7359-0012-111a8cc72c88 项目结束"}, Run: runUnsubscribe},
		{Name: "autorenew", Aliases: []string{"自动续费"}, Args: "on|off <resource-id>",
			Summary: "sum.autorenew", Role: chat.RoleOperator, Action: true, MinArgs: 2, MaxArgs: 2,
			Flags: []Flag{cust}, Examples: []string{"/autorenew on fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/自动续费 off fe40032c-a583-34f7-a1b6-e290e74570a5"}, Run: runAutoRenew},
		{Name: "to-ondemand", Aliases: []string{"转按需"}, Args: "<resource-id>... [--customer C]",
			Summary: "sum.to_ondemand", Role: chat.RoleOperator, Action: true, MinArgs: 1, MaxArgs: bss.MaxActionResources,
			Flags: []Flag{cust}, Examples: []string{"/to-ondemand fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "/转按需 de7104ee-8ca3-70ce-2486-9ead7dd81009 9c34b324-3621-7359-0012-111a8cc72c88"}, Run: runToOnDemand},
		{Name: "reclaim", Aliases: []string{"回收"}, Args: "<quota-id>... [--remark TEXT]",
			Summary: "sum.reclaim", Role: chat.RoleOperator, Action: true, MinArgs: 1, MaxArgs: -1,
			Flags: []Flag{{Name: "remark", Help: "opt.remark"}}, Examples: []string{"/quotas", "/reclaim Q0503524586 Q0638088195 --remark \"year-end\""}, Run: runReclaim},
		{Name: "approve", Aliases: []string{"批准"}, Args: "<request-id>", Summary: "sum.approve", Role: chat.RoleApprover, Action: true,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/approve 1", "/批准 2"}, Run: runApprove},
		{Name: "reject", Aliases: []string{"拒绝"}, Args: "<request-id> [reason]", Summary: "sum.reject", Role: chat.RoleApprover, Action: true,
			MinArgs: 1, MaxArgs: -1, Examples: []string{"/reject 1 wrong period", "/拒绝 2 周期不对"}, Run: runReject},
		{Name: "cancel", Aliases: []string{"撤回"}, Args: "<request-id>", Summary: "sum.cancel", Role: chat.RoleOperator, Action: true,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1m", "/cancel 1"}, Run: runCancel},
		{Name: "pending", Aliases: []string{"待审批"}, Args: "[--page N]", Summary: "sum.pending", Role: chat.RoleViewer,
			MaxArgs: 0, Flags: []Flag{{Name: "page", Help: "opt.page"}}, Examples: []string{"/pending", "/待审批"}, Run: runPending},
		{Name: "request", Aliases: []string{"申请"}, Args: "<request-id>", Summary: "sum.request", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: 1, Examples: []string{"/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 1m", "/request 1"}, Run: runRequest},
	}
}

// actionParams are what an approved request does, stored with it.
type actionParams struct {
	Customer   bss.CustomerRef `json:"customer"`
	ResourceID string          `json:"resource_id,omitempty"`
	// ResourceIDs are the main resources of a switch to pay-per-use (ondemand.go).
	ResourceIDs []string     `json:"resource_ids,omitempty"`
	Budget      string       `json:"budget,omitempty"` // an international site budget's target (intlbudget.go)
	Period      *bss.Period  `json:"period,omitempty"`
	AutoPay     bool         `json:"auto_pay,omitempty"`
	Reason      string       `json:"reason,omitempty"`
	On          bool         `json:"on,omitempty"`
	QuotaIDs    []string     `json:"quota_ids,omitempty"`
	Remark      *string      `json:"remark,omitempty"`
	PrevExpiry  time.Time    `json:"prev_expiry,omitempty"` // for reconciliation after a crash
	PrevPolicy  int          `json:"prev_policy,omitempty"`
	Money       *moneyParams `json:"money,omitempty"` // top-ups, reclaims and coupons (moneyactions.go)
}

// preview is what the request touches, shown before anyone approves it. It holds facts, not
// text, so that each reader sees it in their own language.
type preview struct {
	CustomerName string          `json:"customer_name"`
	CustomerID   string          `json:"customer_id"`
	Main         *resourceFacts  `json:"main,omitempty"`
	Attached     []resourceFacts `json:"attached,omitempty"`
	Resources    []resourceFacts `json:"resources,omitempty"` // a switch to pay-per-use's main resources
	NewExpiry    time.Time       `json:"new_expiry,omitempty"`
	Period       *bss.Period     `json:"period,omitempty"`
	AutoPay      bool            `json:"auto_pay,omitempty"`
	Official     string          `json:"official,omitempty"` // amounts as exact decimals
	Best         string          `json:"best,omitempty"`     // the best optional discount's amount; absent when none
	BestName     string          `json:"best_name,omitempty"`
	BestType     int             `json:"best_type,omitempty"` // discount_type, which names it in English
	Renewal      string          `json:"renewal,omitempty"`   // BSS's own renewal amount, main with attached
	NoDiscount   bool            `json:"no_discount,omitempty"`
	Currency     string          `json:"currency,omitempty"`
	AutoRenewTo  *bool           `json:"auto_renew_to,omitempty"`
	Reason       string          `json:"reason,omitempty"`
	Quotas       []quotaFacts    `json:"quotas,omitempty"`
	Remark       *string         `json:"remark,omitempty"`
	Money        *moneyFacts     `json:"money,omitempty"`
	Budget       *budgetFacts    `json:"budget,omitempty"`
}

type resourceFacts struct {
	ID        string    `json:"id"`
	Desc      string    `json:"desc"`
	Expiry    time.Time `json:"expiry"`
	Status    int       `json:"status"`
	AutoRenew bool      `json:"auto_renew"`
	Region    string    `json:"region,omitempty"`
	Policy    int       `json:"policy,omitempty"` // expire_policy, shown by a switch to pay-per-use
}

type quotaFacts struct {
	ID       string `json:"id"`
	Balance  string `json:"balance"`
	Currency string `json:"currency"`
	Status   int    `json:"status"`
	Found    bool   `json:"found"`
	// Limits are the quota's usage restrictions (services, regions...), as BSS gave them.
	Limits []bss.LimitInfo `json:"limits,omitempty"`
}

func factsOf(r bss.Resource) resourceFacts {
	return resourceFacts{ID: r.ResourceID, Desc: lang.Describe(r), Expiry: r.ExpireTime.Time, Status: r.Status, AutoRenew: r.AutoRenew(), Region: r.RegionCode, Policy: r.ExpirePolicy}
}

// actor is the caller as the store records them.
func (c *Call) actor() store.Actor {
	return store.Actor{Platform: c.Req.Platform, UserID: c.Req.UserID, UserName: c.Req.UserName, Channel: c.Req.Channel}
}

// target is a resource an action is about: its customer, itself and its attached resources.
type target struct {
	customer bss.Customer
	res      bss.Resource
	attached []bss.Resource
}

// lookupResource finds which customer owns a resource (from --customer, the owner index the
// store keeps, or by asking each customer), then the resource and its attached resources.
func (c *Call) lookupResource(ctx context.Context, id string) (target, error) {
	if err := c.checkID("resource-id", id); err != nil {
		return target{}, err
	}
	var cu bss.Customer
	if hint, ok := c.Flag("customer"); ok {
		var err error
		if cu, err = c.oneCustomer(ctx, hint); err != nil {
			return target{}, err
		}
	} else if owner, ok, err := c.r.store.Owner(ctx, id); err != nil {
		return target{}, err
	} else if ok {
		p, err := c.r.bss.ListCustomers(ctx, bss.CustomerFilter{CustomerID: owner}, 0, 1)
		if err != nil {
			return target{}, c.bssError(err)
		}
		if len(p.Customers) > 0 {
			cu = p.Customers[0]
		}
	}
	if cu.ID == "" {
		found, err := c.findOwner(ctx, id)
		if err != nil {
			return target{}, err
		}
		cu = found
	}
	if cu.ID == "" {
		return target{}, &userError{text: c.Lang.T("err.no_resource", id), result: "not-found"}
	}
	rs, err := c.r.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID})
	if err != nil {
		return target{}, c.bssError(err)
	}
	c.remember(ctx, cu.ID, rs)
	t := target{customer: cu}
	for _, r := range rs {
		if r.ResourceID == id {
			t.res = r
		}
	}
	if t.res.ResourceID == "" {
		return target{}, &userError{text: c.Lang.T("err.no_resource", id), result: "not-found"}
	}
	for _, r := range rs {
		if !r.IsMain() && r.ParentResourceID == id {
			t.attached = append(t.attached, r)
		}
	}
	return t, nil
}

// findOwner asks every customer whether it has the resource, a few at a time.
func (c *Call) findOwner(ctx context.Context, id string) (bss.Customer, error) {
	var custs []bss.Customer
	for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{}) {
		if err != nil {
			return bss.Customer{}, c.bssError(err)
		}
		custs = append(custs, cu)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		found    bss.Customer
		wg       sync.WaitGroup
		fails    int
		firstErr error
	)
	sem := make(chan struct{}, c.r.opts.Concurrency)
	for _, cu := range custs {
		mu.Lock()
		done := found.ID != ""
		mu.Unlock()
		if done || ctx.Err() != nil {
			break
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			p, err := c.r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: cu.ID, ResourceIDs: []string{id}}, 0, 1)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				if ctx.Err() == nil {
					fails++
					if firstErr == nil {
						firstErr = err
					}
				}
				return
			}
			if p.TotalCount > 0 && found.ID == "" {
				found = cu
				cancel()
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil && found.ID == "" {
		return bss.Customer{}, err
	}
	if found.ID == "" && fails > 0 {
		// The first failure says why (throttling, say); the count says how much is unknown.
		return bss.Customer{}, c.bssError(fmt.Errorf("%d customer queries failed while looking for resource %s: %w", fails, id, firstErr))
	}
	if found.ID != "" {
		c.remember(ctx, found.ID, []bss.Resource{{ResourceID: id}})
	}
	return found, nil
}

// remember records which customer owns rs, so that later actions need not search for them.
func (c *Call) remember(ctx context.Context, customerID string, rs []bss.Resource) {
	if c.r.store == nil || len(rs) == 0 {
		return
	}
	owners := make(map[string]string, len(rs))
	for _, r := range rs {
		owners[r.ResourceID] = customerID
	}
	if err := c.r.store.RememberOwners(context.WithoutCancel(ctx), owners); err != nil {
		c.r.log.WarnContext(ctx, "could not remember resource owners", "error", err)
	}
}

func (c *Call) checkID(arg, id string) error {
	if err := c.checkText(arg, id); err != nil {
		return err
	}
	if strings.TrimSpace(id) == "" || len([]rune(id)) > bss.MaxIDLen || strings.ContainsAny(id, "/?#%") {
		return c.fail("err.bad_id", arg, bss.MaxIDLen, id)
	}
	return nil
}

// file stores the request and tells the approvers; it returns the requester's reply.
func (c *Call) file(ctx context.Context, kind string, p actionParams, pv preview, subjects []string) (chat.Reply, error) {
	params, err := json.Marshal(p)
	if err != nil {
		return chat.Reply{}, err
	}
	pvj, err := json.Marshal(pv)
	if err != nil {
		return chat.Reply{}, err
	}
	a, err := c.r.store.CreateApproval(ctx, store.Approval{
		Action: kind, Params: params, Preview: pvj, CustomerID: pv.CustomerID, Subjects: subjects,
		Requester: c.actor(), Needed: c.r.opts.Approvals, ExpiresAt: c.now.Add(c.r.opts.ExpireAfter),
	}, elsewhere(c.actor(), c.r.newRequestNotices))
	if errors.Is(err, store.ErrDuplicate) {
		return chat.Reply{}, c.storeError(0, err) // it names the open request
	}
	if err != nil {
		return chat.Reply{}, err
	}
	rep := c.r.renderApproval(c.Lang, c.r.loc, c.now, a)
	rep.Text = c.Lang.T("act.filed", a.ID, a.Needed, c.stamp(a.ExpiresAt)) + "\n" + rep.Text
	// Cancel settles the request this reply shows, as Approve and Reject do: the click updates it.
	rep.Buttons = []chat.Button{{Label: c.Lang.T("btn.cancel"), Command: cmdline.Cancel(a.ID), Decides: true}}
	if c.Req.Platform != "console" && c.Req.Platform+":"+c.Req.Channel == c.r.opts.ApprovalsChannel {
		// Filed in the approvals channel: this reply is the approvers' request there (no
		// second message), with their buttons; the store refuses the requester's own approval,
		// and the requester cancels with the command the reply names.
		rep.Text = c.Lang.T("act.new_request", c.r.nameOf(a.Requester), a.ID) + "\n" + rep.Text
		rep.Buttons = approveButtons(c.Lang, a.ID)
	}
	return rep, nil
}

func runRenew(ctx context.Context, c *Call) (chat.Reply, error) {
	period := bss.Period{Type: bss.PeriodMonth, Num: 1}
	if a := c.Arg(1); a != "" {
		var ok bool
		if period, ok = ParsePeriod(a); !ok {
			return chat.Reply{}, c.fail("err.bad_period", a)
		}
	}
	_, autopay := c.Flag("autopay")
	t, err := c.lookupResource(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	if !t.res.IsMain() {
		return chat.Reply{}, c.fail("err.not_main", t.res.ResourceID, t.res.ParentResourceID)
	}
	if t.res.Status == bss.StatusClosed {
		return chat.Reply{}, c.fail("err.closed", t.res.ResourceID)
	}
	// Huawei renews only for real-name verified customers: say so before filing, and file only
	// when asked again with --anyway.
	if _, anyway := c.Flag("anyway"); !anyway && t.customer.Unverified() {
		unit := "m"
		if period.Type == bss.PeriodYear {
			unit = "y"
		}
		again := fmt.Sprintf("/renew %s %d%s --anyway", cmdline.Quote(t.res.ResourceID), period.Num, unit)
		if autopay {
			again += " --autopay"
		}
		if cu, ok := c.Flag("customer"); ok {
			again += " --customer " + cmdline.Quote(cu)
		}
		return chat.Reply{Text: c.Lang.T("renew.unverified", lang.CustomerName(t.customer), lang.VerifiedText(c.Lang, t.customer.VerifiedStatus), again),
			Buttons: []chat.Button{{Label: c.Lang.T("btn.renew_anyway"), Command: again}}}, nil
	}
	price, err := c.r.bss.RenewPrice(ctx, t.customer.Ref(), bss.RenewPriceRequest{ResourceIDs: []string{t.res.ResourceID}, Period: period, IncludeRelatives: true})
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	if len(price.Failed) > 0 {
		f := price.Failed[0]
		return chat.Reply{}, c.fail("err.cannot_renew", t.res.ResourceID, f.ErrorCode+" "+f.ErrorMsg)
	}
	main := factsOf(t.res)
	pv := preview{CustomerName: lang.CustomerName(t.customer), CustomerID: t.customer.ID, Main: &main, NewExpiry: renewedExpiry(t.res.ExpireTime.Time, period),
		Period: &period, AutoPay: autopay, Official: price.Official.Amount.Exact(), Currency: price.Currency}
	if amount, ok := price.AmountOf(t.res.ResourceID); ok {
		pv.Renewal = amount.Exact()
	}
	if d, ok := bestDiscount(price.Discounts); ok {
		pv.Best, pv.BestName, pv.BestType = d.Amount.Exact(), firstNonEmpty(d.DiscountName, d.DiscountID), int(d.DiscountType)
	} else {
		pv.NoDiscount = true
	}
	for _, a := range t.attached {
		pv.Attached = append(pv.Attached, factsOf(a))
	}
	p := actionParams{Customer: t.customer.Ref(), ResourceID: t.res.ResourceID, Period: &period, AutoPay: autopay,
		PrevExpiry: t.res.ExpireTime.Time, PrevPolicy: t.res.ExpirePolicy}
	return c.file(ctx, actRenew, p, pv, []string{t.res.ResourceID})
}

// bestDiscount is the optional discount BSS marks best_offer, or else the cheapest; ok is false
// when BSS offered none (the answer then has no optional_discount_rating_results at all).
func bestDiscount(ds []bss.DiscountRating) (bss.DiscountRating, bool) {
	var best bss.DiscountRating
	found := false
	for _, d := range ds {
		if d.BestOffer == 1 {
			return d, true
		}
		if !found || d.Amount.Cmp(best.Amount) < 0 {
			best, found = d, true
		}
	}
	return best, found
}

func runUnsubscribe(ctx context.Context, c *Call) (chat.Reply, error) {
	reason := strings.Join(c.Inv.Args[1:], " ")
	if n := len([]rune(reason)); n > bss.MaxReasonLen {
		return chat.Reply{}, c.fail("err.too_long", "reason", bss.MaxReasonLen, n)
	}
	t, err := c.lookupResource(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	if !t.res.IsMain() {
		return chat.Reply{}, c.fail("err.not_main", t.res.ResourceID, t.res.ParentResourceID)
	}
	main := factsOf(t.res)
	pv := preview{CustomerName: lang.CustomerName(t.customer), CustomerID: t.customer.ID, Main: &main, Reason: reason}
	for _, a := range t.attached {
		pv.Attached = append(pv.Attached, factsOf(a))
	}
	p := actionParams{Customer: t.customer.Ref(), ResourceID: t.res.ResourceID, Reason: reason,
		PrevExpiry: t.res.ExpireTime.Time, PrevPolicy: t.res.ExpirePolicy}
	return c.file(ctx, actUnsubscribe, p, pv, []string{t.res.ResourceID})
}

func runAutoRenew(ctx context.Context, c *Call) (chat.Reply, error) {
	var on bool
	switch strings.ToLower(c.Arg(0)) {
	case "on", "开", "开启", "enable":
		on = true
	case "off", "关", "关闭", "disable":
	default:
		return chat.Reply{}, c.fail("err.on_off", c.Arg(0))
	}
	t, err := c.lookupResource(ctx, c.Arg(1))
	if err != nil {
		return chat.Reply{}, err
	}
	if !t.res.IsMain() {
		return chat.Reply{}, c.fail("err.not_main", t.res.ResourceID, t.res.ParentResourceID)
	}
	if t.res.AutoRenew() == on {
		return chat.Reply{}, c.fail("err.autorenew_already", t.res.ResourceID, c.onOff(on))
	}
	if on && (t.res.Status == bss.StatusExpired || t.res.Status == bss.StatusFrozen || t.res.Status == bss.StatusClosed) {
		return chat.Reply{}, c.fail("err.autorenew_status", t.res.ResourceID, c.enum("res.status", t.res.Status))
	}
	main := factsOf(t.res)
	pv := preview{CustomerName: lang.CustomerName(t.customer), CustomerID: t.customer.ID, Main: &main, AutoRenewTo: &on}
	for _, a := range t.attached {
		pv.Attached = append(pv.Attached, factsOf(a))
	}
	p := actionParams{Customer: t.customer.Ref(), ResourceID: t.res.ResourceID, On: on,
		PrevExpiry: t.res.ExpireTime.Time, PrevPolicy: t.res.ExpirePolicy}
	return c.file(ctx, actAutoRenew, p, pv, []string{t.res.ResourceID})
}

func runReclaim(ctx context.Context, c *Call) (chat.Reply, error) {
	ids := c.Inv.Args
	if len(ids) > bss.MaxQuotaIDs {
		return chat.Reply{}, c.fail("err.too_many_quotas", bss.MaxQuotaIDs, len(ids))
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if err := c.checkID("quota-id", id); err != nil {
			return chat.Reply{}, err
		}
		if seen[id] {
			return chat.Reply{}, c.fail("err.duplicate", id)
		}
		seen[id] = true
	}
	var remark *string
	if v, ok := c.Flag("remark"); ok {
		if n := len([]rune(v)); n > bss.MaxRemarkLen {
			return chat.Reply{}, c.fail("err.too_long", "remark", bss.MaxRemarkLen, n)
		}
		remark = &v
	}
	// The quota type filter defaults to cash-coupon quotas: ask for both kinds.
	byID := map[string]bss.Quota{}
	for _, qt := range []int{bss.QuotaTypeCashCoupon, bss.QuotaTypeFlexiPurchase} {
		page, err := c.r.bss.ListQuotas(ctx, bss.QuotaFilter{QuotaIDs: ids, QuotaType: &qt}, 0, bss.MaxQuotaIDs)
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		for _, q := range page.Quotas {
			byID[q.QuotaID] = q
		}
		if len(byID) == len(ids) {
			break
		}
	}
	pv := preview{Remark: remark}
	for _, id := range ids {
		q, ok := byID[id]
		if !ok {
			return chat.Reply{}, c.fail("err.no_quota", id)
		}
		pv.Quotas = append(pv.Quotas, quotaFacts{ID: id, Balance: q.Balance.Exact(), Currency: q.Currency, Status: q.QuotaStatus, Found: true, Limits: q.LimitInfos})
	}
	return c.file(ctx, actReclaim, actionParams{QuotaIDs: ids, Remark: remark}, pv, ids)
}

// requestID reads "12" or "#12".
func (c *Call) requestID(s string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "#"), "＃"), 10, 64)
	if err != nil || id == 0 {
		return 0, c.fail("err.bad_request_id", s)
	}
	return id, nil
}

// storeError words the approval store's refusals.
func (c *Call) storeError(id uint64, err error) error {
	var se *store.StateError
	var de *store.DuplicateError
	switch {
	case errors.As(err, &de):
		kind := c.Lang.T("act.resource")
		switch de.Action {
		case actReclaim:
			kind = c.Lang.T("act.quota")
		case actTopUp, actReclaimBalance, actCoupon, actBudget:
			kind = c.Lang.T("price.customer")
		case actCouponReclaim:
			kind = c.Lang.T("act.money_coupon")
		}
		return &userError{text: c.Lang.T("err.open_request", kind, de.Subject, c.Lang.T("action."+de.Action), de.ExistingID, de.ExistingID), result: "invalid"}
	case errors.Is(err, store.ErrNotFound):
		return &userError{text: c.Lang.T("err.no_request", id), result: "not-found"}
	case errors.Is(err, store.ErrSelfApproval):
		return &userError{text: c.Lang.T("err.self_approval", id), result: "denied"}
	case errors.Is(err, store.ErrAlreadyDecided):
		return &userError{text: c.Lang.T("err.already_approved", id), result: "invalid"}
	case errors.Is(err, store.ErrExpired):
		return &userError{text: c.Lang.T("err.expired", id), result: "invalid"}
	case errors.Is(err, store.ErrNotRequester):
		return &userError{text: c.Lang.T("err.not_requester", id), result: "denied"}
	case errors.As(err, &se):
		return &userError{text: c.Lang.T("err.wrong_state", id, c.Lang.T("state."+string(se.Have))), result: "invalid"}
	}
	return err
}

func runApprove(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := c.requestID(c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	a, err := c.r.store.Approval(ctx, id)
	if err != nil {
		return chat.Reply{}, c.storeError(id, err)
	}
	if a.State == store.StatePending {
		if a, err = c.r.store.Approve(ctx, id, c.actor(), elsewhere(c.actor(), c.r.decisionNotices)); err != nil {
			return chat.Reply{}, c.storeError(id, err)
		}
		if a.State == store.StatePending {
			rep := c.r.renderApproval(c.Lang, c.r.loc, c.now, a)
			rep.Text = c.Lang.T("act.approved_partly", id, len(a.Approvals), a.Needed) + "\n" + rep.Text
			// Still pending: the others who must approve keep the buttons where a click
			// replaces the message.
			rep.Buttons = approveButtons(c.Lang, a.ID)
			return rep, nil
		}
	} else if a.State == store.StateApproved && a.Requester.Key() == c.actor().Key() {
		return chat.Reply{}, c.storeError(id, store.ErrSelfApproval)
	}
	// Approved (now, or earlier and interrupted before it ran): run it, exactly once.
	a, err = c.r.execute(ctx, a, c.actor())
	if err != nil {
		return chat.Reply{}, c.storeError(id, err)
	}
	rep := c.r.renderApproval(c.Lang, c.r.loc, c.now, a)
	if a.State == store.StateExecuting {
		rep.Text = "⏳ " + c.Lang.T("act.checking", c.r.opts.SettleAfter.String()) + "\n" + rep.Text
		rep.Error = true
	}
	return rep, nil
}

func runReject(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := c.requestID(c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	reason := strings.Join(c.Inv.Args[1:], " ")
	if n := len([]rune(reason)); n > bss.MaxReasonLen {
		return chat.Reply{}, c.fail("err.too_long", "reason", bss.MaxReasonLen, n)
	}
	a, err := c.r.store.Reject(ctx, id, c.actor(), reason, elsewhere(c.actor(), c.r.decisionNotices))
	if err != nil {
		return chat.Reply{}, c.storeError(id, err)
	}
	return c.r.renderApproval(c.Lang, c.r.loc, c.now, a), nil
}

func runCancel(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := c.requestID(c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	a, err := c.r.store.Cancel(ctx, id, c.actor(), elsewhere(c.actor(), c.r.decisionNotices))
	if err != nil {
		return chat.Reply{}, c.storeError(id, err)
	}
	return c.r.renderApproval(c.Lang, c.r.loc, c.now, a), nil
}

func runRequest(ctx context.Context, c *Call) (chat.Reply, error) {
	id, err := c.requestID(c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	a, err := c.r.store.Approval(ctx, id)
	if err != nil {
		return chat.Reply{}, c.storeError(id, err)
	}
	rep := c.r.renderApproval(c.Lang, c.r.loc, c.now, a)
	if a.State == store.StatePending && c.Role.Allows(chat.RoleApprover) && a.Requester.Key() != c.actor().Key() && !a.ApprovedBy(c.actor().Key()) {
		rep.Buttons = approveButtons(c.Lang, a.ID)
	}
	return rep, nil
}

func runPending(ctx context.Context, c *Call) (chat.Reply, error) {
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	all, err := c.r.store.ListApprovals(ctx, store.ApprovalFilter{States: []store.ApprovalState{store.StatePending, store.StateApproved, store.StateExecuting},
		Limit: store.MaxApprovalLimit})
	if err != nil {
		return chat.Reply{}, err
	}
	me := c.actor().Key()
	var mine []store.Approval
	for _, a := range all {
		switch {
		case c.Role == chat.RoleAdmin:
		case c.Role == chat.RoleApprover && a.Requester.Key() != me && !a.ApprovedBy(me):
		case a.Requester.Key() == me:
		default:
			continue
		}
		mine = append(mine, a)
	}
	rep := chat.Reply{Title: c.Lang.T("pending.title")}
	if len(mine) == 0 {
		rep.Text = c.Lang.T("pending.none")
		return rep, nil
	}
	lo, hi, pages, err := c.pageRange(len(mine), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{"#", c.Lang.T("pending.col.action"), c.Lang.T("pending.col.subject"), c.Lang.T("pending.col.requester"),
		c.Lang.T("pending.col.state"), c.Lang.T("pending.col.expires")}}
	for _, a := range mine[lo:hi] {
		t.Rows = append(t.Rows, []string{strconv.FormatUint(a.ID, 10), c.Lang.T("action." + a.Action), subjectOf(a),
			c.r.nameOf(a.Requester), fmt.Sprintf("%s (%d/%d)", c.Lang.T("state."+string(a.State)), len(a.Approvals), a.Needed), c.stamp(a.ExpiresAt)})
		if len(rep.Buttons) < 5 {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: "#" + strconv.FormatUint(a.ID, 10), Command: "/request " + strconv.FormatUint(a.ID, 10)})
		}
	}
	rep.Table = t
	c.pager(&rep, "/pending", page, pages, len(mine))
	return rep, nil
}

// approveButtons are a request's Approve and Reject: each click decides it, so the adapters update
// the request's message with the outcome.
func approveButtons(l lang.Lang, id uint64) []chat.Button {
	return []chat.Button{
		{Label: l.T("btn.approve"), Command: cmdline.Approve(id), Style: "primary", Decides: true},
		{Label: l.T("btn.reject"), Command: cmdline.Reject(id), Style: "danger", Decides: true},
	}
}

func (c *Call) onOff(on bool) string {
	if on {
		return c.Lang.T("lbl.on")
	}
	return c.Lang.T("lbl.off")
}
