// Package telegramtest is a fake Telegram Bot API server for tests, over real HTTP, built
// from the Bot API documentation (core.telegram.org/bots/api; /work/shared/platforms.md §2),
// not from the adapter, so that a test against it catches what Telegram would refuse:
//
//   - requests go to /bot<token>/<method>; parameters come as a query string,
//     application/x-www-form-urlencoded, application/json or multipart/form-data; objects and
//     arrays inside form values are JSON-serialized;
//   - every answer is {"ok":true,"result":…} or {"ok":false,"error_code":N,"description":…,
//     "parameters":{"retry_after"|"migrate_to_chat_id"}} with HTTP status N; a wrong token gets
//     401 Unauthorized, an unknown method 404 Not Found;
//   - getUpdates: offset confirms every update below it, a negative offset keeps only the last
//     -offset, limit 1-100, long polling up to timeout seconds, 409 Conflict while a webhook is
//     set or when a newer getUpdates replaces a waiting one;
//   - sendMessage / editMessageText: parse_mode HTML is parsed as Telegram documents it (only
//     the listed tags, every <, > and & outside tags escaped, named entities lt gt amp quot,
//     numeric entities) and a violation is 400 "can't parse entities"; the text is 1-4096
//     characters after parsing, counted in UTF-16 code units; callback_data is 1-64 bytes;
//     editMessageText without reply_markup removes the inline keyboard; an edit that changes
//     nothing is 400 "message is not modified";
//   - sendPhoto / sendDocument: the file uploaded as multipart/form-data; a caption of 0-1024
//     characters after parsing; a photo of at most 10 MB whose width + height is at most 10,000
//     and whose sides' ratio is at most 20 (else 400 PHOTO_INVALID_DIMENSIONS), a document of at
//     most 50 MB;
//   - answerCallbackQuery: once per query, text 0-200 characters;
//   - setMyCommands: at most 100 commands, names 1-32 of [a-z0-9_], descriptions 1-256;
//   - setWebhook: secret_token of 1-256 [A-Za-z0-9_-]; deliveries carry it in
//     X-Telegram-Bot-Api-Secret-Token. (The fake accepts an http:// URL on loopback: tests have
//     no certificate. Telegram itself requires HTTPS on ports 443, 80, 88 or 8443.)
//
// Faults (429 with retry_after, 403, 5xx) are injected per method and optionally per chat;
// SetDown makes every call fail 502 Bad Gateway, as a proxy in front of an unreachable Telegram
// does.
//
// WebhookRequest builds an update delivery as Telegram posts it to a webhook, the secret token
// in SecretTokenHeader.
package telegramtest

//lint:file-ignore ST1005 the HTML parser's errors are Telegram's descriptions, word for word

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	_ "image/png" // the photos the fake checks
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Token looks like a real token, so that the tests of redaction are meaningful.
const Token = "7351234567:AAHfake-Token_for-the-fake-bot-api-0123"

// User is a Telegram user as the Bot API's User object describes them.
type User struct {
	ID           int64
	FirstName    string
	LastName     string
	Username     string
	IsBot        bool
	LanguageCode string // the IETF tag of the user's app language; "" = not sent
}

func (u User) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": u.IsBot, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	if u.LanguageCode != "" {
		m["language_code"] = u.LanguageCode
	}
	return m
}

// Chat is a chat the bot is in, with the messages in it.
type Chat struct {
	ID         int64
	Type       string // private, group, supergroup, channel
	Title      string
	User       *User // a private chat's user
	Blocked    bool  // a private chat whose user blocked the bot
	Kicked     bool  // a group that removed the bot
	MigratedTo int64 // a group that became this supergroup
	nextMsg    int
	msgs       map[int]*Message
}

func (c *Chat) json() map[string]any {
	m := map[string]any{"id": c.ID, "type": c.Type}
	if c.Title != "" {
		m["title"] = c.Title
	}
	if c.User != nil {
		m["first_name"] = c.User.FirstName
		if c.User.Username != "" {
			m["username"] = c.User.Username
		}
	}
	return m
}

// Message is a message in a chat: one the bot sent (From nil) or a user's.
type Message struct {
	ID        int
	Chat      int64
	From      *User
	HTML      string // as sent (the text parameter)
	ParseMode string
	Text      string          // as Telegram shows it, after parsing
	Markup    json.RawMessage // reply_markup, nil when none
	ReplyTo   int
	Date      int64
	Edits     int
	// A photo (sendPhoto) or a document (sendDocument): the uploaded file, its name, and
	// HTML/Text hold its caption.
	Photo    []byte
	Document []byte
	FileName string
}

// Call is one request the fake answered: the method as called, its parameters, and the HTTP
// status and error description it got.
type Call struct {
	Method string
	Params map[string]string
	Status int
	Desc   string
}

// Fault is an error answer injected for calls of Method (case-insensitive).
type Fault struct {
	Method string
	Chat   string // chat_id the fault applies to; "" = any
	Status int
	Desc   string
	Params map[string]any
	Skip   int // let this many matching calls through first
	Times  int // 0 = until cleared
}

