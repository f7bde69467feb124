package samples

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/internal/text"
)

// CheckWidth fails t for every line of shown (what a person reads of a plain-text rendering)
// wider than text.MaxColumns in East Asian width (CJK two columns).
func CheckWidth(t testing.TB, name, shown string) {
	t.Helper()
	for i, l := range strings.Split(shown, "\n") {
		if w := text.Width(l); w > text.MaxColumns {
			t.Errorf("%s: line %d is %d columns wide (max %d): %q", name, i+1, w, text.MaxColumns, l)
		}
	}
}

// Golden compares v, as indented JSON with <, > and & shown as the platform receives them, with
// testdata/<name>.golden.json; update rewrites the file instead (each package's -update flag).
func Golden(t testing.TB, name string, v any, update bool) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	got := buf.Bytes()
	path := filepath.Join("testdata", name+".golden.json")
	if update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the rendering; run go test with -update and review the diff.\ngot:\n%s", path, got)
	}
}
