package commands_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/commands"
)

// helpExamples are the example lines /help NAME shows in lang, read from the rendered reply as
// a person would copy them.
func helpExamples(t *testing.T, e *env, lang commands.Lang, name string) []string {
	t.Helper()
	rep, _, _ := e.say(t, "console:admin", "/help "+name)
	var out []string
	for _, s := range rep.Sections {
		if s.Title == lang.T("help.examples") {
			out = append(out, s.Lines...)
		}
	}
	return out
}

// TestHelpExamplesRunOnSandbox: every example /help shows can be pasted and run on the
// sandbox: none is refused as a usage mistake (unknown flag, wrong arguments, unknown command,
// a period or option /help does not accept) and none shows a raw BSS error code.
func TestHelpExamplesRunOnSandbox(t *testing.T) {
	usage := []string{"用法：", "Usage:", "没有 /", "不支持选项", "需要一个值", "是开关", "应为", "CBC."}
	probe := newEnv(t, nil)
	for _, c := range probe.router.Commands() {
		examples := helpExamples(t, probe, commands.Zh, c.Name)
		if len(examples) == 0 {
			t.Errorf("/help %s shows no examples", c.Name)
		}
		for _, ex := range examples {
			t.Run(ex, func(t *testing.T) {
				e := newEnv(t, func(o *commands.Options) { o.ActionChannels = []string{"console:c1"} }) // a fresh sandbox and store
				rep, text, ok := e.say(t, "console:admin", ex)
				if !ok {
					t.Fatalf("%q is not taken as a command", ex)
				}
				for _, u := range usage {
					if strings.Contains(text, u) {
						t.Errorf("%q fails as a usage mistake (%q):\n%s", ex, u, text)
						break
					}
				}
				if rep.Error {
					t.Logf("%q answered an error:\n%s", ex, text)
				}
			})
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
