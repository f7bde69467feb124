package alerts_test

import (
	"context"
	"errors"
	"iter"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/store"
)

// healthText is every notice of a health scan, as the console shows them, and how many.
func (e *env) healthText() (string, int) {
	e.t.Helper()
	var b strings.Builder
	ns := e.drain()
	for _, n := range ns {
		if n.Kind != "alert:"+alerts.KindHealth {
			e.t.Errorf("notice kind %q, want alert:health", n.Kind)
		}
		b.WriteString(text(n))
		b.WriteString("\n")
	}
	return b.String(), len(ns)
}

func TestReleaseTableDeletion(t *testing.T) {
	exp := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	table := alerts.ReleaseTable{"V0": {Grace: 1, Retention: 2}, "default": {Grace: 15, Retention: 15}}
	day := func(n int) time.Time { return exp.AddDate(0, 0, n) }
	for _, tc := range []struct {
		name   string
		table  alerts.ReleaseTable
		level  string
		policy int
		want   time.Time // zero = never deleted
	}{
		{"no table: the documented V3 example", nil, "V3", bss.ExpirePolicyGrace, day(14)},
		{"no table, any level", nil, "V5", bss.ExpirePolicyGrace, day(14)},
		{"by level", table, "V0", bss.ExpirePolicyGrace, day(3)},
		{"level in lower case", table, "v0", bss.ExpirePolicyGrace, day(3)},
		{"a level not listed takes default", table, "V4", bss.ExpirePolicyGrace, day(30)},
		{"auto-renew that failed: grace then retention", table, "V0", bss.ExpirePolicyAutoRenew, day(3)},
		{"freeze: retention only", table, "V0", bss.ExpirePolicyFreeze, day(2)},
		{"delete from retention: retention only", table, "V0", bss.ExpirePolicyRelease, day(2)},
		{"delete at expiry", table, "V0", bss.ExpirePolicyDelete, day(0)},
		{"converted to pay-per-use: never", table, "V0", bss.ExpirePolicyOnDemand, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := bss.Resource{ExpirePolicy: tc.policy, ExpireTime: bss.Time{Time: exp}}
			got, ok := tc.table.Deletion(r, tc.level)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("Deletion = %v, %v; want %v", got, ok, tc.want)
			}
		})
	}
}

// 张三's OBS package expired 5 days before the test's time, into its grace period: with the
// default table its data goes 14 days after expiry, 9 days from now. It is alerted 7, 3 and 1
// days before, once each, and not again.
func TestReleaseCountdownOnceAtEachThreshold(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	obs := e.resource("zhangsan-obs-pkg")
	deletion := obs.ExpireTime.AddDate(0, 0, 14)
	e.subscribe("slack:C1", alerts.KindHealth, zs.ID)
	if got, _ := e.healthText(); strings.Contains(got, obs.ResourceID) {
		t.Fatalf("alerted 9 days before deletion:\n%s", got)
	}
	for i, st := range []struct {
		before time.Duration // before deletion
		want   bool
	}{
		{7*24*time.Hour - time.Hour, true},
		{7*24*time.Hour - 2*time.Hour, false},
		{4 * 24 * time.Hour, false},
		{3*24*time.Hour - time.Hour, true},
		{2 * 24 * time.Hour, false},
		{20 * time.Hour, true},
		{10 * time.Hour, false},
	} {
		e.Clock.Set(deletion.Add(-st.before))
		e.scan(alerts.KindHealth)
		got, _ := e.healthText()
		if has := strings.Contains(got, obs.ResourceID); has != st.want {
			t.Errorf("step %d (%v before deletion): alerted %v, want %v:\n%s", i, st.before, has, st.want, got)
		}
		if st.want && (!strings.Contains(got, "数据将于") || !strings.Contains(got, "/renew "+obs.ResourceID)) {
			t.Errorf("step %d: no deletion date or renew command:\n%s", i, got)
		}
		if i == 3 {
			e.restart() // the ledger is in the store
		}
	}
}

// A customer's level picks its row of the table.
func TestReleaseCountdownByLevel(t *testing.T) {
	zsLevel := ""
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	zsLevel = zs.CustomerLevel
	// 张三's level keeps 3 days in all: the OBS package, 5 days past expiry, is already gone;
	// every other level keeps 14 days.
	e = newEnv(t, func(o *alerts.Options) {
		o.Health.Release = alerts.ReleaseTable{zsLevel: {Grace: 1, Retention: 2}, "default": {Grace: 30, Retention: 30}}
	})
	obs := e.resource("zhangsan-obs-pkg")
	e.subscribe("slack:C1", alerts.KindHealth, zs.ID)
	e.Clock.Set(obs.ExpireTime.AddDate(0, 0, 2).Add(time.Hour)) // 1 day minus an hour before its deletion
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); !strings.Contains(got, obs.ResourceID) {
		t.Errorf("level %s (1+2 days): not alerted a day before deletion:\n%s", zsLevel, got)
	}
}

