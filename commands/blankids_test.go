package commands_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// TestBlankIDsAreNoEvidence is issue #20 §5: a 2xx answer whose id is blank after trimming —
// an order, transfer or coupon id, a failed resource's id, a coupon answer that leaves a
// requested customer out — proves nothing. The request is not recorded as succeeded (which
// would release the one-open-request guard and tell the customer it happened): its outcome is
// unknown and settled from BSS state, at once when BSS shows the work, else by Maintain, which
// finds no trace of work that was never done. The call is never sent again.
func TestBlankIDsAreNoEvidence(t *testing.T) {
	web := func(e *actEnv) string { return e.zsResource("zhangsan-web-01").ResourceID }
	zs := func(e *actEnv) string { return e.Customer(e.t, "zhangsan").ID }
	resellerQuota := func(e *actEnv) string {
		for _, q := range e.Srv.Quotas() {
			if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
				return q.QuotaID
			}
		}
		e.t.Fatal("no reseller quota to reclaim")
		return ""
	}
	tests := []struct {
		name    string
		path    string
		command func(e *actEnv) string
		body    func(e *actEnv) string
	}{
		{"renew order_ids [\"\"]", renewPath, func(e *actEnv) string { return "/renew " + web(e) + " 1m" },
			func(*actEnv) string { return `{"order_ids":[""]}` }},
		{"renew order_ids [\" \"]", renewPath, func(e *actEnv) string { return "/renew " + web(e) + " 1m --autopay" },
			func(*actEnv) string { return `{"order_ids":[" "]}` }},
		{"renew fail_resource_infos [{}]", renewPath, func(e *actEnv) string { return "/renew " + web(e) + " 1m --autopay" },
			func(*actEnv) string { return `{"order_ids":[],"fail_resource_infos":[{}]}` }},
		{"renew fail_resource_infos with a blank resource id", renewPath, func(e *actEnv) string { return "/renew " + web(e) + " 1m" },
			func(*actEnv) string {
				return `{"fail_resource_infos":[{"resource_id":"\t","error_code":"CBC.99003634","error_msg":"renew alone"}]}`
			}},
		{"unsubscribe order_ids [\"\"]", unsubscribePath, func(e *actEnv) string { return "/unsubscribe " + web(e) },
			func(*actEnv) string { return `{"order_ids":[""]}` }},
		{"unsubscribe order_ids [\" \"]", unsubscribePath, func(e *actEnv) string { return "/unsubscribe " + web(e) },
			func(*actEnv) string { return `{"order_ids":[" "],"fail_resource_infos":[]}` }},
		{"unsubscribe fail_resource_infos [{}]", unsubscribePath, func(e *actEnv) string { return "/unsubscribe " + web(e) },
			func(*actEnv) string { return `{"fail_resource_infos":[{}]}` }},
		{"top-up transfer_id \" \"", allocatePath, func(*actEnv) string { return "/topup 张三 250" },
			func(*actEnv) string { return `{"transfer_id":" "}` }},
		{"balance reclaim trans_id \" \"", reclaimBalPath, func(*actEnv) string { return "/reclaim-balance 张三 80" },
			func(*actEnv) string { return `{"trans_id":" "}` }},
		{"coupon coupon_id \"\"", couponsPath, func(*actEnv) string { return "/coupon 张三 60" },
			func(e *actEnv) string {
				return `{"coupon_infos":[{"id":"` + zs(e) + `","coupon_id":""}],"error_details":[]}`
			}},
		{"coupon coupon_infos [{}]", couponsPath, func(*actEnv) string { return "/coupon 张三 60" },
			func(*actEnv) string { return `{"coupon_infos":[{}]}` }},
		{"coupon customer id blank", couponsPath, func(*actEnv) string { return "/coupon 张三 60" },
			func(*actEnv) string { return `{"coupon_infos":[{"id":" ","coupon_id":"CP26120600000001"}]}` }},
		{"coupon answer names one of two customers", couponsPath, func(*actEnv) string { return "/coupon 张三,李四 10" },
			func(e *actEnv) string {
				return `{"coupon_infos":[{"id":"` + zs(e) + `","coupon_id":""}],"error_details":[]}`
			}},
		{"coupon answer leaves a customer out", couponsPath, func(*actEnv) string { return "/coupon 张三,李四 10" },
			func(e *actEnv) string {
				return `{"coupon_infos":[],"error_details":[{"id":"` + zs(e) + `","error_code":"","error_msg":""}]}`
			}},
		{"quota reclaim simple_quota_infos [{}]", reclaimPath, func(e *actEnv) string { return "/reclaim " + resellerQuota(e) },
			func(*actEnv) string { return `{"simple_quota_infos":[{}],"error_details":[]}` }},
		{"quota reclaim quota_id \" \"", reclaimPath, func(e *actEnv) string { return "/reclaim " + resellerQuota(e) },
			func(*actEnv) string { return `{"simple_quota_infos":[{"quota_id":" ","quota_balance":0}]}` }},
		{"quota reclaim naming nothing", reclaimPath, func(e *actEnv) string { return "/reclaim " + resellerQuota(e) },
			func(*actEnv) string { return `{}` }},
	}
	for _, tc := range tests {
		for _, done := range []bool{false, true} {
			name := tc.name + map[bool]string{false: ", nothing done", true: ", work done"}[done]
			t.Run(name, func(t *testing.T) {
				ctx := context.Background()
				e := newActEnv(t, nil)
				if rep, text := e.say("console:alice", tc.command(e)); rep.Error {
					t.Fatalf("request refused:\n%s", text)
				}
				e.Srv.Inject("POST", tc.path, bsstest.Fault{Body: tc.body(e), AfterWork: done})
				got, text := e.approveLast()
				if got.State == store.StateSucceeded && (got.Result == nil || !got.Result.Reconciled) {
					t.Fatalf("a blank answer was recorded as success: %+v\n%s", got.Result, text)
				}
				if done != (got.State != store.StateExecuting) {
					t.Fatalf("state %s right after the call (work done: %v):\n%s", got.State, done, text)
				}
				if !done {
					if strings.Contains(text, "✅") || !strings.Contains(text, "结果未知") {
						t.Errorf("an unknown outcome was not said:\n%s", text)
					}
					if rep, refusal := e.say("console:alice", tc.command(e)); !rep.Error || !strings.Contains(refusal, "已有一个") {
						t.Errorf("a second request was filed while the first is unsettled:\n%s", refusal)
					}
					e.Clock.Advance(3 * time.Minute)
					if err := e.Router.Maintain(ctx); err != nil {
						t.Fatal(err)
					}
					got, _ = e.Store.Approval(ctx, got.ID)
				}
				wantState := map[bool]store.ApprovalState{false: store.StateFailed, true: store.StateSucceeded}[done]
				if got.State != wantState || got.Result == nil || !got.Result.Reconciled {
					t.Fatalf("settled to %s %+v, want %s from BSS state", got.State, got.Result, wantState)
				}
				if !done && !got.Result.NeedsAttention {
					t.Error("no trace, and nobody is told to look")
				}
				_, story := e.say("console:alice", fmt.Sprintf("/request %d", got.ID))
				if want := map[bool]string{false: "没有找到这次操作的痕迹", true: "执行结果未知，已根据华为云状态确认"}[done]; !strings.Contains(story, want) {
					t.Errorf("story lacks %q:\n%s", want, story)
				}
				if n := e.Srv.CallCount("POST", tc.path); n != 1 {
					t.Errorf("%d calls to %s, want exactly 1", n, tc.path)
				}
			})
		}
	}
}

