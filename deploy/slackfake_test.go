package deploy_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// socketSlack stands in for Slack in Socket Mode, as deploy/config.production.yaml uses it,
// over real HTTP and WebSocket on loopback, written from Slack's documentation (the Web API
// method reference, the Socket Mode guide; /work/shared/platforms.md §3) as bot/slack's own
// fake is:
//   - the Web API under /api/: apps.connections.open takes the app-level token in the
//     Authorization header only and answers the WebSocket URL; auth.test, conversations.open,
//     chat.postMessage, chat.postEphemeral and chat.update take the bot token;
//   - the WebSocket: it says hello, carries envelopes and records each acknowledgement;
//   - response URLs under /hooks/<id>, as handed out in slash-command payloads.
type socketSlack struct {
	t        *testing.T
	srv      *httptest.Server
	botToken string
	appToken string

	mu       sync.Mutex
	conn     *websocket.Conn
	connWrMu sync.Mutex
	conns    int
	acks     map[string]bool
	posts    []slackPost
	calls    []string
	seq      int
}

// slackPost is an answer the bot sent: to a response URL (Where is the hook id) or through
// the Web API (Where is the channel).
type slackPost struct {
	Method, Where, ResponseType, Text string
}

func newSocketSlack(t *testing.T, botToken, appToken string) *socketSlack {
	t.Helper()
	s := &socketSlack{t: t, botToken: botToken, appToken: appToken, acks: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/{method}", s.api)
	mux.HandleFunc("GET /link", s.link)
	mux.HandleFunc("POST /hooks/{id}", s.hook)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.mu.Lock()
		if s.conn != nil {
			s.conn.Close()
		}
		s.mu.Unlock()
		s.srv.Close()
	})
	return s
}

// apiURL is the base URL for slack.api_url.
func (s *socketSlack) apiURL() string { return s.srv.URL + "/api/" }

func slackReply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func (s *socketSlack) api(w http.ResponseWriter, r *http.Request) {
	method := r.PathValue("method")
	s.mu.Lock()
	s.calls = append(s.calls, method)
	s.mu.Unlock()
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	bearer := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	if method == "apps.connections.open" {
		if r.PostForm.Get("token") != "" || bearer != s.appToken {
			slackReply(w, map[string]any{"ok": false, "error": "invalid_auth"})
			return
		}
		slackReply(w, map[string]any{"ok": true, "url": "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/link?ticket=deploy-ticket"})
		return
	}
	token := r.PostForm.Get("token")
	if token == "" {
		token = bearer
	}
	if token != s.botToken {
		slackReply(w, map[string]any{"ok": false, "error": "invalid_auth"})
		return
	}
	switch method {
	case "auth.test":
		slackReply(w, map[string]any{"ok": true, "url": "https://partners.slack.com/", "team": "Partners", "user": "partnerbot",
			"team_id": "T0PARTNER", "user_id": "U0PBBOT", "bot_id": "B0PBBOT"})
	case "conversations.open":
		slackReply(w, map[string]any{"ok": true, "channel": map[string]any{"id": "D" + strings.TrimPrefix(r.PostForm.Get("users"), "U")}})
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		s.mu.Lock()
		s.seq++
		ts := fmt.Sprintf("1700000000.%06d", s.seq)
		s.posts = append(s.posts, slackPost{Method: method, Where: r.PostForm.Get("channel"),
			Text: r.PostForm.Get("text") + "\n" + blockTexts([]byte(r.PostForm.Get("blocks")))})
		s.mu.Unlock()
		if method == "chat.postEphemeral" {
			slackReply(w, map[string]any{"ok": true, "message_ts": ts})
			return
		}
		slackReply(w, map[string]any{"ok": true, "channel": r.PostForm.Get("channel"), "ts": ts})
	default:
		slackReply(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

// link is the Socket Mode WebSocket: hello, then envelopes out and acknowledgements in.
func (s *socketSlack) link(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("ticket") != "deploy-ticket" {
		http.Error(w, "bad ticket", http.StatusUnauthorized)
		return
	}
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	s.mu.Lock()
	if s.conn != nil {
		s.conn.Close()
	}
	s.conn = conn
	s.conns++
	s.mu.Unlock()
	_ = s.write(conn, map[string]any{"type": "hello", "num_connections": 1,
		"debug_info":      map[string]any{"host": "applink-deploy", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": "A0PARTNER"}})
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		var a struct {
			EnvelopeID string `json:"envelope_id"`
		}
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			s.t.Errorf("the bot sent something that is not an acknowledgement: %s", data)
			continue
		}
		s.mu.Lock()
		s.acks[a.EnvelopeID] = true
		s.mu.Unlock()
	}
}

func (s *socketSlack) write(conn *websocket.Conn, v any) error {
	s.connWrMu.Lock()
	defer s.connWrMu.Unlock()
	return conn.WriteJSON(v)
}

// hook is a response URL: JSON {text, blocks, response_type}.
func (s *socketSlack) hook(w http.ResponseWriter, r *http.Request) {
	var m struct {
		Text         string          `json:"text"`
		Blocks       json.RawMessage `json:"blocks"`
		ResponseType string          `json:"response_type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
		http.Error(w, "invalid_payload", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.posts = append(s.posts, slackPost{Method: "response_url", Where: r.PathValue("id"), ResponseType: m.ResponseType,
		Text: m.Text + "\n" + blockTexts(m.Blocks)})
	s.mu.Unlock()
	slackReply(w, map[string]any{"ok": true})
}

// connected reports whether the bot holds a Socket Mode connection.
func (s *socketSlack) connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil
}

// slash sends a slash command as Socket Mode delivers it, from user in channel, with the
// response URL /hooks/<hook>, and returns the envelope's id.
func (s *socketSlack) slash(command, text, channel, user, hook string) string {
	s.t.Helper()
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("env-deploy-%04d", s.seq)
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		s.t.Fatal("no Socket Mode connection to send the command on")
	}
	payload := map[string]any{"token": "verification-token-unused", "team_id": "T0PARTNER", "team_domain": "partners",
		"channel_id": channel, "channel_name": "approvals", "user_id": user, "user_name": strings.ToLower(user),
		"command": command, "text": text, "api_app_id": "A0PARTNER", "is_enterprise_install": "false",
		"response_url": s.srv.URL + "/hooks/" + hook, "trigger_id": "13345224609.738474920.8088930838d88f008e0"}
	if err := s.write(conn, map[string]any{"envelope_id": id, "type": "slash_commands", "payload": payload,
		"accepts_response_payload": true, "retry_attempt": 0, "retry_reason": ""}); err != nil {
		s.t.Fatalf("sending the slash command: %v", err)
	}
	return id
}

// acked reports whether the envelope id was acknowledged.
func (s *socketSlack) acked(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.acks[id]
}

// answers are the posts to the response URL hook.
func (s *socketSlack) answers(hook string) []slackPost {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []slackPost
	for _, p := range s.posts {
		if p.Method == "response_url" && p.Where == hook {
			out = append(out, p)
		}
	}
	return out
}

// describe is everything the fake received, for a failure message.
func (s *socketSlack) describe() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	fmt.Fprintf(&b, "\nSlack: %d connections, calls %v", s.conns, s.calls)
	for _, p := range s.posts {
		fmt.Fprintf(&b, "\n  %s %s: %.200q", p.Method, p.Where, p.Text)
	}
	return b.String()
}

// blockTexts is every "text" string in Block Kit JSON, one a line.
func blockTexts(raw []byte) string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if s, ok := v["text"].(string); ok {
				b.WriteString(s + "\n")
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return b.String()
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, show func() string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %v for %s%s", limit, what, show())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
