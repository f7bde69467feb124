package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
)

// newSender is an adapter that is not running: Send needs only the bot token.
func newSender(t *testing.T, f *slacktest.Fake) *Adapter {
	t.Helper()
	a, err := New(Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: f.AppToken, ChannelRate: -1})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestSendDelivers(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	ctx := context.Background()
	notice := chat.Reply{Title: "到期提醒", Text: "zhangsan-web-01 将于 3 天后到期"}

	if err := a.Send(ctx, bot.Target{Channel: "COPS"}, notice); err != nil {
		t.Fatalf("Send to a channel: %v", err)
	}
	if err := a.Send(ctx, bot.Target{Channel: "COPS", UserID: alice}, notice); err != nil {
		t.Fatalf("Send to a channel for a user: %v", err)
	}
	if err := a.Send(ctx, bot.Target{UserID: alice}, notice); err != nil {
		t.Fatalf("Send to a user: %v", err)
	}
	if err := a.Send(ctx, bot.Target{UserID: alice}, notice); err != nil {
		t.Fatalf("Send to a user again: %v", err)
	}
	posts := f.Posts()
	if len(posts) != 4 {
		t.Fatalf("%d messages posted, want 4:%s", len(posts), f.DescribePosts())
	}
	if posts[0].Channel != "COPS" || strings.Contains(slacktest.BlockText(posts[0].Blocks), "<@") {
		t.Errorf("channel notice: %+v", posts[0])
	}
	if posts[1].Channel != "COPS" || !strings.HasPrefix(slacktest.BlockText(posts[1].Blocks), "<@UALICE>\n") || !strings.HasPrefix(posts[1].Text, "<@UALICE> ") {
		t.Errorf("a channel notice for a user does not start by mentioning the user:\n%s", slacktest.BlockText(posts[1].Blocks))
	}
	if posts[2].Channel != "D"+alice || posts[3].Channel != "D"+alice {
		t.Errorf("user notices went to %s and %s, want the direct message D%s", posts[2].Channel, posts[3].Channel, alice)
	}
	if n := f.CallCount("conversations.open"); n != 1 {
		t.Errorf("conversations.open called %d times, want once (the channel is remembered)", n)
	}
	if !a.CanMessageUsers() || a.MaxMessageChars() < 4000 {
		t.Error("capabilities")
	}
}

// TestSendEverySample sends every shared sample: each arrives within Slack's
// limits (the fake refuses anything else) and long ones come as several messages.
func TestSendEverySample(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	for _, s := range samples.All() {
		before := len(f.Posts())
		if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, s.Reply); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
		if len(f.Posts()) == before {
			t.Errorf("%s: nothing posted", s.Name)
		}
	}
}

func TestSendClassifiesErrors(t *testing.T) {
	tests := []struct {
		name      string
		to        bot.Target
		fault     *slacktest.Fault
		method    string
		permanent bool
		throttled time.Duration
	}{
		{name: "unknown channel", to: bot.Target{Channel: "CNOPE"}, permanent: true},
		{name: "bot not in the channel", to: bot.Target{Channel: "COUTSIDE"}, permanent: true},
		{name: "archived channel", to: bot.Target{Channel: "CARCHIVED"}, permanent: true},
		{name: "user gone", to: bot.Target{UserID: "UGONE"}, permanent: true},
		{name: "token revoked", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Error: "token_revoked"}, method: "chat.postMessage", permanent: true},
		{name: "account inactive", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Error: "account_inactive"}, method: "chat.postMessage", permanent: true},
		{name: "429 with Retry-After", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Status: 429, RetryAfter: "7"}, method: "chat.postMessage", throttled: 7 * time.Second},
		{name: "429 without Retry-After", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Status: 429}, method: "chat.postMessage", throttled: defaultRetryAfter},
		{name: "ratelimited answer", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Error: "ratelimited"}, method: "chat.postMessage", throttled: defaultRetryAfter},
		{name: "429 opening the DM", to: bot.Target{UserID: alice}, fault: &slacktest.Fault{Status: 429, RetryAfter: "3"}, method: "conversations.open", throttled: 3 * time.Second},
		{name: "server error", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Status: 503}, method: "chat.postMessage"},
		{name: "internal error", to: bot.Target{Channel: "COPS"}, fault: &slacktest.Fault{Error: "internal_error"}, method: "chat.postMessage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := slacktest.New(t)
			if tt.fault != nil {
				f.Inject(tt.method, *tt.fault)
			}
			err := newSender(t, f).Send(context.Background(), tt.to, chat.Reply{Text: "notice"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			if got := errors.Is(err, bot.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			after, throttled := bot.RetryAfterOf(err)
			if throttled != (tt.throttled > 0) || after != tt.throttled {
				t.Errorf("throttled = %v after %s, want %s (%v)", throttled, after, tt.throttled, err)
			}
			if strings.Contains(err.Error(), f.BotToken) {
				t.Errorf("the error shows the token: %v", err)
			}
		})
	}
}

func TestEditReplacesAMessage(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	ctx := context.Background()
	if err := a.Send(ctx, bot.Target{Channel: "COPS"}, chat.Reply{Text: "scanning…"}); err != nil {
		t.Fatal(err)
	}
	ts := f.Posts()[0].TS
	if err := a.Edit(ctx, bot.MessageRef{Channel: "COPS", ID: ts}, chat.Reply{Text: "scan done"}); err != nil {
		t.Fatalf("Edit: %v", err)
	}
	p := f.Posts()[1]
	if p.Method != "chat.update" || p.TS != ts || !strings.Contains(slacktest.BlockText(p.Blocks), "scan done") {
		t.Errorf("Edit posted %+v", p)
	}
	err := a.Edit(ctx, bot.MessageRef{Channel: "COPS", ID: "1.000"}, chat.Reply{Text: "x"})
	if !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("editing a message that does not exist: %v, want permanent", err)
	}
}

