package wecom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestDigestClickLeavesTheDigest: an expiry digest reaches a member as markdown with the
// /renew commands to type (a card would cut it short). A card whose /renew button does not
// decide, clicked, files the renewal and answers with a new message; the card is not updated
// (it used to be, on every click), so it stays as it was.
func TestDigestClickLeavesTheDigest(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	ctx := context.Background()
	now := func() time.Time { return bsstest.TestTime }

	// The digest from a real scan.
	if _, err := e.st.AddSubscription(ctx, store.Subscription{Platform: "wecom", Channel: wecom.UserChannel("alice"), Kind: alerts.KindExpiry,
		Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := alerts.New(e.client, e.st, alerts.Options{Now: now}).Scan(ctx, alerts.KindExpiry); err != nil {
		t.Fatalf("scan: %v", err)
	}
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{"wecom": h.a}, Now: now}
	if sent, failed, err := disp.RunOnce(ctx); err != nil || failed != 0 || sent == 0 {
		t.Fatalf("dispatch: sent %d failed %d err %v", sent, failed, err)
	}
	var renew string
	for _, c := range h.fake.Delivered(pathSend) {
		if c.Body["msgtype"] != "markdown" || c.Body["touser"] != "alice" {
			t.Fatalf("the digest went as %v to %v; want markdown to alice", c.Body["msgtype"], c.Body["touser"])
		}
		md := markdownOf(c)
		if i := strings.Index(md, "`/renew "); i >= 0 && renew == "" {
			renew, _, _ = strings.Cut(md[i+1:], "`")
		}
	}
	if renew == "" {
		t.Fatalf("the digest shows no /renew to type: %v", h.fake.Delivered(pathSend))
	}

	// The same /renew on a card, as a button that does not decide.
	h.fake.Reset()
	digest := chat.Reply{Title: "1 项资源即将到期", Text: "请续订。",
		Buttons: []chat.Button{{Label: "续订", Command: renew, Style: chat.StylePrimary}}}
	if err := h.a.Send(ctx, bot.Target{Channel: wecom.UserChannel("alice")}, digest); err != nil {
		t.Fatal(err)
	}
	sent := h.fake.Delivered(pathSend)
	if len(sent) != 1 || sent[0].Body["msgtype"] != "template_card" {
		t.Fatalf("the notice went as %d messages, want one card: %v", len(sent), sent)
	}
	card := sent[0].Body["template_card"].(map[string]any)
	key := card["button_list"].([]any)[0].(map[string]any)["key"].(string)
	code := h.fake.ResponseCodes("alice")[0]

	h.fake.Reset()
	h.post(click("alice", key, card["task_id"].(string), code))
	answer := wait(t, h.fake, pathSend, 1)[0]
	if answer.Body["touser"] != "alice" || !strings.Contains(markdownOf(answer), "#1") {
		t.Errorf("the click was answered with %v; want the filed request #1", answer.Body)
	}
	h.stop() // the worker has finished: whatever the click did is on record
	if calls := h.fake.Calls(pathUpdate); len(calls) != 0 {
		t.Errorf("the card was updated: %v", calls[0].Body)
	}
	if a, err := e.st.Approval(ctx, 1); err != nil || a.Requester.UserID != "alice" || a.Action != "renew" {
		t.Errorf("request #1 = %+v, %v; want alice's renewal", a, err)
	}
}
