package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"iter"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

// env is a scanner on testenv's sandbox, store (which restart reopens) and clock, beside
// testenv's router, where people who act on alerts speak.
type env struct {
	*testenv.Env
	t       *testing.T
	scanner *alerts.Scanner
	opts    alerts.Options
	wrap    func(alerts.Store) alerts.Store // stands between the scanner and the store from the next open on
}

func newEnv(t *testing.T, tweak func(*alerts.Options)) *env {
	t.Helper()
	e := &env{Env: testenv.New(t, testenv.Options{Router: commands.Options{
		ApprovalsChannel: "console:console", ActionChannels: []string{"console:*"},
		Roles: map[string]chat.Role{"console:alice": chat.RoleOperator, "console:victor": chat.RoleViewer,
			"slack:U1": chat.RoleOperator, "telegram:1001": chat.RoleViewer},
	}}), t: t}
	e.opts = alerts.Options{Now: e.Clock.Now, Concurrency: 4}
	if tweak != nil {
		tweak(&e.opts)
	}
	e.open()
	return e
}

// open builds the scanner on the store.
func (e *env) open() {
	var s alerts.Store = e.Store
	if e.wrap != nil {
		s = e.wrap(s)
	}
	e.scanner = alerts.New(e.Client, s, e.opts)
}

// restart reopens the store and builds a new scanner on it, as a restarted process would.
func (e *env) restart() {
	e.t.Helper()
	e.Reopen(e.t)
	e.open()
}

