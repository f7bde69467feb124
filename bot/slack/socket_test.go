package slack

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
)

// checkAck asserts an acknowledgement carries nothing but the envelope id: the answer
// follows through the Web API or the response_url.
func checkAck(t *testing.T, a slacktest.Ack) {
	t.Helper()
	if len(a.Payload) != 0 && string(a.Payload) != "null" {
		t.Errorf("ack of %s carries a payload %s; want a bare acknowledgement", a.EnvelopeID, a.Payload)
	}
}

func TestSocketModeDirectMessageAndMention(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		name       string
		event      map[string]any
		channel    string
		thread     string
		wantText   []string
		wantMethod string
	}{
		{name: "direct message without a slash", event: slacktest.DMEvent(alice, "customer 张三", "1700000001.000100"),
			channel: "D" + alice, wantText: []string{"张三", "zhangsan"}, wantMethod: "chat.postMessage"},
		{name: "direct message with the Chinese alias and a slash", event: slacktest.DMEvent(alice, "/客户 zhangsan", "1700000001.000200"),
			channel: "D" + alice, wantText: []string{"张三"}, wantMethod: "chat.postMessage"},
		{name: "mention in a channel", event: slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> customer 张三", "1700000002.000100", ""),
			channel: "CGENERAL", wantText: []string{"张三"}, wantMethod: "chat.postMessage"},
		{name: "mention in a thread stays in the thread", event: slacktest.MentionEvent("CGENERAL", alice, "<@UBOT|partnerbot> 客户 张三", "1700000002.000300", "1700000000.000050"),
			channel: "CGENERAL", thread: "1700000000.000050", wantText: []string{"张三"}, wantMethod: "chat.postMessage"},
		{name: "a bare mention asks for help", event: slacktest.MentionEvent("CGENERAL", alice, "<@UBOT>", "1700000002.000400", ""),
			channel: "CGENERAL", wantText: []string{"/customer"}, wantMethod: "chat.postMessage"},
		{name: "an ephemeral error in a channel goes to the asker only", event: slacktest.MentionEvent("CGENERAL", viewer, "<@UBOT> audit", "1700000002.000500", ""),
			channel: "CGENERAL", wantText: []string{"⚠️", "audit"}, wantMethod: "chat.postEphemeral"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.fake.Posts())
			id, _ := e.fake.Envelope("events_api", slacktest.EventPayload(fmt.Sprintf("Ev%03d", i), tt.event), false)
			checkAck(t, e.fake.WaitAck(id))
			p := e.fake.WaitPosts(before + 1)[before]
			if p.Method != tt.wantMethod || p.Channel != tt.channel || p.ThreadTS != tt.thread {
				t.Errorf("answered with %s in %s thread %q; want %s in %s thread %q", p.Method, p.Channel, p.ThreadTS, tt.wantMethod, tt.channel, tt.thread)
			}
			if tt.wantMethod == "chat.postEphemeral" && p.User != tt.event["user"] {
				t.Errorf("ephemeral answer shown to %q, want the asker %v", p.User, tt.event["user"])
			}
			text := p.Shown()
			for _, w := range tt.wantText {
				if !strings.Contains(text, w) {
					t.Errorf("answer lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestSocketModeSlashCommands(t *testing.T) {
	e := newEnv(t, envOptions{})
	tests := []struct {
		command, text string
		channel       string
		want          []string
		ephemeral     bool
	}{
		{command: "/pb", text: "customer 张三", channel: "CGENERAL", want: []string{"张三", "zhangsan"}},
		{command: "/customer", text: "张三", channel: "CGENERAL", want: []string{"张三", "zhangsan"}},
		{command: "/PB", text: "客户 zhangsan", channel: "COUTSIDE", want: []string{"张三"}}, // a channel the bot is not in: response_url still works
		{command: "/pb", text: "", channel: "CGENERAL", want: []string{"/customer", "/pending"}},
		{command: "/pb", text: "nosuchcommand", channel: "CGENERAL", want: []string{"⚠️", "nosuchcommand"}, ephemeral: true},
		{command: "/audit", text: "", channel: "CGENERAL", want: []string{"⚠️", "audit"}, ephemeral: true}, // viewer: denied
	}
	for i, tt := range tests {
		t.Run(tt.command+" "+tt.text, func(t *testing.T) {
			hook := fmt.Sprintf("slash-%d", i)
			before := len(e.fake.Posts())
			id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload(tt.command, tt.text, tt.channel, viewer, hook), true)
			checkAck(t, e.fake.WaitAck(id))
			p := e.fake.WaitPosts(before + 1)[before]
			if p.Method != "response_url" || p.Hook != hook {
				t.Fatalf("answered with %s (hook %q), want the command's response_url %q", p.Method, p.Hook, hook)
			}
			wantType := "in_channel"
			if tt.ephemeral {
				wantType = "ephemeral"
			}
			if p.ResponseType != wantType || p.ReplaceOriginal {
				t.Errorf("response_type %q replace_original %v; want %q, false", p.ResponseType, p.ReplaceOriginal, wantType)
			}
			text := p.Shown()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("answer lacks %q:\n%s", w, text)
				}
			}
		})
	}
}