// Query is a callback query (a button press) and how the bot answered it.
type Query struct {
	Answered bool
	Text     string
	Alert    bool
}

// Fake is the fake Bot API; URL is its endpoint (the adapter's APIEndpoint), and the bot's
// token is Token.
type Fake struct {
	URL string

	t     testing.TB
	srv   *httptest.Server
	token string
	me    User

	mu            sync.Mutex
	down          bool // every call answers 502
	updates       []update
	nextUpdate    int
	changed       chan struct{} // closed and replaced when updates arrive or a poller is replaced
	pollGen       int
	allowed       []string
	webhookURL    string
	webhookSecret string
	chats         map[int64]*Chat
	calls         []Call
	callAdded     chan struct{}
	faults        []*Fault
	queries       map[string]*Query
	nextQuery     int
	commands      map[string]json.RawMessage // by scope + "|" + language_code
	hook          http.Client
}

type update struct {
	ID   int
	Kind string // message, callback_query, ...
	Body map[string]any
}

// New starts a fake Bot API for t, closed when t ends. Its bot is @PartnerOpsBot with the token
// Token; it has no chats until the test adds them (AddPrivate, AddGroup).
func New(t testing.TB) *Fake {
	t.Helper()
	f := &Fake{
		t: t, token: Token,
		me:         User{ID: 7351234567, FirstName: "Partner Bot", Username: "PartnerOpsBot", IsBot: true},
		nextUpdate: 500, changed: make(chan struct{}), callAdded: make(chan struct{}),
		chats: map[int64]*Chat{}, queries: map[string]*Query{}, commands: map[string]json.RawMessage{},
		hook: http.Client{Timeout: 10 * time.Second},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// SetDown makes every call answer 502 Bad Gateway with an HTML page (down) or brings the API
// back; a long poll waiting when it goes down ends with the 502.
func (f *Fake) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	f.wakeLocked()
}

// CallAdded returns a channel closed when the next call is answered, to wait on without polling.
func (f *Fake) CallAdded() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.callAdded
}

// Query returns callback query id as it stands (the zero Query for an unknown id).
func (f *Fake) Query(id string) Query {
	f.mu.Lock()
	defer f.mu.Unlock()
	if q := f.queries[id]; q != nil {
		return *q
	}
	return Query{}
}

// Commands returns the command list setMyCommands last set for scope and language code (both
// as sent, "" when not), as JSON; nil when none was set.
func (f *Fake) Commands(scope, lang string) json.RawMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.commands[scope+"|"+lang]
}

// ---- the test's side: users, chats, what they type and click ----

// AddPrivate opens a private chat between u and the bot (u pressed Start).
func (f *Fake) AddPrivate(u User) *Chat {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &Chat{ID: u.ID, Type: "private", User: &u, msgs: map[int]*Message{}}
	f.chats[u.ID] = c
	return c
}

// AddGroup adds the bot to a group (id < 0); typ is "group" or "supergroup".
func (f *Fake) AddGroup(id int64, typ, title string) *Chat {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &Chat{ID: id, Type: typ, Title: title, msgs: map[int]*Message{}}
	f.chats[id] = c
	return c
}

// SetChat changes chat id under the fake's lock (to block the bot, kick it, ...).
func (f *Fake) SetChat(id int64, fn func(c *Chat)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.chats[id])
}

// Say makes from write text in chat and queues the update; it returns the message id.
func (f *Fake) Say(chat int64, from User, text string) int {
	f.t.Helper()
	f.mu.Lock()
	c := f.chats[chat]
	if c == nil {
		f.mu.Unlock()
		f.t.Fatalf("fake: no chat %d", chat)
	}
	m := c.add(&Message{From: &from, Text: text, Date: time.Now().Unix()})
	body := f.messageJSON(c, m)
	if strings.HasPrefix(text, "/") {
		end := strings.IndexAny(text, " \n")
		if end < 0 {
			end = len(text)
		}
		body["entities"] = []map[string]any{{"type": "bot_command", "offset": 0, "length": utf16Len(text[:end])}}
	}
	f.mu.Unlock()
	f.queue("message", map[string]any{"message": body})
	return m.ID
}

// Edited queues an edited_message update (bots should not run edited commands again).
func (f *Fake) Edited(chat int64, from User, msgID int, text string) {
	f.mu.Lock()
	c := f.chats[chat]
	body := f.messageJSON(c, &Message{ID: msgID, Chat: chat, From: &from, Text: text, Date: time.Now().Unix()})
	body["edit_date"] = time.Now().Unix()
	f.mu.Unlock()
	f.queue("edited_message", map[string]any{"edited_message": body})
}