func (e *env) subscribe(channel, kind, scope string, days ...int) {
	e.t.Helper()
	platform, ch, _ := strings.Cut(channel, ":")
	if _, err := e.Store.AddSubscription(context.Background(), store.Subscription{Platform: platform, Channel: ch, Kind: kind,
		Scope: scope, Days: days, CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) scan(kind string) alerts.Summary {
	e.t.Helper()
	sum, err := e.scanner.Scan(context.Background(), kind)
	if err != nil {
		e.t.Fatalf("scan %s: %v", kind, err)
	}
	return sum
}

// drain takes every notice due by the far future out of the outbox, as delivered.
func (e *env) drain() []store.Notice {
	e.t.Helper()
	ctx := context.Background()
	ns, err := e.Store.DueNotices(ctx, e.Clock.Now().Add(365*24*time.Hour), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, n := range ns {
		if err := e.Store.AckNotice(ctx, n.ID); err != nil {
			e.t.Fatal(err)
		}
	}
	return ns
}

// text is a notice's body as the console shows it (bot/console's plain renderer, unwrapped),
// buttons with their commands.
func text(n store.Notice) string {
	var r chat.Reply
	_ = json.Unmarshal(n.Body, &r)
	return console.RenderWidth(r, 0)
}

// resource is the demo resource with the name, of whichever customer.
func (e *env) resource(name string) bsstest.Resource { return e.Resource(e.t, "", name) }

// expectedMains counts main resources (not closed) of scope expiring within days of now, or
// expired less than the lookback ago.
func (e *env) expectedMains(days int, customerID string) int {
	now := e.Clock.Now()
	n := 0
	for _, c := range e.Srv.Customers() {
		if customerID != "" && c.ID != customerID {
			continue
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if !r.IsMain || r.Status == 3 {
				continue
			}
			if r.ExpireTime.After(now.Add(-7*24*time.Hour)) && !r.ExpireTime.After(now.Add(time.Duration(days)*24*time.Hour)) {
				n++
			}
		}
	}
	return n
}

func TestExpiryThresholdsOnceEach(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	e.subscribe("slack:C1", "expiry", zs.ID, 30, 7, 3, 1)

	sum := e.scan(alerts.KindExpiry)
	want := e.expectedMains(30, zs.ID)
	if sum.Customers != 1 || sum.Alerted != want || sum.Notices != 1 || sum.Channels != 1 {
		t.Fatalf("first scan %+v, want %d alerts in one notice", sum, want)
	}
	ns := e.drain()
	if len(ns) != 1 || ns[0].Platform != "slack" || ns[0].Channel != "C1" {
		t.Fatalf("notices %+v", ns)
	}
	body := text(ns[0])
	for _, w := range []string{"zhangsan-web-01", "zhangsan-bw-01", "zhangsan-obs-pkg", "/renew ", "/autorenew on ", "含 2 个附属资源"} {
		if !strings.Contains(body, w) {
			t.Errorf("digest lacks %q:\n%s", w, body)
		}
	}
	if strings.Contains(body, "zhangsan-mysql-01") {
		t.Errorf("a resource 120 days out was alerted:\n%s", body)
	}
	// Soonest first: the expired OBS package before the ECS (3 days), before the bandwidth (7).
	if a, b, c := strings.Index(body, "zhangsan-obs-pkg"), strings.Index(body, "zhangsan-web-01"), strings.Index(body, "zhangsan-bw-01"); !(a < b && b < c) {
		t.Errorf("not soonest first:\n%s", body)
	}

	// The same scan again: nothing new.
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 || sum.Notices != 0 {
		t.Errorf("second scan alerted again: %+v", sum)
	}
	if ns := e.drain(); len(ns) != 0 {
		t.Errorf("second scan queued %d notices", len(ns))
	}

	// Four days on, the bandwidth (7 days) crosses 3 days, the ECS expires: both alert again, once.
	e.Clock.Advance(4*24*time.Hour + time.Hour)
	sum = e.scan(alerts.KindExpiry)
	body = ""
	for _, n := range e.drain() {
		body += text(n)
	}
	if !strings.Contains(body, "zhangsan-bw-01") || !strings.Contains(body, "zhangsan-web-01") || strings.Contains(body, "zhangsan-obs-pkg") {
		t.Errorf("after 4 days (%+v):\n%s", sum, body)
	}
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 {
		t.Errorf("repeated scan after the clock moved: %+v", sum)
	}
}

func TestRenewalResetsTheAlert(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	web := e.resource("zhangsan-web-01")
	e.subscribe("slack:C1", "expiry", zs.ID, 30, 7, 3, 1)
	e.scan(alerts.KindExpiry)
	e.drain()
	// A renewal of one month moves the expiry to about 33 days out: out of every window.
	if _, err := e.Client.Renew(context.Background(), bss.CustomerRef{ID: zs.ID, AccountName: zs.AccountName},
		bss.RenewRequest{ResourceIDs: []string{web.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, AutoPay: true}); err != nil {
		t.Fatal(err)
	}
	e.scan(alerts.KindExpiry)
	for _, n := range e.drain() {
		if strings.Contains(text(n), "zhangsan-web-01") {
			t.Errorf("renewed resource alerted:\n%s", text(n))
		}
	}
	// When the new expiry comes within 30 days, it alerts again: the renewal reset it.
	e.Clock.Advance(5 * 24 * time.Hour)
	e.scan(alerts.KindExpiry)
	found := false
	for _, n := range e.drain() {
		found = found || strings.Contains(text(n), "zhangsan-web-01")
	}
	if !found {
		t.Error("the renewed resource was not alerted when its new expiry came near")
	}
}

func TestAutoRenewShownApart(t *testing.T) {
	e := newEnv(t, nil)
	app := e.resource("zhangsan-app-02") // auto-renew on, 60 days out
	e.subscribe("slack:C1", "expiry", app.CustomerID, 90)
	e.scan(alerts.KindExpiry)
	body := ""
	for _, n := range e.drain() {
		body += text(n)
	}
	i := strings.Index(body, "已开启自动续费 —")
	if i < 0 || !strings.Contains(body[i:], "zhangsan-app-02") || strings.Contains(body[:i], "zhangsan-app-02") {
		t.Errorf("auto-renew resource not shown apart:\n%s", body)
	}
	if strings.Contains(body, "自动续费可能") || strings.Contains(body, "可能不足以自动续费") {
		t.Errorf("a customer with money is flagged:\n%s", body)
	}
	// The digest says when BSS confirmed what it lists (issue #17: how fresh it is).
	if want := "截至 " + e.Clock.Now().In(time.FixedZone("CST", 8*3600)).Format("01-02 15:04") + " 扫描，均经 BSS 确认"; !strings.Contains(body, want) {
		t.Errorf("digest lacks %q:\n%s", want, body)
	}

	// The same customer in arrears: auto-renew will not find the money, and the digest says so.
	e2 := newEnv(t, nil)
	e2.subscribe("slack:C1", "expiry", app.CustomerID, 90)
	e2.Srv.SetBalance(app.CustomerID, "0", "250")
	e2.scan(alerts.KindExpiry)
	body = ""
	for _, n := range e2.drain() {
		body += text(n)
	}
	if !strings.Contains(body, "客户欠费 CNY 250.00，自动续费可能无法扣款") {
		t.Errorf("short balance not flagged:\n%s", body)
	}
}

func TestSnoozeAndQuietHours(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	zs := e.Customer(e.t, "zhangsan")
	e.subscribe("slack:C1", "expiry", zs.ID)
	admin := store.Actor{Platform: "slack", UserID: "U1"}
	if err := e.Store.Snooze(ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: zs.ID, Until: e.Clock.Now().Add(48 * time.Hour), By: admin}); err != nil {
		t.Fatal(err)
	}
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 {
		t.Errorf("snoozed customer alerted: %+v", sum)
	}
	e.Clock.Advance(49 * time.Hour) // the snooze is over: the alerts come, they were not lost
	if sum := e.scan(alerts.KindExpiry); sum.Alerted == 0 {
		t.Errorf("nothing alerted after the snooze: %+v", sum)
	}
	e.drain()

	// Quiet hours: the digest waits for the end of the window.
	e2 := newEnv(t, func(o *alerts.Options) { o.Location = time.UTC })
	e2.subscribe("slack:C2", "expiry", zs.ID)
	now := e2.Clock.Now().UTC()
	start, end := now.Add(-time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04")
	if err := e2.Store.SetQuietHours(ctx, "slack", "C2", &store.QuietHours{Start: start, End: end}, admin); err != nil {
		t.Fatal(err)
	}
	if sum := e2.scan(alerts.KindExpiry); sum.Notices != 1 {
		t.Fatalf("quiet hours: %+v", sum)
	}
	if due, _ := e2.Store.DueNotices(ctx, now, 10); len(due) != 0 {
		t.Errorf("a notice is due during quiet hours")
	}
	if due, _ := e2.Store.DueNotices(ctx, now.Add(2*time.Hour+time.Minute), 10); len(due) != 1 {
		t.Errorf("the notice is not due after the quiet hours: %d", len(due))
	}
}

func TestQuietEnd(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 25, h, m, 0, 0, loc) }
	tests := []struct {
		q    *store.QuietHours
		now  time.Time
		want time.Time
	}{
		{nil, at(23, 0), at(23, 0)},
		{&store.QuietHours{Start: "22:00", End: "08:00"}, at(23, 0), at(8, 0).AddDate(0, 0, 1)},
		{&store.QuietHours{Start: "22:00", End: "08:00"}, at(7, 59), at(8, 0)},
		{&store.QuietHours{Start: "22:00", End: "08:00"}, at(8, 0), at(8, 0)},
		{&store.QuietHours{Start: "22:00", End: "08:00"}, at(12, 0), at(12, 0)},
		{&store.QuietHours{Start: "12:00", End: "14:00"}, at(13, 0), at(14, 0)},
		{&store.QuietHours{Start: "12:00", End: "14:00"}, at(14, 30), at(14, 30)},
	}
	for _, tc := range tests {
		if got := alerts.QuietEnd(tc.q, loc, tc.now); !got.Equal(tc.want) {
			t.Errorf("QuietEnd(%+v, %v) = %v, want %v", tc.q, tc.now, got, tc.want)
		}
	}
}

func TestArrearsEnterGrowRecover(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.ArrearsStep = bss.MustAmount("100") })
	zs := e.Customer(e.t, "zhangsan")
	e.subscribe("slack:C1", "arrears", zs.ID)
	steps := []struct {
		amount, debt string
		want         string // "" = no alert
	}{
		{"1580", "0", ""},
		{"0", "50", "新欠费"},
		{"0", "120", ""},     // grew by 70 < 100
		{"0", "180", "欠费增加"}, // grew by 130 since the last alert (50)
		{"0", "180", ""},
		{"300", "0", "已结清"},
		{"300", "0", ""},
		{"0", "10", "新欠费"},
	}
	for i, st := range steps {
		e.Srv.SetBalance(zs.ID, st.amount, st.debt)
		e.scan(alerts.KindArrears)
		ns := e.drain()
		switch {
		case st.want == "" && len(ns) != 0:
			t.Errorf("step %d (debt %s): unexpected alert:\n%s", i, st.debt, text(ns[0]))
		case st.want != "" && (len(ns) != 1 || !strings.Contains(text(ns[0]), st.want)):
			t.Errorf("step %d (debt %s): want %q, got %d notices", i, st.debt, st.want, len(ns))
		}
		if i%3 == 2 {
			e.restart() // the ledger is in the store, not in memory
		}
	}
}

