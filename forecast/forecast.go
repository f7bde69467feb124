// Package forecast computes the renewal and arrears forecast of issue #24: deterministically,
// not by regression. The expiry dates and the renewal prices are known; the only estimate is
// the pay-per-use run rate, this month's pay-per-use spend so far carried forward at the same
// daily pace. It takes every input (the resources expiring in the window with their quotes,
// each customer's month-to-date spend and balance, the partner's funds) and a clock, and does
// no I/O: package alerts gathers the inputs from BSS and the store, and package commands shows
// the result.
package forecast

import (
	"cmp"
	"slices"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// Renewal is one main resource expiring in the window, with its renewal quote (attached
// resources included).
type Renewal struct {
	ResourceID string     `json:"resource_id"`
	Desc       string     `json:"desc,omitempty"`
	Expiry     time.Time  `json:"expiry"`
	AutoRenew  bool       `json:"auto_renew,omitempty"`
	Quote      bss.Amount `json:"quote"`
	Quoted     bool       `json:"quoted"` // false: BSS gave no price; the renewal counts as 0 and Unquoted says so
}

// Customer is what the forecast knows of one customer.
type Customer struct {
	ID       string `json:"id"`
	Name     string `json:"name,omitempty"`
	Account  string `json:"account,omitempty"`
	Label    string `json:"label,omitempty"`
	Currency string `json:"currency,omitempty"`
	// Balance is the customer's available balance; HasBalance is false when BSS has none for
	// it (a referral customer, whose balance the partner cannot see): it has no gap.
	Balance    bss.Amount `json:"balance"`
	HasBalance bool       `json:"has_balance,omitempty"`
	// MonthToDate is this month's spend over every charge mode, OnDemandToDate its
	// pay-per-use part; both run to 24:00 yesterday (China time), as BSS's monthly sums do.
	MonthToDate    bss.Amount `json:"month_to_date"`
	OnDemandToDate bss.Amount `json:"on_demand_to_date"`
	Renewals       []Renewal  `json:"renewals,omitempty"`
}

// Partner is the partner's own money that can cover its customers' gaps.
type Partner struct {
	Known       bool       `json:"known"` // false: the partner balance API is not available (international site)
	Allocatable bss.Amount `json:"allocatable"`
	Credit      bss.Amount `json:"credit"`
}

// Stats counts what gathering a forecast's inputs cost.
type Stats struct {
	Quoted     int // main resources quoted by BSS
	Cached     int // main resources whose quote came from the store
	QuoteCalls int // renewal price inquiries
	Calls      int // BSS calls in all (retries included)
}

// Input is everything one forecast needs.
type Input struct {
	Now       time.Time
	From, To  time.Time // the window, From inclusive, To exclusive
	Customers []Customer
	Partner   Partner
}

// CustomerForecast is one customer's forecast.
type CustomerForecast struct {
	Customer
	AutoRenew bss.Amount `json:"auto_renew"` // quotes of the auto-renewing resources
	Manual    bss.Amount `json:"manual"`     // quotes of the others
	RunRate   bss.Amount `json:"run_rate"`   // pay-per-use spend expected in the window
	Total     bss.Amount `json:"total"`
	Gap       bss.Amount `json:"gap"`      // Total − Balance when positive and the balance is known
	Unquoted  int        `json:"unquoted"` // renewals BSS gave no price for
}

// PartnerForecast sets the customers' gaps against the partner's funds.
type PartnerForecast struct {
	Partner
	Gaps      bss.Amount `json:"gaps"`      // the sum of the customers' gaps
	Shortfall bss.Amount `json:"shortfall"` // Gaps − Allocatable − Credit when positive
}

// Result is a forecast.
type Result struct {
	At       time.Time `json:"at"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Days     int       `json:"days"`    // whole days of the window (a started day counts)
	Elapsed  int       `json:"elapsed"` // whole days of this month the month-to-date covers
	Currency string    `json:"currency,omitempty"`

	Total     bss.Amount `json:"total"`
	AutoRenew bss.Amount `json:"auto_renew"`
	Manual    bss.Amount `json:"manual"`
	RunRate   bss.Amount `json:"run_rate"`
	Balance   bss.Amount `json:"balance"` // of the customers in the forecast whose balance is known
	Gap       bss.Amount `json:"gap"`
	// Baseline is this month's spend carried over as many days as the window has
	// (MonthToDate ÷ Elapsed × Days): what "较本月" compares Total with.
	Baseline     bss.Amount `json:"baseline"`
	GapCustomers int        `json:"gap_customers"`
	Renewals     int        `json:"renewals"`
	Unquoted     int        `json:"unquoted"`

	// Customers are those with something to pay in the window: largest gap first, then
	// largest total, then by id.
	Customers []CustomerForecast `json:"customers"`
	Partner   PartnerForecast    `json:"partner"`
}

// Elapsed is the number of whole days of now's month (China time, BSS's bill cycle) that
// BSS's month-to-date spend covers: it runs to 24:00 yesterday, so on the 1st it is 0.
func Elapsed(now time.Time) int { return now.In(bss.ChinaTime).Day() - 1 }

// Days is the number of days of [from, to), a started day counting as one.
func Days(from, to time.Time) int {
	if !to.After(from) {
		return 0
	}
	d := to.Sub(from)
	n := int(d / (24 * time.Hour))
	if d%(24*time.Hour) != 0 {
		n++
	}
	return n
}

// NextMonth is the window of the calendar month (China time) after now's.
func NextMonth(now time.Time) (from, to time.Time) {
	t := now.In(bss.ChinaTime)
	from = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, bss.ChinaTime)
	return from, from.AddDate(0, 1, 0)
}

// Month is the window of the calendar month (China time) of "YYYY-MM".
func Month(cycle string) (from, to time.Time, err error) {
	t, err := time.ParseInLocation("2006-01", cycle, bss.ChinaTime)
	if err != nil {
		return time.Time{}, time.Time{}, err
	}
	return t, t.AddDate(0, 1, 0), nil
}

// Pace is amount spent over elapsed days carried over days: amount × days ÷ elapsed, in
// whole cents rounded half up; zero when nothing elapsed or the amount is not positive
// (refunds larger than the spend).
func Pace(amount bss.Amount, elapsed, days int) bss.Amount {
	if elapsed <= 0 || days <= 0 || amount.Sign() <= 0 {
		return bss.Amount{}
	}
	num := amount.Cents() * int64(days)
	c := (2*num + int64(elapsed)) / (2 * int64(elapsed))
	return cents(c)
}

// CeilCents is a rounded up to whole cents: a top-up of a gap covers it.
func CeilCents(a bss.Amount) bss.Amount {
	const perCent = 10_000
	m := a.Micros()
	if r := m % perCent; r > 0 {
		m += perCent - r
	}
	return bss.NewAmount(0, m)
}

func cents(c int64) bss.Amount { return bss.NewAmount(c/100, (c%100)*10_000) }

// Compute is the forecast of in.
func Compute(in Input) Result {
	r := Result{At: in.Now, From: in.From, To: in.To, Days: Days(in.From, in.To), Elapsed: Elapsed(in.Now)}
	var monthToDate bss.Amount
	for _, cu := range in.Customers {
		f := CustomerForecast{Customer: cu}
		for _, rn := range cu.Renewals {
			if !rn.Quoted {
				f.Unquoted++
				continue
			}
			if rn.AutoRenew {
				f.AutoRenew = f.AutoRenew.Add(rn.Quote)
			} else {
				f.Manual = f.Manual.Add(rn.Quote)
			}
		}
		f.RunRate = Pace(cu.OnDemandToDate, r.Elapsed, r.Days)
		f.Total = f.AutoRenew.Add(f.Manual).Add(f.RunRate)
		monthToDate = monthToDate.Add(cu.MonthToDate)
		if len(cu.Renewals) == 0 && f.Total.Sign() <= 0 {
			continue // nothing to pay in the window: not part of the forecast
		}
		r.Customers = append(r.Customers, f)
		if cu.HasBalance {
			r.Balance = r.Balance.Add(cu.Balance)
			if gap := f.Total.Sub(cu.Balance); gap.Sign() > 0 {
				r.Customers[len(r.Customers)-1].Gap = gap
				r.Gap = r.Gap.Add(gap)
				r.GapCustomers++
			}
		}
		if r.Currency == "" {
			r.Currency = cu.Currency
		}
		r.AutoRenew = r.AutoRenew.Add(f.AutoRenew)
		r.Manual = r.Manual.Add(f.Manual)
		r.RunRate = r.RunRate.Add(f.RunRate)
		r.Total = r.Total.Add(f.Total)
		r.Renewals += len(cu.Renewals)
		r.Unquoted += f.Unquoted
	}
	r.Baseline = Pace(monthToDate, r.Elapsed, r.Days)
	slices.SortFunc(r.Customers, func(a, b CustomerForecast) int {
		if c := b.Gap.Cmp(a.Gap); c != 0 {
			return c
		}
		if c := b.Total.Cmp(a.Total); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	r.Partner = PartnerForecast{Partner: in.Partner, Gaps: r.Gap}
	if in.Partner.Known {
		if s := r.Gap.Sub(in.Partner.Allocatable).Sub(in.Partner.Credit); s.Sign() > 0 {
			r.Partner.Shortfall = s
		}
	}
	return r
}

// Change is Total against Baseline in whole percent, rounded half away from zero; ok is false
// when there is no baseline (nothing spent yet this month, or the 1st of the month).
func (r Result) Change() (pct int64, ok bool) {
	b := r.Baseline.Cents()
	if b <= 0 {
		return 0, false
	}
	d := (r.Total.Cents() - b) * 100
	if d < 0 {
		return -((-d*2 + b) / (2 * b)), true
	}
	return (d*2 + b) / (2 * b), true
}

// Window is in over [from, to): only the renewals expiring in it, and the run rate over its
// days. The clock stays in's: the month to date is what it was when the inputs were gathered.
func (in Input) Window(from, to time.Time) Input {
	out := in
	out.From, out.To = from, to
	out.Customers = make([]Customer, len(in.Customers))
	for i, c := range in.Customers {
		var rs []Renewal
		for _, r := range c.Renewals {
			if !r.Expiry.Before(from) && r.Expiry.Before(to) {
				rs = append(rs, r)
			}
		}
		c.Renewals = rs
		out.Customers[i] = c
	}
	return out
}

// Covers reports whether in's renewals cover [from, to): a window inside the one they were
// gathered for.
func (in Input) Covers(from, to time.Time) bool {
	return !from.Before(in.From) && !to.After(in.To) && from.Before(to)
}

// Select is in with only the customers keep accepts: their totals, their gaps, their pace.
func (in Input) Select(keep func(Customer) bool) Input {
	out := in
	out.Customers = nil
	for _, c := range in.Customers {
		if keep(c) {
			out.Customers = append(out.Customers, c)
		}
	}
	return out
}
