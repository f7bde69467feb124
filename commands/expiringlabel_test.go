package commands_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
)

// TestExpiringByLabel: /expiring label:NAME lists only the customers with that label (any of
// several), in any order with the days; a label written wrong or that no customer has is a
// polite refusal in the reader's language, and a page's command keeps the label.
func TestExpiringByLabel(t *testing.T) {
	e := newEnv(t, func(o *commands.Options) { o.PageSize = 3 })
	labelOf := map[string]string{} // a customer's name as shown → label
	for _, c := range e.Srv.Customers() {
		labelOf[c.Name] = c.Label
	}
	listed := func(t *testing.T, rep chat.Reply) map[string]bool {
		t.Helper()
		if rep.Table == nil {
			t.Fatalf("no list: %+v", rep)
		}
		out := map[string]bool{}
		for _, row := range rep.Table.Rows {
			name, _, _ := strings.Cut(row[1], " (")
			out[labelOf[name]] = true
		}
		return out
	}
	tests := []struct {
		text   string
		labels []string
		page2  string
	}{
		{"/expiring 60 label:vip", []string{"vip"}, "/expiring 60 label:vip --page 2"},
		{"/到期 label:edu 60", []string{"edu"}, "/expiring 60 label:edu --page 2"},
		{"/expiring label:gov label:edu", []string{"gov", "edu"}, "/expiring 30 label:gov label:edu --page 2"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			rep, text, _ := e.say(t, "console:admin", tt.text)
			if rep.Error {
				t.Fatalf("%s:\n%s", tt.text, text)
			}
			for label := range listed(t, rep) {
				if !strings.Contains(strings.Join(tt.labels, " "), label) || label == "" {
					t.Errorf("%s lists a customer labelled %q:\n%s", tt.text, label, text)
				}
			}
			if !strings.Contains(rep.Title, "标签："+strings.Join(tt.labels, ", ")) || !strings.Contains(text, tt.page2) {
				t.Errorf("%s: title %q, no %q:\n%s", tt.text, rep.Title, tt.page2, text)
			}
		})
	}
	all, _, _ := e.say(t, "console:admin", "/expiring 60 --page 1")
	if labels := listed(t, all); len(labels) < 2 {
		t.Errorf("/expiring without a label lists only labels %v", labels)
	}

	refusals := []struct{ text, zh, en string }{
		{"/expiring label:", "“label:” 不是有效的标签筛选", `"label:" is not a valid label filter`},
		{"/expiring label:vip label:vip", "同一标签只写一次", "each label once"},
		{"/expiring label:VIP", "没有客户的标签是 “VIP”", `No customer has the label "VIP"`},
		{"/expiring label:vip 7 30", "/expiring 的参数太多", "/expiring got too many arguments"},
		{"/expiring label:vip 0", "天数 应为 1 到 365 之间的整数", "number of days must be a whole number from 1 to 365"},
	}
	for _, lang := range []string{"zh", "en"} {
		e.say(t, "console:admin", "/lang "+lang)
		for _, tt := range refusals {
			rep, text, _ := e.say(t, "console:admin", tt.text)
			want := map[string]string{"zh": tt.zh, "en": tt.en}[lang]
			if !rep.Error || !strings.Contains(text, want) {
				t.Errorf("%s, %s: want a refusal with %q:\n%s", lang, tt.text, want, text)
			}
		}
	}
}

// TestExpiringByCustomer: /expiring customer:ID (as a subscription names a customer, any
// number of times, with labels too) lists only those customers, named in the title; an id
// written wrong, given twice or of no customer is a polite refusal in the reader's language,
// each message in one language, and a page's command keeps the scope.
func TestExpiringByCustomer(t *testing.T) {
	e := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.PageSize = 3 })
	ck := e.sandboxChecker()
	zs, wf := e.Customer(e.t, "zhangsan"), e.Customer(e.t, "wangfang")
	nameOf := map[string]string{} // a customer as shown → id
	for _, c := range e.Srv.Customers() {
		nameOf[c.Name] = c.ID
	}
	text := "/expiring 365 customer:" + zs.ID + " customer:" + wf.ID
	rep, out := e.say("console:admin", text)
	if rep.Error || rep.Table == nil {
		t.Fatalf("%s:\n%s", text, out)
	}
	for _, row := range rep.Table.Rows {
		name, _, _ := strings.Cut(row[1], " (")
		if id := nameOf[name]; id != zs.ID && id != wf.ID {
			t.Errorf("%s lists %s:\n%s", text, row[1], out)
		}
	}
	if !strings.Contains(rep.Title, "张三 (zhangsan)") || !strings.Contains(rep.Title, "王芳 (wangfang)") ||
		!strings.Contains(out, text+" --page 2") {
		t.Errorf("%s: title %q, no page 2 of it:\n%s", text, rep.Title, out)
	}

	const nobody = "0123456789abcdef0123456789abcdef"
	refusals := []struct{ text, zh, en string }{
		{"/expiring customer:张三", "“customer:张三” 不是有效的客户筛选", `"customer:张三" is not a valid customer filter`},
		{"/expiring customer:" + zs.ID + " customer:" + zs.ID, "每个客户只写一次", "each customer once"},
		{"/expiring customer:" + nobody, "没有 ID 为 " + nobody + " 的客户", "No customer has the id " + nobody},
	}
	ck.Data("张三", "customer:张三", nobody, zs.ID)
	for _, lang := range []string{"zh", "en"} {
		e.say("console:admin", "/lang "+lang)
		for _, tt := range refusals {
			rep, text := e.say("console:admin", tt.text)
			want := map[string]string{"zh": tt.zh, "en": tt.en}[lang]
			if !rep.Error || !strings.Contains(text, want) {
				t.Errorf("%s, %s: want a refusal with %q:\n%s", lang, tt.text, want, text)
			}
			for _, p := range ck.Problems(lang, text) {
				t.Errorf("%s, %s: %s\n%s", lang, tt.text, p, text)
			}
		}
	}
}
