package slacktest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// call posts a Web API method as a client does: form-encoded, the bot token as a bearer.
func call(t *testing.T, f *Fake, method string, form url.Values) map[string]any {
	t.Helper()
	resp, err := http.PostForm(f.APIURL()+method, withToken(form, f.BotToken))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

func withToken(form url.Values, token string) url.Values {
	out := url.Values{"token": {token}}
	for k, v := range form {
		out[k] = v
	}
	return out
}

// TestAddChannelAndUser: a channel the test adds takes posts (an unknown one answers
// channel_not_found, as Slack does), and a member it adds is known to users.info.
func TestAddChannelAndUser(t *testing.T) {
	f := New(t)
	post := url.Values{"channel": {"C0ALERTS"}, "text": {"hello"}}
	if got := call(t, f, "chat.postMessage", post); got["ok"] != false || got["error"] != "channel_not_found" {
		t.Errorf("posting to an unknown channel = %v, want channel_not_found", got)
	}
	f.AddChannel("C0ALERTS")
	if got := call(t, f, "chat.postMessage", post); got["ok"] != true {
		t.Errorf("posting to an added channel = %v", got)
	}
	if ps := f.Posts(); len(ps) != 1 || ps[0].Channel != "C0ALERTS" || ps[0].Text != "hello" {
		t.Errorf("posts = %+v", ps)
	}
	who := url.Values{"user": {"U0ADMIN1"}}
	if got := call(t, f, "users.info", who); got["error"] != "user_not_found" {
		t.Errorf("users.info of an unknown member = %v", got)
	}
	f.AddUser("U0ADMIN1", User{Name: "admin", RealName: "Ada Admin", DisplayName: "ada"})
	got := call(t, f, "users.info", who)
	user, _ := got["user"].(map[string]any)
	profile, _ := user["profile"].(map[string]any)
	if got["ok"] != true || profile["display_name"] != "ada" {
		t.Errorf("users.info of an added member = %v", got)
	}
}
