// Package text holds what every chat renderer needs besides its markup: the display width of
// CJK text, tables aligned as monospace text, and splitting a long message at line boundaries
// so that nothing is ever cut.
package text

import (
	"strings"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/chat"
)

// Width is the number of monospace columns s takes: East Asian wide and full-width characters
// (and most emoji) take two, combining marks and zero-width characters none.
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

// Table renders t as aligned monospace lines: a header, a rule, then the rows, each line ending
// in "\n". A row longer than the header still shows every cell: no data is dropped.
func Table(t *chat.Table) string {
	if t == nil {
		return ""
	}
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
	var b strings.Builder
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
	return b.String()
}

// Split cuts s into parts of at most max units as measured by size (nil = runes), at line
// boundaries. A single line longer than max is split at rune boundaries (after a space where
// there is one near the end), so every character of s is in exactly one part, in order:
// strings.Join(parts, "") == s once the separating newlines are counted. Parts keep their
// trailing newline.
func Split(s string, max int, size func(string) int) []string {
	if size == nil {
		size = utf8.RuneCountInString
	}
	if max <= 0 || size(s) <= max {
		return []string{s}
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, cur.String())
			cur.Reset()
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		if line == "" {
			continue
		}
		if size(cur.String()+line) <= max {
			cur.WriteString(line)
			continue
		}
		flush()
		for size(line) > max {
			head := cutAt(line, max, size)
			parts = append(parts, head)
			line = line[len(head):]
		}
		cur.WriteString(line)
	}
	flush()
	return parts
}

// cutAt returns the longest prefix of line within max units, ending after a space when one is
// in its last quarter.
func cutAt(line string, max int, size func(string) int) string {
	end := 0
	for i := range line {
		if i > 0 && size(line[:i]) > max {
			break
		}
		end = i
	}
	if size(line) <= max {
		end = len(line)
	}
	if end == 0 { // one rune wider than max: it still has to go somewhere
		_, n := utf8.DecodeRuneInString(line)
		return line[:n]
	}
	head := line[:end]
	if sp := strings.LastIndexByte(head, ' '); sp > 0 && size(head[:sp+1]) >= max*3/4 {
		return head[:sp+1]
	}
	return head
}

// MaxColumns is the widest line a plain-text rendering has (console, Telegram, WeCom): a phone
// shows about 40 columns of Chinese, so 60 keeps one line to at most two on the smallest screen
// and a console pane readable.
const MaxColumns = 60

// TableWidth is the width of the widest line Table(t) writes.
func TableWidth(t *chat.Table) int {
	w := 0
	for _, l := range strings.Split(Table(t), "\n") {
		w = max(w, Width(l))
	}
	return w
}

// Lines lays t out within width columns: the aligned table (aligned is true) when every line
// of it fits, else Entries.
func Lines(t *chat.Table, width int) (lines []string, aligned bool) {
	if t == nil {
		return nil, false
	}
	if TableWidth(t) <= width {
		return strings.Split(strings.TrimSuffix(Table(t), "\n"), "\n"), true
	}
	var out []string
	for _, e := range Entries(t) {
		out = append(out, Wrap(e.Head, width, "  ")...)
		for _, d := range e.Details {
			out = append(out, Wrap("  "+d, width, "    ")...)
		}
	}
	return out, false
}

// Entry is one row of a table as a compact entry: Head is "• " and the row's Head cells joined
// by " · " (chat.Table.Head; by default the first column, and the second after a "#" column);
// Details are the other non-empty cells, "column: cell", joined by " · ".
type Entry struct {
	Head    string
	Details []string
}

// Entries turns every row of t into an Entry, no cell dropped (a row longer than the columns
// shows its extra cells unlabelled).
func Entries(t *chat.Table) []Entry {
	if t == nil {
		return nil
	}
	head := t.Head
	switch {
	case len(head) > 0:
	case len(t.Columns) > 1 && t.Columns[0] == "#": // a row number names nothing on its own
		head = []int{0, 1}
	default:
		head = []int{0}
	}
	isHead := map[int]bool{}
	for _, i := range head {
		isHead[i] = true
	}
	out := make([]Entry, 0, len(t.Rows))
	for _, row := range t.Rows {
		var hs, ds []string
		for _, i := range head {
			if i >= 0 && i < len(row) && strings.TrimSpace(row[i]) != "" {
				hs = append(hs, row[i])
			}
		}
		for i, cell := range row {
			if isHead[i] || strings.TrimSpace(cell) == "" {
				continue
			}
			if i < len(t.Columns) && strings.TrimSpace(t.Columns[i]) != "" && t.Columns[i] != "#" {
				cell = t.Columns[i] + ": " + cell
			}
			ds = append(ds, cell)
		}
		e := Entry{Head: "• " + strings.Join(hs, " · ")}
		if d := strings.Join(ds, " · "); d != "" {
			e.Details = []string{d}
		}
		out = append(out, e)
	}
	return out
}

// Wrap breaks s into lines of at most width columns: at spaces, and between characters inside
// a word too wide for a line or in CJK text (which has no spaces); lines after the first start
// with indent. Every character but the spaces at the breaks is kept, in order.
func Wrap(s string, width int, indent string) []string {
	if Width(s) <= width || width <= 0 {
		return []string{s}
	}
	if Width(indent) >= width/2 {
		indent = ""
	}
	var out []string
	var cur strings.Builder
	avail := width
	emit := func() {
		out = append(out, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		cur.WriteString(indent)
		avail = width - Width(indent)
	}
	for _, w := range strings.SplitAfter(s, " ") {
		for w != "" {
			ww := Width(strings.TrimRight(w, " "))
			if ww <= avail {
				cur.WriteString(w)
				avail -= Width(w)
				w = ""
				break
			}
			fresh := width - Width(indent)
			content := strings.TrimSpace(cur.String()) != ""
			head := breakAt(w, avail)
			if head == "" || (content && ww <= fresh && ww <= shortWord) {
				if content {
					emit() // the word goes whole to the next line
					continue
				}
				head = cutCols(w, avail) // a word wider than a line: cut it where it must be
			}
			cur.WriteString(head)
			w = w[len(head):]
			emit()
		}
	}
	if strings.TrimSpace(cur.String()) != "" {
		out = append(out, strings.TrimRight(cur.String(), " "))
	}
	return out
}

// shortWord is the widest CJK word (text between spaces) moved whole to the next line rather
// than broken between its characters: "（viewer）", a name.
const shortWord = 12

// breakAt is the longest prefix of word at most n columns wide that ends where a line may
// break inside a word: next to a CJK character (but not before closing or after opening
// punctuation), never inside a run of Latin letters or digits. "" when there is none.
func breakAt(word string, n int) string {
	best, w := 0, 0
	var prev rune
	for i, r := range word {
		if i > 0 && (runeWidth(prev) == 2 || runeWidth(r) == 2) && !strings.ContainsRune(noBreakBefore, r) &&
			!strings.ContainsRune(noBreakAfter, prev) {
			best = i
		}
		w += runeWidth(r)
		if w > n {
			return word[:best]
		}
		prev = r
	}
	return word
}

// Punctuation a line neither starts nor ends with.
const (
	noBreakBefore = "。，、；：？！）」』】》〉”’·…%,.;:?!)]"
	noBreakAfter  = "（「『【《〈“‘([$"
)

// cutCols is the longest prefix of s at most n columns wide, and at least one character.
func cutCols(s string, n int) string {
	w := 0
	for i, r := range s {
		rw := runeWidth(r)
		if w+rw > n && i > 0 {
			return s[:i]
		}
		w += rw
	}
	return s
}
