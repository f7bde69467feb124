// Package telegram is the Telegram adapter: it receives commands and button clicks through the
// Bot API (long polling, or a webhook checked with its secret token), answers in HTML with
// inline keyboards, and delivers notices to chats, keeping Telegram's pace.
package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/resume"
	"github.com/partnerbot/partnerbot/bot/internal/workers"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

var (
	_ bot.Adapter         = (*Adapter)(nil)
	_ bot.MessageLimiter  = (*Adapter)(nil)
	_ bot.Editor          = (*Adapter)(nil)
	_ bot.DirectMessenger = (*Adapter)(nil)
	_ bot.Ready           = (*Adapter)(nil)
)

// Platform is the adapter's name in "platform:id" keys: roles are telegram:<user id>, channels
// telegram:<chat id>.
const Platform = "telegram"

// Environment variables: secrets never come from the configuration file.
const (
	EnvToken         = "TELEGRAM_BOT_TOKEN"
	EnvWebhookSecret = "TELEGRAM_WEBHOOK_SECRET"
)

// DefaultAPIEndpoint is Telegram's own Bot API server.
const DefaultAPIEndpoint = "https://api.telegram.org"

// Modes of receiving updates.
const (
	ModePoll    = "poll"
	ModeWebhook = "webhook"
)

// SecretHeader carries the webhook's secret token on every request from Telegram.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Defaults of Options.
const (
	DefaultPollTimeout    = 30 * time.Second
	DefaultWorkers        = 8
	DefaultRequestTimeout = 2 * time.Minute
	DefaultButtonTTL      = 30 * 24 * time.Hour
)

// DeliveryTTL is how long an update's id is remembered (Options.Deliveries) to drop a repeat:
// Telegram keeps an update it could not deliver, and retries a webhook, for up to 24 hours.
const DeliveryTTL = 48 * time.Hour

// Buttons keeps what each inline button does; *store.Store implements it. A button carries
// only a token ("b:<token>", far below Telegram's 64 bytes of callback_data).
type Buttons interface {
	SaveButtons(ctx context.Context, bs []store.Button, ttl time.Duration) ([]string, error)
	Button(ctx context.Context, token string) (store.Button, error)
}

// Options configure an Adapter.
type Options struct {
	Token       string // the bot token, from TELEGRAM_BOT_TOKEN
	APIEndpoint string // Bot API server; DefaultAPIEndpoint when empty (a self-hosted one works too)
	Mode        string // ModePoll (default) or ModeWebhook

	PollTimeout time.Duration // long-poll wait of getUpdates, whole seconds; default 30s

	// Webhook mode: Telegram POSTs updates to WebhookURL (public HTTPS), which reaches this
	// process at WebhookListen + WebhookPath; every request must carry WebhookSecret.
	WebhookURL    string
	WebhookListen string
	WebhookPath   string
	WebhookSecret string
	// Listener, when set, is used instead of listening on WebhookListen (tests).
	Listener net.Listener

	// Commands lists the router's commands, registered with setMyCommands at start so that
	// Telegram offers them, and learnt so that their Telegram names reach the router. Nil
	// registers nothing.
	Commands func() []Command
	Language lang.Lang // language of the command descriptions; zh when empty

	Buttons   Buttons       // required
	ButtonTTL time.Duration // how long a button works; default 30 days

	// Deliveries, when set, remembers the updates taken across restarts (DeliveryTTL), so that
	// one Telegram delivers again after a restart (a webhook retried, an update whose
	// confirmation a crash lost) runs once; *store.Store implements it. Without it only this
	// process's memory drops repeats.
	Deliveries bot.Deliveries

	Workers        int           // commands handled at once; default 8
	Queue          int           // commands waiting for a worker; default 8 × Workers
	RequestTimeout time.Duration // one command's deadline; default 2 minutes
	// Gate, when set, is asked about each command before it takes a worker: a person over
	// their rate, or without a role, is answered at once instead (bot.Gate).
	Gate *bot.Gate

	HTTPClient *http.Client // default: a client with transport timeouts
	Logger     *slog.Logger
	Now        func() time.Time
}

