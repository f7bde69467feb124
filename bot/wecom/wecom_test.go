package wecom_test

import (
	"context"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Secrets used by the tests; none of them may ever show in a log line or an error.
const (
	corpID    = "ww1436e0e65a779aee"
	agentID   = 1000002
	secret    = "corp-secret-3f9a1c7e5b"
	cbToken   = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo"
	aesKey    = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt"
	robotKey  = "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
	otherCorp = "ww0000000000000000"
)

// env is the BSS sandbox over real HTTP, a real client and store, and the command router with
// WeCom roles: zhangsan admin, alice operator, bob approver; approvals go to bob's app chat.
type env struct {
	srv    *bsstest.Server
	client *bss.Client
	st     *store.Store
	router *commands.Router
}

// newEnv builds it with testenv at its fixed clock (bsstest.TestTime); latency, when set, delays
// every BSS answer.
func newEnv(t testing.TB, latency time.Duration) *env {
	t.Helper()
	te := testenv.New(t, testenv.Options{
		Router: commands.Options{
			Roles: map[string]chat.Role{"wecom:zhangsan": chat.RoleAdmin, "wecom:alice": chat.RoleOperator,
				"wecom:bob": chat.RoleApprover},
			DefaultRole:      chat.RoleViewer,
			ApprovalsChannel: "wecom:user:bob",
			ActionChannels:   []string{"wecom:*"},
		},
		BSS: func(c *bss.Config) { c.Timeout = 0 }, // bss's default (30 s): the benchmarks' latency stays under it
	})
	if latency > 0 {
		te.Srv.Inject("", "/*", bsstest.Fault{Latency: latency})
	}
	return &env{srv: te.Srv, client: te.Client, st: te.Store, router: te.Router}
}

// harness is a running adapter with its callback on loopback, in front of a fake WeCom.
type harness struct {
	t     testing.TB
	fake  *wecomtest.Fake
	a     *wecom.Adapter
	url   string // the callback URL
	c     *wecom.Cryptor
	logs  *testenv.SyncBuffer
	msgID int
	stop  func() // ends Run and waits for it; also done at cleanup
}

type setup struct {
	handler bot.Handler
	opts    func(*wecom.Options)
	fake    func(*wecomtest.Options)
}

func start(t testing.TB, s setup) *harness {
	t.Helper()
	fo := wecomtest.Options{CorpID: corpID, CorpSecret: secret, AgentID: agentID,
		Users: []string{"zhangsan", "alice", "bob", "eve"}, Chats: []string{"opschat"}, RobotKeys: []string{robotKey}}
	if s.fake != nil {
		s.fake(&fo)
	}
	fake := wecomtest.New(t, fo)
	logs := &testenv.SyncBuffer{}
	o := wecom.Options{CorpID: fo.CorpID, AgentID: fo.AgentID, APIBase: fake.URL, Listen: "127.0.0.1:0",
		Robots:  map[string]wecom.Robot{"ops": {}},
		Secrets: wecom.Secrets{CorpSecret: secret, CallbackToken: cbToken, EncodingAESKey: aesKey, RobotKeys: map[string]string{"ops": robotKey}},
		Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if s.opts != nil {
		s.opts(&o)
	}
	a, err := wecom.New(o)
	if err != nil {
		t.Fatal(err)
	}
	h := s.handler
	if h == nil {
		h = func(context.Context, chat.Request) (chat.Reply, bool) { return chat.Reply{}, false }
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, h) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
		})
	}
	t.Cleanup(stop)
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	addr, err := a.Addr(wctx)
	if err != nil {
		t.Fatalf("the callback never listened: %v", err)
	}
	c, err := wecom.NewCryptor(o.Secrets.CallbackToken, o.Secrets.EncodingAESKey, o.CorpID)
	if err != nil {
		t.Fatal(err)
	}
	path := o.Path
	if path == "" {
		path = "/wecom/callback" // the default
	}
	return &harness{t: t, fake: fake, a: a, url: "http://" + addr.String() + path, c: c, logs: logs, stop: stop}
}

// text is a member's text message as WeCom writes it, with a fresh MsgId.
func (h *harness) text(from, content string) string {
	h.msgID++
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[%s]]></Content><MsgId>%d</MsgId><AgentID>%d</AgentID></xml>`,
		corpID, from, time.Now().Unix(), content, 7000000000+h.msgID, agentID)
}

// click is a template card button event.
func click(from, key, task, code string) string {
	return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[template_card_event]]></Event><EventKey><![CDATA[%s]]></EventKey><TaskId><![CDATA[%s]]></TaskId><CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[%s]]></ResponseCode><AgentID>%d</AgentID></xml>`,
		corpID, from, time.Now().UnixNano(), key, task, code, agentID)
}

