// Package service is the running bot: the chat adapters served through bot.Serve, the outbox
// dispatcher, the alert scans, the maintenance and prune loops, the control socket beside them,
// the admin endpoints, and the two-phase shutdown that ends with a last delivery of the outbox.
// cli wires a Bot from the configuration; a test wires one from its own parts.
//
// With a Cluster the bot is one replica of several on etcd (cluster.go): every replica serves
// chat, commands, approvals, the maintenance loop, its control socket and admin endpoints;
// only the leader of the moment runs the scans, the dispatcher, the prune loop and Telegram
// long polling, its store writes fenced by its term.
package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/store"
)

// Bot is everything a running bot is made of.
type Bot struct {
	Config   *config.Config
	Log      *slog.Logger
	Store    store.Backend
	Router   *commands.Router
	BSS      *bss.Client     // asked whether the site has the arrears scan's API
	Direct   *Direct         // Run adds the adapters that can message users directly
	Scanner  *alerts.Scanner // nil when alerts are disabled
	Metrics  *metrics.Metrics
	Adapters []bot.Adapter // built, not yet connected: Run runs them
	// Version is the build as /readyz says it; BuildAttrs the start log's fields about it.
	Version    string
	BuildAttrs []any
	// Cluster is a replica's membership of a cluster on etcd; nil when the bot runs alone (bbolt).
	Cluster *Cluster
	// Now is the clock the scans keep their records by (the scanner's), with which a new leader
	// finds a scan its predecessor left unfinished; nil = time.Now.
	Now func() time.Time
}

// StartError is a start Run refused before any adapter ran: the admin address could not be
// bound, or an alert schedule does not parse (Config: a mistake in the configuration).
type StartError struct {
	Err    error
	Config bool
}

func (e *StartError) Error() string { return e.Err.Error() }
func (e *StartError) Unwrap() error { return e.Err }

// ErrAbandoned is Run's failure when the adapters were still busy shutdown_timeout after the
// signal: the bot left without them.
var ErrAbandoned = errors.New("shutdown_timeout passed and adapters are still busy")

