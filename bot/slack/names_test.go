package slack

import (
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// approvalRequest files a renewal with a direct message from user (a message event: it carries
// the user id only), delivers the notices, and returns the text of the request posted in the
// approvals channel.
func (e *env) approvalRequest(user, resourceID string) string {
	e.t.Helper()
	before := len(e.fake.Posts())
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvRenew"+user, slacktest.DMEvent(user, "/renew "+resourceID+" 1m --autopay", "1700000500.000100")), false)
	e.fake.WaitAck(id)
	if p := e.fake.WaitPosts(before + 1)[before]; !strings.Contains(slacktest.BlockText(p.Blocks), "#") {
		e.t.Fatalf("the renewal was not filed: %s", slacktest.BlockText(p.Blocks))
	}
	if n := e.deliverNotices(); n == 0 {
		e.t.Fatal("no notice to deliver")
	}
	for _, p := range e.fake.Posts()[before:] {
		if p.Method == "chat.postMessage" && p.Channel == "CAPPROVALS" {
			return slacktest.BlockText(p.Blocks) + "\n" + p.Text
		}
	}
	e.t.Fatalf("no approval request in the approvals channel:%s", e.fake.DescribePosts())
	return ""
}

// dm sends a direct message event from user and waits for its answer.
func (e *env) dm(user, text string, n int) {
	e.t.Helper()
	before := len(e.fake.Posts())
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload(fmt.Sprintf("EvDM%s%d", user, n), slacktest.DMEvent(user, text, fmt.Sprintf("1700000600.%06d", n))), false)
	e.fake.WaitAck(id)
	e.fake.WaitPosts(before + 1)
}

// TestSlackMessageSenderShownByName: a direct message carries only the user id; the bot asks
// users.info once for the display name (or, without one, the full name) and the approval
// request names the requester by it; many messages, one users.info call; /audit shows the
// name with the id to copy.
func TestSlackMessageSenderShownByName(t *testing.T) {
	e := newEnv(t, envOptions{router: func(o *commands.Options) { o.Roles["slack:"+bob] = chat.RoleOperator }})
	for i := range 5 {
		e.dm(alice, "help", i)
	}
	text := e.approvalRequest(alice, e.resource("zhangsan-web-01").ResourceID)
	if !strings.Contains(text, "Alice Li 提交了申请") || strings.Contains(text, "slack:"+alice) {
		t.Errorf("the approval request does not name the requester by their display name:\n%s", text)
	}
	if n := e.fake.CallCount("users.info"); n != 1 {
		t.Errorf("users.info called %d times for 6 messages from one person, want once", n)
	}
	// No display name in the profile: the full name.
	text = e.approvalRequest(bob, e.resource("zhangsan-app-02").ResourceID)
	if !strings.Contains(text, "Bob Wang 提交了申请") {
		t.Errorf("the approval request does not name a person without a display name by their full name:\n%s", text)
	}
	before := len(e.fake.Posts())
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvAudit", slacktest.DMEvent(admin, "audit", "1700000700.000100")), false)
	e.fake.WaitAck(id)
	audit := e.fake.WaitPosts(before + 1)[before].Shown()
	if !strings.Contains(audit, "Alice Li (slack:"+alice+")") {
		t.Errorf("/audit does not show the name with the id to copy:\n%s", audit)
	}
}

// TestSlackNameLookupFailsOver: without the users:read scope (missing_scope) the requester is
// shown by id, users.info is not asked again for every message, and the problem is logged
// once; a user Slack does not know is shown by id too.
func TestSlackNameLookupFailsOver(t *testing.T) {
	e := newEnv(t, envOptions{router: func(o *commands.Options) { o.Roles["slack:UGHOST"] = chat.RoleOperator }})
	e.fake.Inject("users.info", slacktest.Fault{Error: "missing_scope"})
	for i := range 3 {
		e.dm(alice, "help", i)
	}
	e.dm(bob, "help", 9)
	text := e.approvalRequest(alice, e.resource("zhangsan-web-01").ResourceID)
	if !strings.Contains(text, "slack:"+alice+" 提交了申请") {
		t.Errorf("without the scope the request does not name the requester by id:\n%s", text)
	}
	if n := e.fake.CallCount("users.info"); n != 1 {
		t.Errorf("users.info called %d times without the scope, want once (then no more lookups for a while)", n)
	}
	if logs := e.logs.String(); strings.Count(logs, "users:read") != 1 || !strings.Contains(logs, `"level":"WARN"`) {
		t.Errorf("the missing scope is not logged exactly once as a warning:\n%s", logs)
	}

	f := newEnv(t, envOptions{router: func(o *commands.Options) { o.Roles["slack:UGHOST"] = chat.RoleOperator }})
	text = f.approvalRequest("UGHOST", f.resource("zhangsan-web-01").ResourceID)
	if !strings.Contains(text, "slack:UGHOST 提交了申请") {
		t.Errorf("a user users.info does not know is not shown by id:\n%s", text)
	}
}
