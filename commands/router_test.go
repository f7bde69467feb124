package commands_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// env is a router wired to the fake BSS over real HTTP and a real store (testenv's), with the
// people these tests speak as.
type env struct{ *testenv.Env }

func newEnv(t testing.TB, tweak func(*commands.Options)) *env {
	t.Helper()
	opts := commands.Options{
		BotName: "partnerbot",
		Roles: map[string]chat.Role{
			"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator,
			"console:bob": chat.RoleApprover, "slack:U1": chat.RoleViewer,
		},
		DefaultRole: chat.RoleNone,
	}
	if tweak != nil {
		tweak(&opts)
	}
	return &env{testenv.New(t, testenv.Options{Router: opts})}
}

// say sends text as platform:user and returns the reply rendered as one string.
func (e *env) say(t testing.TB, user, text string) (chat.Reply, string, bool) {
	t.Helper()
	platform, id, _ := strings.Cut(user, ":")
	rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: "c1", Text: text})
	return rep, flatten(rep), ok
}

// flatten puts every string of a reply in one text for substring checks: a field as
// "label: value" and a table row as "a | b" whatever their neighbours' widths, which
// bot/console's renderer (used by alerts' and cli's tests) aligns instead, so that a check does
// not depend on the longest label or cell beside it. It is the only reply flattener left in
// the tests.
func flatten(r chat.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text + "\n" + r.Footer + "\n")
	for _, f := range r.Fields {
		b.WriteString(f.Label + ": " + f.Value + "\n")
	}
	for _, s := range r.Sections {
		b.WriteString(s.Title + "\n")
		for _, f := range s.Fields {
			b.WriteString(f.Label + ": " + f.Value + "\n")
		}
		b.WriteString(strings.Join(s.Lines, "\n") + "\n")
	}
	if r.Table != nil {
		b.WriteString(strings.Join(r.Table.Columns, " | ") + "\n")
		for _, row := range r.Table.Rows {
			b.WriteString(strings.Join(row, " | ") + "\n")
		}
	}
	for _, btn := range r.Buttons {
		b.WriteString("[" + btn.Label + "] " + btn.Command + "\n")
	}
	return b.String()
}

