package report

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/store"
)

// BSS is what gathering a report asks BSS: the customers (names and labels) and the monthly
// bills, as /spend does.
type BSS interface {
	Customers(ctx context.Context, f bss.CustomerFilter) iter.Seq2[bss.Customer, error]
	AllMonthlyBills(ctx context.Context, f bss.MonthlyBillFilter) (*bss.BillSumPage, error)
}

// Balances is the arrears scan's balance cache (the store).
type Balances interface {
	BalanceCache(ctx context.Context) (store.BalanceCacheState, []store.CachedBalance, bool, error)
}

// Forecasts is the stored forecast (*alerts.Forecaster).
type Forecasts interface {
	Stored(ctx context.Context) (in forecast.Input, customers int, ok bool, err error)
}

// Gatherer fetches a report's inputs from what the bot already has: seven months of bills
// from BSS (one AllMonthlyBills per month, side by side), the arrears scan's cache and the
// forecast the last expiry scan stored. Forecasts may be nil (no forecast: arrears only).
type Gatherer struct {
	BSS       BSS
	Balances  Balances
	Forecasts Forecasts
	Zone      *time.Location
}

// Gather fetches the inputs of a report of scope at now. A one-customer scope asks BSS for
// that customer's bills only.
func (g *Gatherer) Gather(ctx context.Context, now time.Time, scope Scope) (Inputs, error) {
	in := Inputs{Now: now, Zone: g.Zone, Customers: map[string]bss.Customer{}, Bills: map[string][]bss.BillSum{}}
	cf := bss.CustomerFilter{CustomerID: scope.CustomerID}
	for cu, err := range g.BSS.Customers(ctx, cf) {
		if err != nil {
			return Inputs{}, fmt.Errorf("report: customers: %w", err)
		}
		in.Customers[cu.ID] = cu
	}
	cycles := Cycles(now)
	pages := make([]*bss.BillSumPage, len(cycles))
	errs := make([]error, len(cycles))
	var wg sync.WaitGroup
	for i, cy := range cycles {
		wg.Go(func() {
			pages[i], errs[i] = g.BSS.AllMonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: cy, CustomerID: scope.CustomerID})
		})
	}
	wg.Wait()
	for i, cy := range cycles {
		if errs[i] != nil {
			return Inputs{}, fmt.Errorf("report: bills of %s: %w", cy, errs[i])
		}
		in.Bills[cy] = pages[i].BillSums
		if pages[i].Currency != "" {
			in.Currency = pages[i].Currency
		}
	}
	if g.Balances != nil {
		_, bs, ok, err := g.Balances.BalanceCache(ctx)
		if err != nil {
			return Inputs{}, fmt.Errorf("report: balance cache: %w", err)
		}
		in.Balances, in.HasBalances = bs, ok
	}
	if g.Forecasts != nil {
		fin, _, ok, err := g.Forecasts.Stored(ctx)
		if err != nil {
			return Inputs{}, fmt.Errorf("report: stored forecast: %w", err)
		}
		in.Forecast, in.HasForecast = fin, ok
	}
	return in, nil
}
