package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
)

// Cluster is a replica's membership of a cluster on etcd; nil when the bot runs alone (bbolt).
type Cluster struct {
	Client *clientv3.Client // the store's etcd client
	Config cluster.Config   // ID (the replica's name), Prefix (the store's prefix: Join adds "cluster/…"), TTL (cluster.lease), Logger
}

// check refuses a cluster Run cannot join: no etcd client, or no replica id.
func (c *Cluster) check() error {
	switch {
	case c == nil:
		return nil
	case c.Client == nil:
		return errors.New("cluster: no etcd client (store.backend: etcd)")
	case c.Config.ID == "":
		return errors.New("cluster: this replica has no id: set cluster.id, or give the host a name")
	}
	return nil
}

// replica is the running bot's place in its cluster: the session it holds, the term it leads,
// for the leader work, the Telegram poll gate, the admin page and the metrics. Without a
// cluster (b.Cluster nil) it answers for a bot that runs alone. Safe for concurrent use.
type replica struct {
	b   *Bot
	log *slog.Logger

	mu       sync.Mutex
	r        *cluster.Replica // the current session; nil before the first join
	term     *term            // the term this replica leads now; nil when it does not
	stopping bool             // the first signal came: no new term starts
	quit     func()           // ends the replica's runner (set by Run)
	changed  chan struct{}    // closed and replaced when a term begins or ends
}

// term is one term of this replica as the leader.
type term struct {
	ctx    context.Context // ends with the term
	fenced context.Context // ctx whose store writes compare the term's fencing token
	token  int64
}

func newReplica(b *Bot) *replica {
	rp := &replica{b: b, log: b.Log.With("component", "cluster"), changed: make(chan struct{})}
	if b.Cluster != nil {
		rp.log = rp.log.With("replica", b.Cluster.Config.ID)
	}
	return rp
}

// joined records a new session and logs each leader it sees while the session lasts.
func (rp *replica) joined(ctx context.Context, r *cluster.Replica) {
	rp.mu.Lock()
	rp.r = r
	rp.mu.Unlock()
	octx, cancel := context.WithCancel(ctx)
	go func() {
		defer cancel()
		select {
		case <-r.Done():
		case <-octx.Done():
		}
	}()
	go func() {
		for id := range r.Observe(octx) {
			rp.log.Info("cluster: leader changed", "leader", id)
		}
	}()
}

// begin makes l's term the current one; false once the bot is stopping.
func (rp *replica) begin(ctx context.Context, l *cluster.Leadership) (*term, bool) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.stopping {
		return nil, false
	}
	t := &term{ctx: ctx, fenced: etcdstore.WithFence(ctx, l.Fence().Cmp()), token: l.Token()}
	rp.term = t
	close(rp.changed)
	rp.changed = make(chan struct{})
	return t, true
}

// end forgets t once its leader work has stopped.
func (rp *replica) end(t *term) {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	if rp.term == t {
		rp.term = nil
		close(rp.changed)
		rp.changed = make(chan struct{})
	}
}

// stop starts no term from now on and returns the term led at this moment, if any.
func (rp *replica) stop() *term {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	rp.stopping = true
	return rp.term
}

// Term waits until this replica leads and returns a context that ends with the term
// (bot.PollGate: only the leader polls Telegram).
func (rp *replica) Term(ctx context.Context) (context.Context, error) {
	for {
		rp.mu.Lock()
		t, changed := rp.term, rp.changed
		rp.mu.Unlock()
		if t != nil && t.ctx.Err() == nil {
			return t.ctx, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-changed:
		}
	}
}

var _ bot.PollGate = (*replica)(nil)

// Leading reports whether this replica leads now: always when the bot runs alone.
func (rp *replica) Leading() bool {
	if rp.b.Cluster == nil {
		return true
	}
	rp.mu.Lock()
	defer rp.mu.Unlock()
	return rp.term != nil && rp.term.ctx.Err() == nil
}

