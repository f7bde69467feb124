package replicas_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/slack"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// The Telegram side of the inbound test: bob approves in his private chat with the bot.
var tgBob = telegramtest.User{ID: 1002, FirstName: "Bob"}

const hookSecret = "replicas-hook_secret"

// startTelegram runs a Telegram adapter in webhook mode on replica r: its buttons and its
// deliveries in r's store, its handler r's router. It returns the webhook's URL.
func (w *world) startTelegram(r *replica, fake *telegramtest.Fake) string {
	w.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	hook := "http://" + ln.Addr().String() + "/tg/hook"
	a, err := telegram.New(telegram.Options{Token: telegramtest.Token, APIEndpoint: fake.URL, Mode: telegram.ModeWebhook,
		WebhookURL: hook, WebhookPath: "/tg/hook", WebhookSecret: hookSecret, Listener: ln,
		Buttons: r.store, Deliveries: r.store, Workers: 1})
	if err != nil {
		w.t.Fatal(err)
	}
	// Counted before the adapter runs: one that registers its webhook before the count would
	// otherwise be waited for a second time.
	registered := len(fake.OKCalls("setWebhook"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, r.router.Handle) }()
	w.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			w.t.Errorf("%s's Telegram adapter: %v", r.name, err)
		}
	})
	fake.WaitCallsFor("setWebhook", registered+1, 30*time.Second)
	return hook
}

// deliver posts one update to a webhook as Telegram does; it must be taken (200).
func deliver(t *testing.T, fake *telegramtest.Fake, hook string, update map[string]any) {
	t.Helper()
	if got := fake.Deliver(hook, hookSecret, update); got != http.StatusOK {
		t.Fatalf("update %v answered %d, want 200", update["update_id"], got)
	}
}

// bobSays is an update of bob's message in his private chat.
func bobSays(id int, text string) map[string]any {
	return map[string]any{"update_id": id, "message": map[string]any{"message_id": id, "date": bsstestDate,
		"from": map[string]any{"id": tgBob.ID, "is_bot": false, "first_name": tgBob.FirstName},
		"chat": map[string]any{"id": tgBob.ID, "type": "private", "first_name": tgBob.FirstName}, "text": text}}
}

// bobClicks is an update of bob's click on the button with data under the bot's message msg.
func bobClicks(id int, msg telegramtest.Message, data string) map[string]any {
	return map[string]any{"update_id": id, "callback_query": map[string]any{
		"id": fmt.Sprintf("q%d", id), "from": map[string]any{"id": tgBob.ID, "is_bot": false, "first_name": tgBob.FirstName},
		"chat_instance": "1002", "data": data,
		"message": map[string]any{"message_id": msg.ID, "date": msg.Date, "text": msg.Text,
			"chat": map[string]any{"id": tgBob.ID, "type": "private", "first_name": tgBob.FirstName}}}}
}

// bsstestDate is the Unix time of the sandbox's clock, which the updates carry.
var bsstestDate = int64(1764979200)

// commandRuns counts the audit entries of commands typed or clicked as text by telegram user
// 1002: how often the router ran it.
func (w *world) commandRuns(text string) int {
	w.t.Helper()
	return w.runsOf("telegram", "1002", func(c string) bool { return c == text })
}

// runsOf counts the audit entries of commands by platform's user whose text is, by match, the
// command: how often the router ran it.
func (w *world) runsOf(platform, user string, match func(command string) bool) int {
	w.t.Helper()
	es, err := w.live().store.RecentAudit(context.Background(), store.MaxAuditLimit, store.AuditFilter{Platform: platform, UserID: user})
	if err != nil {
		w.t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if match(e.Command) {
			n++
		}
	}
	return n
}

// waitFor waits, up to a generous deadline, until ok holds.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestUpdateDeliveredToTwoReplicasRunsOnce: Telegram retries a webhook delivery it did not see
// answered, and the load balancer may send the retry to another replica; the two replicas share
// the store's inbound deliveries, so the update runs once. Its button, saved by the replica
// that rendered it, works on the other. A click delivered to one replica and then, retried, to
// the other; a typed /approve delivered to both at once: each runs once and reaches BSS once.
func TestUpdateDeliveredToTwoReplicasRunsOnce(t *testing.T) {
	w := newWorld(t)
	a, b := w.addReplica(0, replicaOptions{}), w.addReplica(1, replicaOptions{})
	fake := telegramtest.New(t)
	fake.AddPrivate(tgBob)
	hookA, hookB := w.startTelegram(a, fake), w.startTelegram(b, fake)
	res := w.mainResources(2)

	t.Run("a click retried to the other replica", func(t *testing.T) {
		req := w.file(a, "/renew "+res[0].ResourceID+" 1m")
		show := fmt.Sprintf("/request %d", req.ID)
		deliver(t, fake, hookA, bobSays(9001, show))
		var msg telegramtest.Message
		waitFor(t, "the request shown with its buttons", func() bool {
			for _, m := range fake.Messages(tgBob.ID) {
				if m.From == nil && len(telegramtest.Buttons(m)) > 0 && strings.Contains(m.Text, fmt.Sprintf("#%d", req.ID)) {
					msg = m
					return true
				}
			}
			return false
		})
		approve := telegramtest.Buttons(msg)[0][0] // Approve, then Reject
		before := len(w.mutations())
		click := bobClicks(9002, msg, approve[1])
		deliver(t, fake, hookB, click) // the replica that did not render the button
		waitFor(t, "the click to run", func() bool { return w.approval(req.ID).State == store.StateSucceeded })
		deliver(t, fake, hookA, click) // Telegram's retry, to the other replica
		deliver(t, fake, hookA, bobSays(9003, "/help"))
		waitFor(t, "the probe after the retry", func() bool { return w.commandRuns("/help") == 1 })
		if n := w.commandRuns(fmt.Sprintf("/approve %d", req.ID)); n != 1 {
			t.Errorf("the click ran %d times, want once", n)
		}
		if muts := w.mutations()[before:]; len(muts) != 1 || muts[0].Path != renewPath {
			t.Errorf("BSS changes %v, want one renewal", paths(muts))
		}
		w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
	})

	t.Run("a typed approval delivered to both at once", func(t *testing.T) {
		req := w.file(b, "/renew "+res[1].ResourceID+" 1m")
		text := fmt.Sprintf("/approve %d", req.ID)
		before := len(w.mutations())
		update := bobSays(9004, text)
		together(func() { deliver(t, fake, hookA, update) }, func() { deliver(t, fake, hookB, update) })
		waitFor(t, "the approval to run", func() bool { return w.approval(req.ID).State == store.StateSucceeded })
		deliver(t, fake, hookA, bobSays(9005, "/help"))
		deliver(t, fake, hookB, bobSays(9006, "/help"))
		waitFor(t, "the probes after it", func() bool { return w.commandRuns("/help") == 3 })
		if n := w.commandRuns(text); n != 1 {
			t.Errorf("the update ran %d times, want once", n)
		}
		if muts := w.mutations()[before:]; len(muts) != 1 || muts[0].Path != renewPath {
			t.Errorf("BSS changes %v, want one renewal", paths(muts))
		}
		w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
	})
}

