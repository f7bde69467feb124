package slack

import (
	"context"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestRetryAfterRestartRunsOnce: a direct message and a mention taken before a restart run once
// when Slack delivers them again after it (its retry of the event, signed anew, with
// X-Slack-Retry-Num; the mention also as a message event of its own id), when the new adapter
// reads the deliveries from the same store file. A slash command, which Slack never retries,
// runs each time it is sent.
func TestRetryAfterRestartRunsOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	fake := slacktest.New(t)
	var mu sync.Mutex
	runs := map[string]int{}
	handler := func(_ context.Context, req chat.Request) (chat.Reply, bool) {
		mu.Lock()
		defer mu.Unlock()
		runs[req.UserID+" "+req.Text]++
		return chat.Reply{Text: "done"}, true
	}
	// life runs an adapter in HTTP mode on a new port with the store file; stop ends it and
	// closes the file.
	life := func() (e *env, stop func()) {
		st, err := store.Open(path, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		e = &env{t: t, fake: fake, secret: "restart-signing-secret", addr: ln.Addr().String()}
		a, err := New(Options{Mode: ModeHTTP, APIURL: fake.APIURL(), BotToken: fake.BotToken, SigningSecret: e.secret,
			Listener: ln, Workers: 1, ChannelRate: -1, Timeout: 10 * time.Second, Deliveries: st})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- a.Run(ctx, handler) }()
		var once sync.Once
		stop = func() {
			once.Do(func() {
				cancel()
				if err := <-done; err != nil {
					t.Errorf("Run = %v", err)
				}
				st.Close()
			})
		}
		t.Cleanup(stop)
		fake.WaitFor("the HTTP endpoints", a.Connected)
		return e, stop
	}
	post := func(e *env, body string, h http.Header) {
		t.Helper()
		if resp, _ := e.request(PathEvents, "application/json", body, e.secret, time.Time{}, h); resp.StatusCode != http.StatusOK {
			t.Fatalf("event answered %d, want 200 (or Slack retries it)", resp.StatusCode)
		}
	}
	slash := func(e *env, text string) {
		t.Helper()
		if resp, _ := e.request(PathCommands, formType, e.slashForm("/pb", text, "CDEVOPS", carol, "slash"), e.secret, time.Time{}, nil); resp.StatusCode != http.StatusOK {
			t.Fatalf("slash command answered %d", resp.StatusCode)
		}
	}
	dm := eventJSON(t, "Ev0RESTART1", slacktest.DMEvent(alice, "renew r-1 1m", "1700000100.000100"))
	mention := slacktest.MentionEvent("COPS", bob, "<@"+slacktest.BotUserID+"> approve 7", "1700000101.000100", "")
	asMessage := map[string]any{"type": "message", "channel": "COPS", "channel_type": "channel", "user": bob,
		"text": "<@" + slacktest.BotUserID + "> approve 7", "ts": "1700000101.000100", "event_ts": "1700000101.000100", "team": slacktest.TeamID}

	e, stop := life()
	post(e, dm, nil)
	post(e, eventJSON(t, "Ev0RESTART2", mention), nil)
	slash(e, "pending")
	fake.WaitPosts(3)
	stop()

	// Slack got no answer in time, or the bot was down: it tries again, reaching the new bot.
	e, stop = life()
	retry := http.Header{"X-Slack-Retry-Num": {"1"}, "X-Slack-Retry-Reason": {"http_timeout"}}
	post(e, dm, retry)
	post(e, eventJSON(t, "Ev0RESTART2", mention), retry)
	post(e, eventJSON(t, "Ev0RESTART3", asMessage), nil)
	slash(e, "pending")
	post(e, eventJSON(t, "Ev0RESTART4", slacktest.DMEvent(alice, "probe", "1700000102.000100")), nil)
	fake.WaitFor("the probe's answer", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return runs[alice+" probe"] == 1 // a message is handed on as typed
	})
	stop()
	mu.Lock()
	defer mu.Unlock()
	for cmd, want := range map[string]int{alice + " renew r-1 1m": 1, bob + " approve 7": 1, carol + " /pending": 2} {
		if runs[cmd] != want {
			t.Errorf("%q ran %d times across the restart, want %d", cmd, runs[cmd], want)
		}
	}
}
