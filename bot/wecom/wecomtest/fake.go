// Package wecomtest is a fake of the WeCom server API for tests, built from WeCom's
// documentation (see /work/shared/platforms.md §1): gettoken with expiring tokens,
// message/send (text, markdown, template_card), appchat/send, message/update_template_card,
// user/get (读取成员), media/upload?type=image (上传临时素材: multipart/form-data, the file in
// the form field "media", a JPG or PNG of 5 bytes to 10 MB, answering a media_id) and image
// messages naming it, and group robot webhook/send (text, markdown, and image with the PNG in
// base64 and the md5 of its bytes, at most 2 MB before encoding), each answering errcode/errmsg the way WeCom does (HTTP 200 even when
// refusing). It records every call and lets tests expire tokens, refuse users and inject
// errors, latency and HTTP failures.
package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // the images WeCom takes
	_ "image/png"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Fake is the fake WeCom API server.
type Fake struct {
	URL string

	CorpID     string
	CorpSecret string
	AgentID    int64

	srv *httptest.Server

	mu        sync.Mutex
	now       func() time.Time
	expiresIn int64
	tokens    map[string]tokenState
	seq       int
	users     map[string]bool
	names     map[string]string // user/get: members' names
	hidden    map[string]bool   // user/get: members outside the app's visible range (60011)
	chats     map[string]bool
	robots    map[string][]time.Time // key → send times within the last minute
	codes     map[string]codeState   // response_code → card
	taskIDs   map[string]bool
	media     map[string][]byte // media_id → the uploaded image
	calls     []Call
	faults    []*faultRule
	tokenGets int
}

type tokenState struct {
	issued  time.Time
	revoked bool // 40014 from now on
}

type codeState struct {
	user, taskID string
	used         bool
}

// Call is one request the fake answered.
type Call struct {
	Path    string
	Query   map[string]string
	Body    map[string]any // the JSON body, decoded
	Raw     string
	ErrCode int
	Answer  map[string]any // what the fake answered
	At      time.Time
}

// Fault makes matching calls fail.
type Fault struct {
	ErrCode int           // answer this errcode (HTTP 200)
	ErrMsg  string        // default "injected"
	Status  int           // answer this HTTP status instead (e.g. 502, 429)
	Latency time.Duration // answer after this long (respecting the request's context)
	Times   int           // the next N calls only; 0 = until cleared
	Skip    int           // let this many matching calls through first
}

type faultRule struct {
	path string
	f    Fault
	left int
	skip int
}

// Options configure a Fake.
type Options struct {
	CorpID     string           // default "ww-test-corp"
	CorpSecret string           // default "corp-secret-for-tests"
	AgentID    int64            // default 1000002
	ExpiresIn  int64            // token lifetime in seconds; default 7200
	Now        func() time.Time // default time.Now
	Users      []string         // members who can receive app messages
	Chats      []string         // app chats that exist
	RobotKeys  []string         // valid robot webhook keys
	// Names are members' names as user/get returns them (members are Users and the keys of
	// Names; a member of Users without a name here is named by their userid). Hidden members
	// are outside the app's visible range: user/get answers 60011 for them.
	Names  map[string]string
	Hidden []string
}

