package service_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
)

// consoleBot is a service.Run in the background on a console fed through a pipe.
type consoleBot struct {
	t      *testing.T
	env    *testenv.Env
	in     *io.PipeWriter
	out    *testenv.SyncBuffer
	signal context.CancelFunc // the first SIGTERM
	done   chan error
}

// startConsoleBot runs b with its console (the only adapter) as user, fed by say.
func startConsoleBot(t *testing.T, b service.Bot, env *testenv.Env, user string) *consoleBot {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	c := &consoleBot{t: t, env: env, in: pw, out: &testenv.SyncBuffer{}, signal: cancel, done: make(chan error, 1)}
	b.Adapters = []bot.Adapter{&console.Console{In: pr, Out: c.out, UserID: user}}
	go func() { c.done <- service.Run(ctx, b) }()
	t.Cleanup(func() {
		cancel()
		pw.Close()
		select {
		case <-c.done:
		case <-time.After(30 * time.Second):
			t.Error("the bot did not stop")
		}
	})
	return c
}

func (c *consoleBot) say(line string) {
	c.t.Helper()
	if _, err := io.WriteString(c.in, line+"\n"); err != nil {
		c.t.Fatal(err)
	}
}

// waitFor waits until cond holds, failing the test after 20 s.
func (c *consoleBot) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			c.t.Fatalf("gave up waiting for %s\nconsole:\n%s\nlog:\n%s", what, c.out, c.env.Logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// wait waits for Run to return and returns its error.
func (c *consoleBot) wait() error {
	c.t.Helper()
	select {
	case err := <-c.done:
		c.done <- err // for the cleanup
		return err
	case <-time.After(30 * time.Second):
		c.t.Fatalf("the bot did not stop\nlog:\n%s", c.env.Logs)
		return nil
	}
}

// approvalsBot is newBot with the example's roles and approvals: alice requests, bob approves,
// approvers are told in slack:CAPPROVE (no Slack runs: those notices wait in the outbox).
func approvalsBot(t *testing.T) (service.Bot, *testenv.Env) {
	t.Helper()
	b, env, _ := newBot(t, strings.NewReader(""), testenv.Options{Router: commands.Options{
		Roles:            map[string]chat.Role{"console:alice": chat.RoleOperator, "console:bob": chat.RoleApprover},
		DefaultRole:      chat.RoleViewer,
		ApprovalsChannel: "slack:CAPPROVE", ActionChannels: []string{"console:*"},
	}})
	return b, env
}

func resourceOf(t *testing.T, srv *bsstest.Server, account, name string) string {
	t.Helper()
	for _, c := range srv.Customers() {
		if c.AccountName == account {
			for _, r := range srv.Resources(c.ID) {
				if r.Name == name {
					return r.ResourceID
				}
			}
		}
	}
	t.Fatalf("%s has no %s", account, name)
	return ""
}

const renewPath = "/v2/orders/subscriptions/resources/renew"

// TestGracefulShutdown: the first signal while an approved renewal's BSS call is slow. The
// call finishes and its result is recorded and answered, the notice for a platform that is not
// running stays in the outbox, and Run returns nil.
func TestGracefulShutdown(t *testing.T) {
	b, env := approvalsBot(t)
	b.Config.Bot.ShutdownTimeout = time.Minute
	ctx := context.Background()
	id := resourceOf(t, env.Srv, "zhangsan", "zhangsan-web-01")
	rep, _ := bot.NewHandler(env.Router)(ctx, chat.Request{Platform: "console", UserID: "alice", Channel: "console", Text: "/renew " + id + " 1m"})
	if rep.Error || !strings.Contains(rep.Text+rep.Title, "#1") {
		t.Fatalf("the renewal was not requested: %+v", rep)
	}

	env.Srv.Inject("POST", renewPath, bsstest.Fault{Latency: 2 * time.Second})
	c := startConsoleBot(t, b, env, "bob")
	c.say("/approve 1")
	c.waitFor("the renewal to reach BSS", func() bool { return env.Srv.CallCount("POST", renewPath) == 1 })
	c.signal() // with the renewal in flight
	if err := c.wait(); err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, env.Logs)
	}
	for _, w := range []string{"✅ 已执行", "订单"} {
		if !strings.Contains(c.out.String(), w) {
			t.Errorf("the approval's answer lacks %q:\n%s", w, c.out)
		}
	}
	for _, w := range []string{"shutting down: taking no new messages", "notices left in the outbox", "partnerbot stopped"} {
		if !strings.Contains(env.Logs.String(), w) {
			t.Errorf("log lacks %q:\n%s", w, env.Logs)
		}
	}
	for _, call := range env.Srv.Calls() {
		if call.Path == renewPath && call.Status != 200 {
			t.Errorf("the renewal ended with status %d, want 200 (not abandoned)", call.Status)
		}
	}
	a, err := env.Store.Approval(ctx, 1)
	if err != nil || a.State != store.StateSucceeded {
		t.Errorf("request 1: %s, %v; want succeeded", a.State, err)
	}
	ob, err := env.Store.OutboxStats(ctx)
	if err != nil || ob.Waiting == 0 {
		t.Errorf("outbox %+v, %v: the notices for slack:CAPPROVE were lost", ob, err)
	}
	es, err := env.Store.RecentAudit(ctx, 1, store.AuditFilter{Platform: "console"})
	if err != nil || len(es) != 1 || es[0].Command != "/approve 1" || es[0].Result != "ok" {
		t.Errorf("last console audit record %+v, %v", es, err)
	}
}

