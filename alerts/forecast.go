package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/store"
)

// The renewal and arrears forecast (issue #24) is gathered here and computed by package
// forecast: the main resources expiring in the window come from the expiry index, each quoted
// by BSS's renewal price inquiry (ListRenewRateOnPeriod, ten main resources a call, attached
// resources included, for one month: the resource listing does not say the period an
// auto-renewal will take); this month's spend from the monthly sums of every customer
// (ListSubcustomerMonthlyBills, one listing per charge mode, not one call per customer); the
// balances from the arrears scan's cache when it is a day old at most, else from BSS; the
// partner's allocatable funds and credit from ListPartnerBalances. Quotes are kept in the
// store for QuoteTTL and dropped when a delta scan sees an order of the customer.

// QuotePeriod is the period quotes are asked for and kept under: one month.
const QuotePeriod = "1m"

// QuoteTTL is how long a renewal quote is used again.
const QuoteTTL = 24 * time.Hour

// PartnerForecastDays is the window of [Forecaster.PartnerForecast], which the stored forecast
// always covers: the next 30 days.
const PartnerForecastDays = 30

// ForecastBSS is what the forecast needs of the BSS client.
type ForecastBSS interface {
	RenewPrice(ctx context.Context, customer bss.CustomerRef, req bss.RenewPriceRequest) (*bss.RenewPrice, error)
	MonthlyBills(ctx context.Context, f bss.MonthlyBillFilter) iter.Seq2[bss.BillSum, error]
	CustomerBalances(ctx context.Context, customerIDs []string) ([]bss.CustomerBalance, error)
	PartnerBalances(ctx context.Context, indirectPartnerID string) ([]bss.AccountBalance, error)
	AllResources(ctx context.Context, f bss.ResourceFilter) ([]bss.Resource, error)
	Supports(op string) bool
}

// ForecastStore is what the forecast needs of the store.
type ForecastStore interface {
	ExpiringIndexed(ctx context.Context, from, to time.Time) ([]store.TimedResource, error)
	BalanceCache(ctx context.Context) (store.BalanceCacheState, []store.CachedBalance, bool, error)
	PutForecast(ctx context.Context, f store.StoredForecast) error
	Forecast(ctx context.Context) (store.StoredForecast, bool, error)
	PutQuotes(ctx context.Context, customerID string, qs []store.CachedQuote) error
	Quotes(ctx context.Context, ids []string) (map[string][]store.CachedQuote, error)
	DropQuotes(ctx context.Context, ids []string) error
	Budgets(ctx context.Context) ([]store.Budget, error)
}

// Forecaster gathers a forecast's inputs and computes it.
type Forecaster struct {
	bss         ForecastBSS
	store       ForecastStore
	now         func() time.Time
	log         *slog.Logger
	concurrency int
}

// NewForecaster is a forecaster on b and s; now, when nil, is time.Now.
func NewForecaster(b ForecastBSS, s ForecastStore, now func() time.Time, log *slog.Logger, concurrency int) *Forecaster {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Forecaster{bss: b, store: s, now: now, log: log, concurrency: max(1, concurrency)}
}

// ForecastStats counts what gathering a forecast cost.
type ForecastStats = forecast.Stats

// Refresh gathers the inputs of the forecasts the stored one answers, over every customer of
// the expiry index, and stores them: the renewals from now to the end of next month (and at
// least PartnerForecastDays ahead: late in January, February ends sooner), so that /forecast
// computes next month's, this month's rest or the next N days' from them without asking BSS
// (forecast.Input.Window), and the health scan the next 30 days' (PartnerForecast). customers
// names those the scan knows (for their names and labels).
func (f *Forecaster) Refresh(ctx context.Context, customers map[string]bss.Customer) (forecast.Input, ForecastStats, error) {
	now := f.now()
	_, to := forecast.NextMonth(now)
	if least := now.Add(PartnerForecastDays * 24 * time.Hour); least.After(to) {
		to = least
	}
	timed, err := f.store.ExpiringIndexed(ctx, now, to)
	if err != nil {
		return forecast.Input{}, ForecastStats{}, fmt.Errorf("forecast: %w", err)
	}
	byCustomer := map[string][]store.TimedResource{}
	for _, tr := range timed {
		byCustomer[tr.Customer] = append(byCustomer[tr.Customer], tr)
	}
	in, stats, err := f.gather(ctx, now, now, to, "", customers, byCustomer)
	if err != nil {
		return in, stats, err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return in, stats, fmt.Errorf("forecast: %w", err)
	}
	if err := f.store.PutForecast(ctx, store.StoredForecast{At: now, Customers: len(customers), Body: body}); err != nil {
		return in, stats, fmt.Errorf("forecast: %w", err)
	}
	return in, stats, nil
}

