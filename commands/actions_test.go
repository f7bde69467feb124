package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

const (
	renewPath       = "/v2/orders/subscriptions/resources/renew"
	unsubscribePath = "/v2/orders/subscriptions/resources/unsubscribe"
	reclaimPath     = "/v2/partners/coupon-quotas/indirect-partner-reclaim"
	autorenewPrefix = "/v2/orders/subscriptions/resources/autorenew/"
)

// actEnv is a router for actions: testenv's sandbox, store (which restart reopens) and clock,
// with approvers and channels for actions.
type actEnv struct {
	*testenv.Env
	t *testing.T
}

// newActEnv builds the env; tweak adjusts the router's options and sets fields of the client's
// configuration (a 5s Timeout unless it sets another).
func newActEnv(t *testing.T, tweak func(*commands.Options, *bss.Config)) *actEnv {
	t.Helper()
	roles := map[string]chat.Role{
		"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator,
		"console:bob": chat.RoleApprover, "console:carol": chat.RoleApprover,
		"console:victor": chat.RoleViewer,
	}
	for i := 0; i < 30; i++ {
		roles[fmt.Sprintf("slack:A%d", i)] = chat.RoleApprover
	}
	o := testenv.Options{Router: commands.Options{Roles: roles, ApprovalsChannel: "slack:CAPPROVE",
		ActionChannels: []string{"console:*", "slack:*"}}}
	cfg := bss.Config{Timeout: 5 * time.Second}
	if tweak != nil {
		tweak(&o.Router, &cfg)
	}
	o.BSS = func(c *bss.Config) { // testenv's configuration, with the fields the tweak set
		set, dst := reflect.ValueOf(cfg), reflect.ValueOf(c).Elem()
		for i := range set.NumField() {
			if !set.Field(i).IsZero() {
				dst.Field(i).Set(set.Field(i))
			}
		}
	}
	return &actEnv{Env: testenv.New(t, o), t: t}
}

// restart reopens the store and builds a new router on it, as a restarted process would.
func (e *actEnv) restart() {
	e.t.Helper()
	e.Reopen(e.t)
}

func (e *actEnv) say(user, text string) (chat.Reply, string) {
	e.t.Helper()
	platform, id, _ := strings.Cut(user, ":")
	channel := "console"
	if platform == "slack" {
		channel = "CTEAM"
	}
	rep, ok := e.Router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: channel, Text: text})
	if !ok {
		e.t.Fatalf("%q not handled", text)
	}
	return rep, flatten(rep)
}

// zsResource returns one of 张三's main resources by name.
func (e *actEnv) zsResource(name string) bsstest.Resource { return e.Resource(e.t, "zhangsan", name) }

// lastRequest is the newest stored request.
func (e *actEnv) lastRequest() store.Approval {
	e.t.Helper()
	as, err := e.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(as) == 0 {
		e.t.Fatalf("no request filed: %v", err)
	}
	return as[0]
}

func (e *actEnv) requests() int {
	e.t.Helper()
	as, err := e.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(as)
}

func (e *actEnv) mutations() int {
	n := 0
	for _, c := range e.Srv.Calls() {
		if c.Path == renewPath || c.Path == unsubscribePath || c.Path == reclaimPath || strings.HasPrefix(c.Path, autorenewPrefix) {
			n++
		}
	}
	return n
}

