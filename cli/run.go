package cli

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

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/metrics"
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
	metrics *metrics.Metrics
	stop    func()

	gateOnce sync.Once
	gate     *bot.Gate // see userGate
}

// newApp loads the configuration, opens the store, builds the BSS client (starting the sandbox
// when configured) and the command router.
func newApp(ctx context.Context, cfgPath string, stderr io.Writer) (*app, error) {
	cfg, err := loadConfig(cfgPath)
	if err != nil {
		return nil, err
	}
	opts, lc, lockTimeout := startOptions(ctx), cfg.Log, cfg.Store.LockTimeout
	if opts.QuietLog {
		lc.Level = execLevel(lc.Level)
	}
	if opts.LockTimeout > 0 {
		lockTimeout = opts.LockTimeout
	}
	log := newLoggerIn(lc, cfg.Location(), stderr)
	st, err := store.Open(cfg.StorePath(), store.Options{Timeout: lockTimeout, CheckTimeout: cfg.Store.CheckTimeout,
		Logger: log.With("component", "store"), NoticeRetention: cfg.Store.Retention.DeliveredNotices,
		Secrets: envSecrets()})
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	client, stopBSS, err := newBSS(ctx, cfg, log, m)
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
			OrderOverlap: cfg.Alerts.OrderOverlap, PageSize: cfg.BSS.PageSize, Observer: m})
		cmdScanner = scanner
	}
	router := commands.New(client, st, commands.Options{
		BotName: cfg.Bot.Name, Roles: roles, DefaultRole: def, Lang: lang, Location: cfg.Location(),
		Logger: log.With("component", "commands"), PageSize: cfg.Bot.PageSize, LiveMaxCustomers: cfg.Bot.LiveMaxCustomers,
		Approvals: cfg.Approvals.Required, ExpireAfter: cfg.Approvals.ExpireAfter,
		CommandTimeout: cfg.Bot.CommandTimeout, ActionTimeout: cfg.Approvals.ActionTimeout,
		DirectMessages:   direct.can,
		IsDirect:         direct.isDirect,
		ApprovalsChannel: cfg.Approvals.Channel, ActionChannels: cfg.Approvals.ActionChannels,
		Scanner: cmdScanner, Observer: m,
	})
	// Requests left executing by a crash are settled from BSS state before anything else runs.
	if err := router.Maintain(ctx); err != nil && ctx.Err() == nil {
		log.Warn("settling requests at start-up", "error", err)
	}
	return &app{cfg: cfg, log: log, store: st, router: router, bss: client, direct: direct, scanner: scanner, metrics: m, stop: func() {
		stopBSS()
		if err := st.Close(); err != nil {
			log.Error("closing the store", "error", err)
		}
	}}, nil
}

// startFailure is the exit code of a start that failed with err: a store another process holds,
// a damaged one or one of a newer partnerbot, is a failure (exit 1), not a mistake in the call or
// the configuration (exit 2).
func startFailure(err error) int {
	if errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrCorrupted) || errors.Is(err, store.ErrSchemaTooNew) {
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
	consoleUser, storePath, consoleOnly := consoleAlone(*cfgPath, stdin, *as)
	var opts appOptions
	if consoleOnly {
		opts.LockTimeout = consoleLockTimeout
	}
	a, err := newApp(withStart(ctx, opts), *cfgPath, stderr)
	if err != nil {
		if consoleOnly && errors.Is(err, store.ErrLocked) {
			fmt.Fprintln(stderr, storeInUse(storePath, *cfgPath, consoleUser))
			return exitFailed
		}
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
			a.direct.add(ad.Platform(), dm)
		}
		if l, ok := ad.(bot.MessageLimiter); ok {
			limits[ad.Platform()] = l.MaxMessageChars()
		}
		names = append(names, ad.Platform())
	}
	srv, err := a.adminServer(adapters)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot:", err)
		return exitFailed
	}
	if srv != nil {
		srv.Start()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				a.log.Warn("stopping the admin endpoints", "error", err)
			}
		}()
	}
	a.log.Info("partnerbot started", append([]any{"store", a.store.Path(), "adapters", strings.Join(names, ",")},
		currentBuild().logAttrs()...)...)

	// Shutting down: the first signal (the end of ctx) stops the adapters taking messages and
	// the scans and maintenance starting; the commands already taken, and the notices they
	// queue, may go on until abort ends, shortly before bot.shutdown_timeout; by then the
	// process is gone.
	timeout := a.cfg.Bot.ShutdownTimeout
	grace := min(abandonAfter, timeout/4) // between abort and leaving without the adapters
	abort, cancelAbort := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAbort()
	returned := make(chan struct{})
	defer close(returned)
	go func() {
		select {
		case <-returned:
			return
		case <-ctx.Done():
		}
		a.log.Info("shutting down: taking no new messages; commands in flight may finish", "timeout", timeout)
		if srv != nil {
			srv.Drain()
		}
		select {
		case <-returned:
		case <-time.After(timeout - grace):
			cancelAbort()
		}
	}()

	bgctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stopBackground := func() { cancel(); wg.Wait() }
	defer stopBackground()
	disp := &bot.Dispatcher{Outbox: a.store, Senders: senders, Admins: a.admins(),
		Logger: a.log.With("component", "dispatch"), Hold: a.quietHold, Observer: a.metrics,
		Langs: a.store, Lang: a.router.Lang()}
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
	// Notices go out while the commands in flight finish: the dispatcher stops only after
	// them, or at abort.
	dctx, stopDispatch := context.WithCancel(abort)
	var dwg sync.WaitGroup
	defer func() { stopDispatch(); dwg.Wait() }()
	dwg.Add(1)
	go func() { defer dwg.Done(); disp.Run(dctx) }()
	wg.Add(2)
	go func() { defer wg.Done(); a.maintainEvery(bgctx, time.Minute) }()
	go func() { defer wg.Done(); a.pruneEvery(bgctx, pruneInterval) }()
	a.serveControl(bgctx, &wg) // partnerbot exec and backup beside the running bot

	served := make(chan error, 1)
	go func() {
		served <- bot.Serve(ctx, adapters, bot.Detach(bot.NewHandler(a.router), abort), a.log.With("component", "bot"))
	}()
	var serveErr error
	select {
	case serveErr = <-served:
	case <-abort.Done():
		// The commands still running were cancelled: give their adapters a moment to answer
		// and return, then leave without them.
		select {
		case serveErr = <-served:
		case <-time.After(grace):
			a.log.Error("shutdown_timeout passed and adapters are still busy; exiting without them", "timeout", timeout)
			return exitFailed
		}
	}
	if serveErr != nil {
		a.log.Error("console stopped", "error", serveErr)
		return exitFailed
	}
	// Deliver what the last commands queued before leaving, within shutdown_timeout (counted
	// from the signal, or from now when the console ended the bot). What is not delivered
	// stays in the outbox for the next start.
	stopBackground()
	flush, cancelFlush := context.WithTimeout(abort, timeout)
	defer cancelFlush()
	for round := 0; round < 100; round++ { // bounded: what fails waits for the next start
		sent, _, err := disp.RunOnce(flush)
		if err != nil {
			if flush.Err() == nil {
				a.log.Warn("delivering notices", "error", err)
			}
			break
		}
		if sent == 0 {
			break
		}
	}
	if ob, err := a.store.OutboxStats(context.WithoutCancel(ctx)); err == nil && ob.Waiting > 0 {
		a.log.Info("notices left in the outbox for the next start", "waiting", ob.Waiting)
	}
	a.log.Info("partnerbot stopped")
	return exitOK
}

