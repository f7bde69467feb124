package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

const (
	allocatePath      = "/v2/accounts/partner-accounts/adjust-amount"
	reclaimBalPath    = "/v2/accounts/partner-accounts/reclaim"
	couponsPath       = "/v2/promotions/benefits/partner-coupons"
	couponReclaimPath = "/v2/promotions/benefits/partner-coupons/reclaim"
)

// moneyCalls counts the calls that move money or coupons.
func (e *actEnv) moneyCalls() int {
	n := 0
	for _, c := range e.Srv.Calls() {
		switch {
		case c.Path == allocatePath, c.Path == reclaimBalPath, c.Path == couponReclaimPath,
			c.Path == couponsPath && c.Method == "POST":
			n++
		}
	}
	return n
}

// approveLast approves the newest request as bob and returns it as stored afterwards.
func (e *actEnv) approveLast() (store.Approval, string) {
	e.t.Helper()
	a := e.lastRequest()
	_, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	got, err := e.Store.Approval(context.Background(), a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got, text
}

func TestMoneyReadCommands(t *testing.T) {
	e := newActEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	cycle := bss.Cycle(e.Clock.Now())
	var usable string
	for _, cp := range e.Srv.Coupons(zs.ID) {
		if cp.Status == bsstest.CouponUsable {
			usable = cp.ID
		}
	}
	tests := []struct {
		user, cmd string
		fail      bool
		want      []string
		not       []string
	}{
		{"console:victor", "/spend 张三", false, []string{"张三 (zhangsan) 的消费（" + cycle + "）", "包年/包月:", "按需:", "合计:", "弹性云服务器", "数据截至昨日 24:00", "[上个月] /spend " + zs.ID + " --month "}, nil},
		{"console:victor", "/消费", false, []string{cycle + " 代售客户消费排行", "个客户共消费", "张三 (zhangsan)", "[下一页] /spend --month " + cycle + " --page 2"}, []string{"Initech"}},
		{"console:victor", "/spend 张三 --month 2099-01", true, []string{"月份 “2099-01” 无效"}, nil},
		{"console:victor", "/spend 张三 --month 2026/13", true, []string{"无效"}, nil},
		{"console:victor", "/customer 张三", false, []string{"本月消费:", "可用余额:", "[本月消费] /spend " + zs.ID}, nil},
		{"console:victor", "/ledger", true, []string{"/ledger 需要 审批人（approver） 角色"}, nil},
		{"console:alice", "/流水", true, []string{"需要 审批人（approver） 角色"}, nil},
		{"console:bob", "/ledger --type all --days 90", false, []string{"合作伙伴账户收支明细（最近 90 天）", "充值", "拨款", "变更后账户余额"}, nil},
		{"console:admin", "/ledger --type gift", true, []string{"流水类型 “gift” 无效"}, nil},
		{"console:victor", "/coupons 张三", false, []string{"张三 (zhangsan) 的合作伙伴代金券", "可使用 1 张，余额合计 CNY 320.50", usable, "已过期"}, []string{"/coupon-reclaim"}},
		{"console:alice", "/代金券 张三", false, []string{"[回收 " + usable + "] /coupon-reclaim " + usable}, nil},
		{"console:victor", "/ondemand 张三", false, []string{"张三 (zhangsan) 的按需资源", "zhangsan-batch-01", "正常", "第 1/2 页，共 12 项", "/ondemand " + zs.ID + " --page 2"}, nil},
		{"console:victor", "/按需资源 张三 --page 2", false, []string{"zhangsan-logs", "OBS桶", "第 2/2 页，共 12 项"}, nil},
		{"console:victor", "/ondemand " + e.Customer(e.t, "lisi").Name + " --page 9", true, []string{"没有第 9 页"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			rep, text := e.say(tc.user, tc.cmd)
			if rep.Error != tc.fail {
				t.Errorf("error = %v, want %v:\n%s", rep.Error, tc.fail, text)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("lacks %q:\n%s", w, text)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(text, w) {
					t.Errorf("has %q:\n%s", w, text)
				}
			}
		})
	}
	// A referral customer has no spend, no coupons and no pay-per-use resources of the partner's.
	var referral bsstest.Customer
	for _, c := range e.Srv.Customers() {
		if c.AssociationType == "1" {
			referral = c
			break
		}
	}
	for _, cmd := range []string{"/spend ", "/coupons ", "/ondemand "} {
		if rep, text := e.say("console:victor", cmd+referral.ID); !rep.Error || !strings.Contains(text, "不是代售客户") {
			t.Errorf("%s a referral customer:\n%s", cmd, text)
		}
	}
}

// TestSpendAddsUp: the customer view and the ranking agree, and both match the sandbox's
// bills as the client reads them.
func TestSpendAddsUp(t *testing.T) {
	e := newActEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	all, err := e.Client.AllMonthlyBills(context.Background(), bss.MonthlyBillFilter{Cycle: bss.Cycle(e.Clock.Now()), CustomerID: zs.ID})
	if err != nil {
		t.Fatal(err)
	}
	var total bss.Amount
	for _, b := range all.BillSums {
		total = total.Add(b.Amount)
	}
	want := lang.Money(total, "CNY")
	_, one := e.say("console:victor", "/spend 张三")
	_, top := e.say("console:victor", "/spend")
	_, cust := e.say("console:victor", "/customer 张三")
	if !strings.Contains(one, "合计:      "+want) && !strings.Contains(one, "合计: "+want) {
		t.Errorf("/spend 张三 total is not %s:\n%s", want, one)
	}
	if !strings.Contains(top, want) || !strings.Contains(cust, "本月消费: "+want) {
		t.Errorf("ranking or /customer disagree with %s:\n%s\n%s", want, top, cust)
	}
}

func TestTopUpRequestAndRun(t *testing.T) {
	e := newActEnv(t, nil)
	lisi := e.Customer(e.t, "lisi") // in arrears
	fund := e.Srv.PartnerAccounts("")[3]
	avail := fund.Amount - fund.DesignatedAmount
	refusals := []struct{ cmd, want string }{
		{"/topup lisi 10.001", "最多两位小数"},
		{"/topup lisi 0", "大于 0"},
		{"/topup lisi -5", "大于 0"},
		{"/topup lisi ten", "金额"},
		{"/topup lisi " + (avail + 1).String(), "超过合作伙伴可拨款余额 " + lang.Money(bss.MustAmount(avail.String()), "CNY")},
		{"/topup nosuchcustomer 10", "没有找到"},
		{"/topup lisi", "缺少参数"},
	}
	for _, r := range refusals {
		if rep, text := e.say("console:alice", r.cmd); !rep.Error || !strings.Contains(text, r.want) {
			t.Errorf("%s: want a refusal saying %q:\n%s", r.cmd, r.want, text)
		}
	}
	if rep, _ := e.say("console:victor", "/topup lisi 10"); !rep.Error {
		t.Error("a viewer filed a top-up")
	}
	if n := e.requests(); n != 0 {
		t.Fatalf("%d requests filed by refused commands", n)
	}

	// The debt and more: the debt is paid first, the rest becomes balance.
	amount := lisi.Debt + bsstest.Yuan(100)
	rep, text := e.say("console:alice", "/拨款 lisi ¥"+amount.String())
	for _, w := range []string{"已提交申请 #1", "拨款", "拨款金额:", lang.Money(bss.MustAmount(amount.String()), "CNY"),
		"客户 李四 (lisi) 的余额（当前）:", "欠费 " + lang.Money(bss.MustAmount(lisi.Debt.String()), "CNY"), "客户 李四 (lisi) 的余额（执行后）:", "CNY 100.00",
		"合作伙伴可拨款账户 " + fund.ID + " 的余额: " + lang.Money(bss.MustAmount(fund.Amount.String()), "CNY") + " → " + lang.Money(bss.MustAmount((fund.Amount-amount).String()), "CNY"),
		"可拨款 " + lang.Money(bss.MustAmount(avail.String()), "CNY"), "[撤回] /cancel 1"} {
		if !strings.Contains(text, w) {
			t.Errorf("preview lacks %q:\n%s", w, text)
		}
	}
	if rep.Error || e.moneyCalls() != 0 {
		t.Fatalf("filing moved money or failed:\n%s", text)
	}
	if rep, text := e.say("console:alice", "/topup lisi 1"); !rep.Error || !strings.Contains(text, "已有一个待处理的拨款申请 #1") {
		t.Errorf("a second open top-up of the same customer:\n%s", text)
	}
	if rep, _ := e.say("console:alice", "/approve 1"); !rep.Error {
		t.Error("the requester approved their own top-up")
	}
	got, text := e.approveLast()
	if got.State != store.StateSucceeded || !strings.Contains(text, "✅ 已执行") || !strings.Contains(text, "交易号 AD") ||
		!strings.Contains(text, "客户余额现为 CNY 100.00") {
		t.Fatalf("after approval %s:\n%s", got.State, text)
	}
	after, _ := e.Srv.Customer(lisi.ID)
	if after.Debt != 0 || after.Balance != bsstest.Yuan(100) {
		t.Errorf("lisi after the top-up: balance %v debt %v", after.Balance, after.Debt)
	}
	if got := e.Srv.PartnerAccounts("")[3].Amount; got != fund.Amount-amount {
		t.Errorf("partner account %v, want %v", got, fund.Amount-amount)
	}
	if e.moneyCalls() != 1 {
		t.Errorf("%d money calls, want 1", e.moneyCalls())
	}
	// The requester and the approvers are told of the result.
	told := 0
	for _, n := range e.notices() {
		if strings.Contains(noticeText(n), "交易号 AD") {
			told++
		}
	}
	if told < 2 {
		t.Errorf("%d notices carry the result", told)
	}
}

func TestReclaimBalanceRequestAndRun(t *testing.T) {
	e := newActEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	if rep, text := e.say("console:alice", "/reclaim-balance 张三 "+(zs.Balance+1).String()); !rep.Error || !strings.Contains(text, "超过客户当前余额") {
		t.Errorf("reclaiming more than the balance:\n%s", text)
	}
	_, text := e.say("console:alice", "/回收余额 张三 80")
	for _, w := range []string{"余额回收", "回收金额:", "CNY 80.00", "客户 张三 (zhangsan) 的余额（当前）:", lang.Money(bss.MustAmount(zs.Balance.String()), "CNY"),
		"的余额（执行后）:", lang.Money(bss.MustAmount((zs.Balance - bsstest.Yuan(80)).String()), "CNY"), "退回合作伙伴账户"} {
		if !strings.Contains(text, w) {
			t.Errorf("preview lacks %q:\n%s", w, text)
		}
	}
	got, text := e.approveLast()
	if got.State != store.StateSucceeded || !strings.Contains(text, "交易号 RE") {
		t.Fatalf("%s:\n%s", got.State, text)
	}
	if after, _ := e.Srv.Customer(zs.ID); after.Balance != zs.Balance-bsstest.Yuan(80) {
		t.Errorf("balance %v", after.Balance)
	}
	// A BSS refusal fails the request, named.
	e.say("console:alice", "/reclaim-balance 张三 10")
	e.Srv.SetBalance(zs.ID, "1.00", "")
	got, text = e.approveLast()
	if got.State != store.StateFailed || got.Result.ErrorCode != "CBC.99005003" || !strings.Contains(text, "❌ 执行失败") {
		t.Errorf("refused by BSS: %s %+v\n%s", got.State, got.Result, text)
	}
}

// TestLostTopUpIsSettledWithoutASecondAllocation is the issue's exactly-once rule: a top-up whose
// answer is lost after BSS did it is settled from the adjust records — at once when the record
// is there, after SettleAfter otherwise — and never sent again.
func TestLostTopUpIsSettledWithoutASecondAllocation(t *testing.T) {
	tests := []struct {
		name     string
		fault    bsstest.Fault
		atOnce   bool
		wantOK   bool
		wantMove bool
	}{
		{"connection dropped after the work", bsstest.Fault{AfterWork: true, Drop: true}, true, true, true},
		{"500 after the work", bsstest.Fault{AfterWork: true, Status: 500}, true, true, true},
		{"2xx naming no transfer", bsstest.Fault{EmptyOrderIDs: true}, false, false, false},
		{"connection dropped before the work", bsstest.Fault{Drop: true}, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newActEnv(t, nil)
			zs := e.Customer(e.t, "zhangsan")
			records := len(e.Srv.AdjustRecords())
			e.say("console:alice", "/topup 张三 250")
			e.Srv.Inject("POST", allocatePath, tc.fault)
			got, text := e.approveLast()
			if tc.atOnce != (got.State != store.StateExecuting) {
				t.Fatalf("state %s after approval:\n%s", got.State, text)
			}
			if !tc.atOnce {
				if !strings.Contains(text, "结果未知") || !strings.Contains(text, "不会重发") {
					t.Errorf("the unknown outcome is not said:\n%s", text)
				}
				e.Srv.ClearFaults()
				e.Clock.Advance(3 * time.Minute)
				if err := e.Router.Maintain(ctx); err != nil {
					t.Fatal(err)
				}
				got, _ = e.Store.Approval(ctx, got.ID)
			}
			if (got.State == store.StateSucceeded) != tc.wantOK || got.Result == nil || !got.Result.Reconciled {
				t.Fatalf("settled to %s %+v", got.State, got.Result)
			}
			if !tc.wantOK && !got.Result.NeedsAttention {
				t.Error("no trace and nobody told to look")
			}
			_, story := e.say("console:alice", fmt.Sprintf("/request %d", got.ID))
			if tc.wantOK && (!strings.Contains(story, "交易号 AD") || !strings.Contains(story, "执行结果未知，已根据华为云状态确认")) {
				t.Errorf("story:\n%s", story)
			}
			// Maintain again: nothing changes, nothing is sent.
			e.Clock.Advance(time.Hour)
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			if n := e.Srv.CallCount("POST", allocatePath); n != 1 {
				t.Errorf("%d allocation calls, want exactly 1", n)
			}
			moved := len(e.Srv.AdjustRecords()) - records
			after, _ := e.Srv.Customer(zs.ID)
			if tc.wantMove && (moved != 1 || after.Balance != zs.Balance+bsstest.Yuan(250)) || !tc.wantMove && (moved != 0 || after.Balance != zs.Balance) {
				t.Errorf("%d records, balance %v from %v", moved, after.Balance, zs.Balance)
			}
		})
	}
}

