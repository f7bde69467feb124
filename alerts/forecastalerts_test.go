package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/store"
)

// newForecastScanEnv is a delta scanner that computes the forecast, with the index's scope
// (every customer's expiry alerts in slack:C1) and forecast alerts in slack:C2.
func newForecastScanEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, func(o *alerts.Options) { o.Delta = true })
	e.opts.Forecaster = alerts.NewForecaster(e.Client, e.Store, e.Clock.Now, nil, 4)
	e.open()
	e.subscribe("slack:C1", "expiry", "*")
	e.subscribe("slack:C2", "forecast", "*")
	return e
}

// forecastNotices are the forecast alerts drained from the outbox, by channel.
func (e *env) forecastNotices() map[string][]string {
	out := map[string][]string{}
	for _, n := range e.drain() {
		if n.Kind == "alert:"+alerts.KindForecast {
			out[n.Platform+":"+n.Channel] = append(out[n.Platform+":"+n.Channel], text(n))
		}
	}
	return out
}

// TestForecastAlertRenewalWillFail is the sandbox scenario of "auto-renewal will fail": a
// resale customer's auto-renewing resource due in a few days, the balance set below its
// quote. The channel subscribed to forecast alerts hears of it once, with the gap and a top-up
// button; a channel that snoozed the customer does not; a later scan says nothing again.
func TestForecastAlertRenewalWillFail(t *testing.T) {
	e := newForecastScanEnv(t)
	e.subscribe("slack:C3", "forecast", "*")
	e.subscribe("slack:C4", "all", "*") // expiry and arrears: forecast alerts are asked for by name
	now := e.Clock.Now()
	var cust, name string
	for _, c := range e.Srv.Customers() {
		if c.AssociationType != "2" || cust != "" {
			continue
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if r.IsMain && r.Status == bss.StatusInUse && r.ExpirePolicy == bss.ExpirePolicyAutoRenew &&
				r.ExpireTime.After(now.Add(2*24*time.Hour)) && r.ExpireTime.Before(now.Add(9*24*time.Hour)) {
				cust, name = c.ID, r.Name
				break
			}
		}
	}
	if cust == "" {
		t.Fatal("the sandbox has no resale customer with an auto-renewal due in 2–9 days")
	}
	e.Srv.SetBalance(cust, "1.00", "0")
	if err := e.Store.Snooze(context.Background(), store.Snooze{Platform: "slack", Channel: "C3", Target: cust,
		Until: now.Add(30 * 24 * time.Hour), By: store.Actor{Platform: "slack", UserID: "U1"}}); err != nil {
		t.Fatal(err)
	}
	sum := e.scan(alerts.KindExpiry)
	if sum.ForecastErr != nil {
		t.Fatal(sum.ForecastErr)
	}
	got := e.forecastNotices()
	c2 := strings.Join(got["slack:C2"], "\n")
	if !strings.Contains(c2, "自动续费将失败") || !strings.Contains(c2, name) || !strings.Contains(c2, "余额 CNY 1.00") ||
		!strings.Contains(c2, "/topup "+cust+" ") {
		t.Fatalf("C2 was not told of %s's renewal failing:\n%s", name, c2)
	}
	if c3 := strings.Join(got["slack:C3"], "\n"); strings.Contains(c3, name) {
		t.Errorf("C3 snoozed the customer but heard of it:\n%s", c3)
	}
	if len(got["slack:C1"]) != 0 || len(got["slack:C4"]) != 0 {
		t.Errorf("channels not subscribed to forecast alerts got them: %v %v", got["slack:C1"], got["slack:C4"])
	}
	// Every line is a renewal due within 10 days whose quote exceeds the balance.
	in, _, _, err := e.opts.Forecaster.Stored(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, c := range in.Customers {
		for _, r := range c.Renewals {
			if c.HasBalance && r.AutoRenew && r.Quoted && r.Expiry.After(now) && !r.Expiry.After(now.Add(10*24*time.Hour)) && r.Quote.Cmp(c.Balance) > 0 {
				want++
			}
		}
	}
	if lines := strings.Count(c2, "自动续费，报价"); lines != want || want == 0 {
		t.Errorf("C2 has %d renewal lines, want %d:\n%s", lines, want, c2)
	}

	e.Clock.Advance(time.Hour)
	e.scan(alerts.KindExpiry)
	if again := e.forecastNotices(); len(again["slack:C2"]) != 0 {
		t.Errorf("alerted again:\n%s", strings.Join(again["slack:C2"], "\n"))
	}
}

// TestForecastAlertBudgets is the sandbox scenario of budgets: 张三's budget set so that this
// month's spend plus the forecast of the rest of it is 80 %, then 95 %, then 102 % of it. Each
// threshold (75, 90, 100) is alerted once, and no scan in between says anything.
func TestForecastAlertBudgets(t *testing.T) {
	e := newForecastScanEnv(t)
	ctx := context.Background()
	zs := e.Customer(t, "zhangsan")
	e.scan(alerts.KindExpiry)
	e.forecastNotices()
	// 张三's month: what it spent, and the forecast of the rest of November.
	in, _, _, err := e.opts.Forecaster.Stored(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one := in.Select(func(c forecast.Customer) bool { return c.ID == zs.ID })
	if len(one.Customers) != 1 {
		t.Fatal("张三 is not in the forecast")
	}
	end, _ := forecast.NextMonth(in.Now)
	spent := one.Customers[0].MonthToDate.Add(forecast.Compute(one.Window(in.Now, end)).Total)
	if spent.Sign() <= 0 {
		t.Fatalf("张三 spends nothing this month: %s", spent)
	}
	steps := []struct {
		pct       int64 // spent is this share of the budget
		threshold string
	}{{80, "75%"}, {95, "90%"}, {102, "100%"}}
	for _, st := range steps {
		budget := bss.NewAmount(0, spent.Micros()*100/st.pct)
		if err := e.Store.SetBudget(ctx, store.Budget{CustomerID: zs.ID, Name: "张三", Amount: budget.Exact(), At: e.Clock.Now()}); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour)
		e.scan(alerts.KindExpiry)
		c2 := strings.Join(e.forecastNotices()["slack:C2"], "\n")
		if !strings.Contains(c2, "月度预算") || !strings.Contains(c2, "张三") || !strings.Contains(c2, "达到预算的 "+st.threshold) {
			t.Fatalf("at %d%%: want the %s alert:\n%s", st.pct, st.threshold, c2)
		}
		e.Clock.Advance(time.Hour)
		e.scan(alerts.KindExpiry)
		if c2 := strings.Join(e.forecastNotices()["slack:C2"], "\n"); strings.Contains(c2, "月度预算") {
			t.Errorf("at %d%%, the next scan alerted again:\n%s", st.pct, c2)
		}
	}
}
