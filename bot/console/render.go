package console

import (
	"strings"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/commands"
)

// Render writes a reply as plain text for a terminal: fields and tables aligned (CJK characters
// count two columns), buttons shown as the commands to type.
func Render(r commands.Reply) string {
	var b strings.Builder
	if r.Title != "" {
		b.WriteString("== " + r.Title + " ==\n")
	}
	if r.Text != "" {
		b.WriteString(r.Text + "\n")
	}
	writeFields(&b, r.Fields, "")
	for _, s := range r.Sections {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if s.Title != "" {
			b.WriteString("* " + s.Title + "\n")
		}
		writeFields(&b, s.Fields, "  ")
		for _, l := range s.Lines {
			b.WriteString("  - " + l + "\n")
		}
	}
	if r.Table != nil && len(r.Table.Rows) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		writeTable(&b, r.Table)
	}
	if r.Footer != "" {
		b.WriteString("(" + r.Footer + ")\n")
	}
	for _, btn := range r.Buttons {
		b.WriteString("[" + btn.Label + "] " + btn.Command + "\n")
	}
	return b.String()
}

func writeFields(b *strings.Builder, fs []commands.Field, indent string) {
	w := 0
	for _, f := range fs {
		w = max(w, Width(f.Label))
	}
	for _, f := range fs {
		b.WriteString(indent + f.Label + ": " + strings.Repeat(" ", w-Width(f.Label)) + f.Value + "\n")
	}
}

func writeTable(b *strings.Builder, t *commands.Table) {
	// A row longer than the header still shows every cell: no data is dropped silently.
	n := len(t.Columns)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	widths := make([]int, n)
	for i, c := range t.Columns {
		widths[i] = Width(c)
	}
	for _, row := range t.Rows {
		for i, cell := range row {
			widths[i] = max(widths[i], Width(cell))
		}
	}
	line := func(cells []string) {
		var parts []string
		for i := range widths {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			if i == len(widths)-1 {
				parts = append(parts, cell)
			} else {
				parts = append(parts, cell+strings.Repeat(" ", widths[i]-Width(cell)))
			}
		}
		b.WriteString(strings.TrimRight(strings.Join(parts, "  "), " ") + "\n")
	}
	line(t.Columns)
	sep := make([]string, len(widths))
	for i, w := range widths {
		sep[i] = strings.Repeat("-", w)
	}
	line(sep)
	for _, row := range t.Rows {
		line(row)
	}
}

// Width is the number of terminal columns s takes: East Asian wide and full-width characters
// take two.
func Width(s string) int {
	w := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		w += runeWidth(r)
	}
	return w
}

func runeWidth(r rune) int {
	switch {
	case r == 0 || r < 32 || (r >= 0x7f && r < 0xa0), r >= 0x300 && r <= 0x36f, r == 0x200b, r == 0xfe0f:
		return 0
	case r >= 0x1100 && r <= 0x115f, r >= 0x2e80 && r <= 0xa4cf && r != 0x303f, r >= 0xac00 && r <= 0xd7a3,
		r >= 0xf900 && r <= 0xfaff, r >= 0xfe30 && r <= 0xfe4f, r >= 0xff00 && r <= 0xff60, r >= 0xffe0 && r <= 0xffe6,
		r >= 0x1f300 && r <= 0x1f64f, r >= 0x1f900 && r <= 0x1faff, r >= 0x1f680 && r <= 0x1f6ff, r >= 0x20000 && r <= 0x3fffd:
		return 2
	}
	return 1
}
