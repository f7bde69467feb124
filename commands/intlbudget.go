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

// On the international site /budget is BSS's own sub-customer budget, not the store's:
// /budget CUSTOMER reads it (ShowSubCustomerBudget), and /budget CUSTOMER AMOUNT files a
// request that, once approved, sets it (UpdateSubCustomerBudget) — money a customer may spend,
// so four eyes, like a top-up on the China site.

// actBudget is the approval kind that sets a sub-customer budget.
const actBudget = "budget"

// budgetFacts is what a budget request shows: the budget as BSS had it, and the target.
type budgetFacts struct {
	Now      string `json:"now,omitempty"` // "" = none set
	Used     string `json:"used,omitempty"`
	To       string `json:"to"`
	Currency string `json:"currency,omitempty"`
}

func runIntlBudget(ctx context.Context, c *Call) (chat.Reply, error) {
	args := c.Inv.Args
	if len(args) == 0 {
		return chat.Reply{Text: c.Lang.T("budget.intl_how")}, nil
	}
	if len(args) == 1 {
		cu, err := c.oneCustomer(ctx, args[0])
		if err != nil {
			return chat.Reply{}, err
		}
		b, err := c.r.bss.SubCustomerBudget(ctx, cu.ID, "")
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		rep := chat.Reply{Title: c.Lang.T("budget.intl_title", lang.CustomerName(cu))}
		if b.BudgetAmount == nil {
			rep.Text = c.Lang.T("budget.intl_none", lang.CustomerName(cu))
			return rep, nil
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("budget.col.amount"), Value: lang.Money(*b.BudgetAmount, b.Currency)})
		if b.UsedAmount != nil {
			rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("budget.intl_used"), Value: lang.Money(*b.UsedAmount, b.Currency)})
		}
		rep.Footer = c.Lang.T("budget.intl_note")
		return rep, nil
	}
	last := args[len(args)-1]
	if slices.Contains(budgetOff, strings.ToLower(last)) {
		return chat.Reply{}, c.fail("err.budget_intl_off")
	}
	amount, err := c.parseYuan("amount", last)
	if err != nil {
		return chat.Reply{}, err
	}
	cu, err := c.oneCustomer(ctx, strings.Join(args[:len(args)-1], " "))
	if err != nil {
		return chat.Reply{}, err
	}
	b, err := c.r.bss.SubCustomerBudget(ctx, cu.ID, "")
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	f := budgetFacts{To: amount.Exact(), Currency: b.Currency}
	if b.BudgetAmount != nil {
		if b.BudgetAmount.Cmp(amount) == 0 {
			return chat.Reply{}, c.fail("err.budget_same", lang.CustomerName(cu), lang.Money(amount, b.Currency))
		}
		f.Now = b.BudgetAmount.Exact()
	}
	if b.UsedAmount != nil {
		f.Used = b.UsedAmount.Exact()
	}
	pv := preview{CustomerName: lang.CustomerName(cu), CustomerID: cu.ID, Budget: &f}
	p := actionParams{Customer: cu.Ref(), Budget: amount.Exact()}
	return c.file(ctx, actBudget, p, pv, []string{cu.ID})
}

// performBudget makes the approved request's one UpdateSubCustomerBudget call.
func (r *Router) performBudget(ctx context.Context, a store.Approval, p actionParams) *store.ApprovalResult {
	amount, err := bss.ParseAmount(p.Budget)
	if err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Detail: "stored budget is unreadable: " + err.Error()}
	}
	err = r.bss.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: p.Customer.ID, Amount: amount})
	if errors.Is(err, bss.ErrUnknownOutcome) {
		r.log.WarnContext(ctx, "budget: outcome unknown; reconciling from BSS state", "request", a.ID, "error", err)
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
	return &store.ApprovalResult{OK: true, Detail: wordedDetail("act.budget_done", amount.Exact())}
}

// settleBudget reads the budget back: the target, which it was not when the request was filed,
// is this request's doing.
func (r *Router) settleBudget(ctx context.Context, p actionParams) *store.ApprovalResult {
	want, err := bss.ParseAmount(p.Budget)
	if err != nil {
		return &store.ApprovalResult{NeedsAttention: true, Reconciled: true, Detail: "stored budget is unreadable"}
	}
	b, err := r.bss.SubCustomerBudget(ctx, p.Customer.ID, "")
	if err != nil {
		return nil
	}
	if b.BudgetAmount != nil && b.BudgetAmount.Cmp(want) == 0 {
		return &store.ApprovalResult{OK: true, Reconciled: true, Detail: wordedDetail("act.budget_done", want.Exact())}
	}
	return r.noTrace()
}

// budgetFields shows a budget request: the budget now and the one asked for.
func budgetFields(c *Call, f *budgetFacts, rep *chat.Reply) {
	if f == nil {
		return
	}
	l := c.Lang
	money := func(s string) string {
		a, _ := bss.ParseAmount(s)
		return lang.Money(a, f.Currency)
	}
	now := l.T("budget.intl_unset")
	if f.Now != "" {
		now = money(f.Now)
	}
	rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.budget_now"), Value: now})
	if f.Used != "" {
		rep.Fields = append(rep.Fields, chat.Field{Label: l.T("budget.intl_used"), Value: money(f.Used)})
	}
	rep.Fields = append(rep.Fields, chat.Field{Label: l.T("act.budget_new"), Value: money(f.To)})
}
