package slack

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/chat"
)

// Slack's Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). A message over
// one of them is refused with invalid_blocks, so the renderer splits before reaching any.
const (
	maxBlocks        = 50   // blocks in one message
	maxSectionText   = 3000 // characters of a section's text
	maxFields        = 10   // fields in one section
	maxFieldText     = 2000 // characters of one field
	maxHeaderText    = 150  // characters of a header
	maxContextItems  = 10   // elements of a context block
	maxContextText   = 3000 // characters of one context element (a text object's limit)
	maxActions       = 25   // elements of an actions block
	maxButtonText    = 75   // characters of a button's label
	maxButtonValue   = 2000 // characters of a button's value
	maxFallbackRunes = 300  // the notification text; the blocks carry the whole reply
)

// Slack's table block (https://docs.slack.dev/reference/block-kit/blocks/table-block, slack-go
// block_table.go): "rows: Maximum 100 rows. Each row object is an array with a max of 20 table
// cells. Table cells can have a type of raw_text or rich_text"; column_settings "Maximum 20
// items" of {align: left|center|right, is_wrapped}; block_id optional, and "if a message is
// updated, use a new block_id" (so none is set: Slack makes one). A table is sent in the
// message's attachments, not its blocks, and a message holds one table at most (Slack answers
// invalid_attachments, only_one_table_allowed, otherwise); Slack shows attachments after the
// blocks. Cells are rich_text, the type reported to work everywhere (raw_text was refused for a
// while), with a space for an empty cell (an empty text is refused).
const (
	maxTableRows    = 100  // rows of a table block, the header row included
	maxTableColumns = 20   // cells of a row; items of column_settings
	maxCellText     = 2000 // Slack publishes no limit for a cell; a field's, to be safe
)

// Button action ids: a click on a button that decides (chat.Button.Decides: an Approve, Reject
// or Cancel) replaces the message it was on with the outcome; any other button answers anew.
const (
	actionPrefix   = "pb:"
	actionDecide   = actionPrefix + "decide:"
	actionCommand  = actionPrefix + "cmd:"
	errorMark      = "⚠️ "
	continuedStyle = "(%d/%d)"
)

// Message is one Slack message: the notification text (shown where blocks cannot be, and in
// notifications), the Block Kit blocks, and the attachment holding the reply's table.
type Message struct {
	Text        string                `json:"text"`
	Blocks      []slackapi.Block      `json:"blocks"`
	Attachments []slackapi.Attachment `json:"attachments,omitempty"`
}

// Render writes a reply as Block Kit messages: a header for the title, plain-text sections for
// the text, section fields (ten per section) for fields, one section per reply section, the
// table as a table block (in the message's attachment: Slack shows it below the blocks), the
// footer as a context line and the buttons as an actions block. A table longer than a table
// block shows its first rows there and the rest as compact entries, after a line saying so; one
// a table block cannot hold (over 20 columns, a cell over 2000 characters) is shown as
// monospace code blocks. A reply too big for one message is split into several, in order, each
// marked "(k/n)"; nothing is ever cut. Every string is escaped: no mention, link or formatting
// in the data can take effect. An empty reply renders as no message.
func Render(r chat.Reply) []Message { return render(r, nil) }

// render is Render with blocks put before the reply's own in the first message (a mention of
// the user a notice is for, who decided an approval).
func render(r chat.Reply, head []slackapi.Block) []Message {
	var blocks []slackapi.Block
	mark := ""
	if r.Error {
		mark = errorMark
	}
	if r.Title != "" {
		blocks = append(blocks, titleBlocks(mark+r.Title)...)
		mark = ""
	}
	if r.Text != "" {
		blocks = append(blocks, textSections(mark+r.Text, false)...)
		mark = ""
	}
	if mark != "" && (len(r.Fields) > 0 || len(r.Sections) > 0 || r.Table != nil || r.Footer != "" || len(r.Buttons) > 0) {
		blocks = append(blocks, textSections(strings.TrimSpace(mark), false)...)
	}
	blocks = append(blocks, fieldBlocks(nil, r.Fields)...)
	for _, s := range r.Sections {
		blocks = append(blocks, sectionBlocks(s)...)
	}
	var table *slackapi.Attachment
	anchor := 0 // the blocks before the table's place
	if r.Table != nil && len(r.Table.Rows) > 0 {
		if att, rest, ok := tableAttachment(r); ok {
			table, anchor = att, len(blocks)
			blocks = append(blocks, rest...)
		} else {
			blocks = append(blocks, tableBlocks(r.Table)...)
		}
	}
	if r.Footer != "" {
		blocks = append(blocks, contextBlocks(r.Footer)...)
	}
	blocks = append(blocks, buttonBlocks(r.Buttons)...)
	if len(blocks) == 0 && table == nil {
		return nil
	}
	if len(blocks) == 0 { // a table alone: a line says what it is
		blocks = contextBlocks(tableSummary(r))
	}
	blocks = append(append([]slackapi.Block(nil), head...), blocks...)
	msgs := split(blocks, fallback(r))
	if table != nil {
		// The table goes with the message its place is in (one table per message).
		i := min((len(head)+anchor)/(maxBlocks-1), len(msgs)-1)
		if len(msgs) == 1 {
			i = 0
		}
		msgs[i].Attachments = []slackapi.Attachment{*table}
	}
	return msgs
}

