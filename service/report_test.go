package service_test

import (
	"bytes"
	"context"
	"image/png"
	"maps"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/slack"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/report"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
)

// never is a schedule that does not come round while a test runs (03:00 on 29 February): the
// test triggers the scheduled report itself, at the environment's fixed clock.
const never = "0 3 29 2 *"

// The three channels subscribed to the report, one on each platform.
const (
	reportSlack    = "C0REPORT"
	reportTelegram = int64(-1009876543210)
	reportTgChat   = "-1009876543210"
	reportWeCom    = "opschat" // an app chat: media/upload, then an image message
	wecomCorp      = "ww-report-corp"
	wecomSecret    = "report-corp-secret"
	wecomAgent     = int64(1000002)
)

// reportFakes are the three platforms' fakes the bot sends the report to.
type reportFakes struct {
	slack *slacktest.Fake
	tg    *telegramtest.Fake
	wc    *wecomtest.Fake
}

// reportBot is a service.Bot on env with the real Slack (HTTP mode), Telegram (long polling)
// and WeCom (app, send only) adapters pointed at the fakes over real HTTP, every scheduled scan
// and the report schedule set never to fire.
func reportBot(t *testing.T, env *testenv.Env, f reportFakes) service.Bot {
	t.Helper()
	cfg := config.Default()
	cfg.Store.Path = env.Store.Path()
	cfg.Admin.Listen = ""
	cfg.Bot.ShutdownTimeout = 20 * time.Second
	cfg.Alerts.ExpirySchedule, cfg.Alerts.ArrearsSchedule, cfg.Alerts.Report = never, never, never
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sl, err := slack.New(slack.Options{Mode: slack.ModeHTTP, APIURL: f.slack.APIURL(), BotToken: f.slack.BotToken,
		SigningSecret: "report-signing-secret", Listener: ln, Deliveries: env.Store, Names: env.Store,
		Logger: env.Log.With("component", "slack")})
	if err != nil {
		t.Fatal(err)
	}
	tg, err := telegram.New(telegram.Options{Token: telegramtest.Token, APIEndpoint: f.tg.URL, PollTimeout: time.Second,
		Buttons: env.Store, Deliveries: env.Store, Logger: env.Log.With("component", "telegram")})
	if err != nil {
		t.Fatal(err)
	}
	wc, err := wecom.New(wecom.Options{CorpID: wecomCorp, AgentID: wecomAgent, APIBase: f.wc.URL,
		Secrets: wecom.Secrets{CorpSecret: wecomSecret}, Deliveries: env.Store, Logger: env.Log.With("component", "wecom")})
	if err != nil {
		t.Fatal(err)
	}
	return service.Bot{Config: cfg, Log: env.Log, Store: env.Store, Router: env.Router, BSS: env.Client,
		Direct: &service.Direct{}, Scanner: env.Scanner, Metrics: metrics.New(),
		Adapters: []bot.Adapter{sl, tg, wc}, Version: "test"}
}

