// Package slack is the Slack adapter. It receives commands as slash commands (the umbrella
// "/pb customer 张三" or one per command, "/customer 张三"), direct messages and mentions in
// channels, and button clicks, over Socket Mode (a WebSocket the bot opens; no public URL) or
// HTTP (the Events API, slash-command and interactivity endpoints, every request's signature
// checked). It acknowledges every delivery at once, runs the command in a bounded pool of
// workers and answers in Block Kit through the response_url or the Web API. Notices (approval
// requests, results, alerts) are posted with chat.postMessage.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/names"
	"github.com/partnerbot/partnerbot/bot/internal/resume"
	"github.com/partnerbot/partnerbot/chat"
)

const platform = "slack"

// DeliveryTTL is how long a message's key is remembered (Options.Deliveries): Slack retries an
// event up to three times, the last about 5 minutes after the first, each signed anew.
const DeliveryTTL = time.Hour

var (
	_ bot.Adapter         = (*Adapter)(nil)
	_ bot.MessageLimiter  = (*Adapter)(nil)
	_ bot.Editor          = (*Adapter)(nil)
	_ bot.DirectMessenger = (*Adapter)(nil)
	_ bot.Ready           = (*Adapter)(nil)
)

// The ways to connect.
const (
	ModeSocket = "socket"
	ModeHTTP   = "http"
)

// The HTTP mode endpoints, under Options.Listen.
const (
	PathCommands    = "/slack/commands"
	PathEvents      = "/slack/events"
	PathInteractive = "/slack/interactive"
)

// Options configure an Adapter.
type Options struct {
	Mode   string // ModeSocket (default) or ModeHTTP
	APIURL string // Web API base URL; default https://slack.com/api/

	BotToken      string // xoxb-…: every Web API call
	AppToken      string // xapp-…: Socket Mode
	SigningSecret string // HTTP mode: verifies X-Slack-Signature

	Listen   string       // HTTP mode: address to serve the endpoints on, e.g. 127.0.0.1:8081
	Listener net.Listener // HTTP mode: an already bound listener instead of Listen (tests)

	Command string        // the umbrella slash command; default "/pb"
	Workers int           // commands run at once; default 8
	Queue   int           // commands waiting for a worker; default 8 per worker
	Timeout time.Duration // longest a command runs; default 2 minutes
	// Gate, when set, is asked about each command before it takes a worker: a person over
	// their rate, or without a role, is answered at once instead (bot.Gate).
	Gate *bot.Gate

	// ChannelRate paces messages per conversation (Slack allows about one per second, with
	// short bursts); default 1 per second with bursts of 3; negative disables pacing.
	ChannelRate float64

	// Deliveries, when set, remembers the messages and mentions taken across restarts, for
	// DeliveryTTL, so that an event Slack delivers again after a restart (its retries run over
	// about 5 minutes; Socket Mode redelivers what was not acknowledged) runs once;
	// *store.Store implements it. Without it only this process's memory drops repeats.
	Deliveries bot.Deliveries
	// Names, when set, are the display names remembered before (the router keeps them in each
	// person's prefs), so that a restart does not ask users.info again for people already named;
	// *store.Store implements it.
	Names names.Known

	Logger     *slog.Logger
	HTTPClient *http.Client     // for the Web API; default one with a 30 s timeout
	Now        func() time.Time // clock for the signatures' replay window; default time.Now
}

// Adapter is the Slack platform.
type Adapter struct {
	opts   Options
	api    *slackapi.Client
	apiURL *url.URL
	log    *slog.Logger

	running   atomic.Bool
	connected atomic.Bool
	seen      *seenSet
	pacer     *pacer
	parts     resume.Parts // notices interrupted part-way, resumed on retry
	shares    shares       // notices' uploads whose share is not confirmed yet (images.go)
	sharePoll time.Duration
	shareWait time.Duration
	names     *names.Cache // display names looked up with users.info (names.go)

	dmMu sync.Mutex
	dms  map[string]string // user id → direct message channel id
}

