package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// shanghai is the bot's default zone (bot.timezone); the sweep's dates are written in it.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// sweepDates are the instants TestScenariosAtAnyDate runs at: month ends (30 and 31 days, 28
// February), the 1st, 31 December, 29 February of a leap year, a Monday and a Sunday, and
// minutes either side of midnight in Asia/Shanghai — where the China day, the UTC day and the
// bill cycle disagree.
var sweepDates = []time.Time{
	time.Date(2026, 11, 30, 23, 59, 30, 0, shanghai), // last day of a 30-day month, a Monday, before midnight
	time.Date(2026, 12, 1, 0, 0, 30, 0, shanghai),    // the 1st, just after midnight (still 30 Nov in UTC)
	time.Date(2026, 12, 1, 10, 0, 0, 0, shanghai),    // the 1st, the day the suite first went red
	time.Date(2026, 12, 6, 14, 0, 0, 0, shanghai),    // a Sunday
	time.Date(2026, 12, 7, 0, 10, 0, 0, shanghai),    // a Monday just after midnight (Sunday in UTC)
	time.Date(2026, 12, 31, 23, 30, 0, 0, shanghai),  // 31 December, the year's last half hour
	time.Date(2027, 1, 1, 0, 5, 0, 0, shanghai),      // New Year, just after midnight
	time.Date(2027, 1, 31, 12, 0, 0, 0, shanghai),    // last day of a 31-day month
	time.Date(2027, 2, 28, 23, 59, 0, 0, shanghai),   // 28 February 2027, last day of a short month
	time.Date(2027, 3, 1, 8, 0, 0, 0, shanghai),      // 1 March: the month before had 28 days
	time.Date(2027, 4, 30, 16, 0, 0, 0, shanghai),    // last day of April (midnight UTC)
	time.Date(2028, 2, 29, 12, 0, 0, 0, shanghai),    // 29 February 2028, a leap day
}

// TestScenariosAtAnyDate runs the key scenarios of the money, alerts and approvals suites on
// the demo sandbox as the binary lays it out (sandboxDataset), at each of sweepDates with the
// clock fixed there: the suite must not depend on the day it runs. Each date is a subtest
// named by it.
func TestScenariosAtAnyDate(t *testing.T) {
	for _, at := range sweepDates {
		t.Run(at.Format("2006-01-02T15:04_Mon"), func(t *testing.T) {
			t.Parallel()
			s := newSweep(t, at)
			s.alerts()
			s.moneyReads()
			s.coupon()
			s.topUp()
			s.renewal()
		})
	}
}