// seal encrypts and signs a message as WeCom does, returning the query and the body.
func seal(t testing.TB, c *wecom.Cryptor, msg string, ts int64) (url.Values, string) {
	t.Helper()
	enc, err := c.Encrypt([]byte(msg), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tsS, nonce := strconv.FormatInt(ts, 10), "1597212914"
	q := url.Values{"msg_signature": {c.Sign(tsS, nonce, enc)}, "timestamp": {tsS}, "nonce": {nonce}}
	body := fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[%d]]></AgentID></xml>`, corpID, enc, agentID)
	return q, body
}

// post delivers a message to the callback as WeCom would and returns the status and body.
func (h *harness) post(msg string) (int, string) {
	h.t.Helper()
	q, body := seal(h.t, h.c, msg, time.Now().Unix())
	return postRaw(h.t, h.url+"?"+q.Encode(), body)
}

func postRaw(t testing.TB, u, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(u, "text/xml", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// wait polls the fake until at least n successful calls to path were made.
func wait(t testing.TB, f *wecomtest.Fake, path string, n int) []wecomtest.Call {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		calls := f.Delivered(path)
		if len(calls) >= n {
			return calls
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls to %s, want %d; all calls: %+v", len(calls), path, n, f.Calls(""))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func markdownOf(c wecomtest.Call) string {
	m, _ := c.Body["markdown"].(map[string]any)
	s, _ := m["content"].(string)
	return s
}

const (
	pathSend    = "/cgi-bin/message/send"
	pathChat    = "/cgi-bin/appchat/send"
	pathUpdate  = "/cgi-bin/message/update_template_card"
	pathWebhook = "/cgi-bin/webhook/send"
	pathToken   = "/cgi-bin/gettoken"
)

func TestCommandRoundTrip(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	var zs bsstest.Customer
	for _, c := range e.srv.Customers() {
		if c.AccountName == "zhangsan" {
			zs = c
		}
	}
	status, body := h.post(h.text("zhangsan", "/客户 张三"))
	if status != http.StatusOK || body != "" {
		t.Fatalf("ack = %d %q, want an empty 200", status, body)
	}
	calls := wait(t, h.fake, pathSend, 1)
	c := calls[0]
	if c.Body["touser"] != "zhangsan" || c.Body["msgtype"] != "markdown" || c.Body["agentid"] != float64(agentID) {
		t.Errorf("reply body = %v", c.Body)
	}
	md := markdownOf(c)
	for _, want := range []string{"张三", zs.ID, "zhangsan", "`/resources " + zs.ID + "`"} {
		if !strings.Contains(md, want) {
			t.Errorf("reply lacks %q:\n%s", want, md)
		}
	}
	if !h.a.Connected() {
		t.Error("Connected() = false while serving")
	}
}

func TestNotCommandsAndOtherMessages(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	h.post(h.text("eve", "你好"))
	h.post(fmt.Sprintf(`<xml><ToUserName>%s</ToUserName><FromUserName>eve</FromUserName><CreateTime>1</CreateTime><MsgType>image</MsgType><PicUrl>http://x</PicUrl><MsgId>99</MsgId></xml>`, corpID))
	h.post(fmt.Sprintf(`<xml><ToUserName>%s</ToUserName><FromUserName>eve</FromUserName><CreateTime>2</CreateTime><MsgType>event</MsgType><Event>enter_agent</Event><EventKey></EventKey></xml>`, corpID))
	h.post(h.text("eve", "、帮助 customer")) // one message (the whole /help is two on WeCom)
	calls := wait(t, h.fake, pathSend, 4) // "你好" is /help: two
	var texts []string
	for _, c := range calls {
		texts = append(texts, markdownOf(c))
	}
	all := strings.Join(texts, "\n----\n")
	// "你好" is a sentence, read as /help.
	for _, want := range []string{"我理解为：/help", lang.Zh.TextOnly(), "/customer"} { // no gate: the bot's language
		if !strings.Contains(all, want) {
			t.Errorf("replies lack %q:\n%s", want, all)
		}
	}
	time.Sleep(50 * time.Millisecond) // the enter_agent event must not have added a reply
	if n := len(h.fake.Delivered(pathSend)); n != 4 {
		t.Errorf("%d replies, want 4 (nothing for entering the app)", n)
	}
}

func TestRetriesAreDropped(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	h := start(t, setup{handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		mu.Lock()
		runs++
		mu.Unlock()
		return chat.Reply{Text: "pong"}, true
	}})
	msg := h.text("zhangsan", "/ping")
	q, body := seal(t, h.c, msg, time.Now().Unix())
	for range 3 { // WeCom's three tries of one message
		if status, _ := postRaw(t, h.url+"?"+q.Encode(), body); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
	}
	// Re-encrypted with a new signature, it is still the same MsgId.
	h.post(msg)
	ev := click("bob", wecom.ButtonKey(chat.Button{Command: "/ping"}), "t1", "rc1")
	h.post(ev)
	h.post(ev)
	wait(t, h.fake, pathSend, 2)
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if runs != 2 {
		t.Errorf("the handler ran %d times, want 2 (one message, one click)", runs)
	}
}

// TestURLVerification checks WeCom's GET when the callback URL is saved, with the official
// sample values (Set B's token, key and corp id are the adapter's here).
func TestURLVerification(t *testing.T) {
	h := start(t, setup{})
	echo := "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
	sig := "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
	q := func(sig, echo string) string {
		return url.Values{"msg_signature": {sig}, "timestamp": {"1476416373"}, "nonce": {"47744683"}, "echostr": {echo}}.Encode()
	}
	tests := []struct {
		name   string
		query  string
		status int
		body   string
	}{
		{"official vector", q(sig, echo), 200, "1288432023552776189"},
		{"'+' sent unencoded", strings.ReplaceAll(q(sig, echo), "%2B", "+"), 200, "1288432023552776189"},
		{"tampered signature", q("012bc692d0a58dd4b10f8dfe5c4ac00ae211ebec", echo), 403, ""},
		{"no echostr", url.Values{"msg_signature": {sig}}.Encode(), 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(h.url + "?" + tt.query)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tt.status, b)
			}
			if tt.status == 200 && string(b) != tt.body {
				t.Errorf("body %q, want %q exactly", b, tt.body)
			}
		})
	}
}

