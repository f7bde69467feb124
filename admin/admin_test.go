package admin_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/promtext"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/store"
)

// platform is an adapter that says whether it is connected.
type platform struct {
	name      string
	connected atomic.Bool
}

func (p *platform) Platform() string                                   { return p.name }
func (p *platform) Run(ctx context.Context, _ bot.Handler) error       { <-ctx.Done(); return nil }
func (p *platform) Send(context.Context, bot.Target, chat.Reply) error { return nil }
func (p *platform) Connected() bool                                    { return p.connected.Load() }

// console is an adapter with no connection to check.
type console struct{}

func (console) Platform() string                                   { return "console" }
func (console) Run(ctx context.Context, _ bot.Handler) error       { <-ctx.Done(); return nil }
func (console) Send(context.Context, bot.Target, chat.Reply) error { return nil }

var (
	_ bot.Adapter = (*platform)(nil)
	_ bot.Ready   = (*platform)(nil)
	_ bot.Adapter = console{}
)

// env is a bot without chat: the fake BSS over HTTP, a store, the router and the metrics,
// with the admin endpoints served on a loopback port.
type env struct {
	t      *testing.T
	bss    *bsstest.Server
	store  *store.Store
	router *commands.Router
	slack  *platform
	server *admin.Server
	url    string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	m := metrics.New()
	te := testenv.New(t, testenv.Options{
		Router: commands.Options{Observer: m, DefaultRole: chat.RoleViewer,
			Roles:          map[string]chat.Role{"console:admin": chat.RoleAdmin, "console:alice": chat.RoleOperator},
			ActionChannels: []string{"console:*"}, ApprovalsChannel: "slack:CAPPROVE"},
		BSS: func(c *bss.Config) {
			c.RatePerSecond, c.Burst, c.MaxRetries, c.Timeout = 10000, 100, 1, 0
			c.RetryBase, c.RetryMax, c.Observer = time.Millisecond, 5*time.Millisecond, m
		},
	})
	e := &env{t: t, bss: te.Srv, store: te.Store, router: te.Router, slack: &platform{name: "slack"}}
	e.slack.connected.Store(true)
	adapters := []bot.Adapter{console{}, e.slack}
	m.Watch(e.store, adapters)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e.server = admin.New(ln, admin.Options{Store: e.store, Adapters: adapters, BSS: m, Metrics: m.Handler(nil)})
	e.server.Start()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.server.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	e.url = "http://" + ln.Addr().String()
	return e
}

func (e *env) get(path string) (int, string) {
	e.t.Helper()
	resp, err := http.Get(e.url + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func (e *env) say(user, text string) chat.Reply {
	e.t.Helper()
	p, id, _ := strings.Cut(user, ":")
	rep, ok := e.router.Handle(context.Background(), chat.Request{Platform: p, UserID: id, Channel: "console", Text: text})
	if !ok {
		e.t.Fatalf("%q not handled", text)
	}
	return rep
}

// ready checks /readyz's status and that its body has each line of want.
func (e *env) ready(status int, want ...string) {
	e.t.Helper()
	code, body := e.get(admin.PathReady)
	if code != status {
		e.t.Errorf("/readyz %d, want %d:\n%s", code, status, body)
	}
	for _, w := range want {
		if !strings.Contains(body, w+"\n") && !strings.Contains(body, w) {
			e.t.Errorf("/readyz lacks %q:\n%s", w, body)
		}
	}
}

func (e *env) metric(name string, labels ...string) float64 {
	e.t.Helper()
	code, body := e.get(admin.PathMetrics)
	if code != http.StatusOK {
		e.t.Fatalf("/metrics %d:\n%s", code, body)
	}
	v, ok := promtext.Value(body, name, labels...)
	if !ok {
		e.t.Errorf("/metrics has no %s%q", name, labels)
	}
	return v
}

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	if code, body := e.get(admin.PathHealth); code != http.StatusOK || body != "ok\n" {
		t.Errorf("/healthz %d %q", code, body)
	}
	e.ready(http.StatusOK, "ok store: open", "ok adapter console: running", "ok adapter slack: connected", "ok bss: no call yet")

	e.say("console:admin", "/resources 张三") // its last BSS call lists the resources
	e.ready(http.StatusOK, "ok bss: last call ListPayPerUseCustomerResources HTTP 200, ok, ")

	t.Run("an adapter disconnected", func(t *testing.T) {
		e.slack.connected.Store(false)
		defer e.slack.connected.Store(true)
		e.ready(http.StatusServiceUnavailable, "FAIL adapter slack: not connected", "ok store: open")
	})
	t.Run("BSS failing", func(t *testing.T) {
		e.bss.Inject("POST", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 500})
		e.say("console:admin", "/customer 张三")
		e.ready(http.StatusServiceUnavailable, "FAIL bss: last call ListSubCustomers HTTP 500, server", "(CBC.0999)")
		e.bss.ClearFaults()
		e.say("console:admin", "/resources 张三")
		e.ready(http.StatusOK, "ok bss: last call ListPayPerUseCustomerResources HTTP 200, ok")
	})
	t.Run("BSS answering about the request is BSS working", func(t *testing.T) {
		e.say("console:admin", "/order CS0000NOTFOUND")
		e.ready(http.StatusOK, "ok bss: last call ShowCustomerOrderDetails HTTP 404, not-found")
	})
	t.Run("shutting down", func(t *testing.T) {
		e.server.Drain()
		e.ready(http.StatusServiceUnavailable, "FAIL bot: shutting down")
		if code, _ := e.get(admin.PathHealth); code != http.StatusOK {
			t.Errorf("/healthz %d while draining, want 200: the process is alive", code)
		}
	})
	t.Run("store closed", func(t *testing.T) {
		if err := e.store.Close(); err != nil {
			t.Fatal(err)
		}
		e.ready(http.StatusServiceUnavailable, "FAIL store: store: ping: database not open")
		// What the store cannot tell is left out; the rest is still served.
		code, body := e.get(admin.PathMetrics)
		if _, ok := promtext.Value(body, "partnerbot_outbox_notices"); code != http.StatusOK || ok {
			t.Errorf("/metrics %d with outbox metrics from a closed store", code)
		}
		if _, ok := promtext.Value(body, "partnerbot_commands_total"); !ok {
			t.Errorf("/metrics lost the command counts:\n%s", body)
		}
	})
}

