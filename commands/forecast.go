package commands

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/lang"
)

// Forecaster is what /forecast needs of the forecast's gatherer (*alerts.Forecaster): the
// inputs the last expiry scan stored (the renewals from its time to the end of the next
// month, and at least 30 days), and one customer's inputs gathered now.
type Forecaster interface {
	Stored(ctx context.Context) (in forecast.Input, customers int, ok bool, err error)
	Live(ctx context.Context, cu bss.Customer, from, to time.Time) (forecast.Input, forecast.Stats, error)
}

// maxForecastDays bounds --days; a live forecast of one customer may look a year ahead.
const maxForecastDays = 366

// forecastWindow is the window /forecast was asked for: --days N from now, --month YYYY-MM
// (this month: from now to its end), or next month; what names it in the headline.
func (c *Call) forecastWindow() (from, to time.Time, name string, err error) {
	days, hasDays := c.Flag("days")
	month, hasMonth := c.Flag("month")
	switch {
	case hasDays && hasMonth:
		return from, to, "", c.fail("err.fc_days_and_month")
	case hasDays:
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if err != nil || n < 1 || n > maxForecastDays {
			return from, to, "", c.fail("err.fc_days", days, maxForecastDays)
		}
		return c.now, c.now.Add(time.Duration(n) * 24 * time.Hour), c.Lang.T("fc.next_days", n), nil
	case hasMonth:
		m := strings.TrimSpace(strings.ReplaceAll(month, "/", "-"))
		if t, err := time.Parse("2006-1", m); err == nil {
			m = t.Format("2006-01")
		}
		from, to, err := forecast.Month(m)
		if err != nil || len(m) != 7 || !to.After(c.now) || from.After(c.now.AddDate(1, 0, 0)) {
			return from, to, "", c.fail("err.fc_month", month, bss.Cycle(c.now))
		}
		if from.Before(c.now) {
			return c.now, to, c.Lang.T("fc.rest_of", m), nil
		}
		return from, to, m, nil
	}
	from, to = forecast.NextMonth(c.now)
	return from, to, c.Lang.T("fc.next_month"), nil
}

func runForecast(ctx context.Context, c *Call) (chat.Reply, error) {
	fc := c.r.opts.Forecaster
	if fc == nil {
		return chat.Reply{}, c.fail("err.fc_unwired")
	}
	from, to, name, err := c.forecastWindow()
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	scope := strings.TrimSpace(c.Arg(0))
	label, byLabel := strings.CutPrefix(scope, "label:")
	if byLabel && strings.TrimSpace(label) == "" {
		return chat.Reply{}, c.fail("err.fc_label")
	}
	rep := chat.Reply{Title: c.Lang.T("fc.title", name)}
	if scope != "" && scope != "*" && !byLabel {
		// One customer: gathered now.
		cu, err := c.oneCustomer(ctx, scope)
		if err != nil {
			return chat.Reply{}, err
		}
		in, _, err := fc.Live(ctx, cu, from, to)
		if err != nil {
			return chat.Reply{}, c.bssError(err)
		}
		rep.Title = c.Lang.T("fc.title_of", lang.CustomerName(cu), name)
		c.renderForecast(&rep, forecast.Compute(in), name, c.Lang.T("fresh.live"), page, "/forecast "+scope)
		return rep, nil
	}
	in, customers, ok, err := fc.Stored(ctx)
	if err != nil {
		return chat.Reply{}, err
	}
	if !ok {
		rep.Text = c.Lang.T("fc.none_yet")
		return rep, nil
	}
	if !in.Covers(from, to) {
		return chat.Reply{}, c.fail("err.fc_window", c.clock(in.To.Add(-time.Second), "2006-01-02"))
	}
	in = in.Window(from, to)
	if byLabel {
		in = in.Select(func(cu forecast.Customer) bool { return cu.Label == label })
		if len(in.Customers) == 0 {
			return chat.Reply{}, c.fail("err.fc_no_label", label)
		}
	}
	base := "/forecast"
	if scope != "" {
		base += " " + scope
	}
	if v, ok := c.Flag("days"); ok {
		base += " --days " + strings.TrimSpace(v)
	}
	if v, ok := c.Flag("month"); ok {
		base += " --month " + strings.TrimSpace(v)
	}
	c.renderForecast(&rep, forecast.Compute(in), name, c.freshness(in.Now, customers), page, base)
	return rep, nil
}

