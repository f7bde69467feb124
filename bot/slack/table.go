package slack

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/chat"
)

// tableAttachment renders r's table as a table block in an attachment (see maxTableRows for
// Slack's rules), with the header row in bold, numbers aligned right and every column wrapped
// (a cell is never cut short on a narrow screen). rest is what goes in the table's place among
// the blocks: nothing when the whole table fits; else a line in the reply's language saying how
// many rows the table shows, followed by the other rows as compact entries. ok is false when
// the table cannot be a table block at all (too many columns, a cell too long).
func tableAttachment(r chat.Reply) (att *slackapi.Attachment, rest []slackapi.Block, ok bool) {
	t := r.Table
	n := len(t.Columns)
	for _, row := range t.Rows {
		n = max(n, len(row))
	}
	if n == 0 || n > maxTableColumns {
		return nil, nil, false
	}
	for _, c := range t.Columns {
		if utf8.RuneCountInString(c) > maxCellText {
			return nil, nil, false
		}
	}
	for _, row := range t.Rows {
		for _, c := range row {
			if utf8.RuneCountInString(c) > maxCellText {
				return nil, nil, false
			}
		}
	}
	header := false
	for _, c := range t.Columns {
		header = header || strings.TrimSpace(c) != ""
	}
	room := maxTableRows
	if header {
		room--
	}
	shown := t.Rows[:min(len(t.Rows), room)]

	tb := slackapi.NewTableBlock("")
	if header {
		tb.AddRow(tableRow(t.Columns, n, true)...)
	}
	for _, row := range shown {
		tb.AddRow(tableRow(row, n, false)...)
	}
	settings := make([]slackapi.ColumnSetting, n)
	for i := range settings {
		settings[i] = slackapi.ColumnSetting{Align: slackapi.ColumnAlignmentLeft, IsWrapped: true}
		if numericColumn(t.Rows, i) {
			settings[i].Align = slackapi.ColumnAlignmentRight
		}
	}
	tb.WithColumnSettings(settings...)
	att = &slackapi.Attachment{Fallback: escape(tableSummary(r)), Blocks: slackapi.Blocks{BlockSet: []slackapi.Block{tb}}}

	if more := t.Rows[len(shown):]; len(more) > 0 {
		rest = contextBlocks(overflowLine(replyLang(r), len(shown), len(t.Rows)))
		var lines []string
		for _, e := range text.Entries(&chat.Table{Columns: t.Columns, Rows: more, Head: t.Head}) {
			lines = append(lines, e.Head)
			for _, d := range e.Details {
				lines = append(lines, "  "+d)
			}
		}
		rest = append(rest, textSections(strings.Join(lines, "\n"), false)...)
	}
	return att, rest, true
}

// tableRow is cells as n rich_text cells (missing ones empty), in bold for the header. Rich
// text is shown as it is: no mention, link or markup in a cell takes effect.
func tableRow(cells []string, n int, bold bool) []slackapi.TableCell {
	var style *slackapi.RichTextSectionTextStyle
	if bold {
		style = &slackapi.RichTextSectionTextStyle{Bold: true}
	}
	out := make([]slackapi.TableCell, n)
	for i := range out {
		c := ""
		if i < len(cells) {
			c = strings.TrimSpace(cells[i])
		}
		if c == "" {
			c = " "
		}
		out[i] = slackapi.NewTableRichTextCell(slackapi.NewRichTextSection(slackapi.NewRichTextSectionTextElement(c, style)))
	}
	return out
}

// number is an amount or a count as the replies write them: "CNY 1,296.30", "-4,026.06", "12",
// "35%".
var number = regexp.MustCompile(`^(?:[A-Z]{3} )?[-+]?\d[\d,]*(?:\.\d+)?%?$`)

// numericColumn reports whether every non-empty cell of column i is a number.
func numericColumn(rows [][]string, i int) bool {
	seen := false
	for _, row := range rows {
		if i >= len(row) || strings.TrimSpace(row[i]) == "" {
			continue
		}
		if !number.MatchString(strings.TrimSpace(row[i])) {
			return false
		}
		seen = true
	}
	return seen
}

// The few words the adapter adds to a reply with a table, in the reply's language (replyLang).
var tableWords = map[string]struct{ summary, overflow, overflowOne string }{
	"zh": {summary: "表格：%s（%d 行）", overflow: "下方表格列出前 %d 行（共 %d 行），其余 %d 行如下：",
		overflowOne: "下方表格列出前 %d 行（共 %d 行），最后 1 行如下："},
	"en": {summary: "Table: %s (%d row%s)", overflow: "The table below shows the first %d of %d rows; the other %d follow:",
		overflowOne: "The table below shows the first %d of %d rows; the last one follows:"},
}

// tableSummary names a table's columns and counts its rows: the attachment's fallback (what a
// notification or a client without tables shows) and the line heading a table alone.
func tableSummary(r chat.Reply) string {
	var cols []string
	for _, c := range r.Table.Columns {
		if c = strings.TrimSpace(c); c != "" {
			cols = append(cols, c)
		}
	}
	n := len(r.Table.Rows)
	var s string
	switch lang := replyLang(r); {
	case lang == "en" && n == 1:
		s = fmt.Sprintf(tableWords[lang].summary, strings.Join(cols, " · "), n, "")
	case lang == "en":
		s = fmt.Sprintf(tableWords[lang].summary, strings.Join(cols, " · "), n, "s")
	default:
		s = fmt.Sprintf(tableWords[lang].summary, strings.Join(cols, " · "), n)
	}
	if utf8.RuneCountInString(s) > maxFallbackRunes {
		s = string([]rune(s)[:maxFallbackRunes-1]) + "…"
	}
	return s
}

// overflowLine says that the table shows the first shown of total rows and the rest follow.
func overflowLine(lang string, shown, total int) string {
	if total-shown == 1 {
		return fmt.Sprintf(tableWords[lang].overflowOne, shown, total)
	}
	return fmt.Sprintf(tableWords[lang].overflow, shown, total, total-shown)
}

// replyLang tells the language a reply is in: the one it says it was rendered in (Lang), else
// a guess for a reply that does not say: the catalogue's words in it are Chinese or English,
// the data may be either. The table's column names come from the catalogue, so they decide
// first; then the title, the text and the footer. Chinese when nothing says (the bot's default
// language).
func replyLang(r chat.Reply) string {
	if r.Lang == "zh" || r.Lang == "en" {
		return r.Lang
	}
	var parts []string
	if r.Table != nil {
		parts = append(parts, strings.Join(r.Table.Columns, " "))
	}
	parts = append(parts, r.Title, r.Text, r.Footer)
	for _, p := range parts {
		han, latin := false, false
		for _, c := range p {
			han = han || unicode.Is(unicode.Han, c)
			latin = latin || (c < utf8.RuneSelf && unicode.IsLetter(c))
		}
		switch {
		case han:
			return "zh"
		case latin:
			return "en"
		}
	}
	return "zh"
}