// New starts a fake; it is closed when the test ends.
func New(t testing.TB, o Options) *Fake {
	t.Helper()
	if o.CorpID == "" {
		o.CorpID = "ww-test-corp"
	}
	if o.CorpSecret == "" {
		o.CorpSecret = "corp-secret-for-tests"
	}
	if o.AgentID == 0 {
		o.AgentID = 1000002
	}
	if o.ExpiresIn == 0 {
		o.ExpiresIn = 7200
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	f := &Fake{CorpID: o.CorpID, CorpSecret: o.CorpSecret, AgentID: o.AgentID, now: o.Now, expiresIn: o.ExpiresIn,
		tokens: map[string]tokenState{}, users: map[string]bool{}, chats: map[string]bool{}, names: map[string]string{}, hidden: map[string]bool{},
		robots: map[string][]time.Time{}, codes: map[string]codeState{}, taskIDs: map[string]bool{}, media: map[string][]byte{}}
	for _, u := range o.Users {
		f.users[u] = true
	}
	for u, n := range o.Names {
		f.names[u] = n
	}
	for _, u := range o.Hidden {
		f.hidden[u] = true
	}
	for _, c := range o.Chats {
		f.chats[c] = true
	}
	for _, k := range o.RobotKeys {
		f.robots[k] = nil
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/cgi-bin/gettoken", f.getToken)
	mux.HandleFunc("/cgi-bin/message/send", f.withToken(f.messageSend))
	mux.HandleFunc("/cgi-bin/appchat/send", f.withToken(f.appchatSend))
	mux.HandleFunc("/cgi-bin/message/update_template_card", f.withToken(f.updateCard))
	mux.HandleFunc("/cgi-bin/user/get", f.userGet)
	mux.HandleFunc("/cgi-bin/webhook/send", f.webhookSend)
	mux.HandleFunc("/cgi-bin/media/upload", f.mediaUpload)
	f.srv = httptest.NewServer(mux)
	f.URL = f.srv.URL
	t.Cleanup(f.srv.Close)
	return f
}

// Inject adds a fault for calls to path ("/cgi-bin/message/send"...); the last injected wins.
func (f *Fake) Inject(path string, fault Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, &faultRule{path: path, f: fault, left: fault.Times, skip: fault.Skip})
}

// ClearFaults removes every fault.
func (f *Fake) ClearFaults() {
	f.mu.Lock()
	f.faults = nil
	f.mu.Unlock()
}

// ExpireTokens makes every token issued so far expired (42001), as if WeCom ended them early.
func (f *Fake) ExpireTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, s := range f.tokens {
		s.issued = time.Time{}
		f.tokens[k] = s
	}
}

// RevokeTokens makes every token issued so far invalid (40014).
func (f *Fake) RevokeTokens() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, s := range f.tokens {
		s.revoked = true
		f.tokens[k] = s
	}
}

// AddUser lets a member receive app messages; RemoveUser makes them unknown (left the corp).
func (f *Fake) AddUser(u string) { f.mu.Lock(); f.users[u] = true; f.mu.Unlock() }

// RemoveUser makes a member unknown.
func (f *Fake) RemoveUser(u string) { f.mu.Lock(); delete(f.users, u); f.mu.Unlock() }

// TokenFetches counts gettoken calls that issued a token.
func (f *Fake) TokenFetches() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.tokenGets
}

// Calls returns the calls to path ("" = all), in order.
func (f *Fake) Calls(path string) []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Call
	for _, c := range f.calls {
		if path == "" || c.Path == path {
			out = append(out, c)
		}
	}
	return out
}

// Delivered returns the calls to path that succeeded (errcode 0).
func (f *Fake) Delivered(path string) []Call {
	var out []Call
	for _, c := range f.Calls(path) {
		if c.ErrCode == 0 {
			out = append(out, c)
		}
	}
	return out
}

// Reset forgets the recorded calls.
func (f *Fake) Reset() {
	f.mu.Lock()
	f.calls = nil
	f.mu.Unlock()
}

// ResponseCodes returns the response codes issued for template cards sent to user, oldest first.
func (f *Fake) ResponseCodes(user string) []string {
	var out []string
	for _, c := range f.Delivered("/cgi-bin/message/send") {
		if c.Body["msgtype"] == "template_card" && c.Body["touser"] == user {
			out = append(out, c.Answer["response_code"].(string))
		}
	}
	return out
}

func (f *Fake) answer(w http.ResponseWriter, r *http.Request, call *Call, res map[string]any) {
	if _, ok := res["errcode"]; !ok {
		res["errcode"] = 0
	}
	if _, ok := res["errmsg"]; !ok {
		res["errmsg"] = "ok"
	}
	call.ErrCode = res["errcode"].(int)
	call.Answer = res
	f.mu.Lock()
	f.calls = append(f.calls, *call)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	_ = json.NewEncoder(w).Encode(res)
}

func fail(code int, msg string) map[string]any {
	return map[string]any{"errcode": code,
		"errmsg": fmt.Sprintf("%s, hint: [fake], more info at https://open.work.weixin.qq.com/devtool/query?e=%d", msg, code)}
}

