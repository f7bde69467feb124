// Package wecom is the WeCom (企业微信) chat adapter. Members talk to the bot in their
// conversation with a self-built application (自建应用): WeCom posts each message, encrypted, to
// the app's callback URL, the adapter acknowledges at once and answers through the application
// message API. Notices go to members (wecom:user:<userid>), to app chats (wecom:<chatid>) and to
// group robots (wecom:robot:<name>) for alert-only groups. Replies are WeCom markdown with the
// commands to type; a decision sent to a member that fits a template card whole comes as that
// card with buttons instead (one message either way).
package wecom

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/names"
	"github.com/partnerbot/partnerbot/bot/internal/resume"
	"github.com/partnerbot/partnerbot/bot/internal/workers"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// Platform is the adapter's name in platform:id keys.
const Platform = "wecom"

var (
	_ bot.Adapter         = (*Adapter)(nil)
	_ bot.MessageLimiter  = (*Adapter)(nil)
	_ bot.DirectMessenger = (*Adapter)(nil)
	_ bot.Ready           = (*Adapter)(nil)
)

// Environment variables holding the secrets; nothing secret is ever read from the YAML.
const (
	EnvCorpSecret     = "WECOM_CORP_SECRET"
	EnvCallbackToken  = "WECOM_CALLBACK_TOKEN"
	EnvEncodingAESKey = "WECOM_ENCODING_AES_KEY"
	envRobotKeyPrefix = "WECOM_ROBOT_KEY_"
)