// TestOfficialPostVector posts the official sample callback (Set B: "你好" from ChenJiaShun)
// byte for byte, at the time it was made.
func TestOfficialPostVector(t *testing.T) {
	var got []chat.Request
	var mu sync.Mutex
	h := start(t, setup{
		handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
			mu.Lock()
			got = append(got, req)
			mu.Unlock()
			return chat.Reply{}, false
		},
		opts: func(o *wecom.Options) { o.Now = func() time.Time { return time.Unix(1476422779, 0) } },
		fake: func(o *wecomtest.Options) { o.Users = append(o.Users, "ChenJiaShun") },
	})
	body := "<xml><ToUserName><![CDATA[ww1436e0e65a779aee]]></ToUserName>\n<Encrypt><![CDATA[Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+]]></Encrypt>\n<AgentID><![CDATA[1000002]]></AgentID>\n</xml>"
	q := "msg_signature=0c3914025cb4b4d68103f6bfc8db550f79dcf48e&timestamp=1476422779&nonce=1597212914"
	if status, b := postRaw(t, h.url+"?"+q, body); status != 200 || b != "" {
		t.Fatalf("ack = %d %q", status, b)
	}
	calls := wait(t, h.fake, pathSend, 1)
	mu.Lock()
	defer mu.Unlock()
	want := chat.Request{Platform: "wecom", UserID: "ChenJiaShun", UserName: "ChenJiaShun", Channel: "user:ChenJiaShun", Text: "你好"}
	if len(got) != 1 || got[0] != want {
		t.Errorf("requests = %+v, want %+v", got, want)
	}
	if calls[0].Body["touser"] != "ChenJiaShun" || markdownOf(calls[0]) != lang.Zh.Hint() {
		t.Errorf("the hint went to %v: %s", calls[0].Body["touser"], markdownOf(calls[0]))
	}
}

func TestCallbackRejects(t *testing.T) {
	var mu sync.Mutex
	runs := 0
	h := start(t, setup{handler: func(context.Context, chat.Request) (chat.Reply, bool) {
		mu.Lock()
		runs++
		mu.Unlock()
		return chat.Reply{Text: "ran"}, true
	}})
	foreign, _ := wecom.NewCryptor(cbToken, aesKey, otherCorp)
	otherToken, _ := wecom.NewCryptor("another-token", aesKey, corpID)
	msg := h.text("zhangsan", "/ping")
	now := time.Now().Unix()
	tests := []struct {
		name   string
		u      func() string
		body   func() string
		method string
		status int
	}{
		{"bad signature", func() string {
			q, _ := seal(t, h.c, msg, now)
			q.Set("msg_signature", strings.Repeat("0", 40))
			return q.Encode()
		},
			func() string { _, b := seal(t, h.c, msg, now); return b }, "POST", 403},
		{"signed with another token", func() string { q, _ := seal(t, otherToken, msg, now); return q.Encode() },
			func() string { _, b := seal(t, otherToken, msg, now); return b }, "POST", 403},
		{"foreign corp id", nil, nil, "POST", 403},
		{"a day old", func() string { q, _ := seal(t, h.c, msg, now-86400); return q.Encode() }, nil, "POST", 403},
		{"not XML", func() string { return "msg_signature=x&timestamp=1&nonce=2" }, func() string { return "{}" }, "POST", 400},
		{"too large", func() string { return "msg_signature=x&timestamp=1&nonce=2" },
			func() string { return "<xml><Encrypt>" + strings.Repeat("A", 300<<10) + "</Encrypt></xml>" }, "POST", 413},
		{"wrong method", func() string { return "" }, func() string { return "" }, "PUT", 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u, body string
			switch {
			case tt.name == "foreign corp id":
				q, b := seal(t, foreign, msg, now)
				u, body = q.Encode(), b
			case tt.name == "a day old":
				q, b := seal(t, h.c, msg, now-86400)
				u, body = q.Encode(), b
			default:
				u, body = tt.u(), tt.body()
			}
			req, _ := http.NewRequest(tt.method, h.url+"?"+u, strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tt.status)
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if runs != 0 || len(h.fake.Calls(pathSend)) != 0 {
		t.Errorf("a refused callback ran %d commands and sent %d messages", runs, len(h.fake.Calls(pathSend)))
	}
	if !strings.Contains(h.logs.String(), "wecom callback refused") {
		t.Error("refusals are not logged")
	}
}

// TestBusyAnswersPassively fills the pool: the message that finds no room is acknowledged at
// once with an encrypted passive reply asking to send again.
func TestBusyAnswersPassively(t *testing.T) {
	release := make(chan struct{})
	h := start(t, setup{
		handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
			select {
			case <-release:
			case <-ctx.Done():
			}
			return chat.Reply{Text: "done " + req.Text}, true
		},
		opts: func(o *wecom.Options) { o.Workers, o.Queue = 1, 1 },
	})
	defer close(release)
	h.post(h.text("zhangsan", "/one")) // runs
	time.Sleep(20 * time.Millisecond)  // let the worker take it
	h.post(h.text("zhangsan", "/two")) // waits in the queue
	status, body := h.post(h.text("zhangsan", "/three"))
	if status != http.StatusOK || body == "" {
		t.Fatalf("busy ack = %d %q, want 200 with a passive reply", status, body)
	}
	var out struct {
		Encrypt, MsgSignature, TimeStamp, Nonce string
	}
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	if err := h.c.Verify(out.MsgSignature, out.TimeStamp, out.Nonce, out.Encrypt); err != nil {
		t.Fatalf("passive reply signature: %v", err)
	}
	plain, err := h.c.Decrypt(out.Encrypt)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ToUserName, FromUserName, MsgType, Content string
	}
	if err := xml.Unmarshal(plain, &m); err != nil {
		t.Fatal(err)
	}
	if m.ToUserName != "zhangsan" || m.FromUserName != corpID || m.MsgType != "text" ||
		m.Content != lang.Zh.Busy() { // no gate: the bot's language
		t.Errorf("passive reply = %+v", m)
	}
}

