package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

const budgetPath = "/v2/partners/sub-customers/budget"

// newIntlActEnv is newActEnv on the international site: the client and the sandbox both.
func newIntlActEnv(t *testing.T) *actEnv {
	t.Helper()
	roles := map[string]chat.Role{"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator,
		"console:bob": chat.RoleApprover, "console:victor": chat.RoleViewer}
	o := testenv.Options{Router: commands.Options{Roles: roles, ActionChannels: []string{"console:*"}},
		Sandbox: bsstest.Options{International: true},
		BSS:     func(c *bss.Config) { c.Site = bss.SiteInternational; c.Timeout = 5 * time.Second }}
	return &actEnv{Env: testenv.New(t, o), t: t}
}

// TestIntlBudget: on the international site /budget reads BSS's own sub-customer budget, and
// setting one files a request; once approved, one UpdateSubCustomerBudget call sets it, and
// nothing goes to the store's budgets.
func TestIntlBudget(t *testing.T) {
	ctx := context.Background()
	e := newIntlActEnv(t)
	zs := e.Customer(t, "zhangsan")

	_, text := e.say("console:alice", "/budget 张三")
	if !strings.Contains(text, "在华为云没有预算") {
		t.Errorf("no budget yet:\n%s", text)
	}
	if n := e.Srv.CallCount("GET", budgetPath); n != 1 {
		t.Errorf("%d budget reads", n)
	}

	rep, text := e.say("console:alice", "/预算 张三 5000")
	if rep.Error {
		t.Fatalf("refused:\n%s", text)
	}
	for _, want := range []string{"预算设置", "当前预算: 未设置", "改为: CNY 5,000.00"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	if n := e.Srv.CallCount("POST", budgetPath); n != 0 {
		t.Fatalf("%d budget writes before approval", n)
	}
	a := e.lastRequest()
	_, text = e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	if !strings.Contains(text, "✅ 已执行") || !strings.Contains(text, "预算已设为 5000") {
		t.Errorf("result:\n%s", text)
	}
	if n := e.Srv.CallCount("POST", budgetPath); n != 1 {
		t.Errorf("UpdateSubCustomerBudget reached BSS %d times", n)
	}
	if got, _ := e.Srv.Customer(zs.ID); got.Budget == nil || *got.Budget != bsstest.Yuan(5000) {
		t.Errorf("sandbox budget %v", got.Budget)
	}
	if bs, _ := e.Store.Budgets(ctx); len(bs) != 0 {
		t.Errorf("the store kept budgets on the international site: %+v", bs)
	}

	_, text = e.say("console:alice", "/budget 张三")
	if !strings.Contains(text, "5,000.00") || !strings.Contains(text, "已使用") {
		t.Errorf("budget read back:\n%s", text)
	}
	// The same amount again is refused; so is off.
	for _, tc := range []struct{ text, zh, en string }{
		{"/budget 张三 5000", "已经是", "is already"},
		{"/budget 张三 off", "不能用 off 取消", "cannot be removed with off"},
		{"/budget 张三 -5", "", ""},
		{"/budget 张三 五千", "", ""},
	} {
		for _, l := range []struct{ code, want string }{{"zh", tc.zh}, {"en", tc.en}} {
			e.say("console:alice", "/lang "+l.code)
			rep, text := e.say("console:alice", tc.text)
			if !rep.Error || !strings.Contains(text, l.want) {
				t.Errorf("%s %q: want a polite refusal with %q:\n%s", l.code, tc.text, l.want, text)
			}
		}
	}
	if n := e.requests(); n != 1 {
		t.Errorf("%d requests filed", n)
	}
}

// TestIntlBudgetSettles: a budget write whose answer was lost is settled by reading the budget
// back, without a second call.
func TestIntlBudgetSettles(t *testing.T) {
	ctx := context.Background()
	e := newIntlActEnv(t)
	if rep, text := e.say("console:alice", "/budget 张三 800"); rep.Error {
		t.Fatalf("refused:\n%s", text)
	}
	a := e.lastRequest()
	e.Srv.Inject("POST", budgetPath, bsstest.Fault{AfterWork: true, Times: 1})
	e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	got, _ := e.Store.Approval(ctx, a.ID)
	if got.State != store.StateSucceeded || got.Result == nil || !got.Result.Reconciled {
		t.Fatalf("state %s, result %+v", got.State, got.Result)
	}
	if n := e.Srv.CallCount("POST", budgetPath); n != 1 {
		t.Errorf("UpdateSubCustomerBudget reached BSS %d times", n)
	}
}

// On the China site /budget is still the store's, and BSS's budget API is never called.
func TestChinaBudgetStaysInStore(t *testing.T) {
	e := newActEnv(t, nil)
	if rep, text := e.say("console:alice", "/budget 张三 5000"); rep.Error || !strings.Contains(text, "已设置") {
		t.Fatalf("China /budget:\n%s", text)
	}
	if n := e.Srv.CallCount("", budgetPath); n != 0 {
		t.Errorf("%d calls to the international budget API", n)
	}
}
