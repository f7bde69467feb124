// Package console is the line-based chat adapter: one command per line on standard input, the
// reply as plain text on standard output. Buttons are shown as the commands to type.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

var (
	_ bot.Adapter        = (*Console)(nil)
	_ bot.MessageLimiter = (*Console)(nil)
	_ bot.Foreground     = (*Console)(nil)
)

// Console reads commands from In and writes replies to Out, as user UserID on the "console"
// platform.
type Console struct {
	In     io.Reader
	Out    io.Writer
	UserID string // e.g. "admin"; the user is console:<UserID> for roles
	Prompt string // printed before each line when non-empty (interactive use)
	Banner string // printed once at start
	// StayAfterEOF keeps Run going after the end of its input, until its context ends or
	// /quit: commands piped into a bot that also serves other platforms do not stop it.
	StayAfterEOF bool
	// Lang is the language of the hints the console words itself (a line that is no command,
	// one too long, the end of input): console:UserID's /lang, else the bot's (bot.Gate.Lang).
	// Nil, or a language it does not know: Chinese, the default language.
	Lang func(ctx context.Context, user string) lang.Lang

	mu sync.Mutex // serialises replies and notices on Out
}

// Platform is "console".
func (c *Console) Platform() string { return "console" }

// Foreground: the bot ends with the console session (/quit; the end of input unless StayAfterEOF).
func (c *Console) Foreground() bool { return true }

// MaxMessageChars: a terminal has no message limit worth splitting at.
func (c *Console) MaxMessageChars() int { return 1 << 20 }

// lang is the language of the console's own hints.
func (c *Console) lang(ctx context.Context) lang.Lang {
	if c.Lang != nil {
		if l := c.Lang(ctx, "console:"+c.UserID); l == lang.Zh || l == lang.En {
			return l
		}
	}
	return lang.Zh
}

func (c *Console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.Out, format, args...)
}

// Send prints a notice (a request to approve, an action's result, an alert) addressed to a
// console channel or user. It implements bot.Sender for the "console" platform, so notices of
// requests filed with `partnerbot exec` are shown when the console bot runs.
func (c *Console) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	dest := "#" + to.Channel
	if to.Channel == "" {
		dest = "@" + to.UserID
	} else if to.UserID != "" {
		dest += " @" + to.UserID
	}
	c.printf("\n── notice for console %s ──\n%s\n", chat.Clean(dest, false), Render(r.Sanitized()))
	return nil
}

// maxLine bounds one console line; a longer one is answered with an error and skipped.
const maxLine = 64 * 1024

// tooLong stands for a line over maxLine (it cannot be a real line: it has a NUL).
const tooLong = "\x00too long"

// readLine reads one line without its newline; a line over max is drained and tooLong returned.
func readLine(rd *bufio.Reader, max int) (string, error) {
	var buf []byte
	over := false
	for {
		chunk, err := rd.ReadSlice('\n')
		if !over {
			buf = append(buf, chunk...)
			if len(buf) > max+1 {
				over, buf = true, nil
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if over {
			return tooLong, err
		}
		return strings.TrimRight(string(buf), "\r\n"), err
	}
}

// Run serves until EOF, "/quit", or ctx ends.
func (c *Console) Run(ctx context.Context, h bot.Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	done := make(chan struct{}) // closed when Run returns, so the reader never blocks forever
	defer close(done)
	go func() {
		rd := bufio.NewReaderSize(c.In, 4096)
		for {
			line, err := readLine(rd, maxLine)
			if err != nil && !(errors.Is(err, io.EOF) && line != "") {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				errc <- err
				close(lines)
				return
			}
			select {
			case lines <- line:
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
	}()
	if c.Banner != "" {
		c.printf("%s\n", c.Banner)
	}
	for {
		if c.Prompt != "" {
			c.printf("%s", c.Prompt)
		}
		var line string
		var ok bool
		select {
		case <-ctx.Done():
			return nil
		case line, ok = <-lines:
		}
		if !ok {
			err := <-errc
			if err == nil && c.StayAfterEOF {
				if c.Prompt != "" {
					c.printf("\n") // Ctrl-D left the cursor after the prompt
				}
				c.printf("%s\n", c.lang(ctx).ConsoleEOF())
				<-ctx.Done()
			}
			return err
		}
		if line == tooLong {
			c.printf("%s\n", c.lang(ctx).ConsoleTooLong(maxLine))
			continue
		}
		text := strings.TrimSpace(line)
		switch text {
		case "":
			continue
		case "/quit", "/exit", "quit", "exit":
			return nil
		}
		// The console cannot edit what it printed: each progress report is a line of its own.
		pctx := chat.WithProgress(ctx, func(_ context.Context, r chat.Reply) {
			c.printf("… %s\n", r.Sanitized().Text)
		})
		rep, handled := h(pctx, chat.Request{Platform: "console", UserID: c.UserID, Channel: "console", Text: text})
		if !handled {
			c.printf("%s\n", c.lang(ctx).ConsoleNotCommand())
			continue
		}
		c.printf("%s\n", Render(rep))
	}
}
