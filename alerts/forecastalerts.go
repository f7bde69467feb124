package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// KindForecast is the kind of the forecast's alerts (/subscribe forecast): an auto-renewal
// that will fail for want of balance, and budgets reaching 75, 90 and 100 %. They are decided
// at the end of each delta expiry scan, from the forecast it just stored, through the same
// ledger, quiet hours, snoozes and outbox as the expiry and arrears alerts.
const KindForecast = "forecast"

// DefaultForecastDays is how many days before its expiry an auto-renewal that will fail is
// alerted (alerts.forecast_days): before Huawei's own attempt 7 days before expiry.
const DefaultForecastDays = 10

// BudgetThresholds are the shares of a monthly budget (month to date plus the forecast of the
// rest of the month) that are alerted, each once a month.
var BudgetThresholds = []int{75, 90, 100}

// Ledger entries of the forecast's alerts, under "fc|<channel>|": "renew|<resource>|<expiry
// unix>" once per resource and expiry; "budget|<customer>|<YYYY-MM>" with the highest
// threshold alerted that month.
type budgetMark struct {
	Pct int `json:"pct"`
}

type renewFailEvent struct {
	cu  bss.Customer
	r   forecast.Renewal
	bal bss.Amount
	gap bss.Amount
	cur string
	key string
}

type budgetEvent struct {
	cu                   bss.Customer
	budget, spent, ahead bss.Amount
	pct, threshold       int
	cur                  string
	key                  string
}

// forecastAlerts decides and commits the forecast's alerts of every channel subscribed to
// them, from in (the inputs just stored) at now.
func (s *Scanner) forecastAlerts(ctx context.Context, in forecast.Input, now time.Time, sum *Summary) error {
	chans, err := s.channels(ctx, KindForecast)
	if err != nil || len(chans) == 0 {
		return err
	}
	budgets, err := s.opts.Forecaster.Budgets(ctx)
	if err != nil {
		return err
	}
	renewals, budgetEvents := s.forecastEvents(in, budgets, now)
	for _, ch := range chans {
		if err := s.forecastDigest(ctx, ch, renewals, budgetEvents, now, sum); err != nil {
			return fmt.Errorf("channel %s: %w", ch.key(), err)
		}
	}
	return nil
}

// forecastEvents are what would be alerted before any channel's ledger: the auto-renewals
// due within ForecastDays whose quote exceeds the balance, and the budgets past a threshold.
func (s *Scanner) forecastEvents(in forecast.Input, budgets []store.Budget, now time.Time) ([]renewFailEvent, []budgetEvent) {
	days := s.opts.ForecastDays
	if days <= 0 {
		days = DefaultForecastDays
	}
	horizon := now.Add(time.Duration(days) * 24 * time.Hour)
	byID := map[string]forecast.Customer{}
	var renewals []renewFailEvent
	for _, c := range in.Customers {
		byID[c.ID] = c
		if !c.HasBalance {
			continue
		}
		cu := bss.Customer{ID: c.ID, Name: c.Name, AccountName: c.Account, Label: c.Label}
		for _, r := range c.Renewals {
			if !r.AutoRenew || !r.Quoted || !r.Expiry.After(now) || r.Expiry.After(horizon) || r.Quote.Cmp(c.Balance) <= 0 {
				continue
			}
			renewals = append(renewals, renewFailEvent{cu: cu, r: r, bal: c.Balance, gap: r.Quote.Sub(c.Balance), cur: currencyOr(c.Currency),
				key: "renew|" + r.ResourceID + "|" + strconv.FormatInt(r.Expiry.Unix(), 10)})
		}
	}
	sort.Slice(renewals, func(i, j int) bool {
		if c := renewals[i].gap.Cmp(renewals[j].gap); c != 0 {
			return c > 0
		}
		return renewals[i].key < renewals[j].key
	})
	// The rest of this month: from the inputs' time to the 1st of next month.
	endOfMonth, _ := forecast.NextMonth(in.Now)
	cycle := bss.Cycle(in.Now)
	var events []budgetEvent
	for _, b := range budgets {
		c, ok := byID[b.CustomerID]
		budget, err := bss.ParseAmount(b.Amount)
		if !ok || err != nil || budget.Sign() <= 0 {
			continue
		}
		one := in.Select(func(x forecast.Customer) bool { return x.ID == c.ID })
		ahead := forecast.Compute(one.Window(in.Now, endOfMonth)).Total
		spent := c.MonthToDate.Add(ahead)
		pct := int(spent.Micros() * 100 / budget.Micros())
		threshold := 0
		for _, t := range BudgetThresholds {
			if pct >= t {
				threshold = t
			}
		}
		if threshold == 0 {
			continue
		}
		name := c.Name
		if name == "" {
			name = b.Name
		}
		events = append(events, budgetEvent{cu: bss.Customer{ID: c.ID, Name: name, AccountName: c.Account, Label: c.Label},
			budget: budget, spent: c.MonthToDate, ahead: ahead, pct: pct, threshold: threshold, cur: currencyOr(c.Currency),
			key: "budget|" + c.ID + "|" + cycle})
	}
	sort.Slice(events, func(i, j int) bool {
		if events[i].pct != events[j].pct {
			return events[i].pct > events[j].pct
		}
		return events[i].cu.ID < events[j].cu.ID
	})
	return renewals, events
}