func TestSocketModeIgnoresWhatIsNotForTheBot(t *testing.T) {
	e := newEnv(t, envOptions{adapter: func(o *Options) { o.Workers = 1 }})
	ignored := []map[string]any{
		slacktest.DMEvent(slacktest.BotUserID, "customer 张三", "1700000010.000100"), // the bot's own message
		func() map[string]any { // another bot
			ev := slacktest.DMEvent("UOTHERBOT", "customer 张三", "1700000010.000200")
			ev["bot_id"], ev["subtype"] = "BOTHER", "bot_message"
			return ev
		}(),
		func() map[string]any { // an edit
			ev := slacktest.DMEvent(alice, "", "1700000010.000300")
			ev["subtype"] = "message_changed"
			ev["message"] = map[string]any{"type": "message", "user": alice, "text": "customer 张三", "ts": "1700000009.000100"}
			return ev
		}(),
		func() map[string]any { // a deletion
			ev := slacktest.DMEvent(alice, "", "1700000010.000400")
			ev["subtype"], ev["deleted_ts"] = "message_deleted", "1700000009.000100"
			return ev
		}(),
		{"type": "message", "channel": "CGENERAL", "user": alice, "text": "customer 张三", "ts": "1700000010.000500",
			"channel_type": "channel"}, // a channel message that does not mention the bot
		func() map[string]any { // an edited mention
			ev := slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> customer 张三", "1700000010.000600", "")
			ev["edited"] = map[string]any{"user": alice, "ts": "1700000011.000000"}
			return ev
		}(),
	}
	ignored = append(ignored, map[string]any{"type": "some_future_event", "user": alice, "event_ts": "1700000010.000700"})
	for i, ev := range ignored {
		id, _ := e.fake.Envelope("events_api", slacktest.EventPayload(fmt.Sprintf("EvIgnored%d", i), ev), false)
		checkAck(t, e.fake.WaitAck(id)) // acknowledged all the same, even an event slack-go cannot parse
	}
	// The same mention, delivered as a message event and as an app_mention, and the same event
	// delivered twice (a retry), is answered once.
	mention := slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> help", "1700000012.000100", "")
	asMessage := map[string]any{"type": "message", "channel": "CGENERAL", "user": alice, "text": "<@UBOT> help",
		"ts": "1700000012.000100", "channel_type": "channel"}
	e.fake.Envelope("events_api", slacktest.EventPayload("EvTwiceA", mention), false)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvTwiceA", mention), false)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvTwiceB", asMessage), false)
	sentinel, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvSentinel", slacktest.DMEvent(bob, "pending", "1700000013.000100")), false)
	e.fake.WaitAck(sentinel)
	// One worker answers in order: anything wrongly queued before the sentinel comes first.
	e.fake.WaitFor("the sentinel's answer", func() bool {
		return slices.ContainsFunc(e.fake.Posts(), func(p slacktest.Post) bool { return p.Channel == "D"+bob })
	})
	if posts := e.fake.Posts(); len(posts) != 2 {
		t.Fatalf("%d answers, want 2 (the mention once, the sentinel):%s", len(posts), e.fake.DescribePosts())
	}
}