// TestCouponAnswerNamingOthers: a coupon answer that names a customer the request did not ask
// for is an anomaly — logged, in the audit, shown to a person — and counts as nobody's
// success; the customers asked for are judged by their own entries alone.
func TestCouponAnswerNamingOthers(t *testing.T) {
	tests := []struct {
		name      string
		body      func(zs, other string) string
		wantState store.ApprovalState
		settled   bool
	}{
		{"the customer asked for and another",
			func(zs, other string) string {
				return `{"coupon_infos":[{"id":"` + zs + `","coupon_id":"CP2612069999991"},{"id":"` + other + `","coupon_id":"CP2612069999992"}],"error_details":[]}`
			}, store.StateSucceeded, false},
		{"only another customer",
			func(_, other string) string {
				return `{"coupon_infos":[{"id":"` + other + `","coupon_id":"CP2612069999992"}],"error_details":[]}`
			}, store.StateFailed, true},
		{"another customer's error",
			func(zs, other string) string {
				return `{"coupon_infos":[{"id":"` + zs + `","coupon_id":"CP2612069999991"}],"error_details":[{"id":"` + other + `","error_code":"CBC.99005003"}]}`
			}, store.StateSucceeded, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			var logs syncBuffer
			e := newActEnv(t, func(o *commands.Options, _ *bss.Config) {
				o.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
			})
			zs, other := e.Customer(e.t, "zhangsan").ID, e.Customer(e.t, "wangfang").ID
			e.say("console:alice", "/coupon 张三 60")
			e.Srv.Inject("POST", couponsPath, bsstest.Fault{Body: tc.body(zs, other)})
			got, _ := e.approveLast()
			if tc.settled {
				e.Clock.Advance(3 * time.Minute)
				if err := e.Router.Maintain(ctx); err != nil {
					t.Fatal(err)
				}
				got, _ = e.Store.Approval(ctx, got.ID)
			}
			if got.State != tc.wantState || got.Result == nil || !got.Result.NeedsAttention || got.Result.Reconciled != tc.settled {
				t.Fatalf("ended %s %+v", got.State, got.Result)
			}
			_, story := e.say("console:alice", fmt.Sprintf("/request %d", got.ID))
			if strings.Contains(story, "CP2612069999992") && !strings.Contains(story, "本申请以外") || strings.Contains(story, "王芳 (wangfang)：已发放") {
				t.Errorf("another customer's coupon counted as this request's:\n%s", story)
			}
			if !tc.settled && (!strings.Contains(story, "张三 (zhangsan)：已发放代金券 CP2612069999991") || !strings.Contains(story, other)) {
				t.Errorf("story:\n%s", story)
			}
			audit, err := e.Store.RecentAudit(ctx, 50, store.AuditFilter{Result: "anomaly"})
			if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Detail, other) || !strings.Contains(audit[0].Detail, "not asked for") ||
				audit[0].RequestID == "" {
				t.Errorf("audit of the anomaly: %+v, %v", audit, err)
			}
			if text := fmt.Sprint(logs.records(t)); !strings.Contains(text, "not asked for") || !strings.Contains(text, other) {
				t.Errorf("the anomaly is not logged:\n%s", text)
			}
		})
	}
}

