package slack

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/text"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/langcheck"
)

// wantRows is how a table block shows t: the header row, then the rows, each cell trimmed and
// as many cells as the widest row.
func wantRows(t *chat.Table, rows int) [][]string {
	n := len(t.Columns)
	for _, r := range t.Rows {
		n = max(n, len(r))
	}
	pad := func(cells []string) []string {
		out := make([]string, n)
		for i := range out {
			if i < len(cells) {
				out[i] = strings.TrimSpace(cells[i])
			}
		}
		return out
	}
	out := [][]string{pad(t.Columns)}
	for _, r := range t.Rows[:rows] {
		out = append(out, pad(r))
	}
	return out
}

// TestExpiringIsATableBlock: /expiring on the sandbox, far wider than a phone, arrives as a
// real table (a table block in the message's one attachment) holding every row of the answer,
// through the response_url of a slash command and through chat.postMessage for a mention; the
// monospace rendering is gone and the notification text is the title.
func TestExpiringIsATableBlock(t *testing.T) {
	e := newEnv(t, envOptions{})
	before := len(e.fake.Posts())
	id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/expiring", "", "CGENERAL", viewer, "expiring"), true)
	checkAck(t, e.fake.WaitAck(id))
	id, _ = e.fake.Envelope("events_api", slacktest.EventPayload("EvTable", slacktest.MentionEvent("CGENERAL", viewer, "<@UBOT> /expiring", "1700000031.000100", "")), false)
	checkAck(t, e.fake.WaitAck(id))
	posts := e.fake.WaitPosts(before + 2)[before:]

	want, _ := e.router.Handle(context.Background(), chat.Request{Platform: platform, UserID: viewer, Channel: "CGENERAL", Text: "/expiring"})
	if want.Table == nil || len(want.Table.Rows) == 0 {
		t.Fatalf("/expiring on the sandbox has no table: %+v", want)
	}
	if w := text.TableWidth(want.Table); w <= text.MaxColumns {
		t.Fatalf("/expiring is %d columns wide; the test wants a table wider than a phone", w)
	}
	methods := map[string]bool{}
	for _, p := range posts {
		methods[p.Method] = true
		if len(p.Attachments) != 1 {
			t.Fatalf("%s: %d attachments, want the table's one", p.Method, len(p.Attachments))
		}
		if got, w := slacktest.TableRows(p.Attachments), wantRows(want.Table, len(want.Table.Rows)); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: the table block shows\n%q\nwant\n%q", p.Method, got, w)
		}
		if b := slacktest.BlockText(p.Blocks); strings.Contains(b, "```") || !strings.Contains(b, want.Title) {
			t.Errorf("%s: the blocks hold a monospace table or lack the title:\n%s", p.Method, b)
		}
		if p.Text != escape(want.Title) {
			t.Errorf("%s: notification text %q, want the title %q", p.Method, p.Text, want.Title)
		}
		fb, _ := p.Attachments[0]["fallback"].(string)
		if !strings.Contains(fb, want.Table.Columns[0]) || !strings.Contains(fb, fmt.Sprintf("%d 行", len(want.Table.Rows))) {
			t.Errorf("%s: the table's fallback %q does not name its columns and rows", p.Method, fb)
		}
	}
	if !methods["response_url"] || !methods["chat.postMessage"] {
		t.Errorf("answered through %v, want response_url and chat.postMessage", methods)
	}
}

