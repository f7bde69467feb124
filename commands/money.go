package commands

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Money commands for resale (代售) customers (issue #15): what they spend, the partner's ledger,
// partner coupons and pay-per-use resources (read-only, here), and the top-up, reclaim and
// coupon actions behind approval (moneyactions.go).

// moneyCommands are the money commands, read-only and actions.
func moneyCommands() []*Command {
	reseller := Flag{Name: "reseller", Help: "opt.reseller"}
	page := Flag{Name: "page", Help: "opt.page"}
	return []*Command{
		{Name: "spend", Aliases: []string{"消费"}, Args: "[customer] [--month YYYY-MM] [--page N]", Summary: "sum.spend", Role: chat.RoleViewer,
			MaxArgs: -1, JoinArgs: true, Flags: []Flag{{Name: "month", Help: "opt.month"}, page, reseller},
			Examples: []string{"/spend 张三", "/消费 --month 2026-10", "/spend"}, Run: runSpend},
		{Name: "ledger", Aliases: []string{"流水"}, Args: "[--type topup|reclaim|all] [--days N] [--page N]", Summary: "sum.ledger", Role: chat.RoleApprover,
			MaxArgs: 0, Flags: []Flag{{Name: "type", Help: "opt.ledger_type"}, {Name: "days", Help: "opt.ledger_days"}, page, reseller},
			Examples: []string{"/ledger", "/流水 --type topup --days 7"}, Run: runLedger},
		{Name: "coupons", Aliases: []string{"代金券"}, Args: "<customer> [--page N]", Summary: "sum.coupons", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true, Flags: []Flag{page, reseller},
			Examples: []string{"/coupons 张三", "/代金券 张三"}, Run: runCoupons},
		{Name: "quotas", Aliases: []string{"额度"}, Args: "[--page N]", Summary: "sum.quotas", Role: chat.RoleOperator,
			MaxArgs: 0, Flags: []Flag{page}, Examples: []string{"/quotas", "/额度 --page 1"}, Run: runQuotas},
		{Name: "ondemand", Aliases: []string{"按需资源"}, Args: "<customer> [--page N]", Summary: "sum.ondemand", Role: chat.RoleViewer,
			MinArgs: 1, MaxArgs: -1, JoinArgs: true, Flags: []Flag{page, reseller},
			Examples: []string{"/ondemand 张三", "/按需资源 张三 --page 2"}, Run: runOnDemand},
		{Name: "topup", Aliases: []string{"拨款"}, Args: "<customer> <amount>", Summary: "sum.topup", Role: chat.RoleOperator, Action: true,
			MinArgs: 2, MaxArgs: -1, Flags: []Flag{reseller},
			Examples: []string{"/topup 张三 500", "/拨款 lisi 4026.06"}, Run: runTopUp},
		{Name: "reclaim-balance", Aliases: []string{"回收余额"}, Args: "<customer> <amount>", Summary: "sum.reclaim_balance", Role: chat.RoleOperator, Action: true,
			MinArgs: 2, MaxArgs: -1, Flags: []Flag{reseller},
			Examples: []string{"/reclaim-balance 张三 100", "/回收余额 王芳 100"}, Run: runReclaimBalance},
		{Name: "coupon", Aliases: []string{"发券"}, Args: "<customer>[,customer...] <amount> [--quota Q] [--days N]", Summary: "sum.coupon", Role: chat.RoleOperator, Action: true,
			MinArgs: 2, MaxArgs: -1, Flags: []Flag{{Name: "quota", Help: "opt.quota"}, {Name: "days", Help: "opt.coupon_days"}, reseller},
			Examples: []string{"/coupon 张三 200 --days 90", "/发券 王芳,赵敏 50 --days 30"}, Run: runCoupon},
		{Name: "coupon-reclaim", Aliases: []string{"回收代金券"}, Args: "<coupon-id>", Summary: "sum.coupon_reclaim", Role: chat.RoleOperator, Action: true,
			MinArgs: 1, MaxArgs: 1, Flags: []Flag{reseller},
			Examples: []string{"/coupons 张三", "/coupon-reclaim CP000149e35d6a21"}, Run: runCouponReclaim},
	}
}

// resaleCustomer resolves a customer argument to one resale customer (of the reseller, when
// one is named).
func (c *Call) resaleCustomer(ctx context.Context, q string) (bss.Customer, error) {
	cu, err := c.oneCustomer(ctx, q)
	if err != nil {
		return bss.Customer{}, err
	}
	if cu.AssociationType != bss.AssociationResale {
		return bss.Customer{}, c.fail("err.money_not_resale", lang.CustomerName(cu))
	}
	return cu, nil
}

// amountPattern is what an amount argument may look like once commas, currency signs and
// full-width digits are taken out: whole yuan, with at most two decimals.
var amountPattern = regexp.MustCompile(`^[0-9]+(\.[0-9]{1,2})?$`)

// groupedPattern is an amount whose commas separate thousands: a first group of one to three
// digits (not starting with 0) and groups of exactly three ("1,234.56", "12,345,678"). Any
// other comma (a decimal comma as in "12,34", or "1,23,456") makes the amount ambiguous.
var groupedPattern = regexp.MustCompile(`^[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]*)?$`)

// maxTransfer bounds an amount typed in chat (yuan), far above any real top-up.
const maxTransfer = 1_000_000_000

// parseYuan reads an amount as people type it: 500, 4026.06, 1,000.50, ¥100, 100元, １００.
// A comma is a thousands separator and nothing else; one that is not (12,34 or 0,01, a decimal
// comma) is refused rather than dropped, which would read 12,34 as 1,234.00.
func (c *Call) parseYuan(arg, s string) (bss.Amount, error) {
	t := strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．' || r == '。':
			return '.'
		case r == '，':
			return ','
		case r == '¥' || r == '￥' || r == '元' || r == ' ':
			return -1
		}
		return r
	}, strings.TrimSpace(s))
	t = strings.TrimPrefix(strings.TrimPrefix(t, "CNY"), "cny")
	if strings.Contains(t, ",") {
		if !groupedPattern.MatchString(t) {
			return bss.Amount{}, c.fail("err.amount_comma", arg, s)
		}
		t = strings.ReplaceAll(t, ",", "")
	}
	if !amountPattern.MatchString(t) {
		return bss.Amount{}, c.fail("err.bad_amount", arg, s)
	}
	a, err := bss.ParseAmount(t)
	if err != nil || a.Sign() <= 0 || a.Cmp(bss.NewAmount(maxTransfer, 0)) > 0 {
		return bss.Amount{}, c.fail("err.bad_amount", arg, s)
	}
	return a, nil
}

