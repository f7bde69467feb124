package chat

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Clean returns s safe to show on any platform: invalid UTF-8, C0 and C1 control characters
// and Unicode bidi controls are replaced by a visible escape (ESC becomes `\x1b`, U+202E
// becomes `\u202e`), so a customer name or a chat line cannot clear a terminal, retitle it,
// erase the line above or reverse the text around it. multiline keeps newlines and tabs; single
// line values (titles, labels, cells) get a space for them instead.
func Clean(s string, multiline bool) string {
	if isClean(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n' || r == '\t':
			if multiline {
				b.WriteRune(r)
			} else {
				b.WriteByte(' ')
			}
		case r == '\r':
			if !multiline {
				b.WriteByte(' ')
			} // a CR in a multiline text only moves the cursor: drop it
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, r)
		case r >= 0x80 && r < 0xa0, isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// isClean is the fast path: most strings need no change.
func isClean(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 {
			return cleanRunes(s[i:])
		}
		if c < 0x20 || c == 0x7f {
			if !multiline || (c != '\n' && c != '\t') {
				return false
			}
		}
	}
	return true
}

func cleanRunes(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size <= 1 || r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || isBidi(r) {
			return false
		}
		i += size
	}
	return true
}

// isBidi reports the Unicode bidirectional formatting characters: embeddings and overrides
// (U+202A–U+202E), isolates (U+2066–U+2069), the marks U+200E, U+200F and U+061C.
func isBidi(r rune) bool {
	return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 || r == 0x200e || r == 0x200f || r == 0x061c
}

// HasControl reports whether s holds anything Clean would change in a single-line value: a
// control character, a bidi control or invalid UTF-8. Commands refuse such ids as bad arguments.
func HasControl(s string) bool { return !isClean(s, false) }

// Sanitized returns a copy of r with every string cleaned (Clean): Text and section lines keep
// their newlines and tabs, everything else is one line. The adapters' shared send and reply
// paths call it once, so every platform gets it.
func (r Reply) Sanitized() Reply {
	out := r
	out.Title = Clean(r.Title, false)
	out.Text = Clean(r.Text, true)
	out.Footer = Clean(r.Footer, false)
	if out.Lang != "zh" && out.Lang != "en" {
		out.Lang = "" // a language it does not know is no language
	}
	out.Fields = cleanFields(r.Fields)
	if r.Table != nil {
		t := &Table{Columns: cleanAll(r.Table.Columns), Head: append([]int(nil), r.Table.Head...)}
		if r.Table.Rows != nil {
			t.Rows = make([][]string, len(r.Table.Rows))
			for i, row := range r.Table.Rows {
				t.Rows[i] = cleanAll(row)
			}
		}
		out.Table = t
	}
	if r.Sections != nil {
		out.Sections = make([]Section, len(r.Sections))
		for i, s := range r.Sections {
			out.Sections[i] = Section{Title: Clean(s.Title, false), Fields: cleanFields(s.Fields), Lines: make([]string, len(s.Lines))}
			for j, l := range s.Lines {
				out.Sections[i].Lines[j] = Clean(l, true)
			}
			if s.Lines == nil {
				out.Sections[i].Lines = nil
			}
		}
	}
	if r.Images != nil {
		out.Images = make([]Image, len(r.Images))
		for i, im := range r.Images {
			out.Images[i] = Image{Name: Clean(im.Name, false), Alt: Clean(im.Alt, true), PNG: im.PNG}
		}
	}
	if r.Buttons != nil {
		out.Buttons = make([]Button, len(r.Buttons))
		for i, b := range r.Buttons {
			out.Buttons[i] = Button{Label: Clean(b.Label, false), Command: Clean(b.Command, false), Style: b.Style, Decides: b.Decides}
		}
	}
	return out
}

func cleanFields(fs []Field) []Field {
	if fs == nil {
		return nil
	}
	out := make([]Field, len(fs))
	for i, f := range fs {
		out[i] = Field{Label: Clean(f.Label, false), Value: Clean(f.Value, true)}
	}
	return out
}

func cleanAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Clean(s, false)
	}
	return out
}
