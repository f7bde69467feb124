package console_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode"

	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/chat"
)

func TestWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"abc", 3},
		{"ID", 2},
		{"张三", 4},
		{"张三 (zhangsan)", 15},
		{"客户 ID", 7},
		{"：", 2},         // full-width colon
		{"（viewer）", 10}, // full-width parentheses
		{"Ａ", 2},         // full-width Latin
		{"\u3000", 2},    // ideographic space
		{"ｱ", 1},         // half-width katakana
		{"한국", 4},        // Hangul syllables
		{"かな", 4},        // Hiragana
		{"€", 1},
		{"é", 1},
		{"·", 1},
		{"…", 1},
		{"⚠", 1},
		{"😀", 2},
		{"a\tb", 2}, // control characters take no column
		{"\x00\x1b", 0},
		{"\xff", 1}, // invalid UTF-8: one replacement character
		{"𠀀", 2},    // CJK extension B (outside the BMP)
	}
	for _, tt := range tests {
		if got := console.Width(tt.s); got != tt.want {
			t.Errorf("Width(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name string
		r    chat.Reply
		want string
	}{
		{
			name: "empty reply",
			r:    chat.Reply{},
			want: "",
		},
		{
			name: "text only",
			r:    chat.Reply{Text: "hello"},
			want: "hello\n",
		},
		{
			name: "title and text",
			r:    chat.Reply{Title: "T", Text: "first\n\nsecond"},
			want: "== T ==\nfirst\n\nsecond\n",
		},
		{
			name: "fields aligned with CJK labels",
			r: chat.Reply{Title: "客户：张三", Fields: []chat.Field{
				{Label: "客户 ID", Value: "abc"},
				{Label: "账号名", Value: "zhangsan"},
				{Label: "ID", Value: "1"},
				{Label: "30 天内到期资源", Value: "2"},
			}},
			want: "== 客户：张三 ==\n" +
				"客户 ID:         abc\n" +
				"账号名:          zhangsan\n" +
				"ID:              1\n" +
				"30 天内到期资源: 2\n",
		},
		{
			name: "table aligned with CJK and ASCII, last column not padded",
			r: chat.Reply{Table: &chat.Table{
				Columns: []string{"客户", "账号", "欠费"},
				Rows: [][]string{
					{"李四", "lisi", "CNY 4,026.06"},
					{"Initech", "initech", "CNY 3,045.65"},
					{"成都天府游戏工作室", "cd-tianfu-games", "1"},
				},
			}},
			want: "" +
				"客户                账号             欠费\n" +
				"------------------  ---------------  ------------\n" +
				"李四                lisi             CNY 4,026.06\n" +
				"Initech             initech          CNY 3,045.65\n" +
				"成都天府游戏工作室  cd-tianfu-games  1\n",
		},
		{
			name: "ragged rows: short rows padded, trailing blanks trimmed",
			r: chat.Reply{Table: &chat.Table{
				Columns: []string{"a", "bb", "c"},
				Rows: [][]string{
					{"1"},
					{"", "22"},
					{"x", "y", "z"},
				},
			}},
			want: "" +
				"a  bb  c\n" +
				"-  --  -\n" +
				"1\n" +
				"   22\n" +
				"x  y   z\n",
		},
		{
			name: "ragged rows: cells beyond the header are kept",
			r: chat.Reply{Table: &chat.Table{
				Columns: []string{"k"},
				Rows: [][]string{
					{"a", "extra"},
					{"bbb"},
				},
			}},
			want: "" +
				"k\n" +
				"---  -----\n" +
				"a    extra\n" +
				"bbb\n",
		},
		{
			name: "table without rows is not shown",
			r:    chat.Reply{Text: "nothing", Table: &chat.Table{Columns: []string{"a", "b"}}},
			want: "nothing\n",
		},
		{
			name: "text then table separated by a blank line",
			r:    chat.Reply{Title: "T", Table: &chat.Table{Columns: []string{"x"}, Rows: [][]string{{"1"}}}},
			want: "== T ==\n\nx\n-\n1\n",
		},
		{
			name: "sections with fields and lines",
			r: chat.Reply{Title: "资源", Sections: []chat.Section{
				{Title: "web-01 · 云主机", Fields: []chat.Field{{Label: "ID", Value: "r1"}, {Label: "到期", Value: "明天"}}, Lines: []string{"附属：disk-0", "附属：disk-1"}},
				{Title: "bw-01", Lines: []string{"附属：eip"}},
				{Fields: []chat.Field{{Label: "k", Value: "v"}}},
			}},
			want: "== 资源 ==\n" +
				"\n" +
				"* web-01 · 云主机\n" +
				"  ID:   r1\n" +
				"  到期: 明天\n" +
				"  - 附属：disk-0\n" +
				"  - 附属：disk-1\n" +
				"\n" +
				"* bw-01\n" +
				"  - 附属：eip\n" +
				"\n" +
				"  k: v\n",
		},
		{
			name: "first section without anything before it",
			r:    chat.Reply{Sections: []chat.Section{{Title: "s"}}},
			want: "* s\n",
		},
		{
			name: "footer and buttons",
			r: chat.Reply{Text: "t", Footer: "第 1/3 页，共 25 项", Buttons: []chat.Button{
				{Label: "上一页", Command: "/expiring --page 1"},
				{Label: "下一页", Command: "/expiring --page 3", Style: "primary"},
			}},
			want: "t\n" +
				"(第 1/3 页，共 25 项)\n" +
				"[上一页] /expiring --page 1\n" +
				"[下一页] /expiring --page 3\n",
		},
		{
			name: "everything in order",
			r: chat.Reply{
				Title:    "T",
				Text:     "text",
				Fields:   []chat.Field{{Label: "f", Value: "1"}},
				Sections: []chat.Section{{Title: "S"}},
				Table:    &chat.Table{Columns: []string{"c"}, Rows: [][]string{{"r"}}},
				Footer:   "foot",
				Buttons:  []chat.Button{{Label: "B", Command: "/b"}},
				Error:    true,
			},
			want: "== T ==\ntext\nf: 1\n\n* S\n\nc\n-\nr\n(foot)\n[B] /b\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := console.Render(tt.r)
			if got != tt.want {
				t.Errorf("Render =\n%s\nwant\n%s\n(got %q)", got, tt.want, got)
			}
		})
	}
}

