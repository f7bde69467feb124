package commands_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// stubBSS is the real client with some calls replaced.
type stubBSS struct {
	commands.BSS
	renew       func(ctx context.Context, customer bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error)
	unsubscribe func(ctx context.Context, customer bss.CustomerRef, req bss.UnsubscribeRequest) (*bss.OrderResult, error)
	listOrders  func(ctx context.Context, f bss.OrderFilter, offset, limit int) (*bss.OrderPage, error)
}

func (s *stubBSS) Renew(ctx context.Context, customer bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
	if s.renew != nil {
		return s.renew(ctx, customer, req)
	}
	return s.BSS.Renew(ctx, customer, req)
}

func (s *stubBSS) Unsubscribe(ctx context.Context, customer bss.CustomerRef, req bss.UnsubscribeRequest) (*bss.OrderResult, error) {
	if s.unsubscribe != nil {
		return s.unsubscribe(ctx, customer, req)
	}
	return s.BSS.Unsubscribe(ctx, customer, req)
}

func (s *stubBSS) ListOrders(ctx context.Context, f bss.OrderFilter, offset, limit int) (*bss.OrderPage, error) {
	if s.listOrders != nil {
		return s.listOrders(ctx, f, offset, limit)
	}
	return s.BSS.ListOrders(ctx, f, offset, limit)
}

// lost is how the client reports a mutation whose answer never came.
func lost(op string) error {
	return &bss.Error{Op: op, Kind: bss.KindUnknownOutcome, Err: errors.New("the answer was lost")}
}

// settleCase is one way an action can end with an unknown outcome, and what settling it from
// BSS state must conclude.
type settleCase struct {
	name    string
	request func(e *actEnv) string // the action to file
	// before runs after filing and before approval: things that happened meanwhile.
	before func(e *actEnv)
	// stub replaces BSS calls; orders collects the ids of orders the stub created.
	stub func(e *actEnv, s *stubBSS, orders *[]string)

	settledAtOnce  bool   // settled right after the unknown outcome, else by Maintain later
	wantOK         bool   // succeeded rather than failed
	wantAttention  bool   // a person must look
	wantStubOrders bool   // the result lists exactly the orders the stub created
	wantText       string // in the final story
}

func (tc settleCase) run(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, nil)
	var created []string
	if tc.stub != nil {
		e.WrapBSS = func(b commands.BSS) commands.BSS {
			s := &stubBSS{BSS: b}
			tc.stub(e, s, &created)
			return s
		}
		e.restart()
	}
	if rep, text := e.say("console:alice", tc.request(e)); rep.Error {
		t.Fatalf("request refused:\n%s", text)
	}
	a := e.lastRequest()
	if tc.before != nil {
		tc.before(e)
	}
	rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	got, _ := e.Store.Approval(ctx, a.ID)
	if tc.settledAtOnce != (got.State != store.StateExecuting) {
		t.Fatalf("after approval: state %s, settled at once = %v; reply:\n%s", got.State, tc.settledAtOnce, text)
	}
	if !tc.settledAtOnce {
		if strings.Contains(text, "✅") || !rep.Error || !strings.Contains(text, "结果未知") {
			t.Errorf("an unsettled request was reported as done:\n%s", text)
		}
		e.Clock.Advance(3 * time.Minute)
		if err := e.Router.Maintain(ctx); err != nil {
			t.Fatal(err)
		}
		got, _ = e.Store.Approval(ctx, a.ID)
	}
	if want := map[bool]store.ApprovalState{true: store.StateSucceeded, false: store.StateFailed}[tc.wantOK]; got.State != want {
		t.Fatalf("settled to %s, want %s: %+v", got.State, want, got.Result)
	}
	if got.Result == nil || !got.Result.Reconciled || got.Result.NeedsAttention != tc.wantAttention {
		t.Errorf("result %+v, want reconciled with needs-attention %v", got.Result, tc.wantAttention)
	}
	if tc.wantStubOrders && (len(created) == 0 || !slices.Equal(got.Result.OrderIDs, created)) {
		t.Errorf("result orders %v, want %v", got.Result.OrderIDs, created)
	}
	if !tc.wantStubOrders && len(got.Result.OrderIDs) != 0 {
		t.Errorf("result names orders %v that are not this request's", got.Result.OrderIDs)
	}
	_, text = e.say("console:alice", fmt.Sprintf("/request %d", a.ID))
	if tc.wantText != "" && !strings.Contains(text, tc.wantText) {
		t.Errorf("story lacks %q:\n%s", tc.wantText, text)
	}
	if strings.Contains(text, "需要人工确认") != tc.wantAttention {
		t.Errorf("story and needs-attention disagree:\n%s", text)
	}
	// How it was settled is kept as facts, so a reader in English reads it in English only.
	ck := e.sandboxChecker()
	ck.Data(created...)
	ck.Data(got.Result.OrderIDs...)
	e.say("console:alice", "/lang en")
	_, text = e.say("console:alice", fmt.Sprintf("/request %d", a.ID))
	for _, p := range ck.Problems("en", text) {
		t.Errorf("en: %s\n%s", p, text)
	}
}

