package telegram

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// TestTelegramSentence: in a group a sentence is answered only when it mentions the bot, with
// the command understood first; in a private chat always.
func TestTelegramSentence(t *testing.T) {
	e := newEnv(t)
	e.start(e.options(), nil)
	e.fake.Say(opsGroup, victor, "张三的余额是多少？") // not for the bot: no mention
	e.fake.Say(opsGroup, victor, "@PartnerOpsBot 张三的余额是多少？")
	m := e.waitMsg(opsGroup, "我理解为：/balance 张三")
	if !strings.Contains(m.Text, "zhangsan") {
		t.Errorf("the answer lacks /balance 张三's own:\n%s", m.Text)
	}
	if n := len(e.fake.Messages(opsGroup)); n != 1 {
		t.Errorf("%d answers in the group, want one (the sentence without a mention is not for the bot)", n)
	}
	e.fake.Say(victor.ID, victor, "下周哪些客户到期")
	e.waitMsg(victor.ID, "我理解为：/expiring ")
}

// TestTelegramActionSentenceFilesNothingUntilClicked: an action in a sentence only offers its
// command on a button; the click files it.
func TestTelegramActionSentenceFilesNothingUntilClicked(t *testing.T) {
	e := newEnv(t)
	e.start(e.options(), nil)
	web := zsResource(t, e.srv, "zhangsan-web-01")
	line := "/renew " + web.ResourceID + " 1m"
	e.fake.Say(alice.ID, alice, "帮我把 "+web.ResourceID+" 续一个月")
	card := e.waitMsg(alice.ID, "我理解为："+line)
	if n := tgRequests(t, e.st); n != 0 {
		t.Fatalf("the sentence filed %d requests", n)
	}
	kb := telegramtest.Buttons(card)
	if len(kb) != 1 || len(kb[0]) != 1 {
		t.Fatalf("keyboard %v, want the one button that files %q", kb, line)
	}
	e.waitAnswered(e.fake.Click(alice.ID, card.ID, alice, kb[0][0][1]))
	e.waitNew(alice.ID, 1, "#")
	if n := tgRequests(t, e.st); n != 1 {
		t.Fatalf("the click filed %d requests, want 1", n)
	}
}

func tgRequests(t *testing.T, st *store.Store) int {
	t.Helper()
	as, err := st.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}