// spend is what one customer spent in a month: consumption by charge mode, refunds apart.
type spend struct {
	byMode  map[string]bss.Amount // consumption (bill type 0) per charge mode
	refunds bss.Amount            // unsubscriptions and write-offs, negative
	total   bss.Amount            // net
	lines   []bss.BillSum
}

// spendByCustomer sums a month's bill lines per customer.
func spendByCustomer(lines []bss.BillSum) map[string]*spend {
	out := map[string]*spend{}
	for _, b := range lines {
		s := out[b.CustomerID]
		if s == nil {
			s = &spend{byMode: map[string]bss.Amount{}}
			out[b.CustomerID] = s
		}
		if b.Refund() {
			s.refunds = s.refunds.Add(b.Amount)
		} else {
			s.byMode[b.ChargeMode] = s.byMode[b.ChargeMode].Add(b.Amount)
		}
		s.total = s.total.Add(b.Amount)
		s.lines = append(s.lines, b)
	}
	return out
}

// month is the --month flag (YYYY-MM) or this month, in China time as BSS counts cycles.
func (c *Call) month() (string, error) {
	now := bss.Cycle(c.now)
	v, ok := c.Flag("month")
	if !ok {
		return now, nil
	}
	v = strings.TrimSpace(strings.ReplaceAll(v, "/", "-"))
	if t, err := time.Parse("2006-1", v); err == nil {
		v = t.Format("2006-01")
	}
	if _, err := time.Parse("2006-01", v); err != nil || len(v) != 7 || v > now {
		return "", c.fail("err.bad_month", v, now)
	}
	return v, nil
}

// prevMonth is the cycle before m (YYYY-MM).
func prevMonth(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.AddDate(0, -1, 0).Format("2006-01")
}

func (c *Call) modeName(mode string) string {
	switch mode {
	case bss.ChargeModeYearlyMonthly:
		return c.Lang.T("lbl.mode_period")
	case bss.ChargeModeOnDemand:
		return c.Lang.T("lbl.mode_ondemand")
	case bss.ChargeModeSavingsPlan:
		return c.Lang.T("lbl.mode_savings")
	}
	return mode
}