func TestArrearsDigestAllCustomers(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", "all", "*")
	sum := e.scan(alerts.KindArrears)
	if sum.Found != 6 || sum.Alerted != 6 || sum.Notices != 1 {
		t.Errorf("demo arrears scan %+v", sum)
	}
	body := text(e.drain()[0])
	if !strings.Contains(body, "李四") || strings.Index(body, "李四") > strings.Index(body, "深圳智联数据") {
		t.Errorf("not largest debt first:\n%s", body)
	}
}

func TestDigestSplitAtPlatformLimit(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.MaxChars = map[string]int{"telegram": 1200}; o.DigestScreen = -1 })
	e.subscribe("telegram:-100", "expiry", "*", 30)
	e.subscribe("slack:C1", "expiry", "*", 30)
	sum := e.scan(alerts.KindExpiry)
	var tg, sl []store.Notice
	for _, n := range e.drain() {
		if n.Platform == "telegram" {
			tg = append(tg, n)
		} else {
			sl = append(sl, n)
		}
	}
	if len(tg) < 2 || len(sl) < 1 {
		t.Fatalf("telegram %d, slack %d notices (%+v)", len(tg), len(sl), sum)
	}
	all := ""
	for i, n := range tg {
		b := text(n)
		if len(b) > 1300 {
			t.Errorf("telegram part %d is %d bytes", i, len(b))
		}
		all += b
	}
	for _, c := range e.Srv.Customers() {
		for _, r := range e.Srv.Resources(c.ID) {
			if r.IsMain && r.Status != 3 && r.ExpireTime.After(e.Clock.Now().Add(-7*24*time.Hour)) && r.ExpireTime.Before(e.Clock.Now().Add(29*24*time.Hour)) &&
				!strings.Contains(all, r.ResourceID) {
				t.Errorf("split digest lost %s", r.ResourceID)
			}
		}
	}
}

