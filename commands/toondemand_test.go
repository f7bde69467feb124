package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/store"
)

const toOnDemandPath = "/v2/orders/subscriptions/resources/to-on-demand"

func (e *actEnv) toOnDemandCalls() int { return e.Srv.CallCount("POST", toOnDemandPath) }

// TestToOnDemandFullPath: /转按需 files a request whose preview shows each resource's expire
// policy now and its attached resources; once approved, one UpdatePeriodToOnDemand call sets
// both resources (and their attached ones) to switch to pay-per-use at expiry.
func TestToOnDemandFullPath(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	bw := e.zsResource("zhangsan-bw-01")
	rep, text := e.say("console:alice", "/转按需 "+web.ResourceID+" "+bw.ResourceID)
	if rep.Error {
		t.Fatalf("refused:\n%s", text)
	}
	for _, want := range []string{"到期转按需", "当前到期策略", "进入宽限期", "zhangsan-web-01", "zhangsan-bw-01", "附属资源", "按需计费"} {
		if !strings.Contains(text, want) {
			t.Errorf("preview lacks %q:\n%s", want, text)
		}
	}
	if n := e.toOnDemandCalls(); n != 0 {
		t.Fatalf("%d calls before approval", n)
	}
	a := e.lastRequest()
	_, text = e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	if !strings.Contains(text, "✅ 已执行") || !strings.Contains(text, "已设置到期转按需") {
		t.Errorf("result:\n%s", text)
	}
	if n := e.toOnDemandCalls(); n != 1 {
		t.Errorf("UpdatePeriodToOnDemand reached BSS %d times", n)
	}
	for _, r := range []bsstest.Resource{web, bw} {
		for _, g := range append([]bsstest.Resource{r}, attachedOf(e, r)...) {
			if got, _ := e.Srv.Resource(g.ResourceID); got.ExpirePolicy != bss.ExpirePolicyOnDemand {
				t.Errorf("%s: expire policy %d", g.Name, got.ExpirePolicy)
			}
		}
	}
	// Approving again runs nothing twice.
	e.say("console:carol", fmt.Sprintf("/approve %d", a.ID))
	if n := e.toOnDemandCalls(); n != 1 {
		t.Errorf("UpdatePeriodToOnDemand reached BSS %d times after a second approval", n)
	}
	// Now set: filing again is refused politely.
	rep, text = e.say("console:alice", "/to-ondemand "+web.ResourceID)
	if !rep.Error || !strings.Contains(text, "已设置到期转按需") {
		t.Errorf("a resource already set was not refused:\n%s", text)
	}
	// An English reader reads the story in English only.
	e.say("console:alice", "/lang en")
	_, text = e.say("console:alice", fmt.Sprintf("/request %d", a.ID))
	if !strings.Contains(text, "switch to pay-per-use") || !strings.Contains(text, "On expiry now") {
		t.Errorf("en story:\n%s", text)
	}
	ck := e.sandboxChecker()
	for _, p := range ck.Problems("en", text) {
		t.Errorf("en: %s\n%s", p, text)
	}
}

func attachedOf(e *actEnv, main bsstest.Resource) []bsstest.Resource {
	var out []bsstest.Resource
	for _, r := range e.Srv.Resources(main.CustomerID) {
		if r.ParentResourceID == main.ResourceID && r.ResourceID != main.ResourceID {
			out = append(out, r)
		}
	}
	return out
}