// secretRE is what Telegram accepts as a webhook secret_token.
var secretRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Adapter is the Telegram bot. New does not connect; Run does (getMe, then polling or the
// webhook), and Send connects on first use.
type Adapter struct {
	opts     Options
	endpoint string // the library's format: <api_endpoint>/bot%s/%s
	log      *slog.Logger
	client   *http.Client
	pace     *pacer
	seen     *recent

	connected atomic.Bool

	mu      sync.Mutex
	gate    bot.PollGate      // when set, polling waits for its terms (GatePolling)
	api     *tgbotapi.BotAPI  // after getMe
	names   map[string]string // telegram command name → router name
	moved   map[int64]int64   // group → supergroup it became
	partial resume.Parts      // notices interrupted part-way

	bg      sync.WaitGroup // busy answers in flight
	busySem chan struct{}
}

// New checks opts and builds the adapter without connecting.
func New(opts Options) (*Adapter, error) {
	var errs []error
	if strings.TrimSpace(opts.Token) == "" {
		errs = append(errs, fmt.Errorf("telegram: no bot token: set %s", EnvToken))
	}
	if opts.APIEndpoint == "" {
		opts.APIEndpoint = DefaultAPIEndpoint
	}
	if u, err := url.Parse(opts.APIEndpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Contains(opts.APIEndpoint, "%") || u.RawQuery != "" || u.Fragment != "" {
		errs = append(errs, fmt.Errorf("telegram: api endpoint %q is not an http(s) URL without query", opts.APIEndpoint))
	}
	switch opts.Mode {
	case "":
		opts.Mode = ModePoll
	case ModePoll, ModeWebhook:
	default:
		errs = append(errs, fmt.Errorf("telegram: mode %q is neither %s nor %s", opts.Mode, ModePoll, ModeWebhook))
	}
	if opts.Mode == ModeWebhook {
		if !secretRE.MatchString(opts.WebhookSecret) {
			errs = append(errs, fmt.Errorf("telegram: webhook mode needs %s: 1-256 characters A-Z, a-z, 0-9, _ and -", EnvWebhookSecret))
		}
		if u, err := url.Parse(opts.WebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("telegram: webhook URL %q is not an https URL", opts.WebhookURL))
		}
		if opts.Listener == nil && opts.WebhookListen == "" {
			errs = append(errs, errors.New("telegram: webhook mode needs a listen address"))
		}
		if !strings.HasPrefix(opts.WebhookPath, "/") {
			errs = append(errs, fmt.Errorf("telegram: webhook path %q must start with /", opts.WebhookPath))
		}
	}
	if opts.Buttons == nil {
		errs = append(errs, errors.New("telegram: no button store"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if opts.PollTimeout < time.Second {
		opts.PollTimeout = DefaultPollTimeout
	}
	if opts.Language == "" {
		opts.Language = lang.Zh
	}
	if opts.ButtonTTL <= 0 {
		opts.ButtonTTL = DefaultButtonTTL
	}
	if opts.Workers <= 0 {
		opts.Workers = DefaultWorkers
	}
	if opts.Queue <= 0 {
		opts.Queue = 8 * opts.Workers
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: opts.PollTimeout + 20*time.Second,
			MaxIdleConnsPerHost:   16,
			IdleConnTimeout:       90 * time.Second,
		}}
	}
	quietLibrary()
	return &Adapter{
		opts:     opts,
		endpoint: strings.TrimRight(opts.APIEndpoint, "/") + "/bot%s/%s",
		log:      log.With("platform", Platform),
		client:   client,
		pace:     newPacer(opts.Now),
		seen:     newRecent(4096),
		moved:    map[int64]int64{},
		busySem:  make(chan struct{}, busyAnswers),
	}, nil
}

// Platform is "telegram".
func (a *Adapter) Platform() string { return Platform }

// MaxMessageChars is Telegram's limit on one message.
func (a *Adapter) MaxMessageChars() int { return MaxMessageChars }

// CanMessageUsers: a user's private chat with the bot has the user's id as its chat id (it
// works once the user has started the bot; before, Telegram refuses and the notice is parked).
func (a *Adapter) CanMessageUsers() bool { return true }

// IsDirect: a private chat's id is the user's id.
func (a *Adapter) IsDirect(channel, user string) bool { return channel != "" && channel == user }

// Connected reports whether the last poll (or the webhook registration) reached Telegram.
func (a *Adapter) Connected() bool { return a.connected.Load() }

// Username is the bot's @username from getMe, "" before the first connection.
func (a *Adapter) Username() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.api == nil {
		return ""
	}
	return a.api.Self.UserName
}

// The library logs through a package-level logger, with request URLs (and so the token) in
// what it logs. The adapter never enables its Debug mode nor uses GetUpdatesChan (the two
// places that log), and points the logger at slog through redaction all the same.
var quietOnce sync.Once

func quietLibrary() {
	quietOnce.Do(func() { _ = tgbotapi.SetLogger(libLogger{}) })
}

type libLogger struct{}

func (libLogger) Println(v ...any) {
	slog.Warn("telegram library", "message", redactString(strings.TrimSpace(fmt.Sprintln(v...)), ""))
}

func (libLogger) Printf(format string, v ...any) {
	slog.Warn("telegram library", "message", redactString(fmt.Sprintf(format, v...), ""))
}

// boundClient makes the library's requests under a context (the library itself has none) and
// hides the token in the errors net/http returns.
type boundClient struct {
	ctx   context.Context
	c     *http.Client
	token string
}

func (b boundClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := b.c.Do(req.WithContext(b.ctx))
	if err != nil {
		return nil, redact(err, b.token)
	}
	return resp, nil
}

// connect returns the Bot API client, calling getMe the first time.
func (a *Adapter) connect(ctx context.Context) (*tgbotapi.BotAPI, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.api != nil {
		return a.api, nil
	}
	api, err := tgbotapi.NewBotAPIWithClient(a.opts.Token, a.endpoint, boundClient{ctx: ctx, c: a.client, token: a.opts.Token})
	if err != nil {
		return nil, fmt.Errorf("telegram: getMe: %w", redact(err, a.opts.Token))
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	a.api = api
	a.log.Info("telegram: connected", "bot", "@"+api.Self.UserName, "id", api.Self.ID)
	return api, nil
}

// Check asks Telegram who the bot is (getMe), every time: whether the token works and the Bot
// API server answers. It neither connects the adapter nor changes what it knows.
func (a *Adapter) Check(ctx context.Context) error {
	if _, err := tgbotapi.NewBotAPIWithClient(a.opts.Token, a.endpoint, boundClient{ctx: ctx, c: a.client, token: a.opts.Token}); err != nil {
		return fmt.Errorf("telegram: getMe: %w", redact(err, a.opts.Token))
	}
	return nil
}

// call returns a client whose requests run under ctx. The library's BotAPI has no context of
// its own, so each call gets a shallow copy bound to its context.
func (a *Adapter) call(ctx context.Context) (*tgbotapi.BotAPI, error) {
	api, err := a.connect(ctx)
	if err != nil {
		return nil, err
	}
	c := *api
	c.Client = boundClient{ctx: ctx, c: a.client, token: a.opts.Token}
	return &c, nil
}

// Run connects, registers the command list and receives updates until ctx ends: by long
// polling, or on the webhook. It returns nil when ctx ended and an error when Telegram cannot
// be reached or refuses the token; bot.Serve then restarts it with backoff.
func (a *Adapter) Run(ctx context.Context, h bot.Handler) error {
	defer a.connected.Store(false)
	if _, err := a.connect(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.learnCommands()
	a.registerCommands(ctx)
	p := workers.New(workers.Options{Workers: a.opts.Workers, Queue: a.opts.Queue, OnPanic: func(v any, stack []byte) {
		a.log.Error("telegram: a worker panicked", "panic", fmt.Sprint(v), "stack", string(stack))
	}})
	defer func() {
		p.Close(shutdownGrace)
		a.bg.Wait()
	}()
	if a.opts.Mode == ModeWebhook {
		return a.serveWebhook(ctx, p, h)
	}
	a.mu.Lock()
	gate := a.gate
	a.mu.Unlock()
	if gate != nil {
		return a.pollInTerms(ctx, gate, p, h)
	}
	return a.poll(ctx, p, h)
}

// GatePolling makes a polling adapter poll only during g's terms (the bot is one replica of a
// cluster and only its leader may poll: Telegram answers a second poller with 409 Conflict). A
// webhook adapter ignores it: every replica serves the webhook. Call it before Run.
func (a *Adapter) GatePolling(g bot.PollGate) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gate = g
}

// pollInTerms polls during each of gate's terms and stands by between them, until ctx ends.
// Standing by, the adapter counts as connected: getMe reached Telegram, and it sends.
func (a *Adapter) pollInTerms(ctx context.Context, gate bot.PollGate, p *workers.Pool, h bot.Handler) error {
	for {
		a.connected.Store(true)
		term, err := gate.Term(ctx)
		if err != nil || ctx.Err() != nil {
			return nil
		}
		a.log.Info("telegram: this replica leads: polling")
		if err := a.poll(term, p, h); err != nil {
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		a.log.Info("telegram: this replica's term ended: polling stopped, standing by")
	}
}

// shutdownGrace is how long commands already taken may finish once the bot stops.
const shutdownGrace = 30 * time.Second

// Command is one of the router's commands, as Telegram's command menu needs it.
type Command struct {
	Name    string   // e.g. "expiring", "coupon-reclaim"
	Aliases []string // the other names it answers to, e.g. "到期"
	Summary string   // the catalogue key of its one-line description
}

// learnCommands indexes the router's commands: Telegram's names for them (and /start, which
// Telegram's Start button sends).
func (a *Adapter) learnCommands() {
	names, known := map[string]string{}, map[string]bool{}
	if a.opts.Commands != nil {
		for _, c := range a.opts.Commands() {
			for _, n := range append([]string{c.Name}, c.Aliases...) {
				if tg, ok := telegramName(n); ok && tg != n {
					names[tg] = n
				}
				known[n] = true
			}
		}
	}
	// Telegram's Start button sends /start; without a command of that name it shows the help.
	if known["help"] {
		names["start"] = "help"
	}
	for tg := range names {
		if known[tg] {
			delete(names, tg) // a command of that very name exists: it wins
		}
	}
	a.mu.Lock()
	a.names = names
	a.mu.Unlock()
}

func (a *Adapter) commandNames() map[string]string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.names
}

var telegramNameRE = regexp.MustCompile(`^[a-z0-9_]{1,32}$`)

// telegramName is a command name as Telegram allows it (1-32 of a-z, 0-9, _): "-" becomes
// "_", and names that still do not fit (the Chinese aliases) have none.
func telegramName(name string) (string, bool) {
	n := strings.ReplaceAll(strings.ToLower(name), "-", "_")
	return n, telegramNameRE.MatchString(n)
}

// botCommands is the command list for setMyCommands: each command under its Telegram name with
// its summary in l; aliases are left out (one menu entry per command), as are names
// Telegram cannot show.
func botCommands(cs []Command, l lang.Lang) []tgbotapi.BotCommand {
	var out []tgbotapi.BotCommand
	seen := map[string]bool{}
	for _, c := range cs {
		name, ok := telegramName(c.Name)
		if !ok || seen[name] || len(out) == 100 {
			continue
		}
		seen[name] = true
		desc := strings.TrimSpace(l.T(c.Summary))
		if desc == "" || desc == c.Summary {
			desc = "/" + c.Name
		}
		if utf8.RuneCountInString(desc) > 256 {
			desc = string([]rune(desc)[:255]) + "…"
		}
		out = append(out, tgbotapi.BotCommand{Command: name, Description: desc})
	}
	return out
}

// registerCommands tells Telegram the command list (the menu and autocompletion), in the
// configured language. A failure is logged: commands still work when typed.
func (a *Adapter) registerCommands(ctx context.Context) {
	if a.opts.Commands == nil {
		return
	}
	cmds := botCommands(a.opts.Commands(), a.opts.Language)
	if len(cmds) == 0 {
		return
	}
	api, err := a.call(ctx)
	if err == nil {
		_, err = api.Request(tgbotapi.NewSetMyCommands(cmds...))
	}
	if err != nil {
		a.log.Warn("telegram: setMyCommands failed; commands still work when typed", "error", err)
		return
	}
	a.log.Info("telegram: command list registered", "commands", len(cmds), "language", string(a.opts.Language))
}

// poll receives updates with getUpdates until ctx ends.
func (a *Adapter) poll(ctx context.Context, p *workers.Pool, h bot.Handler) error {
	api, err := a.call(ctx)
	if err != nil {
		return err
	}
	// getUpdates answers 409 Conflict while a webhook is set.
	if _, err := api.Request(tgbotapi.DeleteWebhookConfig{}); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: deleteWebhook: %w", err)
	}
	offset := 0
	backoff := time.Second
	secs := int(a.opts.PollTimeout / time.Second)
	for {
		pctx, cancel := context.WithTimeout(ctx, a.opts.PollTimeout+20*time.Second)
		api, err := a.call(pctx)
		var ups []tgbotapi.Update
		if err == nil {
			ups, err = api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 100, Timeout: secs,
				AllowedUpdates: []string{"message", "callback_query"}})
		}
		cancel()
		if err == nil && ctx.Err() != nil {
			// The poll answered as the bot began to stop: what Telegram handed over is taken
			// and answered (its workers finish at Close), then confirmed, rather than left for a
			// restart that would answer it a second time if Telegram already counts it read.
			offset = a.take(ctx, p, h, ups, offset)
		}
		if ctx.Err() != nil {
			a.confirm(ctx, offset)
			return nil
		}
		if err != nil {
			a.connected.Store(false)
			if isBadToken(err) {
				return fmt.Errorf("telegram: getUpdates: the bot token is refused (%w); check %s", err, EnvToken)
			}
			a.log.Warn("telegram: getUpdates failed; retrying", "error", err, "in", backoff)
			select {
			case <-ctx.Done():
				a.confirm(ctx, offset)
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 30*time.Second)
			continue
		}
		a.connected.Store(true)
		backoff = time.Second
		offset = a.take(ctx, p, h, ups, offset)
	}
}

