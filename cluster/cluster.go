// Package cluster elects one leader among the replicas of partnerbot that share an etcd
// cluster, and fences the leader's writes.
//
// Each replica joins with a session: an etcd lease (10 s by default) kept alive by the client.
// Under the session it registers as a member (one key per replica) and may campaign for
// leadership (go.etcd.io/etcd/client/v3/concurrency). A won campaign is a Leadership: its
// fencing token is the create revision of the replica's election key, and every leader write
// made through Fence.Txn compares it, so that a deposed leader's late writes fail with
// ErrDeposed. Leadership.Done closes the moment the session is lost (the lease expired, or the
// replica's etcd member has no leader: every call carries clientv3.WithRequireLeader), when the
// lease has gone unrenewed so long that it might expire on the servers (so that the old leader
// stops before a new one can start), or when the leader resigns; resigning hands over at once
// instead of after the lease.
//
// Keys, under Config.Prefix:
//
//	cluster/leader/<lease>   the election: the replica id of each candidate, the oldest leads
//	cluster/members/<lease>  the replica id of each replica holding a session
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// DefaultTTL is the session's lease time: how long a replica that stopped answering (crashed,
// cut off) keeps its leadership and membership before the others move on.
const DefaultTTL = 10 * time.Second

// DefaultPrefix is where the keys live when Config.Prefix is empty (store.etcd.prefix's default).
const DefaultPrefix = "/partnerbot/"

// ErrSessionLost is returned by Campaign when the replica's session ended (lease expired or
// revoked, replica closed): the replica can no longer lead, and a new one must Join.
var ErrSessionLost = errors.New("cluster: session lost")

// ErrBusy is returned by Campaign while the replica already campaigns or leads: two campaigns
// of one session share its election key, and would both win.
var ErrBusy = errors.New("cluster: already campaigning or leading")

// Config configures a replica.
type Config struct {
	// ID names the replica (its host or pod name): what Leader and Members report.
	ID string
	// Prefix is the key prefix shared by the replicas; default DefaultPrefix.
	Prefix string
	// TTL is the session's lease time, in whole seconds (etcd's unit; rounded up); default
	// DefaultTTL.
	TTL    time.Duration
	Logger *slog.Logger
}

// Replica is one replica's membership: a session on the etcd cluster, its member key, and the
// campaigns it runs. Its methods are safe for concurrent use.
type Replica struct {
	cli      *clientv3.Client
	id       string
	ttl      time.Duration
	session  *concurrency.Session
	election string // the election's key prefix, without the trailing slash
	members  string // the members' key prefix, with it
	log      *slog.Logger

	// The lease's renewals, as the session's keep-alive answers them: born is when the lease
	// was granted, renewed the time since born of the last answer; a term ends once the last
	// answer is older than safe, before the lease can expire on the servers.
	born    time.Time
	renewed atomic.Int64
	safe    time.Duration

	mu          sync.Mutex
	campaigning bool
	term        *Leadership // the live term, if any
	lastToken   int64       // the token of the last term won, never given twice
	closing     bool
	closed      chan struct{} // closed by Close
}

