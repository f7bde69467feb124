package wecom_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/store"
)

// TestWeComSentence: a sentence to the app (a leading mention or not) is answered with the
// command understood, then its answer.
func TestWeComSentence(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	h.post(h.text("zhangsan", "@partnerbot 张三的余额是多少？"))
	md := markdownOf(wait(t, h.fake, pathSend, 1)[0])
	if !strings.Contains(md, "我理解为：/balance 张三") || !strings.Contains(md, "zhangsan") {
		t.Fatalf("the answer does not name the command understood, or lacks its answer:\n%s", md)
	}
}

// TestWeComActionSentenceFilesNothingUntilClicked: an action in a sentence only offers its
// command on a button; the click files it.
func TestWeComActionSentenceFilesNothingUntilClicked(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router)})
	var web bsstest.Resource
	for _, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if r.Name == "zhangsan-web-01" {
				web = r
			}
		}
	}
	line := "/renew " + web.ResourceID + " 1m"
	h.post(h.text("alice", "帮我把 "+web.ResourceID+" 续一个月"))
	sent := wait(t, h.fake, pathSend, 1)[0]
	raw, _ := json.Marshal(sent.Body)
	if !strings.Contains(string(raw), "我理解为") || !strings.Contains(string(raw), web.ResourceID) {
		t.Fatalf("the answer does not name %q: %s", line, raw)
	}
	if n := weRequests(t, e.st); n != 0 {
		t.Fatalf("the sentence filed %d requests", n)
	}
	card, ok := sent.Body["template_card"].(map[string]any)
	if !ok {
		t.Fatalf("the answer is no card with the button: %s", raw)
	}
	var key string
	for _, b := range card["button_list"].([]any) {
		k := b.(map[string]any)["key"].(string)
		if btn, _ := wecom.ButtonOfKey(k); btn.Command == line {
			key = k
		}
	}
	if key == "" {
		t.Fatalf("no button runs %q: %s", line, raw)
	}
	codes := h.fake.ResponseCodes("alice")
	if len(codes) == 0 {
		t.Fatal("no response code for the card")
	}
	h.fake.Reset()
	h.post(click("alice", key, card["task_id"].(string), codes[0]))
	wait(t, h.fake, pathSend, 1)
	if n := weRequests(t, e.st); n != 1 {
		t.Fatalf("the click filed %d requests, want 1", n)
	}
}

func weRequests(t *testing.T, st *store.Store) int {
	t.Helper()
	as, err := st.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil {
		t.Fatal(err)
	}
	return len(as)
}
