package commands

import (
	"context"
	"slices"
	"strings"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// /budget keeps a customer's monthly budget in the store; the forecast alerts (kind forecast)
// tell the subscribed channels when this month's spend plus the forecast of the rest of the
// month reaches 75, 90 and 100 % of it. On the international site BSS has sub-customer budgets
// of its own, and /budget reads and (behind approval) sets those instead (intlbudget.go).

// budgetOff are the words that remove a budget.
var budgetOff = []string{"off", "关闭", "取消", "none"}

func runBudget(ctx context.Context, c *Call) (chat.Reply, error) {
	if c.r.bss.Supports(bss.OpUpdateSubCustomerBudget) {
		return runIntlBudget(ctx, c) // the international site keeps budgets itself
	}
	args := c.Inv.Args
	if len(args) == 0 {
		return c.listBudgets(ctx)
	}
	if len(args) == 1 {
		return chat.Reply{}, c.fail("err.budget_usage")
	}
	last := args[len(args)-1]
	q := strings.Join(args[:len(args)-1], " ")
	off := slices.Contains(budgetOff, strings.ToLower(last))
	var amount bss.Amount
	if !off {
		var err error
		if amount, err = c.parseYuan("amount", last); err != nil {
			return chat.Reply{}, err
		}
	}
	cu, err := c.oneCustomer(ctx, q)
	if err != nil {
		return chat.Reply{}, err
	}
	if off {
		ok, err := c.r.store.RemoveBudget(ctx, cu.ID)
		if err != nil {
			return chat.Reply{}, err
		}
		if !ok {
			return chat.Reply{Text: c.Lang.T("budget.none_for", lang.CustomerName(cu))}, nil
		}
		return chat.Reply{Text: c.Lang.T("budget.removed", lang.CustomerName(cu))}, nil
	}
	b := store.Budget{CustomerID: cu.ID, Name: lang.CustomerName(cu), Amount: amount.Exact(), Currency: "CNY",
		By: c.Req.Platform + ":" + c.Req.UserID, At: c.now}
	if err := c.r.store.SetBudget(ctx, b); err != nil {
		return chat.Reply{}, err
	}
	return chat.Reply{Text: c.Lang.T("budget.set", lang.CustomerName(cu), lang.Money(amount, "CNY"))}, nil
}

func (c *Call) listBudgets(ctx context.Context) (chat.Reply, error) {
	bs, err := c.r.store.Budgets(ctx)
	if err != nil {
		return chat.Reply{}, err
	}
	rep := chat.Reply{Title: c.Lang.T("budget.title")}
	if len(bs) == 0 {
		rep.Text = c.Lang.T("budget.none")
		return rep, nil
	}
	t := &chat.Table{Columns: []string{c.Lang.T("budget.col.cust"), c.Lang.T("budget.col.amount"), c.Lang.T("budget.col.by")}}
	for _, b := range bs {
		a, _ := bss.ParseAmount(b.Amount)
		t.Rows = append(t.Rows, []string{orDash(b.Name), lang.Money(a, "CNY"), c.clock(b.At, "2006-01-02") + " " + b.By})
	}
	rep.Table = t
	rep.Text = c.Lang.T("budget.how")
	return rep, nil
}
