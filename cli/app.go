package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
)

// app is everything a running bot is wired from.
type app struct {
	cfg     *config.Config
	log     *slog.Logger
	store   store.Backend
	etcd    *clientv3.Client // the store's etcd client with store.backend etcd; nil with bbolt
	router  *commands.Router
	bss     *bss.Client
	direct  *service.Direct // which running adapters can message users directly
	scanner *alerts.Scanner // nil when alerts are disabled
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
	useSignalLog(ctx, log)
	st, etcd, closeStore, err := openStore(ctx, cfg, log, lockTimeout)
	if err != nil {
		return nil, err
	}
	m := metrics.New()
	client, stopBSS, err := newBSS(ctx, cfg, log, m)
	if err != nil {
		closeStore()
		return nil, err
	}
	direct := &service.Direct{}
	roles := map[string]chat.Role{}
	for user, name := range cfg.Roles.Users {
		r, _ := chat.ParseRole(name)
		roles[user] = r
	}
	def, _ := chat.ParseRole(cfg.Roles.Default)
	lang, _ := lang.ParseLang(cfg.Bot.Language)
	var scanner *alerts.Scanner
	var cmdScanner commands.Scanner
	var forecaster commands.Forecaster // nil (not a nil *alerts.Forecaster) without alerts
	var fc *alerts.Forecaster
	if cfg.Alerts.Enabled {
		fc = alerts.NewForecaster(client, st, nil, log.With("component", "forecast"), cfg.Alerts.Concurrency)
		// Start-up bookkeeping is not cut short by a command's deadline.
		if err := syncSubscriptions(context.WithoutCancel(ctx), st, cfg.Alerts.Subscriptions); err != nil {
			stopBSS()
			closeStore()
			return nil, err
		}
		step, _ := bss.ParseAmount(strconv.FormatFloat(cfg.Alerts.ArrearsStep, 'f', 2, 64))
		scanner = alerts.New(client, st, alerts.Options{Location: cfg.Location(), Lang: lang,
			Logger: log.With("component", "alerts"), Concurrency: cfg.Alerts.Concurrency, ArrearsStep: step,
			Lookback: cfg.Alerts.Lookback, Delta: cfg.Alerts.Delta, FullRefresh: cfg.Alerts.FullRefresh,
			OrderOverlap: cfg.Alerts.OrderOverlap, PageSize: cfg.BSS.PageSize, Observer: m,
			Forecaster: fc, ForecastDays: cfg.Alerts.ForecastDays, Health: healthOptions(cfg.Alerts.Health, fc)})
		cmdScanner = service.ScanCommand(scanner)
		forecaster = fc
	}
	router := commands.New(client, st, commands.Options{
		BotName: cfg.Bot.Name, Roles: roles, DefaultRole: def, Lang: lang, Location: cfg.Location(),
		Logger: log.With("component", "commands"), PageSize: cfg.Bot.PageSize, LiveMaxCustomers: cfg.Bot.LiveMaxCustomers,
		Approvals: cfg.Approvals.Required, ExpireAfter: cfg.Approvals.ExpireAfter,
		CommandTimeout: cfg.Bot.CommandTimeout, ActionTimeout: cfg.Approvals.ActionTimeout,
		DirectMessages:   direct.Can,
		IsDirect:         direct.IsDirect,
		ApprovalsChannel: cfg.Approvals.Channel, ActionChannels: cfg.Approvals.ActionChannels,
		Scanner: cmdScanner, ExpiryIndex: alerts.NewIndex(client, st, nil), Observer: m,
		Forecaster: forecaster,
	})
	// Requests left executing by a crash are settled from BSS state before anything else runs.
	if err := router.Maintain(ctx); err != nil && ctx.Err() == nil {
		log.Warn("settling requests at start-up", "error", err)
	}
	return &app{cfg: cfg, log: log, store: st, etcd: etcd, router: router, bss: client, direct: direct, scanner: scanner, metrics: m, stop: func() {
		stopBSS()
		if err := closeStore(); err != nil {
			log.Error("closing the store", "error", err)
		}
	}}, nil
}