// TestQuotaReclaimAnswerNamingOthers: a quota reclaim answer naming a quota the request did
// not ask for is an audited anomaly, flagged for a person, and no part of the result.
func TestQuotaReclaimAnswerNamingOthers(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, nil)
	var quota string
	for _, q := range e.Srv.Quotas() {
		if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
			quota = q.QuotaID
		}
	}
	e.say("console:alice", "/reclaim "+quota)
	e.Srv.Inject("POST", reclaimPath, bsstest.Fault{AfterWork: true,
		Body: `{"simple_quota_infos":[{"quota_id":"` + quota + `","quota_balance":0},{"quota_id":"QOTHER","quota_balance":0}],"error_details":[]}`})
	got, text := e.approveLast()
	if got.State != store.StateSucceeded || !got.Result.NeedsAttention || got.Result.Reconciled {
		t.Fatalf("%s %+v\n%s", got.State, got.Result, text)
	}
	if !strings.Contains(text, quota+" → 0.00") || strings.Contains(text, "QOTHER → ") || !strings.Contains(text, "本申请以外") {
		t.Errorf("result:\n%s", text)
	}
	audit, err := e.Store.RecentAudit(ctx, 50, store.AuditFilter{Result: "anomaly"})
	if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Detail, `"QOTHER"`) {
		t.Errorf("audit of the anomaly: %+v, %v", audit, err)
	}
}