// notices returns the outbox, decoded, for assertions on who is told what.
func (e *actEnv) notices() []store.Notice {
	e.t.Helper()
	ns, err := e.Store.DueNotices(context.Background(), e.Clock.Now().Add(time.Hour), 1000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func noticeText(n store.Notice) string { return bodyText(n.Body) }

// bodyText is a notice's message as text.
func bodyText(body json.RawMessage) string {
	var r chat.Reply
	_ = json.Unmarshal(body, &r)
	return flatten(r)
}

func TestActionFullPaths(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	app := e.zsResource("zhangsan-app-02") // auto-renew on in the demo data
	bw := e.zsResource("zhangsan-bw-01")
	var quota string
	for _, q := range e.Srv.Quotas() {
		if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
			quota = q.QuotaID
		}
	}
	tests := []struct {
		name    string
		request string
		preview []string // what the approver is shown before approving
		path    string   // BSS path that must be called exactly once
		result  []string
		check   func(t *testing.T)
	}{
		{"renew", "/renew " + web.ResourceID + " 3m --autopay", []string{"续订", "zhangsan-web-01", "一并处理的 2 个附属资源", "volume", "续订后到期", "将从客户余额扣费: ", "BSS 续订金额", "官网价", "可选折扣（", "不计入上面的扣费", "从客户余额立即支付", "3 个月"},
			renewPath, []string{"✅ 已执行", "新的到期时间"}, func(t *testing.T) {
				r, _ := e.Srv.Resource(web.ResourceID)
				if !r.ExpireTime.After(web.ExpireTime.AddDate(0, 2, 27)) {
					t.Errorf("expiry %v did not move by 3 months from %v", r.ExpireTime, web.ExpireTime)
				}
			}},
		{"auto-renew off", "/自动续费 off " + app.ResourceID, []string{"自动续费设置", "当前自动续费: 开启", "改为: 关闭"},
			autorenewPrefix + app.ResourceID, []string{"✅ 已执行"}, func(t *testing.T) {
				if r, _ := e.Srv.Resource(app.ResourceID); r.ExpirePolicy == 3 {
					t.Error("auto-renew still on")
				}
			}},
		{"unsubscribe", "/退订 " + bw.ResourceID + " 项目结束", []string{"退订会删除该资源", "eip-", "原因: 项目结束"},
			unsubscribePath, []string{"✅ 已执行", "订单"}, func(t *testing.T) {
				if _, ok := e.Srv.Resource(bw.ResourceID); ok {
					t.Error("the bandwidth is still there")
				}
			}},
		{"reclaim", "/reclaim " + quota + " --remark \"year-end\"", []string{"额度回收", quota, "备注: year-end"},
			reclaimPath, []string{"✅ 已执行", quota + " → 0.00"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.Srv.CallCount("", tc.path)
			rep, text := e.say("console:alice", tc.request)
			if rep.Error {
				t.Fatalf("request refused:\n%s", text)
			}
			a := e.lastRequest()
			if a.State != store.StatePending || !strings.Contains(text, "已提交申请 #"+strconv.FormatUint(a.ID, 10)) {
				t.Fatalf("state %s, reply:\n%s", a.State, text)
			}
			for _, w := range tc.preview {
				if !strings.Contains(text, w) {
					t.Errorf("requester's preview lacks %q:\n%s", w, text)
				}
			}
			// The approvers' channel is told, with buttons that carry the commands.
			var told bool
			for _, n := range e.notices() {
				if n.Platform == "slack" && n.Channel == "CAPPROVE" && strings.Contains(noticeText(n), fmt.Sprintf("[批准] /approve %d", a.ID)) {
					told = true
				}
			}
			if !told {
				t.Error("the approvals channel was not told of the request")
			}
			if n := e.Srv.CallCount("", tc.path); n != before {
				t.Fatalf("BSS was called before approval (%d calls)", n-before)
			}
			rep, text = e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
			if rep.Error {
				t.Fatalf("approval failed:\n%s", text)
			}
			for _, w := range tc.result {
				if !strings.Contains(text, w) {
					t.Errorf("result lacks %q:\n%s", w, text)
				}
			}
			if n := e.Srv.CallCount("", tc.path) - before; n != 1 {
				t.Errorf("BSS %s reached %d times, want exactly 1", tc.path, n)
			}
			if got, _ := e.Store.Approval(context.Background(), a.ID); got.State != store.StateSucceeded {
				t.Errorf("state %s", got.State)
			}
			var toRequester bool
			for _, n := range e.notices() {
				if n.Platform == "console" && n.Channel == "console" && strings.Contains(noticeText(n), "✅") && strings.Contains(n.DedupeKey, fmt.Sprintf("approval:%d:result", a.ID)) {
					toRequester = true
				}
			}
			if !toRequester {
				t.Error("the requester was not told the result")
			}
			// Approving again runs nothing.
			_, text = e.say("console:carol", fmt.Sprintf("/approve %d", a.ID))
			if !strings.Contains(text, "已成功") {
				t.Errorf("second approval: %s", text)
			}
			if n := e.Srv.CallCount("", tc.path) - before; n != 1 {
				t.Errorf("a second approval reached BSS: %d calls", n)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func TestApprovalRules(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.ExpireAfter = time.Hour })
	web := e.zsResource("zhangsan-web-01")
	var last *store.Approval
	file := func(user string) store.Approval {
		t.Helper()
		if last != nil { // a second open request on the resource would be refused
			e.say(last.Requester.Key(), fmt.Sprintf("/cancel %d", last.ID))
		}
		if rep, text := e.say(user, "/renew "+web.ResourceID); rep.Error {
			t.Fatalf("request refused: %s", text)
		}
		a := e.lastRequest()
		last = &a
		return a
	}
	t.Run("self-approval refused", func(t *testing.T) {
		a := file("console:admin")
		rep, text := e.say("console:admin", fmt.Sprintf("/approve %d", a.ID))
		if !rep.Error || !strings.Contains(text, "不能审批自己提交的申请") {
			t.Errorf("reply:\n%s", text)
		}
		if e.mutations() != 0 {
			t.Error("BSS was called")
		}
	})
	t.Run("operators cannot approve, viewers cannot request", func(t *testing.T) {
		a := file("console:admin")
		if _, text := e.say("console:alice", fmt.Sprintf("/approve %d", a.ID)); !strings.Contains(text, "需要 审批人") {
			t.Errorf("operator approving: %s", text)
		}
		if _, text := e.say("console:victor", "/renew "+web.ResourceID); !strings.Contains(text, "需要 操作员") {
			t.Errorf("viewer requesting: %s", text)
		}
	})
	t.Run("expired request cannot run", func(t *testing.T) {
		a := file("console:alice")
		e.Clock.Advance(61 * time.Minute)
		rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
		if !rep.Error || !strings.Contains(text, "已过期") {
			t.Errorf("reply:\n%s", text)
		}
		if got, _ := e.Store.Approval(context.Background(), a.ID); got.State != store.StateExpired {
			t.Errorf("state %s", got.State)
		}
		if e.mutations() != 0 {
			t.Error("BSS was called")
		}
	})
	t.Run("reject and cancel", func(t *testing.T) {
		a := file("console:alice")
		_, text := e.say("console:bob", fmt.Sprintf("/拒绝 %d 周期不对", a.ID))
		if !strings.Contains(text, "已拒绝") || !strings.Contains(text, "周期不对") {
			t.Errorf("reject: %s", text)
		}
		b := file("console:alice")
		if rep, _ := e.say("console:admin", fmt.Sprintf("/cancel %d", b.ID)); !rep.Error {
			t.Error("someone else withdrew alice's request")
		}
		if _, text := e.say("console:alice", fmt.Sprintf("/撤回 #%d", b.ID)); !strings.Contains(text, "已撤回") {
			t.Errorf("cancel: %s", text)
		}
		if rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", b.ID)); !rep.Error || !strings.Contains(text, "已撤回") {
			t.Errorf("approving a withdrawn request: %s", text)
		}
		if e.mutations() != 0 {
			t.Error("BSS was called")
		}
	})
	t.Run("two approvals needed", func(t *testing.T) {
		e2 := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.Approvals = 2 })
		e2.say("console:alice", "/renew "+web.ResourceID)
		a := e2.lastRequest()
		_, text := e2.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
		if !strings.Contains(text, "已获 1/2 个批准") {
			t.Errorf("first approval: %s", text)
		}
		if rep, text := e2.say("console:bob", fmt.Sprintf("/approve %d", a.ID)); !rep.Error || !strings.Contains(text, "已经批准过") {
			t.Errorf("same approver twice: %s", text)
		}
		if e2.mutations() != 0 {
			t.Fatal("ran after one approval of two")
		}
		if _, text := e2.say("console:carol", fmt.Sprintf("/approve %d", a.ID)); !strings.Contains(text, "✅") {
			t.Errorf("second approval: %s", text)
		}
		if e2.mutations() != 1 {
			t.Errorf("%d BSS calls", e2.mutations())
		}
	})
	t.Run("pending and request views", func(t *testing.T) {
		a := file("console:alice")
		if _, text := e.say("console:bob", "/待审批"); !strings.Contains(text, strconv.FormatUint(a.ID, 10)) || !strings.Contains(text, "console:alice") {
			t.Errorf("approver's pending list: %s", text)
		}
		pending, text := e.say("console:alice", "/pending")
		if !strings.Contains(text, "续订") {
			t.Errorf("requester's pending list: %s", text)
		}
		rep, text := e.say("console:bob", fmt.Sprintf("/request %d", a.ID))
		if !strings.Contains(text, "console:alice") || !strings.Contains(text, "待审批") || len(rep.Buttons) != 2 {
			t.Errorf("request story: %s", text)
		}
		// Approve and Reject settle the request they are on; opening a request from the list does not.
		for _, b := range rep.Buttons {
			if !b.Decides {
				t.Errorf("the request's %s button does not decide", b.Command)
			}
		}
		for _, b := range pending.Buttons {
			if b.Decides {
				t.Errorf("the pending list's %s button decides", b.Command)
			}
		}
	})
	t.Run("channel allowlist", func(t *testing.T) {
		e3 := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.ActionChannels = []string{"slack:COPS"} })
		rep, text := e3.say("console:alice", "/renew "+web.ResourceID)
		if !rep.Error || !strings.Contains(text, "只能在配置的频道中使用") || e3.requests() != 0 {
			t.Errorf("action from a channel not allowed: %s", text)
		}
		if _, text := e3.say("console:alice", "/customer 张三"); strings.Contains(text, "频道") {
			t.Errorf("read-only command refused: %s", text)
		}
	})
}

