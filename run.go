package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/store"
)

// app is everything a running bot is wired from.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	store   *store.Store
	router  *commands.Router
	bss     *bss.Client
	direct  *directPlatforms // which running adapters can message users directly
	scanner *alerts.Scanner  // nil when alerts are disabled
	stop    func()
}

// newApp loads the configuration, opens the store, builds the BSS client (starting the sandbox
// when configured) and the command router.
func newApp(ctx context.Context, cfgPath string, stderr io.Writer) (*app, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	log := newLogger(cfg.Log, stderr)
	st, err := store.Open(cfg.StorePath(), store.Options{Timeout: cfg.Store.LockTimeout, CheckTimeout: cfg.Store.CheckTimeout,
		Logger: log.With("component", "store")})
	if err != nil {
		return nil, err
	}
	client, stopBSS, err := newBSS(ctx, cfg, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	direct := &directPlatforms{}
	roles := map[string]commands.Role{}
	for user, name := range cfg.Roles.Users {
		r, _ := commands.ParseRole(name)
		roles[user] = r
	}
	def, _ := commands.ParseRole(cfg.Roles.Default)
	lang, _ := commands.ParseLang(cfg.Bot.Language)
	var scanner *alerts.Scanner
	var cmdScanner commands.Scanner
	if cfg.Alerts.Enabled {
		// Start-up bookkeeping is not cut short by a command's deadline.
		if err := syncSubscriptions(context.WithoutCancel(ctx), st, cfg.Alerts.Subscriptions); err != nil {
			stopBSS()
			st.Close()
			return nil, err
		}
		step, _ := bss.ParseAmount(strconv.FormatFloat(cfg.Alerts.ArrearsStep, 'f', 2, 64))
		scanner = alerts.New(client, st, alerts.Options{Location: cfg.Location(), Lang: lang,
			Logger: log.With("component", "alerts"), Concurrency: cfg.Alerts.Concurrency, ArrearsStep: step,
			Lookback: cfg.Alerts.Lookback, Delta: cfg.Alerts.Delta, FullRefresh: cfg.Alerts.FullRefresh,
			OrderOverlap: cfg.Alerts.OrderOverlap, PageSize: cfg.BSS.PageSize})
		cmdScanner = scanner
	}
	router := commands.New(client, st, commands.Options{
		BotName: cfg.Bot.Name, Roles: roles, DefaultRole: def, Lang: lang, Location: cfg.Location(),
		Logger: log.With("component", "commands"), PageSize: cfg.Bot.PageSize,
		Approvals: cfg.Approvals.Required, ExpireAfter: cfg.Approvals.ExpireAfter,
		CommandTimeout: cfg.Bot.CommandTimeout, ActionTimeout: cfg.Approvals.ActionTimeout,
		DirectMessages:   direct.can,
		ApprovalsChannel: cfg.Approvals.Channel, ActionChannels: cfg.Approvals.ActionChannels,
		Scanner: cmdScanner,
	})
	// Requests left executing by a crash are settled from BSS state before anything else runs.
	if err := router.Maintain(ctx); err != nil {
		log.Warn("settling requests at start-up", "error", err)
	}
	return &app{cfg: cfg, log: log, store: st, router: router, bss: client, direct: direct, scanner: scanner, stop: func() {
		stopBSS()
		if err := st.Close(); err != nil {
			log.Error("closing the store", "error", err)
		}
	}}, nil
}

// startFailure is the exit code of a start that failed with err: a store another process holds,
// or a damaged one, is a failure (exit 1), not a mistake in the call or the configuration (exit 2).
func startFailure(err error) int {
	if errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrCorrupted) {
		return exitFailed
	}
	return exitUsage
}

// syncSubscriptions makes the store's configuration subscriptions those of the file.
func syncSubscriptions(ctx context.Context, st *store.Store, subs []config.ConfigSubscription) error {
	out := make([]store.Subscription, 0, len(subs))
	for _, s := range subs {
		platform, channel, _ := strings.Cut(s.Channel, ":")
		days := s.Days
		if len(days) == 0 && s.Kind != "arrears" {
			days = alerts.DefaultDays
		}
		days = append([]int(nil), days...)
		sort.Sort(sort.Reverse(sort.IntSlice(days)))
		out = append(out, store.Subscription{Platform: platform, Channel: channel, Kind: s.Kind, Scope: s.Scope,
			Days: days, CreatedBy: store.Actor{Platform: "system", UserID: "config"}})
	}
	if err := st.SyncConfigSubscriptions(ctx, out); err != nil {
		return fmt.Errorf("alerts.subscriptions: %w", err)
	}
	return nil
}