// runBot runs b until the returned stop is called; stop waits for Run and fails the test on
// its error.
func runBot(t *testing.T, b service.Bot, env *testenv.Env) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- service.Run(ctx, b) }()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v\nlog:\n%s", err, env.Logs.String())
			}
		case <-time.After(60 * time.Second):
			t.Fatalf("the bot did not stop\nlog:\n%s", env.Logs.String())
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestScheduledReportReachesEveryPlatformOnce is issue #26's last "done when": the running bot
// with the sandbox BSS and the real Slack, Telegram and WeCom adapters against their fakes,
// one channel on each subscribed to the report. The scheduled report (the Reporter the
// schedule runs, at the environment's fixed clock) reaches each platform as one PNG of about
// 1200 × 1500 with its caption, every number of the caption delivered; each platform fails
// its first upload, or the caption sent after the picture, and gets the report on the retry,
// still once; the report scheduled again the same day and a restart of the bot on the same
// store send nothing more.
func TestScheduledReportReachesEveryPlatformOnce(t *testing.T) {
	for _, tc := range []struct {
		name   string
		inject func(f reportFakes)
		// refused counts, per platform, the calls the fake refused
		refused func(f reportFakes) map[string]int
	}{
		{"the upload fails once", func(f reportFakes) {
			f.slack.Inject("files.getUploadURLExternal", slacktest.Fault{Status: 500, Times: 1})
			f.tg.Inject(telegramtest.Fault{Method: "sendPhoto", Status: 500, Desc: "Internal Server Error", Times: 1})
			f.wc.Inject("/cgi-bin/media/upload", wecomtest.Fault{Status: 502, Times: 1})
		}, func(f reportFakes) map[string]int {
			return map[string]int{"slack": f.slack.CallCount("files.getUploadURLExternal") - len(slackImages(f)),
				"telegram": len(f.tg.CallsOf("sendPhoto")) - len(f.tg.OKCalls("sendPhoto")),
				"wecom":    len(f.wc.Calls("/cgi-bin/media/upload")) - len(f.wc.Delivered("/cgi-bin/media/upload"))}
		}},
		{"the caption after the picture fails once", func(f reportFakes) {
			f.slack.Inject("chat.postMessage", slacktest.Fault{Status: 500, Times: 1})
			f.tg.Inject(telegramtest.Fault{Method: "sendMessage", Status: 500, Desc: "Internal Server Error", Times: 1})
			f.wc.Inject("/cgi-bin/appchat/send", wecomtest.Fault{Status: 502, Skip: 1, Times: 1})
		}, func(f reportFakes) map[string]int {
			return map[string]int{"slack": f.slack.CallCount("chat.postMessage") - len(f.slack.Posts()),
				"telegram": len(f.tg.CallsOf("sendMessage")) - len(f.tg.OKCalls("sendMessage")),
				"wecom":    len(f.wc.Calls("/cgi-bin/appchat/send")) - len(f.wc.Delivered("/cgi-bin/appchat/send"))}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { scheduledReportOnce(t, tc.inject, tc.refused) })
	}
}

func scheduledReportOnce(t *testing.T, inject func(reportFakes), refused func(reportFakes) map[string]int) {
	ctx := context.Background()
	env := testenv.New(t, testenv.Options{Router: commands.Options{DefaultRole: chat.RoleAdmin},
		Scanner: &alerts.Options{Delta: true, Health: alerts.HealthOptions{Schedule: never}}, Forecast: true})
	f := reportFakes{slack: slacktest.New(t), tg: telegramtest.New(t),
		wc: wecomtest.New(t, wecomtest.Options{CorpID: wecomCorp, CorpSecret: wecomSecret, AgentID: wecomAgent, Chats: []string{reportWeCom}})}
	f.slack.AddChannel(reportSlack)
	f.tg.AddGroup(reportTelegram, "supergroup", "Partner Report")
	by := store.Actor{Platform: "console", UserID: "admin"}
	for _, ch := range []struct{ platform, channel string }{{"slack", reportSlack}, {"telegram", reportTgChat}, {"wecom", reportWeCom}} {
		if _, err := env.Store.AddSubscription(ctx, store.Subscription{Platform: ch.platform, Channel: ch.channel,
			Kind: alerts.KindReport, Scope: "*", CreatedBy: by}); err != nil {
			t.Fatal(err)
		}
	}

	// The arrears scan and the expiry scan (with its forecast) ran before, for another channel
	// subscribed to every alert: the report shows arrears, the forecast's gap and the expiry
	// calendar too.
	if _, err := env.Store.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "COPS",
		Kind: "all", Scope: "*", CreatedBy: by}); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{alerts.KindArrears, alerts.KindExpiry} {
		if _, err := env.Scanner.Scan(ctx, kind); err != nil {
			t.Fatalf("scan %s: %v", kind, err)
		}
	}
	stop := runBot(t, reportBot(t, env, f), env)
	waitFor := waiter(t, env)
	waitFor("the alerts of the other channel", func() bool {
		ob, err := env.Store.OutboxStats(ctx)
		return err == nil && ob.Waiting == 0 && len(f.slack.Posts()) > 0
	})
	inject(f)
	rep := env.Scanner.Reporter(env.Client, env.Store)
	if n, err := rep.Send(ctx); err != nil || n != 3 {
		t.Fatalf("the scheduled report queued %d notices (%v), want 3", n, err)
	}
	// What the caption says, drawn again from the same inputs at the same clock.
	in, err := rep.Gatherer.Gather(ctx, env.Clock.Now(), report.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	_, caption, err := report.Image(report.Build(in, report.Scope{}, report.Week), lang.Zh)
	if err != nil {
		t.Fatal(err)
	}

	waitFor("the report on the three platforms", func() bool {
		return len(slackImages(f)) > 0 && len(telegramImages(f)) > 0 && len(f.wc.Images("/cgi-bin/appchat/send")) > 0 &&
			allSent(slackMessages(f), caption) && allSent(telegramMessages(f), caption) && allSent(wecomMessages(f), caption)
	})
	var first map[string]int // messages each platform had when the report was delivered
	checkOnce := func(when string) {
		t.Helper()
		got := map[string]int{}
		for _, p := range []struct {
			platform string
			images   [][]byte
			messages []string
		}{
			{"slack", slackImages(f), slackMessages(f)},
			{"telegram", telegramImages(f), telegramMessages(f)},
			{"wecom", f.wc.Images("/cgi-bin/appchat/send"), wecomMessages(f)},
		} {
			got[p.platform] = len(p.messages)
			if len(p.images) != 1 {
				t.Errorf("%s: %s got %d images, want the report once", when, p.platform, len(p.images))
				continue
			}
			cfg, err := png.DecodeConfig(bytes.NewReader(p.images[0]))
			if err != nil {
				t.Errorf("%s: %s's image is not a PNG: %v", when, p.platform, err)
			} else if cfg.Width < 1000 || cfg.Width > 1400 || cfg.Height < 1300 || cfg.Height > 1700 {
				t.Errorf("%s: %s's image is %d×%d, want about 1200×1500", when, p.platform, cfg.Width, cfg.Height)
			}
			text := strings.Join(p.messages, "\n")
			for _, num := range captionNumbers(caption) {
				if !strings.Contains(text, num) {
					t.Errorf("%s: %s's caption lacks %q:\n%s", when, p.platform, num, text)
				}
			}
			seen := map[string]bool{}
			for _, m := range p.messages {
				if seen[m] {
					t.Errorf("%s: %s got the same message twice:\n%s", when, p.platform, m)
				}
				seen[m] = true
			}
		}
		if first == nil {
			first = got
		} else if !maps.Equal(first, got) {
			t.Errorf("%s: messages per platform %v, want those of the delivery %v", when, got, first)
		}
	}
	checkOnce("delivered")
	if got := refused(f); !maps.Equal(got, map[string]int{"slack": 1, "telegram": 1, "wecom": 1}) {
		t.Errorf("calls refused per platform %v, want the one injected on each", got)
	}

	// The schedule comes round again the same day: nothing more is queued or sent.
	if _, err := rep.Send(ctx); err != nil {
		t.Fatal(err)
	}
	stop() // the last delivery of the outbox runs before Run returns
	checkOnce("after the report was scheduled again")

	// The bot restarts on the same store and the schedule fires once more.
	env.Reopen(t)
	stop = runBot(t, reportBot(t, env, f), env)
	if _, err := env.Scanner.Reporter(env.Client, env.Store).Send(ctx); err != nil {
		t.Fatal(err)
	}
	stop()
	checkOnce("after a restart")
	if ob, err := env.Store.OutboxStats(ctx); err != nil || ob.Waiting != 0 || ob.Parked != 0 {
		t.Errorf("outbox %+v (%v), want nothing waiting or parked", ob, err)
	}
}