// TestToOnDemandSettlesFromPolicy: a switch whose answer was lost is settled by reading the
// resources' expire policy back from BSS — done when BSS shows the switch, no trace when it
// does not — and is never sent a second time.
func TestToOnDemandSettlesFromPolicy(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fault     bsstest.Fault
		atOnce    bool
		wantState store.ApprovalState
		wantText  string
	}{
		{"answer lost after the work", bsstest.Fault{AfterWork: true, Times: 1}, true, store.StateSucceeded, "到期策略已是转按需"},
		{"answer names a resource not asked for", bsstest.Fault{AfterWork: true, Times: 1,
			Body: `{"error_details":[{"error_code":"CBC.0101","error_msg":"x","id":"someone-else"}]}`}, true, store.StateSucceeded, "到期策略已是转按需"},
		{"connection dropped before the work", bsstest.Fault{Drop: true, Times: 1}, false, store.StateFailed, "没有找到这次操作的痕迹"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newActEnv(t, nil)
			web := e.zsResource("zhangsan-web-01")
			if rep, text := e.say("console:alice", "/转按需 "+web.ResourceID); rep.Error {
				t.Fatalf("refused:\n%s", text)
			}
			a := e.lastRequest()
			e.Srv.Inject("POST", toOnDemandPath, tc.fault)
			e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
			got, _ := e.Store.Approval(ctx, a.ID)
			if tc.atOnce != (got.State != store.StateExecuting) {
				t.Fatalf("state %s after approval, settled at once = %v", got.State, tc.atOnce)
			}
			if !tc.atOnce {
				// As after a crash: a new process settles it from BSS state.
				e.restart()
				e.Clock.Advance(10 * time.Minute)
				if err := e.Router.Maintain(ctx); err != nil {
					t.Fatal(err)
				}
				got, _ = e.Store.Approval(ctx, a.ID)
			}
			if got.State != tc.wantState || got.Result == nil || !got.Result.Reconciled {
				t.Fatalf("settled to %s: %+v", got.State, got.Result)
			}
			if n := e.toOnDemandCalls(); n != 1 {
				t.Errorf("UpdatePeriodToOnDemand reached BSS %d times", n)
			}
			if _, text := e.say("console:alice", fmt.Sprintf("/request %d", a.ID)); !strings.Contains(text, tc.wantText) {
				t.Errorf("story lacks %q:\n%s", tc.wantText, text)
			}
		})
	}
}

// TestToOnDemandRefusals: what cannot be switched is refused before anything is filed, politely
// and in the caller's language.
func TestToOnDemandRefusals(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	app := e.zsResource("zhangsan-app-02") // auto-renew on in the demo data
	vol := attachedOf(e, web)[0]
	var other bsstest.Resource
	for _, c := range e.Srv.Customers() {
		if c.AccountName == "lisi" {
			for _, r := range e.Srv.Resources(c.ID) {
				if r.IsMain && r.Status == 2 && r.ExpirePolicy != 1 && r.ExpirePolicy != 3 {
					other = r
				}
			}
		}
	}
	if other.ResourceID == "" {
		t.Fatal("lisi has no main resource to switch")
	}
	many := strings.Repeat(web.ResourceID+" ", 11)
	tests := []struct{ name, text, zh, en string }{
		{"auto-renew on", "/转按需 " + app.ResourceID, "已开启自动续费", "renews automatically"},
		{"attached", "/转按需 " + vol.ResourceID, "是附属资源", "is an attached resource"},
		{"two customers", "/转按需 " + web.ResourceID + " " + other.ResourceID, "属于不同的客户", "belong to different customers"},
		{"twice", "/转按需 " + web.ResourceID + " " + web.ResourceID, "重复", "given twice"},
		{"unknown", "/转按需 no-such-resource", "没有找到资源", "was not found"},
		{"too many", "/转按需 " + many, "用法", "Usage"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.requests()
			for _, l := range []struct{ code, want string }{{"zh", tc.zh}, {"en", tc.en}} {
				e.say("console:alice", "/lang "+l.code)
				rep, text := e.say("console:alice", tc.text)
				if !rep.Error || !strings.Contains(text, l.want) {
					t.Errorf("%s: want a polite refusal with %q:\n%s", l.code, l.want, text)
				}
			}
			e.say("console:alice", "/lang zh")
			if e.requests() != before || e.toOnDemandCalls() != 0 {
				t.Error("something was filed or sent")
			}
		})
	}
}
