package telegram

// A fake Telegram Bot API server, built from the Bot API documentation
// (core.telegram.org/bots/api; /work/shared/platforms.md §2), not from the adapter:
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
//   - answerCallbackQuery: once per query, text 0-200 characters;
//   - setMyCommands: at most 100 commands, names 1-32 of [a-z0-9_], descriptions 1-256;
//   - setWebhook: secret_token of 1-256 [A-Za-z0-9_-]; deliveries carry it in
//     X-Telegram-Bot-Api-Secret-Token. (The fake accepts an http:// URL on loopback: tests have
//     no certificate. Telegram itself requires HTTPS on ports 443, 80, 88 or 8443.)
//
// Faults (429 with retry_after, 403, 5xx) are injected per method and optionally per chat.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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

// fakeToken looks like a real token, so that the tests of redaction are meaningful.
const fakeToken = "7351234567:AAHfake-Token_for-the-fake-bot-api-0123"

type fakeUser struct {
	ID        int64
	FirstName string
	LastName  string
	Username  string
	IsBot     bool
}

func (u fakeUser) json() map[string]any {
	m := map[string]any{"id": u.ID, "is_bot": u.IsBot, "first_name": u.FirstName}
	if u.LastName != "" {
		m["last_name"] = u.LastName
	}
	if u.Username != "" {
		m["username"] = u.Username
	}
	return m
}

type fakeChat struct {
	ID         int64
	Type       string // private, group, supergroup, channel
	Title      string
	User       *fakeUser // a private chat's user
	Blocked    bool      // a private chat whose user blocked the bot
	Kicked     bool      // a group that removed the bot
	MigratedTo int64     // a group that became this supergroup
	nextMsg    int
	msgs       map[int]*fakeMessage
}