// TestTopUpSettlingTrustsOnlyItsOwnEvidence: a top-up of the same amount made meanwhile by
// someone else, or one an earlier request already claims, is not this request's.
func TestTopUpSettlingTrustsOnlyItsOwnEvidence(t *testing.T) {
	ctx := context.Background()
	t.Run("an earlier request's transfer is claimed", func(t *testing.T) {
		e := newActEnv(t, nil)
		e.say("console:alice", "/topup 张三 100")
		if got, _ := e.approveLast(); got.State != store.StateSucceeded {
			t.Fatalf("first top-up %s", got.State)
		}
		e.say("console:alice", "/topup 张三 100")
		e.Srv.Inject("POST", allocatePath, bsstest.Fault{Drop: true}) // never reached BSS's books
		got, _ := e.approveLast()
		e.Clock.Advance(3 * time.Minute)
		if err := e.Router.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = e.Store.Approval(ctx, got.ID)
		if got.State != store.StateFailed || !got.Result.NeedsAttention {
			t.Errorf("the first request's transfer settled the second: %s %+v", got.State, got.Result)
		}
	})
	t.Run("two identical transfers cannot be told apart", func(t *testing.T) {
		e := newActEnv(t, nil)
		zs := e.Customer(e.t, "zhangsan")
		e.say("console:alice", "/topup 张三 100")
		// Someone tops up the same amount in the Partner Center while the request runs.
		if _, err := e.Client.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("100")}); err != nil {
			t.Fatal(err)
		}
		e.Srv.Inject("POST", allocatePath, bsstest.Fault{AfterWork: true, Drop: true})
		got, _ := e.approveLast()
		if got.State != store.StateExecuting {
			t.Fatalf("ambiguous evidence settled at once as %s", got.State)
		}
		e.Clock.Advance(3 * time.Minute)
		if err := e.Router.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = e.Store.Approval(ctx, got.ID)
		_, text := e.say("console:alice", fmt.Sprintf("/request %d", got.ID))
		if got.State != store.StateFailed || !got.Result.NeedsAttention || !strings.Contains(text, "无法确定哪条属于本申请") {
			t.Errorf("ambiguous evidence settled as %s %+v:\n%s", got.State, got.Result, text)
		}
		if n := e.Srv.CallCount("POST", allocatePath); n != 2 {
			t.Errorf("%d allocations (one by the test, one by the bot), want 2", n)
		}
	})
}