// Customers not real-name verified with something expiring within 30 days are named once.
func TestUnverifiedCustomersNamedOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", alerts.KindHealth, "*")
	now := e.Clock.Now()
	var want, others []string
	for _, cu := range e.Srv.Customers() {
		soon := false
		for _, r := range e.Srv.Resources(cu.ID) {
			if r.IsMain && r.Status != 3 && r.ExpireTime.After(now) && !r.ExpireTime.After(now.Add(30*24*time.Hour)) {
				soon = true
			}
		}
		switch {
		case cu.VerifiedStatus != "2" && soon:
			want = append(want, cu.ID)
		case cu.VerifiedStatus == "2":
			others = append(others, cu.ID)
		}
	}
	if len(want) == 0 {
		t.Fatal("the demo has no unverified customer with a resource expiring within 30 days")
	}
	e.scan(alerts.KindHealth)
	got, _ := e.healthText()
	sec := section(got, "未实名认证的客户")
	for _, id := range want {
		if !strings.Contains(sec, id) {
			t.Errorf("unverified customer %s not named:\n%s", id, sec)
		}
	}
	for _, id := range others {
		if strings.Contains(sec, id) {
			t.Errorf("verified customer %s named as unverified:\n%s", id, sec)
		}
	}
	if !strings.Contains(sec, "只为已实名认证的客户续费") {
		t.Errorf("no word on why it matters:\n%s", sec)
	}
	e.Clock.Advance(time.Hour)
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); strings.Contains(got, "未实名认证的客户") {
		t.Errorf("unverified customers named again:\n%s", got)
	}
}

// section is the part of a console text from the line holding title to the next blank line.
func section(text, title string) string {
	i := strings.Index(text, title)
	if i < 0 {
		return ""
	}
	rest := text[i:]
	if j := strings.Index(rest, "\n\n"); j >= 0 {
		return rest[:j]
	}
	return rest
}

// umbrella-trading's coupon lapses in 5 days with 180.00 left and one of the partner's quotas
// in 10: both are named once, within the configured days only.
func TestCouponsAndQuotasLapsing(t *testing.T) {
	e := newEnv(t, nil)
	umbrella := e.Customer(e.t, "umbrella-trading")
	e.subscribe("slack:C1", alerts.KindHealth, "*")
	e.scan(alerts.KindHealth)
	got, _ := e.healthText()
	coupons, quotas := section(got, "客户优惠券即将过期"), section(got, "伙伴优惠券额度即将过期")
	if !strings.Contains(coupons, umbrella.AccountName) || !strings.Contains(coupons, "180.00") || strings.Count(coupons, "优惠券 CP") != 1 {
		t.Errorf("coupons section:\n%s", coupons)
	}
	if strings.Count(quotas, "额度 Q") != 1 {
		t.Errorf("quotas section:\n%s", quotas)
	}
	e.Clock.Advance(time.Hour)
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); strings.Contains(got, "优惠券") {
		t.Errorf("coupons named again:\n%s", got)
	}

	// Within 3 days: neither.
	e2 := newEnv(t, func(o *alerts.Options) { o.Health.CouponDays = 3 })
	e2.subscribe("slack:C1", alerts.KindHealth, "*")
	e2.scan(alerts.KindHealth)
	if got, _ := e2.healthText(); strings.Contains(got, "优惠券") {
		t.Errorf("coupons lapsing after 3 days named:\n%s", got)
	}
}

type fixedForecast struct {
	amount bss.Amount
	ok     bool
}

func (f fixedForecast) PartnerForecast(context.Context) (bss.Amount, bool, error) {
	return f.amount, f.ok, nil
}

