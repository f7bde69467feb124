package slack

import (
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden.json from the renderer's output")

// TestRenderGolden renders every shared sample and compares it with its golden file: a diff in
// review shows exactly what a Slack user will see. Every message is also checked against
// Slack's documented Block Kit limits by the fake's validator.
func TestRenderGolden(t *testing.T) {
	for _, s := range samples.All() {
		t.Run(s.Name, func(t *testing.T) {
			msgs := Render(s.Reply)
			samples.Golden(t, s.Name, msgs, *update)
			for i, m := range msgs {
				if problems := validateMessage(t, m); len(problems) > 0 {
					t.Errorf("message %d breaks Slack's limits: %v", i, problems)
				}
			}
		})
	}
}

// validateMessage marshals m and checks it with the fake Slack's validator.
func validateMessage(t *testing.T, m Message) []string {
	t.Helper()
	blocks, atts := wire(t, m)
	return append(slacktest.ValidateBlocks(blocks), slacktest.ValidateAttachments(atts)...)
}

// wire is m's blocks and attachments as Slack receives them.
func wire(t *testing.T, m Message) (blocks, atts []map[string]any) {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Blocks      []map[string]any `json:"blocks"`
		Attachments []map[string]any `json:"attachments"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v.Blocks, v.Attachments
}

// visible is what a Slack user reads in msgs: every text of every block, unescaped, in order,
// each message's table (shown below its blocks) after its blocks, one row a line.
func visible(t *testing.T, msgs []Message) string {
	t.Helper()
	var b strings.Builder
	for _, m := range msgs {
		blocks, atts := wire(t, m)
		b.WriteString(slacktest.BlockText(blocks))
		for _, row := range slacktest.TableRows(atts) {
			b.WriteString(strings.Join(row, " | ") + "\n")
		}
	}
	return b.String()
}

func TestRenderKeepsEverything(t *testing.T) {
	long := strings.Repeat("资源 web-01 将于 2026-12-01 到期，请及时续费。", 200) // one 6,000-character line
	var fields []chat.Field
	for i := range 23 {
		fields = append(fields, chat.Field{Label: fmt.Sprintf("字段 %d", i), Value: fmt.Sprintf("值 %d", i)})
	}
	var sections []chat.Section
	for i := range 70 {
		sections = append(sections, chat.Section{Title: fmt.Sprintf("section-%02d", i), Lines: []string{fmt.Sprintf("line-%02d", i)}})
	}
	table := &chat.Table{Columns: []string{"#", "名称"}}
	for i := range 400 {
		table.Rows = append(table.Rows, []string{fmt.Sprint(i), fmt.Sprintf("row-%03d 北京云起科技有限公司", i)})
	}
	var buttons []chat.Button
	for i := range 30 {
		buttons = append(buttons, chat.Button{Label: fmt.Sprintf("b%d", i), Command: fmt.Sprintf("/request %d", i)})
	}
	tests := []struct {
		name  string
		r     chat.Reply
		want  []string // each must be visible, in this order
		parts int      // messages expected; 0 = do not check
	}{
		{name: "long text is split between sections", r: chat.Reply{Title: "T", Text: long}, want: []string{"T", long[:60]}, parts: 1},
		{name: "more than ten fields", r: chat.Reply{Fields: fields}, want: []string{"字段 0", "值 9", "字段 10", "值 22"}, parts: 1},
		{name: "seventy sections need two messages", r: chat.Reply{Title: "many", Sections: sections, Footer: "end"},
			want: []string{"many", "section-00", "line-00", "(1/2)", "section-69", "line-69", "end", "(2/2)"}, parts: 2},
		{name: "four hundred rows", r: chat.Reply{Table: table}, // the table (99 rows and its header) shows below the rest
			want: []string{"下方表格列出前 99 行（共 400 行），其余 301 行如下：", "row-099", "row-399", "# | 名称", "row-000", "row-098"}},
		{name: "thirty buttons", r: chat.Reply{Text: "x", Buttons: buttons}, want: []string{"b0", "b24", "b29"}, parts: 1},
		{name: "over-long title becomes a section", r: chat.Reply{Title: strings.Repeat("标题", 100)}, want: []string{strings.Repeat("标题", 100)}, parts: 1},
		{name: "over-long field becomes sections", r: chat.Reply{Fields: []chat.Field{{Label: "备注", Value: long}}}, want: []string{"备注", long[:90]}, parts: 1},
		{name: "error without title or text is still marked", r: chat.Reply{Error: true, Fields: []chat.Field{{Label: "a", Value: "b"}}}, want: []string{"⚠️", "a", "b"}, parts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := Render(tt.r)
			if tt.parts > 0 && len(msgs) != tt.parts {
				t.Errorf("%d messages, want %d", len(msgs), tt.parts)
			}
			for i, m := range msgs {
				if problems := validateMessage(t, m); len(problems) > 0 {
					t.Errorf("message %d breaks Slack's limits: %v", i, problems)
				}
			}
			got := visible(t, msgs)
			at := 0
			for _, w := range tt.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("%q not visible (after byte %d) in:\n%.3000s", w, at, got)
				}
				at += i + len(w)
			}
			if strings.Contains(tt.name, "rows") {
				for _, row := range table.Rows {
					if !strings.Contains(got, row[1]) {
						t.Fatalf("row %s lost", row[0])
					}
				}
			}
			if strings.Contains(tt.name, "long text") && !strings.Contains(strings.ReplaceAll(got, "\n", ""), long) {
				t.Fatal("the long text is not all there")
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	if msgs := Render(chat.Reply{}); len(msgs) != 0 {
		t.Fatalf("an empty reply renders as %d messages", len(msgs))
	}
}