// New checks the options and builds the adapter; it connects to nothing before Run (Send may
// be used before Run: it only needs the bot token).
func New(o Options) (*Adapter, error) {
	if o.Mode == "" {
		o.Mode = ModeSocket
	}
	if o.APIURL == "" {
		o.APIURL = slackapi.APIURL
	}
	if !strings.HasSuffix(o.APIURL, "/") {
		o.APIURL += "/"
	}
	if o.Command == "" {
		o.Command = "/pb"
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Queue <= 0 {
		o.Queue = 8 * o.Workers
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.ChannelRate == 0 {
		o.ChannelRate = 1
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	u, err := url.Parse(o.APIURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("slack: API URL %q is not an http(s) URL", o.APIURL)
	}
	var missing []string
	if o.BotToken == "" {
		missing = append(missing, "the bot token (SLACK_BOT_TOKEN)")
	}
	switch o.Mode {
	case ModeSocket:
		if o.AppToken == "" {
			missing = append(missing, "the app-level token (SLACK_APP_TOKEN)")
		}
	case ModeHTTP:
		if o.SigningSecret == "" {
			missing = append(missing, "the signing secret (SLACK_SIGNING_SECRET)")
		}
		if o.Listener == nil && o.Listen == "" {
			missing = append(missing, "the listen address")
		}
	default:
		return nil, fmt.Errorf("slack: mode %q is neither %s nor %s", o.Mode, ModeSocket, ModeHTTP)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("slack: %s mode needs %s", o.Mode, strings.Join(missing, " and "))
	}
	logger := libLogger{o.Logger}
	apiOpts := []slackapi.Option{slackapi.OptionAPIURL(o.APIURL), slackapi.OptionHTTPClient(o.HTTPClient), slackapi.OptionLog(logger)}
	if o.Mode == ModeSocket {
		apiOpts = append(apiOpts, slackapi.OptionAppLevelToken(o.AppToken))
	}
	a := &Adapter{
		opts: o, api: slackapi.New(o.BotToken, apiOpts...), apiURL: u, log: o.Logger,
		seen: newSeenSet(10*time.Minute, 20000), pacer: newPacer(o.ChannelRate, 3), dms: map[string]string{},
		sharePoll: defaultSharePoll, shareWait: defaultShareWait,
	}
	a.names = names.New(names.Options{Platform: platform, Lookup: a.lookupName, Known: o.Names, Log: o.Logger, Now: o.Now})
	return a, nil
}

// Platform is "slack".
func (a *Adapter) Platform() string { return platform }

// MaxMessageChars is what is worth composing as one Slack message: well inside 50 blocks of
// Block Kit text. The renderer splits anything longer into several messages itself.
func (a *Adapter) MaxMessageChars() int { return 12000 }

// CanMessageUsers: a notice for a user alone goes to the direct message with the bot.
func (a *Adapter) CanMessageUsers() bool { return true }

// IsDirect: a Slack direct-message conversation's id starts with D.
func (a *Adapter) IsDirect(channel, _ string) bool { return strings.HasPrefix(channel, "D") }

// Connected reports whether the Socket Mode connection is up, or the HTTP endpoints listen.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Check asks Slack whether the tokens work, connecting to nothing: auth.test with the bot token
// and, in Socket Mode, apps.connections.open with the app-level token (which hands out a
// connection URL that is left unused).
func (a *Adapter) Check(ctx context.Context) error {
	if _, err := a.api.AuthTestContext(ctx); err != nil {
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	if a.opts.Mode == ModeSocket {
		if _, _, err := a.api.StartSocketModeContext(ctx); err != nil {
			return fmt.Errorf("slack: apps.connections.open (app-level token): %w", err)
		}
	}
	return nil
}

// Run identifies the bot (auth.test), then receives until ctx ends: over Socket Mode, or on
// the HTTP endpoints. It returns an error when Slack cannot be reached or refuses the tokens;
// bot.Serve then restarts it with backoff.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if !a.running.CompareAndSwap(false, true) {
		return errors.New("slack: the adapter is already running")
	}
	defer a.running.Store(false)
	defer a.connected.Store(false)
	auth, err := a.api.AuthTestContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("slack: auth.test: %w", err)
	}
	me := self{userID: auth.UserID, botID: auth.BotID, command: strings.ToLower(a.opts.Command)}
	a.log.Info("slack: connecting", "mode", a.opts.Mode, "bot_user", auth.UserID, "team", auth.TeamID)
	ctx, cancel := context.WithCancel(ctx)
	p := newPool(ctx, a, h)
	defer func() {
		cancel() // Run is returning: the workers stop too, whatever ended it
		p.stop()
	}()
	if a.opts.Mode == ModeHTTP {
		return a.runHTTP(ctx, p, me)
	}
	return a.runSocket(ctx, p, me)
}

// --- Socket Mode ---

func (a *Adapter) runSocket(ctx context.Context, p *pool, me self) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	smc := socketmode.New(a.api, socketmode.OptionLog(libLogger{a.log}))
	errc := make(chan error, 1)
	go func() { errc <- smc.RunContext(ctx) }()
	for {
		select {
		case <-ctx.Done():
			<-errc
			return nil
		case err := <-errc:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("slack: socket mode: %w", err)
		case evt := <-smc.Events:
			a.onSocketEvent(smc, evt, p, me)
		}
	}
}

