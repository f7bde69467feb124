package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/chat"
)

func TestWidth(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "张三": 4, "ＡＢ": 4, "e\u0301": 1, "🚀": 2, "": 0} {
		if got := Width(s); got != want {
			t.Errorf("Width(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestTableAlignsCJK(t *testing.T) {
	got := Table(&chat.Table{Columns: []string{"客户", "金额"}, Rows: [][]string{{"张三", "1.00"}, {"ACME Ltd", "12,345.60", "extra"}}})
	want := "客户      金额\n" +
		"--------  ---------  -----\n" +
		"张三      1.00\n" +
		"ACME Ltd  12,345.60  extra\n"
	if got != want {
		t.Fatalf("Table =\n%s\nwant\n%s", got, want)
	}
}

func TestSplitNeverCuts(t *testing.T) {
	long := strings.Repeat("资源 web-01 将于 2026-12-01 到期 ", 40)
	tests := []struct {
		name string
		in   string
		max  int
	}{
		{"fits", "a\nb\n", 10},
		{"lines", strings.Repeat("line of text\n", 50), 40},
		{"one huge line", long, 100},
		{"mixed", "title\n" + long + "\nend\n", 64},
		{"tiny max", "你好世界", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts := Split(tt.in, tt.max, nil)
			if strings.Join(parts, "") != tt.in {
				t.Fatalf("parts do not add up to the input")
			}
			for i, p := range parts {
				if n := utf8.RuneCountInString(p); n > tt.max && utf8.RuneCountInString(p) > 1 {
					t.Errorf("part %d has %d runes, max %d", i, n, tt.max)
				}
				if !utf8.ValidString(p) {
					t.Errorf("part %d cuts a rune", i)
				}
			}
		})
	}
	// Whole lines stay whole when they fit.
	parts := Split("aaaa\nbbbb\ncccc\n", 10, nil)
	if len(parts) != 2 || parts[0] != "aaaa\nbbbb\n" || parts[1] != "cccc\n" {
		t.Fatalf("Split at lines = %q", parts)
	}
}

func TestWrapKeepsEveryCharacterWithinWidth(t *testing.T) {
	tests := []struct {
		s     string
		width int
	}{
		{"short", 60},
		{"ecs-web-01 · cn-north-4 · s6.large.2.linux 40 GB (0a1b2c3d4e5f60718293a4b5c6d7e8f9) · 张三", 60},
		{strings.Repeat("北京云起科技有限公司", 10), 60},
		{"到期 2026-12-09 06:00 (3 天后) · 自动续费 否 · 客户 北京云起科技有限公司 · 含 2 个附属资源", 40},
		{strings.Repeat("x", 150), 60},
		{"a " + strings.Repeat("长", 40) + " b", 30},
	}
	for _, tt := range tests {
		ls := Wrap(tt.s, tt.width, "  ")
		var kept strings.Builder
		for i, l := range ls {
			if w := Width(l); w > tt.width {
				t.Errorf("Wrap(%q) line %d is %d columns, want <= %d: %q", tt.s, i, w, tt.width, l)
			}
			kept.WriteString(strings.ReplaceAll(l, " ", ""))
		}
		if want := strings.ReplaceAll(tt.s, " ", ""); kept.String() != want {
			t.Errorf("Wrap(%q) lost characters: %q", tt.s, kept.String())
		}
	}
}

func TestLinesCompactsWideTables(t *testing.T) {
	narrow := &chat.Table{Columns: []string{"客户", "金额"}, Rows: [][]string{{"张三", "1.00"}}}
	if _, aligned := Lines(narrow, MaxColumns); !aligned {
		t.Error("a narrow table should stay aligned")
	}
	wide := &chat.Table{Columns: []string{"到期", "客户", "资源", "自动续费"}, Head: []int{2, 1}, Rows: [][]string{
		{"2026-12-09 06:00 (3 天后)", "北京云起科技有限公司 (yunqi-bj)", "ecs-web-01 · s6.large.2.linux (0a1b2c3d4e5f6071)", "否"},
	}}
	got, aligned := Lines(wide, MaxColumns)
	if aligned {
		t.Fatal("a 100-column table should become entries")
	}
	want := []string{
		"• ecs-web-01 · s6.large.2.linux (0a1b2c3d4e5f6071) · 北京云",
		"  起科技有限公司 (yunqi-bj)",
		"  到期: 2026-12-09 06:00 (3 天后) · 自动续费: 否",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Lines =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