// The demo partner holds 125,000.00 of balance and 480,000.00 of remaining credit (605,000.00).
func TestPartnerFundsBelowThreshold(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    alerts.HealthOptions
		want bool
	}{
		{"off by default", alerts.HealthOptions{}, false},
		{"above the amount", alerts.HealthOptions{PartnerMin: bss.MustAmount("600000")}, false},
		{"below the amount", alerts.HealthOptions{PartnerMin: bss.MustAmount("700000")}, true},
		{"below a share of the forecast", alerts.HealthOptions{PartnerMin: bss.MustAmount("1000"), PartnerForecastPercent: 80,
			Forecast: fixedForecast{bss.MustAmount("1000000"), true}}, true},
		{"above a share of the forecast", alerts.HealthOptions{PartnerMin: bss.MustAmount("1000"), PartnerForecastPercent: 50,
			Forecast: fixedForecast{bss.MustAmount("1000000"), true}}, false},
		{"no forecast yet: the amount", alerts.HealthOptions{PartnerMin: bss.MustAmount("1000"), PartnerForecastPercent: 80,
			Forecast: fixedForecast{bss.MustAmount("1000000"), false}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, func(o *alerts.Options) { o.Health = tc.h })
			e.subscribe("slack:C1", alerts.KindHealth, "*")
			e.subscribe("slack:C2", alerts.KindHealth, e.Customer(t, "zhangsan").ID)
			e.scan(alerts.KindHealth)
			byChannel := map[string]string{}
			for _, n := range e.drain() {
				byChannel[n.Channel] += text(n)
			}
			for _, ch := range []string{"C1", "C2"} {
				got := byChannel[ch]
				if has := strings.Contains(got, "伙伴账户资金不足"); has != (tc.want && ch == "C1") {
					t.Errorf("%s: partner funds alerted %v:\n%s", ch, has, got)
				}
				if tc.want && ch == "C1" && (!strings.Contains(got, "605,000.00") || !strings.Contains(got, "所有代售客户都会被冻结")) {
					t.Errorf("no funds or no word on freezing:\n%s", got)
				}
			}
			e.scan(alerts.KindHealth)
			for _, n := range e.drain() {
				if strings.Contains(text(n), "伙伴账户资金不足") {
					t.Errorf("partner funds alerted twice")
				}
			}
		})
	}
}

// Funds back above the threshold reset the alert: the next fall is alerted again.
func TestPartnerFundsRecoveredAlertsAgain(t *testing.T) {
	var h alerts.HealthOptions
	e := newEnv(t, func(o *alerts.Options) { o.Health = h })
	e.subscribe("slack:C1", alerts.KindHealth, "*")
	for i, st := range []struct {
		min  string
		want bool
	}{{"700000", true}, {"700000", false}, {"100000", false}, {"700000", true}} {
		e.opts.Health.PartnerMin = bss.MustAmount(st.min)
		e.open()
		e.scan(alerts.KindHealth)
		got, _ := e.healthText()
		if has := strings.Contains(got, "伙伴账户资金不足"); has != st.want {
			t.Errorf("step %d (threshold %s): alerted %v, want %v", i, st.min, has, st.want)
		}
	}
}

// 张三's renewal of web-01 waits for payment: named once; paid, it is forgotten.
func TestOrdersWaitingForPayment(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	var pending []string
	for _, o := range e.Srv.Orders(zs.ID) {
		if o.Status == 6 {
			pending = append(pending, o.ID)
		}
	}
	if len(pending) == 0 {
		t.Fatal("张三 has no order waiting for payment")
	}
	e.subscribe("slack:C1", alerts.KindHealth, zs.ID)
	e.scan(alerts.KindHealth)
	got, _ := e.healthText()
	sec := section(got, "待支付订单")
	for _, id := range pending {
		if !strings.Contains(sec, id) {
			t.Errorf("pending order %s not named:\n%s", id, got)
		}
	}
	if strings.Count(sec, "订单 CS") != len(pending) {
		t.Errorf("other orders named:\n%s", sec)
	}
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); strings.Contains(got, "待支付订单") {
		t.Errorf("pending orders named again:\n%s", got)
	}
	if err := e.Srv.PayOrder(pending[0]); err != nil {
		t.Fatal(err)
	}
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); strings.Contains(got, pending[0]) {
		t.Errorf("a paid order named:\n%s", got)
	}
	prefix := "hl|ord|slack:C1|"
	ledger, err := e.Store.LedgerPrefix(context.Background(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ledger[prefix+pending[0]]; ok {
		t.Errorf("the paid order's mark stays in the ledger")
	}
}

// Snoozes and quiet hours hold health alerts as they hold the others; an "all" subscription
// gets them too.
func TestHealthSnoozeQuietAndAll(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Location = time.UTC })
	ctx := context.Background()
	zs := e.Customer(e.t, "zhangsan")
	admin := store.Actor{Platform: "slack", UserID: "U1"}
	e.subscribe("slack:C1", "all", zs.ID)
	if err := e.Store.Snooze(ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: zs.ID, Until: e.Clock.Now().Add(48 * time.Hour), By: admin}); err != nil {
		t.Fatal(err)
	}
	if sum := e.scan(alerts.KindHealth); sum.Alerted != 0 {
		t.Errorf("snoozed customer alerted: %+v", sum)
	}
	e.Clock.Advance(49 * time.Hour)
	now := e.Clock.Now().UTC()
	if err := e.Store.SetQuietHours(ctx, "slack", "C1", &store.QuietHours{Start: now.Add(-time.Hour).Format("15:04"),
		End: now.Add(2 * time.Hour).Format("15:04")}, admin); err != nil {
		t.Fatal(err)
	}
	if sum := e.scan(alerts.KindHealth); sum.Alerted == 0 || sum.Notices == 0 {
		t.Fatalf("nothing alerted after the snooze: %+v", sum)
	}
	if due, _ := e.Store.DueNotices(ctx, now, 10); len(due) != 0 {
		t.Errorf("a health notice is due during quiet hours")
	}
	if due, _ := e.Store.DueNotices(ctx, now.Add(2*time.Hour+time.Minute), 10); len(due) == 0 {
		t.Errorf("the health notice is not due after the quiet hours")
	}
}