// onSocketEvent acknowledges an envelope at once, then hands what it carries to the pool.
func (a *Adapter) onSocketEvent(smc *socketmode.Client, evt socketmode.Event, p *pool, me self) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		a.connected.Store(false)
	case socketmode.EventTypeConnected, socketmode.EventTypeHello:
		if !a.connected.Swap(true) {
			a.log.Info("slack: connected (socket mode)")
		}
	case socketmode.EventTypeConnectionError:
		a.connected.Store(false)
		if e, ok := evt.Data.(*slackapi.ConnectionErrorEvent); ok {
			a.log.Warn("slack: cannot connect; retrying", "attempt", e.Attempt, "in", e.Backoff, "error", e.ErrorObj)
		}
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: the app-level token was refused")
	case socketmode.EventTypeErrorBadMessage:
		// An envelope slack-go cannot parse (say, an event type it does not know) is still
		// acknowledged, or Slack would deliver it again and again.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(smc, socketmode.Event{Request: &socketmode.Request{EnvelopeID: env.EnvelopeID}})
			}
			a.log.Debug("slack: an envelope the bot does not read", "error", bad.Cause)
		}
	case socketmode.EventTypeIncomingError, socketmode.EventTypeErrorWriteFailed:
		a.log.Warn("slack: socket mode trouble", "event", string(evt.Type))
	case socketmode.EventTypeEventsAPI:
		a.ack(smc, evt)
		if ev, ok := evt.Data.(slackevents.EventsAPIEvent); ok {
			a.onEvent(ev, p, me)
		}
	case socketmode.EventTypeSlashCommand:
		a.ack(smc, evt)
		if cmd, ok := evt.Data.(slackapi.SlashCommand); ok {
			a.accept(cmd, p, me)
		}
	case socketmode.EventTypeInteractive:
		a.ack(smc, evt)
		if cb, ok := evt.Data.(slackapi.InteractionCallback); ok {
			a.accept(cb, p, me)
		}
	}
}

func (a *Adapter) ack(smc *socketmode.Client, evt socketmode.Event) {
	if evt.Request == nil {
		return
	}
	// Past Slack's 3 seconds an acknowledgement is worthless (the envelope comes again), and
	// waiting longer for a connection being replaced would hold up the events behind it.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := smc.AckCtx(ctx, evt.Request.EnvelopeID, nil); err != nil {
		a.log.Warn("slack: acknowledging an envelope", "error", err)
	}
}

// onEvent handles an Events API callback once (Slack retries unacknowledged ones).
func (a *Adapter) onEvent(ev slackevents.EventsAPIEvent, p *pool, me self) {
	if ev.Type != slackevents.CallbackEvent {
		return
	}
	if cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent); ok && cb.EventID != "" && !a.seen.add("ev:"+cb.EventID) {
		a.log.Debug("slack: event delivered again; already handled", "event_id", cb.EventID)
		return
	}
	a.accept(ev.InnerEvent.Data, p, me)
}

