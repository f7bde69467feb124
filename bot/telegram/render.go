package telegram

import (
	"html"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/chat"
)

// MaxMessageChars is Telegram's limit on one message: 4096 characters of text once the HTML
// has been parsed (tags dropped, entities decoded), counted as Telegram counts them, in UTF-16
// code units.
const MaxMessageChars = 4096

// Message is a reply rendered for Telegram: one or more texts in parse_mode HTML, each within
// the limit once parsed, sent in order, and the buttons shown under the last one.
type Message struct {
	Parts   []string        `json:"parts"`
	Buttons [][]chat.Button `json:"buttons,omitempty"` // rows of an inline keyboard
}

// Render turns a reply into Telegram HTML. Every string of the reply is escaped, so nothing a
// user or BSS wrote is ever read as markup; tables are aligned monospace text in <pre>. A reply
// longer than limit (MaxMessageChars when limit <= 0) is split into parts at line boundaries,
// before any markup is written, so no part ends inside a tag; a table that continues in the
// next part repeats its header there. A single line longer than limit is cut at rune
// boundaries into several lines, so nothing is ever lost.
func Render(r chat.Reply, limit int) Message {
	if limit <= 0 {
		limit = MaxMessageChars
	}
	lines := layout(r)
	var m Message
	for _, part := range pack(lines, limit) {
		m.Parts = append(m.Parts, renderPart(part))
	}
	m.Buttons = keyboardRows(r.Buttons)
	if len(m.Parts) == 0 && len(m.Buttons) > 0 {
		m.Parts = []string{"…"} // Telegram needs a text to hang the buttons on
	}
	return m
}

// line is one line of a rendered reply: its HTML (self-contained: every tag it opens it
// closes), the text Telegram shows for it, and whether it belongs in a <pre> block.
type line struct {
	html  string
	plain string
	pre   bool
	table int  // index of the table the line belongs to, -1 when none
	head  bool // a table's header or rule, repeated when the table continues in a new part
	keep  int  // how many following non-blank lines must be in the same part as this one
}

func (l line) size() int   { return utf16Len(l.plain) }
func (l line) blank() bool { return l.plain == "" && !l.pre }

