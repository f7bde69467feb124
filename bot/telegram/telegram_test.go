package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// People and chats of the tests.
var (
	alice  = telegramtest.User{ID: 1001, FirstName: "Alice", LastName: "Li", Username: "alice"} // admin: requests and approves
	bob    = telegramtest.User{ID: 1002, FirstName: "Bob", Username: "bob"}                     // approver
	carol  = telegramtest.User{ID: 1003, FirstName: "Carol"}                                    // approver
	victor = telegramtest.User{ID: 1004, FirstName: "Victor", Username: "victor"}               // viewer (the default)
)

const opsGroup int64 = -1001234567890 // the approvals channel, a supergroup

// env is the BSS sandbox over HTTP, a real client, store and router, and the fake Bot API.
type env struct {
	t      testing.TB
	fake   *telegramtest.Fake
	srv    *bsstest.Server
	client *bss.Client
	st     *store.Store
	clock  *fakeclock.Clock
	router *commands.Router
	logs   *testenv.SyncBuffer
	log    *slog.Logger
}

func newEnv(t testing.TB) *env {
	t.Helper()
	clock := fakeclock.New(bsstest.TestTime)
	te := testenv.New(t, testenv.Options{Clock: clock, Router: commands.Options{
		BotName: "partnerbot", // not the Telegram username: the adapter strips "@PartnerOpsBot" itself
		Roles: map[string]chat.Role{"telegram:1001": chat.RoleAdmin, "telegram:1002": chat.RoleApprover,
			"telegram:1003": chat.RoleApprover},
		DefaultRole:      chat.RoleViewer,
		ApprovalsChannel: fmt.Sprintf("telegram:%d", opsGroup),
		ActionChannels:   []string{"telegram:*"},
		DirectMessages:   func(p, ch, u string) bool { return p == "telegram" && ch != u }, // as runBot sets from the adapter
	}})
	e := &env{t: t, fake: telegramtest.New(t), srv: te.Srv, client: te.Client, st: te.Store, clock: clock, router: te.Router,
		logs: te.Logs, log: te.Log}
	for _, u := range []telegramtest.User{alice, bob, carol, victor} {
		e.fake.AddPrivate(u)
	}
	e.fake.AddGroup(opsGroup, "supergroup", "Partner Ops")
	return e
}

func (e *env) options() Options {
	return Options{Token: telegramtest.Token, APIEndpoint: e.fake.URL, PollTimeout: time.Second, Commands: routerCommands(e.router),
		Buttons: e.st, Logger: e.log}
}

// start runs an adapter until the test ends, with the router as handler (or h); tune, if
// given, adjusts it before it runs.
func (e *env) start(opts Options, h bot.Handler, tune ...func(*Adapter)) *Adapter {
	e.t.Helper()
	a, err := New(opts)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, f := range tune {
		f(a)
	}
	if h == nil {
		h = bot.NewHandler(e.router)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run = %v, want nil after cancel", err)
			}
		case <-time.After(15 * time.Second):
			e.t.Error("Run did not return after cancel")
		}
	})
	e.fake.WaitCalls("getMe", 1)
	return a
}

// waitMsg waits for a bot message in chat whose shown text contains want.
func (e *env) waitMsg(chat int64, want string) telegramtest.Message {
	e.t.Helper()
	return e.waitNew(chat, 0, want)
}

// waitNew waits for a bot message in chat, after the first skip ones, whose shown text
// contains want.
func (e *env) waitNew(chat int64, skip int, want string) telegramtest.Message {
	e.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		ch := e.fake.CallAdded()
		msgs := e.fake.Messages(chat)
		for _, m := range msgs[min(skip, len(msgs)):] {
			if strings.Contains(m.Text, want) {
				return m
			}
		}
		select {
		case <-ch:
		case <-deadline:
			var texts []string
			for _, m := range e.fake.Messages(chat) {
				texts = append(texts, m.Text)
			}
			e.t.Fatalf("no message in chat %d shows %q; messages:\n%s\ncalls:%s", chat, want, strings.Join(texts, "\n---\n"), e.fake.DescribeCalls())
			return telegramtest.Message{}
		}
	}
}

