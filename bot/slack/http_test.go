package slack

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
)

// Slack's published signing example (https://api.slack.com/authentication/verifying-requests-from-slack,
// recomputed independently in platforms.md §3).
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

func TestSignKnownAnswer(t *testing.T) {
	if got := sign(docSecret, docTimestamp, []byte(docBody)); got != docSignature {
		t.Fatalf("sign = %s, want Slack's %s", got, docSignature)
	}
	// slack-go's own verifier agrees (it checks against the wall clock, so on a fresh timestamp).
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	h := http.Header{"X-Slack-Request-Timestamp": {ts}, "X-Slack-Signature": {sign(docSecret, ts, []byte(docBody))}}
	sv, err := slackapi.NewSecretsVerifier(h, docSecret)
	if err != nil {
		t.Fatal(err)
	}
	sv.Write([]byte(docBody))
	if err := sv.Ensure(); err != nil {
		t.Errorf("slack-go refuses our signature: %v", err)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(1531420618, 0)
	headers := func(ts, sig string) http.Header {
		h := http.Header{}
		if ts != "" {
			h.Set("X-Slack-Request-Timestamp", ts)
		}
		if sig != "" {
			h.Set("X-Slack-Signature", sig)
		}
		return h
	}
	tests := []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		want error
	}{
		{"Slack's example", headers(docTimestamp, docSignature), docBody, at.Add(30 * time.Second), nil},
		{"just inside the window", headers(docTimestamp, docSignature), docBody, at.Add(5 * time.Minute), nil},
		{"stale", headers(docTimestamp, docSignature), docBody, at.Add(5*time.Minute + time.Second), errStale},
		{"from the future", headers(docTimestamp, docSignature), docBody, at.Add(-6 * time.Minute), errStale},
		{"tampered body", headers(docTimestamp, docSignature), strings.Replace(docBody, "text=", "text=approve+1", 1), at, errWrongSignature},
		{"another secret", headers(docTimestamp, slacktest.Sign("another secret", docTimestamp, []byte(docBody))), docBody, at, errWrongSignature},
		{"timestamp changed", headers("1531420619", docSignature), docBody, at, errWrongSignature},
		{"upper-case hex", headers(docTimestamp, strings.ToUpper(docSignature)), docBody, at, errWrongSignature},
		{"no signature", headers(docTimestamp, ""), docBody, at, errNoSignature},
		{"no timestamp", headers("", docSignature), docBody, at, errNoSignature},
		{"timestamp not a number", headers("yesterday", docSignature), docBody, at, errBadTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := verify(docSecret, tt.h, []byte(tt.body), tt.now); !errors.Is(err, tt.want) {
				t.Errorf("verify = %v, want %v", err, tt.want)
			}
		})
	}
}