// TestTestsUseFixedClocks is a guard: no test lays out data or builds a clock at the wall
// clock's time. Sandboxes from bsstest.NewTestServer and internal/testenv default to
// bsstest.TestTime; a test that needs another date says which (fakeclock.New(date)). Reading
// the wall clock to measure elapsed time, to wait, or to sign requests is fine, and so is a line
// that says why it must (a comment "// wall clock: why").
func TestTestsUseFixedClocks(t *testing.T) {
	wall := "time." + "Now()" // split, so that this file does not match itself
	forbidden := []string{
		"fakeclock.New(" + wall,  // a settable clock started at today
		"Demo(" + wall,           // demo data laid out around today
		"Now: " + wall,           // GenOptions, or any data option, at today
		"Cycle(" + wall,          // this month's bill cycle, as expected value
		"return " + wall + " }}", // a sandbox clock that is the wall clock in disguise
		"Data: bsstest.Generate(" + "bsstest.GenOptions{Now: " + wall,
	}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "vendor" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, f := range forbidden {
				if strings.Contains(line, f) && !strings.Contains(line, "// wall clock: ") {
					t.Errorf("%s:%d uses the wall clock for data or expectations (%q); use bsstest.TestTime or a fixed date:\n\t%s",
						path, i+1, f, strings.TrimSpace(line))
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// wallClock is the real clock, for a sandbox beside the binary under test: the binary runs on
// it and cannot be given another, so the sandbox's demo is laid out around today (which the
// date sweep shows to be the same on any day).
func wallClock() time.Time { return time.Now() }

// sweep is the demo sandbox, a router and a scanner on one fixed clock.
type sweep struct {
	t   *testing.T
	at  time.Time
	clk *fakeclock.Clock
	env *testenv.Env
}

func newSweep(t *testing.T, at time.Time) *sweep {
	t.Helper()
	clk := fakeclock.New(at)
	env := testenv.New(t, testenv.Options{
		Clock:   clk,
		Sandbox: bsstest.Options{Now: clk.Now, Data: sandboxDataset(at)},
		BSS:     func(c *bss.Config) { c.Now = clk.Now },
		Router: commands.Options{Now: clk.Now, ApprovalsChannel: "slack:CAPPROVE", ActionChannels: []string{"console:*"},
			Roles: map[string]chat.Role{"console:alice": chat.RoleOperator, "console:bob": chat.RoleApprover,
				"console:victor": chat.RoleViewer}},
	})
	return &sweep{t: t, at: at, clk: clk, env: env}
}

// say runs text as user on the console and returns the reply, flattened.
func (s *sweep) say(user, text string) (chat.Reply, string) {
	s.t.Helper()
	rep, ok := s.env.Router.Handle(context.Background(), chat.Request{Platform: "console", UserID: user, Channel: "console", Text: text})
	if !ok {
		s.t.Fatalf("%q not handled", text)
	}
	return rep, sweepText(rep)
}

// want fails the test unless text holds every one of ws.
func (s *sweep) want(what, text string, ws ...string) {
	s.t.Helper()
	for _, w := range ws {
		if !strings.Contains(text, w) {
			s.t.Errorf("%s lacks %q:\n%s", what, w, text)
		}
	}
}

func (s *sweep) resource(customerID, name string) bsstest.Resource {
	s.t.Helper()
	for _, r := range s.env.Srv.Resources(customerID) {
		if r.Name == name {
			return r
		}
	}
	s.t.Fatalf("no demo resource %s", name)
	return bsstest.Resource{}
}

// approve approves the newest request as bob and returns it as stored afterwards.
func (s *sweep) approve() (store.Approval, string) {
	s.t.Helper()
	as, err := s.env.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(as) == 0 {
		s.t.Fatalf("no request filed: %v", err)
	}
	_, text := s.say("bob", fmt.Sprintf("/approve %d", as[0].ID))
	got, err := s.env.Store.Approval(context.Background(), as[0].ID)
	if err != nil {
		s.t.Fatal(err)
	}
	return got, text
}

// alerts: an expiry scan's digest for 张三 and its dedupe, and the arrears digest.
func (s *sweep) alerts() {
	s.t.Helper()
	ctx := context.Background()
	zs := s.env.Customer(s.t, "zhangsan")
	for _, sub := range []store.Subscription{
		{Platform: "slack", Channel: "CEXP", Kind: "expiry", Scope: zs.ID, Days: []int{30, 7, 3, 1}},
		{Platform: "slack", Channel: "CARR", Kind: "arrears", Scope: "*"},
	} {
		sub.CreatedBy = store.Actor{Platform: "console", UserID: "admin"}
		if _, err := s.env.Store.AddSubscription(ctx, sub); err != nil {
			s.t.Fatal(err)
		}
	}
	sc := alerts.New(s.env.Client, s.env.Store, alerts.Options{Now: s.clk.Now, Concurrency: 2})
	scan := func(kind string) (alerts.Summary, string) {
		s.t.Helper()
		sum, err := sc.Scan(ctx, kind)
		if err != nil {
			s.t.Fatalf("%s scan: %v", kind, err)
		}
		ns, err := s.env.Store.DueNotices(ctx, s.clk.Now().Add(365*24*time.Hour), 1000)
		if err != nil {
			s.t.Fatal(err)
		}
		var b strings.Builder
		for _, n := range ns {
			var r chat.Reply
			if err := json.Unmarshal(n.Body, &r); err != nil {
				s.t.Fatal(err)
			}
			b.WriteString(n.Channel + ": " + sweepText(r))
			if err := s.env.Store.AckNotice(ctx, n.ID); err != nil {
				s.t.Fatal(err)
			}
		}
		return sum, b.String()
	}

	sum, body := scan(alerts.KindExpiry)
	web := s.resource(zs.ID, "zhangsan-web-01")
	s.want("the expiry digest", body, "CEXP: ", "zhangsan-web-01", "zhangsan-bw-01", "zhangsan-obs-pkg", "/renew "+web.ResourceID,
		web.ExpireTime.In(shanghai).Format("2006-01-02"))
	if strings.Contains(body, "zhangsan-mysql-01") || sum.Notices != 1 {
		s.t.Errorf("expiry scan %+v:\n%s", sum, body)
	}
	if sum, body := scan(alerts.KindExpiry); sum.Alerted != 0 || body != "" {
		s.t.Errorf("the same expiry scan again alerted: %+v\n%s", sum, body)
	}

	sum, body = scan(alerts.KindArrears)
	lisi := s.env.Customer(s.t, "lisi")
	s.want("the arrears digest", body, "CARR: ", "李四", lang.Money(bss.MustAmount(lisi.Debt.String()), "CNY"))
	if sum.Found != 6 || sum.Notices != 1 {
		s.t.Errorf("arrears scan %+v:\n%s", sum, body)
	}
}

// moneyReads: paging of pay-per-use resources, coupons and this and last month's spend.
func (s *sweep) moneyReads() {
	s.t.Helper()
	zs := s.env.Customer(s.t, "zhangsan")
	_, text := s.say("victor", "/ondemand 张三")
	s.want("/ondemand 张三", text, "zhangsan-batch-01", "第 1/2 页，共 12 项", "/ondemand "+zs.ID+" --page 2")
	_, text = s.say("victor", "/ondemand 张三 --page 2")
	s.want("/ondemand 张三 --page 2", text, "zhangsan-logs", "第 2/2 页，共 12 项")
	if rep, text := s.say("victor", "/ondemand 李四 --page 9"); !rep.Error || !strings.Contains(text, "没有第 9 页") {
		s.t.Errorf("/ondemand 李四 --page 9:\n%s", text)
	}
	_, text = s.say("victor", "/coupons 张三")
	s.want("/coupons 张三", text, "可使用 1 张，余额合计 CNY 320.50", "已过期")

	cycle := s.at.In(shanghai).Format("2006-01")
	_, text = s.say("victor", "/spend 张三")
	s.want("/spend 张三", text, "张三 (zhangsan) 的消费（"+cycle+"）", "[上个月] /spend "+zs.ID+" --month ")
	last := time.Date(s.at.In(shanghai).Year(), s.at.In(shanghai).Month()-1, 1, 12, 0, 0, 0, shanghai).Format("2006-01")
	_, text = s.say("victor", "/spend 张三 --month "+last)
	s.want("/spend 张三 --month "+last, text, "张三 (zhangsan) 的消费（"+last+"）", "包年/包月:", "按需:", "合计:")
	_, text = s.say("victor", "/spend --month "+last)
	s.want("/spend --month "+last, text, last+" 代售客户消费排行", "个客户共消费")
}

// coupon: a coupon request for 张三, approved and run.
func (s *sweep) coupon() {
	s.t.Helper()
	zs := s.env.Customer(s.t, "zhangsan")
	if rep, text := s.say("alice", "/发券 张三 50 --days 30"); rep.Error {
		s.t.Fatalf("coupon request refused:\n%s", text)
	}
	got, text := s.approve()
	if got.State != store.StateSucceeded || !strings.Contains(text, "张三 (zhangsan)：已发放代金券 CP") {
		s.t.Errorf("coupon approval %s:\n%s", got.State, text)
	}
	if n := len(s.env.Srv.Coupons(zs.ID)); n != 3 {
		s.t.Errorf("张三 holds %d coupons, want 3", n)
	}
	_, text = s.say("victor", "/coupons 张三")
	s.want("/coupons 张三 after the issue", text, "可使用 2 张")
}

// topUp: 李四's debt topped up through the approval, to success.
func (s *sweep) topUp() {
	s.t.Helper()
	lisi := s.env.Customer(s.t, "lisi")
	if rep, text := s.say("alice", "/拨款 lisi "+lisi.Debt.String()); rep.Error {
		s.t.Fatalf("top-up request refused:\n%s", text)
	}
	got, text := s.approve()
	if got.State != store.StateSucceeded {
		s.t.Errorf("top-up approval %s:\n%s", got.State, text)
	}
	s.want("the top-up's result", text, "✅ 已执行", "交易号 AD", "客户余额现为 CNY 0.00")
	if after, _ := s.env.Srv.Customer(lisi.ID); after.Debt != 0 {
		s.t.Errorf("李四 still owes %v", after.Debt)
	}
}

// renewal: 张三's web server, expiring in about three days, renewed for a month.
func (s *sweep) renewal() {
	s.t.Helper()
	web := s.resource(s.env.Customer(s.t, "zhangsan").ID, "zhangsan-web-01")
	_, text := s.say("alice", "/renew "+web.ResourceID+" 1m --autopay")
	s.want("the renewal preview", text, "续订", "zhangsan-web-01", "续订后到期", "1 个月")
	got, text := s.approve()
	if got.State != store.StateSucceeded {
		s.t.Errorf("renewal approval %s:\n%s", got.State, text)
	}
	s.want("the renewal's result", text, "✅ 已执行", "新的到期时间")
	after, _ := s.env.Srv.Resource(web.ResourceID)
	if !after.ExpireTime.After(web.ExpireTime.AddDate(0, 0, 27)) {
		s.t.Errorf("expiry %v did not move by a month from %v", after.ExpireTime, web.ExpireTime)
	}
}

// sweepText is a reply as one string, as exec prints it: the console's rendering, unwrapped.
func sweepText(r chat.Reply) string { return console.RenderWidth(r, 0) }