func runSpend(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpListSubcustomerMonthlyBills); err != nil {
		return chat.Reply{}, err
	}
	cycle, err := c.month()
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	if q := c.Arg(0); q != "" {
		cu, reseller, err := c.resaleTarget(ctx, q)
		if err != nil {
			return chat.Reply{}, err
		}
		return c.customerSpend(ctx, cu, cycle, reseller)
	}
	reseller, err := c.resellerID()
	if err != nil {
		return chat.Reply{}, err
	}
	return c.topSpenders(ctx, cycle, reseller, page)
}

// customerSpend is one customer's month: totals by charge mode, refunds apart, and each line.
func (c *Call) customerSpend(ctx context.Context, cu bss.Customer, cycle, reseller string) (chat.Reply, error) {
	all, err := c.r.bss.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: cycle, CustomerID: cu.ID, IndirectPartnerID: reseller})
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	rep := chat.Reply{Title: c.Lang.T("spend.title", lang.CustomerName(cu), cycle), Footer: c.Lang.T("spend.note")}
	base := "/spend " + cu.ID + c.resellerArg(reseller)
	rep.Buttons = []chat.Button{{Label: c.Lang.T("btn.prev_month"), Command: base + " --month " + prevMonth(cycle)}}
	s := spendByCustomer(all.BillSums)[cu.ID]
	if s == nil {
		rep.Text = c.Lang.T("spend.none", cycle)
		return rep, nil
	}
	cur := all.Currency
	for _, mode := range bss.ChargeModes {
		if v, ok := s.byMode[mode]; ok || mode != bss.ChargeModeSavingsPlan {
			rep.Fields = append(rep.Fields, chat.Field{Label: c.modeName(mode), Value: lang.Money(v, cur)})
		}
	}
	if !s.refunds.IsZero() {
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("lbl.refunds"), Value: lang.Money(s.refunds, cur)})
	}
	rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("lbl.spend_total"), Value: lang.Money(s.total, cur)})
	lines := s.lines
	sort.SliceStable(lines, func(i, j int) bool {
		if lines[i].Refund() != lines[j].Refund() {
			return !lines[i].Refund()
		}
		return lines[i].Amount.Cmp(lines[j].Amount) > 0
	})
	t := &chat.Table{Columns: []string{c.Lang.T("spend.col.service"), c.Lang.T("spend.col.mode"), c.Lang.T("spend.col.kind"), c.Lang.T("spend.col.amount")}}
	for _, b := range lines {
		kind := c.Lang.T("lbl.consumption")
		switch b.BillType {
		case bss.BillUnsubscribe:
			kind = c.Lang.T("lbl.refund_unsubscribe")
		case bss.BillWriteOff:
			kind = c.Lang.T("lbl.refund_writeoff")
		}
		svc := c.Lang.BSSName(b.CloudServiceType, b.CloudServiceTypeName)
		if r := c.Lang.BSSName(b.ResourceTypeCode, b.ResourceTypeName); r != "" {
			svc += " · " + r
		}
		t.Rows = append(t.Rows, []string{svc, c.modeName(b.ChargeMode), kind, lang.Money(b.Amount, cur)})
	}
	rep.Table = t
	return rep, nil
}