// TestOpenRequestOnTheSameResource: two open requests to renew the same resource were both
// accepted and, approved, renewed it twice. The second is refused, naming the first, in the
// user's language; once the first is withdrawn, a new one is accepted.
func TestOpenRequestOnTheSameResource(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	if rep, text := e.say("console:alice", "/renew "+web.ResourceID+" 3m"); rep.Error {
		t.Fatalf("first request refused: %s", text)
	}
	first := e.lastRequest()
	tests := []struct {
		user, lang, request, want string
	}{
		{"console:alice", "zh", "/renew " + web.ResourceID + " 1y",
			fmt.Sprintf("资源 %s 已有一个待处理的续订申请 #%d，请先处理它（/request %d）。", web.ResourceID, first.ID, first.ID)},
		{"console:admin", "zh", "/续订 " + web.ResourceID + " --autopay",
			fmt.Sprintf("资源 %s 已有一个待处理的续订申请 #%d，请先处理它（/request %d）。", web.ResourceID, first.ID, first.ID)},
		{"console:admin", "en", "/renew " + web.ResourceID,
			fmt.Sprintf("Resource %s already has an open renewal request, #%d; decide on it or withdraw it first (/request %d).", web.ResourceID, first.ID, first.ID)},
	}
	for _, tt := range tests {
		e.say(tt.user, "/lang "+tt.lang)
		rep, text := e.say(tt.user, tt.request)
		if !rep.Error || !strings.Contains(text, tt.want) {
			t.Errorf("%s %s:\n%s\nwant %q", tt.user, tt.request, text, tt.want)
		}
	}
	if n := e.requests(); n != 1 {
		t.Errorf("%d requests stored, want 1", n)
	}
	// Another action on the same resource is another request.
	if rep, text := e.say("console:alice", "/退订 "+web.ResourceID); rep.Error {
		t.Errorf("unsubscribe request refused: %s", text)
	}
	e.say("console:alice", fmt.Sprintf("/cancel %d", first.ID))
	if rep, text := e.say("console:alice", "/renew "+web.ResourceID+" 1y"); rep.Error {
		t.Errorf("request after withdrawing the first refused: %s", text)
	}
}

