package wecom

import (
	"bytes"
	"flag"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/chat"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenAdapter renders with a fixed clock and random source, so task ids are stable.
func goldenAdapter(t *testing.T) *Adapter {
	t.Helper()
	a, err := New(Options{CorpID: "ww-golden", AgentID: 1000002, Secrets: Secrets{CorpSecret: "s", RobotKeys: map[string]string{"ops": "k"}},
		Robots: map[string]Robot{"ops": {}}, Now: func() time.Time { return time.Unix(1764464400, 0) },
		Random: bytes.NewReader(make([]byte, 1<<16))})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestGolden renders every shared sample reply as the API bodies a member, an app chat and a
// group robot get, and compares them with testdata/<name>.golden.json (go test -update rewrites).
func TestGolden(t *testing.T) {
	a := goldenAdapter(t)
	for _, s := range samples.All() {
		t.Run(s.Name, func(t *testing.T) {
			r := s.Reply.Sanitized()
			out := map[string]any{
				"markdown": Markdown(r),
				"user":     bodies(a.payloads(destination{kind: "user", id: "zhangsan"}, r)),
				"chat":     bodies(a.payloads(destination{kind: "chat", id: "opsgroup"}, r)),
				"robot":    bodies(a.payloads(destination{kind: "robot", id: "ops", mention: "lisi"}, r)),
			}
			samples.Golden(t, s.Name, out, *update)
		})
	}
}

func bodies(ms []outgoing) []map[string]any {
	var out []map[string]any
	for _, m := range ms {
		out = append(out, map[string]any{"path": m.path, "body": m.body})
	}
	return out
}

// TestSplitNeverCuts: every sample, rendered for each destination, fits its limit and loses
// nothing: the parts joined are the whole markdown.
func TestSplitNeverCuts(t *testing.T) {
	long := chat.Reply{Title: "长列表"}
	for i := range 400 {
		long.Sections = append(long.Sections, chat.Section{Title: strings.Repeat("资源", 5), Lines: []string{strings.Repeat("磁盘 ", 20)}})
		_ = i
	}
	replies := []chat.Reply{long}
	for _, s := range samples.All() {
		replies = append(replies, s.Reply.Sanitized())
	}
	for _, r := range replies {
		md := Markdown(r)
		for _, limit := range []int{AppMarkdownBytes, RobotMarkdownBytes} {
			parts := Split(md, limit)
			for i, p := range parts {
				if len(p) > limit {
					t.Errorf("%q part %d is %d bytes, over %d", r.Title, i, len(p), limit)
				}
				if !utf8.ValidString(p) {
					t.Errorf("%q part %d is not valid UTF-8", r.Title, i)
				}
			}
			if got, want := squash(strings.Join(parts, "\n")), squash(md); got != want {
				t.Errorf("%q split at %d lost or reordered text", r.Title, limit)
			}
			if len(md) > limit && len(parts) < 2 {
				t.Errorf("%q: %d bytes in one part of limit %d", r.Title, len(md), limit)
			}
		}
	}
}

// squash drops blank lines (the split may drop them at the seams).
func squash(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestEscape(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"plain 张三 text", "plain 张三 text"},
		{"<font color=\"info\">x</font>", "‹font color=\"info\"›x‹/font›"},
		{"<@all> <@zhangsan>", "‹@all› ‹@zhangsan›"},
		{"**bold** *it*", "∗∗bold∗∗ ∗it∗"},
		{"0086-138****0000", "0086-138∗∗∗∗0000"},
		{"[link](http://x)", "［link］(http://x)"},
		{"`code`", "ˋcodeˋ"},
		{"# heading", "＃ heading"},
		{"  ## heading", "  ＃# heading"},
		{"a # b", "a # b"},
		{"> quote", "› quote"},
		{"Tom & Jerry r&1 resource_ids", "Tom & Jerry r&1 resource_ids"},
	}
	for _, tt := range tests {
		if got := esc(tt.in); got != tt.want {
			t.Errorf("esc(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestMarkupSampleIsInert: no markup from data survives rendering: the only tags are ours.
func TestMarkupSampleIsInert(t *testing.T) {
	for _, s := range samples.All() {
		md := Markdown(s.Reply.Sanitized())
		for _, line := range strings.Split(md, "\n") {
			rest := strings.TrimPrefix(line, "> ") // our quote
			for _, ok := range []string{`<font color="warning">`, `<font color="info">`, `<font color="comment">`, `</font>`} {
				rest = strings.ReplaceAll(rest, ok, "")
			}
			if strings.ContainsAny(rest, "<>[]`*") && !ourMarkup(rest) {
				t.Errorf("%s: markup characters from data remain in %q", s.Name, line)
			}
		}
	}
}

// ourMarkup: a line whose only markup is the renderer's own (bold labels and titles, the
// backticks around a command to type).
func ourMarkup(line string) bool {
	for _, ok := range []string{"**", "`/"} {
		line = strings.ReplaceAll(line, ok, "")
	}
	line = strings.TrimSuffix(line, "`")
	return !strings.ContainsAny(line, "<>[]`*")
}

func TestButtonKeys(t *testing.T) {
	for _, b := range []chat.Button{{Command: "/approve 12", Decides: true}, {Command: "/reject 12 价格太高", Decides: true},
		{Command: "/resources 0a1b2c3d4e5f60718293a4b5c6d7e8f9"}, {Command: "/renew c3f 1m"}, {Command: "/x"}} {
		key := ButtonKey(chat.Button{Label: "ignored", Command: b.Command, Style: chat.StylePrimary, Decides: b.Decides})
		if strings.Trim(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-@.") != "" {
			t.Errorf("key %q for %+v has characters outside [a-zA-Z0-9_-@.]", key, b)
		}
		if got, ok := ButtonOfKey(key); !ok || got != b {
			t.Errorf("ButtonOfKey(ButtonKey(%+v)) = %+v, %v", b, got, ok)
		}
	}
	// Keys on cards sent before keys said whether they decide: every click updated its card.
	if got, ok := ButtonOfKey("cmd_" + keyEncoding.EncodeToString([]byte("/approve 3"))); !ok || got != (chat.Button{Command: "/approve 3", Decides: true}) {
		t.Errorf("an earlier key reads as %+v, %v", got, ok)
	}
	for _, bad := range []string{"", "approve", "cmd_!!!", "cmd_" + "AAAA" + "#", "run_!!!", "RUN_AAAA"} {
		if got, ok := ButtonOfKey(bad); ok {
			t.Errorf("ButtonOfKey(%q) = %+v, true", bad, got)
		}
	}
}

func TestCardOnlyForDecisions(t *testing.T) {
	for _, s := range samples.All() {
		want := s.Name == "danger_buttons"
		if got := NeedsCard(s.Reply); got != want {
			t.Errorf("NeedsCard(%s) = %v, want %v", s.Name, got, want)
		}
	}
	r := chat.Reply{Title: strings.Repeat("很长的标题", 10), Buttons: []chat.Button{
		{Label: "批准这个非常非常长的申请", Command: "/approve 12", Style: chat.StylePrimary},
		{Label: "拒绝", Command: "/reject 12", Style: chat.StyleDanger},
		{Label: "too long", Command: "/approve " + strings.Repeat("9", 200), Style: chat.StylePrimary},
	}}
	c := Card(r, "task")
	if len(c.ButtonList) != 2 {
		t.Fatalf("buttons = %+v, want the two whose key fits", c.ButtonList)
	}
	if n := utf8.RuneCountInString(c.MainTitle.Title); n > 26 {
		t.Errorf("title of %d characters", n)
	}
	if c.ButtonList[1].Style != cardStyleDanger || c.ButtonList[0].Style != cardStyleDefault {
		t.Errorf("styles = %d, %d", c.ButtonList[0].Style, c.ButtonList[1].Style)
	}
	if n := utf8.RuneCountInString(c.ButtonList[0].Text); n > 10 {
		t.Errorf("button text of %d characters", n)
	}
}

// TestSamplesFitAPhone: every line a WeCom client shows of every sample (markup, the quote bar
// and heading marks take no column) is at most text.MaxColumns wide in East Asian width.
func TestSamplesFitAPhone(t *testing.T) {
	markup := regexp.MustCompile("(?m)^(> |### )|\\*\\*|`|</?font[^>]*>")
	for _, s := range samples.All() {
		samples.CheckWidth(t, s.Name, markup.ReplaceAllString(Markdown(s.Reply.Sanitized()), ""))
	}
}
