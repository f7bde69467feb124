// Package slacktest is a fake Slack for tests, over real HTTP and WebSocket: the Web API
// (https://api.slack.com/methods, form-encoded posts answered {"ok":…} with HTTP 200, 429 with
// Retry-After under rate limits), response URLs, and Socket Mode's WebSocket of envelopes and
// acknowledgements. It is written from Slack's documentation (/work/shared/platforms.md §3, the
// method reference and Block Kit's limits, checked against slack-go's types), not from the
// adapter's code, so that a test against it catches what Slack would refuse.
//
// Sign and SignRequest sign a request the way Slack signs the slash commands, interactions and
// events it posts to an app in HTTP mode (the v0= HMAC-SHA256 of "v0:<timestamp>:<body>").
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gorilla/websocket"
)

// Fake stands in for Slack over real HTTP and WebSocket, written from Slack's documentation
// (platforms.md §3 and the method reference), not from the adapter's code:
//   - the Web API under /api/: auth.test, apps.connections.open (app-level token in the
//     Authorization header only), chat.postMessage, chat.postEphemeral, chat.update,
//     conversations.open, users.info (the workspace's members below; user_not_found for anyone
//     else); tokens are checked, unknown channels answer channel_not_found, and
//     blocks are checked against Block Kit's limits (invalid_blocks otherwise), attachments
//     against the table block's (invalid_attachments); chat.update keeps a message's
//     attachments unless it is given new ones (an empty list removes them);
//   - the external file upload (files.go): files.getUploadURLExternal, the upload URL it hands
//     out, files.completeUploadExternal sharing the file, and files.info, where the share shows
//     only some calls after completion, as Slack shares asynchronously;
//   - response URLs under /hooks/<id>, as handed out in slash-command and interaction payloads;
//   - the Socket Mode WebSocket apps.connections.open points at: it says hello, pings, carries
//     envelopes and records every acknowledgement;
//   - injectable faults per method: HTTP 429 with Retry-After, 5xx, or an ok:false error.
type Fake struct {
	t   testing.TB
	srv *httptest.Server
	// BotToken (xoxb-) is what every Web API method but apps.connections.open wants, as a
	// token parameter or a bearer Authorization header; AppToken (xapp-) is what
	// apps.connections.open wants, in the header only. Both look real, so that tests of
	// redaction mean something.
	BotToken string
	AppToken string

	mu        sync.Mutex
	changed   chan struct{} // signalled (non-blocking) whenever something is recorded
	posts     []Post
	calls     map[string]int
	faults    map[string][]*Fault
	channels  map[string]string           // channel id → "" (fine), or the error posting there gets
	messages  map[string][]map[string]any // channel+ts of messages posted → their attachments, for chat.update
	hooksGone map[string]bool             // response URL ids that answer 404 expired_url
	ts        int
	conn      *websocket.Conn
	connWrMu  sync.Mutex
	conns     int // WebSocket connections opened so far
	acks      map[string]Ack
	envSeq    int
	users     map[string]User  // users.info: the workspace's members by id
	files     map[string]*File // the external uploads (files.go), by file id
	fileSeq   int
	shareLag  int // files.info calls after completion before a share shows (SetShareLag)
}

// User is a member as users.info describes them: the legacy user name, the full name, and
// the display name of their profile (which may be empty: Slack then shows the full name).
type User struct {
	Name, RealName, DisplayName string
}

// Post is one message the fake received: posted, updated, or sent to a response URL.
type Post struct {
	Method          string // chat.postMessage, chat.postEphemeral, chat.update, response_url
	Channel         string
	User            string // chat.postEphemeral: who sees it
	TS              string // the message's ts (assigned, or the one updated)
	ThreadTS        string
	Text            string
	Blocks          []map[string]any
	Attachments     []map[string]any // what the message shows below its blocks (after chat.update: kept or replaced)
	Hook            string           // response_url: the hook id
	ResponseType    string
	ReplaceOriginal bool
}

// Ack is one Socket Mode acknowledgement.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage
	At         time.Time
}

// Fault is a misbehaviour of one Web API method.
type Fault struct {
	Status     int    // HTTP status (429, 500...); 0 = answer 200
	RetryAfter string // Retry-After header with a 429
	Error      string // ok:false error code when Status is 0
	Times      int    // how many calls it applies to; 0 = every call
	After      int    // calls let through before it applies
}