// request posts body to the adapter's endpoint, signed with secret at ts (now when zero).
func (e *env) request(path, contentType, body, secret string, ts time.Time, extra http.Header) (*http.Response, string) {
	e.t.Helper()
	if ts.IsZero() {
		ts = time.Now()
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+e.addr+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	slacktest.SignRequest(req, secret, ts, []byte(body))
	for k, v := range extra {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

const formType = "application/x-www-form-urlencoded"

// slashForm is a slash command as Slack posts it in HTTP mode.
func (e *env) slashForm(command, text, channel, user, hook string) string {
	return url.Values{"token": {"unused"}, "team_id": {slacktest.TeamID}, "team_domain": {"fake"}, "channel_id": {channel},
		"channel_name": {"ops"}, "user_id": {user}, "user_name": {strings.ToLower(user)}, "command": {command},
		"text": {text}, "api_app_id": {slacktest.AppID}, "is_enterprise_install": {"false"},
		"response_url": {e.fake.HookURL(hook)}, "trigger_id": {"1.2.3"}}.Encode()
}

func eventJSON(t *testing.T, eventID string, event map[string]any) string {
	t.Helper()
	b, err := json.Marshal(slacktest.EventPayload(eventID, event))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestHTTPModeRefusesUnsignedRequests(t *testing.T) {
	e := newEnv(t, envOptions{mode: ModeHTTP, adapter: func(o *Options) { o.Workers = 1 }})
	good := e.slashForm("/pb", "customer 张三", "COPS", alice, "refused")
	tests := []struct {
		name   string
		secret string
		body   string // sent; signed over signed (or body when empty)
		signed string
		ts     time.Time
	}{
		{name: "wrong secret", secret: "not the secret", body: good},
		{name: "tampered body", secret: e.secret, body: strings.Replace(good, "customer", "renew", 1), signed: good},
		{name: "stale", secret: e.secret, body: good, ts: time.Now().Add(-6 * time.Minute)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signed := tt.signed
			if signed == "" {
				signed = tt.body
			}
			ts := tt.ts
			if ts.IsZero() {
				ts = time.Now()
			}
			req, _ := http.NewRequest(http.MethodPost, "http://"+e.addr+PathCommands, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", formType)
			slacktest.SignRequest(req, tt.secret, ts, []byte(signed))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("status %d, want 401", resp.StatusCode)
			}
		})
	}
	for _, path := range []string{PathEvents, PathInteractive} {
		req, _ := http.NewRequest(http.MethodPost, "http://"+e.addr+path, strings.NewReader(`{"type":"url_verification","challenge":"x"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("unsigned %s: status %d, want 401", path, resp.StatusCode)
		}
	}
	// Nothing refused was acted on: the one answer is the sentinel's.
	if resp, _ := e.request(PathCommands, formType, e.slashForm("/pb", "help", "COPS", alice, "sentinel"), e.secret, time.Time{}, nil); resp.StatusCode != 200 {
		t.Fatalf("a signed command got %d", resp.StatusCode)
	}
	// One worker answers in order: anything wrongly accepted before the sentinel comes first.
	e.fake.WaitFor("the sentinel's answer", func() bool {
		return slices.ContainsFunc(e.fake.Posts(), func(p slacktest.Post) bool { return p.Hook == "sentinel" })
	})
	if posts := e.fake.Posts(); len(posts) != 1 {
		t.Errorf("refused requests were acted on:%s", e.fake.DescribePosts())
	}
}

func TestHTTPModeSlashCommand(t *testing.T) {
	e := newEnv(t, envOptions{mode: ModeHTTP})
	start := time.Now()
	resp, body := e.request(PathCommands, formType, e.slashForm("/customer", "张三", "COPS", alice, "cmd"), e.secret, time.Time{}, nil)
	if resp.StatusCode != http.StatusOK || body != "" {
		t.Fatalf("slash command answered %d %q; want an empty 200", resp.StatusCode, body)
	}
	t.Logf("acknowledged in %s", time.Since(start))
	p := e.fake.WaitPosts(1)[0]
	if p.Method != "response_url" || p.Hook != "cmd" || p.ResponseType != "in_channel" || !strings.Contains(slacktest.BlockText(p.Blocks), "zhangsan") {
		t.Errorf("answer %+v:\n%s", p, slacktest.BlockText(p.Blocks))
	}
}

func TestHTTPModeEvents(t *testing.T) {
	e := newEnv(t, envOptions{mode: ModeHTTP})
	resp, body := e.request(PathEvents, "application/json", `{"token":"unused","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, e.secret, time.Time{}, nil)
	var ch struct{ Challenge string }
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &ch) != nil || ch.Challenge != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("url_verification answered %d %q", resp.StatusCode, body)
	}

	dm := eventJSON(t, "Ev0HTTP1", slacktest.DMEvent(alice, "customer 张三", "1700000060.000100"))
	if resp, _ := e.request(PathEvents, "application/json", dm, e.secret, time.Time{}, nil); resp.StatusCode != 200 {
		t.Fatalf("event answered %d", resp.StatusCode)
	}
	card := e.fake.WaitPosts(1)[0]
	if card.Channel != "D"+alice || !strings.Contains(slacktest.BlockText(card.Blocks), "zhangsan") {
		t.Fatalf("event answer %+v", card)
	}
	// Slack's retry of the same event is acknowledged and not answered again.
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	if resp, _ := e.request(PathEvents, "application/json", dm, e.secret, time.Time{}, retry); resp.StatusCode != 200 {
		t.Fatalf("retry answered %d", resp.StatusCode)
	}
	// A retry of an event never handled (say, the first try reached a bot that was restarting)
	// is handled.
	other := eventJSON(t, "Ev0HTTP2", slacktest.DMEvent(bob, "pending", "1700000061.000100"))
	e.request(PathEvents, "application/json", other, e.secret, time.Time{}, retry)
	e.fake.WaitPosts(2)
	time.Sleep(100 * time.Millisecond)
	if posts := e.fake.Posts(); len(posts) != 2 || posts[1].Channel != "D"+bob {
		t.Fatalf("want the first event answered once and the unseen retry answered:%s", e.fake.DescribePosts())
	}

	// A click on the card's button, through the interactivity endpoint.
	var action string
	for k, v := range slacktest.Buttons(card.Blocks) {
		if strings.HasPrefix(v, "/resources ") {
			action = k
		}
	}
	payload, err := json.Marshal(e.fake.ClickPayload(t, card, alice, action, "click-http"))
	if err != nil {
		t.Fatal(err)
	}
	if resp, body := e.request(PathInteractive, formType, url.Values{"payload": {string(payload)}}.Encode(), e.secret, time.Time{}, nil); resp.StatusCode != 200 || body != "" {
		t.Fatalf("click answered %d %q", resp.StatusCode, body)
	}
	p := e.fake.WaitPosts(3)[2]
	if p.Hook != "click-http" || !strings.Contains(slacktest.BlockText(p.Blocks), "zhangsan-web-01") {
		t.Errorf("click answer %+v", p)
	}

	// Methods other than POST are refused.
	r, err := http.Get("http://" + e.addr + PathEvents)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: %d", PathEvents, r.StatusCode)
	}
}