// TestStopTellsWhoWaits: at stop, a running command gets its grace period and still answers;
// commands still queued are not run, and their senders are asked to send them again.
func TestStopTellsWhoWaits(t *testing.T) {
	started := make(chan struct{}, 1)
	h := start(t, setup{
		handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
			started <- struct{}{}
			<-ctx.Done()
			return chat.Reply{Text: "cut short: " + req.Text, Error: true}, true
		},
		opts: func(o *wecom.Options) { o.Workers, o.Queue, o.Grace = 1, 4, 20*time.Millisecond },
	})
	h.post(h.text("alice", "/one"))
	<-started
	h.post(h.text("bob", "/two"))
	h.post(h.text("eve", "/three"))
	h.stop()
	calls := wait(t, h.fake, pathSend, 3)
	got := map[string]string{}
	for _, c := range calls {
		got[c.Body["touser"].(string)] = markdownOf(c)
	}
	if !strings.Contains(got["alice"], "cut short: /one") {
		t.Errorf("alice got %q", got["alice"])
	}
	for _, u := range []string{"bob", "eve"} {
		if got[u] != lang.Zh.SendAgain() { // no gate: the bot's language
			t.Errorf("%s got %q", u, got[u])
		}
	}
	if h.a.Connected() {
		t.Error("Connected after stop")
	}
}

func TestPanicIsAnsweredPolitely(t *testing.T) {
	h := start(t, setup{handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		if req.Text == "/boom" {
			panic("nil map somewhere")
		}
		return chat.Reply{Text: "still here"}, true
	}})
	h.post(h.text("zhangsan", "/boom"))
	h.post(h.text("zhangsan", "/ping"))
	calls := wait(t, h.fake, pathSend, 2)
	all := markdownOf(calls[0]) + markdownOf(calls[1])
	if !strings.Contains(all, lang.Zh.Failed()) || !strings.Contains(all, "still here") {
		t.Errorf("replies: %s", all)
	}
	if strings.Contains(all, "nil map") || strings.Contains(all, "goroutine") {
		t.Errorf("the panic leaked to the chat: %s", all)
	}
}

// TestApprovalWithCard: alice files a renewal; the request reaches bob (the approvals channel
// wecom:user:bob) as one message: the markdown with the commands to type, since a card would cut
// it short. A decision that fits a template card whole comes as that card alone; bob's click
// runs /approve as bob, and the card is updated. A second click changes nothing and says so.
func TestApprovalWithCard(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	var web bsstest.Resource
	for _, c := range e.srv.Customers() {
		if c.AccountName == "zhangsan" {
			for _, r := range e.srv.Resources(c.ID) {
				if r.Name == "zhangsan-web-01" {
					web = r
				}
			}
		}
	}
	h.post(h.text("alice", "/renew "+web.ResourceID+" 1m"))
	wait(t, h.fake, pathSend, 1)
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{"wecom": h.a}, Now: func() time.Time { return bsstest.TestTime }}
	if sent, failed, err := disp.RunOnce(context.Background()); err != nil || failed != 0 || sent == 0 {
		t.Fatalf("dispatch: sent %d failed %d err %v", sent, failed, err)
	}
	var toBob []map[string]any
	for _, c := range h.fake.Delivered(pathSend) {
		if c.Body["touser"] == "bob" {
			toBob = append(toBob, c.Body)
		}
	}
	if len(toBob) != 1 || toBob[0]["msgtype"] != "markdown" {
		t.Fatalf("bob got %d messages about the request (%v), want the markdown alone", len(toBob), toBob)
	}
	if md := toBob[0]["markdown"].(map[string]any)["content"].(string); !strings.Contains(md, "`/approve 1`") || !strings.Contains(md, "`/reject 1`") {
		t.Errorf("the request does not show the commands to type:\n%s", md)
	}

	// A decision that a card carries whole is that card alone.
	h.fake.Reset()
	short := chat.Reply{Title: "续订申请 #1", Buttons: []chat.Button{{Label: "批准", Command: "/approve 1", Style: chat.StylePrimary, Decides: true},
		{Label: "拒绝", Command: "/reject 1", Style: chat.StyleDanger, Decides: true}}}
	if err := h.a.Send(context.Background(), bot.Target{Channel: "user:bob"}, short); err != nil {
		t.Fatal(err)
	}
	sent := h.fake.Delivered(pathSend)
	if len(sent) != 1 || sent[0].Body["msgtype"] != "template_card" {
		t.Fatalf("a decision that fits a card went as %d messages: %v", len(sent), sent)
	}
	card := sent[0].Body["template_card"].(map[string]any)
	buttons := card["button_list"].([]any)
	approve := buttons[0].(map[string]any)["key"].(string)
	if b, _ := wecom.ButtonOfKey(approve); b.Command != "/approve 1" || !b.Decides {
		t.Fatalf("first button runs %q (decides %v)", b.Command, b.Decides)
	}
	codes := h.fake.ResponseCodes("bob")
	task := card["task_id"].(string)

	h.fake.Reset()
	h.post(click("bob", approve, task, codes[0]))
	wait(t, h.fake, pathUpdate, 1)
	upd := h.fake.Delivered(pathUpdate)[0].Body
	if upd["response_code"] != codes[0] || fmt.Sprint(upd["userids"]) != "[bob]" {
		t.Errorf("update = %v", upd)
	}
	if name := upd["button"].(map[string]any)["replace_name"].(string); !strings.Contains(name, "bob") || !strings.HasPrefix(name, "✓") {
		t.Errorf("the card says %q; want who decided, and that it worked", name)
	}
	a, err := e.st.Approval(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Approvals) != 1 || a.Approvals[0].By.Key() != "wecom:bob" {
		t.Errorf("approvals = %+v, want one by wecom:bob", a.Approvals)
	}
	// The answer to bob's click is the one message about the result in his conversation (the
	// approvals channel); the requester is told in hers.
	if _, failed, err := disp.RunOnce(context.Background()); err != nil || failed != 0 {
		t.Fatalf("dispatch: failed %d err %v", failed, err)
	}
	per := map[string]int{}
	for _, c := range h.fake.Delivered(pathSend) {
		per[fmt.Sprint(c.Body["touser"])]++
	}
	if per["bob"] != 1 || per["alice"] == 0 {
		t.Errorf("messages about the result per member: %v; want bob 1 (the answer to his click), alice told", per)
	}

	// A second click (another device, or a double tap) is decided by the store and answered.
	h.fake.Reset()
	h.post(click("bob", approve, task, codes[0]))
	calls := wait(t, h.fake, pathSend, 1)
	if md := markdownOf(calls[0]); md == "" || calls[0].Body["touser"] != "bob" {
		t.Errorf("second click answer = %v", calls[0].Body)
	}
	a2, _ := e.st.Approval(context.Background(), 1)
	if len(a2.Approvals) != 1 {
		t.Errorf("the second click changed the request: %+v", a2.Approvals)
	}

	// A button that is not ours is answered, not run.
	h.fake.Reset()
	h.post(click("bob", "approve-everything", task, "rc-x"))
	calls = wait(t, h.fake, pathSend, 1)
	if !strings.Contains(markdownOf(calls[0]), "按钮已失效") {
		t.Errorf("foreign button answer: %s", markdownOf(calls[0]))
	}
}

