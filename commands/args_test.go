package commands_test

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestInvisibleCharactersInArguments: an id or customer argument with a C0/C1 control
// character, a bidi override or isolate, or invalid UTF-8 is refused as a bad argument, named,
// before any BSS call — it is not sent, and not reported as a BSS failure.
func TestInvisibleCharactersInArguments(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	tests := []struct {
		name, text, arg string
	}{
		{"resource id with a C0 control", "/renew abc\x01def", "资源 ID"},
		{"resource id with an escape", "/unsubscribe abc\x1b[31mdef", "资源 ID"},
		{"resource id with DEL", "/autorenew on abc\x7fdef", "资源 ID"},
		{"resource id with a C1 control", "/renew abc\u009bdef", "资源 ID"},
		{"resource id with a right-to-left override", "/renew " + web.ResourceID + "\u202e", "资源 ID"},
		{"resource id with a left-to-right embedding", "/renew \u202a" + web.ResourceID, "资源 ID"},
		{"resource id with an isolate", "/renew " + web.ResourceID + "\u2067", "资源 ID"},
		{"resource id with invalid UTF-8", "/renew abc\xffdef", "资源 ID"},
		{"quota id with a bell", "/reclaim Q1\x07", "额度 ID"},
		{"quota id with a first-strong isolate", "/reclaim \u2068Q1", "额度 ID"},
		{"order id with an override", "/order CS2611250000ABCD\u202d", "订单号"},
		{"order id with invalid UTF-8", "/order CS26\xc3", "订单号"},
		{"customer with an override", "/customer 张三\u202e", "客户"},
		{"customer with a control", "/resources 张\x1b三", "客户"},
		{"customer with a pop isolate", "/balance 张三\u2069", "客户"},
		{"customer hint of an action", "/renew " + web.ResourceID + " --customer 张三\u202c", "客户"},
		{"customer of a snooze", "/snooze 张三\u202e 1d", "客户"},
		{"customer of an order list", "/orders \x00张三", "客户"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.Srv.ResetCalls()
			rep, text := e.say("console:alice", tc.text)
			if !rep.Error || !strings.Contains(text, tc.arg) || !strings.Contains(text, "不可见") {
				t.Errorf("not refused as a bad %s:\n%s", tc.arg, text)
			}
			if strings.Contains(text, "华为云") {
				t.Errorf("reported as a BSS failure:\n%s", text)
			}
			if strings.ContainsAny(text, "\x00\x01\x07\x1b\x7f\u009b\u202a\u202c\u202d\u202e\u2067\u2068\u2069") || !utf8.ValidString(text) {
				t.Errorf("the reply repeats the invisible character: %q", text)
			}
			if n := len(e.Srv.Calls()); n != 0 {
				t.Errorf("%d BSS calls", n)
			}
		})
	}
	if n := e.requests(); n != 0 {
		t.Errorf("%d requests filed", n)
	}
	e.say("console:alice", "/lang en")
	if _, text := e.say("console:alice", "/renew abc\u202edef"); !strings.Contains(text, "resource id") || !strings.Contains(text, "invisible") {
		t.Errorf("English refusal:\n%s", text)
	}
}