// errNoSession says the replica holds no session with etcd at the moment.
var errNoSession = errors.New("this replica holds no session with etcd (joining, or etcd unreachable)")

// session is the current session, or errNoSession.
func (rp *replica) session() (*cluster.Replica, error) {
	rp.mu.Lock()
	r := rp.r
	rp.mu.Unlock()
	if r == nil {
		return nil, errNoSession
	}
	select {
	case <-r.Done():
		return nil, errNoSession
	default:
	}
	return r, nil
}

// Members counts the replicas holding a session (metrics).
func (rp *replica) Members(ctx context.Context) (int, error) {
	r, err := rp.session()
	if err != nil {
		return 0, err
	}
	ids, err := r.Members(ctx)
	return len(ids), err
}

// ClusterStatus is what /cluster shows and /readyz checks (admin.Cluster).
func (rp *replica) ClusterStatus(ctx context.Context) admin.ClusterStatus {
	var st admin.ClusterStatus
	if ob, err := rp.b.Store.OutboxStats(ctx); err != nil {
		st.Errors = append(st.Errors, "outbox: "+err.Error())
	} else {
		st.OutboxWaiting, st.OutboxParked = ob.Waiting, ob.Parked
	}
	if rp.b.Cluster == nil {
		st.Mode, st.Store, st.Leading = admin.ModeAlone, "bbolt", true
		return st
	}
	st.Mode, st.Store, st.Replica = admin.ModeCluster, "etcd", rp.b.Cluster.Config.ID
	rp.mu.Lock()
	if rp.term != nil && rp.term.ctx.Err() == nil {
		st.Leading, st.Term = true, rp.term.token
	}
	rp.mu.Unlock()
	if rev, ok := rp.b.Store.(interface {
		Revision(context.Context) (int64, error)
	}); ok {
		if n, err := rev.Revision(ctx); err != nil {
			st.Errors = append(st.Errors, err.Error())
		} else {
			st.Revision = n
		}
	}
	r, err := rp.session()
	if err != nil {
		st.Errors = append(st.Errors, err.Error())
		return st
	}
	st.Joined = true
	if st.Leader, err = r.Leader(ctx); err != nil {
		st.Errors = append(st.Errors, err.Error())
	}
	if st.Members, err = r.Members(ctx); err != nil {
		st.Errors = append(st.Errors, err.Error())
	}
	return st
}

var _ admin.Cluster = (*replica)(nil)

// leaderWork is what Run gives each term: the contexts that end the leader work besides the
// term (the first signal for the scans and the prune loop, the dispatcher's own end), and the
// dispatcher.
type leaderWork struct {
	background context.Context // ends at the first signal
	dispatch   context.Context // ends when the dispatcher must stop
	disp       *bot.Dispatcher
	schedule   alerts.Schedule
}

// lead runs the leader work of one term until the term ends: the alert scans (first those a
// deposed leader left unfinished), the outbox dispatcher and the prune loop, every store write
// of them under the term's fence; Telegram polling starts through the gate (Term).
func (rp *replica) lead(termCtx context.Context, l *cluster.Leadership, w leaderWork) {
	t, ok := rp.begin(termCtx, l)
	if !ok {
		// Won while stopping (the last term was lost meanwhile): leave the election instead of
		// winning it again and again until the bot has stopped.
		rp.quit()
		return
	}
	defer rp.end(t)
	log := rp.log.With("term", l.Token())
	log.Info("cluster: this replica leads: scans, outbox and prune start here")
	var wg sync.WaitGroup
	var scheduled *cron.Cron
	if rp.b.Scanner != nil {
		sctx, stop := within(t.fenced, w.background)
		defer stop()
		for _, kind := range rp.missedScans(sctx, w.schedule) {
			log.Info("cluster: running a scan the last leader did not finish", "kind", kind)
			wg.Go(func() {
				if _, err := rp.b.Scanner.Scan(sctx, kind); err != nil && sctx.Err() == nil {
					log.Error("scan failed", "kind", kind, "error", err)
				}
			})
		}
		var err error
		if scheduled, err = rp.b.Scanner.Start(sctx, w.schedule); err != nil {
			log.Error("alert scans not scheduled", "error", err) // checked at the start: not expected
		}
	}
	dctx, stopDispatch := within(t.fenced, w.dispatch)
	defer stopDispatch()
	wg.Go(func() { w.disp.Run(dctx) })
	pctx, stopPrune := within(t.fenced, w.background)
	defer stopPrune()
	wg.Go(func() { rp.b.pruneEvery(pctx, pruneInterval) })
	<-termCtx.Done()
	wg.Wait()
	if scheduled != nil {
		<-scheduled.Stop().Done() // the term's scans have stopped before the next term can begin
	}
	log.Info("cluster: the term is over: this replica's leader work stopped")
}