// TestRenderTableColumnsLineUp checks, for a mix of scripts, that every cell of a column starts
// at the same terminal column.
func TestRenderTableColumnsLineUp(t *testing.T) {
	rows := [][]string{
		{"12:22 (18 小时后)", "李四 (lisi)", "ecs-01 · 云主机", "否"},
		{"12:35 (18 hours)", "Oceanic (oceanic)", "bw · 带宽 35M", "是"},
		{"-", "厦门鹭岛 (xm)", "한국 resource", "yes"},
	}
	out := console.Render(chat.Reply{Table: &chat.Table{Columns: []string{"到期", "客户", "资源", "续费"}, Rows: rows}})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(rows)+2 {
		t.Fatalf("want header, rule and %d rows, got:\n%s", len(rows), out)
	}
	// The rule line gives the column starts.
	var starts []int
	col := 0
	for i, f := range strings.Split(lines[1], "  ") {
		if i > 0 {
			col += 2
		}
		starts = append(starts, col)
		col += len(f)
	}
	for _, l := range append([]string{lines[0]}, lines[2:]...) {
		for i, s := range starts[1:] {
			prefix := columnPrefix(l, s)
			if prefix < 0 {
				t.Errorf("line %q has no cell boundary at column %d (column %d)", l, s, i+1)
			}
		}
	}
}

// refWidth is an independent reference for the scripts used above: Han and Hangul take two
// columns, everything else one.
func refWidth(r rune) int {
	if unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) {
		return 2
	}
	return 1
}

// columnPrefix returns the byte offset in l at which terminal column col starts, provided the
// two columns before it are spaces (a cell boundary); -1 otherwise.
func columnPrefix(l string, col int) int {
	w := 0
	for i, r := range l {
		if w == col {
			if i >= 2 && l[i-2:i] == "  " {
				return i
			}
			return -1
		}
		w += refWidth(r)
		if w > col {
			return -1
		}
	}
	return -1
}

// TestRenderImages: a terminal cannot show a picture, so each image is a line naming it and its
// size, in the reply's language, after the caption.
func TestRenderImages(t *testing.T) {
	png := samples.PNG(64, 32, false)
	kb := (len(png) + 1023) / 1024
	for _, tc := range []struct {
		lang, want string
	}{
		{"en", fmt.Sprintf("image: report.png, %d KB (cannot be shown here; use /report --out FILE)", kb)},
		{"zh", fmt.Sprintf("图片：report.png，%d KB", kb)},
	} {
		r := chat.Reply{Text: "12 customers renew this week.", Lang: tc.lang,
			Images: []chat.Image{{Name: "report.png", Alt: "12 customers", PNG: png}}}
		out := console.RenderWidth(r, 0) // as partnerbot exec shows it: unwrapped
		if !strings.Contains(out, tc.want) || strings.Index(out, "12 customers renew") > strings.Index(out, "report.png") {
			t.Errorf("%s: rendered\n%s\nwant the caption, then a line with %q", tc.lang, out, tc.want)
		}
	}
}