// TestMetricsAfterCommands drives commands through the router against the fake BSS and reads
// the metrics over HTTP.
func TestMetricsAfterCommands(t *testing.T) {
	e := newEnv(t)
	const custPath = "/v2/partners/sub-customers/query"
	e.say("console:admin", "/customer 张三")
	e.say("console:admin", "/customer 没有这个人")
	e.say("console:admin", "/nosuch")
	// A throttled answer, retried.
	e.bss.Inject("POST", custPath, bsstest.Fault{Status: 429, Times: 1})
	if rep := e.say("console:admin", "/customer 张三"); rep.Error {
		t.Fatalf("/customer after one 429: %s", rep.Text)
	}
	// A request filed: pending, with its notices in the outbox.
	var resource string
	for _, c := range e.bss.Customers() {
		if c.AccountName == "zhangsan" {
			for _, r := range e.bss.Resources(c.ID) {
				if r.Name == "zhangsan-web-01" {
					resource = r.ResourceID
				}
			}
		}
	}
	if rep := e.say("console:alice", "/renew "+resource+" 1m"); rep.Error {
		t.Fatalf("/renew: %s", rep.Text)
	}

	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"partnerbot_commands_total", []string{"command", "customer", "outcome", "ok"}, 2},
		{"partnerbot_commands_total", []string{"command", "customer", "outcome", "not-found"}, 1},
		{"partnerbot_commands_total", []string{"command", "none", "outcome", "unknown"}, 1},
		{"partnerbot_commands_total", []string{"command", "renew", "outcome", "ok"}, 1},
		{"partnerbot_command_duration_seconds_count", []string{"command", "customer", "outcome", "ok"}, 2},
		{"partnerbot_bss_requests_total", []string{"op", "ListSubCustomers", "status", "429", "outcome", "throttled"}, 1},
		{"partnerbot_bss_requests_total", []string{"op", "ListSubCustomers"}, float64(e.bss.CallCount("POST", custPath))},
		{"partnerbot_bss_request_duration_seconds_count", []string{"op", "ListSubCustomers"}, float64(e.bss.CallCount("POST", custPath))},
		{"partnerbot_bss_retries_total", []string{"op", "ListSubCustomers"}, 1},
		{"partnerbot_bss_throttled_total", []string{"op", "ListSubCustomers"}, 1},
		{"partnerbot_bss_requests_total", []string{"op", "CreateTemporaryAccessKeyByAgency", "status", "201"}, 1},
		{"partnerbot_approvals", []string{"state", "pending"}, 1},
		{"partnerbot_approvals", []string{"state", "succeeded"}, 0},
		{"partnerbot_adapter_connected", []string{"platform", "slack"}, 1},
	} {
		if got := e.metric(tc.name, tc.labels...); got != tc.want {
			t.Errorf("%s%q = %v, want %v", tc.name, tc.labels, got, tc.want)
		}
	}
	ob, err := e.store.OutboxStats(context.Background())
	if err != nil || ob.Waiting == 0 {
		t.Fatalf("outbox %+v, %v: the request queued no notice", ob, err)
	}
	if got := e.metric("partnerbot_outbox_notices", "state", "waiting"); got != float64(ob.Waiting) {
		t.Errorf("outbox waiting = %v, want %d", got, ob.Waiting)
	}
	if got := e.metric("partnerbot_outbox_oldest_notice_age_seconds"); got < 0 {
		t.Errorf("oldest notice age %v", got)
	}
	if _, body := e.get(admin.PathMetrics); !strings.Contains(body, "go_goroutines") || !strings.Contains(body, "process_") {
		t.Errorf("no Go runtime or process metrics:\n%.500s", body)
	}
}

// A port another program holds stops the start with a message naming the port and the key
// the operator changes.
func TestListenBusyPortNamesPortAndKey(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, port, _ := net.SplitHostPort(addr)
	srv, err := admin.Listen(addr, admin.Options{})
	if err == nil {
		srv.Start()
		_ = srv.Shutdown(context.Background())
		t.Fatalf("Listen(%s) on a held port succeeded", addr)
	}
	for _, want := range []string{"admin.listen", "port " + port} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
}

// The default port is none the Prometheus project's list of default port allocations gives
// to a program: 9090-9099 are its servers (9090 Prometheus itself, also Cockpit's), 9100
// upward its exporters.
func TestDefaultPortOutsidePrometheusAllocations(t *testing.T) {
	p, err := net.LookupPort("tcp", admin.DefaultPort)
	if err != nil {
		t.Fatal(err)
	}
	if p >= 9090 {
		t.Errorf("admin.DefaultPort %d lies in the Prometheus allocations (9090 upward)", p)
	}
}
