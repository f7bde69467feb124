package report

import (
	_ "embed"
	"fmt"
	"sync"

	"github.com/go-analyze/charts"
	"github.com/go-analyze/charts/chartdraw/drawing"
	"github.com/golang/freetype/truetype"
)

// fontData is Droid Sans Fallback (Apache-2.0, font/LICENSE; from Debian's
// fonts-droid-fallback), subset to CJK punctuation, the CJK unified ideographs U+4E00–9FFF
// and the full-width forms (it has no Latin letters: see MissingGlyphs): TrueType outlines, which golang/freetype (what
// go-analyze/charts draws text with) reads. The README's "The report" gives the recipe.
//
//go:embed font/DroidSansFallback.ttf
var fontData []byte

// FontFamily is the name the report's font is installed under in go-analyze/charts.
const FontFamily = "partnerbot-droid-sans-fallback"

var (
	fontOnce sync.Once
	theFont  *truetype.Font
	fontErr  error
)

// loadFont parses the embedded font once and makes it the charts' default, so that every
// axis, legend and label draws Chinese too.
func loadFont() (*truetype.Font, error) {
	fontOnce.Do(func() {
		if err := charts.InstallFont(FontFamily, fontData); err != nil {
			fontErr = fmt.Errorf("report: font: %w", err)
			return
		}
		if err := charts.SetDefaultFont(FontFamily); err != nil {
			fontErr = fmt.Errorf("report: font: %w", err)
			return
		}
		theFont = charts.GetFont(FontFamily)
	})
	return theFont, fontErr
}

// MissingGlyphs are the runes of s (spaces aside) that would draw as an empty box: neither
// the embedded font has a glyph for them nor the fonts go-analyze/charts falls back to for a
// rune its font lacks (drawing.FallbackFonts: Noto Sans and Roboto, which it embeds). Droid
// Sans Fallback has no Latin letters at all: ASCII, "·" and "…" come from those.
func MissingGlyphs(s string) ([]rune, error) {
	f, err := loadFont()
	if err != nil {
		return nil, err
	}
	var out []rune
next:
	for _, r := range s {
		if r == ' ' || r == '\n' || f.Index(r) != 0 {
			continue
		}
		for _, name := range drawing.FallbackFonts {
			if fb := charts.GetFont(name); fb != nil && fb.Index(r) != 0 {
				continue next
			}
		}
		out = append(out, r)
	}
	return out, nil
}
