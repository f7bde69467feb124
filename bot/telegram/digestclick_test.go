package telegram

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// TestDigestClickLeavesTheDigest: a button on an alert digest that files a request (/renew on
// an expiry digest, /topup on an arrears digest) is answered with a new message, the request
// filed; the digest keeps its text and its buttons (it used to be edited into the request's
// reply, since /renew and /topup change state).
func TestDigestClickLeavesTheDigest(t *testing.T) {
	for _, tc := range []struct{ kind, command string }{
		{alerts.KindExpiry, "/renew "},
		{alerts.KindArrears, "/topup "},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			e := newEnv(t)
			a := e.start(e.options(), nil)
			ctx := context.Background()
			if _, err := e.st.AddSubscription(ctx, store.Subscription{Platform: Platform, Channel: fmt.Sprint(opsGroup), Kind: tc.kind,
				Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := alerts.New(e.client, e.st, alerts.Options{Now: e.clock.Now}).Scan(ctx, tc.kind); err != nil {
				t.Fatalf("scan: %v", err)
			}
			disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{Platform: a}, Now: e.clock.Now}
			if sent, failed, err := disp.RunOnce(ctx); err != nil || failed > 0 || sent == 0 {
				t.Fatalf("dispatch: sent %d, failed %d, %v", sent, failed, err)
			}
			var digest telegramtest.Message
			var data string
			for _, m := range e.fake.Messages(opsGroup) {
				for _, row := range telegramtest.Buttons(m) {
					for _, b := range row {
						if bt, err := e.st.Button(ctx, strings.TrimPrefix(b[1], callbackPrefix)); err == nil && data == "" &&
							strings.HasPrefix(bt.Command, tc.command) {
							digest, data = m, b[1]
						}
					}
				}
			}
			if data == "" {
				t.Fatalf("no %s button on the digest; calls:%s", tc.command, e.fake.DescribeCalls())
			}
			inGroup := len(e.fake.Messages(opsGroup))

			q := e.fake.Click(opsGroup, digest.ID, alice, data)
			if ans := e.waitAnswered(q); ans.Alert {
				t.Errorf("the click was answered with an alert: %+v", ans)
			}
			e.waitNew(opsGroup, inGroup, "#1")
			if got := e.fake.Message(opsGroup, digest.ID); got.Edits != 0 || got.Text != digest.Text || string(got.Markup) != string(digest.Markup) {
				t.Errorf("the digest was changed (%d edits):\n%s", got.Edits, got.Text)
			}
			for _, m := range []string{"editMessageText", "editMessageReplyMarkup", "deleteMessage"} {
				if n := len(e.fake.CallsOf(m)); n != 0 {
					t.Errorf("%s called %d times", m, n)
				}
			}
			if ap, err := e.st.Approval(ctx, 1); err != nil || ap.Requester.UserID != fmt.Sprint(alice.ID) {
				t.Errorf("request #1 = %+v, %v; want alice's", ap, err)
			}
		})
	}
}