// topSpenders ranks the month's resale customers by what they spent.
func (c *Call) topSpenders(ctx context.Context, cycle, reseller string, page int) (chat.Reply, error) {
	all, err := c.r.bss.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: cycle, IndirectPartnerID: reseller})
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	byCust := spendByCustomer(all.BillSums)
	rep := chat.Reply{Title: c.Lang.T("spend.top_title", cycle), Footer: c.Lang.T("spend.note")}
	if len(byCust) == 0 {
		rep.Text = c.Lang.T("spend.none", cycle)
		return rep, nil
	}
	names := map[string]bss.Customer{}
	for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{AssociationType: bss.AssociationResale, IndirectPartnerID: reseller}) {
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		names[cu.ID] = cu
	}
	ids := make([]string, 0, len(byCust))
	var total bss.Amount
	for id, s := range byCust {
		ids = append(ids, id)
		total = total.Add(s.total)
	}
	sort.Slice(ids, func(i, j int) bool {
		if d := byCust[ids[i]].total.Cmp(byCust[ids[j]].total); d != 0 {
			return d > 0
		}
		return ids[i] < ids[j]
	})
	cur := all.Currency
	rep.Text = c.Lang.T("spend.top_total", len(ids), lang.Money(total, cur))
	lo, hi, pages, err := c.pageRange(len(ids), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{"#", c.Lang.T("arrears.col.cust"), c.Lang.T("lbl.mode_period"), c.Lang.T("lbl.mode_ondemand"),
		c.Lang.T("lbl.refunds"), c.Lang.T("lbl.spend_total")}}
	for i, id := range ids[lo:hi] {
		s := byCust[id]
		name := id
		if cu, ok := names[id]; ok {
			name = lang.CustomerName(cu)
		}
		t.Rows = append(t.Rows, []string{strconvItoa(lo + i + 1), name, lang.Money(s.byMode[bss.ChargeModeYearlyMonthly], cur),
			lang.Money(s.byMode[bss.ChargeModeOnDemand], cur), lang.Money(s.refunds, cur), lang.Money(s.total, cur)})
		if len(rep.Buttons) < 3 {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("btn.spend_of", name), Command: "/spend " + id + " --month " + cycle + c.resellerArg(reseller)})
		}
	}
	rep.Table = t
	c.pager(&rep, "/spend --month "+cycle+c.resellerArg(reseller), page, pages, len(ids))
	return rep, nil
}

// resellerArg repeats --reseller in a button's command.
func (c *Call) resellerArg(reseller string) string {
	if reseller == "" {
		return ""
	}
	return " --reseller " + reseller
}

// This month's spend of a resale customer, for /customer, where the site has the bill API:
// wantsSpend reports whether /customer shows it, fetchSpend asks BSS for it (three calls, one
// per charge mode) and spendOf makes the field of the answer — a failed query shows as unknown
// rather than failing the whole answer — so that /customer can ask side by side with its other
// parts.
func (c *Call) wantsSpend(cu bss.Customer) bool {
	return cu.AssociationType == bss.AssociationResale && c.r.bss.Supports(bss.OpListSubcustomerMonthlyBills)
}

func (c *Call) fetchSpend(ctx context.Context, cu bss.Customer) (*bss.BillSumPage, error) {
	return c.r.bss.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: bss.Cycle(c.now), CustomerID: cu.ID})
}

func (c *Call) spendOf(cu bss.Customer, all *bss.BillSumPage, err error) chat.Field {
	label := c.Lang.T("lbl.spend_month")
	if err != nil {
		c.bssError(err)
		c.r.log.Warn("this month's spend unknown", "customer", cu.ID, "error", err)
		return chat.Field{Label: label, Value: c.Lang.T("lbl.unknown")}
	}
	var total bss.Amount
	if s := spendByCustomer(all.BillSums)[cu.ID]; s != nil {
		total = s.total
	}
	return chat.Field{Label: label, Value: lang.Money(total, all.Currency)}
}

// Ledger types as typed in /ledger --type.
var ledgerTypes = map[string][]string{
	"topup": {bss.TradeAllocate}, "拨款": {bss.TradeAllocate},
	"reclaim": {bss.TradeRetrieve}, "回收": {bss.TradeRetrieve},
	"all": {""}, "全部": {""},
}

// maxLedgerRecords bounds what /ledger reads of one trade type.
const maxLedgerRecords = 2000