// take hands each update not seen yet to the workers and returns the next offset to ask for.
func (a *Adapter) take(ctx context.Context, p *workers.Pool, h bot.Handler, ups []tgbotapi.Update, offset int) int {
	var news []tgbotapi.Update
	for _, u := range ups {
		if u.UpdateID < offset {
			continue
		}
		offset = u.UpdateID + 1
		news = append(news, u)
	}
	for _, u := range a.firstTime(ctx, news) {
		a.dispatch(ctx, p, h, u)
	}
	return offset
}

// firstTime returns the updates of ups not taken before: not by this process (a webhook
// retried after a timeout), nor, with Options.Deliveries, before a restart (a webhook retried,
// or an update whose confirmation a crash lost). They are recorded as taken before they run: a
// crash between the two loses the command rather than running it twice.
func (a *Adapter) firstTime(ctx context.Context, ups []tgbotapi.Update) []tgbotapi.Update {
	var out []tgbotapi.Update
	var ids []string
	me := a.botID()
	for _, u := range ups {
		if a.seen.add(u.UpdateID) {
			continue
		}
		out = append(out, u)
		// Update ids are the bot's own: another token's bot numbers its updates alike.
		ids = append(ids, me+":"+strconv.Itoa(u.UpdateID))
	}
	first := bot.FirstDeliveries(ctx, a.opts.Deliveries, a.log, Platform, ids, DeliveryTTL)
	news := out[:0]
	for i, u := range out {
		if first[i] {
			news = append(news, u)
		} else {
			a.log.Info("telegram: an update taken before a restart was delivered again; dropped", "update_id", u.UpdateID)
		}
	}
	return news
}