func TestBadActionInputFilesNothing(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	var disk string
	for _, r := range e.Srv.Resources(web.CustomerID) {
		if r.ParentResourceID == web.ResourceID {
			disk = r.ResourceID
		}
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = fmt.Sprintf("Q%d", i)
	}
	tests := []struct {
		name, text, want string
	}{
		{"unknown resource", "/renew 00000000-0000-0000-0000-000000000000", "没有找到资源 00000000-0000-0000-0000-000000000000"},
		{"bad period", "/renew " + web.ResourceID + " 13m", "周期 “13m” 无效"},
		{"period in weeks", "/renew " + web.ResourceID + " 2w", "周期 “2w” 无效"},
		{"attached resource", "/renew " + disk, "是附属资源"},
		{"11 quota ids", "/reclaim " + strings.Join(eleven, " "), "一次最多回收 10 个额度（收到 11 个）"},
		{"300-character remark", "/reclaim Q1 --remark " + strings.Repeat("x", 300), "备注 太长：最多 256 个字符（当前 300）"},
		{"duplicate quota", "/reclaim Q1 Q1", "ID Q1 重复了"},
		{"unknown quota", "/reclaim QNOSUCH", "没有找到优惠券额度 QNOSUCH"},
		{"on or off", "/autorenew maybe " + web.ResourceID, "应为 on 或 off"},
		{"auto-renew already off", "/autorenew off " + web.ResourceID, "已经是关闭状态"},
		{"id too long", "/unsubscribe " + strings.Repeat("r", 65), "不超过 64 个字符"},
		{"request id not a number", "/approve twelve", "申请编号应为数字"},
		{"unknown request", "/approve 999", "没有编号为 #999 的申请"},
		{"renew needs an id", "/renew", "缺少参数"},
		{"a switch takes no value", "/renew " + web.ResourceID + " 3m --autopay=false", "--autopay 是开关"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			user := "console:alice"
			if strings.HasPrefix(tc.text, "/approve") {
				user = "console:bob"
			}
			rep, text := e.say(user, tc.text)
			if !rep.Error || !strings.Contains(text, tc.want) {
				t.Errorf("reply lacks %q:\n%s", tc.want, text)
			}
		})
	}
	if n := e.requests(); n != 0 {
		t.Errorf("bad input filed %d requests", n)
	}
	if e.mutations() != 0 {
		t.Error("bad input reached BSS")
	}
}

