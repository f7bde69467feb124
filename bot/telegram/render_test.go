package telegram

import (
	"flag"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/chat"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestRenderGolden renders every shared sample and compares it with testdata/<name>.golden.json;
// each part must be HTML Telegram accepts and within its limit.
func TestRenderGolden(t *testing.T) {
	for _, s := range samples.All() {
		t.Run(s.Name, func(t *testing.T) {
			m := Render(s.Reply, MaxMessageChars)
			checkParts(t, m, MaxMessageChars)
			samples.Golden(t, s.Name, m, *update)
		})
	}
}

// checkParts checks what Telegram checks of each part: valid HTML, 1..limit characters.
func checkParts(t *testing.T, m Message, limit int) []string {
	t.Helper()
	var shown []string
	for i, p := range m.Parts {
		txt, err := telegramtest.ParseHTML(p)
		if err != nil {
			t.Fatalf("part %d is not HTML Telegram accepts: %v\n%s", i+1, err, p)
		}
		if n := utf16Len(txt); n < 1 || n > limit {
			t.Errorf("part %d shows %d characters, want 1..%d", i+1, n, limit)
		}
		shown = append(shown, txt)
	}
	return shown
}

// TestRenderEscapes: what each platform's markup would misread arrives as literal text.
func TestRenderEscapes(t *testing.T) {
	var markup chat.Reply
	for _, s := range samples.All() {
		if s.Name == "markup" {
			markup = s.Reply
		}
	}
	m := Render(markup, MaxMessageChars)
	shown := strings.Join(checkParts(t, m, MaxMessageChars), "\n")
	shown += "\n" + strings.ReplaceAll(shown, "\n", " ") // as read, with the lines wrapped for a phone joined
	for _, want := range []string{
		"Customer <b>Tom & Jerry</b> *Ltd*",
		"<@U123> <!channel> [link](http://x)",
		"> not a quote",
		"Name & *co*: <script>alert(1)</script>",
		"`x`", "</pre>", "a|b",
	} {
		if !strings.Contains(shown, want) {
			t.Errorf("the message does not show %q literally; it shows:\n%s", want, shown)
		}
	}
	if strings.Contains(m.Parts[0], "<script>") || strings.Contains(m.Parts[0], "<b>Tom") {
		t.Errorf("user text reached the HTML unescaped:\n%s", m.Parts[0])
	}
	if got := m.Buttons[0][0].Label; got != "Renew <1m>" {
		t.Errorf("button label = %q (buttons are plain text, not HTML)", got)
	}
}

// TestRenderSplit renders every sample under small limits: every part valid and within the
// limit, no line cut, every line of the whole message shown once, in order.
func TestRenderSplit(t *testing.T) {
	for _, s := range samples.All() {
		whole := checkParts(t, Render(s.Reply, 1<<20), 1<<20)
		if len(whole) != 1 {
			t.Fatalf("%s: %d parts without a limit", s.Name, len(whole))
		}
		for _, limit := range []int{MaxMessageChars, 1000, 700, 500, 333, 300, 250, 200, 150, 120} {
			t.Run(fmt.Sprintf("%s/%d", s.Name, limit), func(t *testing.T) {
				m := Render(s.Reply, limit)
				parts := checkParts(t, m, limit)
				var got []string
				for _, p := range parts {
					got = append(got, strings.Split(p, "\n")...)
				}
				// Every line of the whole message appears in order; a continued table repeats
				// its header, and a line longer than the limit arrives in pieces.
				i := 0
				for _, want := range strings.Split(whole[0], "\n") {
					if want == "" {
						continue
					}
					if utf16Len(want) > limit {
						var joined string
						for i < len(got) && len(joined) < len(want) {
							joined += got[i]
							i++
						}
						if joined != want {
							t.Fatalf("a long line was not kept whole across parts:\nwant %q\ngot  %q", want, joined)
						}
						continue
					}
					for i < len(got) && got[i] != want {
						i++
					}
					if i == len(got) {
						t.Fatalf("line %q is missing or out of order; parts:\n%s", want, strings.Join(parts, "\n-----\n"))
					}
					i++
				}
				// A title stays with what it heads, a table header with its first row (when
				// they fit in one part together: the samples' tables are under 250 wide).
				for i, p := range m.Parts[:len(m.Parts)-1] {
					if limit < 250 {
						break
					}
					lines := strings.Split(p, "\n")
					last := lines[len(lines)-1]
					if titleRE.MatchString(last) || strings.HasPrefix(last, "---") || strings.HasPrefix(last, "<pre>") {
						t.Errorf("part %d ends with a heading %q", i+1, last)
					}
				}
				if len(m.Buttons) != len(Render(s.Reply, 0).Buttons) {
					t.Errorf("buttons lost when split")
				}
			})
		}
	}
}

var titleRE = regexp.MustCompile(`^(⚠️ )?<b>[^<]*</b>$`)

// TestRenderLongList: the 120-row table does not fit one message; each part is a <pre> table
// with its header.
func TestRenderLongList(t *testing.T) {
	var r chat.Reply
	for _, s := range samples.All() {
		if s.Name == "long_list" {
			r = s.Reply
		}
	}
	m := Render(r, MaxMessageChars)
	if len(m.Parts) < 2 {
		t.Fatalf("%d part(s), want the table split", len(m.Parts))
	}
	rows := 0
	for i, p := range m.Parts {
		if !strings.Contains(p, "<pre>#") {
			t.Errorf("part %d does not start its table with the header:\n%.200s", i+1, p)
		}
		rows += strings.Count(p, "ecs-batch-node-")
	}
	if rows != 120 {
		t.Errorf("%d rows shown, want 120", rows)
	}
}

func TestRenderErrorAndEmpty(t *testing.T) {
	tests := []struct {
		name string
		r    chat.Reply
		want []string
	}{
		{"empty", chat.Reply{}, nil},
		{"error text", chat.Reply{Text: "bad", Error: true}, []string{"⚠️ bad"}},
		{"error title", chat.Reply{Title: "T", Text: "x", Error: true}, []string{"⚠️ <b>T</b>\n\nx"}},
		{"buttons only", chat.Reply{Buttons: []chat.Button{{Label: "Go", Command: "/help"}}}, []string{"…"}},
		{"table only error", chat.Reply{Table: &chat.Table{Columns: []string{"a"}, Rows: [][]string{{"1"}}}, Error: true},
			[]string{"⚠️\n<pre>a\n-\n1</pre>"}},
		{"multi-line field", chat.Reply{Fields: []chat.Field{{Label: "L", Value: "one\n  two"}}}, []string{"<b>L:</b> one\n  two"}},
		{"invalid UTF-8", chat.Reply{Text: "a\xffb"}, []string{"a\uFFFDb"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Render(tt.r, 0)
			if fmt.Sprint(m.Parts) != fmt.Sprint(tt.want) {
				t.Errorf("parts = %q, want %q", m.Parts, tt.want)
			}
			checkParts(t, m, MaxMessageChars)
		})
	}
}

func TestKeyboardRows(t *testing.T) {
	bs := []chat.Button{
		{Label: "批准", Command: "/approve 1", Style: chat.StylePrimary},
		{Label: "拒绝", Command: "/reject 1", Style: chat.StyleDanger},
		{Label: "Next", Command: "/next"},
		{Label: strings.Repeat("w", 30), Command: "/wide"},
		{Label: "Last", Command: "/last"},
	}
	var got [][]string
	for _, row := range keyboardRows(bs) {
		var r []string
		for _, b := range row {
			r = append(r, b.Label)
		}
		got = append(got, r)
	}
	want := [][]string{{"✅ 批准", "⛔ 拒绝"}, {"Next"}, {strings.Repeat("w", 30)}, {"Last"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows = %q, want %q", got, want)
	}
}

func TestUTF16Len(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abc": 3, "张三": 2, "😀": 2, "⚠️": 2, "a\u0301": 2} {
		if got := utf16Len(s); got != want {
			t.Errorf("utf16Len(%q) = %d, want %d", s, got, want)
		}
	}
}

// TestSamplesFitAPhone: every line Telegram shows of every sample, <pre> tables included, is at
// most text.MaxColumns wide in East Asian width.
func TestSamplesFitAPhone(t *testing.T) {
	for _, s := range samples.All() {
		for _, p := range Render(s.Reply.Sanitized(), MaxMessageChars).Parts {
			samples.CheckWidth(t, s.Name, plainText(p))
		}
	}
}