// waitAnswered waits for a callback query to be answered.
func (e *env) waitAnswered(id string) telegramtest.Query {
	e.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		ch := e.fake.CallAdded()
		q := e.fake.Query(id)
		if q.Answered {
			return q
		}
		select {
		case <-ch:
		case <-deadline:
			e.t.Fatalf("query %s not answered; calls:%s", id, e.fake.DescribeCalls())
		}
	}
}

func TestCommandsInPrivateAndGroups(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)

	e.fake.Say(alice.ID, alice, "/help")
	help := e.waitMsg(alice.ID, "/customer")
	if help.ParseMode != "HTML" || help.ReplyTo != 0 {
		t.Errorf("help: parse_mode %q reply_to %d; want HTML and no quote in a private chat", help.ParseMode, help.ReplyTo)
	}

	cmd := e.fake.Say(opsGroup, victor, "/customer@PartnerOpsBot 张三")
	card := e.waitMsg(opsGroup, "zhangsan")
	if card.ReplyTo != cmd {
		t.Errorf("the answer in the group quotes message %d, want the command %d", card.ReplyTo, cmd)
	}

	// Ignored: another bot's command, plain chat, an edited command. The probe after them is
	// answered, so they were read (and dropped) before it.
	before := len(e.fake.Messages(opsGroup))
	e.fake.Say(opsGroup, victor, "/help@OtherBot")
	e.fake.Say(opsGroup, victor, "hello everyone")
	e.fake.Edited(opsGroup, victor, cmd, "/customer@PartnerOpsBot ACME")
	e.fake.Say(opsGroup, victor, "/help@PartnerOpsBot lang")
	e.waitNew(opsGroup, before, "/lang")
	if got := len(e.fake.Messages(opsGroup)); got != before+1 {
		t.Errorf("%d new messages in the group, want only the probe's answer; calls:%s", got-before, e.fake.DescribeCalls())
	}

	// Telegram's Start button sends /start: the help answers.
	e.fake.Say(carol.ID, carol, "/start")
	e.waitMsg(carol.ID, "/customer")

	// Plain text in a private chat is a sentence, read as a command (no gate here).
	e.fake.Say(bob.ID, bob, "hi")
	e.waitMsg(bob.ID, "我理解为：/help")

	if !a.Connected() || a.Username() != "PartnerOpsBot" {
		t.Errorf("Connected %v, Username %q", a.Connected(), a.Username())
	}
	for _, c := range e.fake.OKCalls("getUpdates") {
		if c.Params["allowed_updates"] != `["message","callback_query"]` {
			t.Errorf("getUpdates allowed_updates = %q", c.Params["allowed_updates"])
		}
	}
}

func TestCommandListRegistered(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.Language = lang.En
	e.start(opts, nil)
	e.fake.WaitCalls("setMyCommands", 1)
	var cmds []struct{ Command, Description string }
	raw := e.fake.Commands("", "")
	if err := json.Unmarshal(raw, &cmds); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cmds {
		got[c.Command] = c.Description
	}
	if len(got) != len(routerCommands(e.router)()) {
		t.Errorf("%d commands registered, want one per router command (%d): %v", len(got), len(routerCommands(e.router)()), got)
	}
	for _, name := range []string{"help", "customer", "approve", "unsubscribe_alerts"} {
		if got[name] == "" {
			t.Errorf("/%s missing from the command list %v", name, got)
		}
	}
	if d := got["help"]; d != lang.En.T("sum.help") {
		t.Errorf("help's description = %q, want the English summary", d)
	}

	// Telegram's name of /unsubscribe-alerts reaches the right command.
	e.fake.Say(opsGroup, alice, "/unsubscribe_alerts@PartnerOpsBot 99")
	m := e.waitMsg(opsGroup, "99")
	if strings.Contains(m.Text, "没有 /") || strings.Contains(m.Text, "There is no command") {
		t.Errorf("/unsubscribe_alerts was not recognised: %s", m.Text)
	}
}

