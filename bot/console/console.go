// Package console is the line-based chat adapter: one command per line on standard input, the
// reply as plain text on standard output. Buttons are shown as the commands to type.
package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

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
}

// Run serves until EOF, "/quit", or ctx ends.
func (c *Console) Run(ctx context.Context, h Handler) error {
	lines := make(chan string)
	errc := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(c.In)
		sc.Buffer(make([]byte, 64*1024), 64*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		errc <- sc.Err()
		close(lines)
	}()
	if c.Banner != "" {
		fmt.Fprintln(c.Out, c.Banner)
	}
	for {
		if c.Prompt != "" {
			fmt.Fprint(c.Out, c.Prompt)
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
			fmt.Fprintln(c.Out, "(type a command starting with /, e.g. /help — 输入以 / 开头的命令，例如 /帮助)")
			continue
		}
		fmt.Fprint(c.Out, Render(rep))
		fmt.Fprintln(c.Out)
	}
}