// failingStore fails CommitAlerts once for one channel, as a process killed mid-scan would
// leave it: that channel's digest and ledger marks are not there.
type failingStore struct {
	alerts.Store
	failFor string
	failed  bool
}

var errKilled = errors.New("killed")

func (f *failingStore) CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []store.Notice) error {
	if !f.failed && len(notices) > 0 && notices[0].Channel == f.failFor {
		f.failed = true
		return errKilled
	}
	return f.Store.CommitAlerts(ctx, puts, deletes, notices)
}

func TestKilledMidScanNoDuplicateNothingLost(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.DigestScreen = -1 }) // every resource in the digest, to count
	for _, ch := range []string{"slack:C1", "slack:C2", "slack:C3"} {
		e.subscribe(ch, "expiry", "*", 7)
	}
	fs := &failingStore{failFor: "C2"}
	e.wrap = func(s alerts.Store) alerts.Store { fs.Store = s; return fs }
	e.restart()
	if _, err := e.scanner.Scan(context.Background(), alerts.KindExpiry); !errors.Is(err, errKilled) {
		t.Fatalf("scan err = %v", err)
	}
	e.wrap = nil
	e.restart() // the process starts again
	e.scan(alerts.KindExpiry)
	e.scan(alerts.KindExpiry)
	per := map[string]int{}
	want := e.expectedMains(7, "")
	for _, n := range e.drain() {
		b := text(n)
		per[n.Channel] += strings.Count(b, "\n  - ⏰ ") + strings.Count(b, "\n  - ⚠ ") + strings.Count(b, "\n  - 🛑 ")
	}
	for _, ch := range []string{"C1", "C2", "C3"} {
		if per[ch] != want {
			t.Errorf("channel %s got %d alerts, want %d exactly once each (%v)", ch, per[ch], want, per)
		}
	}
}