// TestApprovalByButton: a request filed in the group reaches the approvals channel with
// buttons; clicks run as the clicker (a viewer and the requester are refused), the approver's
// click edits the card to show who decided, without buttons, and a stale click changes nothing.
func TestApprovalByButton(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	web := zsResource(t, e.srv, "zhangsan-web-01")
	e.fake.Say(opsGroup, alice, "/renew@PartnerOpsBot "+web.ResourceID+" 3m")
	// Filed in the approvals group: the reply is the approvers' request, the only message
	// about it there.
	card := e.waitMsg(opsGroup, "请审批")

	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{Platform: a}, Now: e.clock.Now}
	if sent, failed, err := disp.RunOnce(context.Background()); err != nil || failed > 0 || sent != 0 {
		t.Fatalf("dispatch: sent %d, failed %d, %v; want nothing more; calls:%s", sent, failed, err, e.fake.DescribeCalls())
	}
	if !strings.Contains(card.Text, "zhangsan-web-01") {
		t.Errorf("the approval card does not name the resource:\n%s", card.Text)
	}
	kb := telegramtest.Buttons(card)
	if len(kb) != 1 || len(kb[0]) != 2 {
		t.Fatalf("approval card keyboard = %v, want one row of approve and reject", kb)
	}
	approve, reject := kb[0][0], kb[0][1]
	if !strings.Contains(approve[0], "批准") || !strings.Contains(reject[0], "拒绝") {
		t.Errorf("buttons = %v", kb)
	}
	for _, b := range kb[0] {
		if len(b[1]) > 64 || !strings.HasPrefix(b[1], callbackPrefix) {
			t.Errorf("callback_data %q: want b:<token> within 64 bytes", b[1])
		}
	}

	// A viewer may not decide: an alert says why, the card stays as it is.
	q := e.fake.Click(opsGroup, card.ID, victor, reject[1])
	if ans := e.waitAnswered(q); !ans.Alert || !strings.Contains(ans.Text, "reject") {
		t.Errorf("viewer's click answered %+v, want an alert naming the command", ans)
	}
	// Nor may the requester approve their own request.
	q = e.fake.Click(opsGroup, card.ID, alice, approve[1])
	if ans := e.waitAnswered(q); !ans.Alert || !strings.Contains(ans.Text, "不能审批自己") {
		t.Errorf("requester's click answered %+v, want the self-approval refusal", ans)
	}
	if m := e.fake.Message(opsGroup, card.ID); m.Edits != 0 {
		t.Errorf("refused clicks edited the card")
	}

	// Bob approves: the request runs, the card shows it and who decided, without buttons.
	inGroup := len(e.fake.Messages(opsGroup))
	q = e.fake.Click(opsGroup, card.ID, bob, approve[1])
	if ans := e.waitAnswered(q); ans.Alert || !strings.Contains(ans.Text, "批准") {
		t.Errorf("approver's click answered %+v, want a toast", ans)
	}
	e.fake.WaitCalls("editMessageText", 1)
	edited := e.fake.Message(opsGroup, card.ID)
	if edited.Markup != nil {
		t.Errorf("the decided card still has buttons: %s", edited.Markup)
	}
	for _, want := range []string{"Bob (@bob) → 批准", "已成功", "Bob (@bob) 于"} {
		if !strings.Contains(edited.Text, want) {
			t.Errorf("decided card lacks %q:\n%s", want, edited.Text)
		}
	}
	// People are named by their Telegram names, not by their ids.
	if strings.Contains(edited.Text, "telegram:100") {
		t.Errorf("decided card shows a person's id:\n%s", edited.Text)
	}
	as, err := e.st.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(as) != 1 || as[0].State != store.StateSucceeded {
		t.Fatalf("approvals = %+v, %v; want one succeeded", as, err)
	}

	// A stale button (another copy of the card) clicked again changes nothing, and says so.
	q = e.fake.Click(opsGroup, card.ID, carol, approve[1])
	if ans := e.waitAnswered(q); !ans.Alert {
		t.Errorf("second approval answered %+v, want an alert", ans)
	}
	if m := e.fake.Message(opsGroup, card.ID); m.Edits != 1 {
		t.Errorf("the card was edited %d times, want once", m.Edits)
	}
	if n := e.srv.CallCount("POST", "/v2/orders/subscriptions/resources/renew"); n != 1 {
		t.Errorf("BSS renew called %d times, want once", n)
	}

	// The requester hears of the result in the group and in private.
	if _, _, err := disp.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.waitMsg(alice.ID, "#1")
	// In the group the edited card is the one message about the result.
	if n := len(e.fake.Messages(opsGroup)); n != inGroup {
		t.Errorf("the group got %d new messages about the result besides the edited card; calls:%s", n-inGroup, e.fake.DescribeCalls())
	}
}

