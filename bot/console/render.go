package console

import (
	"strings"

	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// Render writes a reply as plain text for a terminal: fields and tables aligned (CJK characters
// count two columns), buttons shown as the commands to type. No line is wider than
// text.MaxColumns: longer ones wrap, and a table too wide for that shows one compact entry per row.
func Render(r chat.Reply) string { return RenderWidth(r, text.MaxColumns) }

// RenderWidth is Render with lines of at most width columns; width <= 0 is no limit (every
// table aligned in full, no line wrapped), for output that scripts read (partnerbot exec).
func RenderWidth(r chat.Reply, width int) string {
	var b strings.Builder
	put := func(s, indent, more string) {
		for _, l := range strings.Split(s, "\n") {
			for _, w := range text.Wrap(indent+l, width, more) {
				b.WriteString(w + "\n")
			}
		}
	}
	if r.Title != "" {
		put("== "+r.Title+" ==", "", "   ")
	}
	if r.Text != "" {
		put(r.Text, "", "")
	}
	writeFields(&b, r.Fields, "", width)
	for _, s := range r.Sections {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		if s.Title != "" {
			put("* "+s.Title, "", "  ")
		}
		writeFields(&b, s.Fields, "  ", width)
		for _, l := range s.Lines {
			put("- "+l, "  ", "    ")
		}
	}
	if r.Table != nil && len(r.Table.Rows) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		writeTable(&b, r.Table, width)
	}
	if r.Footer != "" {
		put("("+r.Footer+")", "", " ")
	}
	// A terminal cannot show a picture: each image is a line naming it and its size (the text
	// above is its caption); /report --out FILE writes it to a file.
	for _, img := range r.Images {
		name := chat.Clean(img.Name, false)
		if name == "" {
			name = "image.png"
		}
		put(lang.Of(r.Lang).ImageFile(name, (len(img.PNG)+1023)/1024), "", "  ")
	}
	for _, btn := range r.Buttons {
		// The command is what one copies: on the button's line when it fits, else whole on the next.
		if line := "[" + btn.Label + "] " + btn.Command; width <= 0 || Width(line) <= width {
			b.WriteString(line + "\n")
			continue
		}
		put("["+btn.Label+"]", "", "  ")
		put(btn.Command, "  ", "    ")
	}
	return b.String()
}

// writeFields aligns the values of fields after their labels; a value's further lines, and a
// line too wide, continue under the value (or indented, when the labels are wide).
func writeFields(b *strings.Builder, fs []chat.Field, indent string, width int) {
	w := 0
	for _, f := range fs {
		w = max(w, Width(f.Label))
	}
	cont := indent + strings.Repeat(" ", w+2)
	if width > 0 && Width(cont) > width/3 {
		cont = indent + "    "
	}
	for _, f := range fs {
		first, rest, _ := strings.Cut(f.Value, "\n")
		line := indent + f.Label + ": " + strings.Repeat(" ", w-Width(f.Label)) + first
		if width > 0 && Width(line) > width {
			line = indent + f.Label + ": " + first // alignment is not worth a wrapped value
		}
		for _, l := range text.Wrap(line, width, cont) {
			b.WriteString(l + "\n")
		}
		if rest == "" {
			continue
		}
		for _, v := range strings.Split(rest, "\n") {
			for _, l := range text.Wrap(cont+v, width, cont) {
				b.WriteString(l + "\n")
			}
		}
	}
}

func writeTable(b *strings.Builder, t *chat.Table, width int) {
	if width <= 0 {
		b.WriteString(text.Table(t))
		return
	}
	lines, _ := text.Lines(t, width)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
}

// Width is the number of terminal columns s takes: East Asian wide and full-width characters
// take two.
func Width(s string) int { return text.Width(s) }