// Click makes from press the button with data under message msgID; it returns the query id.
func (f *Fake) Click(chat int64, msgID int, from User, data string) string {
	f.t.Helper()
	f.mu.Lock()
	c := f.chats[chat]
	m := c.msgs[msgID]
	if m == nil {
		f.mu.Unlock()
		f.t.Fatalf("fake: no message %d in chat %d", msgID, chat)
	}
	f.nextQuery++
	id := fmt.Sprintf("%d%06d", from.ID, f.nextQuery)
	f.queries[id] = &Query{}
	body := map[string]any{"id": id, "from": from.json(), "message": f.messageJSON(c, m),
		"chat_instance": fmt.Sprint(-chat), "data": data}
	f.mu.Unlock()
	f.queue("callback_query", map[string]any{"callback_query": body})
	return id
}

// Migrate turns group from into supergroup to, as Telegram does: the old group gets a service
// message with migrate_to_chat_id and refuses messages from then on.
func (f *Fake) Migrate(from, to int64) {
	f.mu.Lock()
	old := f.chats[from]
	old.MigratedTo = to
	sup := &Chat{ID: to, Type: "supergroup", Title: old.Title, msgs: map[int]*Message{}}
	f.chats[to] = sup
	body := f.messageJSON(old, old.add(&Message{From: &User{ID: 1, FirstName: "Group"}, Date: time.Now().Unix()}))
	body["migrate_to_chat_id"] = to
	f.mu.Unlock()
	f.queue("message", map[string]any{"message": body})
}

// Queue adds an update: to the getUpdates queue, or, with a webhook set, posted to it.
func (f *Fake) queue(kind string, body map[string]any) int {
	f.mu.Lock()
	f.nextUpdate++
	u := update{ID: f.nextUpdate, Kind: kind, Body: body}
	u.Body["update_id"] = u.ID
	hook, secret := f.webhookURL, f.webhookSecret
	if hook == "" {
		f.updates = append(f.updates, u)
		f.wakeLocked()
	}
	f.mu.Unlock()
	if hook != "" {
		if status := f.Deliver(hook, secret, u.Body); status != http.StatusOK {
			f.t.Errorf("fake: webhook answered update %d with %d", u.ID, status)
		}
	}
	return u.ID
}

// SecretTokenHeader carries the secret_token given to setWebhook on every delivery.
const SecretTokenHeader = "X-Telegram-Bot-Api-Secret-Token"

// WebhookRequest is an update delivery as Telegram posts it to a webhook: the Update object
// as JSON, the secret token (when set) in SecretTokenHeader.
func WebhookRequest(hook, secret string, update []byte) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, hook, bytes.NewReader(update))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set(SecretTokenHeader, secret)
	}
	return req, nil
}

// Deliver POSTs an update to a webhook as Telegram does and returns the status.
func (f *Fake) Deliver(hook, secret string, body map[string]any) int {
	raw, _ := json.Marshal(body)
	req, err := WebhookRequest(hook, secret, raw)
	if err != nil {
		f.t.Errorf("fake: %v", err)
		return 0
	}
	resp, err := f.hook.Do(req)
	if err != nil {
		f.t.Errorf("fake: webhook delivery: %v", err)
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func (f *Fake) wakeLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// Inject adds a fault; see Fault.
func (f *Fake) Inject(ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &ft)
}

// ClearFaults removes every injected fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// TooMany is the 429 Telegram answers under flood control.
func TooMany(method string, retryAfter, times int) Fault {
	return Fault{Method: method, Status: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		Params: map[string]any{"retry_after": retryAfter}, Times: times}
}

// ---- what the test inspects ----

// CallsOf returns the answered calls of method ("" = all), in order.
func (f *Fake) CallsOf(method string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// OKCalls returns the successful calls of method.
func (f *Fake) OKCalls(method string) []Call {
	var out []Call
	for _, c := range f.CallsOf(method) {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// WaitCalls waits until n successful calls of method were made and returns them.
func (f *Fake) WaitCalls(method string, n int) []Call {
	f.t.Helper()
	return f.WaitCallsFor(method, n, 10*time.Second)
}

// WaitCallsFor is WaitCalls with another time limit.
func (f *Fake) WaitCallsFor(method string, n int, limit time.Duration) []Call {
	f.t.Helper()
	deadline := time.After(limit)
	for {
		f.mu.Lock()
		ch := f.callAdded
		f.mu.Unlock()
		if cs := f.OKCalls(method); len(cs) >= n {
			return cs
		}
		select {
		case <-ch:
		case <-deadline:
			f.t.Fatalf("fake: %d successful %s calls, want %d; all calls: %s", len(f.OKCalls(method)), method, n, f.DescribeCalls())
			return nil
		}
	}
}

// DescribeCalls lists every call so far, one a line, for a failure message.
func (f *Fake) DescribeCalls() string {
	var b strings.Builder
	for _, c := range f.CallsOf("") {
		fmt.Fprintf(&b, "\n  %s %d %s chat=%s text=%.60q", c.Method, c.Status, c.Desc, c.Params["chat_id"], c.Params["text"])
	}
	return b.String()
}

// Messages returns the bot's messages in chat, in order.
func (f *Fake) Messages(chat int64) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[chat]
	var out []Message
	for id := 1; id <= c.nextMsg; id++ {
		if m := c.msgs[id]; m != nil && m.From == nil {
			out = append(out, *m)
		}
	}
	return out
}

// Message returns message id of chat, the bot's or a user's.
func (f *Fake) Message(chat int64, id int) Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.chats[chat].msgs[id]
}

// Pending is the number of updates not yet confirmed.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.updates)
}

// Buttons returns the inline keyboard of a message: rows of [text, callback_data].
func Buttons(m Message) [][][2]string {
	if m.Markup == nil {
		return nil
	}
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	_ = json.Unmarshal(m.Markup, &kb)
	var out [][][2]string
	for _, row := range kb.InlineKeyboard {
		var r [][2]string
		for _, b := range row {
			r = append(r, [2]string{b.Text, b.CallbackData})
		}
		out = append(out, r)
	}
	return out
}

// ---- the Bot API side ----

func (c *Chat) add(m *Message) *Message {
	c.nextMsg++
	m.ID, m.Chat = c.nextMsg, c.ID
	c.msgs[m.ID] = m
	return m
}

func (f *Fake) messageJSON(c *Chat, m *Message) map[string]any {
	from := f.me
	if m.From != nil {
		from = *m.From
	}
	out := map[string]any{"message_id": m.ID, "from": from.json(), "chat": c.json(), "date": m.Date}
	textKey := "text"
	fileID := fmt.Sprintf("file-%d-%d", c.ID, m.ID)
	switch {
	case m.Photo != nil:
		textKey = "caption"
		w, h := 0, 0
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(m.Photo)); err == nil {
			w, h = cfg.Width, cfg.Height
		}
		out["photo"] = []map[string]any{{"file_id": fileID, "file_unique_id": fileID, "width": w, "height": h, "file_size": len(m.Photo)}}
	case m.Document != nil:
		textKey = "caption"
		out["document"] = map[string]any{"file_id": fileID, "file_unique_id": fileID, "file_name": m.FileName, "mime_type": "image/png", "file_size": len(m.Document)}
	}
	if m.Text != "" {
		out[textKey] = m.Text
	}
	if m.Markup != nil {
		out["reply_markup"] = m.Markup
	}
	if m.ReplyTo != 0 {
		if r := c.msgs[m.ReplyTo]; r != nil {
			out["reply_to_message"] = f.messageJSON(c, &Message{ID: r.ID, From: r.From, Text: r.Text, Date: r.Date})
		}
	}
	if m.Edits > 0 {
		out["edit_date"] = time.Now().Unix()
	}
	return out
}