func zsResource(t *testing.T, srv *bsstest.Server, name string) bsstest.Resource {
	t.Helper()
	for _, c := range srv.Customers() {
		if c.AccountName != "zhangsan" {
			continue
		}
		for _, r := range srv.Resources(c.ID) {
			if r.Name == name {
				return r
			}
		}
	}
	t.Fatalf("张三 has no resource %s", name)
	return bsstest.Resource{}
}

func TestButtonExpiredOrUnknown(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.ButtonTTL = time.Hour
	a := e.start(opts, nil)
	if err := a.Send(context.Background(), bot.Target{Channel: fmt.Sprint(opsGroup)},
		chat.Reply{Text: "page 1", Buttons: []chat.Button{{Label: "Next", Command: "/expiring 30 --page 2"}}}); err != nil {
		t.Fatal(err)
	}
	m := e.waitMsg(opsGroup, "page 1")
	data := telegramtest.Buttons(m)[0][0][1]

	e.clock.Advance(2 * time.Hour)
	q := e.fake.Click(opsGroup, m.ID, victor, data)
	if ans := e.waitAnswered(q); !ans.Alert || ans.Text != lang.Zh.ButtonExpired("/expiring 30 --page 2") {
		t.Errorf("expired button answered %+v, want an alert with the command to type", ans)
	}
	q = e.fake.Click(opsGroup, m.ID, victor, "b:AAAAAAAAAAAAAAAA")
	if ans := e.waitAnswered(q); !ans.Alert || ans.Text != lang.Zh.ButtonGone() {
		t.Errorf("unknown button answered %+v", ans)
	}
	q = e.fake.Click(opsGroup, m.ID, victor, "something else")
	if ans := e.waitAnswered(q); !ans.Alert {
		t.Errorf("foreign callback data answered %+v", ans)
	}
}

// TestButtonNotAnAction: a click on a navigation button answers with a new message and leaves
// the original alone.
func TestButtonNotAnAction(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	if err := a.Send(context.Background(), bot.Target{UserID: fmt.Sprint(victor.ID)},
		chat.Reply{Text: "menu", Buttons: []chat.Button{{Label: "Help", Command: "/help"}}}); err != nil {
		t.Fatal(err)
	}
	m := e.waitMsg(victor.ID, "menu")
	q := e.fake.Click(victor.ID, m.ID, victor, telegramtest.Buttons(m)[0][0][1])
	if ans := e.waitAnswered(q); ans.Alert || ans.Text != "✅ Help" {
		t.Errorf("answer = %+v", ans)
	}
	e.waitMsg(victor.ID, "/customer")
	if got := e.fake.Message(victor.ID, m.ID); got.Edits != 0 || got.Markup == nil {
		t.Errorf("the menu was edited or lost its buttons")
	}
}