// split cuts blocks into messages of at most maxBlocks; when there are several, each ends with
// a context block "(k/n)".
func split(blocks []slackapi.Block, text string) []Message {
	if len(blocks) <= maxBlocks {
		return []Message{{Text: text, Blocks: blocks}}
	}
	per := maxBlocks - 1
	n := (len(blocks) + per - 1) / per
	msgs := make([]Message, 0, n)
	for i := 0; i < n; i++ {
		part := blocks[i*per : min((i+1)*per, len(blocks))]
		seq := fmt.Sprintf(continuedStyle, i+1, n)
		part = append(append([]slackapi.Block(nil), part...), contextBlocks(seq)...)
		msgs = append(msgs, Message{Text: text + " " + escape(seq), Blocks: part})
	}
	return msgs
}

// fallback is the notification text: the title, else the text's first line, else the first
// section's title; escaped, as Slack reads it as mrkdwn.
func fallback(r chat.Reply) string {
	s := r.Title
	if s == "" {
		s, _, _ = strings.Cut(strings.TrimSpace(r.Text), "\n")
	}
	if s == "" && len(r.Sections) > 0 {
		s = r.Sections[0].Title
	}
	if s == "" && len(r.Fields) > 0 {
		s = r.Fields[0].Label + ": " + r.Fields[0].Value
	}
	if s == "" && r.Table != nil && len(r.Table.Rows) > 0 {
		s = tableSummary(r)
	}
	if s == "" {
		s = "partnerbot"
	}
	if utf8.RuneCountInString(s) > maxFallbackRunes {
		s = string([]rune(s)[:maxFallbackRunes-1]) + "…"
	}
	if r.Error {
		s = errorMark + s
	}
	return escape(s)
}

// titleBlocks is a header, or a plain section when the title is longer than a header may be.
func titleBlocks(title string) []slackapi.Block {
	title = strings.TrimSpace(title)
	if utf8.RuneCountInString(title) <= maxHeaderText && !strings.Contains(title, "\n") {
		return []slackapi.Block{slackapi.NewHeaderBlock(plain(title))}
	}
	return textSections(title, false)
}

// textSections is s in sections of at most maxSectionText characters, cut at line boundaries;
// bold makes it mrkdwn bold where that can be done without Slack reading the data as markup.
func textSections(s string, bold bool) []slackapi.Block {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var blocks []slackapi.Block
	if bold && mrkdwnSafe(s) {
		for _, part := range text.Split(s, maxSectionText, boldLen) {
			if b := boldLines(part); b != "" {
				blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn(b), nil, nil))
			}
		}
		return blocks
	}
	for _, part := range text.Split(s, maxSectionText, nil) {
		part = strings.TrimRight(part, "\n")
		if strings.TrimSpace(part) == "" {
			continue
		}
		blocks = append(blocks, slackapi.NewSectionBlock(plain(part), nil, nil))
	}
	return blocks
}

// fieldBlocks lays fields out ten to a section, the first section carrying title when given.
// A field too long for a field becomes a section of its own, in its place.
func fieldBlocks(title *slackapi.TextBlockObject, fs []chat.Field) []slackapi.Block {
	var blocks []slackapi.Block
	var cur []chat.Field
	flush := func() {
		if len(cur) == 0 && title == nil {
			return
		}
		var objs []*slackapi.TextBlockObject
		if len(cur) > 0 {
			objs = fieldObjects(cur)
		}
		blocks = append(blocks, slackapi.NewSectionBlock(title, objs, nil))
		title, cur = nil, nil
	}
	for _, f := range fs {
		label, value := strings.TrimSpace(f.Label), strings.TrimSpace(f.Value)
		if label == "" && value == "" {
			continue
		}
		if fieldLen(label, value) > maxFieldText {
			flush()
			blocks = append(blocks, textSections(label, true)...)
			blocks = append(blocks, textSections(value, false)...)
			continue
		}
		cur = append(cur, chat.Field{Label: label, Value: value})
		if len(cur) == maxFields {
			flush()
		}
	}
	flush()
	return blocks
}