// Stored is the inputs the last Refresh stored, and over how many customers; ok is false
// before the first.
func (f *Forecaster) Stored(ctx context.Context) (in forecast.Input, customers int, ok bool, err error) {
	st, ok, err := f.store.Forecast(ctx)
	if err != nil || !ok {
		return in, 0, ok, err
	}
	if err := json.Unmarshal(st.Body, &in); err != nil {
		return in, 0, false, fmt.Errorf("forecast: stored forecast: %w", err)
	}
	return in, st.Customers, true, nil
}

// PartnerForecast is what the stored forecast expects the customers to spend over the
// PartnerForecastDays days from its time, renewals and pay-per-use together: what the health
// scan holds the partner's own funds against (HealthOptions.Forecast,
// alerts.health.partner_forecast_percent). ok is false before the first forecast.
func (f *Forecaster) PartnerForecast(ctx context.Context) (amount bss.Amount, ok bool, err error) {
	in, _, ok, err := f.Stored(ctx)
	if err != nil || !ok {
		return bss.Amount{}, false, err
	}
	return forecast.Compute(in.Window(in.Now, in.Now.Add(PartnerForecastDays*24*time.Hour))).Total, true, nil
}

var _ PartnerForecaster = (*Forecaster)(nil)

// Live gathers the inputs of one customer's forecast over [from, to) from BSS now: its
// resources listed, its spend, its balance; quotes from the store when a day old at most.
func (f *Forecaster) Live(ctx context.Context, cu bss.Customer, from, to time.Time) (forecast.Input, ForecastStats, error) {
	now := f.now()
	rs, err := f.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID})
	if err != nil {
		return forecast.Input{}, ForecastStats{}, fmt.Errorf("forecast of %s: %w", cu.ID, err)
	}
	var timed []store.TimedResource
	for _, r := range rs {
		if r.IsMain() && !r.ExpireTime.Before(from) && r.ExpireTime.Before(to) {
			timed = append(timed, store.TimedResource{Customer: cu.ID, Name: cu.Name, Account: cu.AccountName, Resource: indexedResource(r, now)})
		}
	}
	return f.gather(ctx, now, from, to, cu.ID, map[string]bss.Customer{cu.ID: cu}, map[string][]store.TimedResource{cu.ID: timed})
}

// gather collects the quotes, spend and balances of the customers of byCustomer and customers
// (every customer's spend counts for the pay-per-use run rate). only, when set, is the one
// customer asked about: its spend is asked by its id.
func (f *Forecaster) gather(ctx context.Context, now, from, to time.Time, only string,
	customers map[string]bss.Customer, byCustomer map[string][]store.TimedResource) (_ forecast.Input, stats ForecastStats, _ error) {
	// Its own count of calls: a scan's usage stays what the scan itself asked.
	usage := &bss.Usage{}
	ctx = bss.WithUsage(ctx, usage)
	defer func() { stats.Calls = usage.Total().Calls }()
	ids := map[string]bool{}
	for id := range byCustomer {
		ids[id] = true
	}
	for id := range customers {
		ids[id] = true
	}
	spend, err := f.monthToDate(ctx, now, only)
	if err != nil {
		return forecast.Input{}, stats, err
	}
	for id := range spend {
		if customers == nil || customers[id].ID != "" {
			ids[id] = true
		}
	}
	sorted := slices.Sorted(func(yield func(string) bool) {
		for id := range ids {
			if !yield(id) {
				return
			}
		}
	})
	balances, err := f.balances(ctx, now, sorted)
	if err != nil {
		return forecast.Input{}, stats, err
	}
	renewals, err := f.quote(ctx, now, byCustomer, customers, &stats)
	if err != nil {
		return forecast.Input{}, stats, err
	}
	in := forecast.Input{Now: now, From: from, To: to}
	if f.bss.Supports(bss.OpListPartnerBalances) {
		accts, err := f.bss.PartnerBalances(ctx, "")
		if err != nil {
			return forecast.Input{}, stats, fmt.Errorf("forecast: partner balances: %w", err)
		}
		in.Partner.Known = true
		if _, avail, ok := bss.Available(accts); ok {
			in.Partner.Allocatable = avail
		}
		for _, a := range accts {
			if a.AccountType == 2 {
				in.Partner.Credit = in.Partner.Credit.Add(a.Amount)
			}
		}
	}
	for _, id := range sorted {
		c := forecast.Customer{ID: id, Renewals: renewals[id]}
		if cu, ok := customers[id]; ok {
			c.Name, c.Account, c.Label = cu.Name, cu.AccountName, cu.Label
		} else if trs := byCustomer[id]; len(trs) > 0 {
			c.Name, c.Account = trs[0].Name, trs[0].Account
		}
		s := spend[id]
		c.MonthToDate, c.OnDemandToDate, c.Currency = s.all, s.onDemand, s.currency
		if b, ok := balances[id]; ok {
			c.Balance, c.HasBalance = b.Amount, true
			if b.Currency != "" {
				c.Currency = b.Currency
			}
		}
		in.Customers = append(in.Customers, c)
	}
	return in, stats, nil
}