func TestFailingCustomerIsReportedAndScanGoesOn(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", "expiry", "*", 30)
	e.Srv.Inject("POST", "/v2/orders/suscriptions/resources/query", bsstest.Fault{Status: 500, Times: 6})
	sum := e.scan(alerts.KindExpiry)
	if sum.Customers < 50 || sum.Alerted == 0 {
		t.Errorf("the scan did not go on: %+v", sum)
	}
	// Six failures: the first four customers' queries and their retries; all but the ones that
	// failed twice are reported fine.
	if len(sum.Failed) > 6 {
		t.Errorf("%d customers reported failed", len(sum.Failed))
	}
	e.Srv.Inject("POST", "/v2/orders/suscriptions/resources/query", bsstest.Fault{Status: 500})
	sum = e.scan(alerts.KindExpiry)
	if len(sum.Failed) != sum.Customers {
		t.Errorf("with BSS down every customer should be reported: %+v", sum)
	}
}

func TestNoSubscriptionsNoCalls(t *testing.T) {
	e := newEnv(t, nil)
	if sum := e.scan(alerts.KindExpiry); sum.Customers != 0 || len(e.Srv.Calls()) != 0 {
		t.Errorf("a scan with no subscription called BSS: %+v", sum)
	}
	if _, err := e.scanner.Scan(context.Background(), "weather"); !errors.Is(err, alerts.ErrUnknownKind) {
		t.Errorf("err = %v", err)
	}
}

// repeating lists the first customer twice, as offset paging does when a customer is
// associated while the list is being read.
type repeating struct{ alerts.BSS }

func (r repeating) Customers(ctx context.Context, f bss.CustomerFilter) iter.Seq2[bss.Customer, error] {
	return func(yield func(bss.Customer, error) bool) {
		first := true
		for cu, err := range r.BSS.Customers(ctx, f) {
			if !yield(cu, err) {
				return
			}
			if first && err == nil {
				first = false
				if !yield(cu, nil) {
					return
				}
			}
		}
	}
}

func TestRepeatedCustomerAlertsOnce(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", "all", "*", 30)
	scanner := alerts.New(repeating{e.Client}, e.Store, e.opts)
	want := e.expectedMains(30, "")
	for _, kind := range []string{alerts.KindExpiry, alerts.KindArrears} {
		sum, err := scanner.Scan(context.Background(), kind)
		if err != nil {
			t.Fatal(err)
		}
		if kind == alerts.KindExpiry && sum.Alerted != want {
			t.Errorf("expiry: %d alerts, want %d (a repeated customer counted twice?)", sum.Alerted, want)
		}
		if kind == alerts.KindArrears && sum.Alerted != 6 {
			t.Errorf("arrears: %d alerts, want 6", sum.Alerted)
		}
	}
}