// The health scan is scheduled beside the others, on its own spec.
func TestHealthIsScheduled(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Health.Schedule = "every day" })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := e.scanner.Start(ctx, alerts.Schedule{}); err == nil || !strings.Contains(err.Error(), "health") {
		t.Errorf("a bad health schedule: %v, want an error naming it", err)
	}
	c, err := e.scanner.Start(ctx, alerts.Schedule{Health: "@daily"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Entries()); n != 3 {
		t.Errorf("%d scans scheduled, want expiry, arrears and health", n)
	}
}

// With delta scans' expiry index, the health scan asks BSS only about customers the index
// shows with something in its window, and says what a scan asking everyone says.
func TestHealthScanFromTheIndexAsksLess(t *testing.T) {
	run := func(delta bool) (string, alerts.Summary) {
		e := newEnv(t, func(o *alerts.Options) { o.Delta = delta })
		e.subscribe("slack:C1", alerts.KindExpiry, "*")
		e.subscribe("slack:C1", alerts.KindHealth, "*")
		e.scan(alerts.KindExpiry)
		e.drain()
		sum := e.scan(alerts.KindHealth)
		got, _ := e.healthText()
		return got, sum
	}
	full, fullSum := run(false)
	indexed, sum := run(true)
	if indexed != full {
		t.Errorf("from the index:\n%s\nasking everyone:\n%s", indexed, full)
	}
	if fullSum.ResourceQueries != fullSum.Customers || sum.ResourceQueries >= fullSum.ResourceQueries {
		t.Errorf("resource queries: %d of %d customers from the index, %d of %d asking everyone",
			sum.ResourceQueries, sum.Customers, fullSum.ResourceQueries, fullSum.Customers)
	}
	t.Logf("resource queries: %d from the index, %d asking everyone", sum.ResourceQueries, fullSum.ResourceQueries)
}

// failingCoupons is BSS whose coupon listing fails.
type failingCoupons struct{ alerts.BSS }

func (failingCoupons) Coupons(context.Context, bss.CouponFilter) iter.Seq2[bss.PartnerCoupon, error] {
	return func(yield func(bss.PartnerCoupon, error) bool) {
		yield(bss.PartnerCoupon{}, errors.New("coupons down"))
	}
}

// A partner-wide listing that fails leaves its part out of the scan (named in the summary, its
// marks kept); the other parts alert.
func TestHealthListingFailureLeavesItsPartOut(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", alerts.KindHealth, "*")
	e.scan(alerts.KindHealth) // the coupon is marked
	e.drain()
	e.scanner = alerts.New(failingCoupons{e.Client}, e.Store, e.opts)
	sum := e.scan(alerts.KindHealth)
	if !slices.Contains(sum.Failed, bss.OpListIssuedPartnerCoupons) {
		t.Errorf("failed %v, want the coupon listing named", sum.Failed)
	}
	ledger, err := e.Store.LedgerPrefix(context.Background(), "hl|cpn|")
	if err != nil || len(ledger) != 1 {
		t.Errorf("coupon marks after a failed listing: %v, %v; want the one kept", ledger, err)
	}
	e.open()
	e.scan(alerts.KindHealth)
	if got, _ := e.healthText(); strings.Contains(got, "优惠券即将过期") {
		t.Errorf("the coupon alerted again after a failed listing:\n%s", got)
	}
}