// botID is the bot's user id from getMe, "0" before it is known.
func (a *Adapter) botID() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.api == nil {
		return "0"
	}
	return strconv.FormatInt(a.api.Self.ID, 10)
}

// confirm tells Telegram the updates taken so far were received (getUpdates with the next
// offset), so that a restart does not see them again.
func (a *Adapter) confirm(ctx context.Context, offset int) {
	if offset == 0 {
		return
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	api, err := a.call(cctx)
	if err == nil {
		_, err = api.GetUpdates(tgbotapi.UpdateConfig{Offset: offset, Limit: 1, Timeout: 0})
	}
	if err != nil {
		a.log.Warn("telegram: could not confirm the last updates; they may be answered again after a restart", "error", err)
	}
}

// maxWebhookBody bounds one webhook request; an update is a few KiB.
const maxWebhookBody = 1 << 20

// serveWebhook listens for Telegram's POSTs and registers the webhook, until ctx ends.
func (a *Adapter) serveWebhook(ctx context.Context, p *workers.Pool, h bot.Handler) error {
	ln := a.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", a.opts.WebhookListen); err != nil {
			return fmt.Errorf("telegram: webhook: %w", err)
		}
	}
	mux := http.NewServeMux()
	mux.Handle(a.opts.WebhookPath, a.webhookHandler(ctx, p, h))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 30 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()

	api, err := a.call(ctx)
	if err == nil {
		allowed, _ := json.Marshal([]string{"message", "callback_query"})
		_, err = api.MakeRequest("setWebhook", tgbotapi.Params{
			"url":             a.opts.WebhookURL,
			"secret_token":    a.opts.WebhookSecret,
			"allowed_updates": string(allowed),
		})
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	a.connected.Store(true)
	host := ""
	if u, err := url.Parse(a.opts.WebhookURL); err == nil {
		host = u.Host
	}
	a.log.Info("telegram: webhook registered", "host", host, "listen", ln.Addr().String(), "path", a.opts.WebhookPath)
	select {
	case <-ctx.Done():
		return nil
	case err := <-errc:
		return fmt.Errorf("telegram: webhook server: %w", err)
	}
}

