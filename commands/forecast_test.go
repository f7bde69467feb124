package commands_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

const pathRenewRate = "/v2/bills/ratings/period-resources/renew-rate"

// newForecastEnv is the sandbox with delta expiry scans that compute the forecast, and a
// channel subscribed to every customer's expiry alerts.
func newForecastEnv(t *testing.T) *env {
	t.Helper()
	e := &env{testenv.New(t, testenv.Options{Router: commands.Options{BotName: "partnerbot",
		Roles:       map[string]chat.Role{"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator, "slack:U1": chat.RoleViewer},
		DefaultRole: chat.RoleNone}, Scanner: &alerts.Options{Delta: true}, Forecast: true})}
	if _, err := e.Store.AddSubscription(context.Background(), store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry",
		Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) expiryScan(t *testing.T) alerts.Summary {
	t.Helper()
	sum, err := e.Scanner.Scan(context.Background(), alerts.KindExpiry)
	if err != nil || sum.ForecastErr != nil {
		t.Fatalf("expiry scan: %v; forecast: %v", err, sum.ForecastErr)
	}
	return sum
}

// handForecast is one customer's December forecast computed here from BSS directly, one
// renewal quote per resource, without package alerts: what /forecast must show for it.
func handForecast(t *testing.T, e *env, account string) (total, auto, gap bss.Amount) {
	t.Helper()
	ctx := context.Background()
	cu := e.Customer(t, account)
	from, to := forecast.NextMonth(e.Clock.Now())
	rs, err := e.Client.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if !r.IsMain() || r.Status == bss.StatusClosed || r.ExpireTime.Before(from) || !r.ExpireTime.Before(to) {
			continue
		}
		p, err := e.Client.RenewPrice(ctx, bss.CustomerRef{ID: cu.ID, AccountName: cu.AccountName}, bss.RenewPriceRequest{
			ResourceIDs: []string{r.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, IncludeRelatives: true})
		if err != nil {
			t.Fatal(err)
		}
		a, _ := p.AmountOf(r.ResourceID)
		total = total.Add(a)
		if r.AutoRenew() {
			auto = auto.Add(a)
		}
	}
	var onDemand bss.Amount
	for line, err := range e.Client.MonthlyBills(ctx, bss.MonthlyBillFilter{Cycle: "2026-11", ChargeMode: bss.ChargeModeOnDemand, CustomerID: cu.ID}) {
		if err != nil {
			t.Fatal(err)
		}
		onDemand = onDemand.Add(line.Amount)
	}
	// 18 November: 17 days of spend so far; December has 31.
	total = total.Add(forecast.Pace(onDemand, 17, 31))
	bs, err := e.Client.CustomerBalances(ctx, []string{cu.ID})
	if err != nil || len(bs) != 1 {
		t.Fatalf("balance of %s: %v %v", account, bs, err)
	}
	return total, auto, total.Sub(bs[0].Amount)
}

// TestForecastOnSandbox: before any scan /forecast says so politely; after a delta expiry scan
// it answers from the stored forecast with its freshness, the headline first, then one entry
// per customer with a gap, largest first, with a top-up button for the gap (for those who may
// ask for one); a customer's row equals the hand computation, and a live forecast of that
// customer agrees with it.
func TestForecastOnSandbox(t *testing.T) {
	e := newForecastEnv(t)
	rep, text, _ := e.say(t, "console:admin", "/forecast")
	if rep.Error || !strings.Contains(text, "尚无预测") {
		t.Fatalf("before any scan:\n%s", text)
	}
	sum := e.expiryScan(t)
	if sum.Forecast.QuoteCalls == 0 || sum.Forecast.Quoted == 0 {
		t.Fatalf("the scan quoted nothing: %+v", sum.Forecast)
	}
	rep, text, _ = e.say(t, "console:admin", "/forecast")
	if rep.Error || !strings.Contains(text, "截至 11-18 10:30 扫描") || !strings.Contains(text, "下月预计 CNY ") ||
		!strings.Contains(text, "其中自动续费 CNY ") || rep.Table == nil {
		t.Fatalf("/forecast:\n%s", text)
	}
	total, auto, gap := handForecast(t, e, "qd-haifeng-beer")
	if gap.Sign() <= 0 || auto.Sign() <= 0 {
		t.Fatalf("the sandbox's qd-haifeng-beer should auto-renew in December beyond its balance: total %s auto %s gap %s", total, auto, gap)
	}
	var row []string
	var prev bss.Amount
	for i, r := range rep.Table.Rows {
		g := bss.MustAmount(strings.NewReplacer("CNY ", "", ",", "").Replace(r[1]))
		if i > 0 && g.Cmp(prev) > 0 {
			t.Errorf("row %d's gap %s is larger than the one before (%s)", i, g, prev)
		}
		prev = g
		if strings.Contains(r[0], "qd-haifeng-beer") {
			row = r
		}
	}
	want := []string{lang.Money(gap, "CNY"), lang.Money(total, "CNY"), lang.Money(auto, "CNY")}
	if row == nil || row[1] != want[0] || row[2] != want[1] || row[3] != want[2] {
		t.Errorf("qd-haifeng-beer's row %v, want gap, total, auto-renew %v:\n%s", row, want, text)
	}
	if len(rep.Buttons) != len(rep.Table.Rows) || !strings.Contains(text, "/topup "+e.Customer(t, "qd-haifeng-beer").ID+" "+gap.String()) {
		t.Errorf("want one top-up button per gap, qd-haifeng-beer's for %s:\n%s", gap, text)
	}
	if rep, text, _ := e.say(t, "slack:U1", "/forecast"); rep.Error || len(rep.Buttons) != 0 {
		t.Errorf("a viewer gets top-up buttons:\n%s", text)
	}
	rep, text, _ = e.say(t, "console:admin", "/预测 qd-haifeng-beer")
	if rep.Error || !strings.Contains(text, "实时查询 BSS") || rep.Table == nil || rep.Table.Rows[0][1] != want[0] {
		t.Errorf("live forecast of qd-haifeng-beer, want gap %s:\n%s", want[0], text)
	}

	e.say(t, "console:admin", "/lang en")
	rep, text, _ = e.say(t, "console:admin", "/forecast --days 10")
	if rep.Error || !strings.Contains(text, "the next 10 days: expected CNY ") || !strings.Contains(text, "of which auto-renewal") {
		t.Errorf("/forecast --days 10 in English:\n%s", text)
	}
}

// TestForecastQuoteCache: a delta scan within a day asks BSS for the quotes of the customers
// with an order since the last scan (and its hour of overlap) only, the rest from the store;
// an order of a customer drops its quotes; a day later every quote is asked again.
func TestForecastQuoteCache(t *testing.T) {
	e := newForecastEnv(t)
	first := e.expiryScan(t)
	orderedSince := func(from time.Time) map[string]bool {
		out := map[string]bool{}
		for _, c := range e.Srv.Customers() {
			for _, o := range e.Srv.Orders(c.ID) {
				if !o.CreateTime.Before(from) || !o.PaymentTime.Before(from) {
					out[c.ID] = true
				}
			}
		}
		return out
	}
	quotedFor := func() map[string]bool {
		out := map[string]bool{}
		for _, c := range e.Srv.Calls() {
			if c.Path == pathRenewRate {
				out[c.DomainID] = true
			}
		}
		return out
	}
	check := func(name string, sum alerts.Summary, ordered map[string]bool) {
		t.Helper()
		asked := quotedFor()
		for id := range asked {
			if !ordered[id] {
				t.Errorf("%s: quotes of %s, which has no order", name, id)
			}
		}
		if sum.Forecast.Cached == 0 || sum.Forecast.Cached+sum.Forecast.Quoted != first.Forecast.Quoted {
			t.Errorf("%s: %+v, want the %d quotes from the store but those of customers with orders", name, sum.Forecast, first.Forecast.Quoted)
		}
	}
	e.Clock.Advance(time.Hour)
	e.Srv.ResetCalls()
	check("an hour later", e.expiryScan(t), orderedSince(first.Started.Add(-time.Hour)))

	// An order of qd-haifeng-beer (a renewal left unpaid, so nothing else changes).
	cu := e.Customer(t, "qd-haifeng-beer")
	var main string
	for _, r := range e.Srv.Resources(cu.ID) {
		if r.IsMain && r.Status == bss.StatusInUse {
			main = r.ResourceID
			break
		}
	}
	if _, err := e.Srv.Renew(main, 1, false); err != nil {
		t.Fatal(err)
	}
	since := e.Clock.Now().Add(-time.Hour)
	e.Clock.Advance(time.Hour)
	e.Srv.ResetCalls()
	check("after an order", e.expiryScan(t), orderedSince(since))
	if !quotedFor()[cu.ID] {
		t.Errorf("qd-haifeng-beer was not quoted again after its order")
	}
	// A day later every quote is asked again.
	e.Clock.Advance(alerts.QuoteTTL)
	if fourth := e.expiryScan(t); fourth.Forecast.Cached != 0 || fourth.Forecast.Quoted == 0 {
		t.Errorf("a day later: %+v, want no quote from the store", fourth.Forecast)
	}
}

// TestForecastRefusals: bad windows and scopes are refused politely, in the reader's language.
func TestForecastRefusals(t *testing.T) {
	e := newForecastEnv(t)
	e.expiryScan(t)
	refusals := []struct{ text, zh, en string }{
		{"/forecast --days 0", "--days 应为 1 到 366 的天数", "--days must be a number of days from 1 to 366"},
		{"/forecast --days x", "--days 应为 1 到 366 的天数", "--days must be a number of days from 1 to 366"},
		{"/forecast --days 3 --month 2026-12", "--days 和 --month 只能用一个", "Use --days or --month, not both"},
		{"/forecast --month 2026-10", "--month 应为本月（2026-11）", "--month must be this month (2026-11)"},
		{"/forecast --month 2026-13", "--month 应为本月", "--month must be this month"},
		{"/forecast --month 2027-03", "所有客户的预测只覆盖到 2026-12-31", "covers up to 2026-12-31"},
		{"/forecast label:", "label: 后面需要标签名", "label: needs a label name"},
		{"/forecast label:VIP", "没有标签为 “VIP” 的客户", `has the label "VIP"`},
		{"/forecast 没有这个客户", "没有找到", "No customer"},
	}
	for _, l := range []string{"zh", "en"} {
		e.say(t, "console:admin", "/lang "+l)
		for _, tt := range refusals {
			rep, text, _ := e.say(t, "console:admin", tt.text)
			want := map[string]string{"zh": tt.zh, "en": tt.en}[l]
			if !rep.Error || !strings.Contains(text, want) {
				t.Errorf("%s, %s: want a refusal with %q:\n%s", l, tt.text, want, text)
			}
		}
	}
}

// TestBudgetCommand: /budget sets, replaces, lists and removes a customer's monthly budget in
// the store; bad input is refused politely in the reader's language; /subscribe forecast
// subscribes the channel to the forecast's alerts.
func TestBudgetCommand(t *testing.T) {
	e := newForecastEnv(t)
	zs := e.Customer(t, "zhangsan")
	if rep, text, _ := e.say(t, "console:alice", "/预算"); rep.Error || !strings.Contains(text, "还没有设置预算") {
		t.Errorf("/预算 before any:\n%s", text)
	}
	for _, in := range []string{"/budget 张三 5000", "/budget 张三 ¥6,000.50"} {
		if rep, text, _ := e.say(t, "console:alice", in); rep.Error || !strings.Contains(text, "已设置 张三") {
			t.Errorf("%s:\n%s", in, text)
		}
	}
	bs, err := e.Store.Budgets(context.Background())
	if err != nil || len(bs) != 1 || bs[0].CustomerID != zs.ID || bs[0].Amount != "6000.5" || bs[0].By != "console:alice" {
		t.Fatalf("budgets %+v %v", bs, err)
	}
	if _, text, _ := e.say(t, "console:alice", "/budget"); !strings.Contains(text, "CNY 6,000.50") {
		t.Errorf("/budget lists:\n%s", text)
	}
	if rep, text, _ := e.say(t, "console:alice", "/budget 张三 off"); rep.Error || !strings.Contains(text, "已取消 张三") {
		t.Errorf("/budget 张三 off:\n%s", text)
	}
	if _, text, _ := e.say(t, "console:alice", "/budget 张三 off"); !strings.Contains(text, "没有月度预算") {
		t.Errorf("/budget 张三 off again:\n%s", text)
	}
	if rep, text, _ := e.say(t, "slack:U1", "/budget 张三 100"); !rep.Error {
		t.Errorf("a viewer set a budget:\n%s", text)
	}
	refusals := []struct{ text, zh, en string }{
		{"/budget 张三", "用法：/budget 客户 金额", "Usage: /budget CUSTOMER AMOUNT"},
		{"/budget 张三 -5", "金额", "amount"},
		{"/budget 张三 abc", "金额", "amount"},
		{"/budget 没有这个客户 100", "没有找到", "No customer"},
	}
	for _, l := range []string{"zh", "en"} {
		e.say(t, "console:alice", "/lang "+l)
		for _, tt := range refusals {
			rep, text, _ := e.say(t, "console:alice", tt.text)
			want := map[string]string{"zh": tt.zh, "en": tt.en}[l]
			if !rep.Error || !strings.Contains(text, want) {
				t.Errorf("%s, %s: want a refusal with %q:\n%s", l, tt.text, want, text)
			}
		}
	}
	if rep, text, _ := e.say(t, "console:alice", "/subscribe forecast label:vip"); rep.Error || !strings.Contains(text, "forecast alerts") {
		t.Errorf("/subscribe forecast:\n%s", text)
	}
}