// TestTokenLifecycle: the token is fetched once and reused; a token WeCom ends early (42001
// expired, 40014 invalid) is fetched again and the call made once more; one that runs out is
// refreshed before WeCom refuses it.
func TestTokenLifecycle(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	h := start(t, setup{
		opts: func(o *wecom.Options) { o.Now = clock; o.MaxSkew = 100 * 24 * time.Hour },
		fake: func(o *wecomtest.Options) { o.Now = clock },
	})
	ctx := context.Background()
	send := func() error {
		return h.a.Send(ctx, bot.Target{Channel: "user:alice"}, chat.Reply{Text: "hi"})
	}
	for range 3 {
		if err := send(); err != nil {
			t.Fatal(err)
		}
	}
	if n := h.fake.TokenFetches(); n != 1 {
		t.Errorf("%d token fetches for 3 sends, want 1", n)
	}
	h.fake.ExpireTokens()
	if err := send(); err != nil {
		t.Fatalf("after 42001: %v", err)
	}
	h.fake.RevokeTokens()
	if err := send(); err != nil {
		t.Fatalf("after 40014: %v", err)
	}
	if n := h.fake.TokenFetches(); n != 3 {
		t.Errorf("%d token fetches, want 3", n)
	}
	var refused int
	for _, c := range h.fake.Calls(pathSend) {
		if c.ErrCode == 42001 || c.ErrCode == 40014 {
			refused++
		}
	}
	if refused != 2 {
		t.Errorf("%d refused calls, want 2", refused)
	}
	// Just before the 2 hours run out, the adapter fetches a new token on its own.
	advance(7200*time.Second - 2*time.Minute)
	before := len(h.fake.Calls(pathSend))
	if err := send(); err != nil {
		t.Fatal(err)
	}
	if n := h.fake.TokenFetches(); n != 4 {
		t.Errorf("%d token fetches, want 4 (refreshed early)", n)
	}
	if got := len(h.fake.Calls(pathSend)) - before; got != 1 {
		t.Errorf("%d calls for one send after the refresh, want 1 (no refusal)", got)
	}
	// A token refused twice in a row is an error, not a loop.
	h.fake.Inject(pathSend, wecomtest.Fault{ErrCode: 42001, Times: 2})
	if err := send(); err == nil {
		t.Error("a token refused twice was accepted")
	}
}

