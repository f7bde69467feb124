// Package console is the line-based chat adapter: one command per line on standard input, the
// reply as plain text on standard output. Buttons are shown as the commands to type.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/commands"
)

// Handler answers one chat message; *commands.Router implements it.
type Handler interface {
	Handle(ctx context.Context, req commands.Request) (commands.Reply, bool)
}

// Console reads commands from In and writes replies to Out, as user UserID on the "console"
// platform.
type Console struct {
	In     io.Reader
	Out    io.Writer
	UserID string // e.g. "admin"; the user is console:<UserID> for roles
	Prompt string // printed before each line when non-empty (interactive use)
	Banner string // printed once at start

	mu sync.Mutex // serialises replies and notices on Out
}

func (c *Console) printf(format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintf(c.Out, format, args...)
}

// Send prints a notice (a request to approve, an action's result, an alert) addressed to a
// console channel or user. It implements bot.Sender for the "console" platform, so notices of
// requests filed with `partnerbot exec` are shown when the console bot runs.
func (c *Console) Send(ctx context.Context, to bot.Target, r commands.Reply) error {
	dest := "#" + to.Channel
	if to.Channel == "" {
		dest = "@" + to.UserID
	} else if to.UserID != "" {
		dest += " @" + to.UserID
	}
	c.printf("\n── notice for console %s ──\n%s\n", dest, Render(r))
	return nil
}

// Run serves until EOF, "/quit", or ctx ends.
func (c *Console) Run(ctx context.Context, h Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	done := make(chan struct{}) // closed when Run returns, so the reader never blocks forever
	defer close(done)
	go func() {
		sc := bufio.NewScanner(c.In)
		sc.Buffer(make([]byte, 64*1024), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
		errc <- sc.Err()
		close(lines)
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
			return <-errc
		}
		text := strings.TrimSpace(line)
		switch text {
		case "":
			continue
		case "/quit", "/exit", "quit", "exit":
			return nil
		}
		rep, handled := h.Handle(ctx, commands.Request{Platform: "console", UserID: c.UserID, Channel: "console", Text: text})
		if !handled {
			c.printf("(type a command starting with /, e.g. /help — 输入以 / 开头的命令，例如 /帮助)\n")
			continue
		}
		c.printf("%s\n", Render(rep))
	}
}