// begin records the call and plays a fault; it reports whether the fault answered.
func (f *Fake) begin(w http.ResponseWriter, r *http.Request) (*Call, bool) {
	raw, _ := io.ReadAll(r.Body)
	call := &Call{Path: r.URL.Path, Query: map[string]string{}, Raw: string(raw), At: f.now()}
	for k := range r.URL.Query() {
		call.Query[k] = r.URL.Query().Get(k)
	}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &call.Body)
	}
	f.mu.Lock()
	var fault *Fault
	for i := len(f.faults) - 1; i >= 0; i-- {
		rule := f.faults[i]
		if rule.path != r.URL.Path {
			continue
		}
		if rule.skip > 0 {
			rule.skip--
			break
		}
		ff := rule.f
		fault = &ff
		if rule.f.Times > 0 {
			if rule.left--; rule.left <= 0 {
				f.faults = append(f.faults[:i], f.faults[i+1:]...)
			}
		}
		break
	}
	f.mu.Unlock()
	if fault == nil {
		return call, false
	}
	if fault.Latency > 0 {
		select {
		case <-time.After(fault.Latency):
		case <-r.Context().Done():
			return call, true
		}
	}
	switch {
	case fault.Status != 0:
		call.ErrCode = -fault.Status
		f.mu.Lock()
		f.calls = append(f.calls, *call)
		f.mu.Unlock()
		w.Header().Set("Retry-After", "7")
		http.Error(w, http.StatusText(fault.Status), fault.Status)
		return call, true
	case fault.ErrCode != 0:
		msg := fault.ErrMsg
		if msg == "" {
			msg = "injected"
		}
		f.answer(w, r, call, fail(fault.ErrCode, msg))
		return call, true
	}
	return call, false
}

func (f *Fake) getToken(w http.ResponseWriter, r *http.Request) {
	call, done := f.begin(w, r)
	if done {
		return
	}
	if r.Method != http.MethodGet {
		f.answer(w, r, call, fail(40063, "gettoken is a GET"))
		return
	}
	q := r.URL.Query()
	switch {
	case q.Get("corpid") != f.CorpID:
		f.answer(w, r, call, fail(40013, "invalid corpid"))
		return
	case q.Get("corpsecret") != f.CorpSecret:
		f.answer(w, r, call, fail(40001, "invalid credential"))
		return
	}
	f.mu.Lock()
	f.seq++
	f.tokenGets++
	tok := fmt.Sprintf("fake-access-token-%03d-%s", f.seq, strings.Repeat("x", 40))
	f.tokens[tok] = tokenState{issued: f.now()}
	exp := f.expiresIn
	f.mu.Unlock()
	f.answer(w, r, call, map[string]any{"access_token": tok, "expires_in": exp})
}

// withToken checks a POST's access_token as WeCom does: missing 41001, unknown or revoked
// 40014, past its lifetime 42001; then its JSON body.
func (f *Fake) withToken(next func(http.ResponseWriter, *http.Request, *Call)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		call, done := f.begin(w, r)
		if done {
			return
		}
		if r.Method != http.MethodPost {
			f.answer(w, r, call, fail(40063, "POST required"))
			return
		}
		if bad := f.checkToken(r); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
		if call.Body == nil {
			f.answer(w, r, call, fail(47001, "data format error"))
			return
		}
		next(w, r, call)
	}
}

// checkToken checks access_token: missing 41001, unknown or revoked 40014, past its lifetime
// 42001; nil when it is good.
func (f *Fake) checkToken(r *http.Request) map[string]any {
	tok := r.URL.Query().Get("access_token")
	f.mu.Lock()
	st, ok := f.tokens[tok]
	expired := ok && f.now().Sub(st.issued) >= time.Duration(f.expiresIn)*time.Second
	f.mu.Unlock()
	switch {
	case tok == "":
		return fail(41001, "access_token missing")
	case !ok || st.revoked:
		return fail(40014, "invalid access_token")
	case expired:
		return fail(42001, "access_token expired")
	}
	return nil
}

