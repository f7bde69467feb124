package slack

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
)

// TestOneMessagePerApprovalEventPerPlace: each event of a request (filed, decided) is one
// message in each conversation: the approvals channel sees the request, then that same
// message replaced by the decision and result, and no second message saying it again.
func TestOneMessagePerApprovalEventPerPlace(t *testing.T) {
	t.Run("filed elsewhere", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		web := e.resource("zhangsan-web-01")
		id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/renew", web.ResourceID+" 1m --autopay", "CGENERAL", alice, "renew"), true)
		checkAck(t, e.fake.WaitAck(id))
		e.fake.WaitPosts(1)
		e.deliverNotices()
		var request slacktest.Post
		for _, p := range e.fake.Posts() {
			if p.Method == "chat.postMessage" && p.Channel == "CAPPROVALS" {
				if request.TS != "" {
					t.Fatalf("the request was posted twice in the approvals channel:%s", e.fake.DescribePosts())
				}
				request = p
			}
		}
		if request.TS == "" {
			t.Fatalf("no request in the approvals channel:%s", e.fake.DescribePosts())
		}
		before := len(e.fake.Posts())
		id, _ = e.fake.Envelope("interactive", e.fake.ClickPayload(t, request, bob, "pb:decide:0", "click-bob"), false)
		checkAck(t, e.fake.WaitAck(id))
		e.fake.WaitPosts(before + 1)
		e.deliverNotices()
		perPlace := map[string]int{}
		for _, p := range e.fake.Posts()[before:] {
			place := p.Channel
			if p.Method == "response_url" {
				place = "hook:" + p.Hook
			}
			perPlace[place]++
		}
		if perPlace["CAPPROVALS"] != 1 || e.fake.CallCount("chat.update") != 1 {
			t.Errorf("the approvals channel got %d messages about the decision (chat.update %d), want the request replaced and nothing else:%s",
				perPlace["CAPPROVALS"], e.fake.CallCount("chat.update"), e.fake.DescribePosts())
		}
		if perPlace["CGENERAL"] != 1 {
			t.Errorf("the requester's channel got %d messages about the result, want 1:%s", perPlace["CGENERAL"], e.fake.DescribePosts())
		}
	})
	t.Run("filed in the approvals channel", func(t *testing.T) {
		e := newEnv(t, envOptions{})
		web := e.resource("zhangsan-web-01")
		id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/renew", web.ResourceID+" 1m --autopay", "CAPPROVALS", alice, "renew"), true)
		checkAck(t, e.fake.WaitAck(id))
		filed := e.fake.WaitPosts(1)[0]
		if n := e.deliverNotices(); n != 0 {
			t.Errorf("%d notices besides the reply in the approvals channel where the request was filed:%s", n, e.fake.DescribePosts())
		}
		b := slacktest.Buttons(filed.Blocks)
		var approve bool
		for _, cmd := range b {
			approve = approve || cmd == "/approve 1"
		}
		if !approve || !strings.Contains(slacktest.BlockText(filed.Blocks), "#1") {
			t.Errorf("the reply in the approvals channel is not the request with its buttons: %v\n%s", b, slacktest.BlockText(filed.Blocks))
		}
	})
}