// accept normalises what Slack delivered and queues it, unless the bot must not answer it or
// already did (a message seen as both a message and an app_mention event).
func (a *Adapter) accept(ev any, p *pool, me self) {
	in, ok := normalize(ev, me)
	if !ok {
		return
	}
	if in.dedupe != "" && !a.firstDelivery(in.dedupe) {
		return
	}
	a.log.Debug("slack: command", "kind", int(in.kind), "user", in.req.UserID, "channel", in.channel, "text", in.req.Text)
	p.submit(in)
}

// firstDelivery reports whether key (a message: its channel and ts) was not taken before, by
// this process nor, with Options.Deliveries, before a restart. Every command Slack can deliver
// again (a message, a mention; the event ids of their retries are checked in memory only)
// carries one, so one record a command covers both: an event retried, and a message delivered
// as both a message and an app_mention. It is recorded before the command runs: a crash between
// the two loses the command rather than running it twice.
func (a *Adapter) firstDelivery(key string) bool {
	if !a.seen.add(key) {
		return false
	}
	return bot.FirstDeliveries(context.Background(), a.opts.Deliveries, a.log, platform, []string{key}, DeliveryTTL)[0]
}

// --- answering ---

// maxHookUses is how many times Slack accepts a response_url.
const maxHookUses = 5

// answer delivers a reply the way the message came: a decision click replaces the message it
// was on; slash commands and clicks answer through their response_url (falling back to the
// Web API); messages and mentions are answered in their conversation, in the thread they were
// in. Ephemeral replies (and, for slash commands and clicks, errors) are shown to the asker
// only, where Slack allows it.
func (a *Adapter) answer(ctx context.Context, in inbound, rep chat.Reply) error {
	if in.kind == kindClick && in.decision && !rep.Error && !rep.Ephemeral {
		return a.decide(ctx, in, rep)
	}
	if len(rep.Images) > 0 {
		rep = a.answerImages(ctx, in, rep)
	}
	msgs := Render(rep)
	if in.kind == kindMessage {
		user := ""
		if rep.Ephemeral && !in.im {
			user = in.req.UserID
		}
		for _, m := range msgs {
			if _, err := a.post(ctx, in.channel, user, in.threadTS, m); err != nil {
				return err
			}
		}
		return nil
	}
	ephemeral := rep.Ephemeral || rep.Error
	hook := in.responseURL != "" && a.hookAllowed(in.responseURL)
	for i, m := range msgs {
		if hook && i < maxHookUses {
			err := a.respond(ctx, in.responseURL, in.threadTS, m, ephemeral, false)
			if err == nil {
				continue
			}
			hook = false
			a.log.Warn("slack: response_url refused the answer; posting it instead", "error", redactURL(err))
		}
		user := ""
		if ephemeral && !in.im {
			user = in.req.UserID
		}
		if _, err := a.post(ctx, in.channel, user, in.threadTS, m); err != nil {
			return err
		}
	}
	return nil
}

// answerImages shares an answer's images before its text: in the conversation and thread it
// was asked in, or, for an answer only the asker may see, in their direct message with the bot.
// It returns the answer to post as text: the images Slack would not take become lines saying
// so (bot.WithoutImages).
func (a *Adapter) answerImages(ctx context.Context, in inbound, rep chat.Reply) chat.Reply {
	channel, thread := in.channel, in.threadTS
	failed := rep.Images
	if (rep.Ephemeral || rep.Error) && !in.im {
		ch, err := a.dm(ctx, in.req.UserID)
		if err != nil {
			a.log.Warn("slack: no direct message for a private answer's images", "error", err)
		}
		channel, thread = ch, "" // "" when there is none: the images become lines
	}
	if channel != "" {
		failed = a.postImages(ctx, channel, thread, rep.Images)
	}
	rep.Images = failed
	return bot.WithoutImages(rep)
}