// Run runs the bot until ctx ends (the first signal) or the console ends it. Shutting down, it
// takes no new messages and stops the scans and maintenance, lets the commands in flight and
// the notices they queue go on until shortly before bot.shutdown_timeout, then delivers what
// is left in the outbox within the same timeout. It returns nil after a clean stop, a
// *StartError when it did not start, ErrAbandoned or the console's error otherwise (both
// logged here).
func Run(ctx context.Context, b Bot) error {
	senders, limits := map[string]bot.Sender{}, map[string]int{}
	names := make([]string, 0, len(b.Adapters))
	for _, ad := range b.Adapters {
		senders[ad.Platform()] = ad
		if dm, ok := ad.(bot.DirectMessenger); ok && dm.CanMessageUsers() {
			b.Direct.Add(ad.Platform(), dm)
		}
		if l, ok := ad.(bot.MessageLimiter); ok {
			limits[ad.Platform()] = l.MaxMessageChars()
		}
		names = append(names, ad.Platform())
	}
	if err := b.Cluster.check(); err != nil {
		return &StartError{Err: err, Config: true}
	}
	rp := newReplica(&b)
	if b.Cluster != nil {
		for _, ad := range b.Adapters {
			if gp, ok := ad.(bot.GatedPoller); ok {
				gp.GatePolling(rp) // only the leader polls
			}
		}
	}
	srv, err := b.adminServer(rp)
	if err != nil {
		return &StartError{Err: err}
	}
	if srv != nil {
		srv.Start()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(sctx); err != nil {
				b.Log.Warn("stopping the admin endpoints", "error", err)
			}
		}()
	}
	b.Log.Info("partnerbot started", append([]any{"store", b.Store.Path(), "adapters", strings.Join(names, ",")},
		b.BuildAttrs...)...)

	// Shutting down: the first signal (the end of ctx) stops the adapters taking messages and
	// the scans and maintenance starting; the commands already taken, and the notices they
	// queue, may go on until abort ends, shortly before bot.shutdown_timeout; by then the
	// process is gone.
	timeout := b.Config.Bot.ShutdownTimeout
	grace := min(abandonAfter, timeout/4) // between abort and leaving without the adapters
	abort, cancelAbort := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelAbort()
	returned := make(chan struct{})
	defer close(returned)
	// The cluster's runner outlives the first signal on the leader, whose term lasts until the
	// last delivery of the outbox; a follower leaves the election at the signal.
	cctx, stopCluster := context.WithCancel(context.WithoutCancel(ctx))
	runnerDone := make(chan struct{})
	if b.Cluster == nil {
		close(runnerDone)
	}
	defer b.leaveCluster(stopCluster, runnerDone)
	rp.quit = stopCluster
	var (
		stopOnce       sync.Once
		leaderAtSignal *term // the term this replica led when the bot began to stop
	)
	stopping := func() *term {
		stopOnce.Do(func() {
			if b.Cluster != nil {
				if leaderAtSignal = rp.stop(); leaderAtSignal == nil {
					stopCluster()
				}
			}
		})
		return leaderAtSignal
	}
	go func() {
		select {
		case <-returned:
			return
		case <-ctx.Done():
		}
		stopping()
		b.Log.Info("shutting down: taking no new messages; commands in flight may finish", "timeout", timeout)
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
	disp := &bot.Dispatcher{Outbox: b.Store, Senders: senders, Admins: b.admins(),
		Logger: b.Log.With("component", "dispatch"), Hold: alerts.QuietHold(b.Store, b.Config.Location()), Observer: b.Metrics,
		Langs: b.Store, Lang: b.Router.Lang()}
	var sch alerts.Schedule
	if b.Scanner != nil {
		b.Scanner.SetMessageLimits(limits)
		noArrears := !b.BSS.Supports(bss.OpListCustomersBalancesDetail)
		if noArrears {
			b.Log.Warn("the arrears scan is off: the international site has no customer balance API")
		}
		sch = alerts.Schedule{Expiry: b.Config.Alerts.ExpirySchedule,
			Arrears: b.Config.Alerts.ArrearsSchedule, NoArrears: noArrears, Location: b.Config.Location()}
		if b.BSS.Supports(bss.OpListSubcustomerMonthlyBills) {
			sch.Report, sch.Reporter = b.Config.Alerts.Report, b.Scanner.Reporter(b.BSS, b.Store)
		}
		if b.Cluster != nil {
			if err := checkSchedule(sch); err != nil {
				return &StartError{Err: err, Config: true}
			}
		} else if _, err := b.Scanner.Start(bgctx, sch); err != nil {
			return &StartError{Err: err, Config: true}
		}
		attrs := []any{"expiry", b.Config.Alerts.ExpirySchedule, "arrears", b.Config.Alerts.ArrearsSchedule,
			"zone", b.Config.Location().String()}
		if b.Cluster != nil {
			attrs = append(attrs, "on", "the cluster's leader")
		}
		b.Log.Info("alert scans scheduled", attrs...)
	}
	// Notices go out while the commands in flight finish: the dispatcher stops only after
	// them, or at abort.
	dctx, stopDispatch := context.WithCancel(abort)
	var dwg sync.WaitGroup
	defer func() { stopDispatch(); dwg.Wait() }()
	wg.Add(1)
	go func() { defer wg.Done(); b.maintainEvery(bgctx, time.Minute) }()
	if b.Cluster == nil {
		dwg.Add(1)
		go func() { defer dwg.Done(); disp.Run(dctx) }()
		wg.Add(1)
		go func() { defer wg.Done(); b.pruneEvery(bgctx, pruneInterval) }()
	} else {
		// The scans, the dispatcher and the prune loop run in the terms this replica leads.
		work := leaderWork{background: bgctx, dispatch: dctx, disp: disp, schedule: sch}
		cfg := b.Cluster.Config
		if cfg.Logger == nil {
			cfg.Logger = b.Log.With("component", "cluster")
		}
		rn := cluster.Runner{Client: b.Cluster.Client, Config: cfg,
			Lead:   func(tctx context.Context, l *cluster.Leadership) { rp.lead(tctx, l, work) },
			Joined: func(r *cluster.Replica) { rp.joined(cctx, r) }}
		go func() { defer close(runnerDone); rn.Run(cctx) }()
	}
	b.serveControl(bgctx, &wg) // partnerbot exec and backup beside the running bot

	served := make(chan error, 1)
	go func() {
		served <- bot.Serve(ctx, b.Adapters, bot.Detach(bot.NewHandler(b.Router), abort), b.Log.With("component", "bot"))
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
			b.Log.Error(ErrAbandoned.Error()+"; exiting without them", "timeout", timeout)
			return ErrAbandoned
		}
	}
	if serveErr != nil {
		b.Log.Error("console stopped", "error", serveErr)
		return fmt.Errorf("console stopped: %w", serveErr)
	}
	// Deliver what the last commands queued before leaving, within shutdown_timeout (counted
	// from the signal, or from now when the console ended the bot). What is not delivered
	// stays in the outbox for the next start.
	stopBackground()
	flush, cancelFlush := context.WithTimeout(abort, timeout)
	defer cancelFlush()
	deliver := true
	if b.Cluster != nil {
		// Only a replica that led at the signal (or when the console ended the bot) delivers,
		// under its term's fence; otherwise the next leader does.
		if t := stopping(); t != nil {
			var stop context.CancelFunc
			flush, stop = within(t.fenced, flush)
			defer stop()
		} else {
			deliver = false
			b.Log.Info("not the leader: the notices waiting in the outbox are the next leader's to deliver")
		}
	}
	for round := 0; deliver && round < 100; round++ { // bounded: what fails waits for the next start
		sent, _, err := disp.RunOnce(flush)
		if err != nil {
			if flush.Err() == nil {
				b.Log.Warn("delivering notices", "error", err)
			}
			break
		}
		if sent == 0 {
			break
		}
	}
	// Bounded: an etcd without quorum would not answer at all.
	sctx, cancelStats := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	if ob, err := b.Store.OutboxStats(sctx); err == nil && ob.Waiting > 0 {
		b.Log.Info("notices left in the outbox for the next start", "waiting", ob.Waiting)
	}
	cancelStats()
	b.leaveCluster(stopCluster, runnerDone) // the leader resigns: the next one starts at once
	b.Log.Info("partnerbot stopped")
	return nil
}