func TestCouponRequestAndRun(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, nil)
	zs, lisi := e.Customer(e.t, "zhangsan"), e.Customer(e.t, "lisi")
	zsHeld, lisiHeld := len(e.Srv.Coupons(zs.ID)), len(e.Srv.Coupons(lisi.ID))
	var quota bsstest.Quota
	for _, q := range e.Srv.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && q.QuotaStatus == 0 && len(q.Limits) == 0 {
			quota = q
		}
	}
	if rep, text := e.say("console:alice", "/coupon 张三 "+(quota.Balance+1).String()+" --quota "+quota.QuotaID); !rep.Error || !strings.Contains(text, "不足以发放") {
		t.Errorf("more than the quota holds:\n%s", text)
	}
	if rep, text := e.say("console:alice", "/coupon 张三 10 --quota "+quota.QuotaID+" --days 3650"); !rep.Error {
		t.Errorf("--days 3650:\n%s", text)
	}
	if rep, text := e.say("console:alice", "/coupon 张三,张三 10"); !rep.Error || !strings.Contains(text, "重复") {
		t.Errorf("the same customer twice:\n%s", text)
	}
	_, text := e.say("console:alice", "/发券 张三，李四 60 --quota "+quota.QuotaID+" --days 30")
	for _, w := range []string{"发放代金券", "面值:", "CNY 60.00", quota.QuotaID, lang.Money(bss.MustAmount(quota.Balance.String()), "CNY") + " → " +
		lang.Money(bss.MustAmount((quota.Balance-bsstest.Yuan(120)).String()), "CNY"), "发放给 2 个客户", "张三 (zhangsan)", "李四 (lisi)", "有效期:"} {
		if !strings.Contains(text, w) {
			t.Errorf("preview lacks %q:\n%s", w, text)
		}
	}
	if rep, text := e.say("console:alice", "/coupon 李四 5"); !rep.Error || !strings.Contains(text, "已有一个待处理的发放代金券申请") {
		t.Errorf("a second open coupon request for 李四:\n%s", text)
	}
	// Meanwhile the quota is drawn down so that only one of the two can be served: a partial
	// success, reported per customer.
	left := bss.MustAmount(quota.Balance.String()).Sub(bss.MustAmount("90"))
	if _, err := e.Client.IssueCoupons(ctx, bss.CouponIssue{QuotaID: quota.QuotaID, CustomerIDs: []string{e.Customer(e.t, "wangfang").ID}, FaceValue: left}); err != nil {
		t.Fatal(err)
	}
	got, text := e.approveLast()
	if got.State != store.StateSucceeded || !got.Result.NeedsAttention || !strings.Contains(text, "张三 (zhangsan)：已发放代金券 CP") ||
		!strings.Contains(text, "李四 (lisi)：未发放（CBC.99005003") {
		t.Fatalf("partial success %s %+v:\n%s", got.State, got.Result, text)
	}
	if n := len(e.Srv.Coupons(zs.ID)); n != zsHeld+1 {
		t.Errorf("张三 holds %d coupons, want %d", n, zsHeld+1)
	}
	if n := len(e.Srv.Coupons(lisi.ID)); n != lisiHeld {
		t.Errorf("李四 holds %d coupons, want the %d held before", n, lisiHeld)
	}

	// A coupon issue whose answer is lost is settled from the issued coupons.
	e.say("console:alice", "/coupon 李四 5")
	e.Srv.Inject("POST", couponsPath, bsstest.Fault{AfterWork: true, Drop: true})
	got, text = e.approveLast()
	if got.State != store.StateSucceeded || !got.Result.Reconciled || !strings.Contains(text, "李四 (lisi)：已发放代金券 CP") {
		t.Errorf("lost coupon answer settled as %s %+v:\n%s", got.State, got.Result, text)
	}
	if n := e.Srv.CallCount("POST", couponsPath); n != 3 {
		t.Errorf("%d coupon issues (2 by the bot, 1 by the test), want 3", n)
	}
}

