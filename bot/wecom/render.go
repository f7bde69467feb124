package wecom

import (
	"encoding/base32"
	"strings"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/chat"
)

// Size limits of one message, in UTF-8 bytes. A group robot's markdown content may be 4096
// bytes (robot doc). For application messages (message/send, appchat/send) the documented
// markdown limit is 2048 bytes, the same as text; the smaller figure is used so that no part is
// refused or truncated (45002).
const (
	AppMarkdownBytes   = 2048
	RobotMarkdownBytes = 4096
)

// WeCom's markdown ("markdown" msgtype, the dialect both app messages and robots render) is a
// small subset: # headings, **bold**, [links](url), `inline code` (one line only), > quotes,
// <font color="info|comment|warning"> and, for robots, <@userid> mentions. It has no code
// blocks, lists or tables, and clients show it in a proportional font, so a table is one quoted
// line per row with its cells separated by " │ " rather than spaces that would not line up.
//
// Whether the dialect honours backslash escapes is not documented, so the characters it would
// read as markup are replaced by look-alikes instead: a customer called "<b>*ACME*</b>" cannot
// bold, colour, link, mention or quote anything, whatever the client's parser does.
var escaper = strings.NewReplacer(
	"<", "‹", ">", "›", // tags (<font>, <@userid>) and quote lines
	"*", "∗", // bold and italic
	"`", "ˋ", // inline code
	"[", "［", "]", "］", // links
)

// esc makes s literal text in WeCom markdown.
func esc(s string) string {
	s = escaper.Replace(s)
	if t := strings.TrimLeft(s, " \t"); strings.HasPrefix(t, "#") { // a heading only at line start
		s = s[:len(s)-len(t)] + "＃" + t[1:]
	}
	return s
}

func font(color, s string) string {
	if color == "" || s == "" {
		return s
	}
	return `<font color="` + color + `">` + s + `</font>`
}