// within is ctx, also ended when other ends.
func within(ctx, other context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	stop := context.AfterFunc(other, cancel)
	return ctx, func() { stop(); cancel() }
}

// missedScans are the kinds whose last scheduled run, within a week, started after the last
// scan of that kind that finished (as the store records it): the leader that ran it was
// deposed or crashed part-way, or no replica ran at the time. A new leader runs them at once
// instead of at their next time; the scan resumes from what the store holds (the alert ledger,
// the expiry index), so what was already queued is not queued again. A kind never scanned to
// the end is left to its schedule, as is the expiry scan without alerts.delta (which keeps no
// record).
func (rp *replica) missedScans(ctx context.Context, sch alerts.Schedule) []string {
	now := time.Now()
	if rp.b.Now != nil {
		now = rp.b.Now()
	}
	var out []string
	if rp.b.Config.Alerts.Delta {
		st, ok, err := rp.b.Store.ExpiryScanState(ctx)
		if err != nil {
			rp.log.Warn("cluster: reading the last expiry scan's record", "error", err)
		} else if last := lastRun(sch.Expiry, sch.Location, now); ok && !last.IsZero() && st.At.Before(last) {
			out = append(out, alerts.KindExpiry)
		}
	}
	if !sch.NoArrears {
		st, _, ok, err := rp.b.Store.BalanceCache(ctx)
		if err != nil {
			rp.log.Warn("cluster: reading the last arrears scan's record", "error", err)
		} else if last := lastRun(sch.Arrears, sch.Location, now); ok && !last.IsZero() && st.At.Before(last) {
			out = append(out, alerts.KindArrears)
		}
	}
	return out
}

// lastRun is the last time spec was due at or before now, within a week; zero when it was not
// due then (or is due so often that the last time is not worth finding: the next is near).
func lastRun(spec string, loc *time.Location, now time.Time) time.Time {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return time.Time{}
	}
	if loc == nil {
		loc = time.Local
	}
	var last time.Time
	t := now.In(loc).Add(-7 * 24 * time.Hour)
	for range 10000 {
		next := sched.Next(t)
		if next.IsZero() || next.After(now) {
			return last
		}
		last, t = next, next
	}
	return time.Time{}
}

// checkSchedule refuses a schedule that does not parse, as Scanner.Start would: in a cluster
// the scans start only with a term, but the mistake must stop the start.
func checkSchedule(sch alerts.Schedule) error {
	specs := map[string]string{alerts.KindExpiry: sch.Expiry, alerts.KindArrears: sch.Arrears}
	if sch.NoArrears {
		delete(specs, alerts.KindArrears)
	}
	for kind, spec := range specs {
		if spec == "" {
			continue
		}
		if err := alerts.CheckSpec(spec); err != nil {
			return fmt.Errorf("alerts: %s schedule %q: %w", kind, spec, err)
		}
	}
	return nil
}

// etcdPing is the store's Ping for /readyz, saying in so many words that etcd failed.
type etcdPing struct{ st store.Backend }

func (p etcdPing) Ping(ctx context.Context) error {
	if err := p.st.Ping(ctx); err != nil {
		return fmt.Errorf("etcd does not answer (unreachable, or without quorum) at %s: %w", p.st.Path(), err)
	}
	return nil
}