// spendToDate is a customer's spend this month.
type spendToDate struct {
	all, onDemand bss.Amount
	currency      string
}

// monthToDate sums this month's spend per customer over every charge mode (only's, when set).
func (f *Forecaster) monthToDate(ctx context.Context, now time.Time, only string) (map[string]spendToDate, error) {
	out := map[string]spendToDate{}
	if !f.bss.Supports(bss.OpListSubcustomerMonthlyBills) {
		return out, nil
	}
	for _, mode := range bss.ChargeModes {
		for line, err := range f.bss.MonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: bss.Cycle(now), ChargeMode: mode, CustomerID: only}) {
			if err != nil {
				return nil, fmt.Errorf("forecast: month to date: %w", err)
			}
			s := out[line.CustomerID]
			s.all = s.all.Add(line.Amount)
			if line.ChargeMode == bss.ChargeModeOnDemand || (line.ChargeMode == "" && mode == bss.ChargeModeOnDemand) {
				s.onDemand = s.onDemand.Add(line.Amount)
			}
			if s.currency == "" {
				s.currency = "CNY"
			}
			out[line.CustomerID] = s
		}
	}
	return out, nil
}

// balances are the customers' balances: the arrears scan's cache when it is a day old at
// most, BSS for the others.
func (f *Forecaster) balances(ctx context.Context, now time.Time, ids []string) (map[string]bss.CustomerBalance, error) {
	out := map[string]bss.CustomerBalance{}
	if st, cached, ok, err := f.store.BalanceCache(ctx); err != nil {
		return nil, fmt.Errorf("forecast: balance cache: %w", err)
	} else if ok && now.Sub(st.At) <= 24*time.Hour && !now.Before(st.At) {
		for _, c := range cached {
			amount, err1 := bss.ParseAmount(c.Amount)
			debt, err2 := bss.ParseAmount(c.Debt)
			if err1 == nil && err2 == nil {
				out[c.CustomerID] = bss.CustomerBalance{CustomerID: c.CustomerID, Amount: amount, Debt: debt, Currency: c.Currency}
			}
		}
	}
	var ask []string
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			ask = append(ask, id)
		}
	}
	if len(ask) == 0 || !f.bss.Supports(bss.OpListCustomersBalancesDetail) {
		return out, nil
	}
	bs, err := f.bss.CustomerBalances(ctx, ask)
	if err != nil {
		return nil, fmt.Errorf("forecast: balances: %w", err)
	}
	for _, b := range bs {
		out[b.CustomerID] = b
	}
	return out, nil
}

