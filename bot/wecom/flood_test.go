package wecom_test

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/floodtest"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
)

// sentTo is the markdown of every app message delivered to user so far.
func (h *harness) sentTo(user string) []string {
	var out []string
	for _, c := range h.fake.Delivered(pathSend) {
		if c.Body["touser"] == user {
			out = append(out, markdownOf(c))
		}
	}
	return out
}

// waitSent waits until an app message to user contains want.
func (h *harness) waitSent(user, want string) {
	h.t.Helper()
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		for _, m := range h.sentTo(user) {
			if strings.Contains(m, want) {
				return
			}
		}
	}
	h.t.Fatalf("no message to %s shows %q; messages: %q", user, want, h.sentTo(user))
}

// passive opens a passive reply (the body of a callback's acknowledgement); "" for none.
func (h *harness) passive(body string) string {
	h.t.Helper()
	if body == "" {
		return ""
	}
	var out struct{ Encrypt, MsgSignature, TimeStamp, Nonce string }
	if err := xml.Unmarshal([]byte(body), &out); err != nil {
		h.t.Fatalf("acknowledgement %q: %v", body, err)
	}
	if err := h.c.Verify(out.MsgSignature, out.TimeStamp, out.Nonce, out.Encrypt); err != nil {
		h.t.Fatalf("passive reply signature: %v", err)
	}
	plain, err := h.c.Decrypt(out.Encrypt)
	if err != nil {
		h.t.Fatal(err)
	}
	var m struct{ Content string }
	if err := xml.Unmarshal(plain, &m); err != nil {
		h.t.Fatal(err)
	}
	return m.Content
}

// flood sends n text messages from user; it returns the passive replies among the
// acknowledgements.
func (h *harness) flood(user string, n int, text func(i int) string) []string {
	h.t.Helper()
	var replies []string
	for i := range n {
		status, body := h.post(h.text(user, text(i)))
		if status != 200 {
			h.t.Fatalf("message %d acknowledged with %d", i, status)
		}
		if s := h.passive(body); s != "" {
			replies = append(replies, s)
		}
	}
	return replies
}

// TestFloodDoesNotSilenceOthers is issue #20 §5 on WeCom: one member sends two hundred commands
// at once, each of which takes long. Another member's command is still answered while every one
// of the flooder's is running or waiting, and the flooder is told "busy" rather than left in
// silence. (Before the pool was fair, the other member was refused.)
func TestFloodDoesNotSilenceOthers(t *testing.T) {
	fh := floodtest.New("eve", nil)
	defer fh.Free()
	h := start(t, setup{handler: fh.Handle})
	busy := h.flood("eve", 200, func(i int) string { return fmt.Sprint("/customer 张三 ", i) })
	if len(busy) == 0 || !strings.Contains(busy[0], "机器人正忙") {
		t.Errorf("the flooder was not told busy: %q", busy)
	}
	status, body := h.post(h.text("bob", "/pending"))
	if status != 200 || body != "" {
		t.Fatalf("bob's command was acknowledged with %d %q, want taken", status, h.passive(body))
	}
	h.waitSent("bob", "done /pending")
	if n := len(h.sentTo("eve")); n != 0 {
		t.Fatalf("%d of the flooder's commands finished before they were let go", n)
	}
	fh.Free()
}

// startGated runs the adapter behind a gate on a clock that stands still: the default rate
// (10 at once, 30 a minute), mallory without a role.
func startGated(t *testing.T, fh *floodtest.Handler) *harness {
	clock := fakeclock.New(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	gate := bot.NewGate(bot.GateOptions{Now: clock.Now, Role: func(user string) chat.Role {
		if user == "wecom:mallory" {
			return chat.RoleNone
		}
		return chat.RoleViewer
	}})
	return start(t, setup{handler: fh.Handle, opts: func(o *wecom.Options) { o.Gate = gate }})
}

// TestStrangerIsRefusedOutsideThePool: a member without a role sending 320 /help is refused
// once, in the acknowledgement (no API call, no worker), and an approver's /pending is
// answered by the router.
func TestStrangerIsRefusedOutsideThePool(t *testing.T) {
	e := newEnv(t, 0)
	fh := floodtest.New("", bot.NewHandler(e.router))
	h := startGated(t, fh)
	replies := h.flood("mallory", 320, func(int) string { return "/help" })
	if len(replies) != 1 || !strings.Contains(replies[0], "wecom:mallory") {
		t.Errorf("the stranger got %d replies, want one refusal naming the key to add: %q", len(replies), replies)
	}
	h.post(h.text("bob", "/pending"))
	h.waitSent("bob", "")
	if n := fh.CallsOf("mallory"); n != 0 {
		t.Errorf("%d of the stranger's commands reached a worker", n)
	}
	if n := len(h.sentTo("mallory")); n != 0 {
		t.Errorf("%d app messages were sent to the stranger", n)
	}
}

// TestFloodIsRateLimited: of a flood of 300 quick /help customer (one message each), the
// burst (10) is answered, the flooder is told once (in the acknowledgement) that they go too
// fast, and the rest is dropped without a word.
func TestFloodIsRateLimited(t *testing.T) {
	e := newEnv(t, 0)
	fh := floodtest.New("", bot.NewHandler(e.router))
	h := startGated(t, fh)
	replies := h.flood("eve", 300, func(int) string { return "/help customer" })
	if len(replies) != 1 || !strings.Contains(replies[0], "速度太快了（每分钟最多 30 条）") {
		t.Errorf("the flooder got %d passive replies, want one \"too fast\": %q", len(replies), replies)
	}
	for deadline := time.Now().Add(15 * time.Second); len(h.sentTo("eve")) < 10 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := len(h.sentTo("eve")); n != 10 {
		t.Errorf("the flooder got %d answers, want 10", n)
	}
	if n := fh.CallsOf("eve"); n != 10 {
		t.Errorf("%d of the flooder's commands ran, want 10", n)
	}
}