// The fake workspace's identities, as auth.test and every payload give them.
const (
	BotUserID = "UBOT"
	BotID     = "BBOT"
	TeamID    = "T0FAKE"
	AppID     = "A0FAKE"
)

// New starts a fake Slack for t, closed when t ends. Its workspace has the channels CGENERAL,
// CAPPROVALS and COPS (posting there works), CARCHIVED (is_archived) and COUTSIDE
// (not_in_channel); every D… channel is a direct message; the members UALICE, UBOB, UCAROL and
// UADMIN are known to users.info; conversations.open refuses UGONE (user_not_found).
func New(t testing.TB) *Fake {
	t.Helper()
	return NewWithTokens(t, "xoxb-1111-2222-fakebotsecret", "xapp-1-A0FAKE-3333-fakeappsecret")
}

// NewWithTokens is New with the bot and app-level tokens the fake accepts, for a test whose
// configuration names its own.
func NewWithTokens(t testing.TB, botToken, appToken string) *Fake {
	t.Helper()
	f := &Fake{
		t: t, BotToken: botToken, AppToken: appToken,
		changed: make(chan struct{}, 1), calls: map[string]int{}, faults: map[string][]*Fault{},
		channels: map[string]string{"CGENERAL": "", "CAPPROVALS": "", "COPS": "", "CARCHIVED": "is_archived", "COUTSIDE": "not_in_channel"},
		messages: map[string][]map[string]any{}, hooksGone: map[string]bool{}, acks: map[string]Ack{},
		users: map[string]User{
			"UALICE": {Name: "alice", RealName: "Alice Li", DisplayName: "Alice Li"},
			"UBOB":   {Name: "bob", RealName: "Bob Wang"}, // no display name: Slack shows the full name
			"UCAROL": {Name: "carol", RealName: "Carol Zhou", DisplayName: "carol.z"},
			"UADMIN": {Name: "admin", RealName: "Ada Admin", DisplayName: "ada"},
		},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", f.api)
	mux.HandleFunc("/hooks/", f.hook)
	mux.HandleFunc("/link", f.link)
	mux.HandleFunc("/upload/", f.uploadTo)
	f.files, f.shareLag = map[string]*File{}, 1
	f.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		f.mu.Lock()
		if f.conn != nil {
			f.conn.Close()
		}
		f.mu.Unlock()
		f.srv.Close()
	})
	return f
}

// AddChannel adds a channel the bot is in (posting there works).
func (f *Fake) AddChannel(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.channels[id] = ""
}

// AddUser adds a member of the workspace, for users.info.
func (f *Fake) AddUser(id string, u User) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.users[id] = u
}

// APIURL is the base URL to give the client (slack.OptionAPIURL).
func (f *Fake) APIURL() string { return f.srv.URL + "/api/" }

// HookURL is the response URL with id.
func (f *Fake) HookURL(id string) string { return f.srv.URL + "/hooks/" + id }

func (f *Fake) notify() {
	select {
	case f.changed <- struct{}{}:
	default:
	}
}

// Inject adds a fault to method.
func (f *Fake) Inject(method string, ft Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[method] = append(f.faults[method], &ft)
}

func (f *Fake) takeFault(method string) *Fault {
	f.mu.Lock()
	defer f.mu.Unlock()
	list := f.faults[method]
	if len(list) == 0 {
		return nil
	}
	ft := list[0]
	if ft.After > 0 {
		ft.After--
		return nil
	}
	if ft.Times > 0 {
		ft.Times--
		if ft.Times == 0 {
			f.faults[method] = list[1:]
		}
	}
	return ft
}

// CallCount is how many times method was called, answered or refused.
func (f *Fake) CallCount(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// Posts returns a copy of what was posted so far.
func (f *Fake) Posts() []Post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Post(nil), f.posts...)
}

// WaitFor waits until cond (called under no lock) holds, failing the test after 10 s.
func (f *Fake) WaitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-f.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			f.t.Fatalf("timed out waiting for %s; posts so far: %s", what, f.DescribePosts())
		}
	}
}

