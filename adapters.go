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
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/commands"
)

// adapters builds the chat adapters the configuration enables; as is the -as flag of the
// console. None of them connects before bot.Serve runs it.
func (a *app) adapters(stdin io.Reader, stdout io.Writer, as string) ([]bot.Adapter, error) {
	var out []bot.Adapter
	var con *console.Console
	terminal := isTerminal(stdin)
	if a.cfg.Console.On(terminal) {
		var err error
		if con, err = a.consoleAdapter(stdin, stdout, as); err != nil {
			return nil, err
		}
		out = append(out, con)
	}
	if a.cfg.WeCom.Enabled {
		w, err := a.wecomAdapter()
		if err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	if a.cfg.Telegram.Enabled {
		tg, err := a.telegramAdapter()
		if err != nil {
			return nil, err
		}
		out = append(out, tg)
	}
	if a.cfg.Slack.Enabled {
		sl, err := a.slackAdapter()
		if err != nil {
			return nil, err
		}
		out = append(out, sl)
	}
	if con != nil && !terminal && len(out) > 1 {
		// Commands piped in beside a service: the end of that input ends the console, not the
		// bot; /quit still stops it.
		con.StayAfterEOF = true
	}
	if len(out) == 0 {
		return nil, errors.New("no chat adapter is enabled (console, slack, telegram or wecom: set its enabled: true; the console runs by itself only on a terminal)")
	}
	return out, nil
}

// slackAdapter is the Slack adapter of the slack section, its tokens resolved from the
// environment by config.
func (a *app) slackAdapter() (*slack.Adapter, error) {
	s := a.cfg.Slack
	return slack.New(slack.Options{Mode: s.Mode, APIURL: s.APIURL, BotToken: s.BotToken, AppToken: s.AppToken,
		SigningSecret: s.SigningSecret, Listen: s.Listen, Command: s.Command, Workers: s.Workers, Timeout: s.Timeout,
		Gate: a.userGate(), Logger: a.log.With("component", "slack")})
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
		Path: w.Callback.Path, Robots: robots, Secrets: secrets, Gate: a.userGate(), Logger: a.log.With("component", "wecom")})
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
	if isTerminal(stdin) {
		con.Prompt = "> "
	}
	return con, nil
}

// isTerminal reports whether r is a terminal (a person typing), not a pipe, file or /dev/null.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// telegramAdapter is the Telegram bot of the telegram section, its token and webhook secret
// read from the environment. It connects only when run.
func (a *app) telegramAdapter() (*telegram.Adapter, error) {
	c := a.cfg.Telegram
	lang, _ := commands.ParseLang(a.cfg.Bot.Language)
	return telegram.New(telegram.Options{
		Token: os.Getenv(telegram.EnvToken), APIEndpoint: c.APIEndpoint, Mode: c.Mode, PollTimeout: c.PollTimeout,
		WebhookURL: c.Webhook.URL, WebhookListen: c.Webhook.Listen, WebhookPath: c.Webhook.Path,
		WebhookSecret: os.Getenv(telegram.EnvWebhookSecret),
		Commands:      a.router.Commands, Language: lang, Buttons: a.store, ButtonTTL: c.ButtonTTL,
		Workers: c.Workers, RequestTimeout: c.RequestTimeout, Gate: a.userGate(), Logger: a.log.With("component", "telegram"),
	})
}