// decide replaces the message whose Approve/Reject button was clicked with the outcome, headed
// by who decided what, with only the buttons the outcome itself carries (Approve/Reject again
// while a request still needs more approvals, none once decided); what does not fit in one
// message follows in its thread.
func (a *Adapter) decide(ctx context.Context, in inbound, rep chat.Reply) error {
	msgs := render(rep, decidedBy(in.label, in.req.UserID))
	if len(msgs) == 0 {
		return nil
	}
	err := a.update(ctx, in.channel, in.messageTS, msgs[0])
	if err != nil && in.responseURL != "" && a.hookAllowed(in.responseURL) {
		a.log.Warn("slack: chat.update failed; replacing through response_url", "error", err)
		err = a.respond(ctx, in.responseURL, "", msgs[0], false, true)
	}
	if err == nil {
		msgs = msgs[1:]
	} else {
		a.log.Warn("slack: cannot replace the decided message; answering in its thread", "error", redactURL(err))
	}
	thread := in.threadTS
	if thread == "" {
		thread = in.messageTS
	}
	for _, m := range msgs {
		if _, err := a.post(ctx, in.channel, "", thread, m); err != nil {
			return err
		}
	}
	return nil
}

var userID = regexp.MustCompile(`^[UW][A-Z0-9]{2,30}$`)

// mentionOf is a mention of a Slack user id in mrkdwn, or the id as text if it is not one.
func mentionOf(id string) string {
	if userID.MatchString(id) {
		return "<@" + id + ">"
	}
	return escape(id)
}

// decidedBy is the line heading a decided request: the button's label and who clicked it.
func decidedBy(label, user string) []slackapi.Block {
	text := mentionOf(user)
	if label = strings.TrimSpace(label); label != "" {
		if mrkdwnSafe(label) {
			text = boldLines(label) + " · " + text
		} else {
			text = escape(label) + " · " + text
		}
	}
	return []slackapi.Block{slackapi.NewContextBlock("", mrkdwn(text))}
}

// post sends one message to a conversation (chat.postMessage), or to one person in it
// (chat.postEphemeral) when user is set, in the thread when thread is set; a 429 is waited out.
func (a *Adapter) post(ctx context.Context, channel, user, thread string, m Message) (ts string, err error) {
	opts := append(content(m), slackapi.MsgOptionDisableLinkUnfurl(), slackapi.MsgOptionDisableMediaUnfurl())
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	err = a.retry(ctx, func() error {
		if err := a.pacer.wait(ctx, channel); err != nil {
			return err
		}
		var err error
		if user != "" {
			ts, err = a.api.PostEphemeralContext(ctx, channel, user, opts...)
		} else {
			_, ts, err = a.api.PostMessageContext(ctx, channel, opts...)
		}
		return err
	})
	return ts, err
}

// content is m as message options: its text, blocks and attachments (the table). The
// attachments are always given, as an empty list when there are none: chat.update keeps a
// message's previous attachments when the field is left out ("To remove previous attachments,
// include an empty array for this field"), which would leave an old table under a new answer.
func content(m Message) []slackapi.MsgOption {
	atts := m.Attachments
	if atts == nil {
		atts = []slackapi.Attachment{}
	}
	return []slackapi.MsgOption{slackapi.MsgOptionText(m.Text, false), slackapi.MsgOptionBlocks(m.Blocks...),
		slackapi.MsgOptionAttachments(atts...)}
}