func TestSendTargetsAndErrors(t *testing.T) {
	h := start(t, setup{})
	ctx := context.Background()
	rep := chat.Reply{Title: "到期提醒", Text: "ecs-web-01 将在 3 天后到期"}
	ok := []struct {
		name string
		to   bot.Target
		path string
		key  string
		want string
	}{
		{"member by channel", bot.Target{Channel: "user:alice"}, pathSend, "touser", "alice"},
		{"member directly", bot.Target{UserID: "bob"}, pathSend, "touser", "bob"},
		{"app chat", bot.Target{Channel: "opschat", UserID: "bob"}, pathChat, "chatid", "opschat"},
		{"robot", bot.Target{Channel: "robot:ops"}, pathWebhook, "", ""},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			h.fake.Reset()
			if err := h.a.Send(ctx, tt.to, rep); err != nil {
				t.Fatal(err)
			}
			calls := h.fake.Delivered(tt.path)
			if len(calls) != 1 {
				t.Fatalf("%d calls to %s", len(calls), tt.path)
			}
			if tt.key != "" && calls[0].Body[tt.key] != tt.want {
				t.Errorf("%s = %v, want %s", tt.key, calls[0].Body[tt.key], tt.want)
			}
			if !strings.Contains(markdownOf(calls[0]), "### 到期提醒") {
				t.Errorf("markdown = %q", markdownOf(calls[0]))
			}
		})
	}

	type kind int
	const (
		transient kind = iota
		permanent
		throttled
	)
	bad := []struct {
		name  string
		to    bot.Target
		fault *wecomtest.Fault
		path  string
		want  kind
		after time.Duration
	}{
		{"member left the corp (81013)", bot.Target{Channel: "user:ghost"}, nil, "", permanent, 0},
		{"not a user id", bot.Target{Channel: "user:not a user"}, nil, "", permanent, 0},
		{"chat gone (86003)", bot.Target{Channel: "nosuchchat"}, nil, "", permanent, 0},
		{"robot not configured", bot.Target{Channel: "robot:finance"}, nil, "", permanent, 0},
		{"no privilege (60011)", bot.Target{Channel: "user:alice"}, &wecomtest.Fault{ErrCode: 60011, Times: 1}, pathSend, permanent, 0},
		{"robot removed (93000)", bot.Target{Channel: "robot:ops"}, &wecomtest.Fault{ErrCode: 93000, Times: 1}, pathWebhook, permanent, 0},
		{"frequency (45009)", bot.Target{Channel: "user:alice"}, &wecomtest.Fault{ErrCode: 45009, Times: 1}, pathSend, throttled, time.Minute},
		{"concurrency (45033)", bot.Target{Channel: "opschat"}, &wecomtest.Fault{ErrCode: 45033, Times: 1}, pathChat, throttled, 5 * time.Second},
		{"robot frequency (45009)", bot.Target{Channel: "robot:ops"}, &wecomtest.Fault{ErrCode: 45009, Times: 1}, pathWebhook, throttled, time.Minute},
		{"HTTP 429 from a gateway", bot.Target{Channel: "user:alice"}, &wecomtest.Fault{Status: 429, Times: 1}, pathSend, throttled, 7 * time.Second},
		{"system busy (-1)", bot.Target{Channel: "user:alice"}, &wecomtest.Fault{ErrCode: -1, Times: 1}, pathSend, transient, 0},
		{"HTTP 502", bot.Target{Channel: "robot:ops"}, &wecomtest.Fault{Status: 502, Times: 1}, pathWebhook, transient, 0},
		{"token cannot be fetched", bot.Target{Channel: "user:alice"}, &wecomtest.Fault{ErrCode: 40001, Times: 3}, pathToken, transient, 0},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if tt.fault != nil {
				h.fake.Inject(tt.path, *tt.fault)
				if tt.path == pathToken {
					h.fake.RevokeTokens()
				}
			}
			defer h.fake.ClearFaults()
			err := h.a.Send(ctx, tt.to, rep)
			if err == nil {
				t.Fatal("no error")
			}
			after, isThrottled := bot.RetryAfterOf(err)
			isPermanent := errors.Is(err, bot.ErrPermanent)
			switch tt.want {
			case permanent:
				if !isPermanent {
					t.Errorf("%v: want permanent", err)
				}
			case throttled:
				if !isThrottled || after != tt.after {
					t.Errorf("%v: want throttled for %s, got %v %s", err, tt.after, isThrottled, after)
				}
			case transient:
				if isPermanent || isThrottled {
					t.Errorf("%v: want transient", err)
				}
			}
		})
	}
}

// TestSplitAndResume: a reply over 2048 bytes goes out in parts, in order, each within the
// limit; when a later part fails, the dispatcher's retry sends only what is missing.
func TestSplitAndResume(t *testing.T) {
	h := start(t, setup{})
	r := chat.Reply{Title: "到期提醒 · 120 项资源", Table: &chat.Table{Columns: []string{"#", "资源", "客户"}}}
	for i := range 120 {
		r.Table.Rows = append(r.Table.Rows, []string{strconv.Itoa(i + 1), fmt.Sprintf("ecs-batch-node-%03d", i+1), "北京云起科技有限公司"})
	}
	ctx := context.Background()
	// First attempt: part 1 delivered, part 2 refused (system busy). The fake plays the last
	// injected fault first: one call passes, the next gets -1.
	h.fake.Inject(pathSend, wecomtest.Fault{ErrCode: -1, Times: 1})
	h.fake.Inject(pathSend, wecomtest.Fault{Times: 1})
	err := h.a.Send(ctx, bot.Target{Channel: "user:alice"}, r)
	if err == nil {
		t.Fatal("the failed part was not reported")
	}
	first := h.fake.Delivered(pathSend)
	if len(first) != 1 {
		t.Fatalf("%d parts delivered before the failure, want 1", len(first))
	}
	if err := h.a.Send(ctx, bot.Target{Channel: "user:alice"}, r); err != nil {
		t.Fatal(err)
	}
	parts := h.fake.Delivered(pathSend)
	if len(parts) < 3 {
		t.Fatalf("%d parts for 120 rows", len(parts))
	}
	var joined []string
	for i, c := range parts {
		md := markdownOf(c)
		if len(md) > wecom.AppMarkdownBytes {
			t.Errorf("part %d is %d bytes", i, len(md))
		}
		if i > 0 && md == markdownOf(parts[0]) {
			t.Errorf("part %d repeats part 1", i)
		}
		joined = append(joined, md)
	}
	all := strings.Join(joined, "\n")
	for i := range 120 {
		if n := strings.Count(all, fmt.Sprintf("ecs-batch-node-%03d ", i+1)); n != 1 {
			t.Errorf("row %d shown %d times", i+1, n)
		}
	}
}