func TestWebhook(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hook := "http://" + ln.Addr().String() + "/tg/hook"
	const secret = "s3cret-Token_for_the_hook"
	opts := e.options()
	opts.Mode, opts.WebhookURL, opts.WebhookPath, opts.WebhookSecret, opts.Listener = ModeWebhook, hook, "/tg/hook", secret, ln
	a := e.start(opts, nil)
	set := e.fake.WaitCalls("setWebhook", 1)[0]
	if set.Params["url"] != hook || set.Params["secret_token"] != secret {
		t.Fatalf("setWebhook %v", set.Params)
	}

	// The fake delivers as Telegram does, with the secret header.
	e.fake.Say(alice.ID, alice, "/help")
	e.waitMsg(alice.ID, "/customer")
	if !a.Connected() {
		t.Error("not connected after setWebhook")
	}

	post := func(header string, body string) int {
		req, _ := http.NewRequest(http.MethodPost, hook, strings.NewReader(body))
		if header != "" {
			req.Header.Set(telegramtest.SecretTokenHeader, header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	forged := `{"update_id":9001,"message":{"message_id":1,"from":{"id":1002,"is_bot":false,"first_name":"Bob"},"chat":{"id":1002,"type":"private"},"date":1,"text":"/help"}}`
	sent := len(e.fake.CallsOf("sendMessage"))
	for _, tt := range []struct {
		name, header string
	}{{"no secret", ""}, {"wrong secret", "guess"}, {"secret with a suffix", secret + "x"}} {
		if got := post(tt.header, forged); got != http.StatusUnauthorized {
			t.Errorf("%s: status %d, want 401", tt.name, got)
		}
	}
	if got := post(secret, "{not json"); got != http.StatusBadRequest {
		t.Errorf("malformed update: status %d, want 400", got)
	}
	resp, err := http.Get(hook)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", resp.StatusCode)
	}
	// Delivered twice (Telegram retries after a timeout): answered once.
	if got := post(secret, forged); got != http.StatusOK {
		t.Errorf("genuine update: %d", got)
	}
	if got := post(secret, forged); got != http.StatusOK {
		t.Errorf("repeated update: %d", got)
	}
	e.waitMsg(bob.ID, "/customer")
	before := len(e.fake.Messages(alice.ID))
	e.fake.Say(alice.ID, alice, "/help lang") // a probe: once answered, the repeat has been dropped
	e.waitNew(alice.ID, before, "/lang")
	if got := len(e.fake.CallsOf("sendMessage")) - sent; got != 2 {
		t.Errorf("%d messages sent after the forged requests, want 2 (the genuine update once, the probe)", got)
	}
	if n := len(e.fake.CallsOf("getUpdates")); n != 0 {
		t.Errorf("getUpdates called %d times in webhook mode", n)
	}
	if strings.Contains(e.logs.String(), secret) {
		t.Error("the webhook secret is in the log")
	}
}

func TestSendClassifiesErrors(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	e.fake.AddGroup(-300, "group", "Kicked")
	e.fake.SetChat(-300, func(c *telegramtest.Chat) { c.Kicked = true })
	// Each case has a chat of its own, so that one case's pace (or 429 hold) does not slow the next.
	e.fake.AddGroup(-301, "supergroup", "Flooded")
	e.fake.AddGroup(-302, "supergroup", "Flaky")
	e.fake.SetChat(carol.ID, func(c *telegramtest.Chat) { c.Blocked = true })
	ctx := context.Background()
	r := chat.Reply{Text: "expiry alert"}
	tests := []struct {
		name      string
		to        bot.Target
		fault     *telegramtest.Fault
		permanent bool
		throttled time.Duration
	}{
		{"delivered", bot.Target{Channel: fmt.Sprint(opsGroup)}, nil, false, 0},
		{"to a user", bot.Target{UserID: fmt.Sprint(bob.ID)}, nil, false, 0},
		{"flood control", bot.Target{Channel: "-301"}, ptr(telegramtest.TooMany("sendMessage", 7, 1)), false, 7 * time.Second},
		{"blocked by the user", bot.Target{UserID: fmt.Sprint(carol.ID)}, nil, true, 0},
		{"kicked from the group", bot.Target{Channel: "-300"}, nil, true, 0},
		{"chat not found", bot.Target{Channel: "-999"}, nil, true, 0},
		{"not a chat id", bot.Target{Channel: "ops-room"}, nil, true, 0},
		{"server error", bot.Target{Channel: "-302"}, &telegramtest.Fault{Method: "sendMessage", Status: 502, Desc: "Bad Gateway", Times: 1}, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				e.fake.Inject(*tt.fault)
				defer e.fake.ClearFaults()
			}
			err := a.Send(ctx, tt.to, r)
			after, throttled := bot.RetryAfterOf(err)
			switch {
			case tt.permanent != errors.Is(err, bot.ErrPermanent):
				t.Errorf("Send = %v; permanent %v, want %v", err, errors.Is(err, bot.ErrPermanent), tt.permanent)
			case tt.throttled > 0 && (!throttled || after != tt.throttled):
				t.Errorf("Send = %v; want throttled %s", err, tt.throttled)
			case tt.throttled == 0 && throttled:
				t.Errorf("Send = %v; want no throttle", err)
			case tt.name == "server error" && (err == nil || tt.permanent):
				t.Errorf("Send = %v; want a transient error", err)
			case tt.fault == nil && !tt.permanent && err != nil:
				t.Errorf("Send = %v", err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestGroupMigration: notices to a group that became a supergroup follow it, and the service
// message announcing the move is understood too.
func TestGroupMigration(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	e.fake.AddGroup(-400, "group", "Old ops")
	e.fake.Migrate(-400, -100400)
	if err := a.Send(context.Background(), bot.Target{Channel: "-400"}, chat.Reply{Text: "first"}); err != nil {
		t.Fatalf("Send to a migrated group = %v, want it delivered to the supergroup", err)
	}
	e.waitMsg(-100400, "first")
	before := len(e.fake.CallsOf("sendMessage"))
	if err := a.Send(context.Background(), bot.Target{Channel: "-400"}, chat.Reply{Text: "second"}); err != nil {
		t.Fatal(err)
	}
	if calls := e.fake.CallsOf("sendMessage")[before:]; len(calls) != 1 || calls[0].Params["chat_id"] != "-100400" {
		t.Errorf("second send: %+v, want one call straight to the supergroup", calls)
	}
	if !strings.Contains(e.logs.String(), "telegram:-100400") {
		t.Error("the log does not tell the operator the new chat id")
	}
}

// TestSplitNoticeResumes: a notice in two parts whose second part fails is resumed, not
// repeated, when the dispatcher tries again.
func TestSplitNoticeResumes(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	var long chat.Reply
	for _, s := range samples.All() {
		if s.Name == "long_list" {
			long = s.Reply
		}
	}
	long.Buttons = []chat.Button{{Label: "Next", Command: "/expiring 30 --page 2"}}
	to := bot.Target{Channel: fmt.Sprint(opsGroup)}
	ctx := context.Background()
	parts := len(Render(long, 0).Parts)
	if parts < 2 {
		t.Fatalf("long_list renders in %d part(s)", parts)
	}
	e.fake.Inject(telegramtest.Fault{Method: "sendMessage", Status: 500, Desc: "Internal Server Error", Skip: 1, Times: 1})
	if err := a.Send(ctx, to, long); err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("Send with the second part failing = %v, want a transient error", err)
	}
	if err := a.Send(ctx, to, long); err != nil {
		t.Fatalf("retry: %v", err)
	}
	msgs := e.fake.Messages(opsGroup)
	if len(msgs) != parts {
		t.Fatalf("%d messages in the group, want %d (no part twice)", len(msgs), parts)
	}
	if telegramtest.Buttons(msgs[len(msgs)-1]) == nil || telegramtest.Buttons(msgs[0]) != nil {
		t.Error("the buttons belong under the last part only")
	}
	rows := 0
	for _, m := range msgs {
		rows += strings.Count(m.Text, "ecs-batch-node-")
	}
	if rows != 120 {
		t.Errorf("%d rows delivered, want 120", rows)
	}
}

// TestReplyWaitsOutFloodControl: a reply to a person sits out a short 429 and arrives.
func TestReplyWaitsOutFloodControl(t *testing.T) {
	e := newEnv(t)
	e.start(e.options(), nil)
	e.fake.Inject(telegramtest.TooMany("sendMessage", 1, 1))
	e.fake.Say(alice.ID, alice, "/help")
	e.waitMsg(alice.ID, "/customer")
	var statuses []int
	for _, c := range e.fake.CallsOf("sendMessage") {
		statuses = append(statuses, c.Status)
	}
	if fmt.Sprint(statuses) != "[429 200]" {
		t.Errorf("sendMessage statuses %v, want a 429 then the reply", statuses)
	}
}

// TestRefusedHTMLFallsBackToText: if Telegram ever refuses our HTML, the reply still arrives,
// as plain text.
func TestRefusedHTMLFallsBackToText(t *testing.T) {
	e := newEnv(t)
	e.start(e.options(), nil)
	e.fake.Inject(telegramtest.Fault{Method: "sendMessage", Status: 400, Desc: "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3", Times: 1})
	e.fake.Say(alice.ID, alice, "/lang")
	m := e.waitMsg(alice.ID, "zh")
	if m.ParseMode != "" || strings.Contains(m.HTML, "<b>") {
		t.Errorf("fallback sent parse_mode %q:\n%s", m.ParseMode, m.HTML)
	}
}

// TestBusyAndPanics: with every worker busy and its sender's queue full, a command is
// answered "busy" at once, in the bot's language (no gate here to know the sender's), while another person's is still taken; a handler that panics gets a polite error and the bot goes on.
func TestBusyAndPanics(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	h := func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		switch req.Text {
		case "/slow":
			started <- struct{}{}
			<-release
			return chat.Reply{Text: "slow done"}, true
		case "/panic":
			panic("boom")
		}
		return chat.Reply{Text: "ok " + req.Text}, true
	}
	opts := e.options()
	opts.Workers, opts.Queue = 1, 1
	e.start(opts, h)
	e.fake.Say(alice.ID, alice, "/slow") // takes the worker
	<-started
	e.fake.Say(alice.ID, alice, "/slow")  // waits in the queue
	e.fake.Say(alice.ID, alice, "/third") // finds both full
	e.waitMsg(alice.ID, lang.Zh.Busy())
	e.fake.Say(bob.ID, bob, "/fourth") // not refused for alice's backlog: waits its turn
	close(release)
	e.waitMsg(alice.ID, "slow done")
	e.waitNew(alice.ID, 2, "slow done") // the queue is empty again
	e.waitMsg(bob.ID, "ok /fourth")

	e.fake.Say(carol.ID, carol, "/panic")
	m := e.waitMsg(carol.ID, lang.Zh.Failed())
	if strings.Contains(m.Text, "boom") || strings.Contains(m.Text, "goroutine") {
		t.Errorf("the panic leaked into the chat: %s", m.Text)
	}
	e.fake.Say(carol.ID, carol, "/after")
	e.waitMsg(carol.ID, "ok /after")
}

func TestEdit(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	ctx := context.Background()
	if err := a.Send(ctx, bot.Target{UserID: fmt.Sprint(bob.ID)}, chat.Reply{Text: "scan running…"}); err != nil {
		t.Fatal(err)
	}
	m := e.waitMsg(bob.ID, "scan running")
	ref := bot.MessageRef{Channel: fmt.Sprint(bob.ID), ID: fmt.Sprint(m.ID)}
	done := chat.Reply{Title: "Scan <done>", Text: "3 alerts"}
	for range 2 { // the second edit changes nothing: not an error
		if err := a.Edit(ctx, ref, done); err != nil {
			t.Fatalf("Edit: %v", err)
		}
	}
	if got := e.fake.Message(bob.ID, m.ID); got.Text != "Scan <done>\n\n3 alerts" || got.Edits != 1 {
		t.Errorf("edited text = %q after %d edits", got.Text, got.Edits)
	}
	if err := a.Edit(ctx, bot.MessageRef{Channel: fmt.Sprint(victor.ID), ID: "999"}, done); !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("editing a missing message = %v, want permanent", err)
	}
	if err := a.Edit(ctx, bot.MessageRef{Channel: "x", ID: "1"}, done); !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("editing in a bad channel = %v", err)
	}
}

// TestRestartDoesNotRepeat: updates taken before a stop are confirmed, so the next run does
// not answer them again.
func TestRestartDoesNotRepeat(t *testing.T) {
	e := newEnv(t)
	a, err := New(e.options())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, bot.NewHandler(e.router)) }()
	e.fake.Say(alice.ID, alice, "/help")
	e.waitMsg(alice.ID, "/customer")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if n := e.fake.Pending(); n != 0 {
		t.Errorf("%d updates left unconfirmed after the stop", n)
	}
	if a.Connected() {
		t.Error("still connected after Run returned")
	}
}

