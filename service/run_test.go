package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
)

// newBot is a service.Bot on the test environment (opts, or everyone an admin) with a console
// reading in and writing to the returned buffer: no configuration file, no binary.
func newBot(t *testing.T, in io.Reader, opts ...testenv.Options) (service.Bot, *testenv.Env, *testenv.SyncBuffer) {
	t.Helper()
	o := testenv.Options{Router: commands.Options{DefaultRole: chat.RoleAdmin}}
	if len(opts) > 0 {
		o = opts[0]
	}
	env := testenv.New(t, o)
	cfg := config.Default()
	cfg.Store.Path = env.Store.Path() // the control socket goes beside it
	cfg.Admin.Listen = ""
	cfg.Bot.ShutdownTimeout = 5 * time.Second
	out := &testenv.SyncBuffer{}
	con := &console.Console{In: in, Out: out, UserID: "admin"}
	return service.Bot{Config: cfg, Log: env.Log, Store: env.Store, Router: env.Router, BSS: env.Client,
		Direct: &service.Direct{}, Metrics: metrics.New(), Adapters: []bot.Adapter{con}, Version: "test"}, env, out
}

// TestRunAnswersThenDeliversTheOutbox: the running bot answers the console, and when the
// console ends it, what waits in the outbox is delivered before Run returns.
func TestRunAnswersThenDeliversTheOutbox(t *testing.T) {
	b, env, out := newBot(t, strings.NewReader("/help\n"))
	body, err := json.Marshal(chat.Reply{Text: "a notice queued before the start"})
	if err != nil {
		t.Fatal(err)
	}
	if err := env.Store.EnqueueNotices(context.Background(), store.Notice{Platform: "console", Channel: "console", Kind: "alert:expiry", Body: body}); err != nil {
		t.Fatal(err)
	}
	if err := service.Run(context.Background(), b); err != nil {
		t.Fatalf("Run: %v\nlog:\n%s", err, env.Logs.String())
	}
	for _, w := range []string{"/customer", "a notice queued before the start"} {
		if !strings.Contains(out.String(), w) {
			t.Errorf("the console lacks %q:\n%s", w, out.String())
		}
	}
	ob, err := env.Store.OutboxStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ob.Waiting != 0 {
		t.Errorf("%d notices still wait in the outbox", ob.Waiting)
	}
	for _, w := range []string{"partnerbot started", "partnerbot stopped"} {
		if !strings.Contains(env.Logs.String(), w) {
			t.Errorf("the log lacks %q:\n%s", w, env.Logs.String())
		}
	}
}

// TestRunStopsWhenCancelled: the end of the context (the first signal) stops the bot while its
// console's input is still open.
func TestRunStopsWhenCancelled(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	b, env, _ := newBot(t, pr)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Run(ctx, b) }()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("Run did not return after the context ended\nlog:\n%s", env.Logs.String())
	}
}

// TestRunRefusesABadSchedule: an alert schedule that does not parse refuses the start as a
// configuration mistake, before the console reads anything.
func TestRunRefusesABadSchedule(t *testing.T) {
	b, env, out := newBot(t, strings.NewReader("/help\n"))
	b.Scanner = alerts.New(env.Client, env.Store, alerts.Options{Logger: env.Log})
	b.Config.Alerts.ExpirySchedule = "every so often"
	err := service.Run(context.Background(), b)
	var start *service.StartError
	if !errors.As(err, &start) || !start.Config {
		t.Fatalf("Run: %v, want a StartError of the configuration", err)
	}
	if strings.Contains(out.String(), "/customer") {
		t.Errorf("the console ran:\n%s", out.String())
	}
}
