package commands_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

func TestSentenceRunsTheReadOnlyCommandItUnderstood(t *testing.T) {
	e := newEnv(t, nil)
	rep, text, ok := e.say(t, "console:admin", "张三的余额是多少？")
	if !ok || rep.Error {
		t.Fatalf("not answered: ok %v\n%s", ok, text)
	}
	if !strings.HasPrefix(rep.Title, "我理解为：/balance 张三") {
		t.Fatalf("the answer does not start with the command understood: %q", rep.Title)
	}
	// The command's own answer follows, as typing /balance 张三 gives it.
	want, wantText, _ := e.say(t, "console:admin", "/balance 张三")
	if !strings.Contains(text, want.Title) || len(rep.Fields) != len(want.Fields) {
		t.Errorf("the answer is not /balance 张三's:\n%s\nwant within:\n%s", text, wantText)
	}
	// One audit row each, of the command line run: the sentence is audited as its command.
	recs, err := e.Store.RecentAudit(context.Background(), 10, store.AuditFilter{})
	if err != nil || len(recs) != 2 || recs[1].Command != "/balance 张三" || recs[1].Result != "ok" {
		t.Fatalf("audit: %+v, %v", recs, err)
	}
}

func TestSentenceInEnglish(t *testing.T) {
	e := newEnv(t, nil)
	if _, _, ok := e.say(t, "console:admin", "/lang en"); !ok {
		t.Fatal("/lang en not handled")
	}
	rep, text, ok := e.say(t, "console:admin", "what expires next week?")
	if !ok || !strings.HasPrefix(rep.Title, "Understood as: /expiring ") {
		t.Fatalf("got %v:\n%s", ok, text)
	}
}

func TestSentenceKeepsTheRoles(t *testing.T) {
	e := newEnv(t, nil)
	// Someone with no role is refused, understood or not.
	for _, s := range []string{"张三的余额", "今天天气怎么样"} {
		rep, text, ok := e.say(t, "console:stranger", s)
		if !ok || !rep.Error || strings.Contains(text, "我理解为") {
			t.Errorf("%q from a stranger: ok %v\n%s", s, ok, text)
		}
	}
	// /audit needs an admin: a viewer asking for it in a sentence is refused as typing it is.
	rep, text, _ := e.say(t, "slack:U1", "audit 20")
	if !rep.Error || !strings.Contains(text, "/audit") {
		t.Errorf("a viewer's audit: %s", text)
	}
}

func TestSentenceNotUnderstood(t *testing.T) {
	e := newEnv(t, nil)
	rep, text, ok := e.say(t, "console:admin", "今天天气怎么样")
	if !ok || !strings.Contains(text, "没有看懂") || !strings.Contains(text, "/expiring") {
		t.Fatalf("got %v:\n%s", ok, text)
	}
	if len(rep.Buttons) == 0 || len(rep.Buttons) > 3 {
		t.Errorf("want one to three suggestion buttons, got %+v", rep.Buttons)
	}
	if recs, _ := e.Store.RecentAudit(context.Background(), 10, store.AuditFilter{}); len(recs) != 0 {
		t.Errorf("a sentence not understood ran something: %+v", recs)
	}
}

func TestSentenceFirstWordACommand(t *testing.T) {
	e := newEnv(t, nil)
	for text, want := range map[string]string{
		"customer 张三":           "/customer 张三",           // understood so
		"audit 5":               "/audit 5",               // not understood: the command typed without its slash
		"resources 张三 --page 1": "/resources 张三 --page 1", // a flag: as typed
		"balance of 张三":         "/balance 张三",            // understood, not "/balance of 张三"
	} {
		rep, shown, ok := e.say(t, "console:admin", text)
		if !ok || rep.Error || !strings.HasPrefix(rep.Title, "我理解为："+want) {
			t.Errorf("%q: want %q first, got %v:\n%s", text, want, ok, shown)
		}
	}
}

func TestActionSentenceFilesNothingUntilItsButtonIsClicked(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	rep, text := e.say("console:alice", "帮我把 "+web.ResourceID+" 续一个月")
	line := "/renew " + web.ResourceID + " 1m"
	if !strings.HasPrefix(rep.Text, "我理解为："+line) || len(rep.Buttons) != 1 || rep.Buttons[0].Command != line {
		t.Fatalf("want the understood %q on a button:\n%s\n%+v", line, text, rep.Buttons)
	}
	if n := e.requests(); n != 0 {
		t.Fatalf("a sentence filed %d requests", n)
	}
	// The click is the command typed: it files the request, as alice.
	rep, text = e.say("console:alice", rep.Buttons[0].Command)
	if rep.Error || e.requests() != 1 {
		t.Fatalf("the click filed %d requests:\n%s", e.requests(), text)
	}
	if a := e.lastRequest(); a.Requester.UserID != "alice" {
		t.Errorf("filed by %+v", a.Requester)
	}
}

func TestActionSentenceWithoutSlashFilesNothing(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	// The command's own words without the slash are a sentence too: nothing runs.
	rep, text := e.say("console:alice", "renew "+web.ResourceID)
	if len(rep.Buttons) != 1 || rep.Buttons[0].Command != "/renew "+web.ResourceID || e.requests() != 0 {
		t.Fatalf("got %d requests:\n%s", e.requests(), text)
	}
}

func TestExecTakesNoSentence(t *testing.T) {
	e := newEnv(t, nil)
	for _, req := range []chat.Request{
		{Platform: "exec", UserID: "admin", Channel: "exec", Text: "张三的余额"},
		{Platform: "console", UserID: "admin", Channel: "exec", Text: "hello"},
	} {
		if _, ok := e.Router.Handle(context.Background(), req); ok {
			t.Errorf("partnerbot exec handled the sentence %q; a script gets command lines only", req.Text)
		}
	}
}