// webhookHandler checks the secret token, reads the update, hands it on and answers 200 at
// once: the work happens after the answer.
func (a *Adapter) webhookHandler(ctx context.Context, p *workers.Pool, h bot.Handler) http.Handler {
	secret := []byte(a.opts.WebhookSecret)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), secret) != 1 {
			a.log.Warn("telegram: webhook request without the right secret token; refused", "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		var u tgbotapi.Update
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWebhookBody)).Decode(&u); err != nil {
			http.Error(w, "bad update", http.StatusBadRequest)
			return
		}
		for _, u := range a.firstTime(r.Context(), []tgbotapi.Update{u}) {
			a.dispatch(ctx, p, h, u)
		}
		w.WriteHeader(http.StatusOK)
	})
}

// dispatch hands one update to the worker pool, or answers "busy" when the pool is full.
// It never blocks on the handler.
func (a *Adapter) dispatch(ctx context.Context, p *workers.Pool, h bot.Handler, u tgbotapi.Update) {
	in, ok := normalize(u, a.Username(), a.commandNames())
	if !ok {
		return
	}
	if in.kind == kindMigrate {
		a.noteMigration(in.chatID, in.migrateTo)
		return
	}
	switch d := a.opts.Gate.Check(ctx, in.req); d.Verdict {
	case bot.Drop:
		if in.kind == kindCallback {
			a.quick(ctx, in, chat.Reply{}) // stops the clicker's spinner, saying nothing
		}
		return
	case bot.Answer:
		a.quick(ctx, in, d.Reply)
		return
	}
	// Fair between people and chats: one person's backlog never waits in front of another's.
	if p.Submit(workers.Job{User: in.req.User(), Chat: Platform + ":" + in.req.Channel, Run: func(jctx context.Context) {
		jctx, cancel := context.WithTimeout(jctx, a.opts.RequestTimeout)
		defer cancel()
		a.serve(jctx, h, in)
	}}) != nil {
		if rep, ok := a.opts.Gate.Busy(ctx, in.req); ok {
			a.quick(ctx, in, rep)
		}
	}
}

// busyAnswers bounds the answers in flight that refuse a command before it runs ("busy", over
// the rate, no role); beyond it an overloaded bot logs instead. The gate answers each person at
// most once in a while, so only many people at once come near it.
const busyAnswers = 32

// quick answers a command that is not run (busy, over the rate, no role) at once, outside the
// worker pool: a click with an alert, a message with a reply.
func (a *Adapter) quick(ctx context.Context, in inbound, rep chat.Reply) {
	select {
	case a.busySem <- struct{}{}:
	default:
		a.log.Error("telegram: overloaded; a command was neither run nor answered", "chat", in.chatID, "user", in.req.User())
		return
	}
	a.bg.Add(1)
	go func() {
		defer func() { <-a.busySem; a.bg.Done() }()
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if in.kind == kindCallback {
			text, _ := toast(rep)
			a.answerCallback(bctx, in.callbackID, text, true)
			return
		}
		a.reply(bctx, in.chatID, in.messageID, rep)
	}()
}

// lang is the language of what the adapter says itself to in's sender (not a command's
// reply): their /lang, else the bot's (Gate.Lang).
func (a *Adapter) lang(ctx context.Context, in inbound) lang.Lang {
	return a.opts.Gate.Lang(ctx, in.req.User())
}

// serve runs one command or click in a worker.
func (a *Adapter) serve(ctx context.Context, h bot.Handler, in inbound) {
	defer func() {
		if p := recover(); p != nil {
			a.log.Error("telegram: handling an update panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()),
				"chat", in.chatID, "user", in.req.User())
			if in.kind == kindCallback {
				a.answerCallback(ctx, in.callbackID, a.lang(ctx, in).Failed(), true)
			}
			a.reply(ctx, in.chatID, in.messageID, chat.Reply{Text: a.lang(ctx, in).Failed(), Error: true})
		}
	}()
	switch in.kind {
	case kindCommand:
		pm := a.progressMessage(in)
		rep, ok := h(chat.WithProgress(ctx, pm.Report), in.req)
		if !ok {
			if in.private {
				a.reply(ctx, in.chatID, in.messageID, chat.Reply{Text: a.lang(ctx, in).Hint()})
			}
			return
		}
		if !pm.Replace(ctx, rep) {
			a.reply(ctx, in.chatID, in.messageID, rep)
		}
	case kindCallback:
		a.serveClick(ctx, h, in)
	}
}

// callbackAckWait is how long a click waits for its command before Telegram is answered with
// "working" (the clicker's spinner must stop); the result then arrives as a message.
const callbackAckWait = 3 * time.Second