func TestCouponReclaimRequestAndRun(t *testing.T) {
	e := newActEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	var usable, expired string
	for _, cp := range e.Srv.Coupons(zs.ID) {
		switch cp.Status {
		case bsstest.CouponUsable:
			usable = cp.ID
		case bsstest.CouponExpired:
			expired = cp.ID
		}
	}
	if rep, text := e.say("console:alice", "/coupon-reclaim "+expired); !rep.Error || !strings.Contains(text, "只有可使用的代金券才能回收") {
		t.Errorf("an expired coupon:\n%s", text)
	}
	_, text := e.say("console:alice", "/回收代金券 "+usable)
	for _, w := range []string{"代金券回收", "张三 (zhangsan)", usable, "将回收的余额: CNY 320.50", "面值: ", "CNY 500.00", "作废"} {
		if !strings.Contains(text, w) {
			t.Errorf("preview lacks %q:\n%s", w, text)
		}
	}
	e.Srv.Inject("POST", couponReclaimPath, bsstest.Fault{AfterWork: true, Status: 502})
	got, text := e.approveLast()
	if got.State != store.StateSucceeded || !got.Result.Reconciled || !strings.Contains(text, "代金券 "+usable+" 已回收") {
		t.Errorf("lost reclaim settled as %s %+v:\n%s", got.State, got.Result, text)
	}
	if n := e.Srv.CallCount("POST", couponReclaimPath); n != 1 {
		t.Errorf("%d reclaim calls", n)
	}
	e.Srv.ClearFaults()
	if rep, _ := e.say("console:alice", "/coupon-reclaim "+usable); !rep.Error {
		t.Error("a reclaimed coupon can be reclaimed again")
	}
}

