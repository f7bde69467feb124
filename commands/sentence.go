package commands

import (
	"context"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/understand"
)

// A sentence is a message addressed to the bot without a leading "/" ("下周哪些客户到期？"):
// the adapters hand the router only what is addressed to it (a direct message, a private
// chat, a mention in a group channel). Package understand reads it as one of the registry's
// command lines; the answer starts with that line, so people learn the commands and can
// correct it. A read-only command then runs as if typed (same roles, same audit row: the line
// understood). An action runs nothing: the answer carries a button with the line, and a click
// files the request exactly as typing it would.

// lexiconTTL is how long the lexicon of customer names is kept before it is listed again.
const lexiconTTL = 10 * time.Minute

// lexiconCache holds the lexicon the sentences are read with.
type lexiconCache struct {
	mu    sync.Mutex
	lx    *understand.Lexicon
	built time.Time
}

// isSentence reports whether text is a sentence rather than a command line: not empty and not
// starting with a slash.
func isSentence(text string) bool {
	t := strings.TrimSpace(text)
	if t == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(t)
	return r != '/' && r != '／'
}

// handleSentence answers a sentence addressed to the bot.
func (r *Router) handleSentence(ctx context.Context, req chat.Request) (chat.Reply, bool) {
	l := r.langOf(ctx, req)
	if r.roleOf(req.User()) == chat.RoleNone {
		return chat.Reply{Text: l.T("err.no_role", req.User()), Error: true, Ephemeral: true, Lang: string(l)}, true
	}
	line, note, res := r.commandOf(ctx, req.Text)
	if line == "" {
		rep := chat.Reply{Text: l.T("understand.not_understood"), Lang: string(l)}
		if len(res.Suggestions) > 0 {
			rep.Text += "\n" + l.T("understand.try", strings.Join(res.Suggestions, "  "))
			for _, s := range res.Suggestions {
				if !strings.ContainsAny(s, "<>") {
					rep.Buttons = append(rep.Buttons, chat.Button{Label: s, Command: s})
				}
			}
		}
		rep.Text += "\n" + l.T("err.see_help")
		r.log.InfoContext(ctx, "sentence not understood", "user", req.User(), "channel", req.Channel)
		return rep, true
	}
	inv, _, _ := cmdline.Parse(line, r.opts.BotName)
	head := l.T("understand.as", line)
	if cmd := r.index[inv.Name]; cmd != nil && cmd.Action {
		// Nothing runs: the person files it with the button, as typing the line would. One
		// short line, so that WeCom shows it on a card with the button.
		return chat.Reply{
			Text:    l.T("understand.action", line),
			Buttons: []chat.Button{{Label: l.T("understand.file"), Command: line, Style: chat.StylePrimary}},
			Lang:    string(l),
		}, true
	}
	sub := req
	sub.Text = line
	rep, handled := r.handle(ctx, sub)
	if !handled {
		return chat.Reply{Text: head, Lang: string(l)}, true
	}
	// The line understood comes first: the command's own title becomes its first paragraph.
	text := rep.Text
	if rep.Title != "" {
		text = strings.TrimSpace(rep.Title + "\n\n" + text)
	}
	if n := noteText(l, note); n != "" {
		text = strings.TrimSpace(text + "\n\n" + n)
	}
	rep.Title, rep.Text = head, text
	return rep, true
}

// noteText words the remark package understand adds to an answer ("" for none).
func noteText(l lang.Lang, note string) string {
	switch note {
	case "understand.note.renew_pick":
		return l.T("understand.note.renew_pick")
	}
	return ""
}

// commandOf is the command line a sentence is read as ("" when it was not understood: res has
// the suggestions), and the catalogue key of a remark to add to its answer. A sentence is read
// by package understand; one whose first word names a command and that it does not understand,
// or that holds a flag ("audit 20", "reclaim q1 q2", "expiring 60 --live": what Slack users type
// to the bot without the slash), is that command as typed.
func (r *Router) commandOf(ctx context.Context, text string) (line, note string, res understand.Result) {
	t := strings.TrimSpace(text)
	res = understand.Understand(t, r.opts.Now(), r.loc, r.lexicon(ctx))
	if inv, isCmd, err := cmdline.Parse("/"+t, r.opts.BotName); isCmd && err == nil && r.index[inv.Name] != nil &&
		(!res.OK || len(inv.Flags) > 0) {
		return "/" + t, "", res
	}
	if !res.OK || r.index[res.Name] == nil {
		return "", "", res
	}
	return res.Line, res.Note, res
}

// lexicon is the customers' names, account names and labels sentences may name: from the
// Options.Lexicon source, else BSS's list of customers, kept for ten minutes. When it cannot
// be listed the last one serves (or none: names are then guessed from the sentence).
func (r *Router) lexicon(ctx context.Context) *understand.Lexicon {
	c := &r.lex
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lx != nil && time.Since(c.built) < lexiconTTL {
		return c.lx
	}
	entries, err := r.lexiconEntries(ctx)
	if err != nil {
		r.log.WarnContext(ctx, "could not list the customers' names for reading sentences; using the last list", "error", err)
		if c.lx == nil {
			c.lx, c.built = understand.NewLexicon(nil), time.Now()
		}
		return c.lx
	}
	c.lx, c.built = understand.NewLexicon(entries), time.Now()
	return c.lx
}

// lexiconEntries lists what the lexicon holds.
func (r *Router) lexiconEntries(ctx context.Context) ([]understand.Entry, error) {
	if r.opts.Lexicon != nil {
		return r.opts.Lexicon(ctx)
	}
	if r.bss == nil {
		return nil, nil
	}
	var out []understand.Entry
	labels := map[string]bool{}
	for cu, err := range r.bss.Customers(ctx, bss.CustomerFilter{}) {
		if err != nil {
			return nil, err
		}
		out = append(out, understand.Entry{Kind: understand.KindCustomer, ID: cu.ID, Name: cu.Name, Account: cu.AccountName})
		if cu.Label != "" && !labels[cu.Label] {
			labels[cu.Label] = true
			out = append(out, understand.Entry{Kind: understand.KindLabel, Name: cu.Label})
		}
	}
	return out, nil
}