// cluster is the replica's membership with store.backend etcd: the store's client, the replica's
// name (cluster.id or the host name), the store's prefix (the election and member keys go under
// its "cluster/") and cluster.lease; nil with bbolt, where the bot runs alone.
func (a *app) cluster() *service.Cluster {
	if a.etcd == nil {
		return nil
	}
	return &service.Cluster{Client: a.etcd, Config: cluster.Config{ID: a.cfg.ReplicaID(), Prefix: a.cfg.Store.Etcd.Prefix,
		TTL: a.cfg.Cluster.Lease, Logger: a.log.With("component", "cluster")}}
}

// startFailure is the exit code of a start that failed with err: a store another process holds,
// a damaged one, one of a newer partnerbot or an etcd that does not answer, is a failure (exit 1), not a mistake in the call or
// the configuration (exit 2).
func startFailure(err error) int {
	var unreachable *unreachableError
	if errors.Is(err, store.ErrLocked) || errors.Is(err, store.ErrCorrupted) || errors.Is(err, store.ErrSchemaTooNew) || errors.As(err, &unreachable) {
		return exitFailed
	}
	return exitUsage
}

// healthOptions are the health scan's settings from the configuration's; the partner's funds
// are held against fc's stored forecast (alerts.health.partner_forecast_percent).
func healthOptions(h config.AlertsHealth, fc *alerts.Forecaster) alerts.HealthOptions {
	floor, _ := bss.ParseAmount(strconv.FormatFloat(h.PartnerMinBalance, 'f', 2, 64))
	o := alerts.HealthOptions{Schedule: h.Schedule, ReleaseDays: append([]int(nil), h.ReleaseDays...), UnverifiedDays: h.UnverifiedDays,
		CouponDays: h.CouponDays, PartnerMin: floor, PartnerForecastPercent: h.PartnerForecastPercent}
	if fc != nil {
		o.Forecast = fc // not a nil *alerts.Forecaster in the interface
	}
	if len(h.Release) > 0 {
		o.Release = alerts.ReleaseTable{}
		for level, p := range h.Release {
			o.Release[level] = alerts.ReleasePeriod{Grace: p.Grace, Retention: p.Retention}
		}
	}
	return o
}

// syncSubscriptions makes the store's configuration subscriptions those of the file.
func syncSubscriptions(ctx context.Context, st store.Backend, subs []config.ConfigSubscription) error {
	out := make([]store.Subscription, 0, len(subs))
	for _, s := range subs {
		platform, channel, _ := strings.Cut(s.Channel, ":")
		days := s.Days
		if len(days) == 0 && s.Kind != "arrears" && s.Kind != "health" {
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
	fs := newFlags("partnerbot", "", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example: sandbox and console)")
	as := fs.String("as", "", "console user as platform:user or user (default: console.user of the configuration)")
	if !fs.parse(args, 0, 0) {
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
	err = service.Run(ctx, service.Bot{Config: a.cfg, Log: a.log, Store: a.store, Router: a.router, BSS: a.bss,
		Direct: a.direct, Scanner: a.scanner, Metrics: a.metrics, Adapters: adapters, Cluster: a.cluster(),
		Version: currentBuild().String(), BuildAttrs: currentBuild().logAttrs()})
	var start *service.StartError
	switch {
	case errors.As(err, &start):
		fmt.Fprintln(stderr, "partnerbot:", start.Err)
		if start.Config {
			return exitUsage
		}
		return exitFailed
	case err != nil: // logged by the service
		return exitFailed
	}
	return exitOK
}

// runExec runs one command and prints the reply: exit 0 on success, 1 when the command failed,
// 2 on a usage or configuration error.
func runExec(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("partnerbot exec", "partnerbot exec [-config FILE] [-as PLATFORM:USER] '/command args'", stderr)
	cfgPath := fs.String("config", "", "configuration file (default: the embedded example: the sandbox)")
	as := fs.String("as", "", "who runs the command, as platform:user-id (default: console:<console.user>)")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this long")
	if !fs.parse(args, 1, -1) {
		return exitUsage
	}
	text := absOut(strings.Join(fs.Args(), " "))
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
			res = service.Execute(ctx, a.router, chat.Request{Platform: platform, UserID: user, Channel: "exec", Text: text})
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