// utf16Len is the length of s as Telegram counts it: UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// escape makes s literal text in Telegram HTML.
func escape(s string) string {
	return htmlEscaper.Replace(strings.ToValidUTF8(s, "\uFFFD"))
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// layout lays the reply out as lines, in reading order.
func layout(r chat.Reply) []line {
	b := &lines{}
	if r.Title != "" {
		b.text(r.Title, "b", 1)
	}
	if r.Text != "" {
		b.blank()
		b.text(r.Text, "", 0)
	}
	if len(r.Fields) > 0 {
		b.blank()
		for _, f := range r.Fields {
			b.field(f, "b")
		}
	}
	for _, s := range r.Sections {
		b.blank()
		if s.Title != "" {
			b.text(s.Title, "b", 1)
		}
		for _, f := range s.Fields {
			b.field(f, "")
		}
		for _, l := range s.Lines {
			b.indented("• "+l, "  ", "", 0)
		}
	}
	if r.Table != nil && len(r.Table.Rows) > 0 {
		b.blank()
		b.table(r.Table)
	}
	if r.Footer != "" {
		b.blank()
		b.text(r.Footer, "i", 0)
	}
	if r.Error && len(b.ls) > 0 {
		first := &b.ls[0]
		if first.pre { // a reply that is only a table: the mark goes on a line of its own
			b.ls = append([]line{{html: "⚠️", plain: "⚠️", table: -1}}, b.ls...)
		} else {
			first.html, first.plain = "⚠️ "+first.html, "⚠️ "+first.plain
		}
	}
	return b.ls
}

type lines struct {
	ls     []line
	tables int
}

// blank separates two blocks with an empty line (never two in a row, never at the start).
func (b *lines) blank() {
	if n := len(b.ls); n > 0 && !b.ls[n-1].blank() {
		b.ls = append(b.ls, line{table: -1})
	}
}

// text adds s line by line, each wrapped to text.MaxColumns and in tag when tag is not empty;
// the last line keeps keep following lines with it (a title stays with what it heads).
func (b *lines) text(s, tag string, keep int) { b.indented(s, "", tag, keep) }

// indented is text with the lines a wrap continues starting with indent.
func (b *lines) indented(s, indent, tag string, keep int) {
	var ls []string
	for _, l := range strings.Split(s, "\n") {
		ls = append(ls, text.Wrap(l, text.MaxColumns, indent)...)
	}
	for i, l := range ls {
		h := escape(l)
		if tag != "" && l != "" {
			h = "<" + tag + ">" + h + "</" + tag + ">"
		}
		k := 0
		switch {
		case tag != "" && i == 0: // a heading wrapped for a phone stays in one piece
			k = len(ls) - 1 + keep
		case tag == "" && i == len(ls)-1:
			k = keep
		}
		b.ls = append(b.ls, line{html: h, plain: l, table: -1, keep: k})
	}
}

// field adds "label: value", the label wrapped in tag; the lines of a multi-line value follow
// on lines of their own, and a line too wide for a phone continues on the next.
func (b *lines) field(f chat.Field, tag string) {
	first, rest, _ := strings.Cut(f.Value, "\n")
	ws := text.Wrap(f.Label+": "+first, text.MaxColumns, "  ")
	label := escape(f.Label + ":")
	if tag != "" {
		label = "<" + tag + ">" + label + "</" + tag + ">"
	}
	k := 0
	if rest != "" || len(ws) > 1 {
		k = 1
	}
	h := escape(ws[0])
	if after, ok := strings.CutPrefix(ws[0], f.Label+":"); ok {
		h = label + escape(after)
	}
	b.ls = append(b.ls, line{html: h, plain: ws[0], table: -1, keep: k})
	for _, w := range ws[1:] {
		b.ls = append(b.ls, line{html: escape(w), plain: w, table: -1})
	}
	if rest != "" {
		b.indented(rest, "  ", "", 0)
	}
}

// table adds t as aligned monospace lines when it fits text.MaxColumns, else as one compact
// entry per row (its first line in bold). An aligned table's header and rule are marked to be
// repeated when it continues in the next part, and stay with the first row.
func (b *lines) table(t *chat.Table) {
	idx := b.tables
	b.tables++
	if text.TableWidth(t) > text.MaxColumns {
		for _, e := range text.Entries(t) {
			b.indented(e.Head, "  ", "b", min(1, len(e.Details)))
			for _, d := range e.Details {
				b.indented("  "+d, "    ", "", 0)
			}
		}
		return
	}
	rows := strings.Split(strings.TrimSuffix(text.Table(t), "\n"), "\n")
	for i, r := range rows {
		l := line{html: escape(r), plain: r, pre: true, table: idx}
		if i < 2 {
			l.head = true
			l.keep = 2 - i // header → rule and first row; rule → first row
		}
		b.ls = append(b.ls, l)
	}
}

// pack groups lines into parts of at most limit characters, counting one per newline between
// lines. Blank lines never start or end a part.
func pack(ls []line, limit int) [][]line {
	ls = splitLong(ls, limit)
	heads := map[int][]line{}
	for _, l := range ls {
		if l.head {
			heads[l.table] = append(heads[l.table], l)
		}
	}
	var (
		parts [][]line
		cur   []line
		size  int
	)
	push := func(l line) {
		if len(cur) > 0 {
			size++
		}
		size += l.size()
		cur = append(cur, l)
	}
	flush := func() {
		for len(cur) > 0 && cur[len(cur)-1].blank() {
			cur = cur[:len(cur)-1]
		}
		if len(cur) > 0 {
			parts = append(parts, cur)
		}
		cur, size = nil, 0
	}
	fits := func(n int) bool {
		if len(cur) > 0 {
			n++
		}
		return size+n <= limit
	}
	for i, l := range ls {
		if len(cur) == 0 && l.blank() {
			continue
		}
		// A line that must stay with the next ones starts a new part when they do not fit
		// here but would fit in a part of their own.
		if l.keep > 0 && len(cur) > 0 {
			block, kept := l.size(), 0
			for _, next := range ls[i+1:] {
				if kept == l.keep {
					break
				}
				block += 1 + next.size()
				if !next.blank() {
					kept++
				}
			}
			if !fits(block) && block <= limit {
				flush()
			}
		}
		if !fits(l.size()) {
			flush()
			if l.blank() {
				continue
			}
			if l.pre && !l.head {
				hs := heads[l.table]
				n := l.size()
				for _, h := range hs {
					n += h.size() + 1
				}
				if len(hs) > 0 && n <= limit {
					for _, h := range hs {
						push(h)
					}
				}
			}
		}
		push(l)
	}
	flush()
	return parts
}

// splitLong cuts every line longer than limit into lines within it (plain text: the cut line
// loses its bold or italics, never a character).
func splitLong(ls []line, limit int) []line {
	var out []line
	for _, l := range ls {
		if l.size() <= limit {
			out = append(out, l)
			continue
		}
		for _, chunk := range text.Split(l.plain, limit, utf16Len) {
			out = append(out, line{html: escape(chunk), plain: chunk, pre: l.pre, table: l.table})
		}
	}
	return out
}

// renderPart joins a part's lines, wrapping each run of table lines in <pre>.
func renderPart(ls []line) string {
	var b strings.Builder
	inPre := false
	for i, l := range ls {
		switch {
		case l.pre && !inPre:
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString("<pre>")
			inPre = true
		case !l.pre && inPre:
			b.WriteString("</pre>\n")
			inPre = false
		case i > 0:
			b.WriteString("\n")
		}
		b.WriteString(l.html)
	}
	if inPre {
		b.WriteString("</pre>")
	}
	return b.String()
}

// Button marks, since Telegram's inline buttons have no colours.
const (
	markPrimary = "✅ "
	markDanger  = "⛔ "
)

// keyboardRows lays buttons out two to a row (a long label gets a row of its own), marking
// primary and danger ones.
func keyboardRows(bs []chat.Button) [][]chat.Button {
	var rows [][]chat.Button
	var row []chat.Button
	for _, b := range bs {
		switch b.Style {
		case chat.StylePrimary:
			b.Label = markPrimary + b.Label
		case chat.StyleDanger:
			b.Label = markDanger + b.Label
		}
		wide := utf8.RuneCountInString(b.Label) > 20
		if len(row) == 2 || (len(row) > 0 && wide) {
			rows = append(rows, row)
			row = nil
		}
		row = append(row, b)
		if wide {
			rows = append(rows, row)
			row = nil
		}
	}
	if len(row) > 0 {
		rows = append(rows, row)
	}
	return rows
}

// plainText is what Telegram shows for a part: the fallback sent without parse_mode when
// Telegram refuses our HTML.
func plainText(h string) string {
	return html.UnescapeString(tagRE.ReplaceAllString(h, ""))
}

var tagRE = regexp.MustCompile(`<[^<>]*>`)