// userGet is 读取成员: GET /cgi-bin/user/get?access_token=…&userid=…, answering errcode, errmsg,
// userid, name and the member's departments. As for a self-built app created after 20 June
// 2022, avatar, gender, mobile, email, biz_mail, qr_code and address are not returned; the
// name is. A member outside the app's visible range answers 60011, an unknown userid 60111, a
// missing one 41009.
func (f *Fake) userGet(w http.ResponseWriter, r *http.Request) {
	call, done := f.begin(w, r)
	if done {
		return
	}
	if r.Method != http.MethodGet {
		f.answer(w, r, call, fail(40063, "user/get is a GET"))
		return
	}
	if bad := f.checkToken(r); bad != nil {
		f.answer(w, r, call, bad)
		return
	}
	id := r.URL.Query().Get("userid")
	f.mu.Lock()
	name, named := f.names[id]
	member := named || f.users[id]
	hidden := f.hidden[id]
	f.mu.Unlock()
	switch {
	case id == "":
		f.answer(w, r, call, fail(41009, "missing userid"))
		return
	case hidden:
		f.answer(w, r, call, fail(60011, "no privilege to access/modify contact/party/agent"))
		return
	case !member:
		f.answer(w, r, call, fail(60111, "invalid string value `"+id+"`. userid not found"))
		return
	}
	if !named {
		name = id
	}
	f.answer(w, r, call, map[string]any{"userid": id, "name": name, "department": []int{1}, "order": []int{0},
		"position": "", "status": 1, "isleader": 0, "enable": 1, "alias": "", "telephone": "", "main_department": 1})
}

// content checks a text/markdown payload against its byte limit.
func content(body map[string]any, kind string, limit int) (string, map[string]any) {
	m, _ := body[kind].(map[string]any)
	c, _ := m["content"].(string)
	if c == "" {
		return "", fail(44004, "empty content")
	}
	if !utf8.ValidString(c) {
		return "", fail(40033, "invalid charset")
	}
	if len(c) > limit {
		return "", fail(45002, fmt.Sprintf("content size out of limit: %d bytes over %d", len(c), limit))
	}
	return c, nil
}

func (f *Fake) messageSend(w http.ResponseWriter, r *http.Request, call *Call) {
	b := call.Body
	if agent, _ := b["agentid"].(float64); int64(agent) != f.AgentID {
		f.answer(w, r, call, fail(40056, "invalid agentid"))
		return
	}
	touser, _ := b["touser"].(string)
	if touser == "" {
		f.answer(w, r, call, fail(40035, "touser, toparty and totag are all empty"))
		return
	}
	res := map[string]any{}
	switch b["msgtype"] {
	case "text":
		if _, bad := content(b, "text", 2048); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "markdown":
		if _, bad := content(b, "markdown", 2048); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "template_card":
		card, _ := b["template_card"].(map[string]any)
		if bad := f.checkCard(card); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "image":
		if bad := f.checkMedia(b); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	default:
		f.answer(w, r, call, fail(40008, "invalid message type"))
		return
	}
	var valid, invalid []string
	f.mu.Lock()
	for _, u := range strings.Split(touser, "|") {
		if f.users[u] {
			valid = append(valid, u)
		} else {
			invalid = append(invalid, u)
		}
	}
	f.mu.Unlock()
	if len(valid) == 0 {
		res = fail(81013, "user & party & tag all invalid")
		res["invaliduser"] = strings.Join(invalid, "|")
		f.answer(w, r, call, res)
		return
	}
	if len(invalid) > 0 {
		res["invaliduser"] = strings.Join(invalid, "|")
	}
	f.mu.Lock()
	f.seq++
	res["msgid"] = fmt.Sprintf("msgid-%d", f.seq)
	if b["msgtype"] == "template_card" {
		card := b["template_card"].(map[string]any)
		code := fmt.Sprintf("response-code-%d", f.seq)
		res["response_code"] = code
		task, _ := card["task_id"].(string)
		f.taskIDs[task] = true
		f.codes[code] = codeState{user: valid[0], taskID: task}
	}
	f.mu.Unlock()
	f.answer(w, r, call, res)
}

