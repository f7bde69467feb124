package wecom_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const pathUserGet = "/cgi-bin/user/get"

// requestText files a renewal of 张三's resource named res as member from, delivers the notices and
// returns what the approver (bob) was sent about it.
func requestText(t *testing.T, e *env, h *harness, from, res string) string {
	t.Helper()
	var web bsstest.Resource
	for _, c := range e.srv.Customers() {
		for _, r := range e.srv.Resources(c.ID) {
			if c.AccountName == "zhangsan" && r.Name == res {
				web = r
			}
		}
	}
	before := len(h.fake.Delivered(pathSend))
	h.post(h.text(from, "/renew "+web.ResourceID+" 1m"))
	for filed := false; !filed; {
		calls := wait(t, h.fake, pathSend, before+1)
		for _, c := range calls[before:] {
			filed = filed || c.Body["touser"] == from && strings.Contains(markdownOf(c), "已提交申请 #")
		}
		before = len(calls)
	}
	before = len(h.fake.Delivered(pathSend))
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{"wecom": h.a}, Now: func() time.Time { return bsstest.TestTime }}
	if sent, failed, err := disp.RunOnce(context.Background()); err != nil || failed != 0 || sent == 0 {
		t.Fatalf("dispatch: sent %d failed %d err %v", sent, failed, err)
	}
	for _, c := range h.fake.Delivered(pathSend)[before:] {
		if c.Body["touser"] == "bob" {
			return markdownOf(c)
		}
	}
	t.Fatalf("bob was not sent the request")
	return ""
}

// TestWeComMemberShownByName: a callback carries only the userid; the app reads the member's
// name with user/get once (not for every message), the approver's request names the requester
// by it and the requester's result names the approver. A member outside the app's visible range (60011) is shown by userid, and
// that is logged once, not per message.
func TestWeComMemberShownByName(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router), fake: func(o *wecomtest.Options) {
		o.Names = map[string]string{"alice": "李爱丽", "bob": "王博"}
		o.Hidden = []string{"zhangsan"}
	}})
	for range 3 {
		h.post(h.text("alice", "/help customer"))
	}
	wait(t, h.fake, pathSend, 3)
	md := requestText(t, e, h, "alice", "zhangsan-web-01")
	if !strings.Contains(md, "李爱丽 提交了申请") || strings.Contains(md, "wecom:alice") {
		t.Errorf("the request does not name the requester by name:\n%s", md)
	}
	var alice int
	for _, c := range h.fake.Calls(pathUserGet) {
		if c.Query["userid"] == "alice" {
			alice++
		}
		if c.Query["access_token"] == "" {
			t.Errorf("user/get without the access token: %v", c.Query)
		}
	}
	if alice != 1 {
		t.Errorf("user/get asked %d times about alice for 4 messages, want once", alice)
	}
	// The approver's name in the result the requester is told.
	before := len(h.fake.Delivered(pathSend))
	h.post(h.text("bob", "/approve 1"))
	wait(t, h.fake, pathSend, before+1)
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{"wecom": h.a}, Now: func() time.Time { return bsstest.TestTime }}
	if _, failed, err := disp.RunOnce(context.Background()); err != nil || failed != 0 {
		t.Fatalf("dispatch: failed %d err %v", failed, err)
	}
	var told bool
	for _, c := range h.fake.Delivered(pathSend)[before:] {
		if md := markdownOf(c); c.Body["touser"] == "alice" {
			told = true
			if !strings.Contains(md, "王博") || strings.Contains(md, "wecom:bob") {
				t.Errorf("the result does not name the approver by name:\n%s", md)
			}
		}
	}
	if !told {
		t.Error("the requester was not told the result")
	}

	// zhangsan (an admin, so may renew) is outside the app's visible range: shown by userid.
	for range 3 {
		h.post(h.text("zhangsan", "/help customer"))
	}
	md = requestText(t, e, h, "zhangsan", "zhangsan-app-02")
	if !strings.Contains(md, "wecom:zhangsan 提交了申请") {
		t.Errorf("a member without a readable name is not shown by userid:\n%s", md)
	}
	var answers []int
	for _, c := range h.fake.Calls(pathUserGet) {
		if c.Query["userid"] == "zhangsan" {
			answers = append(answers, c.ErrCode)
		}
	}
	if len(answers) != 1 || answers[0] != 60011 {
		t.Errorf("user/get about zhangsan answered %v, want one 60011", answers)
	}
	if n := strings.Count(h.logs.String(), "level=WARN msg=\"wecom: a person's display name"); n != 1 {
		t.Errorf("the missing name is logged %d times as a warning, want once:\n%s", n, h.logs)
	}
	if strings.Contains(h.logs.String(), "fake-access-token") {
		t.Errorf("the logs contain the access token:\n%s", h.logs)
	}
}

// TestWeComSlowNameLookupDoesNotHoldUp: a user/get that does not answer leaves the command to
// run with the userid after the short wait (2 s), instead of the command's whole timeout.
func TestWeComSlowNameLookupDoesNotHoldUp(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{handler: bot.NewHandler(e.router), fake: func(o *wecomtest.Options) {
		o.Names = map[string]string{"alice": "李爱丽"}
	}})
	h.fake.Inject(pathUserGet, wecomtest.Fault{Latency: 3 * time.Second})
	md := requestText(t, e, h, "alice", "zhangsan-web-01")
	if !strings.Contains(md, "wecom:alice 提交了申请") {
		t.Errorf("with user/get hanging, the request does not name the requester by userid:\n%s", md)
	}
}