func currencyOr(c string) string {
	if c == "" {
		return "CNY"
	}
	return c
}

// forecastDigest writes one channel's new forecast alerts with their ledger entries, and
// forgets the entries of past expiries and months.
func (s *Scanner) forecastDigest(ctx context.Context, ch *channel, renewals []renewFailEvent, budgets []budgetEvent, now time.Time, sum *Summary) error {
	prefix := "fc|" + ch.key() + "|"
	ledger, err := s.store.LedgerPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	puts := map[string]json.RawMessage{}
	var deletes []string
	var newRenewals []renewFailEvent
	for _, e := range renewals {
		if _, ok := ch.matches(KindForecast, e.cu); !ok || ch.snoozed[e.cu.ID] || ch.snoozed[e.r.ResourceID] {
			continue
		}
		if _, had := ledger[prefix+e.key]; had {
			continue
		}
		puts[prefix+e.key] = json.RawMessage(`{"gap":"` + e.gap.Exact() + `"}`)
		newRenewals = append(newRenewals, e)
	}
	var newBudgets []budgetEvent
	for _, e := range budgets {
		if _, ok := ch.matches(KindForecast, e.cu); !ok || ch.snoozed[e.cu.ID] {
			continue
		}
		var prev budgetMark
		if raw, had := ledger[prefix+e.key]; had {
			_ = json.Unmarshal(raw, &prev)
		}
		if e.threshold <= prev.Pct {
			continue
		}
		raw, _ := json.Marshal(budgetMark{Pct: e.threshold})
		puts[prefix+e.key] = raw
		newBudgets = append(newBudgets, e)
	}
	// Entries of expiries past the lookback, and of other months' budgets, are done with.
	cycle := bss.Cycle(now)
	for k := range ledger {
		rest := strings.TrimPrefix(k, prefix)
		parts := strings.Split(rest, "|")
		switch {
		case len(parts) == 3 && parts[0] == "renew":
			if at, err := strconv.ParseInt(parts[2], 10, 64); err == nil && time.Unix(at, 0).Before(now.Add(-s.opts.Lookback)) {
				deletes = append(deletes, k)
			}
		case len(parts) == 3 && parts[0] == "budget" && parts[2] != cycle:
			deletes = append(deletes, k)
		}
	}
	if len(newRenewals) == 0 && len(newBudgets) == 0 {
		if len(deletes) > 0 {
			return s.store.CommitAlerts(ctx, nil, deletes, nil)
		}
		return nil
	}
	d := s.renderForecastAlerts(ch.lang, newRenewals, newBudgets)
	notices := s.notices(ch, KindForecast, d, now)
	sum.Alerted += len(newRenewals) + len(newBudgets)
	sum.Notices += len(notices)
	sum.Channels++
	return s.store.CommitAlerts(ctx, puts, deletes, notices)
}

func (s *Scanner) renderForecastAlerts(l lang.Lang, renewals []renewFailEvent, budgets []budgetEvent) chat.Reply {
	rep := chat.Reply{Title: l.T("alert.forecast.title", len(renewals)+len(budgets))}
	if len(renewals) > 0 {
		sec := chat.Section{Title: l.T("alert.forecast.renew_fail")}
		for _, e := range renewals {
			desc := e.r.Desc
			if desc == "" {
				desc = e.r.ResourceID
			}
			sec.Lines = append(sec.Lines, l.T("alert.forecast.renew_line", lang.CustomerName(e.cu), desc,
				e.r.Expiry.In(s.opts.Location).Format("2006-01-02"), lang.Money(e.r.Quote, e.cur), lang.Money(e.bal, e.cur),
				lang.Money(e.gap, e.cur))+" · "+l.T("alert.arrears.how_topup", cmdline.TopUp(e.cu.ID, forecast.CeilCents(e.gap))))
		}
		rep.Sections = append(rep.Sections, sec)
	}
	if len(budgets) > 0 {
		sec := chat.Section{Title: l.T("alert.forecast.budget")}
		for _, e := range budgets {
			sec.Lines = append(sec.Lines, l.T("alert.forecast.budget_line", lang.CustomerName(e.cu), e.threshold,
				lang.Money(e.spent, e.cur), lang.Money(e.ahead, e.cur), lang.Money(e.budget, e.cur), e.pct))
		}
		rep.Sections = append(rep.Sections, sec)
	}
	for _, e := range renewals {
		if len(rep.Buttons) < maxTopUpButtons {
			gap := forecast.CeilCents(e.gap)
			rep.Buttons = append(rep.Buttons, chat.Button{Label: lang.TopUpLabel(l, e.cu, gap, e.cur),
				Command: cmdline.TopUp(e.cu.ID, gap), Style: "primary"})
		}
	}
	rep.Buttons = append(rep.Buttons, chat.Button{Label: l.T("alert.btn.forecast"), Command: "/forecast"})
	return rep
}