// TestApprovalOverSlack files a renewal with a slash command, delivers the approval request to
// the approvals channel with its buttons, and clicks them: a viewer is refused, the approver's
// click runs the renewal and replaces the request with the outcome and who decided, and a
// second click changes nothing and says so.
func TestApprovalOverSlack(t *testing.T) {
	e := newEnv(t, envOptions{})
	web := e.resource("zhangsan-web-01")

	id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/renew", web.ResourceID+" 1m --autopay", "CGENERAL", alice, "renew"), true)
	checkAck(t, e.fake.WaitAck(id))
	filed := e.fake.WaitPosts(1)[0]
	if filed.Method != "response_url" || !strings.Contains(slacktest.BlockText(filed.Blocks), "#1") {
		t.Fatalf("the renewal request was not filed:%s", e.fake.DescribePosts())
	}
	if n := e.deliverNotices(); n == 0 {
		t.Fatal("no notice to deliver")
	}
	var request slacktest.Post
	for _, p := range e.fake.Posts() {
		if p.Method == "chat.postMessage" && p.Channel == "CAPPROVALS" && len(slacktest.Buttons(p.Blocks)) > 0 {
			request = p
		}
	}
	if request.TS == "" {
		t.Fatalf("no approval request with buttons in the approvals channel:%s", e.fake.DescribePosts())
	}
	if b := slacktest.Buttons(request.Blocks); b["pb:decide:0"] != "/approve 1" || b["pb:decide:1"] != "/reject 1" {
		t.Fatalf("approval buttons = %v", b)
	}
	if strings.Contains(slacktest.BlockText(request.Blocks), "<@") {
		t.Errorf("the approvals channel notice mentions someone: %s", slacktest.BlockText(request.Blocks))
	}

	click := func(user, hook, action string) slacktest.Post {
		t.Helper()
		before := len(e.fake.Posts())
		id, _ := e.fake.Envelope("interactive", e.fake.ClickPayload(t, request, user, action, hook), false)
		checkAck(t, e.fake.WaitAck(id))
		return e.fake.WaitPosts(before + 1)[before]
	}

	// A viewer may not approve: told privately, the request untouched.
	p := click(viewer, "click-viewer", "pb:decide:0")
	if p.Method != "response_url" || p.ResponseType != "ephemeral" || p.ReplaceOriginal || !strings.Contains(slacktest.BlockText(p.Blocks), "⚠️") {
		t.Errorf("a viewer's click was answered with %+v", p)
	}
	if n := e.fake.CallCount("chat.update"); n != 0 {
		t.Fatalf("the request was updated %d times after a refused click", n)
	}

	// The approver's click runs it and replaces the request.
	p = click(bob, "click-bob", "pb:decide:0")
	if p.Method != "chat.update" || p.Channel != "CAPPROVALS" || p.TS != request.TS {
		t.Fatalf("the approval was answered with %s in %s ts %s; want chat.update of %s:%s", p.Method, p.Channel, p.TS, request.TS, e.fake.DescribePosts())
	}
	text := slacktest.BlockText(p.Blocks)
	for _, w := range []string{"批准* · <@UBOB>", "#1"} {
		if !strings.Contains(text, w) {
			t.Errorf("the decided request lacks %q:\n%s", w, text)
		}
	}
	if len(slacktest.Buttons(p.Blocks)) != 0 {
		t.Errorf("the decided request still has buttons: %v", slacktest.Buttons(p.Blocks))
	}
	if r := e.srv.Resources(web.CustomerID); !expiryMoved(r, web) {
		t.Error("the renewal did not run in BSS")
	}

	// A second click (the message as it was before the update) changes nothing and says so.
	p = click(carol, "click-carol", "pb:decide:0")
	if p.Method != "response_url" || p.ResponseType != "ephemeral" || !strings.Contains(slacktest.BlockText(p.Blocks), "#1") {
		t.Errorf("the second click was answered with %+v:\n%s", p, slacktest.BlockText(p.Blocks))
	}
	if n := e.fake.CallCount("chat.update"); n != 1 {
		t.Errorf("chat.update called %d times, want once", n)
	}
}