// TestArrearsOfferTheTopUp: /arrears and /balance offer the top-up of the debt, prefilled, to
// those who may request it, and only to them.
func TestArrearsOfferTheTopUp(t *testing.T) {
	e := newActEnv(t, nil)
	lisi := e.Customer(e.t, "lisi")
	cmd := "/topup " + lisi.ID + " " + lisi.Debt.String()
	for _, tc := range []struct {
		user, text string
		offered    bool
	}{
		{"console:alice", "/arrears", true}, {"console:admin", "/欠费", true},
		{"console:victor", "/arrears", false}, {"console:bob", "/arrears", false},
		{"console:alice", "/balance lisi", true}, {"console:victor", "/balance lisi", false},
	} {
		_, text := e.say(tc.user, tc.text)
		if strings.Contains(text, cmd) != tc.offered {
			t.Errorf("%s %s: top-up offered = %v, want %v:\n%s", tc.user, tc.text, !tc.offered, tc.offered, text)
		}
	}
	// The button files exactly what it says.
	if rep, text := e.say("console:alice", cmd); rep.Error || !strings.Contains(text, "的余额（执行后）:") {
		t.Fatalf("clicking the button:\n%s", text)
	}
	if a := e.lastRequest(); a.Action != "topup" || a.CustomerID != lisi.ID {
		t.Errorf("filed %+v", a)
	}
}