// progressMessage shows a long command's progress as one message in the channel (in the
// thread it was asked in), updated as it goes and then into the answer: its first message,
// the rest following in the same thread. Where the bot may not post (a slash command in a
// channel it is not in), no progress is shown and the answer goes as usual.
func (a *Adapter) progressMessage(in inbound) *bot.ProgressMessage {
	post := func(ctx context.Context, r chat.Reply) (bot.MessageRef, error) {
		msgs := Render(r)
		if len(msgs) == 0 {
			return bot.MessageRef{}, errors.New("slack: nothing to show")
		}
		ts, err := a.post(ctx, in.channel, "", in.threadTS, msgs[0])
		return bot.MessageRef{Channel: in.channel, ID: ts}, err
	}
	edit := func(ctx context.Context, ref bot.MessageRef, r chat.Reply) error {
		msgs := Render(r)
		if len(msgs) == 0 {
			return errors.New("slack: nothing to show")
		}
		if err := a.update(ctx, ref.Channel, ref.ID, msgs[0]); err != nil {
			return err
		}
		for _, m := range msgs[1:] {
			if _, err := a.post(ctx, in.channel, "", in.threadTS, m); err != nil {
				return err
			}
		}
		if failed := a.postImages(ctx, in.channel, in.threadTS, r.Images); len(failed) > 0 { // a message cannot become a file: they follow it
			rest := bot.WithoutImages(chat.Reply{Images: failed, Lang: r.Lang})
			if _, err := a.post(ctx, in.channel, "", in.threadTS, Render(rest)[0]); err != nil {
				return err
			}
		}
		return nil
	}
	return bot.NewProgressMessage(post, edit)
}

// update replaces a message the bot sent (chat.update).
func (a *Adapter) update(ctx context.Context, channel, ts string, m Message) error {
	return a.retry(ctx, func() error {
		if err := a.pacer.wait(ctx, channel); err != nil {
			return err
		}
		_, _, _, err := a.api.UpdateMessageContext(ctx, channel, ts, content(m)...)
		return err
	})
}

// respond answers through a response_url: a new message, in the channel or to the asker only,
// or the replacement of the message a button was on.
func (a *Adapter) respond(ctx context.Context, hook, thread string, m Message, ephemeral, replace bool) error {
	typ := slackapi.ResponseTypeInChannel
	if ephemeral {
		typ = slackapi.ResponseTypeEphemeral
	}
	opts := append([]slackapi.MsgOption{slackapi.MsgOptionResponseURL(hook, typ)}, content(m)...)
	if replace {
		opts = append(opts, slackapi.MsgOptionReplaceOriginal(hook))
	}
	if thread != "" {
		opts = append(opts, slackapi.MsgOptionTS(thread))
	}
	return a.retry(ctx, func() error {
		_, _, err := a.api.PostMessageContext(ctx, "", opts...)
		return err
	})
}

// hookAllowed reports whether a response_url may be posted to: an https Slack host, or the
// configured API host (a proxy or test server). Anything else is answered through the Web API.
func (a *Adapter) hookAllowed(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return false
	}
	host := strings.ToLower(u.Hostname())
	if u.Scheme == "https" && (host == "slack.com" || strings.HasSuffix(host, ".slack.com")) {
		return true
	}
	return u.Scheme == a.apiURL.Scheme && strings.EqualFold(u.Host, a.apiURL.Host)
}