// TestQuotaReclaimAnomalyInReadersLanguage: what a reclaim answer named beyond the request is
// kept as facts, not as words of one language, so each reader of the result sees it in their
// own: the requester reading in English, the approver in Chinese, each message in one language.
func TestQuotaReclaimAnomalyInReadersLanguage(t *testing.T) {
	e := newActEnv(t, nil)
	ck := e.sandboxChecker()
	var quota string
	for _, q := range e.Srv.Quotas() {
		if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
			quota = q.QuotaID
		}
	}
	ck.Data("QOTHER", "QERR", "CBC.99005003", "simple_quota_infos", "error_details")
	e.say("console:alice", "/lang en")
	e.say("console:alice", "/reclaim "+quota)
	e.Srv.Inject("POST", reclaimPath, bsstest.Fault{AfterWork: true,
		Body: `{"simple_quota_infos":[{"quota_id":"` + quota + `","quota_balance":0},{"quota_id":"QOTHER","quota_balance":0}],` +
			`"error_details":[{"id":"QERR","error_code":"CBC.99005003","error_msg":"x"}]}`})
	got, _ := e.approveLast()
	if got.Result == nil || strings.Contains(got.Result.Detail, "not asked for") || strings.Contains(got.Result.Detail, "本申请以外") {
		t.Fatalf("the result is stored worded: %+v", got.Result)
	}
	for _, tt := range []struct{ who, lang, want string }{
		{"console:alice", "en", `simple_quota_infos names quota "QOTHER", which was not asked for; error_details names quota "QERR" (CBC.99005003), which was not asked for`},
		{"console:bob", "zh", "应答的 simple_quota_infos 列出了未申请的额度 “QOTHER”；应答的 error_details 列出了未申请的额度 “QERR”（CBC.99005003）"},
	} {
		_, text := e.say(tt.who, fmt.Sprintf("/request %d", got.ID))
		if !strings.Contains(text, tt.want) || !strings.Contains(text, quota+" → 0.00") {
			t.Errorf("%s reads:\n%s\nwant %q", tt.who, text, tt.want)
		}
		for _, p := range ck.Problems(tt.lang, text) {
			t.Errorf("%s, %s: %s\n%s", tt.who, tt.lang, p, text)
		}
	}
}

// TestCouponAnomalyInReadersLanguage: what a coupon issue's answer named beyond the request
// (another customer's coupon, an error naming no customer) comes from bss as facts and is
// worded when read, so each reader sees it in their own language: the requester in English,
// the approver in Chinese, each message in one language. The audit keeps it in English.
func TestCouponAnomalyInReadersLanguage(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, nil)
	ck := e.sandboxChecker()
	zs, other := e.Customer(e.t, "zhangsan").ID, e.Customer(e.t, "wangfang").ID
	ck.Data("CP2612069999991", "CP2612069999992", "CBC.99005003", "coupon_infos", "error_details", "coupon_id")
	e.say("console:alice", "/lang en")
	e.say("console:alice", "/coupon 张三 60")
	e.Srv.Inject("POST", couponsPath, bsstest.Fault{Body: `{"coupon_infos":[{"id":"` + zs + `","coupon_id":"CP2612069999991"},` +
		`{"id":"` + other + `","coupon_id":"CP2612069999992"}],"error_details":[{"id":" ","error_code":"CBC.99005003","error_msg":"x"}]}`})
	got, _ := e.approveLast()
	if got.State != store.StateSucceeded || got.Result == nil || !got.Result.NeedsAttention {
		t.Fatalf("ended %s %+v", got.State, got.Result)
	}
	if strings.Contains(got.Result.Detail, "not asked for") || strings.Contains(got.Result.Detail, "未申请") {
		t.Errorf("the result is stored worded: %s", got.Result.Detail)
	}
	for _, tt := range []struct{ who, lang, want string }{
		{"console:alice", "en", `coupon_infos names customer "` + other + `" (coupon_id CP2612069999992), who was not asked for; ` +
			`error_details holds an entry without a customer id (CBC.99005003 x)`},
		{"console:bob", "zh", "应答的 coupon_infos 列出了未申请的客户 “" + other + "”（coupon_id CP2612069999992）；" +
			"应答的 error_details 有一条没有客户 ID 的记录（CBC.99005003 x）"},
	} {
		_, text := e.say(tt.who, fmt.Sprintf("/request %d", got.ID))
		if !strings.Contains(text, tt.want) || !strings.Contains(text, "CP2612069999991") {
			t.Errorf("%s reads:\n%s\nwant %q", tt.who, text, tt.want)
		}
		for _, p := range ck.Problems(tt.lang, text) {
			t.Errorf("%s, %s: %s\n%s", tt.who, tt.lang, p, text)
		}
	}
	audit, err := e.Store.RecentAudit(ctx, 50, store.AuditFilter{Result: "anomaly"})
	if err != nil || len(audit) != 1 || !strings.Contains(audit[0].Detail, `names customer "`+other+`"`) {
		t.Errorf("audit of the anomaly: %+v, %v", audit, err)
	}
}