// runBot runs the bot with the adapters the configuration enables, until ctx ends.
func runBot(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("partnerbot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example: sandbox and console)")
	as := fs.String("as", "", "console user as platform:user or user (default: console.user of the configuration)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		if err == nil {
			fmt.Fprintf(stderr, "partnerbot: unexpected argument %q\n", fs.Arg(0))
		}
		return exitUsage
	}
	a, err := newApp(ctx, *cfgPath, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot:", err)
		return startFailure(err)
	}
	defer a.stop()
	adapters, err := a.adapters(stdin, stdout, *as)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot:", err)
		return exitUsage
	}
	senders, limits := map[string]bot.Sender{}, map[string]int{}
	names := make([]string, 0, len(adapters))
	for _, ad := range adapters {
		senders[ad.Platform()] = ad
		if dm, ok := ad.(bot.DirectMessenger); ok && dm.CanMessageUsers() {
			a.direct.add(ad.Platform())
		}
		if l, ok := ad.(bot.MessageLimiter); ok {
			limits[ad.Platform()] = l.MaxMessageChars()
		}
		names = append(names, ad.Platform())
	}
	a.log.Info("partnerbot started", "store", a.store.Path(), "adapters", strings.Join(names, ","))
	bgctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stopBackground := func() { cancel(); wg.Wait() }
	defer stopBackground()
	disp := &bot.Dispatcher{Outbox: a.store, Senders: senders, Admins: a.admins(),
		Logger: a.log.With("component", "dispatch"), Hold: a.quietHold}
	if a.scanner != nil {
		a.scanner.SetMessageLimits(limits)
		noArrears := !a.bss.Supports(bss.OpListCustomersBalancesDetail)
		if noArrears {
			a.log.Warn("the arrears scan is off: the international site has no customer balance API")
		}
		if _, err := a.scanner.Start(bgctx, alerts.Schedule{Expiry: a.cfg.Alerts.ExpirySchedule,
			Arrears: a.cfg.Alerts.ArrearsSchedule, NoArrears: noArrears, Location: a.cfg.Location()}); err != nil {
			fmt.Fprintln(stderr, "partnerbot:", err)
			return exitUsage
		}
		a.log.Info("alert scans scheduled", "expiry", a.cfg.Alerts.ExpirySchedule, "arrears", a.cfg.Alerts.ArrearsSchedule,
			"zone", a.cfg.Location().String())
	}
	wg.Add(2)
	go func() { defer wg.Done(); disp.Run(bgctx) }()
	go func() { defer wg.Done(); a.maintainEvery(bgctx, time.Minute) }()
	if err := bot.Serve(ctx, adapters, bot.NewHandler(a.router), a.log.With("component", "bot")); err != nil {
		a.log.Error("console stopped", "error", err)
		return exitFailed
	}
	// Deliver what the last commands queued before leaving, once the background loop stopped.
	stopBackground()
	for round := 0; round < 100; round++ { // bounded: what fails waits for the next start
		sent, _, err := disp.RunOnce(context.WithoutCancel(ctx))
		if err != nil {
			a.log.Warn("delivering notices", "error", err)
		}
		if err != nil || sent == 0 {
			break
		}
	}
	return exitOK
}

// directPlatforms is the set of platforms whose running adapter can message a user directly;
// runBot fills it before any adapter runs, exec leaves it empty.
type directPlatforms struct {
	mu  sync.RWMutex
	set map[string]bool
}

func (d *directPlatforms) add(platform string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set == nil {
		d.set = map[string]bool{}
	}
	d.set[platform] = true
}

func (d *directPlatforms) can(platform string) bool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.set[platform]
}

// admins are the users with the admin role, told when a notice is parked.
func (a *app) admins() []string {
	var out []string
	for user, role := range a.cfg.Roles.Users {
		if role == "admin" {
			out = append(out, user)
		}
	}
	sort.Strings(out)
	return out
}

// quietHold keeps alerts inside their channel's quiet hours, retries included.
func (a *app) quietHold(ctx context.Context, n store.Notice, now time.Time) time.Time {
	if !strings.HasPrefix(n.Kind, "alert") || n.Channel == "" {
		return now
	}
	q, err := a.store.QuietHours(ctx, n.Platform, n.Channel)
	if err != nil {
		return now
	}
	return alerts.QuietEnd(q, a.cfg.Location(), now)
}

// maintainEvery expires overdue requests and settles interrupted ones until ctx ends.
func (a *app) maintainEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := a.router.Maintain(ctx); err != nil && ctx.Err() == nil {
				a.log.Warn("maintaining requests", "error", err)
			}
		}
	}
}

// runExec runs one command and prints the reply: exit 0 on success, 1 when the command failed,
// 2 on a usage or configuration error.
func runExec(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("partnerbot exec", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example: the sandbox)")
	as := fs.String("as", "", "who runs the command, as platform:user-id (default: console:<console.user>)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: partnerbot exec [-config FILE] [-as PLATFORM:USER] '/command args'")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	text := strings.Join(fs.Args(), " ")
	platform, user := "", ""
	if *as != "" {
		var ok bool
		platform, user, ok = strings.Cut(*as, ":")
		if !ok || platform == "" || user == "" {
			fmt.Fprintf(stderr, "partnerbot exec: -as %q: want platform:user-id, e.g. console:alice\n", *as)
			return exitUsage
		}
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	a, err := newApp(ctx, *cfgPath, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot exec:", err)
		return startFailure(err)
	}
	defer a.stop()
	if platform == "" {
		platform, user = "console", a.cfg.Console.User
	}
	rep, ok := bot.NewHandler(a.router)(ctx, commands.Request{Platform: platform, UserID: user, Channel: "exec", Text: text})
	if !ok {
		fmt.Fprintf(stderr, "partnerbot exec: %q is not a command (commands start with /)\n", text)
		return exitUsage
	}
	fmt.Fprint(stdout, console.Render(rep))
	if rep.Error {
		return exitFailed
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return exitFailed
	}
	return exitOK
}
