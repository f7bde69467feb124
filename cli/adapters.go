package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bot/slack"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/lang"
)

// adapters builds the chat adapters the configuration enables; as is the -as flag of the
// console. None of them connects before bot.Serve runs it.
func (a *app) adapters(stdin io.Reader, stdout io.Writer, as string) ([]bot.Adapter, error) {
	terminal := isTerminal(stdin)
	names, err := chatAdapters(a.cfg, terminal)
	if err != nil {
		return nil, err
	}
	out := make([]bot.Adapter, 0, len(names))
	for _, name := range names {
		var ad bot.Adapter
		switch name {
		case "console":
			con, err := a.consoleAdapter(stdin, stdout, as)
			if err != nil {
				return nil, err
			}
			if terminal {
				con.Prompt = "> "
			}
			if len(names) > 1 {
				// Beside a service, the end of the console's input (Ctrl-D, a pipe or a file that
				// ends) ends the console alone; /quit still stops the bot.
				con.StayAfterEOF = true
				con.Banner = a.userGate().Lang(context.Background(), "console:"+con.UserID).ConsoleBanner(con.UserID, true)
			}
			ad = con
		case "wecom":
			if ad, err = a.wecomAdapter(); err != nil {
				return nil, err
			}
		case "telegram":
			if ad, err = a.telegramAdapter(); err != nil {
				return nil, err
			}
		case "slack":
			if ad, err = a.slackAdapter(); err != nil {
				return nil, err
			}
		}
		out = append(out, ad)
	}
	return out, nil
}

// errNoAdapter is the bot's refusal to start with no chat adapter to run.
var errNoAdapter = errors.New("no chat adapter is enabled")

// chatAdapters names the chat adapters a start with cfg runs, in the order they are built,
// given whether standard input is a terminal; or says why the bot refuses to start (exit 2).
// The start and check-config both ask it, so they agree and say the same words.
func chatAdapters(cfg *config.Config, stdinIsTerminal bool) ([]string, error) {
	var names []string
	if cfg.Console.On(stdinIsTerminal) {
		names = append(names, "console")
	}
	for _, p := range []struct {
		name string
		on   bool
	}{{"wecom", cfg.WeCom.Enabled}, {"telegram", cfg.Telegram.Enabled}, {"slack", cfg.Slack.Enabled}} {
		if p.on {
			names = append(names, p.name)
		}
	}
	if len(names) > 0 {
		return names, nil
	}
	if cfg.Console.Enabled == nil {
		return nil, fmt.Errorf("%w: console.enabled is unset and standard input is not a terminal, so the console is off "+
			"(as under systemd, Kubernetes or docker run -d); enable slack, telegram or wecom (enabled: true), "+
			"or set console.enabled: true to read commands from standard input", errNoAdapter)
	}
	return nil, fmt.Errorf("%w: enable slack, telegram or wecom (enabled: true), or the console (console.enabled: true)", errNoAdapter)
}

// slackAdapter is the Slack adapter of the slack section, its tokens resolved from the
// environment by config.
func (a *app) slackAdapter() (*slack.Adapter, error) {
	s := a.cfg.Slack
	return slack.New(slack.Options{Mode: s.Mode, APIURL: s.APIURL, BotToken: s.BotToken, AppToken: s.AppToken,
		SigningSecret: s.SigningSecret, Listen: s.Listen, Command: s.Command, Workers: s.Workers, Timeout: s.Timeout,
		Deliveries: a.store, Names: a.store, Gate: a.userGate(), Logger: a.log.With("component", "slack")})
}

// wecomAdapter is the WeCom adapter from wecom.* and the WECOM_* environment variables; it
// reports every missing secret by its variable name.
func (a *app) wecomAdapter() (*wecom.Adapter, error) {
	w := a.cfg.WeCom
	names := make([]string, 0, len(w.Robots))
	robots := map[string]wecom.Robot{}
	for name, r := range w.Robots {
		names = append(names, name)
		robots[name] = wecom.Robot{PerMinute: r.RatePerMinute}
	}
	secrets, err := wecom.SecretsFromEnv(os.LookupEnv, w.CorpID != "", w.Callback.Listen != "", names)
	if err != nil {
		return nil, err
	}
	return wecom.New(wecom.Options{CorpID: w.CorpID, AgentID: w.AgentID, APIBase: w.APIBase, Listen: w.Callback.Listen,
		Path: w.Callback.Path, Robots: robots, Secrets: secrets, Deliveries: a.store, Names: a.store, Gate: a.userGate(),
		Logger: a.log.With("component", "wecom")})
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
	return &console.Console{In: stdin, Out: stdout, UserID: user, Lang: a.userGate().Lang,
		Banner: a.userGate().Lang(context.Background(), "console:"+user).ConsoleBanner(user, false)}, nil
}

// isTerminal reports whether r is a terminal (a person typing), not a pipe, a file or
// /dev/null. It asks the terminal driver (x/term, an ioctl), as a file mode cannot: /dev/null
// is a character device too. The descriptor is read through SyscallConn, which, unlike Fd,
// leaves the file's mode alone.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	tty := false
	if err := rc.Control(func(fd uintptr) { tty = term.IsTerminal(int(fd)) }); err != nil {
		return false
	}
	return tty
}

// telegramAdapter is the Telegram bot of the telegram section, its token and webhook secret
// read from the environment. It connects only when run.
func (a *app) telegramAdapter() (*telegram.Adapter, error) {
	c := a.cfg.Telegram
	lang, _ := lang.ParseLang(a.cfg.Bot.Language)
	return telegram.New(telegram.Options{
		Token: os.Getenv(telegram.EnvToken), APIEndpoint: c.APIEndpoint, Mode: c.Mode, PollTimeout: c.PollTimeout,
		WebhookURL: c.Webhook.URL, WebhookListen: c.Webhook.Listen, WebhookPath: c.Webhook.Path,
		WebhookSecret: os.Getenv(telegram.EnvWebhookSecret),
		Commands:      func() []telegram.Command { return telegramCommands(a.router.Commands()) }, Language: lang, Buttons: a.store, ButtonTTL: c.ButtonTTL, Deliveries: a.store,
		Workers: c.Workers, RequestTimeout: c.RequestTimeout, Gate: a.userGate(), Logger: a.log.With("component", "telegram"),
	})
}

// telegramCommands are the router's commands for Telegram's command menu.
func telegramCommands(cs []*commands.Command) []telegram.Command {
	out := make([]telegram.Command, len(cs))
	for i, c := range cs {
		out[i] = telegram.Command{Name: c.Name, Aliases: c.Aliases, Summary: c.Summary}
	}
	return out
}
