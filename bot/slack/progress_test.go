package slack

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/commands"
)

// A long command's progress is one message, updated as it goes and then into the answer: here
// /expiring --live through a router that reports every customer at once.
func TestProgressIsEditedNotMultiplied(t *testing.T) {
	e := newEnv(t, envOptions{router: func(o *commands.Options) { o.ProgressAfter, o.ProgressEvery = -1, -1 }})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvProgress", slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> expiring 60 --live", "1700000009.000100", "")), false)
	checkAck(t, e.fake.WaitAck(id))
	updates := len(e.srv.Customers()) // every report but the first, and the answer
	// The posts themselves, not the call count: the fake counts a call before it records it.
	e.fake.WaitFor("the answer", func() bool {
		n := 0
		for _, p := range e.fake.Posts() {
			if p.Method == "chat.update" {
				n++
			}
		}
		return n >= updates
	})
	posts := e.fake.Posts()
	var posted, updated []slacktest.Post
	for _, p := range posts {
		switch p.Method {
		case "chat.update":
			updated = append(updated, p)
		default:
			posted = append(posted, p)
		}
	}
	if len(posted) != 1 || posted[0].Method != "chat.postMessage" || !strings.Contains(posted[0].Text, "处理中") {
		t.Fatalf("want one progress message posted; got %s", e.fake.DescribePosts())
	}
	for _, u := range updated {
		if u.TS != posted[0].TS || u.Channel != "CGENERAL" {
			t.Errorf("an update of %s in %s, want the progress message %s", u.TS, u.Channel, posted[0].TS)
		}
	}
	if len(updated) != updates {
		t.Errorf("%d updates, want %d", len(updated), updates)
	}
	if last := slacktest.BlockText(updated[len(updated)-1].Blocks); !strings.Contains(last, "到期") || strings.Contains(last, "处理中") {
		t.Errorf("the last update is not the answer:\n%s", last)
	}
	// The answer's table comes with the update that turns the progress into the answer.
	if rows := slacktest.TableRows(updated[len(updated)-1].Attachments); len(rows) < 2 || !strings.Contains(strings.Join(rows[0], " "), "到期") {
		t.Errorf("the answer's table is not in the update: %q", rows)
	}
}