func (c *fakeChat) json() map[string]any {
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

// fakeMessage is a message in a chat: one the bot sent (From nil) or a user's.
type fakeMessage struct {
	ID        int
	Chat      int64
	From      *fakeUser
	HTML      string // as sent (the text parameter)
	ParseMode string
	Text      string          // as Telegram shows it, after parsing
	Markup    json.RawMessage // reply_markup, nil when none
	ReplyTo   int
	Date      int64
	Edits     int
}

// fakeCall is one request the fake answered.
type fakeCall struct {
	Method string
	Params map[string]string
	Status int
	Desc   string
}

type fakeFault struct {
	Method string
	Chat   string // chat_id the fault applies to; "" = any
	Status int
	Desc   string
	Params map[string]any
	Skip   int // let this many matching calls through first
	Times  int // 0 = until cleared
}

type fakeQuery struct {
	Answered bool
	Text     string
	Alert    bool
}

type fakeBot struct {
	t     testing.TB
	srv   *httptest.Server
	token string
	me    fakeUser

	mu            sync.Mutex
	updates       []fakeUpdate
	nextUpdate    int
	changed       chan struct{} // closed and replaced when updates arrive or a poller is replaced
	pollGen       int
	allowed       []string
	webhookURL    string
	webhookSecret string
	chats         map[int64]*fakeChat
	calls         []fakeCall
	callAdded     chan struct{}
	faults        []*fakeFault
	queries       map[string]*fakeQuery
	nextQuery     int
	commands      map[string]json.RawMessage // by scope + "|" + language_code
	hook          http.Client
}

type fakeUpdate struct {
	ID   int
	Kind string // message, callback_query, ...
	Body map[string]any
}

func newFakeBot(t testing.TB) *fakeBot {
	t.Helper()
	f := &fakeBot{
		t: t, token: fakeToken,
		me:         fakeUser{ID: 7351234567, FirstName: "Partner Bot", Username: "PartnerOpsBot", IsBot: true},
		nextUpdate: 500, changed: make(chan struct{}), callAdded: make(chan struct{}),
		chats: map[int64]*fakeChat{}, queries: map[string]*fakeQuery{}, commands: map[string]json.RawMessage{},
		hook: http.Client{Timeout: 10 * time.Second},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// ---- the test's side: users, chats, what they type and click ----

// addPrivate opens a private chat between u and the bot (u pressed Start).
func (f *fakeBot) addPrivate(u fakeUser) *fakeChat {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeChat{ID: u.ID, Type: "private", User: &u, msgs: map[int]*fakeMessage{}}
	f.chats[u.ID] = c
	return c
}

// addGroup adds the bot to a group (id < 0); typ is "group" or "supergroup".
func (f *fakeBot) addGroup(id int64, typ, title string) *fakeChat {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := &fakeChat{ID: id, Type: typ, Title: title, msgs: map[int]*fakeMessage{}}
	f.chats[id] = c
	return c
}

func (f *fakeBot) setChat(id int64, fn func(c *fakeChat)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f.chats[id])
}

// say makes from write text in chat and queues the update; it returns the message id.
func (f *fakeBot) say(chat int64, from fakeUser, text string) int {
	f.t.Helper()
	f.mu.Lock()
	c := f.chats[chat]
	if c == nil {
		f.mu.Unlock()
		f.t.Fatalf("fake: no chat %d", chat)
	}
	m := c.add(&fakeMessage{From: &from, Text: text, Date: time.Now().Unix()})
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

// edited queues an edited_message update (bots should not run edited commands again).
func (f *fakeBot) edited(chat int64, from fakeUser, msgID int, text string) {
	f.mu.Lock()
	c := f.chats[chat]
	body := f.messageJSON(c, &fakeMessage{ID: msgID, Chat: chat, From: &from, Text: text, Date: time.Now().Unix()})
	body["edit_date"] = time.Now().Unix()
	f.mu.Unlock()
	f.queue("edited_message", map[string]any{"edited_message": body})
}

// click makes from press the button with data under message msgID; it returns the query id.
func (f *fakeBot) click(chat int64, msgID int, from fakeUser, data string) string {
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
	f.queries[id] = &fakeQuery{}
	body := map[string]any{"id": id, "from": from.json(), "message": f.messageJSON(c, m),
		"chat_instance": fmt.Sprint(-chat), "data": data}
	f.mu.Unlock()
	f.queue("callback_query", map[string]any{"callback_query": body})
	return id
}

// migrate turns group from into supergroup to, as Telegram does: the old group gets a service
// message with migrate_to_chat_id and refuses messages from then on.
func (f *fakeBot) migrate(from, to int64) {
	f.mu.Lock()
	old := f.chats[from]
	old.MigratedTo = to
	sup := &fakeChat{ID: to, Type: "supergroup", Title: old.Title, msgs: map[int]*fakeMessage{}}
	f.chats[to] = sup
	body := f.messageJSON(old, old.add(&fakeMessage{From: &fakeUser{ID: 1, FirstName: "Group"}, Date: time.Now().Unix()}))
	body["migrate_to_chat_id"] = to
	f.mu.Unlock()
	f.queue("message", map[string]any{"message": body})
}

// queue adds an update: to the getUpdates queue, or, with a webhook set, posted to it.
func (f *fakeBot) queue(kind string, body map[string]any) int {
	f.mu.Lock()
	f.nextUpdate++
	u := fakeUpdate{ID: f.nextUpdate, Kind: kind, Body: body}
	u.Body["update_id"] = u.ID
	hook, secret := f.webhookURL, f.webhookSecret
	if hook == "" {
		f.updates = append(f.updates, u)
		f.wakeLocked()
	}
	f.mu.Unlock()
	if hook != "" {
		if status := f.deliver(hook, secret, u.Body); status != http.StatusOK {
			f.t.Errorf("fake: webhook answered update %d with %d", u.ID, status)
		}
	}
	return u.ID
}

// deliver POSTs an update to a webhook as Telegram does and returns the status.
func (f *fakeBot) deliver(hook, secret string, body map[string]any) int {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, hook, bytes.NewReader(raw))
	if err != nil {
		f.t.Errorf("fake: %v", err)
		return 0
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
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

func (f *fakeBot) wakeLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// inject adds a fault; see fakeFault.
func (f *fakeBot) inject(ft fakeFault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &ft)
}

func (f *fakeBot) clearFaults() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// tooMany is the 429 Telegram answers under flood control.
func tooMany(method string, retryAfter, times int) fakeFault {
	return fakeFault{Method: method, Status: 429, Desc: fmt.Sprintf("Too Many Requests: retry after %d", retryAfter),
		Params: map[string]any{"retry_after": retryAfter}, Times: times}
}

// ---- what the test inspects ----

// callsOf returns the answered calls of method ("" = all), in order.
func (f *fakeBot) callsOf(method string) []fakeCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []fakeCall
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// okCalls returns the successful calls of method.
func (f *fakeBot) okCalls(method string) []fakeCall {
	var out []fakeCall
	for _, c := range f.callsOf(method) {
		if c.Status == http.StatusOK {
			out = append(out, c)
		}
	}
	return out
}

// waitCalls waits until n successful calls of method were made and returns them.
func (f *fakeBot) waitCalls(method string, n int) []fakeCall {
	f.t.Helper()
	return f.waitCallsFor(method, n, 10*time.Second)
}

func (f *fakeBot) waitCallsFor(method string, n int, limit time.Duration) []fakeCall {
	f.t.Helper()
	deadline := time.After(limit)
	for {
		f.mu.Lock()
		ch := f.callAdded
		f.mu.Unlock()
		if cs := f.okCalls(method); len(cs) >= n {
			return cs
		}
		select {
		case <-ch:
		case <-deadline:
			f.t.Fatalf("fake: %d successful %s calls, want %d; all calls: %s", len(f.okCalls(method)), method, n, f.describeCalls())
			return nil
		}
	}
}

func (f *fakeBot) describeCalls() string {
	var b strings.Builder
	for _, c := range f.callsOf("") {
		fmt.Fprintf(&b, "\n  %s %d %s chat=%s text=%.60q", c.Method, c.Status, c.Desc, c.Params["chat_id"], c.Params["text"])
	}
	return b.String()
}

// messages returns the bot's messages in chat, in order.
func (f *fakeBot) messages(chat int64) []fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.chats[chat]
	var out []fakeMessage
	for id := 1; id <= c.nextMsg; id++ {
		if m := c.msgs[id]; m != nil && m.From == nil {
			out = append(out, *m)
		}
	}
	return out
}

func (f *fakeBot) message(chat int64, id int) fakeMessage {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.chats[chat].msgs[id]
}

// pending is the number of updates not yet confirmed.
func (f *fakeBot) pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.updates)
}

