// Package report draws issue #26's partner report: one PNG (about 1200 × 1500 px) of a
// scope's spend over this month and the six before it (yearly/monthly and pay-per-use apart),
// its top 10 spenders, its arrears and the stored forecast's gap, and a 30-day calendar of the
// renewals due (count and amount, auto-renewal apart), with a short caption that states every
// number of the picture (also the image's alt text). Build turns what the bot already has (the
// monthly bills, the arrears scan's balance cache, the stored forecast) into a Data, pure;
// Gatherer fetches those inputs; Render draws a Data with go-analyze/charts and the embedded
// CJK font; Caption writes it.
package report

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Period is what the report looks back on: a week (the top spenders of this month so far) or a
// month (those of the last whole month).
type Period string

// The periods.
const (
	Week  Period = "week"
	Month Period = "month"
)

// ParsePeriod reads week|month (周|月, 周报|月报); ok is false otherwise.
func ParsePeriod(s string) (Period, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "week", "weekly", "周", "周报", "每周":
		return Week, true
	case "month", "monthly", "月", "月报", "每月":
		return Month, true
	}
	return "", false
}

// Scope is whom the report covers: one customer (CustomerID), the customers of a label, or
// every customer (both empty). Name is how the report names it.
type Scope struct {
	CustomerID string
	Label      string
	Name       string
}

// covers reports whether a customer with id and label is in the scope.
func (s Scope) covers(id, label string) bool {
	switch {
	case s.CustomerID != "":
		return id == s.CustomerID
	case s.Label != "":
		return label == s.Label
	}
	return true
}

// Months is how many months the spend chart shows: this one and the six before it.
const Months = 7

// CalendarDays is how many days the expiry calendar covers, today first.
const CalendarDays = 30

// TopN is how many spenders the report ranks.
const TopN = 10

// MonthSpend is one month's consumption of the scope (refunds not deducted): yearly/monthly,
// and pay-per-use (savings plans counted with it).
type MonthSpend struct {
	Cycle    string     `json:"cycle"`
	Period   bss.Amount `json:"period"`
	OnDemand bss.Amount `json:"on_demand"`
}

// Total is the month's consumption.
func (m MonthSpend) Total() bss.Amount { return m.Period.Add(m.OnDemand) }

// Spender is one of the top spenders: its net spend (refunds deducted), as /spend ranks.
type Spender struct {
	ID    string     `json:"id"`
	Name  string     `json:"name"`  // name (account), as the caption writes it
	Short string     `json:"short"` // the name alone, as the chart labels it
	Total bss.Amount `json:"total"`
}

// Day is one day of the expiry calendar: the renewals due that day, manual and auto-renewing
// apart, with their quotes (an unquoted renewal counts, its amount as 0).
type Day struct {
	Date         time.Time  `json:"date"`
	Manual       int        `json:"manual"`
	Auto         int        `json:"auto"`
	ManualAmount bss.Amount `json:"manual_amount"`
	AutoAmount   bss.Amount `json:"auto_amount"`
}

// Data is everything one report shows.
type Data struct {
	Now      time.Time
	Zone     *time.Location // how dates are shown (bot.timezone); nil: China time
	Period   Period
	Scope    Scope
	Currency string

	Months []MonthSpend // oldest first; the last is this month so far
	// TopCycle is the month the top spenders are ranked over; Top the first TopN of them and
	// Spenders how many spent anything.
	TopCycle string
	Top      []Spender
	Spenders int

	// Arrears is the scope's total debt in the arrears scan's cache (HasArrears false: no
	// scan yet), Debtors the customers in arrears.
	HasArrears bool
	Arrears    bss.Amount
	Debtors    int

	// The stored forecast's next 30 days: Gap over GapCustomers (HasForecast false: none yet).
	HasForecast  bool
	Gap          bss.Amount
	GapCustomers int

	Days []Day // CalendarDays days from today (in Zone)
}

// Renewals sums the calendar: how many renewals fall due and for how much, and the auto-renewing part.
func (d Data) Renewals() (n int, amount bss.Amount, auto int, autoAmount bss.Amount) {
	for _, day := range d.Days {
		n += day.Manual + day.Auto
		auto += day.Auto
		amount = amount.Add(day.ManualAmount).Add(day.AutoAmount)
		autoAmount = autoAmount.Add(day.AutoAmount)
	}
	return n, amount, auto, autoAmount
}

// Inputs are what Build reads, as the Gatherer fetched them.
type Inputs struct {
	Now  time.Time
	Zone *time.Location
	// Customers names the customers (and gives their labels) by id.
	Customers map[string]bss.Customer
	// Bills are the monthly bill lines of each cycle (YYYY-MM) of the report, every customer's.
	Bills    map[string][]bss.BillSum
	Currency string
	// Balances is the arrears scan's cache; HasBalances false when no scan has run.
	Balances    []store.CachedBalance
	HasBalances bool
	// Forecast is the stored forecast's input; HasForecast false when none is stored yet.
	Forecast    forecast.Input
	HasForecast bool
}