// TestRobotPacing sends 45 alerts to one robot: all arrive, in order, never more than 20 in
// any minute, and the fake robot (which answers 45009 past 20 a minute) refuses none. With a
// short MaxWait a full window is reported as throttled, and the notice is still delivered later.
func TestRobotPacing(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	sleep := func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		now = now.Add(d)
		mu.Unlock()
		return ctx.Err()
	}
	h := start(t, setup{
		opts: func(o *wecom.Options) {
			o.Now, o.Sleep, o.MaxWait, o.MaxSkew = clock, sleep, time.Hour, 100*24*time.Hour
		},
		fake: func(o *wecomtest.Options) { o.Now = clock },
	})
	ctx := context.Background()
	for i := range 45 {
		if err := h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: fmt.Sprintf("alert %02d", i)}); err != nil {
			t.Fatalf("alert %d: %v", i, err)
		}
	}
	calls := h.fake.Calls(pathWebhook)
	if len(calls) != 45 {
		t.Fatalf("%d robot calls, want 45", len(calls))
	}
	for i, c := range calls {
		if c.ErrCode != 0 {
			t.Errorf("call %d refused with %d", i, c.ErrCode)
		}
		if !strings.Contains(markdownOf(c), fmt.Sprintf("alert %02d", i)) {
			t.Errorf("call %d carries %q: out of order", i, markdownOf(c))
		}
		if i >= 20 && c.At.Sub(calls[i-20].At) < time.Minute {
			t.Errorf("calls %d and %d are %s apart: 21 in a minute", i-20, i, c.At.Sub(calls[i-20].At))
		}
	}

	// A Send that would wait longer than MaxWait is throttled, not dropped and not blocking.
	h2 := start(t, setup{
		opts: func(o *wecom.Options) {
			o.Now, o.Sleep, o.MaxWait, o.MaxSkew = clock, sleep, 10*time.Second, 100*24*time.Hour
			o.Robots = map[string]wecom.Robot{"ops": {PerMinute: 2}}
		},
		fake: func(o *wecomtest.Options) { o.Now = clock },
	})
	for i := range 2 {
		if err := h2.a.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	err := h2.a.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: "third"})
	if after, ok := bot.RetryAfterOf(err); !ok || after <= 10*time.Second || after > time.Minute {
		t.Fatalf("third message within the minute: %v (retry after %s)", err, after)
	}
	sleep(ctx, time.Minute)
	if err := h2.a.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: "third"}); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := len(h2.fake.Delivered(pathWebhook)); n != 3 {
		t.Errorf("%d delivered, want 3", n)
	}
}