// WaitPosts waits until at least n posts arrived and returns them all.
func (f *Fake) WaitPosts(n int) []Post {
	f.t.Helper()
	f.WaitFor(fmt.Sprintf("%d posts", n), func() bool { return len(f.Posts()) >= n })
	return f.Posts()
}

// DescribePosts lists the posts so far, one a line, for a failure message.
func (f *Fake) DescribePosts() string {
	var b strings.Builder
	for i, p := range f.Posts() {
		fmt.Fprintf(&b, "\n  #%d %s channel=%s user=%s thread=%s type=%s replace=%v text=%q", i, p.Method, p.Channel, p.User,
			p.ThreadTS, p.ResponseType, p.ReplaceOriginal, p.Text)
	}
	return b.String()
}

// --- Web API ---

func (f *Fake) api(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	f.calls[method]++
	f.mu.Unlock()
	defer f.notify()
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	form := url.Values{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		if form, err = url.ParseQuery(string(body)); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
	}
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	token := form.Get("token")
	if token == "" {
		token = bearer
	}
	if ft := f.takeFault(method); ft != nil {
		switch {
		case ft.Status == http.StatusTooManyRequests:
			if ft.RetryAfter != "" {
				w.Header().Set("Retry-After", ft.RetryAfter)
			}
			http.Error(w, "", http.StatusTooManyRequests)
			return
		case ft.Status != 0:
			http.Error(w, "<html>server error</html>", ft.Status)
			return
		default:
			reply(w, map[string]any{"ok": false, "error": ft.Error})
			return
		}
	}
	if method == "apps.connections.open" {
		// The app-level token, in the Authorization header only (a POST parameter errors).
		if form.Get("token") != "" || bearer != f.AppToken {
			reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		reply(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(f.srv.URL, "http") + "/link?ticket=fake-ticket"})
		return
	}
	if token != f.BotToken {
		reply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch method {
	case "auth.test":
		reply(w, map[string]any{"ok": true, "url": "https://fake.slack.com/", "team": "Fake", "user": "partnerbot",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID})
	case "conversations.open":
		users := form.Get("users")
		if users == "" || strings.Contains(users, ",") {
			reply(w, map[string]any{"ok": false, "error": "users_list_not_supplied"})
			return
		}
		if users == "UGONE" {
			reply(w, map[string]any{"ok": false, "error": "user_not_found"})
			return
		}
		reply(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + users}})
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		f.chat(w, method, form)
	case "users.info":
		f.userInfo(w, form)
	case "files.getUploadURLExternal":
		f.getUploadURL(w, form)
	case "files.completeUploadExternal":
		f.completeUpload(w, form)
	case "files.info":
		f.fileInfo(w, form)
	default:
		reply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// userInfo answers users.info as the method reference shows: the user object with its profile
// (real_name and display_name both in the profile, real_name also at the top), user_not_found
// for an id the workspace does not have.
func (f *Fake) userInfo(w http.ResponseWriter, form url.Values) {
	id := form.Get("user")
	if id == "" {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	u, ok := f.users[id]
	f.mu.Unlock()
	if !ok {
		reply(w, map[string]any{"ok": false, "error": "user_not_found"})
		return
	}
	reply(w, map[string]any{"ok": true, "user": map[string]any{
		"id": id, "team_id": TeamID, "name": u.Name, "deleted": false, "color": "9f69e7", "real_name": u.RealName,
		"tz": "Asia/Shanghai", "tz_label": "China Standard Time", "tz_offset": 28800,
		"profile": map[string]any{"avatar_hash": "ge3b51ca72de", "real_name": u.RealName, "display_name": u.DisplayName,
			"real_name_normalized": u.RealName, "display_name_normalized": u.DisplayName, "team": TeamID,
			"image_24": "https://fake.slack.com/avatar_24.png", "image_48": "https://fake.slack.com/avatar_48.png"},
		"is_admin": false, "is_owner": false, "is_bot": false, "is_app_user": false, "updated": 1700000000, "has_2fa": false}})
}

func (f *Fake) chat(w http.ResponseWriter, method string, form url.Values) {
	ch := form.Get("channel")
	f.mu.Lock()
	state, known := f.channels[ch]
	f.mu.Unlock()
	if !known && !strings.HasPrefix(ch, "D") {
		state = "channel_not_found"
	}
	if state != "" {
		reply(w, map[string]any{"ok": false, "error": state})
		return
	}
	p := Post{Method: method, Channel: ch, User: form.Get("user"), ThreadTS: form.Get("thread_ts"), Text: form.Get("text")}
	if raw := form.Get("blocks"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &p.Blocks); err != nil {
			reply(w, map[string]any{"ok": false, "error": "invalid_blocks_format"})
			return
		}
	}
	if raw := form.Get("attachments"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &p.Attachments); err != nil {
			reply(w, map[string]any{"ok": false, "error": "invalid_attachments"})
			return
		}
	}
	if p.Text == "" && len(p.Blocks) == 0 && len(p.Attachments) == 0 {
		reply(w, map[string]any{"ok": false, "error": "no_text"})
		return
	}
	if utf8.RuneCountInString(p.Text) > 40000 {
		reply(w, map[string]any{"ok": false, "error": "msg_too_long"})
		return
	}
	if problems := ValidateBlocks(p.Blocks); len(problems) > 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_blocks", "errors": problems})
		return
	}
	if problems := ValidateAttachments(p.Attachments); len(problems) > 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_attachments", "errors": problems})
		return
	}
	if method == "chat.postEphemeral" && p.User == "" {
		reply(w, map[string]any{"ok": false, "error": "user_not_in_channel"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	switch method {
	case "chat.update":
		p.TS = form.Get("ts")
		old, ok := f.messages[ch+"/"+p.TS]
		if !ok {
			reply(w, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
		if !form.Has("attachments") {
			p.Attachments = old
		}
		f.messages[ch+"/"+p.TS] = p.Attachments
	default:
		f.ts++
		p.TS = fmt.Sprintf("1700000000.%06d", f.ts)
		f.messages[ch+"/"+p.TS] = p.Attachments
	}
	f.posts = append(f.posts, p)
	switch method {
	case "chat.postEphemeral":
		reply(w, map[string]any{"ok": true, "message_ts": p.TS})
	case "chat.update":
		reply(w, map[string]any{"ok": true, "channel": ch, "ts": p.TS, "text": p.Text})
	default:
		reply(w, map[string]any{"ok": true, "channel": ch, "ts": p.TS,
			"message": map[string]any{"type": "message", "user": BotUserID, "bot_id": BotID, "text": p.Text, "ts": p.TS}})
	}
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	json.NewEncoder(w).Encode(v)
}

// hook is a response URL: JSON {text, blocks, attachments, response_type, replace_original,
// thread_ts}.
func (f *Fake) hook(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/hooks/")
	defer f.notify()
	f.mu.Lock()
	gone := f.hooksGone[id]
	f.mu.Unlock()
	if gone {
		http.Error(w, "expired_url", http.StatusNotFound)
		return
	}
	var m struct {
		Text            string           `json:"text"`
		Blocks          []map[string]any `json:"blocks"`
		Attachments     []map[string]any `json:"attachments"`
		ResponseType    string           `json:"response_type"`
		ReplaceOriginal bool             `json:"replace_original"`
		ThreadTS        string           `json:"thread_ts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	if problems := ValidateBlocks(m.Blocks); len(problems) > 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_blocks", "errors": problems})
		return
	}
	if problems := ValidateAttachments(m.Attachments); len(problems) > 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_attachments", "errors": problems})
		return
	}
	f.mu.Lock()
	f.posts = append(f.posts, Post{Method: "response_url", Hook: id, Text: m.Text, Blocks: m.Blocks, Attachments: m.Attachments,
		ResponseType: m.ResponseType, ReplaceOriginal: m.ReplaceOriginal, ThreadTS: m.ThreadTS})
	f.mu.Unlock()
	reply(w, map[string]any{"ok": true})
}

// --- Socket Mode ---

// upgrader accepts the Origin slack-go sends (https://api.slack.com), as Slack does.
var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

func (f *Fake) link(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") != "fake-ticket" {
		http.Error(w, "bad ticket", http.StatusUnauthorized)
		return
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	f.mu.Lock()
	if f.conn != nil {
		f.conn.Close()
	}
	f.conn = conn
	f.conns++
	f.mu.Unlock()
	f.write(conn, map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "applink-fake", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": AppID}})
	f.notify()
	stop := make(chan struct{})
	defer close(stop)
	go func() { // Slack pings the client; the client reconnects when pings stop.
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				f.connWrMu.Lock()
				err := conn.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
				f.connWrMu.Unlock()
				if err != nil {
					return
				}
			}
		}
	}()
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var a Ack
		var raw struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &raw); err != nil || raw.EnvelopeID == "" {
			f.t.Errorf("the client sent something that is not an acknowledgement: %s", data)
			continue
		}
		a = Ack{EnvelopeID: raw.EnvelopeID, Payload: raw.Payload, At: time.Now()}
		f.mu.Lock()
		f.acks[a.EnvelopeID] = a
		f.mu.Unlock()
		f.notify()
	}
}

func (f *Fake) write(conn *websocket.Conn, v any) error {
	f.connWrMu.Lock()
	defer f.connWrMu.Unlock()
	return conn.WriteJSON(v)
}

// Connections is how many Socket Mode WebSocket connections were opened so far.
func (f *Fake) Connections() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.conns
}

// AckCount is how many envelopes were acknowledged so far.
func (f *Fake) AckCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.acks)
}

// Acks returns a copy of the Socket Mode acknowledgements so far, by envelope id.
func (f *Fake) Acks() map[string]Ack {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[string]Ack, len(f.acks))
	for id, a := range f.acks {
		out[id] = a
	}
	return out
}

// ExpireHook makes the response URL with id answer 404 expired_url from now on, as Slack's do
// after 30 minutes or five uses.
func (f *Fake) ExpireHook(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hooksGone[id] = true
}

// WaitConnected waits for the n-th WebSocket connection.
func (f *Fake) WaitConnected(n int) {
	f.t.Helper()
	f.WaitFor(fmt.Sprintf("WebSocket connection %d", n), func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.conns >= n
	})
}

// envelope sends a Socket Mode envelope and returns its id and when it was sent.
func (f *Fake) Envelope(typ string, payload any, acceptsResponse bool) (string, time.Time) {
	f.t.Helper()
	f.WaitConnected(1)
	f.mu.Lock()
	f.envSeq++
	id := fmt.Sprintf("env-%04d-%d", f.envSeq, time.Now().UnixNano()%1000)
	conn := f.conn
	f.mu.Unlock()
	sent := time.Now()
	if err := f.write(conn, map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": acceptsResponse, "retry_attempt": 0, "retry_reason": ""}); err != nil {
		f.t.Fatalf("sending envelope: %v", err)
	}
	return id, sent
}

// disconnect asks the client to reconnect, as Slack does every few hours.
func (f *Fake) Disconnect() {
	f.mu.Lock()
	conn := f.conn
	f.mu.Unlock()
	f.write(conn, map[string]any{"type": "disconnect", "reason": "refresh_requested", "debug_info": map[string]any{"host": "applink-fake"}})
}

// WaitAck waits for the acknowledgement of envelope id.
func (f *Fake) WaitAck(id string) Ack {
	f.t.Helper()
	var a Ack
	f.WaitFor("ack of "+id, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		var ok bool
		a, ok = f.acks[id]
		return ok
	})
	return a
}

// --- payloads, as the Slack documentation shows them ---

// EventPayload is an Events API event_callback wrapping event.
func EventPayload(eventID string, event map[string]any) map[string]any {
	return map[string]any{"token": "verification-token-unused", "team_id": TeamID, "api_app_id": AppID,
		"event": event, "type": "event_callback", "event_id": eventID, "event_time": 1700000000,
		"authorizations":        []any{map[string]any{"team_id": TeamID, "user_id": BotUserID, "is_bot": true}},
		"is_ext_shared_channel": false, "event_context": "4-fake"}
}

// DMEvent is a direct message to the bot.
func DMEvent(user, text, ts string) map[string]any {
	return map[string]any{"type": "message", "channel": "D" + user, "user": user, "text": text, "ts": ts,
		"event_ts": ts, "channel_type": "im", "client_msg_id": "c-" + ts, "team": TeamID}
}

// MentionEvent is an app_mention in a channel, in a thread when threadTS is set.
func MentionEvent(channel, user, text, ts, threadTS string) map[string]any {
	ev := map[string]any{"type": "app_mention", "channel": channel, "user": user, "text": text, "ts": ts,
		"event_ts": ts, "client_msg_id": "c-" + ts, "team": TeamID}
	if threadTS != "" {
		ev["thread_ts"] = threadTS
	}
	return ev
}

// SlashPayload is a slash command as Socket Mode delivers it (is_enterprise_install as a string,
// as Slack sends it).
func (f *Fake) SlashPayload(command, text, channel, user, hook string) map[string]any {
	return map[string]any{"token": "verification-token-unused", "team_id": TeamID, "team_domain": "fake",
		"channel_id": channel, "channel_name": strings.ToLower(channel), "user_id": user, "user_name": strings.ToLower(user),
		"command": command, "text": text, "api_app_id": AppID, "is_enterprise_install": "false",
		"response_url": f.HookURL(hook), "trigger_id": "13345224609.738474920.8088930838d88f008e0"}
}

// ClickPayload is a block_actions interaction: user clicked the button with action id
// actionID on message p (a message the bot posted).
func (f *Fake) ClickPayload(t testing.TB, p Post, user, actionID, hook string) map[string]any {
	t.Helper()
	var action map[string]any
	var blockID string
	for _, b := range p.Blocks {
		if b["type"] != "actions" {
			continue
		}
		for _, e := range b["elements"].([]any) {
			el := e.(map[string]any)
			if el["action_id"] == actionID {
				action, blockID = el, b["block_id"].(string)
			}
		}
	}
	if action == nil {
		t.Fatalf("no button %s on the message", actionID)
	}
	act := map[string]any{"action_id": actionID, "block_id": blockID, "text": action["text"], "value": action["value"],
		"type": "button", "action_ts": "1700000100.000200"}
	if s, ok := action["style"]; ok {
		act["style"] = s
	}
	container := map[string]any{"type": "message", "message_ts": p.TS, "channel_id": p.Channel, "is_ephemeral": false}
	message := map[string]any{"type": "message", "user": BotUserID, "bot_id": BotID, "ts": p.TS, "text": p.Text, "blocks": p.Blocks}
	if p.ThreadTS != "" {
		container["thread_ts"] = p.ThreadTS
		message["thread_ts"] = p.ThreadTS
	}
	return map[string]any{"type": "block_actions",
		"user":       map[string]any{"id": user, "username": strings.ToLower(user), "name": strings.ToLower(user), "team_id": TeamID},
		"api_app_id": AppID, "token": "verification-token-unused", "container": container,
		"trigger_id": "1700000100.1234.abcd", "team": map[string]any{"id": TeamID, "domain": "fake"},
		"enterprise": nil, "is_enterprise_install": false,
		"channel": map[string]any{"id": p.Channel, "name": strings.ToLower(p.Channel)},
		"message": message, "state": map[string]any{"values": map[string]any{}},
		"response_url": f.HookURL(hook), "actions": []any{act}}
}

// --- Block Kit limits (https://docs.slack.dev/reference/block-kit) ---

// ValidateBlocks lists every way a message's blocks break Block Kit's documented limits. A
// table block is refused there: tables go in attachments.
func ValidateBlocks(blocks []map[string]any) []string { return checkBlocks(blocks, false) }

// ValidateAttachments lists every way attachments break Slack's rules: at most 100 attachments
// (chat.postMessage), each attachment's blocks within Block Kit's limits, and at most one table
// block in the message (only_one_table_allowed), itself within the table block's limits
// (https://docs.slack.dev/reference/block-kit/blocks/table-block): 1 to 100 rows of 1 to 20
// cells, each raw_text or rich_text; at most 20 column_settings of align left, center or
// right. Rows of one table have the same number of cells, and a rich_text cell's texts are not
// empty (Slack refuses an empty cell text).
func ValidateAttachments(atts []map[string]any) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(atts) > 100 {
		bad("%d attachments (at most 100)", len(atts))
	}
	tables := 0
	for i, att := range atts {
		raw, _ := att["blocks"].([]any)
		var blocks []map[string]any
		for _, b := range raw {
			bl, _ := b.(map[string]any)
			blocks = append(blocks, bl)
			if bl["type"] == "table" {
				tables++
			}
		}
		if len(raw) == 0 && att["text"] == nil && att["fallback"] == nil {
			bad("attachment %d: no blocks, text or fallback", i)
		}
		for _, p := range checkBlocks(blocks, true) {
			bad("attachment %d: %s", i, p)
		}
	}
	if tables > 1 {
		bad("only_one_table_allowed: %d tables", tables)
	}
	return problems
}

// checkTable checks a table block against the table block's documented limits.
func checkTable(bad func(string, ...any), i int, b map[string]any) {
	rows, _ := b["rows"].([]any)
	if len(rows) == 0 || len(rows) > 100 {
		bad("block %d: %d table rows (1 to 100)", i, len(rows))
	}
	width := -1
	for r, rw := range rows {
		cells, _ := rw.([]any)
		if len(cells) == 0 || len(cells) > 20 {
			bad("block %d row %d: %d cells (1 to 20)", i, r, len(cells))
		}
		if width >= 0 && len(cells) != width {
			bad("block %d row %d: %d cells, the first row %d", i, r, len(cells), width)
		}
		width = len(cells)
		for c, cl := range cells {
			cell, _ := cl.(map[string]any)
			switch cell["type"] {
			case "raw_text":
				if s, _ := cell["text"].(string); s == "" {
					bad("block %d row %d cell %d: empty raw_text", i, r, c)
				}
			case "rich_text":
				if richTextOf(cell) == "" {
					bad("block %d row %d cell %d: rich_text without text", i, r, c)
				}
			default:
				bad("block %d row %d cell %d: type %v (raw_text or rich_text)", i, r, c, cell["type"])
			}
		}
	}
	if cs, ok := b["column_settings"].([]any); ok {
		if len(cs) > 20 {
			bad("block %d: %d column_settings (at most 20)", i, len(cs))
		}
		for j, c := range cs {
			set, _ := c.(map[string]any)
			if a, ok := set["align"]; ok && a != "left" && a != "center" && a != "right" {
				bad("block %d column_settings %d: align %v", i, j, a)
			}
		}
	}
}

// richTextOf is the text of a rich_text cell: its sections' text elements, joined; "" when
// one of them is empty.
func richTextOf(cell map[string]any) string {
	var b strings.Builder
	els, _ := cell["elements"].([]any)
	for _, e := range els {
		sec, _ := e.(map[string]any)
		if sec["type"] != "rich_text_section" {
			return ""
		}
		parts, _ := sec["elements"].([]any)
		for _, p := range parts {
			el, _ := p.(map[string]any)
			s, _ := el["text"].(string)
			if el["type"] != "text" || s == "" {
				return ""
			}
			b.WriteString(s)
		}
	}
	return b.String()
}

// TableRows is what a reader sees of the table in attachments: each row's cells, trimmed.
func TableRows(atts []map[string]any) [][]string {
	var out [][]string
	for _, att := range atts {
		raw, _ := att["blocks"].([]any)
		for _, b := range raw {
			bl, _ := b.(map[string]any)
			if bl["type"] != "table" {
				continue
			}
			rows, _ := bl["rows"].([]any)
			for _, rw := range rows {
				var cells []string
				for _, c := range rw.([]any) {
					cell, _ := c.(map[string]any)
					s, _ := cell["text"].(string)
					if cell["type"] == "rich_text" {
						s = richTextOf(cell)
					}
					cells = append(cells, strings.TrimSpace(s))
				}
				out = append(out, cells)
			}
		}
	}
	return out
}

func checkBlocks(blocks []map[string]any, inAttachment bool) []string {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(blocks) > 50 {
		bad("%d blocks (at most 50)", len(blocks))
	}
	blockIDs, actionIDs := map[string]bool{}, map[string]bool{}
	for i, b := range blocks {
		if id, ok := b["block_id"].(string); ok {
			if blockIDs[id] || len(id) > 255 {
				bad("block %d: block_id %q repeated or too long", i, id)
			}
			blockIDs[id] = true
		}
		switch b["type"] {
		case "header":
			checkText(bad, fmt.Sprintf("block %d header", i), b["text"], 150, true)
		case "section":
			if b["text"] == nil && b["fields"] == nil {
				bad("block %d: a section needs text or fields", i)
			}
			if b["text"] != nil {
				checkText(bad, fmt.Sprintf("block %d section text", i), b["text"], 3000, false)
			}
			if fs, ok := b["fields"].([]any); ok {
				if len(fs) > 10 || len(fs) == 0 {
					bad("block %d: %d fields (1 to 10)", i, len(fs))
				}
				for j, fl := range fs {
					checkText(bad, fmt.Sprintf("block %d field %d", i, j), fl, 2000, false)
				}
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				bad("block %d: %d context elements (1 to 10)", i, len(els))
			}
			for j, el := range els {
				checkText(bad, fmt.Sprintf("block %d context %d", i, j), el, 3000, false)
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				bad("block %d: %d actions (1 to 25)", i, len(els))
			}
			for j, e := range els {
				el, _ := e.(map[string]any)
				if el["type"] != "button" {
					bad("block %d action %d: type %v", i, j, el["type"])
					continue
				}
				checkText(bad, fmt.Sprintf("block %d button %d", i, j), el["text"], 75, true)
				id, _ := el["action_id"].(string)
				if id == "" || len(id) > 255 || actionIDs[id] {
					bad("block %d button %d: action_id %q empty, too long or repeated", i, j, id)
				}
				actionIDs[id] = true
				if v, _ := el["value"].(string); utf8.RuneCountInString(v) > 2000 {
					bad("block %d button %d: value over 2000 characters", i, j)
				}
				if s, ok := el["style"]; ok && s != "primary" && s != "danger" {
					bad("block %d button %d: style %v", i, j, s)
				}
			}
		case "table":
			if !inAttachment {
				bad("block %d: a table goes in the message's attachments, not its blocks", i)
			}
			checkTable(bad, i, b)
		case "divider":
		default:
			bad("block %d: unexpected type %v", i, b["type"])
		}
	}
	return problems
}

func checkText(bad func(string, ...any), where string, v any, max int, plainOnly bool) {
	obj, ok := v.(map[string]any)
	if !ok {
		bad("%s: not a text object", where)
		return
	}
	typ, _ := obj["type"].(string)
	text, _ := obj["text"].(string)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		bad("%s: text type %q", where, typ)
	case plainOnly && typ != "plain_text":
		bad("%s: must be plain_text", where)
	case typ == "mrkdwn" && obj["emoji"] != nil:
		bad("%s: emoji is not allowed on mrkdwn", where)
	}
	if n := utf8.RuneCountInString(text); n == 0 || n > max {
		bad("%s: %d characters (1 to %d)", where, n, max)
	}
}

// BlockText is what a reader sees of blocks: each text in order, one per line, mrkdwn
// entities decoded.
func BlockText(blocks []map[string]any) string {
	var b strings.Builder
	add := func(v any) {
		obj, ok := v.(map[string]any)
		if !ok {
			return
		}
		s, _ := obj["text"].(string)
		if obj["type"] == "mrkdwn" {
			s = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
		}
		b.WriteString(s + "\n")
	}
	for _, bl := range blocks {
		add(bl["text"])
		if fs, ok := bl["fields"].([]any); ok {
			for _, f := range fs {
				add(f)
			}
		}
		if els, ok := bl["elements"].([]any); ok {
			for _, e := range els {
				if el, ok := e.(map[string]any); ok && el["type"] == "button" {
					add(el["text"])
					b.WriteString("[" + fmt.Sprint(el["value"]) + "]\n")
					continue
				}
				add(e)
			}
		}
	}
	return b.String()
}

// Shown is what a reader sees of a message: its blocks' texts, then its table (Slack shows
// attachments below the blocks), one row a line with " | " between cells.
func (p Post) Shown() string {
	var b strings.Builder
	b.WriteString(BlockText(p.Blocks))
	for _, row := range TableRows(p.Attachments) {
		b.WriteString(strings.Join(row, " | ") + "\n")
	}
	return b.String()
}

// Buttons lists the buttons of blocks as action id → value.
func Buttons(blocks []map[string]any) map[string]string {
	out := map[string]string{}
	for _, bl := range blocks {
		if bl["type"] != "actions" {
			continue
		}
		for _, e := range bl["elements"].([]any) {
			el := e.(map[string]any)
			out[el["action_id"].(string)] = fmt.Sprint(el["value"])
		}
	}
	return out
}
