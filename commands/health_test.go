package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// unverifiedWithResource is a demo customer not real-name verified, and one of its main
// resources in use.
func (e *actEnv) unverifiedWithResource() (bsstest.Customer, bsstest.Resource) {
	e.t.Helper()
	for _, c := range e.Srv.Customers() {
		if c.VerifiedStatus == "2" {
			continue
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if r.IsMain && r.Status == 2 {
				return c, r
			}
		}
	}
	e.t.Fatal("the demo has no unverified customer with a resource in use")
	return bsstest.Customer{}, bsstest.Resource{}
}

// Huawei renews only for real-name verified customers: /renew for another warns and files
// nothing; the same command with --anyway (the button's) files it.
func TestRenewWarnsUnverified(t *testing.T) {
	e := newActEnv(t, nil)
	cu, r := e.unverifiedWithResource()
	before, err := e.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	rep, text := e.say("console:alice", "/renew "+r.ResourceID+" 3m")
	if rep.Error || !strings.Contains(text, "未实名认证") || !strings.Contains(text, "只为已实名认证的客户续费") ||
		!strings.Contains(text, cu.AccountName) {
		t.Fatalf("no warning:\n%s", text)
	}
	again := "/renew " + r.ResourceID + " 3m --anyway"
	if len(rep.Buttons) != 1 || rep.Buttons[0].Command != again {
		t.Fatalf("buttons %+v, want one running %q", rep.Buttons, again)
	}
	after, _ := e.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if len(after) != len(before) {
		t.Fatalf("a request was filed for an unverified customer without --anyway")
	}
	rep, text = e.say("console:alice", again)
	if rep.Error || len(rep.Buttons) == 0 {
		t.Fatalf("--anyway did not file:\n%s", text)
	}
	if got := e.lastRequest(); got.Action != "renew" || got.CustomerID != cu.ID {
		t.Errorf("last request %+v, want the renewal", got)
	}

	// A verified customer's renewal is filed at once.
	web := e.Resource(t, "zhangsan", "zhangsan-web-01")
	if _, text := e.say("console:alice", "/renew "+web.ResourceID); strings.Contains(text, "未实名认证") {
		t.Errorf("warned for a verified customer:\n%s", text)
	}
}

// /customer shows the real-name status and whether the account is frozen.
func TestCustomerShowsVerifiedAndFrozen(t *testing.T) {
	e := newActEnv(t, nil)
	cu, _ := e.unverifiedWithResource()
	for _, tc := range []struct {
		lang, account string
		want          []string
	}{
		{"zh", "zhangsan", []string{"实名认证: 已实名认证", "冻结状态: 未冻结"}},
		{"zh", "initech", []string{"冻结状态: 🧊 账号和资源已冻结"}},
		{"en", "initech", []string{"Frozen: 🧊 account and resources frozen"}},
		{"en", "zhangsan", []string{"Real-name verification: verified", "Frozen: not frozen"}},
		{"zh", cu.AccountName, []string{"实名认证: ⚠ "}},
	} {
		e.say("console:alice", "/lang "+tc.lang)
		_, text := e.say("console:alice", "/customer "+tc.account)
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s /customer %s lacks %q:\n%s", tc.lang, tc.account, w, text)
			}
		}
	}
}

// /subscribe health subscribes the channel to the health kind, with no thresholds.
func TestSubscribeHealth(t *testing.T) {
	e := newActEnv(t, nil)
	for _, cmd := range []string{"/subscribe health", "/订阅 健康 张三"} {
		if rep, text := e.say("console:alice", cmd); rep.Error {
			t.Fatalf("%s: %s", cmd, text)
		}
	}
	subs, err := e.Store.Subscriptions(context.Background(), "console", "console")
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].Kind != "health" || subs[1].Kind != "health" || len(subs[0].Days) != 0 {
		t.Errorf("subscriptions %+v, want two of kind health without days", subs)
	}
}

// The demo's partner quota lapsing in 10 days expires first, but cannot hold a coupon of 30
// days: /coupon --days 30 picks the next one that can instead of refusing.
func TestCouponSkipsAQuotaLapsingBeforeTheCoupon(t *testing.T) {
	e := newActEnv(t, nil)
	rep, text := e.say("console:alice", "/coupon 张三 50 --days 30")
	if rep.Error || strings.Contains(text, "Q1157230914") {
		t.Fatalf("coupon of 30 days:\n%s", text)
	}
	rep, text = e.say("console:alice", "/coupon 李四 50 --days 5")
	if rep.Error || !strings.Contains(text, "Q1157230914") {
		t.Errorf("a coupon of 5 days does not use the quota lapsing first:\n%s", text)
	}
}

// /scan health runs the health scan and says what it found.
func TestScanHealthCommand(t *testing.T) {
	scanner := &laterScanner{}
	e := newAlertEnv(t, false, func(o *commands.Options) { o.Scanner = scanner })
	scanner.Scanner = alerts.New(e.Client, e.Store, alerts.Options{Now: e.Clock.Now, Location: e.loc})
	runSteps(t, e, []alertStep{
		{name: "subscribe", user: "console:alice", text: "/subscribe health", want: []string{"已订阅 #1", "健康提醒"}},
		{name: "scan", user: "console:admin", text: "/scan health", want: []string{"健康提醒项目: ", "BSS 调用: "}},
		{name: "a bad kind", user: "console:admin", text: "/scan wellness", want: []string{"expiry、arrears 或 health"}, wantErr: true},
	})
}