func TestCommands(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(t, "zhangsan")
	var referral bsstest.Customer
	for _, c := range e.Srv.Customers() {
		if c.AssociationType == "1" {
			referral = c
			break
		}
	}
	var orderID string
	for _, o := range e.Srv.Orders(zs.ID) {
		orderID = o.ID
	}
	if referral.ID == "" || orderID == "" {
		t.Fatal("demo data lacks a referral customer or an order of 张三")
	}
	tests := []struct {
		name    string
		user    string
		text    string
		want    []string // substrings of the flattened reply
		notWant []string
		wantErr bool
	}{
		// Help, generated from the registry.
		{"help lists every command", "console:admin", "/help", []string{"/customer (/客户)", "/resources", "/expiring", "/arrears", "/orders", "/order", "/price", "/lang", "/audit", "/balance"}, nil, false},
		{"help hides what the role cannot run", "slack:U1", "/help", []string{"/customer"}, []string{"/audit"}, false},
		{"help for one command", "console:admin", "/help resources", []string{"/resources <客户> [--expiring N] [--page N]", "/资源", "--expiring", "/资源 张三 --expiring 30", "查看者"}, nil, false},
		{"help by alias", "console:admin", "/帮助 客户", []string{"/customer <名称|账号|ID>"}, nil, false},
		{"help for an unknown command", "console:admin", "/help custmer", []string{"/custmer", "/customer"}, nil, true},
		// /customer and its aliases.
		{"customer by name", "console:admin", "/customer 张三", []string{zs.ID, "zhangsan", "代售", "vip", "CNY", "30 天内到期资源: 2", "/resources " + zs.ID}, nil, false},
		{"customer by Chinese alias", "console:admin", "/客户 张三", []string{zs.ID}, nil, false},
		{"customer by account", "console:admin", "/cust zhangsan", []string{zs.ID}, nil, false},
		{"customer by id", "console:admin", "/customer " + zs.ID, []string{"zhangsan"}, nil, false},
		{"customer name with spaces, no quotes", "console:admin", "/customer ACME Ltd", []string{"acme01"}, nil, false},
		{"customer with full-width slash and spaces", "console:admin", "／客户\u3000张三", []string{zs.ID}, nil, false},
		{"customer in arrears shows the debt", "console:admin", "/customer lisi", []string{"⚠ 欠费", "CNY 4,026.06"}, nil, false},
		{"referral customer hides the balance", "console:admin", "/customer " + referral.ID, []string{"顾问销售", "不可见"}, nil, false},
		{"several matches are listed", "console:admin", "/customer 科技", []string{"北京星河科技有限公司", "南京紫金教育科技"}, nil, false},
		{"no match", "console:admin", "/customer nobody-at-all", []string{"没有找到与 “nobody-at-all” 匹配的客户"}, nil, true},
		{"customer needs an argument", "console:admin", "/customer", []string{"/customer 缺少参数", "用法：/customer <名称|账号|ID>"}, nil, true},
		{"addressed to this bot", "console:admin", "/customer@partnerbot 张三", []string{zs.ID}, nil, false},
		// /balance
		{"balance of a customer", "console:admin", "/balance 张三", []string{"张三 (zhangsan) 的余额", "可用余额", "欠费"}, nil, false},
		{"balance alias", "console:admin", "/余额 lisi", []string{"该客户已欠费"}, nil, false},
		{"partner balances", "console:admin", "/balance", []string{"合作伙伴账户余额", "余额账户"}, nil, false},
		{"referral balance refused politely", "console:admin", "/balance " + referral.ID, []string{"顾问销售"}, nil, true},
		// /resources
		{"resources grouped", "console:admin", "/resources 张三", []string{"zhangsan-web-01", "附属：zhangsan-web-01-volume", "zhangsan-bw-01", "附属：eip-", "自动续费", "已过期", "第 1/1 页，共 5 项"}, nil, false},
		{"resources expiring", "console:admin", "/资源 张三 --expiring 7", []string{"在 7 天内到期的资源", "zhangsan-web-01", "zhangsan-bw-01"}, []string{"zhangsan-mysql-01", "zhangsan-obs-pkg"}, false},
		{"resources em-dash flag from a Chinese IME", "console:admin", "/resources 张三 —expiring 7", []string{"在 7 天内到期的资源"}, nil, false},
		{"resources full-width digits", "console:admin", "/resources 张三 --expiring ７", []string{"在 7 天内到期的资源"}, nil, false},
		{"resources bad number", "console:admin", "/resources 张三 --expiring soon", []string{"--expiring", "1 到 3650", "soon"}, nil, true},
		{"resources unknown flag", "console:admin", "/resources 张三 --colour red", []string{"不支持选项 --colour"}, nil, true},
		{"resources page out of range", "console:admin", "/resources 张三 --page 9", []string{"没有第 9 页（共 1 页）"}, nil, true},
		{"resources ambiguous customer", "console:admin", "/resources 科技", []string{"匹配到", "bj-xinghe-tech"}, nil, true},
		// /expiring
		{"expiring default 30 days", "console:admin", "/expiring", []string{"30 天内到期", "/expiring --page 2"}, nil, false},
		{"expiring alias and days", "console:admin", "/到期 7", []string{"7 天内到期", "ecs-lisi-01", "/expiring 7 --page 2"}, []string{"zhangsan-mysql-01"}, false},
		{"expiring page 2", "console:admin", "/expiring --page 2", []string{"第 2/", "[上一页] /expiring --page 1"}, nil, false},
		{"expiring bad days", "console:admin", "/expiring 0", []string{"天数", "1 到 365"}, nil, true},
		{"expiring too many args", "console:admin", "/expiring 7 8", []string{"参数太多"}, nil, true},
		// /arrears
		{"arrears largest first", "console:admin", "/欠费", []string{"共 6 个客户欠费", "共 6 个客户欠费，合计 CNY 11,033.16", "李四 | lisi | - | CNY 4,026.06\nInitech"}, nil, false},
		// /orders and /order
		{"orders of a customer", "console:admin", "/orders 张三", []string{"张三 (zhangsan) 的订单", "续费", "待支付"}, nil, false},
		{"orders by status word", "console:admin", "/订单 张三 --status pending", []string{"待支付"}, []string{"已完成"}, false},
		{"orders bad status", "console:admin", "/orders 张三 --status weird", []string{"订单状态 “weird” 无效"}, nil, true},
		{"one order", "console:admin", "/order " + orderID, []string{"订单 " + orderID, zs.ID, "官网价", "折后价", "产品 | 周期 | 数量 | 金额"}, nil, false},
		{"unknown order", "console:admin", "/order CS0000000000NONE", []string{"没有找到订单 CS0000000000NONE"}, nil, true},
		// /price
		{"price of an ECS for a year", "console:admin", "/询价 张三 ecs s6.large.2.linux --period 1y --region cn-north-4", []string{"官网价", "最优价", "1 年", "CNY"}, nil, false},
		{"price of a disk by size", "console:admin", "/price 张三 evs SSD --size 100 --period 3m", []string{"SSD 100GB", "3 个月"}, nil, false},
		{"price bad period", "console:admin", "/price 张三 ecs s6.large.2.linux --period 13m", []string{"周期 “13m” 无效"}, nil, true},
		{"price bad service", "console:admin", "/price 张三 tv s1", []string{"不认识的服务 “tv”", "ecs"}, nil, true},
		{"price unknown spec explained", "console:admin", "/price 张三 ecs nosuch.spec", []string{"BSS 不认识 ecs 的规格 “nosuch.spec”", "相近的规格：s6."}, []string{"CBC."}, true},
		// Roles.
		{"audit for admins", "console:admin", "/audit", []string{"审计记录", "console:admin"}, nil, false},
		{"audit refused to operators", "console:alice", "/审计", []string{"/audit 需要 管理员（admin） 角色，您的角色是 操作员（operator）"}, nil, true},
		{"unknown user refused", "telegram:999", "/customer 张三", []string{"telegram:999"}, nil, true},
		// Parsing and unknown commands.
		{"unknown command suggests", "console:admin", "/custmer 张三", []string{"没有 /custmer 这个命令", "/customer"}, nil, true},
		{"unterminated quote", "console:admin", `/customer "张三`, []string{"引号没有闭合"}, nil, true},
		{"lang bad value", "console:admin", "/lang fr", []string{"不支持的语言 “fr”"}, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep, text, ok := e.say(t, tc.user, tc.text)
			if !ok {
				t.Fatalf("%q was not handled", tc.text)
			}
			if rep.Error != tc.wantErr {
				t.Errorf("Error = %v, want %v:\n%s", rep.Error, tc.wantErr, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("reply lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(text, w) {
					t.Errorf("reply has %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestNotForUs(t *testing.T) {
	e := newEnv(t, nil)
	// A sentence is for the bot (sentence_test.go); these are not.
	for _, text := range []string{"/customer@otherbot 张三", "", "   ", "/var/log is full"} {
		if _, _, ok := e.say(t, "console:admin", text); ok {
			t.Errorf("%q was handled", text)
		}
	}
	if recs, _ := e.Store.RecentAudit(context.Background(), 10, store.AuditFilter{}); len(recs) != 0 {
		t.Errorf("chat that is not a command was audited: %+v", recs)
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t, func(o *commands.Options) { o.Lang = lang.Zh })
	_, text, _ := e.say(t, "console:admin", "/lang en")
	if !strings.Contains(text, "English") {
		t.Fatalf("lang reply: %s", text)
	}
	_, text, _ = e.say(t, "console:admin", "/customer 张三")
	if !strings.Contains(text, "Customer id") || !strings.Contains(text, "resale") {
		t.Errorf("not English after /lang en:\n%s", text)
	}
	_, text, _ = e.say(t, "console:alice", "/customer 张三")
	if !strings.Contains(text, "客户 ID") {
		t.Errorf("another user's language changed:\n%s", text)
	}
	_, text, _ = e.say(t, "console:admin", "/nosuch")
	if !strings.Contains(text, "There is no command /nosuch") {
		t.Errorf("errors not in English: %s", text)
	}
	// A router configured for English answers everyone in English.
	e2 := newEnv(t, func(o *commands.Options) { o.Lang = lang.En })
	if _, text, _ := e2.say(t, "console:bob", "/arrears"); !strings.Contains(text, "Customers in arrears") {
		t.Errorf("default English:\n%s", text)
	}
}

func TestAudit(t *testing.T) {
	e := newEnv(t, nil)
	e.Srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 500, Times: 1})
	_, text, _ := e.say(t, "slack:U1", "/customer 张三")
	if !strings.Contains(text, "华为云") {
		t.Errorf("BSS failure not explained: %s", text)
	}
	e.say(t, "console:alice", "/audit")
	e.say(t, "console:admin", "/customer 张三")
	recs, err := e.Store.RecentAudit(context.Background(), 10, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 {
		t.Fatalf("%d audit records, want 3: %+v", len(recs), recs)
	}
	got := map[string]store.AuditEntry{}
	for _, r := range recs {
		got[r.Platform+":"+r.UserID] = r
	}
	if r := got["slack:U1"]; r.Result != "error" || r.RequestID == "" || r.Channel != "c1" || r.Command != "/customer 张三" {
		t.Errorf("failed command audit %+v", r)
	}
	if r := got["console:alice"]; r.Result != "denied" {
		t.Errorf("denied command audit %+v", r)
	}
	if r := got["console:admin"]; r.Result != "ok" || r.Duration <= 0 {
		t.Errorf("ok command audit %+v", r)
	}
}

func TestPanicIsCaught(t *testing.T) {
	e := newEnv(t, nil)
	e.Router.Register(&commands.Command{Name: "boom", Role: chat.RoleViewer, MaxArgs: -1,
		Run: func(ctx context.Context, c *commands.Call) (chat.Reply, error) { panic("kaboom") }})
	rep, text, ok := e.say(t, "console:admin", "/boom")
	if !ok || !rep.Error || !strings.Contains(text, "出了问题") || strings.Contains(text, "kaboom") {
		t.Errorf("panic reply: %v %s", ok, text)
	}
	e.Router.Register(&commands.Command{Name: "fails", Role: chat.RoleViewer, MaxArgs: -1,
		Run: func(ctx context.Context, c *commands.Call) (chat.Reply, error) {
			return chat.Reply{}, errors.New("secret internal detail")
		}})
	if _, text, _ := e.say(t, "console:admin", "/fails"); strings.Contains(text, "secret") {
		t.Errorf("internal error leaked: %s", text)
	}
}

func TestRoles(t *testing.T) {
	tests := []struct {
		role chat.Role
		need chat.Role
		ok   bool
	}{
		{chat.RoleNone, chat.RoleViewer, false},
		{chat.RoleViewer, chat.RoleViewer, true},
		{chat.RoleViewer, chat.RoleOperator, false},
		{chat.RoleOperator, chat.RoleViewer, true},
		{chat.RoleOperator, chat.RoleOperator, true},
		{chat.RoleOperator, chat.RoleApprover, false},
		{chat.RoleApprover, chat.RoleOperator, false},
		{chat.RoleApprover, chat.RoleApprover, true},
		{chat.RoleAdmin, chat.RoleOperator, true},
		{chat.RoleAdmin, chat.RoleApprover, true},
		{chat.RoleAdmin, chat.RoleAdmin, true},
		{chat.RoleApprover, chat.RoleAdmin, false},
	}
	for _, tc := range tests {
		if got := tc.role.Allows(tc.need); got != tc.ok {
			t.Errorf("%v allows %v = %v, want %v", tc.role, tc.need, got, tc.ok)
		}
	}
	for _, name := range []string{"viewer", "Operator", " approver ", "ADMIN", "none"} {
		if _, ok := chat.ParseRole(name); !ok {
			t.Errorf("ParseRole(%q) failed", name)
		}
	}
	if _, ok := chat.ParseRole("root"); ok {
		t.Error("ParseRole(root) accepted")
	}
}

func TestPeriods(t *testing.T) {
	tests := []struct {
		in   string
		want bss.Period
		ok   bool
	}{
		{"1m", bss.Period{Type: bss.PeriodMonth, Num: 1}, true},
		{"11m", bss.Period{Type: bss.PeriodMonth, Num: 11}, true},
		{"12m", bss.Period{Type: bss.PeriodYear, Num: 1}, true},
		{"3个月", bss.Period{Type: bss.PeriodMonth, Num: 3}, true},
		{"1y", bss.Period{Type: bss.PeriodYear, Num: 1}, true},
		{"3年", bss.Period{Type: bss.PeriodYear, Num: 3}, true},
		{"4y", bss.Period{}, false},
		{"0m", bss.Period{}, false},
		{"13m", bss.Period{}, false},
		{"1w", bss.Period{}, false},
		{"", bss.Period{}, false},
	}
	for _, tc := range tests {
		got, ok := commands.ParsePeriod(tc.in)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParsePeriod(%q) = %+v %v, want %+v %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestEveryCommandHasHelpAndAliasesResolve(t *testing.T) {
	e := newEnv(t, nil)
	for _, c := range e.Router.Commands() {
		for _, name := range append([]string{c.Name}, c.Aliases...) {
			rep, text, ok := e.say(t, "console:admin", "/help "+name)
			if !ok || rep.Error || !strings.Contains(text, "/"+c.Name) || strings.Contains(text, "sum.") {
				t.Errorf("/help %s:\n%s", name, text)
			}
		}
		if len(c.Examples) == 0 {
			t.Errorf("/%s has no examples", c.Name)
		}
	}
}

func TestRouterUsesNow(t *testing.T) {
	// Times are shown in the configured zone.
	loc := time.FixedZone("UTC-5", -5*3600)
	e := newEnv(t, func(o *commands.Options) { o.Location = loc })
	_, text, _ := e.say(t, "console:admin", "/resources 张三")
	zs := e.Customer(t, "zhangsan")
	rs := e.Srv.Resources(zs.ID)
	want := rs[0].ExpireTime.In(loc).Format("2006-01-02 15:04")
	if !strings.Contains(text, want) {
		t.Errorf("expiry not shown in the configured zone (%s):\n%s", want, text)
	}
}
