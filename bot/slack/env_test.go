package slack

import (
	"context"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

// env is the whole bot around one Slack adapter: the BSS sandbox over real HTTP, a real client,
// store and router, and the fake Slack the adapter talks to over real HTTP and WebSocket.
type env struct {
	t      testing.TB
	srv    *bsstest.Server
	client *bss.Client // the router's client of srv, for an alert scanner
	st     *store.Store
	router *commands.Router
	fake   *slacktest.Fake
	ad     *Adapter
	logs   *testenv.SyncBuffer
	// now is the environment's fixed clock (testenv's), for the dispatcher.
	now    func() time.Time
	secret string // the HTTP mode signing secret
	addr   string // the HTTP mode endpoints' address
}

// The users of the test workspace and their roles.
const (
	alice  = "UALICE"  // operator
	bob    = "UBOB"    // approver
	carol  = "UCAROL"  // approver
	admin  = "UADMIN"  // admin
	viewer = "UVIEWER" // not listed: the default role, viewer
)

type envOptions struct {
	mode    string
	handler bot.Handler // default: the router's
	bss     bsstest.Options
	adapter func(*Options)
	router  func(*commands.Options)
}

func newEnv(t testing.TB, eo envOptions) *env {
	t.Helper()
	ro := commands.Options{BotName: "partnerbot",
		Roles: map[string]chat.Role{"slack:" + alice: chat.RoleOperator, "slack:" + bob: chat.RoleApprover,
			"slack:" + carol: chat.RoleApprover, "slack:" + admin: chat.RoleAdmin},
		DefaultRole: chat.RoleViewer, ApprovalsChannel: "slack:CAPPROVALS", ActionChannels: []string{"slack:*"}}
	if eo.router != nil {
		eo.router(&ro)
	}
	te := testenv.New(t, testenv.Options{Sandbox: eo.bss, Router: ro,
		BSS: func(c *bss.Config) { c.Burst, c.Timeout = 100, 30*time.Second }})
	e := &env{t: t, srv: te.Srv, client: te.Client, st: te.Store, router: te.Router, fake: slacktest.New(t), logs: te.Logs, now: te.Clock.Now,
		secret: "8f742231b10e8888abcd99yyyzzz85a5"}
	var err error
	opts := Options{Mode: eo.mode, APIURL: e.fake.APIURL(), BotToken: e.fake.BotToken, AppToken: e.fake.AppToken,
		SigningSecret: e.secret, Workers: 4, ChannelRate: -1, Timeout: 10 * time.Second,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	if eo.mode == ModeHTTP {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		opts.Listener = ln
		e.addr = ln.Addr().String()
	}
	if eo.adapter != nil {
		eo.adapter(&opts)
	}
	if e.ad, err = New(opts); err != nil {
		t.Fatalf("New: %v", err)
	}
	h := eo.handler
	if h == nil {
		h = bot.NewHandler(e.router)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.ad.Run(ctx, h) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run = %v, want nil after the context ended", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after the context ended")
		}
		logs := e.logs.String()
		for _, secret := range []string{e.fake.BotToken, e.fake.AppToken, e.secret, "/hooks/", "fake-ticket"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs contain a secret (%q):\n%s", secret, logs)
			}
		}
	})
	if eo.mode == ModeHTTP {
		e.fake.WaitFor("the HTTP endpoints", e.ad.Connected)
	} else {
		e.fake.WaitConnected(1)
		e.fake.WaitFor("the adapter to see the connection", e.ad.Connected)
	}
	return e
}

// resource returns 张三's resource named name.
func (e *env) resource(name string) bsstest.Resource {
	e.t.Helper()
	for _, c := range e.srv.Customers() {
		if c.AccountName != "zhangsan" {
			continue
		}
		for _, r := range e.srv.Resources(c.ID) {
			if r.Name == name {
				return r
			}
		}
	}
	e.t.Fatalf("张三 has no resource %s", name)
	return bsstest.Resource{}
}

// deliverNotices runs the dispatcher once with the adapter as the Slack sender.
func (e *env) deliverNotices() int {
	e.t.Helper()
	d := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{platform: e.ad}, Now: e.now}
	sent, failed, err := d.RunOnce(context.Background())
	if err != nil || failed > 0 {
		e.t.Fatalf("dispatching: sent %d, failed %d, err %v", sent, failed, err)
	}
	return sent
}
