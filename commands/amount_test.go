package commands

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/lang"
)

// TestParseYuanCommas: a comma separates thousands only in groups of three digits after a
// first group of one to three (1,234.56; 12,345,678). A decimal comma (12,34; 0,01) or any
// other grouping (1,23,456; 1,2345) is refused, politely and in the user's language, showing
// the expected form — it used to be dropped, turning 12,34 into CNY 1,234.00 (issue #20 §5).
func TestParseYuanCommas(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string // the amount, or "" for a refusal
		why  string // what the refusal says (zh)
	}{
		{"1,234.56", "1234.56", ""},
		{"12,345,678", "12345678.00", ""},
		{"1,000", "1000.00", ""},
		{"999,999.9", "999999.90", ""},
		{"¥1,234", "1234.00", ""},
		{"1，234.50元", "1234.50", ""}, // a full-width comma is a comma
		{"１，２３４", "1234.00", ""},
		{"1234.56", "1234.56", ""},
		{"0.01", "0.01", ""},
		{"500", "500.00", ""},
		{"12,34", "", "千位分隔符"},
		{"0,01", "", "千位分隔符"},
		{"0,5", "", "千位分隔符"},
		{"1,23,456", "", "千位分隔符"},
		{"1,2345", "", "千位分隔符"},
		{"12.345,67", "", "千位分隔符"},
		{"1,234,56", "", "千位分隔符"},
		{",123", "", "千位分隔符"},
		{"123,", "", "千位分隔符"},
		{"1,,234", "", "千位分隔符"},
		{"0,001", "", "千位分隔符"}, // no thousands in a leading zero
		{"1,234.567", "", "最多两位小数"},
		{"0", "", "大于 0"},
	} {
		c := &Call{Lang: "zh"}
		got, err := c.parseYuan("amount", tc.in)
		switch {
		case tc.want != "" && (err != nil || got.String() != tc.want):
			t.Errorf("%q: %v, %v; want %s", tc.in, got, err, tc.want)
		case tc.want == "" && err == nil:
			t.Errorf("%q read as %v; want a refusal", tc.in, got)
		case tc.want == "" && !strings.Contains(err.Error(), tc.why):
			t.Errorf("%q: %v; want it to say %q", tc.in, err, tc.why)
		}
	}
	// The refusal shows the expected forms, in the user's language.
	for l, want := range map[lang.Lang][]string{
		"zh": {"“12,34”", "千位分隔符", "1,234.56", "12.34"},
		"en": {`"12,34"`, "thousands", "1,234.56", "12.34"},
	} {
		_, err := (&Call{Lang: l}).parseYuan("amount", "12,34")
		for _, w := range want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %v lacks %q", l, err, w)
			}
		}
	}
}