// quote prices the renewals of byCustomer, from the store's quotes of the last QuoteTTL or BSS
// (ten main resources a call), and keeps each customer's quotes.
func (f *Forecaster) quote(ctx context.Context, now time.Time, byCustomer map[string][]store.TimedResource,
	customers map[string]bss.Customer, stats *ForecastStats) (map[string][]forecast.Renewal, error) {
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range byCustomer {
			if !yield(id) {
				return
			}
		}
	})
	cached, err := f.store.Quotes(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("forecast: quotes: %w", err)
	}
	out := make(map[string][]forecast.Renewal, len(ids))
	var mu sync.Mutex
	var firstErr error
	jobs := make(chan string)
	var wg sync.WaitGroup
	for range f.concurrency {
		wg.Go(func() {
			for id := range jobs {
				rs, st, err := f.quoteCustomer(ctx, now, id, byCustomer[id], customers[id], cached[id])
				mu.Lock()
				out[id] = rs
				stats.Quoted += st.Quoted
				stats.Cached += st.Cached
				stats.QuoteCalls += st.QuoteCalls
				if err != nil && firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, id := range ids {
		if ctx.Err() != nil {
			break
		}
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if firstErr != nil {
		// A customer's store write failed; the quotes are good, the next forecast asks again.
		f.log.WarnContext(ctx, "forecast: could not keep the renewal quotes", "error", firstErr)
	}
	return out, nil
}

// quoteCustomer prices one customer's renewals. A failed inquiry leaves its resources
// unquoted (the forecast says how many) rather than failing the forecast.
func (f *Forecaster) quoteCustomer(ctx context.Context, now time.Time, id string, trs []store.TimedResource,
	cu bss.Customer, cached []store.CachedQuote) ([]forecast.Renewal, ForecastStats, error) {
	var st ForecastStats
	fresh := map[string]store.CachedQuote{}
	for _, q := range cached {
		if q.Period == QuotePeriod && !now.Before(q.At) && now.Sub(q.At) < QuoteTTL {
			fresh[q.ResourceID] = q
		}
	}
	rs := make([]forecast.Renewal, 0, len(trs))
	seen := map[string]bool{}
	var ask []int
	for _, tr := range trs {
		r := tr.Resource
		if !r.Main || r.Status == bss.StatusClosed || seen[r.ID] {
			continue
		}
		seen[r.ID] = true
		rn := forecast.Renewal{ResourceID: r.ID, Desc: r.Desc, Expiry: r.Expiry, AutoRenew: r.Policy == bss.ExpirePolicyAutoRenew}
		if q, ok := fresh[r.ID]; ok {
			if a, err := bss.ParseAmount(q.Amount); err == nil {
				rn.Quote, rn.Quoted = a, true
				st.Cached++
			}
		}
		if !rn.Quoted {
			ask = append(ask, len(rs))
		}
		rs = append(rs, rn)
	}
	ref := bss.CustomerRef{ID: id, AccountName: cu.AccountName, XAccountType: cu.XAccountType}
	if ref.AccountName == "" && len(trs) > 0 {
		ref.AccountName = trs[0].Account
	}
	for start := 0; start < len(ask); start += bss.MaxActionResources {
		part := ask[start:min(start+bss.MaxActionResources, len(ask))]
		resIDs := make([]string, len(part))
		for i, k := range part {
			resIDs[i] = rs[k].ResourceID
		}
		st.QuoteCalls++
		price, err := f.bss.RenewPrice(ctx, ref, bss.RenewPriceRequest{ResourceIDs: resIDs,
			Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, IncludeRelatives: true})
		if err != nil {
			f.log.WarnContext(ctx, "forecast: renewal quote failed; the resources stay unquoted", "customer", id, "resources", len(resIDs), "error", err)
			continue
		}
		for _, k := range part {
			if a, ok := price.AmountOf(rs[k].ResourceID); ok {
				rs[k].Quote, rs[k].Quoted = a, true
				st.Quoted++
			}
		}
	}
	var keep []store.CachedQuote
	for _, rn := range rs {
		if !rn.Quoted {
			continue
		}
		at := now
		if q, ok := fresh[rn.ResourceID]; ok {
			at = q.At
		}
		keep = append(keep, store.CachedQuote{ResourceID: rn.ResourceID, Period: QuotePeriod, Amount: rn.Quote.Exact(), At: at})
	}
	if st.QuoteCalls == 0 && len(keep) == len(cached) {
		return rs, st, nil // nothing new to keep
	}
	return rs, st, f.store.PutQuotes(ctx, id, keep)
}

// Budgets are the customers' monthly budgets (/budget), which the forecast alerts watch.
func (f *Forecaster) Budgets(ctx context.Context) ([]store.Budget, error) {
	return f.store.Budgets(ctx)
}

// DropQuotes forgets the quotes of customers with a new order (a delta scan's).
func (f *Forecaster) DropQuotes(ctx context.Context, ids []string) error {
	return f.store.DropQuotes(ctx, ids)
}
