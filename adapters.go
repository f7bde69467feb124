package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bot/slack"
)

// adapters builds the chat adapters the configuration enables; as is the -as flag of the
// console. None of them connects before bot.Serve runs it.
func (a *app) adapters(stdin io.Reader, stdout io.Writer, as string) ([]bot.Adapter, error) {
	var out []bot.Adapter
	if a.cfg.Console.Enabled {
		con, err := a.consoleAdapter(stdin, stdout, as)
		if err != nil {
			return nil, err
		}
		out = append(out, con)
	}
	if s := a.cfg.Slack; s.Enabled {
		sl, err := slack.New(slack.Options{Mode: s.Mode, APIURL: s.APIURL, BotToken: s.BotToken, AppToken: s.AppToken,
			SigningSecret: s.SigningSecret, Listen: s.Listen, Command: s.Command, Workers: s.Workers, Timeout: s.Timeout,
			Logger: a.log.With("component", "slack")})
		if err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	if len(out) == 0 {
		return nil, errors.New("no chat adapter is enabled (console.enabled is false)")
	}
	return out, nil
}

// consoleAdapter is the console on standard input and output, as console.user or -as.
func (a *app) consoleAdapter(stdin io.Reader, stdout io.Writer, as string) (*console.Console, error) {
	user := a.cfg.Console.User
	if as != "" {
		platform, id, ok := strings.Cut(as, ":")
		switch {
		case !ok:
			user = as
		case platform == "console" && id != "":
			user = id
		default:
			return nil, fmt.Errorf("-as %q: the console chats as console:<user>; give the user name", as)
		}
	}
	con := &console.Console{In: stdin, Out: stdout, UserID: user,
		Banner: fmt.Sprintf("partnerbot console as console:%s — type /help (或 /帮助); /quit or Ctrl-D to leave", user)}
	if f, ok := stdin.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			con.Prompt = "> "
		}
	}
	return con, nil
}
