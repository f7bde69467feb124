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