// TestMoneyOnTheInternationalSite: the money commands say so without calling BSS at all;
// /ondemand, which bss-intl has, works; /customer leaves the spend out.
func TestMoneyOnTheInternationalSite(t *testing.T) {
	e := newActEnv(t, func(_ *commands.Options, c *bss.Config) { c.Site = bss.SiteInternational })
	e.Srv.ResetCalls()
	for _, cmd := range []string{"/spend 张三", "/spend", "/ledger", "/coupons 张三", "/topup 张三 10", "/reclaim-balance 张三 10",
		"/coupon 张三 10", "/coupon-reclaim CP1"} {
		rep, text := e.say("console:admin", cmd)
		if !rep.Error || !strings.Contains(text, "国际站没有此功能") {
			t.Errorf("%s on the international site:\n%s", cmd, text)
		}
	}
	if n := len(e.Srv.Calls()); n != 0 {
		t.Errorf("%d BSS calls for commands the site cannot serve", n)
	}
	if rep, text := e.say("console:admin", "/ondemand 张三"); rep.Error || !strings.Contains(text, "zhangsan-batch-01") {
		t.Errorf("/ondemand on the international site:\n%s", text)
	}
	if _, text := e.say("console:admin", "/customer 张三"); strings.Contains(text, "本月消费") || strings.Contains(text, "/spend") {
		t.Errorf("/customer shows spend on the international site:\n%s", text)
	}
	if e.requests() != 0 {
		t.Error("a request was filed")
	}
}