func TestConcurrentApprovalsRunOnce(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
	a := e.lastRequest()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 30; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, _ := e.Router.Handle(context.Background(), chat.Request{Platform: "slack", UserID: fmt.Sprintf("A%d", i), Channel: "CAPPROVE",
				Text: fmt.Sprintf("/approve %d", a.ID)})
			if !rep.Error {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n := e.Srv.CallCount("", renewPath); n != 1 {
		t.Errorf("30 concurrent approvals made %d renew calls, want 1", n)
	}
	if got, _ := e.Store.Approval(context.Background(), a.ID); got.State != store.StateSucceeded || len(got.Approvals) != 1 {
		t.Errorf("state %s with %d approvals", got.State, len(got.Approvals))
	}
	if ok != 1 {
		t.Errorf("%d approvers were told they ran it, want 1", ok)
	}
}

func TestCrashAfterExecutingIsReconciled(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		sent     bool // the BSS call went out before the crash
		action   string
		wantOK   bool
		wantCall int
	}{
		{"renew sent before the crash", true, "renew", true, 1},
		{"renew not sent before the crash", false, "renew", false, 0},
		{"auto-renew sent before the crash", true, "autorenew", true, 1},
		{"unsubscribe not sent before the crash", false, "unsubscribe", false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newActEnv(t, nil)
			web := e.zsResource("zhangsan-web-01")
			cust, _ := e.Srv.Customer(web.CustomerID)
			ref := bss.CustomerRef{ID: cust.ID, AccountName: cust.AccountName}
			switch tc.action {
			case "renew":
				e.say("console:alice", "/renew "+web.ResourceID+" 1m --autopay")
			case "autorenew":
				e.say("console:alice", "/autorenew on "+web.ResourceID)
			case "unsubscribe":
				e.say("console:alice", "/unsubscribe "+web.ResourceID)
			}
			a := e.lastRequest()
			bob := store.Actor{Platform: "console", UserID: "bob", Channel: "console"}
			if _, err := e.Store.Approve(ctx, a.ID, bob, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Store.BeginExecution(ctx, a.ID, bob, nil); err != nil {
				t.Fatal(err)
			}
			if tc.sent { // the call reached BSS, then the process died before recording it
				var err error
				switch tc.action {
				case "renew":
					_, err = e.Client.Renew(ctx, ref, bss.RenewRequest{ResourceIDs: []string{web.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, AutoPay: true})
				case "autorenew":
					err = e.Client.EnableAutoRenew(ctx, ref, web.ResourceID, nil)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			e.restart()
			if got, _ := e.Store.Approval(ctx, a.ID); got.State != store.StateExecuting {
				t.Fatalf("after the crash the request is %s", got.State)
			}
			// Right after the restart BSS may still be working on it: nothing is settled yet.
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			if got, _ := e.Store.Approval(ctx, a.ID); got.State != store.StateExecuting {
				t.Fatalf("settled before SettleAfter: %s", got.State)
			}
			e.Clock.Advance(3 * time.Minute)
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			got, _ := e.Store.Approval(ctx, a.ID)
			if tc.wantOK && got.State != store.StateSucceeded || !tc.wantOK && (got.State != store.StateFailed || !got.Result.NeedsAttention) {
				t.Errorf("reconciled to %s %+v", got.State, got.Result)
			}
			if got.Result == nil || !got.Result.Reconciled {
				t.Error("result not marked reconciled")
			}
			if n := e.mutations(); n != tc.wantCall {
				t.Errorf("%d mutations reached BSS, want %d (never re-sent)", n, tc.wantCall)
			}
			// Reconciling again changes nothing.
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			if n := e.mutations(); n != tc.wantCall {
				t.Errorf("second reconciliation made calls: %d", n)
			}
		})
	}
}

func TestBSSErrorFailsTheRequest(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/unsubscribe "+web.ResourceID)
	a := e.lastRequest()
	e.Srv.Inject("POST", unsubscribePath, bsstest.Fault{Status: 400, ErrorCode: "CBC.99003651"})
	rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	if !rep.Error || !strings.Contains(text, "❌ 执行失败") || !strings.Contains(text, "CBC.99003651") {
		t.Errorf("reply:\n%s", text)
	}
	got, _ := e.Store.Approval(context.Background(), a.ID)
	if got.State != store.StateFailed || got.Result.ErrorCode != "CBC.99003651" || got.Result.RequestID == "" {
		t.Errorf("stored %s %+v", got.State, got.Result)
	}
	if n := e.Srv.CallCount("", unsubscribePath); n != 1 {
		t.Errorf("%d calls", n)
	}
}

func TestUnknownOutcomeIsReconciledNotResent(t *testing.T) {
	e := newActEnv(t, func(_ *commands.Options, c *bss.Config) { c.Timeout = 300 * time.Millisecond })
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
	a := e.lastRequest()
	e.Srv.Inject("POST", renewPath, bsstest.Fault{Hang: true})
	rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	if !rep.Error || !strings.Contains(text, "结果未知") || !strings.Contains(text, "请勿重新提交") {
		t.Errorf("reply:\n%s", text)
	}
	if got, _ := e.Store.Approval(context.Background(), a.ID); got.State != store.StateExecuting {
		t.Errorf("state %s, want executing until it is settled", got.State)
	}
	e.Srv.ClearFaults()
	e.Clock.Advance(3 * time.Minute)
	if err := e.Router.Maintain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got, _ := e.Store.Approval(context.Background(), a.ID)
	if got.State != store.StateFailed || got.Result == nil || !got.Result.NeedsAttention || !got.Result.Reconciled {
		t.Errorf("settled to %s %+v", got.State, got.Result)
	}
	if n := e.Srv.CallCount("", renewPath); n != 1 {
		t.Errorf("%d renew calls after a time-out, want 1 (never re-sent)", n)
	}
}

func TestInterruptedApprovalRunsOnceFromMaintain(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
	a := e.lastRequest()
	// Approved, then the process died before it began executing.
	if _, err := e.Store.Approve(ctx, a.ID, store.Actor{Platform: "console", UserID: "bob", Channel: "console"}, nil); err != nil {
		t.Fatal(err)
	}
	e.restart()
	if err := e.Router.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.Srv.CallCount("", renewPath); n != 0 {
		t.Fatalf("ran at once (%d calls); the approver's own call may still be about to", n)
	}
	e.Clock.Advance(2 * time.Minute)
	for i := 0; i < 3; i++ {
		if err := e.Router.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := e.Store.Approval(ctx, a.ID)
	if got.State != store.StateSucceeded || e.Srv.CallCount("", renewPath) != 1 {
		t.Errorf("state %s after %d calls", got.State, e.Srv.CallCount("", renewPath))
	}
}

func TestExpiryAtExecutionTellsTheRequester(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.ExpireAfter = time.Hour })
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/renew "+web.ResourceID)
	a := e.lastRequest()
	if _, err := e.Store.Approve(ctx, a.ID, store.Actor{Platform: "console", UserID: "bob", Channel: "console"}, nil); err != nil {
		t.Fatal(err)
	}
	e.Clock.Advance(2 * time.Hour)
	if rep, text := e.say("console:carol", fmt.Sprintf("/approve %d", a.ID)); !rep.Error || !strings.Contains(text, "已过期") {
		t.Errorf("reply: %s", text)
	}
	told := false
	for _, n := range e.notices() {
		told = told || strings.Contains(n.DedupeKey, fmt.Sprintf("approval:%d:expired", a.ID))
	}
	if !told || e.mutations() != 0 {
		t.Errorf("requester told: %v; mutations %d", told, e.mutations())
	}
}

// TestRenewPreviewCountsFromTheOriginalExpiry: a resource in its grace or retention period is
// renewed from its original expiry, not from today, by calendar months or years.
func TestRenewPreviewCountsFromTheOriginalExpiry(t *testing.T) {
	e := newActEnv(t, nil)
	obs := e.zsResource("zhangsan-obs-pkg") // expired a few days ago in the demo data
	if obs.Status != 5 || !obs.ExpireTime.Before(e.Clock.Now()) {
		t.Fatalf("demo data: %s is not expired (status %d, expiry %v)", obs.Name, obs.Status, obs.ExpireTime)
	}
	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		period string
		want   time.Time
	}{
		{"1m", calendarAdd(obs.ExpireTime, 0, 1)},
		{"3m", calendarAdd(obs.ExpireTime, 0, 3)},
		{"1y", calendarAdd(obs.ExpireTime, 1, 0)},
	}
	for _, tc := range tests {
		t.Run(tc.period, func(t *testing.T) {
			rep, text := e.say("console:alice", "/renew "+obs.ResourceID+" "+tc.period)
			if rep.Error {
				t.Fatalf("refused:\n%s", text)
			}
			want := "续订后到期: " + tc.want.In(shanghai).Format("2006-01-02 15:04")
			if !strings.Contains(text, want) {
				t.Errorf("preview lacks %q:\n%s", want, text)
			}
			var pv struct {
				NewExpiry time.Time `json:"new_expiry"`
			}
			a := e.lastRequest()
			if err := json.Unmarshal(a.Preview, &pv); err != nil || !pv.NewExpiry.Equal(tc.want) {
				t.Errorf("stored new expiry %v, want %v (%v)", pv.NewExpiry, tc.want, err)
			}
			e.say("console:alice", fmt.Sprintf("/cancel %d", a.ID)) // the next period is another request on the resource
		})
	}
}

// calendarAdd adds years and months the way BSS does: a day past the end of the target month
// becomes its last day.
func calendarAdd(t time.Time, years, months int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y+years, m+time.Month(months), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	if last := first.AddDate(0, 1, -1).Day(); d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
