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
	"github.com/partnerbot/partnerbot/store"
)

const resourcesPath = "/v2/orders/suscriptions/resources/query"

// rawError is what a reply must never show: Go errors, the client's log wording, stacks.
var rawError = []string{"context deadline exceeded", "context canceled", "bss List", "HTTP 4", "goroutine", ".go:"}

// TestThrottledAndSlowBSS: a command whose BSS calls are throttled, or that runs past its
// deadline, answers politely in the user's language and says when to try again.
func TestThrottledAndSlowBSS(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, c *bss.Config) {
		o.CommandTimeout = time.Second
		c.Timeout = 4 * time.Second
	})
	web := e.zsResource("zhangsan-web-01")
	tests := []struct {
		name  string
		path  string
		fault bsstest.Fault
		text  string
		zh    string
		en    string
	}{
		{"throttled by BSS", customersPath, bsstest.Fault{Status: 429}, "/customer 张三",
			"华为云 BSS 正在限流，请约 1 分钟后再试。", "BSS is throttling; try again in about 1 min."},
		{"throttled for an hour", customersPath, bsstest.Fault{Status: 429, RetryAfter: time.Hour}, "/customer 张三",
			"华为云 BSS 正在限流，请约 60 分钟后再试。", "BSS is throttling; try again in about 60 min."},
		{"throttled by the gateway", customersPath, bsstest.Fault{Status: 429, ErrorCode: "APIG.0308"}, "/orders 张三",
			"华为云 BSS 正在限流，请约 1 分钟后再试。", "BSS is throttling; try again in about 1 min."},
		{"IP throttled", resourcesPath, bsstest.Fault{Status: 400, ErrorCode: "CBC.99007197"}, "/resources 张三",
			"华为云 BSS 正在限流，请约 1 分钟后再试。", "BSS is throttling; try again in about 1 min."},
		{"throttled while filing an action", resourcesPath, bsstest.Fault{Status: 429}, "/renew " + web.ResourceID,
			"华为云 BSS 正在限流，请约 1 分钟后再试。", "BSS is throttling; try again in about 1 min."},
		{"a read that never answers", customersPath, bsstest.Fault{Hang: true}, "/customer 张三",
			"华为云 BSS 没有及时答复（1 秒），请稍后再试。", "BSS did not answer in time (1 s); try again later."},
		{"a slow search for a resource's owner", resourcesPath, bsstest.Fault{Latency: 300 * time.Millisecond}, "/renew 00000000-0000-0000-0000-000000000000",
			"华为云 BSS 没有及时答复（1 秒），请稍后再试。", "BSS did not answer in time (1 s); try again later."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.Srv.ClearFaults()
			e.Srv.Inject("", tc.path, tc.fault)
			for _, lang := range []struct{ cmd, want string }{{"/lang zh", tc.zh}, {"/lang en", tc.en}} {
				e.say("console:alice", lang.cmd)
				start := time.Now()
				rep, text := e.say("console:alice", tc.text)
				if took := time.Since(start); took > 3*time.Second {
					t.Errorf("answered after %v; the deadline is 1s", took)
				}
				if !rep.Error || !strings.Contains(text, lang.want) {
					t.Errorf("reply lacks %q:\n%s", lang.want, text)
				}
				for _, raw := range rawError {
					if strings.Contains(text, raw) {
						t.Errorf("reply shows %q:\n%s", raw, text)
					}
				}
			}
		})
	}
	if n := e.requests(); n != 0 {
		t.Errorf("%d requests filed", n)
	}
}

// TestActionExecutionIsBounded: an approved action's BSS call is not cut short by the chat
// request, but it has a deadline of its own; running out of it is an unknown outcome, settled
// from BSS state and never sent again.
func TestActionExecutionIsBounded(t *testing.T) {
	ctx := context.Background()
	e := newActEnv(t, func(o *commands.Options, c *bss.Config) {
		o.ActionTimeout = 500 * time.Millisecond
		c.Timeout = 5 * time.Second
	})
	web := e.zsResource("zhangsan-web-01")
	e.say("console:alice", "/renew "+web.ResourceID+" --autopay")
	a := e.lastRequest()
	e.Srv.Inject("POST", renewPath, bsstest.Fault{Hang: true})
	start := time.Now()
	rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID))
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("the approval took %v; the action's deadline is 0.5s", took)
	}
	if !rep.Error || !strings.Contains(text, "结果未知") {
		t.Errorf("reply:\n%s", text)
	}
	if got, _ := e.Store.Approval(ctx, a.ID); got.State != store.StateExecuting {
		t.Errorf("state %s, want executing until settled", got.State)
	}
	e.Srv.ClearFaults()
	e.Clock.Advance(3 * time.Minute)
	if err := e.Router.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.Store.Approval(ctx, a.ID); got.State != store.StateFailed || !got.Result.NeedsAttention {
		t.Errorf("settled to %s %+v", got.State, got.Result)
	}
	if n := e.Srv.CallCount("", renewPath); n != 1 {
		t.Errorf("%d renew calls, want 1", n)
	}
}

// TestCommandDeadlineIsPerCommand: a command may set its own deadline (a scan of every
// customer takes longer than a read); the reply names the deadline that ran out.
func TestCommandDeadlineIsPerCommand(t *testing.T) {
	e := newEnv(t, nil)
	e.Router.Register(&commands.Command{Name: "slow", Role: chat.RoleViewer, MaxArgs: -1, Timeout: time.Second,
		Run: func(ctx context.Context, c *commands.Call) (chat.Reply, error) {
			<-ctx.Done()
			return chat.Reply{}, ctx.Err()
		}})
	start := time.Now()
	rep, text, _ := e.say(t, "console:admin", "/slow")
	if took := time.Since(start); took > 3*time.Second || !rep.Error || !strings.Contains(text, "没有及时答复（1 秒）") {
		t.Errorf("after %v:\n%s", took, text)
	}
	for _, c := range e.Router.Commands() {
		if c.Name == "scan" && c.Timeout < 10*time.Minute {
			t.Errorf("/scan may take %v only", c.Timeout)
		}
	}
}

// TestCallersDeadlineIsNotTheCommands: a deadline the caller set (partnerbot exec -timeout)
// is not reported as the command's own.
func TestCallersDeadlineIsNotTheCommands(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	rep, ok := e.Router.Handle(ctx, chat.Request{Platform: "console", UserID: "admin", Channel: "c1", Text: "/customer 张三"})
	if text := flatten(rep); !ok || !rep.Error || strings.Contains(text, "60 秒") || !strings.Contains(text, "华为云") {
		t.Errorf("reply:\n%s", text)
	}
}