// expiryMoved reports whether the resource named like before has a later expiry in now.
func expiryMoved(now []bsstest.Resource, before bsstest.Resource) bool {
	for _, r := range now {
		if r.ResourceID == before.ResourceID {
			return r.ExpireTime.After(before.ExpireTime)
		}
	}
	return false
}

func TestSocketModeButtonThatIsNotADecision(t *testing.T) {
	e := newEnv(t, envOptions{})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvCust", slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> customer 张三", "1700000020.000100", "1700000019.000100")), false)
	e.fake.WaitAck(id)
	card := e.fake.WaitPosts(1)[0]
	var action string
	for k, v := range slacktest.Buttons(card.Blocks) {
		if strings.HasPrefix(v, "/resources ") {
			action = k
		}
	}
	if !strings.HasPrefix(action, "pb:cmd:") {
		t.Fatalf("no resources button on the customer card: %v", slacktest.Buttons(card.Blocks))
	}
	id, _ = e.fake.Envelope("interactive", e.fake.ClickPayload(t, card, bob, action, "click-resources"), false)
	checkAck(t, e.fake.WaitAck(id))
	p := e.fake.WaitPosts(2)[1]
	if p.Method != "response_url" || p.ResponseType != "in_channel" || p.ReplaceOriginal || p.ThreadTS != "1700000019.000100" {
		t.Errorf("the click was answered with %+v; want a new message in the card's thread", p)
	}
	if !strings.Contains(slacktest.BlockText(p.Blocks), "zhangsan-web-01") {
		t.Errorf("the click's answer is not the resources list:\n%s", slacktest.BlockText(p.Blocks))
	}
	if e.fake.CallCount("chat.update") != 0 {
		t.Error("a button that is not a decision replaced its message")
	}
}

func TestSocketModeReconnects(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.fake.Disconnect()
	e.fake.WaitConnected(2)
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvAfter", slacktest.DMEvent(alice, "help", "1700000030.000100")), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitPosts(1)
	if n := e.fake.CallCount("apps.connections.open"); n < 2 {
		t.Errorf("apps.connections.open called %d times, want a new URL for the new connection", n)
	}
}

func TestSocketModeBusyAndPanics(t *testing.T) {
	release := make(chan struct{})
	started := make(chan string, 10)
	var once sync.Once
	h := func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		switch req.Text {
		case "/boom":
			panic("a bug in a handler")
		case "/slow":
			started <- req.Text
			<-release
		}
		return chat.Reply{Text: "done " + req.Text}, true
	}
	e := newEnv(t, envOptions{handler: h, adapter: func(o *Options) { o.Workers, o.Queue = 1, 1 }})
	defer once.Do(func() { close(release) })

	e.fake.Envelope("events_api", slacktest.EventPayload("EvSlow1", slacktest.DMEvent(alice, "/slow", "1700000040.000100")), false)
	<-started                                                                                                                       // the only worker is busy
	e.fake.Envelope("events_api", slacktest.EventPayload("EvSlow2", slacktest.DMEvent(alice, "/slow", "1700000040.000200")), false) // queued
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvBusy", slacktest.DMEvent(alice, "/more", "1700000040.000300")), false)
	checkAck(t, e.fake.WaitAck(id))
	busy := e.fake.WaitPosts(1)[0]
	if busy.Channel != "D"+alice || !strings.Contains(slacktest.BlockText(busy.Blocks), lang.Zh.Busy()) { // no gate: the bot's language
		t.Fatalf("the third message was answered with %+v:\n%s", busy, slacktest.BlockText(busy.Blocks))
	}
	// Someone else is not refused for alice's backlog: carol's message waits its turn.
	e.fake.Envelope("events_api", slacktest.EventPayload("EvCarol", slacktest.DMEvent(carol, "/queued", "1700000040.000400")), false)
	once.Do(func() { close(release) })
	e.fake.WaitPosts(4)
	if !strings.Contains(e.fake.DescribePosts(), "done /queued") {
		t.Errorf("carol's message was not run:%s", e.fake.DescribePosts())
	}

	e.fake.Envelope("events_api", slacktest.EventPayload("EvBoom", slacktest.DMEvent(alice, "/boom", "1700000041.000100")), false)
	e.fake.WaitPosts(5)
	e.fake.Envelope("events_api", slacktest.EventPayload("EvAfterBoom", slacktest.DMEvent(alice, "/fine", "1700000041.000200")), false)
	posts := e.fake.WaitPosts(6)
	all := slacktest.BlockText(posts[4].Blocks) + slacktest.BlockText(posts[5].Blocks)
	if !strings.Contains(all, lang.Zh.Failed()) || !strings.Contains(all, "done /fine") {
		t.Errorf("after a panic: %s\nposts:%s", all, e.fake.DescribePosts())
	}
	if strings.Contains(all, "a bug in a handler") || strings.Contains(all, "goroutine") {
		t.Errorf("the panic reached the user: %s", all)
	}
}