// serveClick runs the command of a clicked button as the person who clicked, exactly as if
// they had typed it, then answers the click (a toast, or an alert for a refusal) and, for a
// button that decides (an Approve, Reject or Cancel), edits the message to show the outcome and
// who decided, without its buttons. Any other button is answered with a new message, the one
// clicked left as it was.
func (a *Adapter) serveClick(ctx context.Context, h bot.Handler, in inbound) {
	var once sync.Once
	answer := func(text string, alert bool) {
		once.Do(func() { a.answerCallback(ctx, in.callbackID, text, alert) })
	}
	if in.chatID == 0 {
		answer(a.lang(ctx, in).NoButtons(), true)
		return
	}
	b, err := a.opts.Buttons.Button(ctx, in.token)
	switch {
	case errors.Is(err, store.ErrButtonExpired):
		answer(a.lang(ctx, in).ButtonExpired(b.Command), true)
		return
	case errors.Is(err, store.ErrNotFound) || in.token == "":
		answer(a.lang(ctx, in).ButtonGone(), true)
		return
	case err != nil:
		a.log.Error("telegram: reading a button", "error", err)
		answer(a.lang(ctx, in).Failed(), true)
		return
	}
	timer := time.AfterFunc(callbackAckWait, func() { answer(a.lang(ctx, in).Working(), false) })
	req := in.req
	req.Text = b.Command
	rep, ok := h(ctx, req)
	early := timer.Stop()
	if !ok {
		answer("", false)
		return
	}
	if rep.Error {
		summary, whole := toast(rep)
		if early {
			answer(summary, true)
		}
		if !early || !whole {
			a.reply(ctx, in.chatID, in.messageID, rep)
		}
		return
	}
	if early {
		answer(strings.TrimSpace("✅ "+b.Label), false)
	}
	if !b.Decides {
		a.reply(ctx, in.chatID, in.messageID, rep)
		return
	}
	decided := "👤 " + in.who
	if b.Label != "" {
		decided += " → " + b.Label
	}
	if rep.Footer != "" {
		rep.Footer += "\n"
	}
	rep.Footer += decided
	if err := a.edit(ctx, in.chatID, in.messageID, rep); err != nil {
		a.log.Warn("telegram: could not edit the clicked message; sending the outcome instead", "chat", in.chatID, "error", err)
		a.reply(ctx, in.chatID, in.messageID, rep)
	}
}

// maxToast is Telegram's limit on an answerCallbackQuery text.
const maxToast = 200

// toast is a reply as the short text of a click's answer, and whether it is all of it.
func toast(r chat.Reply) (string, bool) {
	var ps []string
	for _, s := range []string{r.Title, r.Text} {
		if s = strings.TrimSpace(s); s != "" {
			ps = append(ps, s)
		}
	}
	s := strings.Join(ps, "\n")
	whole := len(r.Fields) == 0 && len(r.Sections) == 0 && r.Table == nil && r.Footer == "" && len(r.Buttons) == 0
	if n := utf8.RuneCountInString(s); n > maxToast {
		return string([]rune(s)[:maxToast-1]) + "…", false
	}
	return s, whole
}

// answerCallback stops the clicker's spinner, with a toast or an alert.
func (a *Adapter) answerCallback(ctx context.Context, id, text string, alert bool) {
	if utf8.RuneCountInString(text) > maxToast {
		text = string([]rune(text)[:maxToast-1]) + "…"
	}
	api, err := a.call(ctx)
	if err == nil {
		cb := tgbotapi.NewCallback(id, text)
		cb.ShowAlert = alert && text != ""
		_, err = api.Request(cb)
	}
	if err != nil {
		a.log.Warn("telegram: answerCallbackQuery failed", "error", err)
	}
}

// interactiveRetryMax is the longest 429 wait a reply to a person sits out; past it the reply
// is given up (and logged).
const interactiveRetryMax = 30 * time.Second

// reply answers in chat, quoting the message replyTo in a group. Failures are logged: the
// person asked, and the log says why no answer came.
// progressMessage shows a long command's progress as one message (a reply to the command in
// a group), edited as it goes and then into the answer.
func (a *Adapter) progressMessage(in inbound) *bot.ProgressMessage {
	post := func(ctx context.Context, r chat.Reply) (bot.MessageRef, error) {
		to := 0
		if isGroup(in.chatID) {
			to = in.messageID
		}
		parts := Render(r, MaxMessageChars).Parts
		if len(parts) == 0 {
			return bot.MessageRef{}, errors.New("telegram: nothing to show")
		}
		m, err := a.sendPart(ctx, in.chatID, parts[0], to, nil, true)
		if err != nil {
			return bot.MessageRef{}, err
		}
		return bot.MessageRef{Channel: strconv.FormatInt(m.Chat.ID, 10), ID: strconv.Itoa(m.MessageID)}, nil
	}
	return bot.NewProgressMessage(post, a.Edit)
}

func (a *Adapter) reply(ctx context.Context, chatID int64, replyTo int, r chat.Reply) {
	steps, buttons := plan(r)
	for i, s := range steps {
		var kb *tgbotapi.InlineKeyboardMarkup
		if i == len(steps)-1 {
			var err error
			if kb, err = a.keyboard(ctx, buttons); err != nil {
				a.log.Error("telegram: saving buttons; the reply goes without them", "error", err)
			}
		}
		to := 0
		if i == 0 && isGroup(chatID) {
			to = replyTo
		}
		if _, err := a.sendStep(ctx, chatID, s, to, kb, true); err != nil {
			a.log.Warn("telegram: reply not delivered", "chat", chatID, "part", i+1, "of", len(steps), "error", err)
			if s.img != nil {
				// Telegram would not take the picture: the answer goes as text, saying so.
				a.reply(ctx, chatID, replyTo, bot.WithoutImages(r))
			}
			return
		}
	}
}