// ref is the customer of a demo resource.
func (e *actEnv) ref(r bsstest.Resource) bss.CustomerRef {
	e.t.Helper()
	cu, ok := e.Srv.Customer(r.CustomerID)
	if !ok {
		e.t.Fatalf("no customer %s", r.CustomerID)
	}
	return bss.CustomerRef{ID: cu.ID, AccountName: cu.AccountName, XAccountType: cu.XAccountType}
}

// mainOf returns a main resource in use of the customer with the given account.
func (e *actEnv) mainOf(account string) bsstest.Resource {
	e.t.Helper()
	for _, c := range e.Srv.Customers() {
		if c.AccountName != account {
			continue
		}
		for _, r := range e.Srv.Resources(c.ID) {
			if r.IsMain && r.Status == 2 {
				return r
			}
		}
	}
	e.t.Fatalf("%s has no main resource in use", account)
	return bsstest.Resource{}
}

func month() bss.Period { return bss.Period{Type: bss.PeriodMonth, Num: 1} }

// TestSettlingTrustsOnlyThisRequestsEvidence: an action whose outcome is unknown is settled
// only on evidence this request created — the resource's expiry moved by exactly this
// renewal's period after the request began, or an order of the right type, of this customer,
// created after the request began and shown by BSS to touch this resource — checked on our side
// as well as through the query's filters. Anything less is failed or flagged for a person.
func TestSettlingTrustsOnlyThisRequestsEvidence(t *testing.T) {
	web := func(e *actEnv) bsstest.Resource { return e.zsResource("zhangsan-web-01") }
	tests := []settleCase{
		{name: "unpaid renewal whose answer was lost",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m" },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.renew = func(ctx context.Context, cu bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
					res, err := s.BSS.Renew(ctx, cu, req)
					if err == nil {
						*orders = res.OrderIDs
					}
					return nil, lost("RenewalResources")
				}
			},
			settledAtOnce: true, wantOK: true, wantStubOrders: true, wantText: "订单待支付"},
		{name: "paid renewal whose answer was lost",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m --autopay" },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.renew = func(ctx context.Context, cu bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
					_, _ = s.BSS.Renew(ctx, cu, req)
					return nil, lost("RenewalResources")
				}
			},
			settledAtOnce: true, wantOK: true, wantText: "新的到期时间"},
		{name: "a renewal order of another resource of the customer",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m" },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				bw := e.zsResource("zhangsan-bw-01")
				s.renew = func(ctx context.Context, cu bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
					res, err := s.BSS.Renew(ctx, cu, bss.RenewRequest{ResourceIDs: []string{bw.ResourceID}, Period: month()})
					if err == nil {
						*orders = res.OrderIDs
					}
					return nil, lost("RenewalResources")
				}
			},
			wantAttention: true, wantStubOrders: true, wantText: "无法证明"},
		{name: "this request's order, but the expiry moved by another period",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m --autopay" },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.renew = func(ctx context.Context, cu bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
					req.Period = bss.Period{Type: bss.PeriodMonth, Num: 3}
					res, err := s.BSS.Renew(ctx, cu, req)
					if err == nil {
						*orders = res.OrderIDs
					}
					return nil, lost("RenewalResources")
				}
			},
			settledAtOnce: true, wantOK: true, wantAttention: true, wantStubOrders: true, wantText: "与这次续订的周期不符"},
		{name: "BSS ignores the order filters",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m" },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				other := e.mainOf("lisi")
				s.renew = func(ctx context.Context, _ bss.CustomerRef, _ bss.RenewRequest) (*bss.OrderResult, error) {
					// Another customer's renewal at the same moment; ours never ran.
					if _, err := s.BSS.Renew(ctx, e.ref(other), bss.RenewRequest{ResourceIDs: []string{other.ResourceID}, Period: month()}); err != nil {
						e.t.Error(err)
					}
					return nil, lost("RenewalResources")
				}
				s.listOrders = func(ctx context.Context, f bss.OrderFilter, offset, limit int) (*bss.OrderPage, error) {
					return s.BSS.ListOrders(ctx, bss.OrderFilter{OrderBy: "-createTime"}, offset, limit)
				}
			},
			wantAttention: true, wantText: "没有找到这次操作的痕迹"},
		{name: "expiry moved by an earlier renewal, before the request ran",
			request: func(e *actEnv) string { return "/renew " + web(e).ResourceID + " 1m" },
			before: func(e *actEnv) {
				w := web(e)
				if _, err := e.Client.Renew(context.Background(), e.ref(w), bss.RenewRequest{ResourceIDs: []string{w.ResourceID}, Period: month(), AutoPay: true}); err != nil {
					e.t.Fatal(err)
				}
				e.Clock.Advance(10 * time.Minute)
			},
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.renew = func(context.Context, bss.CustomerRef, bss.RenewRequest) (*bss.OrderResult, error) {
					return nil, lost("RenewalResources")
				}
			},
			wantAttention: true, wantText: "没有找到这次操作的痕迹"},
		{name: "renewal answered 200 with an error body",
			request: func(e *actEnv) string {
				e.Srv.Inject("POST", renewPath, bsstest.Fault{Status: 200, ErrorCode: "CBC.99003634"})
				return "/renew " + web(e).ResourceID + " 1m"
			},
			wantAttention: true, wantText: "没有找到这次操作的痕迹"},
		{name: "unsubscribe answered 200 with an error body",
			request: func(e *actEnv) string {
				e.Srv.Inject("POST", unsubscribePath, bsstest.Fault{Status: 200, ErrorCode: "CBC.3185"})
				return "/unsubscribe " + web(e).ResourceID
			},
			wantAttention: true, wantText: "没有找到这次操作的痕迹"},
		{name: "unsubscribe whose answer was lost: gone, order not provably this resource's",
			request: func(e *actEnv) string { return "/unsubscribe " + web(e).ResourceID },
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.unsubscribe = func(ctx context.Context, cu bss.CustomerRef, req bss.UnsubscribeRequest) (*bss.OrderResult, error) {
					res, err := s.BSS.Unsubscribe(ctx, cu, req)
					if err == nil {
						*orders = res.OrderIDs
					}
					return nil, lost("CancelResourcesSubscription")
				}
			},
			settledAtOnce: true, wantOK: true, wantAttention: true, wantStubOrders: true, wantText: "资源已不在"},
		{name: "resource removed before the request ran",
			request: func(e *actEnv) string { return "/unsubscribe " + web(e).ResourceID },
			before: func(e *actEnv) {
				w := web(e)
				if _, err := e.Client.Unsubscribe(context.Background(), e.ref(w), bss.UnsubscribeRequest{ResourceIDs: []string{w.ResourceID}, Type: bss.UnsubscribeResource}); err != nil {
					e.t.Fatal(err)
				}
				e.Clock.Advance(10 * time.Minute)
			},
			stub: func(e *actEnv, s *stubBSS, orders *[]string) {
				s.unsubscribe = func(context.Context, bss.CustomerRef, bss.UnsubscribeRequest) (*bss.OrderResult, error) {
					return nil, lost("CancelResourcesSubscription")
				}
			},
			wantAttention: true, wantText: "没有生成退订订单"},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