// RobotKeyEnv is the environment variable holding robot name's webhook key:
// WECOM_ROBOT_KEY_ followed by the name in upper case with every character other than a
// letter or digit made "_" (robot "ops-alerts" → WECOM_ROBOT_KEY_OPS_ALERTS).
func RobotKeyEnv(name string) string {
	var b strings.Builder
	b.WriteString(envRobotKeyPrefix)
	for _, r := range strings.ToUpper(name) {
		if r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Secrets are what the adapter needs from the environment.
type Secrets struct {
	CorpSecret     string
	CallbackToken  string
	EncodingAESKey string
	RobotKeys      map[string]string // robot name → webhook key
}

// SecretsFromEnv reads the secrets the configuration needs: the corp secret when the app sends
// (corp id set), the callback token and EncodingAESKey when the callback listens, one key per
// robot. Every missing or malformed one is reported at once, by variable name; no value is
// ever put in the error. A robot variable may hold the key or the whole webhook URL that WeCom
// shows (…/webhook/send?key=…).
func SecretsFromEnv(lookup func(string) (string, bool), app, callback bool, robots []string) (Secrets, error) {
	s := Secrets{RobotKeys: map[string]string{}}
	var missing []string
	get := func(name string) string {
		v, _ := lookup(name)
		v = strings.TrimSpace(v)
		if v == "" {
			missing = append(missing, name+" is not set")
		}
		return v
	}
	if app || callback {
		s.CorpSecret = get(EnvCorpSecret)
	}
	if callback {
		s.CallbackToken = get(EnvCallbackToken)
		if s.EncodingAESKey = get(EnvEncodingAESKey); s.EncodingAESKey != "" && !ValidAESKey(s.EncodingAESKey) {
			missing = append(missing, EnvEncodingAESKey+" must be the 43-character EncodingAESKey shown with the callback settings")
		}
	}
	sort.Strings(robots)
	for _, name := range robots {
		env := RobotKeyEnv(name)
		v := get(env)
		if v == "" {
			continue
		}
		key, ok := robotKey(v)
		if !ok {
			missing = append(missing, env+" must be the robot's webhook key or its webhook URL with key=")
			continue
		}
		s.RobotKeys[name] = key
	}
	if len(missing) > 0 {
		return s, fmt.Errorf("wecom: %s", strings.Join(missing, "; "))
	}
	return s, nil
}

// robotKey takes a robot key, or pulls it out of the webhook URL people paste instead.
func robotKey(v string) (string, bool) {
	if !strings.Contains(v, "key=") {
		return v, !strings.ContainsAny(v, " /?&=")
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", false
	}
	k := u.Query().Get("key")
	return k, k != ""
}

// Robot is a group robot's pacing.
type Robot struct {
	PerMinute int // messages per minute; WeCom allows 20
}

// Options configure an Adapter.
type Options struct {
	CorpID   string                                     // the app's corp id; empty for robots only
	AgentID  int64                                      // the app's agent id
	APIBase  string                                     // default https://qyapi.weixin.qq.com
	Listen   string                                     // callback listen address; empty = no callback (send only)
	Path     string                                     // callback path; default /wecom/callback
	Robots   map[string]Robot                           // by name; the channel is robot:<name>
	Secrets  Secrets                                    // from SecretsFromEnv
	Logger   *slog.Logger                               // default: discard
	HTTP     *http.Client                               // default: a client with a 15 s timeout
	Now      func() time.Time                           // default time.Now
	Sleep    func(context.Context, time.Duration) error // default: a timer; tests advance a fake clock
	Random   io.Reader                                  // default crypto/rand.Reader
	Workers  int                                        // commands run at once; default 8
	Queue    int                                        // commands waiting for a worker; default 64; past it "busy"
	Timeout  time.Duration                              // per command; default 2 minutes
	MaxWait  time.Duration                              // longest wait for a destination's pace in Send; default 10 s
	Window   time.Duration                              // the pacing window; default 1 minute
	UserRate int                                        // app messages per window to one member or chat; default 30
	MaxSkew  time.Duration                              // callbacks whose timestamp is further from now are refused; default 1 h
	Dedupe   int                                        // callbacks remembered to drop WeCom's retries; default 10000
	Grace    time.Duration                              // at stop, how long running commands may finish; default 10 s

	// Deliveries, when set, remembers the callbacks taken across restarts, for 2×MaxSkew (a
	// signed callback is accepted that long), so that one WeCom delivers again after a restart
	// runs once; *store.Store implements it. Without it only this process's memory drops repeats.
	Deliveries bot.Deliveries
	// Names, when set, are the display names remembered before (the router keeps them in each
	// member's prefs), so that a restart does not read members again who are already named;
	// *store.Store implements it.
	Names names.Known
	// Gate, when set, is asked about each command before it takes a worker: a member over
	// their rate, or without a role, is answered in the acknowledgement instead (bot.Gate).
	Gate *bot.Gate
}

// defaults fills in what was left zero.
func (o *Options) defaults() {
	if o.APIBase == "" {
		o.APIBase = "https://qyapi.weixin.qq.com"
	}
	o.APIBase = strings.TrimRight(o.APIBase, "/")
	if o.Path == "" {
		o.Path = "/wecom/callback"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.HTTP == nil {
		o.HTTP = &http.Client{Timeout: 15 * time.Second}
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = sleepCtx
	}
	if o.Random == nil {
		o.Random = rand.Reader
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Timeout <= 0 {
		o.Timeout = 2 * time.Minute
	}
	if o.MaxWait <= 0 {
		o.MaxWait = 10 * time.Second
	}
	if o.Window <= 0 {
		o.Window = time.Minute
	}
	if o.UserRate <= 0 {
		o.UserRate = 30
	}
	if o.MaxSkew <= 0 {
		o.MaxSkew = time.Hour
	}
	if o.Dedupe <= 0 {
		o.Dedupe = 10000
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
}

// Adapter is the WeCom adapter. It connects nothing before Run.
type Adapter struct {
	opts   Options
	log    *slog.Logger
	api    *client  // nil without an app (robots only)
	crypt  *Cryptor // nil without a callback
	pace   *pacer
	seen   *dedupe
	done   resume.Parts
	robots map[string]robotDest
	names  *names.Cache // members' names read with user/get (names.go); nil without an app

	running   atomic.Bool
	listening atomic.Bool
	tokenOK   atomic.Bool

	mu       sync.Mutex
	addr     net.Addr
	listenCh chan struct{} // closed once the callback listens
}

type robotDest struct {
	key       string
	perMinute int
}

// New checks the options and builds the adapter.
func New(opts Options) (*Adapter, error) {
	opts.defaults()
	var problems []string
	app := opts.CorpID != ""
	if app && opts.AgentID <= 0 {
		problems = append(problems, "the agent id must be set with the corp id")
	}
	if app && opts.Secrets.CorpSecret == "" {
		problems = append(problems, EnvCorpSecret+" is needed to send as the app")
	}
	if opts.Listen != "" && !app {
		problems = append(problems, "the callback needs the app's corp id and agent id, to answer")
	}
	if !app && opts.Listen == "" && len(opts.Robots) == 0 {
		problems = append(problems, "neither an app (corp id) nor a robot is configured")
	}
	a := &Adapter{opts: opts, log: opts.Logger, robots: map[string]robotDest{}, listenCh: make(chan struct{}),
		pace: newPacer(opts.Now, opts.Sleep), seen: newDedupe(opts.Dedupe, 2*opts.MaxSkew)}
	if opts.Listen != "" {
		c, err := NewCryptor(opts.Secrets.CallbackToken, opts.Secrets.EncodingAESKey, opts.CorpID)
		if err != nil {
			problems = append(problems, EnvEncodingAESKey+": "+err.Error())
		}
		if opts.Secrets.CallbackToken == "" {
			problems = append(problems, EnvCallbackToken+" is needed for the callback")
		}
		a.crypt = c
	}
	for name, r := range opts.Robots {
		key := opts.Secrets.RobotKeys[name]
		if key == "" {
			problems = append(problems, RobotKeyEnv(name)+" is needed for robot "+name)
		}
		per := r.PerMinute
		if per <= 0 || per > 20 {
			per = 20
		}
		a.robots[name] = robotDest{key: key, perMinute: per}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, fmt.Errorf("wecom: %s", strings.Join(problems, "; "))
	}
	a.api = &client{base: opts.APIBase, corpID: opts.CorpID, secret: opts.Secrets.CorpSecret, http: opts.HTTP,
		now: opts.Now, onToken: a.tokenOK.Store}
	if app {
		a.names = names.New(names.Options{Platform: Platform, Lookup: a.lookupName, Known: opts.Names, Log: opts.Logger, Now: opts.Now})
	}
	return a, nil
}

// Platform is "wecom".
func (a *Adapter) Platform() string { return Platform }

// MaxMessageChars is what alert digests are split at before rendering: an app message holds
// 2048 bytes of markdown, and the markup takes its share. A longer reply is split by the
// adapter at line boundaries anyway.
func (a *Adapter) MaxMessageChars() int { return 1800 }

// CanMessageUsers: members can be messaged when the app is configured.
func (a *Adapter) CanMessageUsers() bool { return a.hasApp() }

// IsDirect: a member's conversation with the app is the channel UserChannel(member).
func (a *Adapter) IsDirect(channel, user string) bool { return channel == UserChannel(user) }

func (a *Adapter) hasApp() bool { return a.opts.CorpID != "" }

// Connected reports whether Run is serving, the callback (when configured) is listening and
// the last access token fetch (when there is an app) succeeded.
func (a *Adapter) Connected() bool {
	if !a.running.Load() {
		return false
	}
	if a.crypt != nil && !a.listening.Load() {
		return false
	}
	return !a.hasApp() || a.tokenOK.Load()
}

// Addr waits until the callback listens and returns its address (for tests and logs).
func (a *Adapter) Addr(ctx context.Context) (net.Addr, error) {
	if a.crypt == nil {
		return nil, errors.New("wecom: no callback is configured")
	}
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-a.listenCh:
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.addr, nil
}

// Check asks WeCom for the app's access token (gettoken, unless one is cached): whether the corp
// id and secret work. Group robots have no such call (only posting to the group would test a
// key), so with robots alone it checks nothing and returns nil.
func (a *Adapter) Check(ctx context.Context) error {
	if !a.hasApp() {
		return nil
	}
	if _, err := a.api.accessToken(ctx, ""); err != nil {
		return fmt.Errorf("wecom: gettoken: %w", err)
	}
	return nil
}

// Run fetches the access token, listens for callbacks and runs the commands they bring until
// ctx ends. Without a callback (robots, or an app that only sends) it only marks the adapter
// running.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	if a.hasApp() {
		if _, err := a.api.accessToken(ctx, ""); err != nil {
			return fmt.Errorf("wecom: fetching the access token: %w", err)
		}
	}
	a.running.Store(true)
	defer a.running.Store(false)
	if a.crypt == nil {
		<-ctx.Done()
		return nil
	}
	ln, err := net.Listen("tcp", a.opts.Listen)
	if err != nil {
		return fmt.Errorf("wecom: callback: %w", err)
	}
	p := workers.New(workers.Options{Workers: a.opts.Workers, Queue: a.opts.Queue}) // run recovers its own panics, answering politely
	// Fair between members: one member's backlog never waits in front of another's command.
	submit := func(in inbound) bool {
		return p.Submit(workers.Job{User: in.req.User(), Chat: Platform + ":" + in.req.Channel,
			Run: func(ctx context.Context) { a.run(ctx, h, in) }}) == nil
	}
	mux := http.NewServeMux()
	mux.Handle(a.opts.Path, a.callbackHandler(submit))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 15 * time.Second,
		WriteTimeout: 15 * time.Second, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	a.mu.Lock()
	a.addr = ln.Addr()
	select {
	case <-a.listenCh:
	default:
		close(a.listenCh)
	}
	a.mu.Unlock()
	a.listening.Store(true)
	a.log.Info("wecom callback listening", "addr", ln.Addr().String(), "path", a.opts.Path)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	a.listening.Store(false)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	_ = srv.Shutdown(sctx)
	cancel()
	p.Close(a.opts.Grace)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("wecom: callback: %w", serveErr)
	}
	return nil
}

// destination is where a message goes: a member (message/send touser), an app chat
// (appchat/send chatid) or a group robot (webhook/send).
type destination struct {
	kind    string // "user", "chat", "robot"
	id      string // user id, chat id or robot name
	mention string // a user to mention (robots only)
}

func (d destination) key() string { return d.kind + ":" + d.id }

var validUserID = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)

// resolve maps a notice's target to a destination: channel "robot:<name>", "user:<userid>" or a
// chat id; no channel means the user directly.
func (a *Adapter) resolve(to bot.Target) (destination, error) {
	switch ch := to.Channel; {
	case strings.HasPrefix(ch, robotPrefix):
		name := strings.TrimPrefix(ch, robotPrefix)
		if _, ok := a.robots[name]; !ok {
			return destination{}, fmt.Errorf("wecom: no robot %q under wecom.robots", name)
		}
		d := destination{kind: "robot", id: name}
		if validUserID.MatchString(to.UserID) {
			d.mention = to.UserID
		}
		return d, nil
	case strings.HasPrefix(ch, userPrefix):
		ch = strings.TrimPrefix(ch, userPrefix)
		if !validUserID.MatchString(ch) {
			return destination{}, fmt.Errorf("wecom: %q is not a WeCom user id", ch)
		}
		return a.appDest("user", ch)
	case ch != "":
		return a.appDest("chat", ch)
	case to.UserID != "":
		if !validUserID.MatchString(to.UserID) {
			return destination{}, fmt.Errorf("wecom: %q is not a WeCom user id", to.UserID)
		}
		return a.appDest("user", to.UserID)
	}
	return destination{}, errors.New("wecom: a notice with neither channel nor user")
}

func (a *Adapter) appDest(kind, id string) (destination, error) {
	if !a.hasApp() {
		return destination{}, fmt.Errorf("wecom: %s %s needs the app (wecom.corp_id), and only robots are configured", kind, id)
	}
	return destination{kind: kind, id: id}, nil
}

// outgoing is one API call of a message.
type outgoing struct {
	path string // pathMessageSend, pathAppChatSend or pathWebhookSend
	body any
	// img, for an app's image message, is uploaded (media/upload) when the message is posted,
	// and body (a map) gains "image":{"media_id"}.
	img *chat.Image
}

// RobotImageBytes is the largest image a group robot takes (msgtype image: 2 MB before base64).
const RobotImageBytes = 2 << 20

// imagePayloads renders a reply's images for a destination, each one message: a robot's
// msgtype image with the PNG in base64 and its md5 (an image over 2 MB becomes a line saying
// so, in the reply's language), an app's msgtype image whose media_id post uploads.
func (a *Adapter) imagePayloads(d destination, r chat.Reply) []outgoing {
	var out []outgoing
	for i := range r.Images {
		img := &r.Images[i]
		switch d.kind {
		case "robot":
			if len(img.PNG) > RobotImageBytes {
				text := lang.Of(r.Lang).ImageTooLarge(imageName(*img), (len(img.PNG)+1023)/1024)
				out = append(out, outgoing{pathWebhookSend, map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": esc(text)}}, nil})
				continue
			}
			sum := md5.Sum(img.PNG)
			out = append(out, outgoing{pathWebhookSend, map[string]any{"msgtype": "image", "image": map[string]string{
				"base64": base64.StdEncoding.EncodeToString(img.PNG), "md5": hex.EncodeToString(sum[:])}}, nil})
		case "chat":
			out = append(out, outgoing{pathAppChatSend, map[string]any{"chatid": d.id, "msgtype": "image"}, img})
		default:
			out = append(out, outgoing{pathMessageSend, map[string]any{"touser": d.id, "agentid": a.opts.AgentID, "msgtype": "image"}, img})
		}
	}
	return out
}

func imageName(img chat.Image) string {
	if img.Name == "" {
		return "image.png"
	}
	return img.Name
}

// imageKeys name a reply's images in the resume key of its delivery.
func imageKeys(r chat.Reply) []string {
	var keys []string
	for _, img := range r.Images {
		sum := sha256.Sum256(img.PNG)
		keys = append(keys, hex.EncodeToString(sum[:]))
	}
	return keys
}

// payloads renders a reply for a destination: one message per event, so a decision sent to a
// member is a template card with buttons when the card carries all of it, and otherwise the
// markdown (split at the destination's limit) with the commands to type.
//
// A reply's images go first, each its own message (WeCom's image messages carry no text), and
// the reply's text after them as their caption.
func (a *Adapter) payloads(d destination, r chat.Reply) []outgoing {
	out := a.imagePayloads(d, r)
	if d.kind == "user" && NeedsCard(r) && CardCarries(r) {
		if card := Card(r, a.taskID()); len(card.ButtonList) == len(r.Buttons) {
			return append(out, outgoing{pathMessageSend, map[string]any{"touser": d.id, "agentid": a.opts.AgentID,
				"msgtype": "template_card", "template_card": card}, nil})
		}
	}
	md := Markdown(r)
	limit := AppMarkdownBytes
	if d.kind == "robot" {
		limit = RobotMarkdownBytes
		if d.mention != "" {
			md += "\n<@" + d.mention + ">"
		}
	}
	for _, part := range Split(md, limit) {
		content := map[string]string{"content": part}
		switch d.kind {
		case "robot":
			out = append(out, outgoing{pathWebhookSend, map[string]any{"msgtype": "markdown", "markdown": content}, nil})
		case "chat":
			out = append(out, outgoing{pathAppChatSend, map[string]any{"chatid": d.id, "msgtype": "markdown", "markdown": content}, nil})
		default:
			out = append(out, outgoing{pathMessageSend, map[string]any{"touser": d.id, "agentid": a.opts.AgentID,
				"msgtype": "markdown", "markdown": content}, nil})
		}
	}
	return out
}

// taskID makes a card's task id: unique per app, ≤ 128 bytes of [a-zA-Z0-9_-@].
func (a *Adapter) taskID() string {
	var b [8]byte
	_, _ = io.ReadFull(a.opts.Random, b[:])
	return fmt.Sprintf("pb-%d-%s", a.opts.Now().Unix(), hex.EncodeToString(b[:]))
}

// Send delivers a notice (an approval request, a result, an alert) to a member, an app chat or
// a group robot, split at the platform's size limit and paced per destination. When part of a
// split message went out and a later part failed, the retry sends only the rest.
func (a *Adapter) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	d, err := a.resolve(to)
	if err != nil {
		return bot.Permanent(err)
	}
	return a.deliver(ctx, d, r.Sanitized(), a.opts.MaxWait)
}

// deliver sends a reply, rendered for its destination; maxWait bounds a wait for the
// destination's pace (0: as long as ctx allows).
func (a *Adapter) deliver(ctx context.Context, d destination, r chat.Reply, maxWait time.Duration) error {
	msgs := a.payloads(d, r)
	if len(msgs) == 0 {
		return nil
	}
	key := resume.Key(d.key()+"\x00"+d.mention, append([]string{fmt.Sprint(len(msgs)), Markdown(r)}, imageKeys(r)...)...)
	skip := a.done.Sent(key, a.opts.Now())
	if skip >= len(msgs) {
		skip = 0
	}
	n, per := a.opts.UserRate, a.opts.Window
	if d.kind == "robot" {
		n = a.robots[d.id].perMinute
	}
	sent, err := a.pace.run(ctx, d.key(), n, per, maxWait, len(msgs)-skip, func(i int) error {
		return a.post(ctx, d, msgs[skip+i])
	})
	if err != nil {
		if skip+sent > 0 {
			a.done.Record(key, skip+sent, a.opts.Now())
		}
		return classify(err)
	}
	a.done.Record(key, 0, a.opts.Now())
	return nil
}

func (a *Adapter) post(ctx context.Context, d destination, m outgoing) error {
	if m.path == pathWebhookSend {
		return a.api.webhook(ctx, a.robots[d.id].key, m.body)
	}
	body := m.body
	if m.img != nil {
		id, err := a.api.uploadImage(ctx, imageName(*m.img), m.img.PNG)
		if err != nil {
			return err
		}
		msg := map[string]any{"image": map[string]string{"media_id": id}}
		for k, v := range m.body.(map[string]any) {
			msg[k] = v
		}
		body = msg
	}
	res, err := a.api.call(ctx, m.path, body)
	if err != nil {
		return err
	}
	if d.kind == "user" && res.InvalidUser != "" {
		return bot.Permanent(fmt.Errorf("wecom: user %s cannot receive app messages (invaliduser)", d.id))
	}
	return nil
}