// buttons returns the inline keyboard of a message: rows of [text, callback_data].
func buttons(m fakeMessage) [][][2]string {
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

func (c *fakeChat) add(m *fakeMessage) *fakeMessage {
	c.nextMsg++
	m.ID, m.Chat = c.nextMsg, c.ID
	c.msgs[m.ID] = m
	return m
}

func (f *fakeBot) messageJSON(c *fakeChat, m *fakeMessage) map[string]any {
	from := f.me
	if m.From != nil {
		from = *m.From
	}
	out := map[string]any{"message_id": m.ID, "from": from.json(), "chat": c.json(), "date": m.Date}
	if m.Text != "" {
		out["text"] = m.Text
	}
	if m.Markup != nil {
		out["reply_markup"] = m.Markup
	}
	if m.ReplyTo != 0 {
		if r := c.msgs[m.ReplyTo]; r != nil {
			out["reply_to_message"] = f.messageJSON(c, &fakeMessage{ID: r.ID, From: r.From, Text: r.Text, Date: r.Date})
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

func (f *fakeBot) serve(w http.ResponseWriter, r *http.Request) {
	m := pathRE.FindStringSubmatch(r.URL.Path)
	if m == nil {
		f.answer(w, "", nil, nil, &apiErr{status: 404, desc: "Not Found"})
		return
	}
	token, method := m[1], m[2]
	params, err := readParams(r)
	if err != nil {
		f.answer(w, method, params, nil, bad(err.Error()))
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
	f.answer(w, method, params, result, ae)
}

// readParams reads the four forms of passing parameters the Bot API accepts.
func readParams(r *http.Request) (map[string]string, error) {
	out := map[string]string{}
	for k, v := range r.URL.Query() {
		out[k] = v[0]
	}
	if r.Body == nil {
		return out, nil
	}
	ct, ctParams, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return out, err
	}
	switch ct {
	case "application/x-www-form-urlencoded":
		vs, err := url.ParseQuery(string(body))
		if err != nil {
			return out, err
		}
		for k, v := range vs {
			out[k] = v[0]
		}
	case "application/json":
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(body, &obj); err != nil {
			return out, err
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
				return out, err
			}
			v, _ := io.ReadAll(p)
			out[p.FormName()] = string(v)
		}
	}
	return out, nil
}

func (f *fakeBot) answer(w http.ResponseWriter, method string, params map[string]string, result any, ae *apiErr) {
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
	f.mu.Lock()
	c := fakeCall{Method: method, Params: params, Status: status}
	if ae != nil {
		c.Desc = ae.desc
	}
	f.calls = append(f.calls, c)
	close(f.callAdded)
	f.callAdded = make(chan struct{})
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(body)
}

func (f *fakeBot) takeFault(method, chat string) *apiErr {
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

func (f *fakeBot) getMe() any {
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

func (f *fakeBot) getUpdates(ctx context.Context, p map[string]string) (any, *apiErr) {
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

func (f *fakeBot) setWebhook(p map[string]string) (any, *apiErr) {
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

func (f *fakeBot) deleteWebhook(p map[string]string) (any, *apiErr) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.webhookURL, f.webhookSecret = "", ""
	if p["drop_pending_updates"] == "true" {
		f.updates = nil
	}
	return true, nil
}

func (f *fakeBot) webhookInfo() any {
	f.mu.Lock()
	defer f.mu.Unlock()
	return map[string]any{"url": f.webhookURL, "has_custom_certificate": false, "pending_update_count": len(f.updates)}
}

// chatFor resolves chat_id (an integer, or @username of a public chat) for sending.
func (f *fakeBot) chatFor(p map[string]string) (*fakeChat, *apiErr) {
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
		if shown, err = parseTelegramHTML(text); err != nil {
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

func (f *fakeBot) sendMessage(p map[string]string) (any, *apiErr) {
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
	m := c.add(&fakeMessage{HTML: p["text"], ParseMode: p["parse_mode"], Text: shown, Markup: markup, ReplyTo: replyTo, Date: time.Now().Unix()})
	return f.messageJSON(c, m), nil
}

// editable finds the bot's message chat_id/message_id.
func (f *fakeBot) editable(p map[string]string) (*fakeChat, *fakeMessage, *apiErr) {
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

func (f *fakeBot) editMessageText(p map[string]string) (any, *apiErr) {
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

func (f *fakeBot) editMessageReplyMarkup(p map[string]string) (any, *apiErr) {
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

func (f *fakeBot) answerCallbackQuery(p map[string]string) (any, *apiErr) {
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

func (f *fakeBot) setMyCommands(p map[string]string) (any, *apiErr) {
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

// parseTelegramHTML returns the text Telegram shows for s in parse_mode HTML, or why Telegram
// refuses it.
func parseTelegramHTML(s string) (string, error) {
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