// retry runs call, waiting out up to two 429 answers (Retry-After) while ctx allows.
func (a *Adapter) retry(ctx context.Context, call func() error) error {
	for attempt := 0; ; attempt++ {
		err := call()
		after, throttled := bot.RetryAfterOf(classify(err))
		if err == nil || !throttled || attempt == 2 {
			return err
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < after {
			return err
		}
		a.log.Info("slack: throttled; waiting", "for", after)
		t := time.NewTimer(after)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// redactURL keeps a response_url (a capability to post for 30 minutes) out of logs.
func redactURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s (url withheld): %w", ue.Op, ue.Err)
	}
	return err
}

// --- notices (bot.Sender, bot.Editor) ---

// Send posts a notice: to.Channel (mentioning to.UserID when both are set), or the direct
// message with to.UserID. Errors are classified for the dispatcher (see classify).
func (a *Adapter) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	r = r.Sanitized()
	channel := to.Channel
	var head []slackapi.Block
	switch {
	case channel == "" && to.UserID == "":
		return bot.Permanent(errors.New("slack: a notice addressed to neither a channel nor a user"))
	case channel == "":
		ch, err := a.dm(ctx, to.UserID)
		if err != nil {
			return classify(err)
		}
		channel = ch
	case to.UserID != "":
		head = []slackapi.Block{slackapi.NewContextBlock("", mrkdwn(mentionOf(to.UserID)))}
	}
	msgs := render(r, head)
	if len(msgs) > 0 && head != nil {
		msgs[0].Text = mentionOf(to.UserID) + " " + msgs[0].Text // the notification names the person too
	}
	// A notice in several messages that failed part-way resumes where it stopped when the
	// dispatcher retries it, so no message arrives twice. Its images come first, each one step
	// (images.go): a step is done once Slack shows the file shared in the channel.
	imgs := imageKeys(r)
	key := resume.Key(channel, append(imgs, messageTexts(msgs)...)...)
	for i := a.parts.Sent(key, time.Now()); i < len(imgs)+len(msgs); i++ {
		var err error
		if i < len(imgs) {
			err = a.sendImage(ctx, channel, key+"/"+imgs[i], r.Images[i])
		} else {
			_, err = a.send(ctx, channel, msgs[i-len(imgs)])
		}
		if err != nil {
			a.parts.Record(key, i, time.Now())
			return classify(err)
		}
	}
	a.parts.Record(key, 0, time.Now())
	return nil
}

// messageTexts is each message's text and blocks, which identify a rendering.
func messageTexts(msgs []Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		b, _ := json.Marshal(m)
		out[i] = string(b)
	}
	return out
}

// send posts one notice message, without waiting out a 429 (the dispatcher does).
func (a *Adapter) send(ctx context.Context, channel string, m Message) (string, error) {
	if err := a.pacer.wait(ctx, channel); err != nil {
		return "", err
	}
	_, ts, err := a.api.PostMessageContext(ctx, channel, append(content(m), slackapi.MsgOptionDisableLinkUnfurl(),
		slackapi.MsgOptionDisableMediaUnfurl())...)
	return ts, err
}

// Edit replaces a message the bot sent (ref.ID is its ts); what does not fit follows in its
// thread.
func (a *Adapter) Edit(ctx context.Context, ref bot.MessageRef, r chat.Reply) error {
	msgs := Render(r.Sanitized())
	if len(msgs) == 0 {
		return nil
	}
	if err := a.pacer.wait(ctx, ref.Channel); err != nil {
		return err
	}
	_, _, _, err := a.api.UpdateMessageContext(ctx, ref.Channel, ref.ID, content(msgs[0])...)
	if err != nil {
		return classify(err)
	}
	for _, m := range msgs[1:] {
		if err := a.pacer.wait(ctx, ref.Channel); err != nil {
			return err
		}
		if _, _, err := a.api.PostMessageContext(ctx, ref.Channel, append(content(m), slackapi.MsgOptionTS(ref.ID))...); err != nil {
			return classify(err)
		}
	}
	for _, img := range r.Images { // a message cannot become a file: they follow it
		if _, err := a.upload(ctx, ref.Channel, "", img); err != nil {
			return classify(err)
		}
	}
	return nil
}

// dm returns the direct message conversation with a user (conversations.open), remembered.
func (a *Adapter) dm(ctx context.Context, user string) (string, error) {
	a.dmMu.Lock()
	ch, ok := a.dms[user]
	a.dmMu.Unlock()
	if ok {
		return ch, nil
	}
	c, _, _, err := a.api.OpenConversationContext(ctx, &slackapi.OpenConversationParameters{Users: []string{user}})
	if err != nil {
		return "", err
	}
	if c == nil || c.ID == "" {
		return "", errors.New("slack: conversations.open returned no channel")
	}
	a.dmMu.Lock()
	a.dms[user] = c.ID
	a.dmMu.Unlock()
	return c.ID, nil
}

// libLogger sends slack-go's own log lines (it writes them only in debug mode) to slog.
type libLogger struct{ log *slog.Logger }

func (l libLogger) Output(_ int, s string) error {
	l.log.Debug("slack-go: " + strings.TrimSpace(s))
	return nil
}