// waiter waits, up to a minute, for a condition of the running bot.
func waiter(t *testing.T, env *testenv.Env) func(what string, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	return func(what string, cond func() bool) {
		t.Helper()
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s\nlog:\n%s", what, env.Logs.String())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// captionNumbers are the numbers the caption states (amounts, counts, dates), each of which a
// platform must show.
func captionNumbers(caption string) []string {
	return regexp.MustCompile(`\d[\d,.:/-]*\d|\d`).FindAllString(caption, -1)
}

// allSent reports whether the messages state the caption's last number: it has been sent whole.
func allSent(messages []string, caption string) bool {
	nums := captionNumbers(caption)
	return strings.Contains(strings.Join(messages, "\n"), nums[len(nums)-1])
}

func slackImages(f reportFakes) [][]byte {
	var out [][]byte
	for _, u := range f.slack.Uploads() {
		if u.Channel == reportSlack {
			out = append(out, u.Bytes)
		}
	}
	return out
}

// slackMessages are the messages posted to the Slack channel and the uploads' comments.
func slackMessages(f reportFakes) []string {
	var out []string
	for _, p := range f.slack.Posts() {
		if p.Channel == reportSlack {
			out = append(out, p.Shown())
		}
	}
	for _, u := range f.slack.Uploads() {
		if u.Channel == reportSlack && u.InitialComment != "" {
			out = append(out, u.InitialComment)
		}
	}
	return out
}

func telegramImages(f reportFakes) [][]byte {
	var out [][]byte
	for _, m := range f.tg.Messages(reportTelegram) {
		if m.Photo != nil {
			out = append(out, m.Photo)
		}
		if m.Document != nil {
			out = append(out, m.Document)
		}
	}
	return out
}

// telegramMessages are the messages in the Telegram group, photos' captions included.
func telegramMessages(f reportFakes) []string {
	var out []string
	for _, m := range f.tg.Messages(reportTelegram) {
		out = append(out, m.Text)
	}
	return out
}

// wecomMessages are the texts the app sent to the chat.
func wecomMessages(f reportFakes) []string {
	var out []string
	for _, c := range f.wc.Delivered("/cgi-bin/appchat/send") {
		for _, k := range []string{"markdown", "text"} {
			if m, ok := c.Body[k].(map[string]any); ok {
				s, _ := m["content"].(string)
				out = append(out, s)
			}
		}
	}
	return out
}