// Join opens a session of cfg.TTL on cli and registers the replica as a member. The replica
// lives until Close or until its session is lost (Done); ctx bounds only the joining.
func Join(ctx context.Context, cli *clientv3.Client, cfg Config) (*Replica, error) {
	if cfg.ID == "" {
		return nil, errors.New("cluster: join: the replica has no id")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	secs := int64((cfg.TTL + time.Second - 1) / time.Second)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx = clientv3.WithRequireLeader(ctx)
	born := time.Now() // before the grant: the servers count the lease from a later instant
	lease, err := cli.Grant(ctx, secs)
	if err != nil {
		return nil, fmt.Errorf("cluster: join as %s: grant a lease of %ds: %w", cfg.ID, secs, err)
	}
	// The session's context outlives ctx; requiring a leader makes its keep-alive end as soon
	// as the replica's etcd member has lost its leader, not only when the lease is found gone.
	session, err := concurrency.NewSession(cli, concurrency.WithLease(lease.ID), concurrency.WithTTL(int(secs)),
		concurrency.WithContext(clientv3.WithRequireLeader(context.Background())))
	if err != nil {
		revoke(cli, lease.ID, cfg.TTL)
		return nil, fmt.Errorf("cluster: join as %s: keep lease %x alive: %w", cfg.ID, lease.ID, err)
	}
	r := &Replica{
		born:     born,
		safe:     safeFor(time.Duration(secs) * time.Second),
		cli:      cli,
		id:       cfg.ID,
		ttl:      time.Duration(secs) * time.Second,
		session:  session,
		election: cfg.Prefix + "cluster/leader",
		members:  cfg.Prefix + "cluster/members/",
		log:      cfg.Logger.With("replica", cfg.ID, "lease", fmt.Sprintf("%x", lease.ID)),
		closed:   make(chan struct{}),
	}
	if _, err := cli.Put(ctx, r.memberKey(), r.id, clientv3.WithLease(lease.ID)); err != nil {
		session.Orphan()
		revoke(cli, lease.ID, r.ttl)
		return nil, fmt.Errorf("cluster: join as %s: register as a member: %w", cfg.ID, err)
	}
	renewals, err := cli.KeepAlive(session.Ctx(), lease.ID) // a second listener of the session's keep-alive
	if err != nil {
		session.Orphan()
		revoke(cli, lease.ID, r.ttl)
		return nil, fmt.Errorf("cluster: join as %s: watch the lease's renewals: %w", cfg.ID, err)
	}
	go r.watchSession()
	go r.watchRenewals(renewals)
	r.log.Info("cluster: joined", "ttl", r.ttl)
	return r, nil
}

func (r *Replica) memberKey() string { return fmt.Sprintf("%s%x", r.members, r.session.Lease()) }

// watchSession logs the loss of the session and gives its lease back: a session lost because
// its member had no leader for a moment may leave the lease (and the leadership) standing for
// a whole TTL on a cluster that has recovered, which the next leader would have to wait out.
func (r *Replica) watchSession() {
	<-r.session.Done()
	r.mu.Lock()
	closing := r.closing
	r.mu.Unlock()
	if closing {
		return
	}
	r.log.Warn("cluster: session lost; this replica no longer leads or campaigns")
	r.mu.Lock()
	term := r.term
	r.mu.Unlock()
	if term != nil {
		term.end() // before the lease is given back and another replica may lead
	}
	if err := revoke(r.cli, r.session.Lease(), r.ttl); err != nil {
		r.log.Debug("cluster: revoking the lost session's lease", "err", err)
	}
}

// safeFor is how long after the last renewal answer a term may last: the lease expires on the
// servers TTL after they renewed it, which is before the answer arrived; the client notices
// only later still (it checks once a second). A tenth of the TTL (at least 100 ms) covers the
// answer's way back and the timer's delay. Renewals are sent every third of the TTL, so a
// healthy session is never near it.
func safeFor(ttl time.Duration) time.Duration {
	return ttl - max(ttl/10, 100*time.Millisecond)
}

// watchRenewals ends the current term when the lease has gone unrenewed for too long (its
// etcd member is gone or cut off without saying so), so that the old leader stops before a
// new one can start. The session itself ends later, when the client gives the lease up.
func (r *Replica) watchRenewals(renewals <-chan *clientv3.LeaseKeepAliveResponse) {
	timer := time.NewTimer(r.safe)
	defer timer.Stop()
	for {
		select {
		case resp, ok := <-renewals:
			if !ok {
				return
			}
			if resp.TTL > 0 {
				r.renewed.Store(int64(time.Since(r.born)))
				timer.Reset(r.safe)
			}
		case <-timer.C:
			r.mu.Lock()
			term := r.term
			r.mu.Unlock()
			if term != nil {
				r.log.Warn("cluster: lease not renewed in time; ending the term before it can expire",
					"token", term.fence.Token, "unrenewed", time.Since(r.born)-time.Duration(r.renewed.Load()))
				term.end()
			}
		}
	}
}

// overdue reports whether the lease has gone unrenewed for too long to start a term.
func (r *Replica) overdue() bool {
	return time.Since(r.born)-time.Duration(r.renewed.Load()) > r.safe
}

// revoke gives a lease back, trying for at most ttl (after which it has expired anyway).
func revoke(cli *clientv3.Client, lease clientv3.LeaseID, ttl time.Duration) error {
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), ttl)
	defer cancel()
	_, err := cli.Revoke(ctx, lease)
	return err
}

