package console_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/chat"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestRenderGolden renders every shared sample as the console shows it, one string per line in
// testdata/<name>.golden.json (go test -update rewrites), and checks that no line is wider than
// text.MaxColumns in East Asian width.
func TestRenderGolden(t *testing.T) {
	for _, s := range samples.All() {
		t.Run(s.Name, func(t *testing.T) {
			out := console.Render(s.Reply.Sanitized())
			samples.CheckWidth(t, s.Name, out)
			samples.Golden(t, s.Name, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), *update)
		})
	}
}

// TestRenderWidthZeroKeepsTablesWhole: exec's output (width 0) is for scripts: a table wider
// than a phone stays one aligned row per line, nothing wrapped.
func TestRenderWidthZeroKeepsTablesWhole(t *testing.T) {
	for _, s := range samples.All() {
		if s.Name != "expiring" {
			continue
		}
		out := console.RenderWidth(s.Reply, 0)
		if strings.Contains(out, "• ") || !strings.Contains(out, "到期时间") {
			t.Errorf("width 0 did not keep the table:\n%s", out)
		}
		for _, row := range s.Reply.Table.Rows {
			if !strings.Contains(out, row[2]) {
				t.Errorf("row %q is not on one line:\n%s", row, out)
			}
		}
	}
}

// TestRenderKeepsCommandsWhole: a button whose label and command are wider than a line shows
// the command whole on the next line (what one copies is never cut), and a field that alignment
// would push past the width is shown unaligned rather than wrapped.
func TestRenderKeepsCommandsWhole(t *testing.T) {
	r := chat.Reply{
		Fields:  []chat.Field{{Label: "Resources expiring within 30 days", Value: "2"}, {Label: "Customer id", Value: "be91a0883f0024ee34e67de972ccdaab"}},
		Buttons: []chat.Button{{Label: "Top up 李四 (lisi) CNY 4,026.06", Command: "/topup 30438521bddf90d980afe4e154f67f04 4026.06"}},
	}
	out := console.Render(r)
	for _, want := range []string{"\nCustomer id: be91a0883f0024ee34e67de972ccdaab\n",
		"[Top up 李四 (lisi) CNY 4,026.06]\n  /topup 30438521bddf90d980afe4e154f67f04 4026.06\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