func TestRepliesWaitOutThrottling(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.fake.Inject("chat.postMessage", slacktest.Fault{Status: 429, RetryAfter: "1", Times: 1})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvThrottled", slacktest.DMEvent(alice, "help", "1700000050.000100")), false)
	checkAck(t, e.fake.WaitAck(id))
	p := e.fake.WaitPosts(1)[0]
	if p.Channel != "D"+alice || e.fake.CallCount("chat.postMessage") != 2 {
		t.Errorf("after a 429: %+v, %d calls", p, e.fake.CallCount("chat.postMessage"))
	}
}

func TestExpiredResponseURLFallsBackToPosting(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.fake.ExpireHook("expired")
	id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/pb", "help", "COPS", alice, "expired"), true)
	checkAck(t, e.fake.WaitAck(id))
	p := e.fake.WaitPosts(1)[0]
	if p.Method != "chat.postMessage" || p.Channel != "COPS" {
		t.Errorf("with an expired response_url the answer went %s to %s", p.Method, p.Channel)
	}
}

func TestForeignResponseURLIsNotUsed(t *testing.T) {
	e := newEnv(t, envOptions{})
	payload := e.fake.SlashPayload("/pb", "help", "COPS", alice, "x")
	payload["response_url"] = "http://169.254.169.254/latest/meta-data"
	id, _ := e.fake.Envelope("slash_commands", payload, true)
	checkAck(t, e.fake.WaitAck(id))
	if p := e.fake.WaitPosts(1)[0]; p.Method != "chat.postMessage" || p.Channel != "COPS" {
		t.Errorf("answered with %s to %s; want the Web API, not a foreign URL", p.Method, p.Channel)
	}
}

func TestHookAllowed(t *testing.T) {
	a, err := New(Options{APIURL: "http://127.0.0.1:9999/api/", BotToken: "xoxb-x", AppToken: "xapp-x"})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://hooks.slack.com/commands/T1/2/abc": true,
		"https://hooks.slack-gov.com/commands/x":    false,
		"http://hooks.slack.com/commands/T1/2/abc":  false,
		"https://evil.com/hooks.slack.com":          false,
		"https://slack.com.evil.com/x":              false,
		"http://127.0.0.1:9999/hooks/x":             true, // the configured API host (a test server or proxy)
		"http://127.0.0.1:9998/hooks/x":             false,
		"::not a url":                               false,
	} {
		if got := a.hookAllowed(u); got != want {
			t.Errorf("hookAllowed(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestNewChecksOptionsAndConnectsToNothing(t *testing.T) {
	f := slacktest.New(t)
	if _, err := New(Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: f.AppToken}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{Mode: ModeHTTP, APIURL: f.APIURL(), BotToken: f.BotToken, SigningSecret: "s", Listen: "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"auth.test", "apps.connections.open"} {
		if n := f.CallCount(method); n != 0 {
			t.Errorf("New called %s", method)
		}
	}
	for name, o := range map[string]Options{
		"no bot token":              {AppToken: "xapp-1"},
		"socket mode, no app token": {BotToken: "xoxb-1"},
		"http mode, no secret":      {Mode: ModeHTTP, BotToken: "xoxb-1", Listen: ":0"},
		"http mode, no address":     {Mode: ModeHTTP, BotToken: "xoxb-1", SigningSecret: "s"},
		"unknown mode":              {Mode: "rtm", BotToken: "xoxb-1"},
		"bad API URL":               {APIURL: "ftp://x", BotToken: "xoxb-1", AppToken: "xapp-1"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.Contains(err.Error(), "xoxb-1") || strings.Contains(err.Error(), "xapp-1") {
			t.Errorf("%s: the error shows a token: %v", name, err)
		}
	}
}

// TestSendResumesAnInterruptedNotice: a notice sent as several messages whose second message
// failed is retried by the dispatcher; the retry sends only what did not go out, so no message
// arrives twice.
func TestSendResumesAnInterruptedNotice(t *testing.T) {
	long := chat.Reply{Title: "到期提醒", Table: &chat.Table{Columns: []string{"#", "资源", "到期"}}}
	for i := range 9000 {
		long.Table.Rows = append(long.Table.Rows, []string{fmt.Sprint(i + 1), fmt.Sprintf("ecs-batch-node-%04d", i), "2026-12-01"})
	}
	if n := len(Render(long)); n < 3 {
		t.Fatalf("the test notice renders as %d messages; it needs several", n)
	}
	f := slacktest.New(t)
	a := newSender(t, f)
	f.Inject("chat.postMessage", slacktest.Fault{Status: 503, Times: 1, After: 1})
	if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, long); err == nil {
		t.Fatal("Send succeeded though its second message failed")
	}
	first := len(f.Posts())
	if first != 1 {
		t.Fatalf("%d messages out before the failure, want 1", first)
	}
	if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, long); err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	seen := map[string]bool{}
	for _, p := range posts {
		if seen[p.Text] {
			t.Fatalf("a message arrived twice: %q", p.Text)
		}
		seen[p.Text] = true
	}
	// And a later, identical notice (a new alert) goes out whole again.
	if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, long); err != nil {
		t.Fatal(err)
	}
	if n := len(f.Posts()) - len(posts); n != len(posts) {
		t.Fatalf("the next identical notice sent %d messages, want all %d", n, len(posts))
	}
}