// fieldObjects renders one section's fields: "*label*\nvalue" in mrkdwn when every label and
// value of the section reads the same as markup and as text, else "label\nvalue" as plain
// text, so that a grid never mixes bold and plain labels.
func fieldObjects(fs []chat.Field) []*slackapi.TextBlockObject {
	safe := true
	for _, f := range fs {
		safe = safe && mrkdwnSafe(f.Label) && mrkdwnSafe(f.Value)
	}
	objs := make([]*slackapi.TextBlockObject, 0, len(fs))
	for _, f := range fs {
		switch {
		case safe && f.Label == "":
			objs = append(objs, mrkdwn(escape(f.Value)))
		case safe && f.Value == "":
			objs = append(objs, mrkdwn(boldLines(f.Label)))
		case safe:
			objs = append(objs, mrkdwn(boldLines(f.Label)+"\n"+escape(f.Value)))
		case f.Label == "":
			objs = append(objs, plain(f.Value))
		case f.Value == "":
			objs = append(objs, plain(f.Label))
		default:
			objs = append(objs, plain(f.Label+"\n"+f.Value))
		}
	}
	return objs
}

// boldLines is s escaped with each non-blank line in bold (mrkdwn bold does not span lines).
func boldLines(s string) string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			l = "*" + escape(l) + "*"
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// boldLen is the length of s once rendered by boldLines (at most).
func boldLen(s string) int { return escapedLen(s) + 2*(strings.Count(s, "\n")+1) }

// fieldLen is the longest a field can be once rendered (escaped mrkdwn with the bold marks).
func fieldLen(label, value string) int { return boldLen(label) + escapedLen(value) + 1 }

// sectionBlocks renders a reply section: its title in bold with its fields, then its lines.
func sectionBlocks(s chat.Section) []slackapi.Block {
	title := strings.TrimSpace(s.Title)
	var lines []string
	for _, l := range s.Lines {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, "• "+l)
		}
	}
	var blocks []slackapi.Block
	hasFields := false
	for _, f := range s.Fields {
		hasFields = hasFields || strings.TrimSpace(f.Label) != "" || strings.TrimSpace(f.Value) != ""
	}
	switch {
	case hasFields:
		var head *slackapi.TextBlockObject
		if title != "" {
			if tb := textSections(title, true); len(tb) == 1 {
				head = tb[0].(*slackapi.SectionBlock).Text
			} else {
				blocks = append(blocks, tb...)
			}
		}
		blocks = append(blocks, fieldBlocks(head, s.Fields)...)
		blocks = append(blocks, textSections(strings.Join(lines, "\n"), false)...)
	case title != "" && len(lines) > 0 && mrkdwnSafe(title) && mrkdwnSafe(strings.Join(lines, "\n")) &&
		boldLen(title)+escapedLen(strings.Join(lines, "\n"))+1 <= maxSectionText:
		blocks = append(blocks, slackapi.NewSectionBlock(
			mrkdwn(boldLines(title)+"\n"+escape(strings.Join(lines, "\n"))), nil, nil))
	default:
		blocks = append(blocks, textSections(title, true)...)
		blocks = append(blocks, textSections(strings.Join(lines, "\n"), false)...)
	}
	return blocks
}

// tableBlocks renders a table as monospace code blocks, aligned with CJK characters counted
// two columns wide. A table longer than one section is continued in more, each repeating the
// header; a row longer than a section on its own is cut between characters, never dropped.
func tableBlocks(t *chat.Table) []slackapi.Block {
	safe := &chat.Table{Columns: fenceSafe(t.Columns)}
	for _, row := range t.Rows {
		safe.Rows = append(safe.Rows, fenceSafe(row))
	}
	lines := strings.SplitAfter(text.Table(safe), "\n")
	head := lines[0] + lines[1]
	budget := maxSectionText - len("```\n```")
	var blocks []slackapi.Block
	flush := func(body string) {
		blocks = append(blocks, slackapi.NewSectionBlock(mrkdwn("```\n"+escape(body)+"```"), nil, nil))
	}
	cur := head
	for _, row := range lines[2:] {
		if row == "" {
			continue
		}
		if escapedLen(cur+row) <= budget {
			cur += row
			continue
		}
		if cur != head {
			flush(cur)
			cur = head
		}
		if escapedLen(cur+row) <= budget {
			cur += row
			continue
		}
		for _, part := range text.Split(row, budget-1, escapedLen) {
			if !strings.HasSuffix(part, "\n") {
				part += "\n"
			}
			flush(part)
		}
	}
	if cur != head {
		flush(cur)
	}
	return blocks
}

