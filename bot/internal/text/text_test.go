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