// apiErr is a Bot API failure.
type apiErr struct {
	status int
	desc   string
	params map[string]any
}

func bad(desc string) *apiErr { return &apiErr{status: 400, desc: "Bad Request: " + desc} }

var pathRE = regexp.MustCompile(`^/bot([^/]+)/([A-Za-z]+)$`)

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		f.answer(w, "", nil, nil, &apiErr{status: 404, desc: "Not Found"})
		return
	}
	token, method := m[1], m[2]
	params, files, err := readParams(r)
	if err != nil {
		f.answer(w, method, params, nil, bad(err.Error()))
		return
	}
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		f.badGateway(w, method, params)
		return
	}
	if token != f.token {
		f.answer(w, method, params, nil, &apiErr{status: 401, desc: "Unauthorized"})
		return
	}
	if ae := f.takeFault(method, params["chat_id"]); ae != nil {
		f.answer(w, method, params, nil, ae)
		return
	}
	var (
		result any
		ae     *apiErr
	)
	switch strings.ToLower(method) {
	case "getme":
		result = f.getMe()
	case "getupdates":
		result, ae = f.getUpdates(r.Context(), params)
	case "setwebhook":
		result, ae = f.setWebhook(params)
	case "deletewebhook":
		result, ae = f.deleteWebhook(params)
	case "getwebhookinfo":
		result = f.webhookInfo()
	case "sendmessage":
		result, ae = f.sendMessage(params)
	case "sendphoto":
		result, ae = f.sendFile(params, files, "photo")
	case "senddocument":
		result, ae = f.sendFile(params, files, "document")
	case "editmessagetext":
		result, ae = f.editMessageText(params)
	case "editmessagereplymarkup":
		result, ae = f.editMessageReplyMarkup(params)
	case "answercallbackquery":
		result, ae = f.answerCallbackQuery(params)
	case "setmycommands":
		result, ae = f.setMyCommands(params)
	default:
		ae = &apiErr{status: 404, desc: "Not Found"}
	}
	if ae == errDown {
		f.badGateway(w, method, params)
		return
	}
	f.answer(w, method, params, result, ae)
}

// pollsStarted is how many getUpdates calls were started (for tests of the fake).
func (f *Fake) pollsStarted() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.pollGen
}

// errDown ends a long poll the fake went down during.
var errDown = &apiErr{status: http.StatusBadGateway, desc: "Bad Gateway"}

// badGateway is the answer of a proxy in front of an unreachable Telegram.
func (f *Fake) badGateway(w http.ResponseWriter, method string, params map[string]string) {
	f.record(method, params, http.StatusBadGateway, "Bad Gateway")
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	w.Write([]byte("<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"))
}