// fenceSafe keeps a cell from closing the code block it is shown in: a run of three backticks
// gets zero-width spaces between them (zero columns wide, so alignment holds).
func fenceSafe(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		for strings.Contains(c, "```") {
			c = strings.ReplaceAll(c, "```", "`\u200b`\u200b`")
		}
		out[i] = c
	}
	return out
}

// contextBlocks renders small print (a footer, "(2/3)") as plain-text context elements.
func contextBlocks(s string) []slackapi.Block {
	var elems []slackapi.MixedElement
	var blocks []slackapi.Block
	for _, part := range text.Split(strings.TrimSpace(s), maxContextText, nil) {
		if part = strings.TrimRight(part, "\n"); strings.TrimSpace(part) == "" {
			continue
		}
		elems = append(elems, plain(part))
		if len(elems) == maxContextItems {
			blocks = append(blocks, slackapi.NewContextBlock("", elems...))
			elems = nil
		}
	}
	if len(elems) > 0 {
		blocks = append(blocks, slackapi.NewContextBlock("", elems...))
	}
	return blocks
}

// buttonBlocks renders buttons as actions blocks of up to 25 buttons. The value is the command
// the button stands for, run as the person who clicks. A command too long for a button's value
// is shown as text to type instead.
func buttonBlocks(bs []chat.Button) []slackapi.Block {
	var blocks []slackapi.Block
	var elems []slackapi.BlockElement
	n := 0
	flush := func() {
		if len(elems) > 0 {
			blocks = append(blocks, slackapi.NewActionBlock(fmt.Sprintf("pb-actions-%d", n), elems...))
			n++
			elems = nil
		}
	}
	for i, b := range bs {
		cmd := strings.TrimSpace(b.Command)
		if cmd == "" {
			continue
		}
		label := strings.TrimSpace(b.Label)
		if label == "" {
			label = cmd
		}
		if utf8.RuneCountInString(cmd) > maxButtonValue {
			flush()
			blocks = append(blocks, contextBlocks(label+": "+cmd)...)
			continue
		}
		if utf8.RuneCountInString(label) > maxButtonText {
			label = string([]rune(label)[:maxButtonText-1]) + "…"
		}
		id := fmt.Sprintf("%s%d", actionCommand, i)
		if b.Decides {
			id = fmt.Sprintf("%s%d", actionDecide, i)
		}
		btn := slackapi.NewButtonBlockElement(id, cmd, plain(label))
		switch b.Style {
		case chat.StylePrimary:
			btn.Style = slackapi.StylePrimary
		case chat.StyleDanger:
			btn.Style = slackapi.StyleDanger
		}
		elems = append(elems, btn)
		if len(elems) == maxActions {
			flush()
		}
	}
	flush()
	return blocks
}

// plain is a plain-text object: Slack shows it as is, with no markup, mention, link or emoji
// code taking effect.
func plain(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.PlainTextType, s, false, false)
}

// mrkdwn is a mrkdwn object whose text the caller escaped; verbatim keeps Slack from turning
// URLs and channel names in it into links.
func mrkdwn(s string) *slackapi.TextBlockObject {
	return slackapi.NewTextBlockObject(slackapi.MarkdownType, s, false, true)
}

var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escape makes s literal in mrkdwn as far as Slack's escaping goes: &, < and > (so no
// <@mention>, <!channel> or <link> can be formed).
func escape(s string) string { return escaper.Replace(s) }

// escapedLen is the length Slack counts for s once escaped.
func escapedLen(s string) int { return utf8.RuneCountInString(escape(s)) }

// markup is what mrkdwn would read as formatting even once escaped: bold, italic, strike and
// code marks, an emoji code such as :b:, and a quote at the start of a line.
var markup = regexp.MustCompile("[*_~`]|:[A-Za-z0-9_+'-]+:|(?m)^\\s*>")

// mrkdwnSafe reports whether s shows the same in mrkdwn (once escaped) as in plain text.
func mrkdwnSafe(s string) bool { return !markup.MatchString(s) }
