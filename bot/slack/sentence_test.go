package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/store"
)

// TestSlackSentence: a sentence mentioning the bot in a channel is answered with the command
// understood, then its answer.
func TestSlackSentence(t *testing.T) {
	e := newEnv(t, envOptions{})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvSentence", slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> 张三的余额是多少？", "1700000040.000100", "")), false)
	checkAck(t, e.fake.WaitAck(id))
	p := e.fake.WaitPosts(1)[0]
	if text := p.Shown(); !strings.Contains(text, "我理解为：/balance 张三") || !strings.Contains(text, "zhangsan") {
		t.Fatalf("the answer does not name the command understood, or lacks its answer:\n%s", text)
	}
}

// TestSlackActionSentenceFilesNothingUntilClicked: an action in a sentence only offers its
// command on a button; the click files it.
func TestSlackActionSentenceFilesNothingUntilClicked(t *testing.T) {
	e := newEnv(t, envOptions{})
	res := e.resource("zhangsan-web-01").ResourceID
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvAct", slacktest.DMEvent(alice, "帮我把 "+res+" 续一个月", "1700000041.000100")), false)
	checkAck(t, e.fake.WaitAck(id))
	card := e.fake.WaitPosts(1)[0]
	line := "/renew " + res + " 1m"
	if !strings.Contains(card.Shown(), "我理解为："+line) {
		t.Fatalf("the answer does not name %q:\n%s", line, card.Shown())
	}
	if n := requests(t, e.st); n != 0 {
		t.Fatalf("the sentence filed %d requests", n)
	}
	var action string
	for k, v := range slacktest.Buttons(card.Blocks) {
		if v == line {
			action = k
		}
	}
	if action == "" {
		t.Fatalf("no button carries %q: %v", line, slacktest.Buttons(card.Blocks))
	}
	id, _ = e.fake.Envelope("interactive", e.fake.ClickPayload(t, card, alice, action, "click-renew"), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitPosts(2)
	if n := requests(t, e.st); n != 1 {
		t.Fatalf("the click filed %d requests, want 1", n)
	}
}

func requests(t *testing.T, st *store.Store) int {
	t.Helper()
	as, err := st.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}