// File is a file uploaded with multipart/form-data: the part's file name and its bytes.
type File struct {
	Name  string
	Bytes []byte
}

// readParams reads the four forms of passing parameters the Bot API accepts, and the files a
// multipart/form-data request uploads (by form name).
func readParams(r *http.Request) (map[string]string, map[string]File, error) {
	out := map[string]string{}
	files := map[string]File{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil {
		return out, files, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return out, files, err
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		vs, err := url.ParseQuery(string(body))
		if err != nil {
			return out, files, err
		}
		for k, v := range vs {
			out[k] = v[0]
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return out, files, err
		}
		for k, v := range obj {
			var s string
			if json.Unmarshal(v, &s) == nil {
				out[k] = s
			} else {
				out[k] = string(v)
			}
		}
	case "multipart/form-data":
		mr := multipart.NewReader(bytes.NewReader(body), ctParams["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				return out, files, err
			}
			v, _ := io.ReadAll(p)
			if p.FileName() != "" {
				files[p.FormName()] = File{Name: p.FileName(), Bytes: v}
				continue
			}
			out[p.FormName()] = string(v)
		}
	}
	return out, files, nil
}

func (f *Fake) answer(w http.ResponseWriter, method string, params map[string]string, result any, ae *apiErr) {
	var body map[string]any
	status := http.StatusOK
	if ae != nil {
		status = ae.status
		body = map[string]any{"ok": false, "error_code": ae.status, "description": ae.desc}
		if ae.params != nil {
			body["parameters"] = ae.params
		}
	} else {
		body = map[string]any{"ok": true, "result": result}
	}
	desc := ""
	if ae != nil {
		desc = ae.desc
	}
	f.record(method, params, status, desc)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

// record adds a call to the log and wakes whoever waits for one.
func (f *Fake) record(method string, params map[string]string, status int, desc string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, Call{Method: method, Params: params, Status: status, Desc: desc})
	close(f.callAdded)
	f.callAdded = make(chan struct{})
}

func (f *Fake) takeFault(method, chat string) *apiErr {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := len(f.faults) - 1; i >= 0; i-- {
		ft := f.faults[i]
		if !strings.EqualFold(ft.Method, method) || (ft.Chat != "" && ft.Chat != chat) {
			continue
		}
		if ft.Skip > 0 {
			ft.Skip--
			continue
		}
		if ft.Times > 0 {
			ft.Times--
			if ft.Times == 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		return &apiErr{status: ft.Status, desc: ft.Desc, params: ft.Params}
	}
	return nil
}

func (f *Fake) getMe() any {
	m := f.me.json()
	m["can_join_groups"] = true
	m["can_read_all_group_messages"] = false
	m["supports_inline_queries"] = false
	return m
}

func intParam(p map[string]string, key string, def int) (int, *apiErr) {
	v, ok := p[key]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, bad("field \"" + key + "\" must be of type Integer")
	}
	return n, nil
}

func (f *Fake) getUpdates(ctx context.Context, p map[string]string) (any, *apiErr) {
	offset, ae := intParam(p, "offset", 0)
	if ae != nil {
		return nil, ae
	}
	limit, ae := intParam(p, "limit", 100)
	if ae != nil {
		return nil, ae
	}
	timeout, ae := intParam(p, "timeout", 0)
	if ae != nil {
		return nil, ae
	}
	if limit < 1 || limit > 100 {
		limit = 100
	}
	f.mu.Lock()
	if f.webhookURL != "" {
		f.mu.Unlock()
		return nil, &apiErr{status: 409, desc: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}
	}
	if a, ok := p["allowed_updates"]; ok && a != "" && a != "null" {
		var allowed []string
		if err := json.Unmarshal([]byte(a), &allowed); err != nil {
			f.mu.Unlock()
			return nil, bad("can't parse allowed_updates JSON array")
		}
		f.allowed = allowed
	}
	f.pollGen++
	gen := f.pollGen
	f.wakeLocked() // a poller already waiting is replaced
	deadline := time.After(time.Duration(timeout) * time.Second)
	for {
		// Confirm (offset > 0) or forget (offset < 0), then drop what is not allowed.
		switch {
		case offset > 0:
			for len(f.updates) > 0 && f.updates[0].ID < offset {
				f.updates = f.updates[1:]
			}
		case offset < 0:
			if keep := -offset; len(f.updates) > keep {
				f.updates = f.updates[len(f.updates)-keep:]
			}
		}
		var out []map[string]any
		for _, u := range f.updates {
			if len(out) == limit {
				break
			}
			if len(f.allowed) > 0 && !contains(f.allowed, u.Kind) {
				continue
			}
			out = append(out, u.Body)
		}
		if len(out) > 0 || timeout == 0 {
			f.mu.Unlock()
			if out == nil {
				out = []map[string]any{}
			}
			return out, nil
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-deadline:
			return []map[string]any{}, nil
		case <-ctx.Done():
			return []map[string]any{}, nil
		}
		f.mu.Lock()
		if f.down {
			f.mu.Unlock()
			return nil, errDown
		}
		if f.pollGen != gen {
			f.mu.Unlock()
			return nil, &apiErr{status: 409, desc: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var secretTokenRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

func (f *Fake) setWebhook(p map[string]string) (any, *apiErr) {
	raw, ok := p["url"]
	if !ok {
		return nil, bad("parameter \"url\" is required")
	}
	if raw == "" {
		return f.deleteWebhook(p)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, bad("bad webhook: Failed to resolve host")
	}
	loopback := u.Hostname() == "127.0.0.1" || u.Hostname() == "localhost" || u.Hostname() == "::1"
	if u.Scheme != "https" && !(u.Scheme == "http" && loopback) {
		return nil, bad("bad webhook: An HTTPS URL must be provided for webhook")
	}
	secret, hasSecret := p["secret_token"]
	if hasSecret && !secretTokenRE.MatchString(secret) {
		return nil, bad("secret token contains unallowed characters")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhookURL, f.webhookSecret = raw, secret
	if p["drop_pending_updates"] == "true" {
		f.updates = nil
	}
	f.wakeLocked()
	return true, nil
}

func (f *Fake) deleteWebhook(p map[string]string) (any, *apiErr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhookURL, f.webhookSecret = "", ""
	if p["drop_pending_updates"] == "true" {
		f.updates = nil
	}
	return true, nil
}

func (f *Fake) webhookInfo() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return map[string]any{"url": f.webhookURL, "has_custom_certificate": false, "pending_update_count": len(f.updates)}
}

// chatFor resolves chat_id (an integer, or @username of a public chat) for sending.
func (f *Fake) chatFor(p map[string]string) (*Chat, *apiErr) {
	raw, ok := p["chat_id"]
	if !ok || raw == "" {
		return nil, bad("chat_id is empty")
	}
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return nil, bad("chat not found")
	}
	c := f.chats[id]
	switch {
	case c == nil:
		return nil, bad("chat not found")
	case c.MigratedTo != 0:
		return nil, &apiErr{status: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat",
			params: map[string]any{"migrate_to_chat_id": c.MigratedTo}}
	case c.Blocked:
		return nil, &apiErr{status: 403, desc: "Forbidden: bot was blocked by the user"}
	case c.Kicked:
		return nil, &apiErr{status: 403, desc: "Forbidden: bot was kicked from the group chat"}
	}
	return c, nil
}

// parseText checks text and parse_mode as sendMessage and editMessageText do, returning the
// text Telegram would show.
func parseText(p map[string]string) (string, *apiErr) {
	text := p["text"]
	shown := text
	switch p["parse_mode"] {
	case "":
	case "HTML":
		var err error
		if shown, err = ParseHTML(text); err != nil {
			return "", bad("can't parse entities: " + err.Error())
		}
	default:
		return "", bad("unsupported parse_mode")
	}
	n := utf16Len(strings.TrimSpace(shown))
	switch {
	case n == 0:
		return "", bad("message text is empty")
	case utf16Len(shown) > 4096:
		return "", bad("message is too long")
	}
	return shown, nil
}

// parseMarkup checks reply_markup: an inline keyboard whose buttons have a text and 1-64 bytes
// of callback_data.
func parseMarkup(p map[string]string) (json.RawMessage, *apiErr) {
	raw, ok := p["reply_markup"]
	if !ok || raw == "" || raw == "null" {
		return nil, nil
	}
	var kb struct {
		InlineKeyboard [][]map[string]any `json:"inline_keyboard"`
	}
	if err := json.Unmarshal([]byte(raw), &kb); err != nil {
		return nil, bad("can't parse reply keyboard markup JSON object")
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			text, _ := b["text"].(string)
			if text == "" {
				return nil, bad("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			}
			data, ok := b["callback_data"].(string)
			if ok && (len(data) < 1 || len(data) > 64) {
				return nil, bad("BUTTON_DATA_INVALID")
			}
		}
	}
	return json.RawMessage(raw), nil
}

func (f *Fake) sendMessage(p map[string]string) (any, *apiErr) {
	shown, ae := parseText(p)
	if ae != nil {
		return nil, ae
	}
	markup, ae := parseMarkup(p)
	if ae != nil {
		return nil, ae
	}
	replyTo, ae := intParam(p, "reply_to_message_id", 0)
	if ae != nil {
		return nil, ae
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ae := f.chatFor(p)
	if ae != nil {
		return nil, ae
	}
	if replyTo != 0 && c.msgs[replyTo] == nil {
		if p["allow_sending_without_reply"] != "true" {
			return nil, bad("message to be replied not found")
		}
		replyTo = 0
	}
	m := c.add(&Message{HTML: p["text"], ParseMode: p["parse_mode"], Text: shown, Markup: markup, ReplyTo: replyTo, Date: time.Now().Unix()})
	return f.messageJSON(c, m), nil
}

// The documented limits of sendPhoto and sendDocument.
const (
	maxPhotoBytes    = 10 << 20
	maxDocumentBytes = 50 << 20
	maxPhotoSides    = 10000
	maxPhotoRatio    = 20
	maxCaption       = 1024
)

// sendFile is sendPhoto (field "photo") and sendDocument (field "document"): the file is
// uploaded as multipart/form-data (a file_id or URL string is not accepted by the fake); the
// caption is 0-1024 characters after parsing, with parse_mode as for sendMessage. A photo is
// at most 10 MB, a PNG Telegram can read, with width + height at most 10,000 and a ratio of
// sides at most 20, else PHOTO_INVALID_DIMENSIONS; a document is at most 50 MB.
func (f *Fake) sendFile(p map[string]string, files map[string]File, field string) (any, *apiErr) {
	file, ok := files[field]
	if !ok {
		if p[field] != "" {
			return nil, bad("wrong file identifier/HTTP URL specified")
		}
		return nil, bad("there is no " + field + " in the request")
	}
	if len(file.Bytes) == 0 {
		return nil, bad("file must be non-empty")
	}
	shown := p["caption"]
	if shown != "" {
		switch p["parse_mode"] {
		case "":
		case "HTML":
			var err error
			if shown, err = ParseHTML(shown); err != nil {
				return nil, bad("can't parse entities: " + err.Error())
			}
		default:
			return nil, bad("unsupported parse_mode")
		}
		if utf16Len(shown) > maxCaption {
			return nil, bad("message caption is too long")
		}
	}
	if field == "photo" {
		if len(file.Bytes) > maxPhotoBytes {
			return nil, bad("file is too big")
		}
		cfg, _, err := image.DecodeConfig(bytes.NewReader(file.Bytes))
		if err != nil {
			return nil, bad("IMAGE_PROCESS_FAILED")
		}
		w, h := cfg.Width, cfg.Height
		if w+h > maxPhotoSides || max(w, h) > maxPhotoRatio*min(w, h) {
			return nil, bad("PHOTO_INVALID_DIMENSIONS")
		}
	} else if len(file.Bytes) > maxDocumentBytes {
		return nil, bad("file is too big")
	}
	markup, ae := parseMarkup(p)
	if ae != nil {
		return nil, ae
	}
	replyTo, ae := intParam(p, "reply_to_message_id", 0)
	if ae != nil {
		return nil, ae
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ae := f.chatFor(p)
	if ae != nil {
		return nil, ae
	}
	if replyTo != 0 && c.msgs[replyTo] == nil {
		if p["allow_sending_without_reply"] != "true" {
			return nil, bad("message to be replied not found")
		}
		replyTo = 0
	}
	m := &Message{HTML: p["caption"], ParseMode: p["parse_mode"], Text: shown, Markup: markup, ReplyTo: replyTo, Date: time.Now().Unix(), FileName: file.Name}
	if field == "photo" {
		m.Photo = file.Bytes
	} else {
		m.Document = file.Bytes
	}
	c.add(m)
	return f.messageJSON(c, m), nil
}

// editable finds the bot's message chat_id/message_id.
func (f *Fake) editable(p map[string]string) (*Chat, *Message, *apiErr) {
	if p["inline_message_id"] != "" {
		return nil, nil, bad("MESSAGE_ID_INVALID")
	}
	c, ae := f.chatFor(p)
	if ae != nil {
		return nil, nil, ae
	}
	id, ae := intParam(p, "message_id", 0)
	if ae != nil {
		return nil, nil, ae
	}
	m := c.msgs[id]
	if m == nil || m.From != nil {
		return nil, nil, bad("message to edit not found")
	}
	return c, m, nil
}

const notModified = "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"

func (f *Fake) editMessageText(p map[string]string) (any, *apiErr) {
	shown, ae := parseText(p)
	if ae != nil {
		return nil, ae
	}
	markup, ae := parseMarkup(p)
	if ae != nil {
		return nil, ae
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, m, ae := f.editable(p)
	if ae != nil {
		return nil, ae
	}
	if m.HTML == p["text"] && m.ParseMode == p["parse_mode"] && bytes.Equal(m.Markup, markup) {
		return nil, bad(notModified)
	}
	// Without reply_markup, the inline keyboard goes.
	m.HTML, m.ParseMode, m.Text, m.Markup = p["text"], p["parse_mode"], shown, markup
	m.Edits++
	return f.messageJSON(c, m), nil
}

func (f *Fake) editMessageReplyMarkup(p map[string]string) (any, *apiErr) {
	markup, ae := parseMarkup(p)
	if ae != nil {
		return nil, ae
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	c, m, ae := f.editable(p)
	if ae != nil {
		return nil, ae
	}
	if bytes.Equal(m.Markup, markup) {
		return nil, bad(notModified)
	}
	m.Markup = markup
	m.Edits++
	return f.messageJSON(c, m), nil
}

func (f *Fake) answerCallbackQuery(p map[string]string) (any, *apiErr) {
	if utf16Len(p["text"]) > 200 {
		return nil, bad("MESSAGE_TOO_LONG")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	q := f.queries[p["callback_query_id"]]
	if q == nil || q.Answered {
		return nil, bad("query is too old and response timeout expired or query ID is invalid")
	}
	q.Answered, q.Text, q.Alert = true, p["text"], p["show_alert"] == "true"
	return true, nil
}

var commandNameRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

func (f *Fake) setMyCommands(p map[string]string) (any, *apiErr) {
	var cmds []struct {
		Command     string `json:"command"`
		Description string `json:"description"`
	}
	if err := json.Unmarshal([]byte(p["commands"]), &cmds); err != nil {
		return nil, bad("can't parse commands JSON array")
	}
	if len(cmds) > 100 {
		return nil, bad("too many commands")
	}
	for _, c := range cmds {
		if !commandNameRE.MatchString(c.Command) {
			return nil, bad("BOT_COMMAND_INVALID")
		}
		if n := utf8.RuneCountInString(c.Description); n < 1 || n > 256 {
			return nil, bad("command description must be 1-256 characters")
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.commands[p["scope"]+"|"+p["language_code"]] = json.RawMessage(p["commands"])
	return true, nil
}

// ---- HTML as Telegram parses it ----

// Tags of the HTML parse mode (Bot API "HTML style"), with the attributes each may carry.
var telegramTags = map[string][]string{
	"b": nil, "strong": nil, "i": nil, "em": nil, "u": nil, "ins": nil, "s": nil, "strike": nil, "del": nil,
	"span": {"class"}, "tg-spoiler": nil, "a": {"href"}, "code": {"class"}, "pre": nil,
	"blockquote": {"expandable"}, "tg-emoji": {"emoji-id"},
}

var attrRE = regexp.MustCompile(`^\s*([a-z-]+)(?:\s*=\s*"([^"]*)")?`)

// ParseHTML returns the text Telegram shows for s in parse_mode HTML, or why Telegram
// refuses it.
func ParseHTML(s string) (string, error) {
	var out strings.Builder
	var open []string
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return "", fmt.Errorf("Unsupported start tag \"\" at byte offset %d", i)
			}
			tag := s[i+1 : i+end]
			if strings.HasPrefix(tag, "/") {
				name := strings.TrimSpace(tag[1:])
				if len(open) == 0 || open[len(open)-1] != name {
					return "", fmt.Errorf("Unexpected end tag at byte offset %d", i)
				}
				open = open[:len(open)-1]
			} else {
				name, attrs, _ := strings.Cut(tag, " ")
				allowed, ok := telegramTags[name]
				if !ok || name == "" {
					return "", fmt.Errorf("Unsupported start tag \"%s\" at byte offset %d", name, i)
				}
				for rest := attrs; strings.TrimSpace(rest) != ""; {
					m := attrRE.FindStringSubmatch(rest)
					if m == nil || !contains(allowed, m[1]) {
						return "", fmt.Errorf("Unsupported attribute in tag \"%s\" at byte offset %d", name, i)
					}
					rest = rest[len(m[0]):]
				}
				if len(open) > 0 {
					top := open[len(open)-1]
					if top == "code" || (top == "pre" && name != "code") {
						return "", fmt.Errorf("Can't nest \"%s\" in \"%s\" at byte offset %d", name, top, i)
					}
				}
				open = append(open, name)
			}
			i += end + 1
		case '>':
			return "", fmt.Errorf("Character '>' is reserved at byte offset %d", i)
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end < 0 {
				return "", fmt.Errorf("Character '&' is reserved at byte offset %d", i)
			}
			ent := s[i+1 : i+end]
			switch {
			case ent == "lt":
				out.WriteByte('<')
			case ent == "gt":
				out.WriteByte('>')
			case ent == "amp":
				out.WriteByte('&')
			case ent == "quot":
				out.WriteByte('"')
			case strings.HasPrefix(ent, "#x") || strings.HasPrefix(ent, "#X"):
				n, err := strconv.ParseUint(ent[2:], 16, 32)
				if err != nil {
					return "", fmt.Errorf("Unsupported HTML entity at byte offset %d", i)
				}
				out.WriteRune(rune(n))
			case strings.HasPrefix(ent, "#"):
				n, err := strconv.ParseUint(ent[1:], 10, 32)
				if err != nil {
					return "", fmt.Errorf("Unsupported HTML entity at byte offset %d", i)
				}
				out.WriteRune(rune(n))
			default:
				return "", fmt.Errorf("Unsupported HTML entity \"&%s;\" at byte offset %d", ent, i)
			}
			i += end + 1
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				return "", fmt.Errorf("Strings must be encoded in UTF-8")
			}
			out.WriteString(s[i : i+n])
			i += n
		}
	}
	if len(open) > 0 {
		return "", fmt.Errorf("Can't find end tag corresponding to start tag \"%s\"", open[len(open)-1])
	}
	return out.String(), nil
}

// utf16Len is the length of s as Telegram counts it: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
