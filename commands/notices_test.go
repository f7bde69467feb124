package commands_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// TestParkedNoticesCommands: an admin sees the notices set aside because their channel is gone
// and puts one back in line once the channel is fixed; others may not.
func TestParkedNoticesCommands(t *testing.T) {
	e := newActEnv(t, nil)
	ctx := context.Background()
	body, _ := json.Marshal(chat.Reply{Text: "到期提醒"})
	if err := e.Store.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "CGONE", Kind: "alert", Body: body}); err != nil {
		t.Fatal(err)
	}
	due, err := e.Store.DueNotices(ctx, e.Clock.Now(), 10)
	if err != nil || len(due) != 1 {
		t.Fatalf("due %v %v", due, err)
	}
	if _, text := e.say("console:admin", "/notices"); !strings.Contains(text, "没有搁置的通知") {
		t.Errorf("/notices with nothing parked:\n%s", text)
	}
	if err := e.Store.ParkNotice(ctx, due[0].ID, "permanent delivery failure: channel_not_found"); err != nil {
		t.Fatal(err)
	}
	_, text := e.say("console:admin", "/notices")
	for _, w := range []string{"slack:CGONE", "channel_not_found", "/resend"} {
		if !strings.Contains(text, w) {
			t.Errorf("/notices lacks %q:\n%s", w, text)
		}
	}
	if rep, _ := e.say("console:alice", "/resend 1"); !rep.Error {
		t.Error("an operator resent a notice")
	}
	if rep, text := e.say("console:admin", "/resend 999"); !rep.Error || !strings.Contains(text, "999") {
		t.Errorf("/resend of an unknown notice:\n%s", text)
	}
	if _, text := e.say("console:admin", "/resend 1"); !strings.Contains(text, "重新排队") {
		t.Errorf("/resend 1:\n%s", text)
	}
	if due, _ := e.Store.DueNotices(ctx, e.Clock.Now(), 10); len(due) != 1 {
		t.Errorf("the notice is not due again after /resend")
	}
}

// TestRequesterToldInPersonWhereThePlatformCan: a requester on a platform whose adapter can
// message users directly hears of decisions in the channel and in person; on one that cannot
// (the console), in the channel only — decided by the adapter, not by the platform's name.
func TestRequesterToldInPersonWhereThePlatformCan(t *testing.T) {
	for _, tc := range []struct {
		name   string
		direct bool
	}{{"direct messages", true}, {"no direct messages", false}} {
		t.Run(tc.name, func(t *testing.T) {
			e := newActEnv(t, func(o *commands.Options, _ *bss.Config) {
				o.DirectMessages = func(p, _, _ string) bool { return tc.direct && p == "slack" }
				o.Roles["slack:OP1"] = chat.RoleOperator
			})
			web := e.zsResource("zhangsan-web-01")
			if rep, text := e.say("slack:OP1", "/autorenew on "+web.ResourceID); rep.Error {
				t.Fatalf("request refused:\n%s", text)
			}
			if rep, text := e.say("slack:A2", "/reject 1 not now"); rep.Error {
				t.Fatalf("reject refused:\n%s", text)
			}
			inPerson := 0
			for _, n := range e.notices() {
				if n.Platform == "slack" && n.Channel == "" && n.UserID == "OP1" {
					inPerson++
				}
			}
			if (inPerson > 0) != tc.direct {
				t.Fatalf("%d notices to the requester in person, want some: %v", inPerson, tc.direct)
			}
		})
	}
}