// TestShutdownTimeout: a BSS call that never answers is cut at bot.shutdown_timeout; the
// command is answered as failed and audited, and Run returns.
func TestShutdownTimeout(t *testing.T) {
	b, env, _ := newBot(t, strings.NewReader(""))
	b.Config.Bot.ShutdownTimeout = time.Second
	const custPath = "/v2/partners/sub-customers/query"
	env.Srv.Inject("POST", custPath, bsstest.Fault{Hang: true})
	c := startConsoleBot(t, b, env, "admin")
	c.say("/customer 张三")
	c.waitFor("the query to reach BSS", func() bool { return env.Srv.CallCount("POST", custPath) == 1 })
	c.signal()
	if err := c.wait(); err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, env.Logs)
	}
	if !strings.Contains(c.out.String(), "查询华为云失败") {
		t.Errorf("the cut command was not answered:\n%s", c.out)
	}
	es, err := env.Store.RecentAudit(context.Background(), 1, store.AuditFilter{Platform: "console"})
	if err != nil || len(es) != 1 || es[0].Command != "/customer 张三" || es[0].Result != "error" {
		t.Errorf("audit %+v, %v", es, err)
	}
}

// TestRetentionInRunningBot: at start the bot applies store.retention in the background: audit
// entries older than store.retention.audit go, newer ones stay.
func TestRetentionInRunningBot(t *testing.T) {
	b, env, _ := newBot(t, strings.NewReader(""))
	b.Config.Store.Retention.Audit = 720 * time.Hour
	ctx := context.Background()
	for _, age := range []time.Duration{1000 * time.Hour, 800 * time.Hour, 24 * time.Hour} {
		if _, err := env.Store.AppendAudit(ctx, store.AuditEntry{At: env.Clock.Now().Add(-age), Platform: "exec", UserID: "old",
			Command: fmt.Sprint("/aged ", age), Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	c := startConsoleBot(t, b, env, "admin")
	c.waitFor("the pruning", func() bool { return strings.Contains(env.Logs.String(), "store.retention applied") })
	if !strings.Contains(env.Logs.String(), "audit_removed=2") {
		t.Errorf("the log does not say two entries went:\n%s", env.Logs)
	}
	c.signal()
	if err := c.wait(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	es, err := env.Store.RecentAudit(ctx, 100, store.AuditFilter{UserID: "old"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Command != "/aged 24h0m0s" {
		t.Errorf("left %+v, want the 24h-old entry alone", es)
	}
}