const slackSecret = "replicas-signing-secret"

// startSlack runs a Slack adapter in HTTP mode on replica r (its deliveries in r's store, its
// handler r's router) and returns the address it serves on.
func (w *world) startSlack(r *replica, fake *slacktest.Fake) string {
	w.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		w.t.Fatal(err)
	}
	a, err := slack.New(slack.Options{Mode: slack.ModeHTTP, APIURL: fake.APIURL(), BotToken: fake.BotToken, SigningSecret: slackSecret,
		Listener: ln, Workers: 1, ChannelRate: -1, Timeout: 10 * time.Second, Deliveries: r.store})
	if err != nil {
		w.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx, r.router.Handle) }()
	w.t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			w.t.Errorf("%s's Slack adapter: %v", r.name, err)
		}
	})
	fake.WaitFor("the HTTP endpoints of "+r.name, a.Connected)
	return ln.Addr().String()
}

// postEvent posts an Events API payload to the adapter at addr, signed now, as Slack does; a
// retry carries X-Slack-Retry-Num. It must be taken (200).
func postEvent(t *testing.T, addr string, payload map[string]any, retry int) {
	t.Helper()
	body, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, "http://"+addr+slack.PathEvents, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if retry > 0 {
		req.Header.Set("X-Slack-Retry-Num", strconv.Itoa(retry))
		req.Header.Set("X-Slack-Retry-Reason", "http_timeout")
	}
	slacktest.SignRequest(req, slackSecret, time.Now(), body)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("event answered %d, want 200", resp.StatusCode)
	}
}

// TestSlackEventRetriedToAnotherReplicaRunsOnce: Slack retries an event it did not see
// acknowledged in time, and the retry may reach another replica: a mention that approves a
// request runs once, by the shared inbound deliveries, and reaches BSS once.
func TestSlackEventRetriedToAnotherReplicaRunsOnce(t *testing.T) {
	w := newWorld(t)
	a, b := w.addReplica(0, replicaOptions{}), w.addReplica(1, replicaOptions{})
	fake := slacktest.New(t)
	fake.AddChannel(approvalsChannel)
	addrA, addrB := w.startSlack(a, fake), w.startSlack(b, fake)
	req := w.file(a, "/renew "+w.mainResources(1)[0].ResourceID+" 1m")
	mention := slacktest.EventPayload("Ev0REPLICAS1", slacktest.MentionEvent(approvalsChannel, "UBOB",
		fmt.Sprintf("<@%s> /approve %d", slacktest.BotUserID, req.ID) /* an action is typed: a sentence only offers it */, "1700000100.000100", ""))
	postEvent(t, addrA, mention, 0)
	waitFor(t, "the approval to run", func() bool { return w.approval(req.ID).State == store.StateSucceeded })
	postEvent(t, addrB, mention, 1) // Slack's retry, to the other replica
	probe := slacktest.EventPayload("Ev0REPLICAS2", slacktest.MentionEvent(approvalsChannel, "UBOB",
		fmt.Sprintf("<@%s> help", slacktest.BotUserID), "1700000101.000100", ""))
	postEvent(t, addrB, probe, 0)
	isHelp := func(c string) bool { return strings.Contains(c, "help") }
	waitFor(t, "the probe after the retry", func() bool { return w.runsOf("slack", "UBOB", isHelp) == 1 })
	if n := w.runsOf("slack", "UBOB", func(c string) bool { return strings.Contains(c, fmt.Sprintf("approve %d", req.ID)) }); n != 1 {
		t.Errorf("the mention ran %d times, want once", n)
	}
	if muts := w.mutations(); len(muts) != 1 || muts[0].Path != renewPath {
		t.Errorf("BSS changes %v, want one renewal", paths(muts))
	}
	w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
}
