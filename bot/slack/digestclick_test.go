package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/store"
)

// alertDigest subscribes COPS to the sandbox's alerts of kind, scans, delivers the digest and
// returns its message, the one with buttons.
func (e *env) alertDigest(kind string) slacktest.Post {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.st.AddSubscription(ctx, store.Subscription{Platform: platform, Channel: "COPS", Kind: kind, Scope: "*",
		CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		e.t.Fatal(err)
	}
	if _, err := alerts.New(e.client, e.st, alerts.Options{Now: e.now}).Scan(ctx, kind); err != nil {
		e.t.Fatalf("scan %s: %v", kind, err)
	}
	if e.deliverNotices() == 0 {
		e.t.Fatalf("the %s scan left no digest to deliver", kind)
	}
	for _, p := range e.fake.Posts() {
		if p.Method == "chat.postMessage" && p.Channel == "COPS" && len(slacktest.Buttons(p.Blocks)) > 0 {
			return p
		}
	}
	e.t.Fatalf("no %s digest with buttons in COPS:%s", kind, e.fake.DescribePosts())
	return slacktest.Post{}
}

// TestDigestClickLeavesTheDigest: a button on an alert digest that files a request (/renew on
// an expiry digest, /topup on an arrears digest, the latter styled primary like an Approve) is
// answered with a new message, the request filed; the digest is neither replaced nor updated,
// so its other buttons stay there for the next person.
func TestDigestClickLeavesTheDigest(t *testing.T) {
	for _, tc := range []struct{ kind, command string }{
		{alerts.KindExpiry, "/renew "},
		{alerts.KindArrears, "/topup "},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			digest := e.alertDigest(tc.kind)
			var action string
			for id, cmd := range slacktest.Buttons(digest.Blocks) {
				if strings.HasPrefix(cmd, tc.command) && (action == "" || id < action) {
					action = id
				}
			}
			if action == "" {
				t.Fatalf("no %s button on the digest: %v", tc.command, slacktest.Buttons(digest.Blocks))
			}
			before := len(e.fake.Posts())
			id, _ := e.fake.Envelope("interactive", e.fake.ClickPayload(t, digest, alice, action, "click-digest"), false)
			checkAck(t, e.fake.WaitAck(id))
			p := e.fake.WaitPosts(before + 1)[before]
			if p.Method != "response_url" || p.ReplaceOriginal || p.ResponseType != "in_channel" {
				t.Errorf("the click was answered with %s (replace_original %v, %s); want a new message in the channel:%s",
					p.Method, p.ReplaceOriginal, p.ResponseType, e.fake.DescribePosts())
			}
			if !strings.Contains(slacktest.BlockText(p.Blocks), "#1") {
				t.Errorf("the answer does not name the request it filed:\n%s", slacktest.BlockText(p.Blocks))
			}
			if n := e.fake.CallCount("chat.update"); n != 0 {
				t.Errorf("the digest was updated %d times", n)
			}
			if a, err := e.st.Approval(context.Background(), 1); err != nil || a.Requester.UserID != alice {
				t.Errorf("request #1 = %+v, %v; want alice's", a, err)
			}
		})
	}
}

// TestCancelClickReplacesTheRequest: Cancel, on the requester's copy of a filed request,
// settles it as Approve and Reject do: the click replaces that message with the outcome, and no
// button is left on it.
func TestCancelClickReplacesTheRequest(t *testing.T) {
	e := newEnv(t, envOptions{})
	web := e.resource("zhangsan-web-01")
	id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/renew", web.ResourceID+" 1m", "CGENERAL", alice, "renew"), true)
	checkAck(t, e.fake.WaitAck(id))
	filed := e.fake.WaitPosts(1)[0]
	if b := slacktest.Buttons(filed.Blocks); b["pb:decide:0"] != "/cancel 1" {
		t.Fatalf("the filed request's buttons = %v, want Cancel, deciding", b)
	}
	id, _ = e.fake.Envelope("interactive", e.fake.ClickPayload(t, filed, alice, "pb:decide:0", "click-cancel"), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitFor("the request replaced", func() bool {
		for _, p := range e.fake.Posts() {
			if p.Method == "chat.update" || (p.Method == "response_url" && p.ReplaceOriginal) {
				return true
			}
		}
		return false
	})
	for _, p := range e.fake.Posts()[1:] {
		if p.Method != "chat.update" && !(p.Method == "response_url" && p.ReplaceOriginal) {
			t.Errorf("the click also answered with a new message: %s %s", p.Method, slacktest.BlockText(p.Blocks))
		}
		if len(slacktest.Buttons(p.Blocks)) != 0 {
			t.Errorf("the cancelled request still has buttons: %v", slacktest.Buttons(p.Blocks))
		}
	}
	if a, err := e.st.Approval(context.Background(), 1); err != nil || a.State != store.StateCancelled {
		t.Errorf("request #1 = %+v, %v; want cancelled", a.State, err)
	}
}