// abandonAfter is the longest the bot waits, once the commands still running were cancelled
// near the end of shutdown_timeout, for their adapters to return before exiting without them.
const abandonAfter = 2 * time.Second

// adminServer binds admin.listen and wires the health and metrics endpoints; nil when
// admin.listen is empty.
func (a *app) adminServer(adapters []bot.Adapter) (*admin.Server, error) {
	if a.cfg.Admin.Listen == "" {
		return nil, nil
	}
	a.metrics.Watch(a.store, adapters)
	log := a.log.With("component", "admin")
	return admin.Listen(a.cfg.Admin.Listen, admin.Options{Store: a.store, Adapters: adapters, BSS: a.metrics,
		Metrics: a.metrics.Handler(log), Logger: log, Version: currentBuild().String()})
}

// directPlatforms holds the running adapters that can message a user directly, by platform;
// runBot fills it before any adapter runs, exec leaves it empty.
type directPlatforms struct {
	mu  sync.RWMutex
	set map[string]bot.DirectMessenger
}

func (d *directPlatforms) add(platform string, dm bot.DirectMessenger) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set == nil {
		d.set = map[string]bot.DirectMessenger{}
	}
	d.set[platform] = dm
}

// can reports whether a requester who asked in channel should also be messaged in person.
func (d *directPlatforms) can(platform, channel, user string) bool {
	d.mu.RLock()
	dm := d.set[platform]
	d.mu.RUnlock()
	return dm != nil && !dm.IsDirect(channel, user)
}

// isDirect reports whether channel is the direct conversation with user on platform (false
// when that platform's adapter does not run or cannot message users).
func (d *directPlatforms) isDirect(platform, channel, user string) bool {
	d.mu.RLock()
	dm := d.set[platform]
	d.mu.RUnlock()
	return dm != nil && dm.IsDirect(channel, user)
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
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot exec:", err)
		return exitUsage
	}
	if platform == "" {
		platform, user = "console", cfg.Console.User
	}
	// A running bot holds the store: the command runs inside it, over its control socket.
	var res control.ExecResult
	deadline, _ := ctx.Deadline()
	ask := func(_ context.Context, sock string) (err error) {
		// The bot gives the command what is left of -timeout and answers even when it runs out
		// ("did not answer in time"): wait a little longer than that for its answer.
		actx, acancel := context.WithDeadline(parent, deadline.Add(execGrace))
		defer acancel()
		left := max(time.Until(deadline), time.Millisecond)
		res, err = control.Exec(actx, sock, control.ExecRequest{Platform: platform, User: user, Text: text, Timeout: left})
		return err
	}
	done, err := viaBot(ctx, cfg, ask)
	if !done {
		a, aerr := newApp(withStart(ctx, appOptions{QuietLog: true}), *cfgPath, stderr)
		switch {
		case aerr == nil:
			defer a.stop()
			if err := control.RemoveStale(socketOf(cfg)); err != nil { // we hold the store: no bot serves it
				a.log.Warn("control socket", "error", err)
			}
			res = a.execute(ctx, commands.Request{Platform: platform, UserID: user, Channel: "exec", Text: text})
		case errors.Is(aerr, store.ErrLocked):
			// A bot that started meanwhile serves its socket by now; if none does, say who holds the store.
			if done, err = viaBot(ctx, cfg, ask); !done {
				err = aerr
			}
		default:
			fmt.Fprintln(stderr, "partnerbot exec:", aerr)
			return startFailure(aerr)
		}
	}
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot exec:", controlFailure(err))
		return exitFailed
	}
	if res.NotCommand {
		fmt.Fprintf(stderr, "partnerbot exec: %q is not a command (commands start with /)\n", text)
		return exitUsage
	}
	fmt.Fprint(stdout, res.Reply)
	if res.Failed {
		return exitFailed
	}
	return exitOK
}