func runLedger(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpListPartnerAccountChangeRecords); err != nil {
		return chat.Reply{}, err
	}
	days, err := c.IntFlag("days", 30, 1, 365)
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	reseller, err := c.resellerID()
	if err != nil {
		return chat.Reply{}, err
	}
	trades, typeArg := []string{bss.TradeAllocate, bss.TradeRetrieve}, ""
	if v, ok := c.Flag("type"); ok {
		if trades, ok = ledgerTypes[strings.ToLower(v)]; !ok {
			return chat.Reply{}, c.fail("err.bad_ledger_type", v)
		}
		typeArg = " --type " + strings.ToLower(v)
	}
	f := bss.ChangeRecordFilter{Begin: c.now.AddDate(0, 0, -(days - 1)), End: c.now, IndirectPartnerID: reseller}
	var recs []bss.ChangeRecord
	const currency = "" // the money APIs are the Chinese site's: CNY
	for _, trade := range trades {
		f.TradeType = trade
		n := 0
		for rec, err := range c.r.bss.ChangeRecords(ctx, f) {
			if err != nil {
				return chat.Reply{}, c.bssError(err)
			}
			if n++; n > maxLedgerRecords {
				break
			}
			recs = append(recs, rec)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool { return recs[i].TradeTime.After(recs[j].TradeTime.Time) })
	rep := chat.Reply{Title: c.Lang.T("ledger.title", days)}
	if len(recs) == 0 {
		rep.Text = c.Lang.T("ledger.none", days)
		return rep, nil
	}
	var in, out bss.Amount
	var nin, nout int
	for _, r := range recs {
		if r.Income() {
			in, nin = in.Add(r.ChangeAmount.Abs()), nin+1
		} else {
			out, nout = out.Add(r.ChangeAmount.Abs()), nout+1
		}
	}
	rep.Text = c.Lang.T("ledger.totals", nout, lang.Money(out, currency), nin, lang.Money(in, currency)) + "\n" + c.Lang.T("ledger.note")
	lo, hi, pages, err := c.pageRange(len(recs), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("ledger.col.when"), c.Lang.T("ledger.col.type"), c.Lang.T("arrears.col.cust"),
		c.Lang.T("ledger.col.amount"), c.Lang.T("ledger.col.after")}}
	for _, r := range recs[lo:hi] {
		amt := lang.Money(r.ChangeAmount.Abs(), currency)
		if r.Income() {
			amt = "+" + amt
		} else {
			amt = "−" + amt
		}
		t.Rows = append(t.Rows, []string{c.stamp(r.TradeTime.Time), c.tradeName(r.TradeDetailType), orDash(firstNonEmpty(r.AccountName, r.CustomerID)),
			amt, lang.Money(r.BalanceAfterChange, currency)})
	}
	rep.Table = t
	c.pager(&rep, "/ledger --days "+strconvItoa(days)+typeArg+c.resellerArg(reseller), page, pages, len(recs))
	return rep, nil
}

// tradeName words a ledger record's trade_detail_type; the enum's spellings vary, so unknown
// ones are shown as BSS names them.
func (c *Call) tradeName(detail string) string {
	switch detail {
	case bss.AdjustAllocate:
		return c.Lang.T("lbl.trade_topup")
	case bss.AdjustRetrieve:
		return c.Lang.T("lbl.trade_reclaim")
	case bss.AdjustUnbind:
		return c.Lang.T("lbl.trade_unbind")
	case "SOURCE_OPERAIION_RECHARGE", "SOURCE_OPERATION_RECHARGE":
		return c.Lang.T("lbl.trade_recharge")
	}
	return detail
}

func (c *Call) couponStatus(n int) string {
	switch n {
	case bss.CouponInactive:
		return c.Lang.T("lbl.coupon_inactive")
	case bss.CouponUsable:
		return c.Lang.T("lbl.coupon_usable")
	case bss.CouponUsed:
		return c.Lang.T("lbl.coupon_used")
	case bss.CouponExpired:
		return c.Lang.T("lbl.coupon_expired")
	case bss.CouponReclaimed:
		return c.Lang.T("lbl.coupon_reclaimed")
	}
	return strconvItoa(n)
}

func (c *Call) couponType(n int) string {
	switch n {
	case bss.CouponTypeCash:
		return c.Lang.T("lbl.coupon_cash")
	case bss.CouponTypeFlexiPurchase:
		return c.Lang.T("lbl.coupon_flexi")
	}
	return strconvItoa(n)
}

// maxCoupons bounds what /coupons reads of one customer.
const maxCoupons = 1000