// TestLongTableSaysWhereTheRestIs: a table longer than a table block shows its first 99 rows
// (100 with the header, Slack's limit) in the block, and a line in the reply's language says
// so and how many more follow, as compact entries; no row is lost. Sent as a notice
// (chat.postMessage) in Chinese and in English.
func TestLongTableSaysWhereTheRestIs(t *testing.T) {
	table := func(cols []string, n int) *chat.Table {
		tb := &chat.Table{Columns: cols}
		for i := range n {
			tb.Rows = append(tb.Rows, []string{fmt.Sprint(i + 1), fmt.Sprintf("ecs-batch-node-%03d", i+1), "2026-12-01 06:00"})
		}
		return tb
	}
	tests := []struct {
		name string
		r    chat.Reply
		line string
	}{
		{"zh", chat.Reply{Title: "到期提醒 · 120 项资源", Table: table([]string{"#", "资源", "到期"}, 120)},
			"下方表格列出前 99 行（共 120 行），其余 21 行如下："},
		{"en", chat.Reply{Title: "Expiring: 101 resources", Table: table([]string{"#", "Resource", "Expires"}, 101)},
			"The table below shows the first 99 of 101 rows; the other 2 follow:"},
		{"en, one more", chat.Reply{Title: "Expiring: 100 resources", Table: table([]string{"#", "Resource", "Expires"}, 100)},
			"The table below shows the first 99 of 100 rows; the last one follows:"},
		// The reply says its language (chat.Reply.Lang): its words, not its data, decide — a
		// Chinese name in an English reply's title, an English one in a Chinese reply's.
		{"en, said", chat.Reply{Lang: "en", Title: "张三", Table: table([]string{"#", "", ""}, 101)},
			"The table below shows the first 99 of 101 rows; the other 2 follow:"},
		{"zh, said", chat.Reply{Lang: "zh", Title: "ACME Ltd", Table: table([]string{"#", "", ""}, 120)},
			"下方表格列出前 99 行（共 120 行），其余 21 行如下："},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := slacktest.New(t)
			a := newSender(t, f)
			if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, tt.r); err != nil {
				t.Fatal(err)
			}
			posts := f.Posts()
			if len(posts) != 1 {
				t.Fatalf("%d messages, want 1:%s", len(posts), f.DescribePosts())
			}
			p := posts[0]
			if got, w := slacktest.TableRows(p.Attachments), wantRows(tt.r.Table, 99); !reflect.DeepEqual(got, w) {
				t.Errorf("the table block shows %d rows (%q ... ), want the header and the first 99", len(got), got[:2])
			}
			shown := slacktest.BlockText(p.Blocks)
			if !strings.Contains(shown, tt.line+"\n") {
				t.Errorf("no line %q in:\n%s", tt.line, shown)
			}
			for _, row := range tt.r.Table.Rows[99:] {
				if !strings.Contains(shown, "• "+row[0]+" · "+row[1]+"\n") {
					t.Errorf("row %s is neither in the table nor among the entries:\n%s", row[0], shown)
				}
			}
			if strings.Contains(shown, "ecs-batch-node-099\n") {
				t.Error("a row in the table is repeated among the entries")
			}
			// What the adapter adds (the line, the table's fallback) is in the reply's language.
			lang := strings.Fields(tt.name)[0]
			data := []string{tt.r.Title}
			for _, row := range tt.r.Table.Rows {
				data = append(data, row...)
			}
			fb, _ := p.Attachments[0]["fallback"].(string)
			for _, msg := range []string{p.Shown(), p.Text, fb} {
				for _, problem := range langcheck.New(data...).Problems(lang, msg) {
					t.Errorf("%s: %s\n%.300s", lang, problem, msg)
				}
			}
		})
	}
}

// TestEphemeralTable: a reply only the asker may see (here an ephemeral answer to a mention in
// a channel) carries its table too, through chat.postEphemeral.
func TestEphemeralTable(t *testing.T) {
	rep := chat.Reply{Title: "Your pending requests", Ephemeral: true, Table: &chat.Table{Columns: []string{"#", "Action", "Amount"},
		Rows: [][]string{{"12", "renew", "CNY 1,296.30"}, {"13", "top-up", "CNY 50.00"}}}}
	e := newEnv(t, envOptions{handler: func(context.Context, chat.Request) (chat.Reply, bool) { return rep, true }})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvEphemeral", slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> pending", "1700000032.000100", "")), false)
	checkAck(t, e.fake.WaitAck(id))
	p := e.fake.WaitPosts(1)[0]
	if p.Method != "chat.postEphemeral" || p.User != alice {
		t.Fatalf("answered with %s to %q, want chat.postEphemeral to %s", p.Method, p.User, alice)
	}
	if got, w := slacktest.TableRows(p.Attachments), wantRows(rep.Table, 2); !reflect.DeepEqual(got, w) {
		t.Errorf("the table block shows %q, want %q", got, w)
	}
	settings := p.Attachments[0]["blocks"].([]any)[0].(map[string]any)["column_settings"].([]any)
	if a := settings[2].(map[string]any)["align"]; a != "right" {
		t.Errorf("the amounts are aligned %v, want right", a)
	}
}