// TestBadTokenAndSecretsNotLogged: a refused token ends Run with an error that does not spell
// the token; network errors (whose URLs hold the token) are logged without it.
func TestBadTokenAndSecretsNotLogged(t *testing.T) {
	e := newEnv(t)
	opts := e.options()
	opts.Token = "1234567:AAWrongWrongWrongWrongWrong0000000"
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background(), bot.NewHandler(e.router))
	if err == nil || strings.Contains(err.Error(), opts.Token) {
		t.Errorf("Run with a refused token = %v", err)
	}

	// A Bot API server that is not there: errors carry the URL, never the token.
	dead := httptestDeadURL(t)
	opts = e.options()
	opts.APIEndpoint = dead
	a, err = New(opts)
	if err != nil {
		t.Fatal(err)
	}
	sendErr := a.Send(context.Background(), bot.Target{Channel: "1"}, chat.Reply{Text: "x"})
	runErr := a.Run(context.Background(), bot.NewHandler(e.router))
	for _, err := range []error{sendErr, runErr} {
		if err == nil || strings.Contains(err.Error(), telegramtest.Token) || !strings.Contains(err.Error(), "<token>") {
			t.Errorf("error = %v; want one that names the URL with <token>", err)
		}
	}

	// getUpdates failing for a while is logged, without the token.
	e.fake.Inject(telegramtest.Fault{Method: "getUpdates", Status: 502, Desc: "Bad Gateway", Times: 1})
	e.start(e.options(), nil)
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(e.logs.String(), "getUpdates failed"); {
		if time.Now().After(deadline) {
			t.Fatal("the failed getUpdates was not logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if logs := e.logs.String(); strings.Contains(logs, telegramtest.Token) || strings.Contains(logs, strings.SplitN(telegramtest.Token, ":", 2)[1]) {
		t.Errorf("the token is in the log:\n%s", logs)
	}
	// The library's own logger goes through redaction too.
	var buf testenv.SyncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	defer slog.SetDefault(old)
	libLogger{}.Printf("Endpoint: %s", "https://api.telegram.org/bot"+telegramtest.Token+"/getMe")
	libLogger{}.Println(errors.New(`Post "https://api.telegram.org/bot` + telegramtest.Token + `/getUpdates": EOF`))
	if strings.Contains(buf.String(), telegramtest.Token) || !strings.Contains(buf.String(), "<token>") {
		t.Errorf("library log not redacted: %s", buf.String())
	}
}

// httptestDeadURL is the URL of a server that has gone.
func httptestDeadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

func TestNewChecksOptions(t *testing.T) {
	st, err := store.Open(filepath.Join(t.TempDir(), "bot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ok := Options{Token: telegramtest.Token, Buttons: st}
	tests := []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"no token", func(o *Options) { o.Token = "" }, EnvToken},
		{"bad endpoint", func(o *Options) { o.APIEndpoint = "api.telegram.org" }, "api endpoint"},
		{"endpoint with a verb", func(o *Options) { o.APIEndpoint = "https://x/%s" }, "api endpoint"},
		{"bad mode", func(o *Options) { o.Mode = "push" }, "mode"},
		{"webhook without secret", func(o *Options) {
			o.Mode, o.WebhookURL, o.WebhookListen, o.WebhookPath = ModeWebhook, "https://bot.example.com/tg", ":8443", "/tg"
		}, EnvWebhookSecret},
		{"webhook secret with a space", func(o *Options) {
			o.Mode, o.WebhookURL, o.WebhookListen, o.WebhookPath, o.WebhookSecret = ModeWebhook, "https://bot.example.com/tg", ":8443", "/tg", "a b"
		}, EnvWebhookSecret},
		{"webhook without URL", func(o *Options) {
			o.Mode, o.WebhookListen, o.WebhookPath, o.WebhookSecret = ModeWebhook, ":8443", "/tg", "s"
		}, "webhook URL"},
		{"no button store", func(o *Options) { o.Buttons = nil }, "button store"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			if _, err := New(o); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
	if _, err := New(ok); err != nil {
		t.Errorf("New(minimal) = %v", err)
	}
}

// routerCommands is r's command list as the wiring (cli) gives it to the adapter.
func routerCommands(r *commands.Router) func() []Command {
	return func() []Command {
		var out []Command
		for _, c := range r.Commands() {
			out = append(out, Command{Name: c.Name, Aliases: c.Aliases, Summary: c.Summary})
		}
		return out
	}
}