func runCoupons(ctx context.Context, c *Call) (chat.Reply, error) {
	if err := c.requireSite(bss.OpListIssuedPartnerCoupons); err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	cu, reseller, err := c.resaleTarget(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	var cps []bss.PartnerCoupon
	for cp, err := range c.r.bss.Coupons(ctx, bss.CouponFilter{CustomerID: cu.ID, IndirectPartnerID: reseller}) {
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		if cp.CustomerID != cu.ID {
			continue // a BSS that ignored the filter must not show someone else's coupon
		}
		if cps = append(cps, cp); len(cps) >= maxCoupons {
			break
		}
	}
	rep := chat.Reply{Title: c.Lang.T("coupons.title", lang.CustomerName(cu))}
	if len(cps) == 0 {
		rep.Text = c.Lang.T("coupons.none")
		return rep, nil
	}
	rank := func(s int) int {
		switch s {
		case bss.CouponUsable:
			return 0
		case bss.CouponInactive:
			return 1
		}
		return 2
	}
	sort.SliceStable(cps, func(i, j int) bool {
		if a, b := rank(cps[i].Status), rank(cps[j].Status); a != b {
			return a < b
		}
		return cps[i].ExpireTime.Before(cps[j].ExpireTime.Time)
	})
	var usable bss.Amount
	n := 0
	for _, cp := range cps {
		if cp.Status == bss.CouponUsable {
			usable, n = usable.Add(cp.Balance), n+1
		}
	}
	rep.Text = c.Lang.T("coupons.usable", n, lang.Money(usable, ""))
	lo, hi, pages, err := c.pageRange(len(cps), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("coupons.col.id"), c.Lang.T("coupons.col.type"), c.Lang.T("coupons.col.face"),
		c.Lang.T("coupons.col.balance"), c.Lang.T("coupons.col.expires"), c.Lang.T("coupons.col.status")}}
	mayReclaim := c.mayRequest(bss.OpReclaimPartnerCoupons)
	for _, cp := range cps[lo:hi] {
		t.Rows = append(t.Rows, []string{cp.CouponID, c.couponType(cp.CouponType), lang.Money(cp.FaceValue, ""), lang.Money(cp.Balance, ""),
			c.date(cp.ExpireTime.Time), c.couponStatus(cp.Status)})
		if mayReclaim && cp.Status == bss.CouponUsable && len(rep.Buttons) < 3 {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("btn.coupon_reclaim", cp.CouponID),
				Command: "/coupon-reclaim " + cp.CouponID + c.resellerArg(reseller), Style: "danger"})
		}
	}
	rep.Table = t
	c.pager(&rep, "/coupons "+cu.ID+c.resellerArg(reseller), page, pages, len(cps))
	return rep, nil
}

func (c *Call) onDemandStatus(n int) string {
	switch n {
	case bss.OnDemandNormal:
		return c.Lang.T("lbl.od_normal")
	case bss.OnDemandGrace:
		return c.Lang.T("lbl.od_grace")
	case bss.OnDemandFrozen:
		return c.Lang.T("lbl.od_frozen")
	case bss.OnDemandChanging:
		return c.Lang.T("lbl.od_changing")
	case bss.OnDemandClosing:
		return c.Lang.T("lbl.od_closing")
	case bss.OnDemandClosed:
		return c.Lang.T("lbl.od_closed")
	}
	return strconvItoa(n)
}