func TestRunFailsWhenSlackRefusesTheToken(t *testing.T) {
	f := slacktest.New(t)
	f.Inject("auth.test", slacktest.Fault{Error: "invalid_auth"})
	a, err := New(Options{APIURL: f.APIURL(), BotToken: "xoxb-revoked", AppToken: f.AppToken})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Run(ctx, func(context.Context, chat.Request) (chat.Reply, bool) { return chat.Reply{}, false })
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") || ctx.Err() != nil {
		t.Fatalf("Run = %v, want an invalid_auth error at once", err)
	}
	if a.Connected() {
		t.Error("Connected after a refused token")
	}
}

func TestRunFailsWhenTheAppTokenIsRefused(t *testing.T) {
	f := slacktest.New(t)
	a, err := New(Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: "xapp-wrong"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = a.Run(ctx, func(context.Context, chat.Request) (chat.Reply, bool) { return chat.Reply{}, false })
	if err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Fatalf("Run = %v, want the refused app token reported", err)
	}
}

// TestTwoApproversOverSlack: with approvals.required 2, the first approver's click updates the
// request to show it and keeps Approve/Reject for the second; the second's click runs it and
// leaves no buttons.
func TestTwoApproversOverSlack(t *testing.T) {
	e := newEnv(t, envOptions{router: func(o *commands.Options) { o.Approvals = 2 }})
	web := e.resource("zhangsan-web-01")
	id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/renew", web.ResourceID+" 1m --autopay", "CGENERAL", alice, "renew"), true)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitPosts(1)
	if n := e.deliverNotices(); n == 0 {
		t.Fatal("no notice to deliver")
	}
	var request slacktest.Post
	for _, p := range e.fake.Posts() {
		if p.Method == "chat.postMessage" && p.Channel == "CAPPROVALS" && len(slacktest.Buttons(p.Blocks)) > 0 {
			request = p
		}
	}
	if request.TS == "" {
		t.Fatalf("no approval request with buttons:%s", e.fake.DescribePosts())
	}
	click := func(user, hook string) slacktest.Post {
		t.Helper()
		before := len(e.fake.Posts())
		id, _ := e.fake.Envelope("interactive", e.fake.ClickPayload(t, request, user, "pb:decide:0", hook), false)
		checkAck(t, e.fake.WaitAck(id))
		return e.fake.WaitPosts(before + 1)[before]
	}
	p := click(bob, "click-bob")
	if p.Method != "chat.update" || !strings.Contains(slacktest.BlockText(p.Blocks), "1/2") {
		t.Fatalf("the first approval was answered with %s:\n%s", p.Method, slacktest.BlockText(p.Blocks))
	}
	if b := slacktest.Buttons(p.Blocks); b["pb:decide:0"] != "/approve 1" || b["pb:decide:1"] != "/reject 1" {
		t.Fatalf("after one of two approvals the buttons are %v; the second approver needs them", b)
	}
	if r := e.srv.Resources(web.CustomerID); expiryMoved(r, web) {
		t.Fatal("the renewal ran after one of two approvals")
	}
	p = click(carol, "click-carol")
	if p.Method != "chat.update" || len(slacktest.Buttons(p.Blocks)) != 0 {
		t.Fatalf("the second approval was answered with %s, buttons %v", p.Method, slacktest.Buttons(p.Blocks))
	}
	if r := e.srv.Resources(web.CustomerID); !expiryMoved(r, web) {
		t.Errorf("the renewal did not run after both approvals:\n%s", slacktest.BlockText(p.Blocks))
	}
}