// TestResellerCustomers: with --reseller the money commands reach a tier-2 reseller's customers
// and move the reseller's money.
func TestResellerCustomers(t *testing.T) {
	e := newActEnv(t, nil)
	rs := e.Srv.Resellers()[0]
	shop := e.Customer(e.t, "yunduan-shop")
	if rep, text := e.say("console:alice", "/topup yunduan-shop 10"); !rep.Error || !strings.Contains(text, "没有找到") {
		t.Errorf("a reseller's customer without --reseller:\n%s", text)
	}
	_, text := e.say("console:alice", "/topup yunduan-shop 10 --reseller "+rs.ID)
	if !strings.Contains(text, "云经销商: "+rs.ID) || !strings.Contains(text, "合作伙伴余额账户 ") {
		t.Fatalf("preview:\n%s", text)
	}
	if got, text := e.approveLast(); got.State != store.StateSucceeded {
		t.Fatalf("%s:\n%s", got.State, text)
	}
	if got := e.Srv.PartnerAccounts(rs.ID)[0].Amount; got != bsstest.Yuan(20000-10) {
		t.Errorf("reseller account %v", got)
	}
	if after, _ := e.Srv.Customer(shop.ID); after.Balance != shop.Balance+bsstest.Yuan(10) {
		t.Errorf("shop balance %v", after.Balance)
	}
	for _, cmd := range []string{"/ondemand northwind --reseller " + rs.ID, "/spend --reseller " + rs.ID, "/coupons northwind --reseller " + rs.ID} {
		if rep, text := e.say("console:admin", cmd); rep.Error {
			t.Errorf("%s:\n%s", cmd, text)
		}
	}
	if _, text := e.say("console:admin", "/ledger --reseller "+rs.ID); !strings.Contains(text, "yunduan-shop") {
		t.Errorf("the reseller's ledger:\n%s", text)
	}
}

func TestMoneyCommandsInEnglish(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.Lang = lang.En })
	for cmd, want := range map[string]string{
		"/spend 张三":               "Spend of 张三 (zhangsan)",
		"/coupons 张三":             "Partner coupons of 张三 (zhangsan)",
		"/ondemand 张三":            "Pay-per-use resources of 张三 (zhangsan)",
		"/ledger":                 "Partner account records (last 30 days)",
		"/topup 张三 12.5":          "Partner's allocatable account ",
		"/reclaim-balance 张三 1.5": "The amount reclaimed goes back to the partner's account.",
	} {
		if _, text := e.say("console:admin", cmd); !strings.Contains(text, want) {
			t.Errorf("%s lacks %q:\n%s", cmd, want, text)
		}
	}
}