// TestEditReplacesTheTable: chat.update keeps a message's attachments unless it is given new
// ones, so an edit always says what the table now is: the new table, or none (an empty list);
// an old table never stays under a new answer.
func TestEditReplacesTheTable(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	ctx := context.Background()
	first := chat.Reply{Title: "欠费客户（2）", Table: &chat.Table{Columns: []string{"客户", "欠款"},
		Rows: [][]string{{"张三", "CNY 4,026.06"}, {"ACME Ltd", "CNY 120.00"}}}}
	if err := a.Send(ctx, bot.Target{Channel: "COPS"}, first); err != nil {
		t.Fatal(err)
	}
	ref := bot.MessageRef{Channel: "COPS", ID: f.Posts()[0].TS}
	second := chat.Reply{Title: "欠费客户（1）", Table: &chat.Table{Columns: []string{"客户", "欠款"}, Rows: [][]string{{"张三", "CNY 26.06"}}}}
	if err := a.Edit(ctx, ref, second); err != nil {
		t.Fatal(err)
	}
	if err := a.Edit(ctx, ref, chat.Reply{Title: "没有欠费客户"}); err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	if len(posts) != 3 || posts[1].Method != "chat.update" || posts[2].Method != "chat.update" {
		t.Fatalf("want a post and two updates:%s", f.DescribePosts())
	}
	if got, w := slacktest.TableRows(posts[1].Attachments), wantRows(second.Table, 1); !reflect.DeepEqual(got, w) {
		t.Errorf("after the first edit the message shows %q, want %q", got, w)
	}
	if got := slacktest.TableRows(posts[2].Attachments); len(got) != 0 {
		t.Errorf("after an edit without a table the message still shows the old one: %q", got)
	}
}

// TestTableBlockOnlyWhereItFits: a table a table block cannot hold (more than 20 columns, a
// cell longer than 2000 characters) keeps the monospace rendering, every cell visible.
func TestTableBlockOnlyWhereItFits(t *testing.T) {
	wide := &chat.Table{}
	var row []string
	for i := range 21 {
		wide.Columns = append(wide.Columns, fmt.Sprintf("c%d", i))
		row = append(row, fmt.Sprintf("v%d", i))
	}
	wide.Rows = [][]string{row}
	long := &chat.Table{Columns: []string{"#", "备注"}, Rows: [][]string{{"1", strings.Repeat("很长的备注", 401)}}}
	for name, tb := range map[string]*chat.Table{"21 columns": wide, "a 2005-character cell": long} {
		t.Run(name, func(t *testing.T) {
			msgs := Render(chat.Reply{Title: "T", Table: tb})
			for i, m := range msgs {
				if len(m.Attachments) > 0 {
					t.Errorf("message %d has a table block", i)
				}
				if problems := validateMessage(t, m); len(problems) > 0 {
					t.Errorf("message %d breaks Slack's limits: %v", i, problems)
				}
			}
			got := strings.ReplaceAll(visible(t, msgs), "\n", "")
			if !strings.Contains(got, "```") || !strings.Contains(strings.ReplaceAll(got, "```", ""), tb.Rows[0][len(tb.Rows[0])-1]) {
				t.Errorf("not the monospace table with every cell:\n%.500s", got)
			}
		})
	}
}

// TestTableGoesWithItsPlace: in a reply split over several messages the table goes with the
// message its place falls in (here the second, after 70 sections), once: one table per message.
func TestTableGoesWithItsPlace(t *testing.T) {
	r := chat.Reply{Title: "many", Table: &chat.Table{Columns: []string{"客户", "欠款"}, Rows: [][]string{{"张三", "CNY 4,026.06"}}}}
	for i := range 70 {
		r.Sections = append(r.Sections, chat.Section{Title: fmt.Sprintf("section-%02d", i), Lines: []string{"line"}})
	}
	msgs := Render(r)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	if len(msgs[0].Attachments) != 0 || len(msgs[1].Attachments) != 1 {
		t.Errorf("attachments per message: %d, %d; want the table with the second only", len(msgs[0].Attachments), len(msgs[1].Attachments))
	}
	for i, m := range msgs {
		if problems := validateMessage(t, m); len(problems) > 0 {
			t.Errorf("message %d breaks Slack's limits: %v", i, problems)
		}
	}
}