// abandonAfter is the longest the bot waits, once the commands still running were cancelled
// near the end of shutdown_timeout, for their adapters to return before exiting without them.
const abandonAfter = 2 * time.Second

// adminServer binds admin.listen and wires the health and metrics endpoints; nil when
// admin.listen is empty.
func (b *Bot) adminServer(rp *replica) (*admin.Server, error) {
	if b.Config.Admin.Listen == "" {
		return nil, nil
	}
	b.Metrics.Watch(b.Store, b.Adapters)
	var ping admin.Store = b.Store
	if b.Cluster != nil {
		b.Metrics.WatchCluster(rp)
		ping = etcdPing{b.Store}
	}
	log := b.Log.With("component", "admin")
	return admin.Listen(b.Config.Admin.Listen, admin.Options{Store: ping, Adapters: b.Adapters, BSS: b.Metrics,
		Metrics: b.Metrics.Handler(log), Cluster: rp, Logger: log, Version: b.Version})
}

// leaveCluster ends the cluster's runner (the leader resigns, the replica leaves) and waits for
// it, but not forever: with etcd gone or without quorum, etcd's election code may wait for an
// answer that does not come, and the lease ends by itself after its TTL.
func (b *Bot) leaveCluster(stop context.CancelFunc, done <-chan struct{}) {
	stop()
	if b.Cluster == nil {
		return
	}
	wait := b.Cluster.Config.TTL
	if wait <= 0 {
		wait = cluster.DefaultTTL
	}
	wait += 5 * time.Second
	select {
	case <-done:
	case <-time.After(wait):
		b.Log.Warn("cluster: leaving without waiting any longer for etcd: this replica's lease ends by itself", "waited", wait)
	}
}

// Direct holds the running adapters that can message a user directly, by platform: Run fills
// it before any adapter runs; the router asks it (Can, IsDirect); exec leaves it empty.
type Direct struct {
	mu  sync.RWMutex
	set map[string]bot.DirectMessenger
}

// Add records that platform's adapter dm can message users directly.
func (d *Direct) Add(platform string, dm bot.DirectMessenger) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.set == nil {
		d.set = map[string]bot.DirectMessenger{}
	}
	d.set[platform] = dm
}

// Can reports whether a requester who asked in channel should also be messaged in person.
func (d *Direct) Can(platform, channel, user string) bool {
	d.mu.RLock()
	dm := d.set[platform]
	d.mu.RUnlock()
	return dm != nil && !dm.IsDirect(channel, user)
}

// IsDirect reports whether channel is the direct conversation with user on platform (false
// when that platform's adapter does not run or cannot message users).
func (d *Direct) IsDirect(platform, channel, user string) bool {
	d.mu.RLock()
	dm := d.set[platform]
	d.mu.RUnlock()
	return dm != nil && dm.IsDirect(channel, user)
}

// admins are the users with the admin role, told when a notice is parked.
func (b *Bot) admins() []string {
	var out []string
	for user, role := range b.Config.Roles.Users {
		if role == "admin" {
			out = append(out, user)
		}
	}
	sort.Strings(out)
	return out
}

// maintainEvery expires overdue requests and settles interrupted ones until ctx ends.
func (b *Bot) maintainEvery(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := b.Router.Maintain(ctx); err != nil && ctx.Err() == nil {
				b.Log.Warn("maintaining requests", "error", err)
			}
		}
	}
}