// keyboard saves the buttons' commands in the store and returns the inline keyboard whose
// buttons carry their tokens; nil for no buttons.
func (a *Adapter) keyboard(ctx context.Context, rows [][]chat.Button) (*tgbotapi.InlineKeyboardMarkup, error) {
	var bs []store.Button
	for _, row := range rows {
		for _, b := range row {
			bs = append(bs, store.Button{Platform: Platform, Command: b.Command, Label: stripMark(b.Label), Decides: b.Decides})
		}
	}
	if len(bs) == 0 {
		return nil, nil
	}
	tokens, err := a.opts.Buttons.SaveButtons(ctx, bs, a.opts.ButtonTTL)
	if err != nil {
		return nil, err
	}
	kb := tgbotapi.InlineKeyboardMarkup{}
	i := 0
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Label, callbackPrefix+tokens[i]))
			i++
		}
		kb.InlineKeyboard = append(kb.InlineKeyboard, r)
	}
	return &kb, nil
}

func stripMark(label string) string {
	label = strings.TrimPrefix(label, markPrimary)
	return strings.TrimPrefix(label, markDanger)
}

// chatOf follows a group to the supergroup it became.
func (a *Adapter) chatOf(chatID int64) int64 {
	a.mu.Lock()
	defer a.mu.Unlock()
	for range 4 { // a chain of migrations is short; a loop would be a bug
		next, ok := a.moved[chatID]
		if !ok {
			break
		}
		chatID = next
	}
	return chatID
}

// noteMigration records that group from became supergroup to. Telegram refuses messages to the
// old id from then on (400 with migrate_to_chat_id); the adapter sends to the new one, and says
// once that the configuration and subscriptions naming the old chat should be updated.
func (a *Adapter) noteMigration(from, to int64) {
	if from == 0 || to == 0 || from == to {
		return
	}
	a.mu.Lock()
	_, known := a.moved[from]
	a.moved[from] = to
	a.mu.Unlock()
	if !known {
		a.log.Warn("telegram: a group became a supergroup with a new chat id; messages now go to the new id. "+
			"Replace the old id in approvals.channel, approvals.action_channels and alerts.subscriptions, and /subscribe again in the group",
			"old", fmt.Sprintf("telegram:%d", from), "new", fmt.Sprintf("telegram:%d", to))
	}
}

// sendPart sends one HTML part to chatID, keeping the pace. It follows a group that became a
// supergroup, falls back to plain text if Telegram refuses the HTML, and, when patient (a reply
// to a person), sits out short 429s; otherwise a 429 is returned for the dispatcher to wait.
func (a *Adapter) sendPart(ctx context.Context, chatID int64, part string, replyTo int, kb *tgbotapi.InlineKeyboardMarkup, patient bool) (tgbotapi.Message, error) {
	chatID = a.chatOf(chatID)
	mode := tgbotapi.ModeHTML
	for attempt := 0; ; attempt++ {
		if err := a.pace.wait(ctx, chatID); err != nil {
			return tgbotapi.Message{}, err
		}
		api, err := a.call(ctx)
		if err != nil {
			return tgbotapi.Message{}, err
		}
		msg := tgbotapi.NewMessage(chatID, part)
		msg.ParseMode = mode
		msg.DisableWebPagePreview = true
		if replyTo != 0 {
			msg.ReplyToMessageID = replyTo
			msg.AllowSendingWithoutReply = true
		}
		if kb != nil {
			msg.ReplyMarkup = *kb
		}
		sent, err := api.Send(msg)
		if err == nil {
			return sent, nil
		}
		te, ok := apiError(err)
		if !ok || attempt >= 3 {
			return tgbotapi.Message{}, fmt.Errorf("telegram: sendMessage to %d: %w", chatID, err)
		}
		switch {
		case te.MigrateToChatID != 0:
			a.noteMigration(chatID, te.MigrateToChatID)
			chatID = te.MigrateToChatID
			continue
		case isThrottle(te):
			wait := retryAfter(te)
			a.pace.hold(chatID, wait)
			if patient && wait <= interactiveRetryMax {
				a.log.Warn("telegram: flood control; waiting before sending again", "chat", chatID, "retry_after", wait)
				continue
			}
		case isBadHTML(te) && mode == tgbotapi.ModeHTML:
			a.log.Error("telegram: Telegram refused the HTML of a message; sending it as plain text", "chat", chatID, "error", err)
			part, mode = plainText(part), ""
			continue
		}
		return tgbotapi.Message{}, fmt.Errorf("telegram: sendMessage to %d: %w", chatID, err)
	}
}