// TestReadErrorsAreNotNotFound: a read that BSS answered with an error is reported as a BSS
// failure, never as "no such customer, resource or order".
func TestReadErrorsAreNotNotFound(t *testing.T) {
	const resourcesPath = "/v2/orders/suscriptions/resources/query"
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	tests := []struct {
		name, path, text, notFound string
	}{
		{"customer search", customersPath, "/customer 张三", "没有找到与"},
		{"customer of a listing", customersPath, "/resources 张三", "没有找到与"},
		{"owner search of an action", resourcesPath, "/renew " + web.ResourceID, "没有找到资源"},
		{"customer hint of an action", customersPath, "/renew " + web.ResourceID + " --customer 张三", "没有找到与"},
		{"orders of a customer", ordersPath, "/orders 张三", "没有符合条件的订单"},
		{"one order", "/v2/orders/customer-orders/details/*", "/order CS2611250000ABCD", "没有找到订单"},
	}
	for _, tc := range tests {
		for _, status := range []int{500, 403} {
			t.Run(fmt.Sprintf("%s %d", tc.name, status), func(t *testing.T) {
				e.Srv.ClearFaults()
				e.Srv.Inject("", tc.path, bsstest.Fault{Status: status})
				rep, text := e.say("console:alice", tc.text)
				if !rep.Error || strings.Contains(text, tc.notFound) || !strings.Contains(text, "华为云") {
					t.Errorf("a BSS error was not reported as one:\n%s", text)
				}
			})
		}
	}
	if e.requests() != 0 {
		t.Error("a request was filed on a failed read")
	}
}

