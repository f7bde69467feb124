package commands

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// runToOnDemand files a request to switch one customer's main resources to pay-per-use at
// expiry (UpdatePeriodToOnDemand, SET_UP); the preview shows each one's expire policy now.
func runToOnDemand(ctx context.Context, c *Call) (chat.Reply, error) {
	ids := c.Inv.Args
	seen := map[string]bool{}
	for _, id := range ids {
		if err := c.checkID("resource-id", id); err != nil {
			return chat.Reply{}, err
		}
		if seen[id] {
			return chat.Reply{}, c.fail("err.duplicate", id)
		}
		seen[id] = true
	}
	var (
		first bss.Customer
		pv    preview
		p     actionParams
	)
	for i, id := range ids {
		t, err := c.lookupResource(ctx, id)
		if err != nil {
			return chat.Reply{}, err
		}
		if i == 0 {
			first = t.customer
		} else if t.customer.ID != first.ID {
			return chat.Reply{}, c.fail("err.ondemand_customers", ids[0], id)
		}
		// One rule with the release-countdown alert's button (bss.Resource.ToOnDemandBlock).
		switch t.res.ToOnDemandBlock() {
		case bss.ToOnDemandAttached:
			return chat.Reply{}, c.fail("err.not_main", t.res.ResourceID, t.res.ParentResourceID)
		case bss.ToOnDemandAlready:
			return chat.Reply{}, c.fail("err.ondemand_already", t.res.ResourceID)
		case bss.ToOnDemandAutoRenew:
			return chat.Reply{}, c.fail("err.ondemand_autorenew", t.res.ResourceID, t.res.ResourceID)
		case bss.ToOnDemandStatus:
			return chat.Reply{}, c.fail("err.ondemand_status", t.res.ResourceID, c.enum("res.status", t.res.Status))
		}
		pv.Resources = append(pv.Resources, factsOf(t.res))
		for _, a := range t.attached {
			pv.Attached = append(pv.Attached, factsOf(a))
		}
		p.ResourceIDs = append(p.ResourceIDs, t.res.ResourceID)
	}
	pv.CustomerName, pv.CustomerID = lang.CustomerName(first), first.ID
	p.Customer = first.Ref()
	return c.file(ctx, actOnDemand, p, pv, p.ResourceIDs)
}

// performOnDemand makes the approved request's one UpdatePeriodToOnDemand call. Resources the
// answer names as failed are reported; when some switched and some did not, the request
// succeeded in part and a person must look.
func (r *Router) performOnDemand(ctx context.Context, a store.Approval, p actionParams) *store.ApprovalResult {
	res, err := r.bss.UpdatePeriodToOnDemand(ctx, p.Customer, bss.ToOnDemandSet, p.ResourceIDs)
	if errors.Is(err, bss.ErrUnknownOutcome) {
		r.log.WarnContext(ctx, "switch to pay-per-use: outcome unknown; reconciling from BSS state", "request", a.ID, "error", err)
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
	done := res.Succeeded(p.ResourceIDs)
	if len(res.Failed) == 0 {
		return &store.ApprovalResult{OK: true, Detail: wordedDetail("act.ondemand_done", strings.Join(done, ", "))}
	}
	var failed []string
	for _, f := range res.Failed {
		failed = append(failed, strings.TrimSpace(f.ID+": "+f.ErrorCode+" "+f.ErrorMsg))
	}
	if len(done) == 0 {
		return &store.ApprovalResult{ErrorCode: res.Failed[0].ErrorCode, Detail: strings.Join(failed, "; ")}
	}
	return &store.ApprovalResult{OK: true, NeedsAttention: true, ErrorCode: res.Failed[0].ErrorCode,
		Detail: wordedDetail("act.ondemand_partly", strings.Join(done, ", "), strings.Join(failed, "; "))}
}

// settleOnDemand reads the resources' expire policy back from BSS: each that now switches to
// pay-per-use at expiry (which none did when the request was filed) is this request's doing.
func (r *Router) settleOnDemand(ctx context.Context, p actionParams) *store.ApprovalResult {
	if len(p.ResourceIDs) == 0 {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored parameters lack the resources"}
	}
	page, err := r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: p.Customer.ID, ResourceIDs: p.ResourceIDs, OnlyMain: true}, 0, len(p.ResourceIDs))
	if err != nil {
		return nil
	}
	var done, rest []string
	for _, id := range p.ResourceIDs {
		if slices.ContainsFunc(page.Resources, func(res bss.Resource) bool {
			return res.ResourceID == id && res.ExpirePolicy == bss.ExpirePolicyOnDemand
		}) {
			done = append(done, id)
		} else {
			rest = append(rest, id)
		}
	}
	switch {
	case len(rest) == 0:
		return &store.ApprovalResult{OK: true, Reconciled: true, Detail: wordedDetail("act.reconciled_ondemand", strings.Join(done, ", "))}
	case len(done) == 0:
		return r.noTrace()
	}
	return &store.ApprovalResult{OK: true, NeedsAttention: true, Reconciled: true,
		Detail: wordedDetail("act.ondemand_partly", strings.Join(done, ", "), strings.Join(rest, ", "))}
}

// onDemandFields shows what a switch to pay-per-use touches: each main resource with its
// expiry, status and expire policy as the request saw them.
func onDemandFields(c *Call, pv preview, rep *chat.Reply) {
	l := c.Lang
	rep.Text = "ℹ " + l.T("act.ondemand_note")
	t := &chat.Table{Columns: []string{l.T("act.resource"), l.T("act.expiry_now"), l.T("act.ondemand_policy_now")}}
	for _, f := range pv.Resources {
		t.Rows = append(t.Rows, []string{lang.LocalDesc(l, f.Desc) + " (" + f.ID + ")",
			c.when(f.Expiry) + " · " + c.enum("res.status", f.Status), c.enum("policy", f.Policy)})
	}
	rep.Table = t
}