// Markdown renders a reply in WeCom's markdown. Every line is complete markup on its own (no
// span crosses a line), so the message may be split at any line boundary. What a line shows is
// at most text.MaxColumns wide: longer lines wrap, and a table whose rows would be wider shows
// one compact entry per row.
func Markdown(r chat.Reply) string {
	var lines []string
	block := func() {
		if len(lines) > 0 && lines[len(lines)-1] != "" {
			lines = append(lines, "")
		}
	}
	// add wraps the escaped text s and puts each line between before and after.
	add := func(s, before, after, indent string) {
		for _, w := range wrap(s, indent) {
			if w == "" {
				lines = append(lines, strings.TrimRight(before, " "))
				continue
			}
			lines = append(lines, before+w+after)
		}
	}
	warn := ""
	if r.Error {
		warn = "warning"
	}
	if r.Title != "" {
		for _, w := range wrap(esc(r.Title), "") {
			lines = append(lines, "### "+font(warn, w))
		}
	}
	if r.Text != "" {
		for _, l := range strings.Split(strings.TrimRight(r.Text, "\n"), "\n") {
			for _, w := range wrap(esc(l), "") {
				lines = append(lines, font(warn, w))
			}
		}
	}
	if len(r.Fields) > 0 {
		block()
		lines = append(lines, fieldLines(r.Fields)...)
	}
	for _, s := range r.Sections {
		block()
		if s.Title != "" {
			add(esc(s.Title), "**", "**", "")
		}
		lines = append(lines, fieldLines(s.Fields)...)
		for _, l := range s.Lines {
			for _, ll := range strings.Split(l, "\n") {
				add("· "+esc(ll), "> ", "", "  ")
			}
		}
	}
	if r.Table != nil && (len(r.Table.Rows) > 0 || len(r.Table.Columns) > 0) {
		block()
		if rowsFit(r.Table) {
			if len(r.Table.Columns) > 0 {
				lines = append(lines, "> **"+esc(strings.Join(r.Table.Columns, " │ "))+"**")
			}
			for _, row := range r.Table.Rows {
				lines = append(lines, "> "+esc(strings.Join(row, " │ ")))
			}
		} else {
			for _, e := range text.Entries(r.Table) {
				add(esc(e.Head), "**", "**", "  ")
				for _, d := range e.Details {
					add(esc(d), "> ", "", "")
				}
			}
		}
	}
	if r.Footer != "" {
		block()
		for _, w := range wrap(esc(r.Footer), "") {
			lines = append(lines, font("comment", w))
		}
	}
	if len(r.Buttons) > 0 {
		block()
		for _, b := range r.Buttons {
			lines = append(lines, buttonLines(b)...)
		}
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// wrap cuts an escaped line into lines of at most text.MaxColumns columns (a quote's bar and
// markup take none); a line it starts with "#" is escaped again, as it would read as a heading.
func wrap(s, indent string) []string {
	ws := text.Wrap(s, text.MaxColumns, indent)
	for i, w := range ws {
		if t := strings.TrimLeft(w, " \t"); strings.HasPrefix(t, "#") {
			ws[i] = w[:len(w)-len(t)] + "＃" + t[1:]
		}
	}
	return ws
}

// rowsFit reports whether every row of t, its cells joined by " │ ", is within text.MaxColumns.
func rowsFit(t *chat.Table) bool {
	for _, row := range append([][]string{t.Columns}, t.Rows...) {
		if text.Width(esc(strings.Join(row, " │ "))) > text.MaxColumns {
			return false
		}
	}
	return true
}

// fieldLines renders "label: value" as quote lines; a value's further lines, and a line too
// wide, follow in the quote.
func fieldLines(fs []chat.Field) []string {
	var out []string
	for _, f := range fs {
		vs := strings.Split(f.Value, "\n")
		label := esc(f.Label)
		ws := wrap(label+": "+esc(vs[0]), "  ")
		if after, ok := strings.CutPrefix(ws[0], label+":"); ok {
			ws[0] = "**" + label + "**:" + after
		}
		for _, w := range ws {
			out = append(out, "> "+w)
		}
		for _, v := range vs[1:] {
			for _, w := range wrap(esc(v), "  ") {
				out = append(out, "> "+w)
			}
		}
	}
	return out
}

// buttonLines shows a button as the command to type: "▸ Approve `/approve 12`", the label
// coloured by its style (green for primary, orange-red for danger); the command goes on a line
// of its own when both would be wider than text.MaxColumns.
func buttonLines(b chat.Button) []string {
	label := esc(b.Label)
	switch b.Style {
	case chat.StylePrimary:
		label = font("info", label)
	case chat.StyleDanger:
		label = font("warning", label)
	}
	cmd := b.Command
	code := "`" + esc(cmd) + "`"
	if strings.Contains(cmd, "`") {
		code = esc(cmd)
	}
	if text.Width("▸ "+esc(b.Label)+" "+esc(cmd)) <= text.MaxColumns {
		return []string{"▸ " + label + " " + code}
	}
	return []string{"▸ " + label, "  " + code}
}

// Split cuts rendered markdown into messages of at most limit bytes at line boundaries
// (text.Split never cuts a line that fits), dropping blank lines at the seams.
func Split(md string, limit int) []string {
	var out []string
	for _, p := range text.Split(md, limit, func(s string) int { return len(s) }) {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return out
}

// TemplateCard is a button_interaction template card (message/send msgtype template_card).
type TemplateCard struct {
	CardType              string       `json:"card_type"`
	MainTitle             CardTitle    `json:"main_title"`
	SubTitleText          string       `json:"sub_title_text,omitempty"`
	HorizontalContentList []CardKV     `json:"horizontal_content_list,omitempty"`
	TaskID                string       `json:"task_id"`
	ButtonList            []CardButton `json:"button_list"`
}

// CardTitle is a card's main title.
type CardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

// CardKV is one "key: value" row of a card.
type CardKV struct {
	KeyName string `json:"keyname"`
	Value   string `json:"value,omitempty"`
}

// CardButton is a card button; Key comes back as the click event's EventKey.
type CardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// Card limits: WeCom allows up to 6 buttons and 6 key/value rows; the text lengths are the
// doc's recommendations (title 26 characters, key names 5, values 26, button text 10). A card is
// sent only when it carries the whole reply (CardCarries); Card still shortens over-long text
// with "…" for its other callers.
const (
	maxCardButtons = 6
	maxCardRows    = 6
	maxKeyBytes    = 128 // the stricter of the documented key limits (task card 128, template card 1024)
)

// Button styles of a template card: 1 is the default (blue); the doc lists 1–4 without naming
// the colours, and 3 is the red one in its picture. A wrong guess only changes a colour.
const (
	cardStyleDefault = 1
	cardStyleDanger  = 3
)

// NeedsCard reports whether a reply is a decision (its buttons carry a style: approve and
// reject) that is worth a template card besides the markdown with the commands to type.
// Navigation buttons (next page, resources of a customer) stay commands to type.
func NeedsCard(r chat.Reply) bool {
	for _, b := range r.Buttons {
		if b.Style != "" {
			return true
		}
	}
	return false
}

// CardCarries reports whether Card shows all of r, nothing shortened, dropped or left out, so
// that the card alone can be the message about it (one message per event per place).
func CardCarries(r chat.Reply) bool {
	if r.Table != nil || len(r.Sections) > 0 || len(r.Fields) > maxCardRows || len(r.Buttons) > maxCardButtons ||
		strings.Contains(strings.TrimSpace(r.Title), "\n") || utf8.RuneCountInString(firstLine(r.Title)) > 26 ||
		strings.Contains(strings.TrimSpace(r.Text), "\n") || utf8.RuneCountInString(strings.TrimSpace(r.Text)) > 120 ||
		strings.Contains(r.Footer, "\n") || utf8.RuneCountInString(r.Footer) > 30 {
		return false
	}
	for _, f := range r.Fields {
		if utf8.RuneCountInString(f.Label) > 5 || strings.Contains(f.Value, "\n") || utf8.RuneCountInString(f.Value) > 26 {
			return false
		}
	}
	for _, b := range r.Buttons {
		if utf8.RuneCountInString(b.Label) > 10 || len(ButtonKey(b)) > maxKeyBytes {
			return false
		}
	}
	return true
}

// Card renders a decision reply as a button_interaction template card with the given task id.
// Card text is plain text in JSON: nothing to escape. A card without buttons is not worth
// sending (a command too long for a key stays in the markdown only).
func Card(r chat.Reply, taskID string) TemplateCard {
	c := TemplateCard{CardType: "button_interaction", TaskID: taskID,
		MainTitle: CardTitle{Title: shorten(firstLine(r.Title), 26)}}
	if r.Text != "" {
		c.SubTitleText = shorten(strings.Join(strings.Fields(r.Text), " "), 120)
	}
	if r.Footer != "" {
		c.MainTitle.Desc = shorten(r.Footer, 30)
	}
	for _, f := range r.Fields {
		if len(c.HorizontalContentList) == maxCardRows {
			break
		}
		v := firstLine(f.Value)
		if strings.Contains(f.Value, "\n") {
			v += " …"
		}
		c.HorizontalContentList = append(c.HorizontalContentList, CardKV{KeyName: shorten(f.Label, 5), Value: shorten(v, 26)})
	}
	for _, b := range r.Buttons {
		if len(c.ButtonList) == maxCardButtons {
			break
		}
		style := cardStyleDefault
		if b.Style == chat.StyleDanger {
			style = cardStyleDanger
		}
		key := ButtonKey(b)
		if len(key) > maxKeyBytes {
			continue // the command stays in the markdown, to type
		}
		c.ButtonList = append(c.ButtonList, CardButton{Text: shorten(b.Label, 10), Style: style, Key: key})
	}
	if c.MainTitle.Title == "" {
		c.MainTitle.Title = shorten(firstLine(r.Text), 26)
	}
	return c
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(l)
}

// shorten keeps at most n characters, ending in "…" when it cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// A button key carries the button's command and whether its click decides: a prefix, then the
// command itself, base32 encoded. WeCom's keys are safest in [A-Za-z0-9_-@.], and a key that is
// the command needs no table that a restart would lose. The callback that brings it back is
// signed and encrypted, and the command runs as the person who clicked, exactly as if typed.
//
// keyDecides is the prefix of a button that decides (chat.Button.Decides): its click also
// updates the card. It is the prefix every key had before keys said so, when every click
// updated its card, so cards sent before then behave as they did. keyAnswers is any other
// button's: its click is answered with a new message, the card left as it is.
const (
	keyDecides = "cmd_"
	keyAnswers = "run_"
)

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ButtonKey encodes a button's command and Decides as a card button key.
func ButtonKey(b chat.Button) string {
	prefix := keyAnswers
	if b.Decides {
		prefix = keyDecides
	}
	return prefix + keyEncoding.EncodeToString([]byte(b.Command))
}

// ButtonOfKey decodes a button key made by ButtonKey: the button's Command and Decides.
func ButtonOfKey(key string) (chat.Button, bool) {
	decides := true
	enc, ok := strings.CutPrefix(key, keyDecides)
	if !ok {
		decides = false
		if enc, ok = strings.CutPrefix(key, keyAnswers); !ok {
			return chat.Button{}, false
		}
	}
	b, err := keyEncoding.DecodeString(enc)
	if err != nil || !utf8.Valid(b) {
		return chat.Button{}, false
	}
	return chat.Button{Command: string(b), Decides: decides}, true
}
