package console

import (
	"strings"

	"github.com/partnerbot/partnerbot/bot/internal/text"
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

func writeTable(b *strings.Builder, t *commands.Table) { b.WriteString(text.Table(t)) }

// Width is the number of terminal columns s takes: East Asian wide and full-width characters
// take two.
func Width(s string) int { return text.Width(s) }