// checkCard checks a button_interaction card's required fields.
func (f *Fake) checkCard(card map[string]any) map[string]any {
	if card == nil {
		return fail(40058, "template_card missing")
	}
	if card["card_type"] != "button_interaction" {
		return fail(40058, "card_type must be button_interaction here")
	}
	task, _ := card["task_id"].(string)
	if task == "" || len(task) > 128 || strings.Trim(task, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@") != "" {
		return fail(40058, "invalid task_id")
	}
	f.mu.Lock()
	dup := f.taskIDs[task]
	f.mu.Unlock()
	if dup {
		return fail(40058, "task_id already used")
	}
	if mt, _ := card["main_title"].(map[string]any); mt == nil || mt["title"] == "" {
		return fail(40058, "main_title.title missing")
	}
	buttons, _ := card["button_list"].([]any)
	if len(buttons) == 0 || len(buttons) > 6 {
		return fail(40058, "button_list must have 1 to 6 buttons")
	}
	keys := map[string]bool{}
	for _, x := range buttons {
		bt, _ := x.(map[string]any)
		key, _ := bt["key"].(string)
		text, _ := bt["text"].(string)
		if key == "" || len(key) > 1024 || keys[key] || text == "" {
			return fail(40058, "invalid button")
		}
		keys[key] = true
	}
	return nil
}

func (f *Fake) appchatSend(w http.ResponseWriter, r *http.Request, call *Call) {
	b := call.Body
	chat, _ := b["chatid"].(string)
	f.mu.Lock()
	exists := f.chats[chat]
	f.mu.Unlock()
	if !exists {
		f.answer(w, r, call, fail(86003, "chatid not exist"))
		return
	}
	switch b["msgtype"] {
	case "text", "markdown":
		if _, bad := content(b, b["msgtype"].(string), 2048); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "image":
		if bad := f.checkMedia(b); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	default:
		f.answer(w, r, call, fail(40008, "invalid message type for an app chat"))
		return
	}
	f.answer(w, r, call, map[string]any{})
}

func (f *Fake) updateCard(w http.ResponseWriter, r *http.Request, call *Call) {
	b := call.Body
	code, _ := b["response_code"].(string)
	if agent, _ := b["agentid"].(float64); int64(agent) != f.AgentID {
		f.answer(w, r, call, fail(40056, "invalid agentid"))
		return
	}
	f.mu.Lock()
	st, ok := f.codes[code]
	used := st.used
	if ok && !used {
		st.used = true
		f.codes[code] = st
	}
	f.mu.Unlock()
	switch {
	case !ok:
		f.answer(w, r, call, fail(40058, "invalid response_code"))
		return
	case used:
		f.answer(w, r, call, fail(40058, "response_code already used"))
		return
	}
	if users, _ := b["userids"].([]any); len(users) != 1 || users[0] != st.user {
		f.answer(w, r, call, fail(40058, "userids must name the member the card was sent to"))
		return
	}
	f.answer(w, r, call, map[string]any{})
}

// webhookSend is a group robot: a valid key, markdown ≤ 4096 bytes or text ≤ 2048, and at most
// 20 messages a minute (45009 past it).
func (f *Fake) webhookSend(w http.ResponseWriter, r *http.Request) {
	call, done := f.begin(w, r)
	if done {
		return
	}
	key := r.URL.Query().Get("key")
	f.mu.Lock()
	times, ok := f.robots[key]
	f.mu.Unlock()
	if !ok {
		f.answer(w, r, call, fail(93000, "invalid webhook url"))
		return
	}
	if call.Body == nil {
		f.answer(w, r, call, fail(40058, "invalid body"))
		return
	}
	switch call.Body["msgtype"] {
	case "markdown":
		if _, bad := content(call.Body, "markdown", 4096); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "text":
		if _, bad := content(call.Body, "text", 2048); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	case "image":
		if _, bad := robotImage(call.Body); bad != nil {
			f.answer(w, r, call, bad)
			return
		}
	default:
		f.answer(w, r, call, fail(40008, "invalid message type"))
		return
	}
	now := f.now()
	f.mu.Lock()
	var recent []time.Time
	for _, t := range times {
		if now.Sub(t) < time.Minute {
			recent = append(recent, t)
		}
	}
	over := len(recent) >= 20
	if !over {
		recent = append(recent, now)
	}
	f.robots[key] = recent
	f.mu.Unlock()
	if over {
		f.answer(w, r, call, fail(45009, "api freq out of limit"))
		return
	}
	f.answer(w, r, call, map[string]any{})
}