// renderForecast writes r into rep: where it comes from, the headline, the partner's line,
// then one compact entry per customer with a gap, largest first, each with a top-up button
// for its gap where the caller may ask for one; base is the command its pages repeat.
func (c *Call) renderForecast(rep *chat.Reply, r forecast.Result, name, fresh string, page int, base string) {
	cur := r.Currency
	if cur == "" {
		cur = "CNY"
	}
	change := c.Lang.T("fc.no_change")
	if pct, ok := r.Change(); ok {
		change = c.Lang.T("fc.change", signedPercent(pct))
	}
	lines := []string{fresh, c.Lang.T("fc.headline", name, lang.Money(r.Total, cur), change, lang.Money(r.AutoRenew, cur),
		lang.Money(r.Balance, cur), lang.Money(r.Gap, cur), r.GapCustomers)}
	lines = append(lines, c.Lang.T("fc.parts", r.Renewals, lang.Money(r.Manual, cur), lang.Money(r.RunRate, cur), r.Elapsed))
	if r.Unquoted > 0 {
		lines = append(lines, c.Lang.T("fc.unquoted", r.Unquoted))
	}
	if p := r.Partner; p.Known && p.Gaps.Sign() > 0 {
		if p.Shortfall.Sign() > 0 {
			lines = append(lines, c.Lang.T("fc.partner_short", lang.Money(p.Gaps, cur), lang.Money(p.Allocatable, cur), lang.Money(p.Credit, cur), lang.Money(p.Shortfall, cur)))
		} else {
			lines = append(lines, c.Lang.T("fc.partner_ok", lang.Money(p.Gaps, cur), lang.Money(p.Allocatable, cur), lang.Money(p.Credit, cur)))
		}
	}
	rep.Text = strings.Join(lines, "\n")
	var gaps []forecast.CustomerForecast
	for _, f := range r.Customers {
		if f.Gap.Sign() > 0 {
			gaps = append(gaps, f)
		}
	}
	if len(gaps) == 0 {
		return
	}
	lo, hi, pages, err := c.pageRange(len(gaps), page)
	if err != nil {
		lo, hi, pages = 0, min(len(gaps), c.r.opts.PageSize), (len(gaps)+c.r.opts.PageSize-1)/c.r.opts.PageSize
		page = 1
	}
	t := &chat.Table{Columns: []string{c.Lang.T("fc.col.cust"), c.Lang.T("fc.col.gap"), c.Lang.T("fc.col.total"),
		c.Lang.T("fc.col.auto"), c.Lang.T("fc.col.balance")}, Head: []int{0, 1}}
	for _, f := range gaps[lo:hi] {
		cu := bss.Customer{ID: f.ID, Name: f.Name, AccountName: f.Account, Label: f.Label}
		t.Rows = append(t.Rows, []string{lang.CustomerName(cu), lang.Money(f.Gap, cur), lang.Money(f.Total, cur),
			lang.Money(f.AutoRenew, cur), lang.Money(f.Balance, cur)})
		if c.mayTopUp() {
			rep.Buttons = append(rep.Buttons, topUpButton(c.Lang, cu, forecast.CeilCents(f.Gap), cur))
		}
	}
	rep.Table = t
	if pages > 1 {
		c.pager(rep, base, page, pages, len(gaps))
	}
}

// signedPercent is "+5%" or "-37%".
func signedPercent(p int64) string {
	if p > 0 {
		return "+" + strconv.FormatInt(p, 10) + "%"
	}
	return strconv.FormatInt(p, 10) + "%"
}
