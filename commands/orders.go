package commands

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// orderStatuses maps the words people type to the order statuses ListCustomerOrders filters on
// (bss-api.md, Corrections): 1 review, 3 processing, 4 cancelled, 5 completed, 6 pending
// payment, 9 pending confirmation. Other statuses (2 pending refund, 10–13 delivery) appear in
// answers only, so they are refused rather than sent.
var orderStatuses = map[string]int{
	"review": 1, "待审核": 1,
	"processing": 3, "处理中": 3,
	"cancelled": 4, "canceled": 4, "已取消": 4,
	"completed": 5, "paid": 5, "done": 5, "已完成": 5,
	"pending": 6, "unpaid": 6, "待支付": 6,
	"confirm": 9, "待确认": 9,
}

// orderStatusChoices is how a refusal lists the statuses that can be filtered on.
const orderStatusChoices = "review (1), processing (3), cancelled (4), completed (5), pending (6), confirm (9)"

func (c *Call) orderStatus(s string) (int, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if n, ok := orderStatuses[s]; ok {
		return n, nil
	}
	if n, err := parseInt(s); err == nil {
		for _, v := range orderStatuses {
			if v == n {
				return n, nil
			}
		}
	}
	return 0, c.fail("err.bad_status", s, orderStatusChoices)
}

func runOrders(ctx context.Context, c *Call) (chat.Reply, error) {
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	f := bss.OrderFilter{OrderBy: "-createTime"}
	statusArg := ""
	if s, ok := c.Flag("status"); ok {
		if f.Status, err = c.orderStatus(s); err != nil {
			return chat.Reply{}, err
		}
		statusArg = " --status " + strconvItoa(f.Status)
	}
	cu, err := c.oneCustomer(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	f.CustomerID = cu.ID
	size := c.r.opts.PageSize
	p, err := c.r.bss.ListOrders(ctx, f, (page-1)*size, size)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	rep := chat.Reply{Title: c.Lang.T("orders.title", lang.CustomerName(cu))}
	if p.TotalCount == 0 {
		rep.Text = c.Lang.T("orders.none")
		return rep, nil
	}
	_, _, pages, err := c.pageRange(p.TotalCount, page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("orders.col.id"), c.Lang.T("orders.col.type"), c.Lang.T("orders.col.status"),
		c.Lang.T("orders.col.amount"), c.Lang.T("orders.col.time")}}
	for _, o := range p.Orders {
		t.Rows = append(t.Rows, []string{o.OrderID, c.enum("otype", o.OrderType), c.enum("ostatus", o.Status),
			lang.Money(o.AmountAfterDiscount, o.Currency), c.stamp(o.CreateTime.Time)})
	}
	rep.Table = t
	c.pager(&rep, "/orders "+cu.ID+statusArg, page, pages, p.TotalCount)
	return rep, nil
}

func runOrder(ctx context.Context, c *Call) (chat.Reply, error) {
	id := c.Arg(0)
	if err := c.checkID("order-id", id); err != nil {
		return chat.Reply{}, err
	}
	d, err := c.r.bss.OrderDetail(ctx, id)
	if errors.Is(err, bss.ErrNotFound) {
		c.bssError(err)
		return chat.Reply{}, &userError{text: c.Lang.T("err.no_order", id), result: "not-found"}
	}
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	o := d.Order
	rep := chat.Reply{Title: c.Lang.T("order.title", o.OrderID), Fields: []chat.Field{
		{Label: c.Lang.T("order.customer"), Value: o.CustomerID},
		{Label: c.Lang.T("orders.col.type"), Value: c.enum("otype", o.OrderType)},
		{Label: c.Lang.T("orders.col.status"), Value: c.enum("ostatus", o.Status)},
		{Label: c.Lang.T("order.service"), Value: orDash(firstNonEmpty(o.ServiceTypeName, o.ServiceTypeCode))},
		{Label: c.Lang.T("order.official"), Value: lang.Money(o.OfficialAmount, o.Currency)},
		{Label: c.Lang.T("order.paid"), Value: lang.Money(o.AmountAfterDiscount, o.Currency)},
		{Label: c.Lang.T("orders.col.time"), Value: c.stamp(o.CreateTime.Time)},
		{Label: c.Lang.T("order.paid_at"), Value: c.stamp(o.PaymentTime.Time)},
	}}
	if len(d.LineItems) > 0 {
		t := &chat.Table{Columns: []string{c.Lang.T("order.col.product"), c.Lang.T("order.col.period"), c.Lang.T("order.col.qty"), c.Lang.T("orders.col.amount")}}
		for _, li := range d.LineItems {
			period := c.Lang.T("period.5")
			if li.PeriodType != 5 {
				period = c.Lang.T("period."+strconv.Itoa(li.PeriodType), li.PeriodNum)
			}
			t.Rows = append(t.Rows, []string{orDash(firstNonEmpty(li.ProductSpecDesc, li.ProductID)), period,
				strconv.Itoa(li.SubscriptionNum), lang.Money(li.AmountAfterDiscount, firstNonEmpty(li.Currency, o.Currency))})
		}
		rep.Table = t
	}
	rep.Buttons = []chat.Button{{Label: c.Lang.T("btn.orders"), Command: "/orders " + o.CustomerID}}
	return rep, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}
