package report

import (
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/lang"
)

// TestGlyphsOfSandboxNames: every customer name of the sandbox, the rare characters people's
// names often have (absent from GB2312-only subsets) and the report's own Chinese texts map to
// glyphs of the embedded font, so none draws as an empty box.
func TestGlyphsOfSandboxNames(t *testing.T) {
	names := []string{"喆", "昇", "堃", "玥", "犇", "淼", "鑫", "琍"}
	for _, cu := range bsstest.Demo(testNow, 1).Customers {
		names = append(names, cu.Name, cu.AccountName, cu.Label)
	}
	d := Build(fixedInputs(t), Scope{}, Week)
	for _, l := range []lang.Lang{lang.Zh, lang.En} {
		names = append(names, Caption(d, l), Title(Build(fixedInputs(t), Scope{Label: "vip"}, Month), l), l.T("report.chart.calendar"),
			l.T("report.chart.cal_count"), l.T("report.chart.cal_amount", "CNY"), l.T("report.row.manual"), l.T("report.row.auto"),
			l.T("report.kpi.no_forecast"), l.T("report.kpi.no_scan"), l.T("report.subtitle", "2026-12-07 09:00 CST", "CNY"))
	}
	if len(names) < 60 {
		t.Fatalf("only %d names in the sandbox", len(names))
	}
	for _, n := range names {
		missing, err := MissingGlyphs(n)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%q: no glyph for %q", n, string(missing))
		}
	}
}

// TestMissingGlyphs: the check itself notices a character outside the subset (an emoji, a
// Hangul syllable).
func TestMissingGlyphs(t *testing.T) {
	missing, err := MissingGlyphs("张喆😀한")
	if err != nil {
		t.Fatal(err)
	}
	if string(missing) != "😀한" {
		t.Errorf("missing %q, want the emoji and the Hangul", string(missing))
	}
}