// Limits of images: temporary material of type image is 5 bytes to 10 MB, JPG or PNG; a group
// robot's image at most 2 MB before base64.
const (
	maxMediaImage = 10 << 20
	maxRobotImage = 2 << 20
)

// mediaUpload is media/upload?access_token=&type=image: the file comes as multipart/form-data
// in the form field "media" (with a filename); the answer carries type, media_id and
// created_at. Media other than images are refused here (the bot uploads only images).
func (f *Fake) mediaUpload(w http.ResponseWriter, r *http.Request) {
	call, done := f.begin(w, r)
	if done {
		return
	}
	if r.Method != http.MethodPost {
		f.answer(w, r, call, fail(40063, "POST required"))
		return
	}
	if bad := f.checkToken(r); bad != nil {
		f.answer(w, r, call, bad)
		return
	}
	if typ := r.URL.Query().Get("type"); typ != "image" {
		f.answer(w, r, call, fail(40004, "invalid media type"))
		return
	}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != "multipart/form-data" {
		f.answer(w, r, call, fail(41005, "media data missing"))
		return
	}
	var data []byte
	found := false
	mr := multipart.NewReader(strings.NewReader(call.Raw), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			break
		}
		if p.FormName() == "media" && p.FileName() != "" {
			data, _ = io.ReadAll(p)
			found = true
		}
	}
	switch {
	case !found:
		f.answer(w, r, call, fail(41005, "media data missing"))
		return
	case len(data) < 5 || len(data) > maxMediaImage:
		f.answer(w, r, call, fail(40009, "invalid image size"))
		return
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || (format != "png" && format != "jpeg") {
		f.answer(w, r, call, fail(40005, "invalid file type"))
		return
	}
	f.mu.Lock()
	f.seq++
	id := fmt.Sprintf("media-%d-%x", f.seq, md5.Sum(data))
	f.media[id] = data
	f.mu.Unlock()
	f.answer(w, r, call, map[string]any{"type": "image", "media_id": id, "created_at": fmt.Sprint(f.now().Unix())})
}

// checkMedia checks an image message's image.media_id: one media/upload answered.
func (f *Fake) checkMedia(body map[string]any) map[string]any {
	m, _ := body["image"].(map[string]any)
	id, _ := m["media_id"].(string)
	f.mu.Lock()
	_, ok := f.media[id]
	f.mu.Unlock()
	if !ok {
		return fail(40007, "invalid media_id")
	}
	return nil
}

// robotImage checks a group robot's image message: base64 of a JPG or PNG of at most 2 MB, and
// md5 the hex MD5 of its bytes. It returns the image.
func robotImage(body map[string]any) ([]byte, map[string]any) {
	m, _ := body["image"].(map[string]any)
	b64, _ := m["base64"].(string)
	sum, _ := m["md5"].(string)
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(data) == 0 {
		return nil, fail(40058, "invalid base64 image")
	}
	if len(data) > maxRobotImage {
		return nil, fail(40009, "invalid image size")
	}
	if got := md5.Sum(data); !strings.EqualFold(sum, hex.EncodeToString(got[:])) {
		return nil, fail(40058, "image md5 mismatch")
	}
	if _, format, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || (format != "png" && format != "jpeg") {
		return nil, fail(40005, "invalid file type")
	}
	return data, nil
}

// Images returns the images delivered through path (message/send, appchat/send or
// webhook/send), oldest first: for the app the uploaded media each message named, for a robot
// the decoded PNG.
func (f *Fake) Images(path string) [][]byte {
	var out [][]byte
	for _, c := range f.Delivered(path) {
		if c.Body["msgtype"] != "image" {
			continue
		}
		if path == "/cgi-bin/webhook/send" {
			data, _ := robotImage(c.Body)
			out = append(out, data)
			continue
		}
		m, _ := c.Body["image"].(map[string]any)
		id, _ := m["media_id"].(string)
		f.mu.Lock()
		out = append(out, f.media[id])
		f.mu.Unlock()
	}
	return out
}