// TestSecretsStayOutOfLogs runs through failures that carry URLs and tokens (an unreachable
// API, a bad secret, refused tokens, a bad robot key) and checks that no secret or token shows
// in the log or in any error.
func TestSecretsStayOutOfLogs(t *testing.T) {
	h := start(t, setup{})
	ctx := context.Background()
	var errs []string
	record := func(err error) {
		if err != nil {
			errs = append(errs, err.Error())
		}
	}
	record(h.a.Send(ctx, bot.Target{Channel: "user:alice"}, chat.Reply{Text: "x"}))
	h.fake.RevokeTokens()
	h.fake.Inject(pathToken, wecomtest.Fault{ErrCode: 40001, ErrMsg: "invalid credential"})
	record(h.a.Send(ctx, bot.Target{Channel: "user:alice"}, chat.Reply{Text: "x"}))
	h.fake.Inject(pathWebhook, wecomtest.Fault{ErrCode: 93000})
	record(h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: "x"}))
	h.fake.ClearFaults()
	h.post(h.text("alice", "/ping")) // a reply with a token

	// An API that cannot be reached: the client's error would name the URL with the key.
	dead, err := wecom.New(wecom.Options{APIBase: "http://127.0.0.1:1", Robots: map[string]wecom.Robot{"ops": {}},
		Secrets: wecom.Secrets{RobotKeys: map[string]string{"ops": robotKey}}, Logger: slog.New(slog.NewTextHandler(h.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	record(dead.Send(ctx, bot.Target{Channel: "robot:ops"}, chat.Reply{Text: "x"}))
	wait(t, h.fake, pathSend, 2)
	time.Sleep(20 * time.Millisecond)

	var tokens []string
	for _, c := range h.fake.Calls("") {
		if tok, ok := c.Answer["access_token"].(string); ok {
			tokens = append(tokens, tok)
		}
	}
	if len(tokens) == 0 {
		t.Fatal("no token was issued")
	}
	haystack := h.logs.String() + "\n" + strings.Join(errs, "\n")
	for _, s := range append([]string{secret, cbToken, aesKey, robotKey}, tokens...) {
		if strings.Contains(haystack, s) {
			t.Errorf("secret %.6s… appears in the logs or errors:\n%s", s, haystack)
		}
	}
	if len(errs) < 3 {
		t.Errorf("expected errors, got %q", errs)
	}
}

func TestSecretsFromEnv(t *testing.T) {
	env := map[string]string{
		"WECOM_CORP_SECRET":          secret,
		"WECOM_CALLBACK_TOKEN":       cbToken,
		"WECOM_ENCODING_AES_KEY":     aesKey,
		"WECOM_ROBOT_KEY_OPS_ALERTS": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=" + robotKey,
		"WECOM_ROBOT_KEY_FINANCE":    " plain-key ",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	s, err := wecom.SecretsFromEnv(lookup, true, true, []string{"ops-alerts", "finance"})
	if err != nil {
		t.Fatal(err)
	}
	if s.CorpSecret != secret || s.CallbackToken != cbToken || s.EncodingAESKey != aesKey ||
		s.RobotKeys["ops-alerts"] != robotKey || s.RobotKeys["finance"] != "plain-key" {
		t.Errorf("secrets = %+v", s)
	}
	env["WECOM_ENCODING_AES_KEY"] = "too-short"
	delete(env, "WECOM_CALLBACK_TOKEN")
	delete(env, "WECOM_ROBOT_KEY_FINANCE")
	_, err = wecom.SecretsFromEnv(lookup, true, true, []string{"ops-alerts", "finance", "new"})
	for _, want := range []string{"WECOM_CALLBACK_TOKEN is not set", "WECOM_ENCODING_AES_KEY must be", "WECOM_ROBOT_KEY_FINANCE is not set", "WECOM_ROBOT_KEY_NEW is not set"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if err != nil && strings.Contains(err.Error(), "too-short") {
		t.Error("the error shows a secret's value")
	}
	if s, err := wecom.SecretsFromEnv(lookup, false, false, []string{"ops-alerts"}); err != nil || s.CorpSecret != "" {
		t.Errorf("robots only: %+v, %v", s, err)
	}
}

func TestNewChecksOptions(t *testing.T) {
	_, err := wecom.New(wecom.Options{CorpID: corpID, Listen: ":0", Robots: map[string]wecom.Robot{"ops": {}}})
	for _, want := range []string{"agent id", "WECOM_CORP_SECRET", "WECOM_CALLBACK_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_ROBOT_KEY_OPS"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if _, err := wecom.New(wecom.Options{}); err == nil {
		t.Error("an adapter with nothing to do was built")
	}
	robots, err := wecom.New(wecom.Options{Robots: map[string]wecom.Robot{"ops": {}}, Secrets: wecom.Secrets{RobotKeys: map[string]string{"ops": "k"}}})
	if err != nil {
		t.Fatal(err)
	}
	if robots.CanMessageUsers() {
		t.Error("a robots-only adapter claims to message users")
	}
	err = robots.Send(context.Background(), bot.Target{UserID: "alice"}, chat.Reply{Text: "x"})
	if !errors.Is(err, bot.ErrPermanent) {
		t.Errorf("robots only, to a user: %v", err)
	}
	if robots.Connected() {
		t.Error("Connected before Run")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- robots.Run(ctx, nil) }()
	deadline := time.Now().Add(5 * time.Second)
	for !robots.Connected() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !robots.Connected() {
		t.Error("a running robots-only adapter is not Connected")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run = %v", err)
	}
	if robots.Connected() {
		t.Error("Connected after Run returned")
	}
}

// TestRunFailsWithoutToken: a bad corp secret stops Run with an error (bot.Serve restarts it
// with backoff), saying why without the secret.
func TestRunFailsWithoutToken(t *testing.T) {
	fake := wecomtest.New(t, wecomtest.Options{CorpID: corpID, CorpSecret: "the-right-one"})
	a, err := wecom.New(wecom.Options{CorpID: corpID, AgentID: agentID, APIBase: fake.URL, Secrets: wecom.Secrets{CorpSecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Run(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "40001") || strings.Contains(err.Error(), secret) {
		t.Errorf("Run = %v", err)
	}
	if a.Connected() {
		t.Error("Connected without a token")
	}
}

// TestRetryAfterRestartRunsOnce: a message and a card click taken before a restart, delivered
// again after it (WeCom retrying a callback whose answer it did not get, or the same signed
// request again), run once when the new adapter reads the deliveries from the same store file.
func TestRetryAfterRestartRunsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	var mu sync.Mutex
	runs := map[string]int{}
	handler := func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		mu.Lock()
		defer mu.Unlock()
		runs[req.UserID+" "+req.Text]++
		return chat.Reply{Text: "done"}, true
	}
	life := func() (*harness, *store.Store) {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		h := start(t, setup{handler: handler, opts: func(o *wecom.Options) {
			o.Deliveries = st
			o.Workers = 1 // in order: a repeat that ran would run before the probe after it
		}})
		return h, st
	}

	h, st := life()
	msg := h.text("alice", "/renew r-1 1m")
	q, body := seal(t, h.c, msg, time.Now().Unix())
	ev := click("bob", wecom.ButtonKey(chat.Button{Command: "/approve 7", Decides: true}), "t-7", "rc-7")
	if status, _ := postRaw(t, h.url+"?"+q.Encode(), body); status != http.StatusOK {
		t.Fatalf("status %d", status)
	}
	h.post(ev)
	wait(t, h.fake, pathSend, 2)
	h.stop()
	st.Close()

	h, _ = life()
	h.msgID = 100 // WeCom's MsgIds go on; a new harness would start them over
	for name, post := range map[string]func() int{
		"the same signed request": func() int { s, _ := postRaw(t, h.url+"?"+q.Encode(), body); return s },
		"the message signed anew": func() int { s, _ := h.post(msg); return s },
		"the click again":         func() int { s, _ := h.post(ev); return s },
	} {
		if status := post(); status != http.StatusOK {
			t.Errorf("%s: status %d, want 200 (or WeCom tries again)", name, status)
		}
	}
	h.post(h.text("alice", "/probe"))
	wait(t, h.fake, pathSend, 1)
	h.stop()
	mu.Lock()
	defer mu.Unlock()
	for _, cmd := range []string{"alice /renew r-1 1m", "bob /approve 7", "alice /probe"} {
		if runs[cmd] != 1 {
			t.Errorf("%q ran %d times across the restart, want once", cmd, runs[cmd])
		}
	}
}