// Cycles are the months (YYYY-MM, China time as BSS counts them) a report at now covers,
// oldest first.
func Cycles(now time.Time) []string {
	t := now.In(bss.ChinaTime)
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, bss.ChinaTime)
	out := make([]string, Months)
	for i := range out {
		out[i] = first.AddDate(0, i-(Months-1), 0).Format("2006-01")
	}
	return out
}

// Build computes the report of scope over period from in. It does no I/O.
func Build(in Inputs, scope Scope, period Period) Data {
	zone := in.Zone
	if zone == nil {
		zone = bss.ChinaTime
	}
	d := Data{Now: in.Now, Zone: zone, Period: period, Scope: scope, Currency: in.Currency}
	if d.Currency == "" {
		d.Currency = "CNY"
	}
	label := func(id string) string { return in.Customers[id].Label }
	cycles := Cycles(in.Now)
	for _, cy := range cycles {
		m := MonthSpend{Cycle: cy}
		for _, b := range in.Bills[cy] {
			if b.Refund() || !scope.covers(b.CustomerID, label(b.CustomerID)) {
				continue
			}
			if b.ChargeMode == bss.ChargeModeYearlyMonthly {
				m.Period = m.Period.Add(b.Amount)
			} else {
				m.OnDemand = m.OnDemand.Add(b.Amount)
			}
		}
		d.Months = append(d.Months, m)
	}

	d.TopCycle = cycles[len(cycles)-1]
	if period == Month {
		d.TopCycle = cycles[len(cycles)-2]
	}
	net := map[string]bss.Amount{}
	for _, b := range in.Bills[d.TopCycle] {
		if scope.covers(b.CustomerID, label(b.CustomerID)) {
			net[b.CustomerID] = net[b.CustomerID].Add(b.Amount)
		}
	}
	spenders := make([]Spender, 0, len(net))
	for id, total := range net {
		if total.Sign() <= 0 {
			continue
		}
		name, short := id, id
		if cu, ok := in.Customers[id]; ok {
			name = lang.CustomerName(cu)
			short = cmp.Or(cu.Name, cu.AccountName, id)
		}
		spenders = append(spenders, Spender{ID: id, Name: name, Short: short, Total: total})
	}
	slices.SortFunc(spenders, func(a, b Spender) int {
		if c := b.Total.Cmp(a.Total); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	d.Spenders = len(spenders)
	d.Top = spenders[:min(TopN, len(spenders))]

	if in.HasBalances {
		d.HasArrears = true
		for _, cb := range in.Balances {
			lbl := cb.Label
			if cu, ok := in.Customers[cb.CustomerID]; ok && lbl == "" {
				lbl = cu.Label
			}
			if !scope.covers(cb.CustomerID, lbl) {
				continue
			}
			debt, err := bss.ParseAmount(cb.Debt)
			if err != nil || debt.Sign() <= 0 {
				continue
			}
			d.Arrears = d.Arrears.Add(debt)
			d.Debtors++
		}
	}

	local := in.Now.In(zone)
	today := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, zone)
	d.Days = make([]Day, CalendarDays)
	for i := range d.Days {
		d.Days[i].Date = today.AddDate(0, 0, i)
	}
	if in.HasForecast {
		d.HasForecast = true
		from, to := in.Now, in.Now.Add(CalendarDays*24*time.Hour)
		fin := in.Forecast.Select(func(cu forecast.Customer) bool { return scope.covers(cu.ID, cu.Label) })
		r := forecast.Compute(fin.Window(from, to))
		d.Gap, d.GapCustomers = r.Gap, r.GapCustomers
		end := today.AddDate(0, 0, CalendarDays)
		for _, cu := range fin.Customers {
			for _, rn := range cu.Renewals {
				e := rn.Expiry.In(zone)
				if e.Before(today) || !e.Before(end) {
					continue
				}
				i := dayIndex(today, e)
				if i < 0 || i >= CalendarDays {
					continue
				}
				day := &d.Days[i]
				q := bss.Amount{}
				if rn.Quoted {
					q = rn.Quote
				}
				if rn.AutoRenew {
					day.Auto++
					day.AutoAmount = day.AutoAmount.Add(q)
				} else {
					day.Manual++
					day.ManualAmount = day.ManualAmount.Add(q)
				}
			}
		}
	}
	return d
}

// dayIndex is the calendar day of t counted from today (both in the same zone), by date so
// that a change of daylight saving time does not shift it.
func dayIndex(today, t time.Time) int {
	a := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	b := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a) / (24 * time.Hour))
}