// edit replaces message msgID in chatID with r: the first part (with the buttons if it is the
// only one) replaces the message, further parts follow as new messages. An edit that changes
// nothing is not an error.
func (a *Adapter) edit(ctx context.Context, chatID int64, msgID int, r chat.Reply) error {
	chatID = a.chatOf(chatID)
	m := Render(r, MaxMessageChars)
	if len(m.Parts) == 0 {
		return errors.New("telegram: nothing to show")
	}
	kb, err := a.keyboard(ctx, m.Buttons)
	if err != nil {
		return err
	}
	var firstKB *tgbotapi.InlineKeyboardMarkup
	if len(m.Parts) == 1 {
		firstKB = kb // without one, Telegram removes the buttons
	}
	if err := a.editText(ctx, chatID, msgID, m.Parts[0], firstKB); err != nil {
		return err
	}
	for i, part := range m.Parts[1:] {
		var pkb *tgbotapi.InlineKeyboardMarkup
		if i == len(m.Parts)-2 {
			pkb = kb
		}
		if _, err := a.sendPart(ctx, chatID, part, 0, pkb, true); err != nil {
			return err
		}
	}
	// A text message cannot become a photo: the reply's images follow it, each with its alt text.
	for _, img := range r.Images {
		if _, err := a.sendImage(ctx, chatID, img, shortCaption(img.Alt), 0, nil, true); err != nil {
			return err
		}
	}
	return nil
}

// editText replaces the text (and keyboard) of message msgID, keeping the pace, sitting out
// short 429s and falling back to plain text if Telegram refuses the HTML.
func (a *Adapter) editText(ctx context.Context, chatID int64, msgID int, part string, kb *tgbotapi.InlineKeyboardMarkup) error {
	mode := tgbotapi.ModeHTML
	for attempt := 0; ; attempt++ {
		if err := a.pace.wait(ctx, chatID); err != nil {
			return err
		}
		api, err := a.call(ctx)
		if err != nil {
			return err
		}
		e := tgbotapi.NewEditMessageText(chatID, msgID, part)
		e.ParseMode = mode
		e.DisableWebPagePreview = true
		e.ReplyMarkup = kb
		_, err = api.Request(e)
		te, ok := apiError(err)
		switch {
		case err == nil || ok && isNotModified(te):
			return nil
		case ok && attempt < 3 && isThrottle(te) && retryAfter(te) <= interactiveRetryMax:
			a.pace.hold(chatID, retryAfter(te))
		case ok && attempt < 3 && isBadHTML(te) && mode == tgbotapi.ModeHTML:
			a.log.Error("telegram: Telegram refused the HTML of an edit; sending it as plain text", "chat", chatID, "error", err)
			part, mode = plainText(part), ""
		default:
			return fmt.Errorf("telegram: editMessageText %d in %d: %w", msgID, chatID, err)
		}
	}
}

// Edit replaces a message the bot sent (ref.ID is the message id) with r.
func (a *Adapter) Edit(ctx context.Context, ref bot.MessageRef, r chat.Reply) error {
	chatID, err := strconv.ParseInt(ref.Channel, 10, 64)
	if err != nil {
		return bot.Permanent(fmt.Errorf("telegram: %q is not a chat id", ref.Channel))
	}
	msgID, err := strconv.Atoi(ref.ID)
	if err != nil || msgID <= 0 {
		return bot.Permanent(fmt.Errorf("telegram: %q is not a message id", ref.ID))
	}
	return classify(a.edit(ctx, chatID, msgID, r))
}

// Send delivers a notice: to.Channel is a chat id (a group's is negative); a notice with only
// to.UserID goes to the user's private chat with the bot, whose id is the user id. A notice in
// several parts that fails part-way resumes where it stopped when the dispatcher retries it,
// so no part arrives twice. A notice's images are parts like its texts (see plan): a photo that
// went out is not sent again when the text after it failed. The progress is kept in memory:
// a restart in the middle of a notice repeats that notice, the outbox's bound. Errors are
// classified for the dispatcher (see classify).
func (a *Adapter) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	dest := to.Channel
	if dest == "" {
		dest = to.UserID
	}
	chatID, err := strconv.ParseInt(strings.TrimSpace(dest), 10, 64)
	if err != nil || chatID == 0 {
		return bot.Permanent(fmt.Errorf("telegram: %q is not a chat id (telegram:<chat id>, e.g. telegram:-1001234567890)", dest))
	}
	steps, buttons := plan(r)
	if len(steps) == 0 {
		return nil
	}
	keys := make([]string, len(steps))
	for i, s := range steps {
		keys[i] = s.key()
	}
	key := resume.Key(strconv.FormatInt(chatID, 10), keys...)
	start := a.partial.Sent(key, a.opts.Now())
	for i := start; i < len(steps); i++ {
		var kb *tgbotapi.InlineKeyboardMarkup
		if i == len(steps)-1 {
			if kb, err = a.keyboard(ctx, buttons); err != nil {
				a.partial.Record(key, i, a.opts.Now())
				return fmt.Errorf("telegram: saving buttons: %w", err)
			}
		}
		if _, err := a.sendStep(ctx, chatID, steps[i], 0, kb, false); err != nil {
			a.partial.Record(key, i, a.opts.Now())
			return classify(err)
		}
	}
	a.partial.Record(key, 0, a.opts.Now())
	return nil
}

// recent remembers the last update ids, so that an update Telegram delivers twice (a webhook
// retried after a timeout) is handled once.
type recent struct {
	mu    sync.Mutex
	ids   map[int]struct{}
	order []int
	next  int
}

func newRecent(n int) *recent {
	return &recent{ids: make(map[int]struct{}, n), order: make([]int, 0, n)}
}

// add records id and reports whether it was already there.
func (r *recent) add(id int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.ids[id]; ok {
		return true
	}
	if len(r.order) < cap(r.order) {
		r.order = append(r.order, id)
	} else {
		delete(r.ids, r.order[r.next])
		r.order[r.next] = id
		r.next = (r.next + 1) % len(r.order)
	}
	r.ids[id] = struct{}{}
	return false
}