// TestSettledWording: a settled result says how it was settled — right after an unknown
// outcome, after a restart, or by a later check in the same run — and never claims a restart
// that did not happen.
func TestSettledWording(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		settle func(t *testing.T, e *actEnv) uint64 // files, runs and settles a renewal; returns its id
		zh, en string
	}{
		{"settled at once after an unknown outcome", func(t *testing.T, e *actEnv) uint64 {
			e.WrapBSS = func(b commands.BSS) commands.BSS {
				s := &stubBSS{BSS: b}
				s.renew = func(ctx context.Context, cu bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
					_, _ = s.BSS.Renew(ctx, cu, req)
					return nil, lost("RenewalResources")
				}
				return s
			}
			e.restart()
			web := e.zsResource("zhangsan-web-01")
			e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
			a := e.lastRequest()
			e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
			return a.ID
		}, "执行结果未知，已根据华为云状态确认", "the outcome was unknown; confirmed from BSS state"},
		{"settled by a later check in the same run", func(t *testing.T, e *actEnv) uint64 {
			e.WrapBSS = func(b commands.BSS) commands.BSS {
				s := &stubBSS{BSS: b}
				s.renew = func(context.Context, bss.CustomerRef, bss.RenewRequest) (*bss.OrderResult, error) {
					return nil, lost("RenewalResources")
				}
				return s
			}
			e.restart()
			web := e.zsResource("zhangsan-web-01")
			e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
			a := e.lastRequest()
			e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
			// BSS carries the renewal out after all, a little later.
			if _, err := e.Client.Renew(ctx, e.ref(web), bss.RenewRequest{ResourceIDs: []string{web.ResourceID}, Period: month(), AutoPay: true}); err != nil {
				t.Fatal(err)
			}
			e.Clock.Advance(4 * time.Minute)
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}, "4 分钟后根据华为云状态确认", "confirmed from BSS state 4 min later"},
		{"settled after a restart", func(t *testing.T, e *actEnv) uint64 {
			web := e.zsResource("zhangsan-web-01")
			e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
			a := e.lastRequest()
			bob := store.Actor{Platform: "console", UserID: "bob", Channel: "console"}
			if _, err := e.Store.Approve(ctx, a.ID, bob, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Store.BeginExecution(ctx, a.ID, bob, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := e.Client.Renew(ctx, e.ref(web), bss.RenewRequest{ResourceIDs: []string{web.ResourceID}, Period: month(), AutoPay: true}); err != nil {
				t.Fatal(err)
			}
			e.restart()
			e.Clock.Advance(3 * time.Minute)
			if err := e.Router.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			return a.ID
		}, "中断后根据华为云状态确认", "confirmed from BSS state after the run was interrupted"},
	}
	all := []string{"执行结果未知", "分钟后根据", "重启后", "outcome was unknown", "min later", "after a restart"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newActEnv(t, nil)
			id := tc.settle(t, e)
			got, _ := e.Store.Approval(ctx, id)
			if got.State != store.StateSucceeded || got.Result == nil || !got.Result.Reconciled {
				t.Fatalf("state %s %+v", got.State, got.Result)
			}
			for _, lang := range []struct{ cmd, want string }{{"/lang zh", tc.zh}, {"/lang en", tc.en}} {
				e.say("console:alice", lang.cmd)
				_, text := e.say("console:alice", fmt.Sprintf("/request %d", id))
				if !strings.Contains(text, lang.want) {
					t.Errorf("story lacks %q:\n%s", lang.want, text)
				}
				for _, other := range all {
					if other != lang.want && !strings.Contains(lang.want, other) && strings.Contains(text, other) {
						t.Errorf("story says %q:\n%s", other, text)
					}
				}
				if !strings.Contains(text, "✅") || strings.Contains(text, "settled=") {
					t.Errorf("story:\n%s", text)
				}
			}
			var told bool
			for _, n := range e.notices() {
				told = told || strings.Contains(n.DedupeKey, fmt.Sprintf("approval:%d:result", id)) && strings.Contains(noticeText(n), tc.zh)
			}
			if !told {
				t.Error("the result notice does not say how it was settled")
			}
		})
	}
}
