package console_test

import (
	"flag"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
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