// ID is the replica's id.
func (r *Replica) ID() string { return r.id }

// Lease is the session's lease: the replica's election and member keys are bound to it.
func (r *Replica) Lease() clientv3.LeaseID { return r.session.Lease() }

// TTL is the session's lease time.
func (r *Replica) TTL() time.Duration { return r.ttl }

// Done is closed when the replica's session has ended: lost, or closed by Close.
func (r *Replica) Done() <-chan struct{} { return r.session.Done() }

// Close resigns the leadership if the replica holds it, ends the session and revokes its
// lease, so that the others see the replica leave at once. ctx bounds the revocation; if it
// fails, the lease expires after its TTL.
func (r *Replica) Close(ctx context.Context) error {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil
	}
	r.closing = true
	term := r.term
	close(r.closed)
	r.mu.Unlock()
	var errs []error
	if term != nil {
		errs = append(errs, term.Resign(ctx))
	}
	r.session.Orphan()
	if _, err := r.cli.Revoke(clientv3.WithRequireLeader(ctx), r.session.Lease()); err != nil {
		errs = append(errs, fmt.Errorf("cluster: %s leaves: revoke its lease: %w", r.id, err))
	}
	r.log.Info("cluster: left")
	return errors.Join(errs...)
}

// Leader is the id of the replica that leads now, and "" when none does.
func (r *Replica) Leader(ctx context.Context) (string, error) {
	resp, err := concurrency.NewElection(r.session, r.election).Leader(clientv3.WithRequireLeader(ctx))
	if errors.Is(err, concurrency.ErrElectionNoLeader) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("cluster: read the leader: %w", err)
	}
	return string(resp.Kvs[0].Value), nil
}

// Observe sends the id of each new leader, starting with the current one, until ctx ends.
// A replica that leads again after another term is sent again. The channel is closed when
// ctx ends; a broken watch is resumed after a pause.
func (r *Replica) Observe(ctx context.Context) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		last := ""
		lastRev := int64(0)
		for ctx.Err() == nil {
			for resp := range concurrency.NewElection(r.session, r.election).Observe(clientv3.WithRequireLeader(ctx)) {
				kv := resp.Kvs[0]
				id := string(kv.Value)
				if id == last && kv.CreateRevision == lastRev {
					continue // the same term, proclaimed again or re-observed after a broken watch
				}
				last, lastRev = id, kv.CreateRevision
				select {
				case out <- id:
				case <-ctx.Done():
					return
				}
			}
			select {
			case <-ctx.Done():
			case <-time.After(retryPause):
			}
		}
	}()
	return out
}

// retryPause is the pause before a broken campaign or observation is resumed.
const retryPause = 100 * time.Millisecond

// Members are the ids of the replicas holding a session, sorted; a replica restarted before
// its old session expired is listed twice until then.
func (r *Replica) Members(ctx context.Context) ([]string, error) {
	resp, err := r.cli.Get(clientv3.WithRequireLeader(ctx), r.members, clientv3.WithPrefix())
	if err != nil {
		return nil, fmt.Errorf("cluster: list the members: %w", err)
	}
	ids := make([]string, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		ids = append(ids, string(kv.Value))
	}
	slices.Sort(ids)
	return ids, nil
}