func runOnDemand(ctx context.Context, c *Call) (chat.Reply, error) {
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	cu, reseller, err := c.resaleTarget(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	size := c.r.opts.PageSize
	p, err := c.r.bss.ListOnDemandResources(ctx, bss.OnDemandFilter{CustomerID: cu.ID, IndirectPartnerID: reseller}, (page-1)*size, size)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	rep := chat.Reply{Title: c.Lang.T("ondemand.title", lang.CustomerName(cu)), Footer: c.Lang.T("ondemand.note")}
	if p.TotalCount == 0 {
		rep.Text = c.Lang.T("ondemand.none")
		return rep, nil
	}
	_, _, pages, err := c.pageRange(p.TotalCount, page)
	if err != nil {
		return chat.Reply{}, err
	}
	for _, r := range p.Resources {
		kind := strings.TrimPrefix(c.Lang.BSSName(r.ResourceTypeCode, r.ResourceTypeName), "hws.resource.type.")
		spec := firstNonEmpty(r.ProductSpecDesc, r.ResourceSpecCode)
		if size, ok := r.SpecSize(); ok && r.ProductSpecDesc == "" {
			spec += " · " + size.Exact()
		}
		sec := chat.Section{Title: firstNonEmpty(r.ResourceName, r.ResourceID) + " · " + kind, Fields: []chat.Field{
			{Label: "ID", Value: r.ResourceID},
			{Label: c.Lang.T("resources.status"), Value: c.onDemandStatus(r.Status)},
			{Label: c.Lang.T("resources.region"), Value: orDash(firstNonEmpty(r.AvailabilityZoneCode, r.RegionCode))},
			{Label: c.Lang.T("ondemand.spec"), Value: orDash(spec)},
			{Label: c.Lang.T("ondemand.since"), Value: c.stamp(r.EffectiveTime.Time)},
		}}
		if !r.ExpireTime.IsZero() {
			sec.Fields = append(sec.Fields, chat.Field{Label: c.Lang.T("ondemand.until"), Value: c.stamp(r.ExpireTime.Time)})
		}
		rep.Sections = append(rep.Sections, sec)
	}
	c.pager(&rep, "/ondemand "+cu.ID+c.resellerArg(reseller), page, pages, p.TotalCount)
	return rep, nil
}

// partnerBalances is /balance without a customer: the partner's own accounts, for approvers
// and admins only — like /ledger, the partner's own books (with its credit line) are not for
// every viewer. Each figure names its account; the allocatable funds show what BSS earmarks
// (designated_amount) and what open top-up requests hold, and what is left.
func (c *Call) partnerBalances(ctx context.Context) (chat.Reply, error) {
	if !c.Role.Allows(chat.RoleApprover) {
		return chat.Reply{}, c.fail("err.partner_books")
	}
	if err := c.requireSite(bss.OpListPartnerBalances); err != nil {
		return chat.Reply{}, err
	}
	accts, err := c.r.bss.PartnerBalances(ctx, "")
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	rep := chat.Reply{Title: c.Lang.T("balance.partner_title")}
	if len(accts) == 0 {
		rep.Text = c.Lang.T("balance.none")
		return rep, nil
	}
	t := &chat.Table{Columns: []string{c.Lang.T("balance.col.account"), c.Lang.T("balance.col.type"), c.Lang.T("balance.col.amount")}}
	for _, a := range accts {
		t.Rows = append(t.Rows, []string{a.AccountID, c.enum("acct", a.AccountType), lang.Money(a.Amount, a.Currency)})
	}
	rep.Table = t
	for _, a := range accts {
		if a.AccountType == 2 && a.CreditAmount.Sign() > 0 {
			rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("balance.credit_line", a.AccountID),
				Value: c.Lang.T("balance.credit_line_value", lang.Money(a.CreditAmount, a.Currency), lang.Money(a.Amount, a.Currency))})
		}
	}
	if fund, avail, ok := bss.Available(accts); ok {
		held, err := c.openTopUps(ctx, "")
		if err != nil {
			return chat.Reply{}, err
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("balance.fund", c.enum("acct", fund.AccountType), fund.AccountID),
			Value: c.fundText(fund.Amount, fund.DesignatedAmount, avail, held, fund.Currency)})
	}
	rep.Footer = c.Lang.T("balance.partner_note")
	return rep, nil
}

// fundText words the partner's allocatable funds: the account's amount, what BSS earmarks
// (designated_amount), what may be allocated, and of that what open top-up requests hold and
// what is left.
func (c *Call) fundText(amount, designated, avail, held bss.Amount, cur string) string {
	s := c.Lang.T("fund.available", lang.Money(avail, cur), lang.Money(amount, cur), lang.Money(designated, cur))
	if held.Sign() > 0 {
		return s + c.Lang.T("fund.held", lang.Money(held, cur), lang.Money(avail.Sub(held), cur))
	}
	return s + c.Lang.T("fund.none_held")
}

// openTopUps sums the top-ups still open (pending, approved or executing) that draw on the
// funding account of the partner (reseller "") or of a tier-2 reseller: money that a request
// already earmarks, though BSS has not moved it yet.
func (c *Call) openTopUps(ctx context.Context, reseller string) (bss.Amount, error) {
	var held bss.Amount
	if c.r.store == nil {
		return held, nil
	}
	open, err := c.r.store.ListApprovals(ctx, store.ApprovalFilter{States: []store.ApprovalState{store.StatePending, store.StateApproved, store.StateExecuting},
		Limit: store.MaxApprovalLimit})
	if err != nil {
		return held, fmt.Errorf("open top-up requests: %w", err)
	}
	for _, a := range open {
		if a.Action != actTopUp {
			continue
		}
		var p actionParams
		if json.Unmarshal(a.Params, &p) != nil || p.Money == nil || p.Money.Reseller != reseller {
			continue
		}
		if v, err := bss.ParseAmount(p.Money.Amount); err == nil {
			held = held.Add(v)
		}
	}
	return held, nil
}
