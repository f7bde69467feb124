package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/lang"
)

// partnerFundsNotices are the health notices of channel that name the partner's funds.
func (e *env) partnerFundsNotices(channel string) []string {
	var out []string
	for _, n := range e.drain() {
		if n.Platform+":"+n.Channel == channel && strings.Contains(text(n), "伙伴账户资金不足") {
			out = append(out, text(n))
		}
	}
	return out
}

// TestPartnerFundsAgainstTheStoredForecast: the health scan holds the partner's funds against
// alerts.health.partner_forecast_percent of the next 30 days' total of the forecast the expiry
// scan stored (the Forecaster is HealthOptions.Forecast). No forecast yet: nothing. Funds at or
// above the share: nothing. Funds below it, by a percent: one notice naming the share, and not
// again on the next scan.
func TestPartnerFundsAgainstTheStoredForecast(t *testing.T) {
	e := newForecastScanEnv(t)
	ctx := context.Background()
	e.subscribe("slack:C3", alerts.KindHealth, "*")
	fc := e.opts.Forecaster
	e.opts.Health = alerts.HealthOptions{PartnerForecastPercent: 100, Forecast: fc}
	e.open()
	e.scan(alerts.KindHealth)
	if got := e.partnerFundsNotices("slack:C3"); len(got) != 0 {
		t.Fatalf("partner funds alerted before any forecast:\n%s", strings.Join(got, "\n"))
	}

	if sum := e.scan(alerts.KindExpiry); sum.ForecastErr != nil {
		t.Fatal(sum.ForecastErr)
	}
	e.drain()
	in, _, ok, err := fc.Stored(ctx)
	if err != nil || !ok {
		t.Fatalf("no stored forecast: %v", err)
	}
	total := forecast.Compute(in.Window(in.Now, in.Now.Add(30*24*time.Hour))).Total
	if got, ok, err := fc.PartnerForecast(ctx); err != nil || !ok || got.Cmp(total) != 0 {
		t.Fatalf("PartnerForecast = %s %t %v, want the next 30 days' total %s", got, ok, err, total)
	}
	if total.Sign() <= 0 {
		t.Fatalf("the sandbox's next 30 days cost nothing: %s", total)
	}
	accts, err := e.Client.PartnerBalances(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	var funds bss.Amount
	for _, a := range accts {
		if a.AccountType == 1 || a.AccountType == 2 {
			funds = funds.Add(a.Amount)
		}
	}
	// The smallest whole percentage of the total above the funds.
	pct := int(funds.Micros()*100/total.Micros()) + 1
	share := func(p int) bss.Amount { return bss.NewAmount(0, total.Micros()/100*int64(p)) }
	if share(pct-1).Cmp(funds) > 0 || share(pct).Cmp(funds) <= 0 {
		t.Fatalf("%d%% of %s does not straddle the funds %s", pct, total, funds)
	}

	e.opts.Health.PartnerForecastPercent = pct - 1
	e.open()
	e.scan(alerts.KindHealth)
	if got := e.partnerFundsNotices("slack:C3"); len(got) != 0 {
		t.Fatalf("funds %s above %d%% of %s alerted:\n%s", funds, pct-1, total, strings.Join(got, "\n"))
	}

	e.opts.Health.PartnerForecastPercent = pct
	e.open()
	e.Clock.Advance(time.Hour)
	e.scan(alerts.KindHealth)
	got := e.partnerFundsNotices("slack:C3")
	if len(got) != 1 || !strings.Contains(got[0], "低于 "+lang.Money(share(pct), "CNY")) {
		t.Fatalf("funds %s below %d%% of %s (%s): want one notice naming it, got:\n%s", funds, pct, total,
			lang.Money(share(pct), "CNY"), strings.Join(got, "\n"))
	}
	e.Clock.Advance(time.Hour)
	e.scan(alerts.KindHealth)
	if again := e.partnerFundsNotices("slack:C3"); len(again) != 0 {
		t.Errorf("alerted again:\n%s", strings.Join(again, "\n"))
	}
}

// TestStoredForecastCoversThirtyDays: late in January the end of next month is less than 30
// days away; the stored forecast still reaches 30 days ahead, for the health scan's share and
// /forecast --days 30.
func TestStoredForecastCoversThirtyDays(t *testing.T) {
	e := newForecastScanEnv(t)
	now := e.Clock.Now().In(bss.ChinaTime)
	late := time.Date(now.Year()+1, time.January, 30, 12, 0, 0, 0, bss.ChinaTime)
	e.Clock.Advance(late.Sub(now))
	if sum := e.scan(alerts.KindExpiry); sum.ForecastErr != nil {
		t.Fatal(sum.ForecastErr)
	}
	in, _, ok, err := e.opts.Forecaster.Stored(context.Background())
	if err != nil || !ok {
		t.Fatalf("no stored forecast: %v", err)
	}
	if !in.Covers(in.Now, in.Now.Add(30*24*time.Hour)) {
		t.Errorf("the forecast stored %s covers %s – %s, not the next 30 days", in.Now, in.From, in.To)
	}
	if _, end := forecast.NextMonth(in.Now); in.To.Before(end) {
		t.Errorf("the forecast stored %s ends %s, before the end of next month %s", in.Now, in.To, end)
	}
}
