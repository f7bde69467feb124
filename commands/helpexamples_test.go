package commands_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
)

// helpExamples are the example lines /help NAME shows in l, read from the rendered reply as
// a person would copy them.
func helpExamples(t *testing.T, e *env, l lang.Lang, name string) []string {
	t.Helper()
	rep, _, _ := e.say(t, "console:admin", "/help "+name)
	var out []string
	for _, s := range rep.Sections {
		if s.Title == l.T("help.examples") {
			out = append(out, s.Lines...)
		}
	}
	return out
}

// TestHelpExamplesRunOnSandbox: every example /help shows can be pasted and run, in the order
// /help lists them, on a fresh sandbox (its customer names and resource ids are the same on
// every date) by an admin on the console at the fixed test clock, with alert scans wired as the
// bot wires them: none is refused as a usage mistake (unknown flag, wrong arguments, unknown
// command, a period or option /help does not accept), and none is answered with an error at
// all — an action's example files a request, which is its success. /approve and /reject decide
// someone else's request (four eyes), so before their examples console:alice files the first
// two requests. The few examples whose ids follow the run date or need an earlier failure are
// listed in notOnSandbox with the reason; they must still be asked correctly.
func TestHelpExamplesRunOnSandbox(t *testing.T) {
	usage := []string{"用法：", "Usage:", "没有 /", "不支持选项", "需要一个值", "是开关", "应为", "CBC."}
	notOnSandbox := map[string]string{
		"/order CS2611250000ABCD": "order numbers carry the date BSS took the order; /orders 张三, the example before it, lists today's",
		"/resend 42":              "only a notice that failed delivery can be resent; /notices, the example before it, lists them",
	}
	secondPerson := map[string][]string{
		"approve": {"/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3m", "/coupon 张三 200 --days 90"},
		"reject":  {"/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3 3m", "/coupon 张三 200 --days 90"},
	}
	probe := newEnv(t, nil)
	for _, c := range probe.Router.Commands() {
		examples := helpExamples(t, probe, lang.Zh, c.Name)
		if len(examples) == 0 {
			t.Errorf("/help %s shows no examples", c.Name)
		}
		t.Run(c.Name, func(t *testing.T) {
			e := newAlertEnv(t, true, func(o *commands.Options) { o.ActionChannels = []string{"console:c1"} }) // a fresh sandbox and store
			for _, setup := range secondPerson[c.Name] {
				if rep, text := e.in("console:alice", "c1", setup); rep.Error {
					t.Fatalf("alice cannot file %q:\n%s", setup, text)
				}
			}
			for _, ex := range examples {
				rep, text := e.in("console:admin", "c1", ex)
				for _, u := range usage {
					if strings.Contains(text, u) {
						t.Errorf("%q fails as a usage mistake (%q):\n%s", ex, u, text)
						break
					}
				}
				if _, known := notOnSandbox[ex]; rep.Error && !known {
					t.Errorf("%q answered an error on the sandbox:\n%s", ex, text)
				}
			}
		})
	}
	for ex := range notOnSandbox { // an entry for an example that is gone would excuse nothing
		found := false
		for _, c := range probe.Router.Commands() {
			found = found || slices.Contains(c.Examples, ex)
		}
		if !found {
			t.Errorf("notOnSandbox names %q, which no /help shows", ex)
		}
	}
}

// TestPriceUnknownSpecListsNearest: a spec BSS does not know (CBC.0101) is answered with the
// nearest valid specs, in the user's language, not the raw BSS error.
func TestPriceUnknownSpecListsNearest(t *testing.T) {
	tests := []struct {
		text, first string
		others      []string
	}{
		{"/price 张三 ecs s6.larg.2.linux", "s6.large.2.linux", []string{"s6.xlarge.2.linux"}},
		{"/price 张三 evs SSDX --size 100", "SSD", []string{"SAS", "GPSSD"}},
		{"/询价 张三 rds mysql.large", "rds.mysql.n1.large.2", nil},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			e := newEnv(t, nil)
			rep, text, _ := e.say(t, "console:admin", tt.text)
			if !rep.Error || strings.Contains(text, "CBC.") || !strings.Contains(text, "相近的规格："+tt.first) {
				t.Errorf("%s:\n%s", tt.text, text)
			}
			for _, o := range tt.others {
				if !strings.Contains(text, o) {
					t.Errorf("%s does not offer %s:\n%s", tt.text, o, text)
				}
			}
		})
	}
	e := newEnv(t, nil)
	e.say(t, "console:admin", "/lang en")
	if _, text, _ := e.say(t, "console:admin", "/price 张三 ecs s6.larg.2.linux"); !strings.Contains(text, `BSS knows no ecs spec "s6.larg.2.linux" (region cn-north-4). Nearest specs: s6.large.2.linux`) {
		t.Errorf("en:\n%s", text)
	}
}
