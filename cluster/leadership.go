package cluster

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/concurrency"
)

// Leadership is one term of a replica as the leader. Leader work runs until Done closes.
type Leadership struct {
	r        *Replica
	election *concurrency.Election
	fence    Fence

	endOnce sync.Once
	done    chan struct{}
	resign  sync.Mutex // serialises Resign
}

// Campaign waits until the replica leads and returns its term. It waits under the session:
// when the session is lost the wait ends with ErrSessionLost; when ctx ends, with ctx's error
// (and the candidacy is withdrawn). A campaign broken by etcd (no leader for a while, a
// leader change) is resumed while the session lasts.
//
// Winning is checked once more after the election says so: the replica's key must still exist
// with the create revision the campaign won with, else the term was lost meanwhile (the lease
// expired and a new one was taken) and the replica campaigns again.
func (r *Replica) Campaign(ctx context.Context) (*Leadership, error) {
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		return nil, fmt.Errorf("cluster: campaign: %w", ErrSessionLost)
	}
	if r.campaigning || r.term != nil {
		r.mu.Unlock()
		return nil, ErrBusy
	}
	r.campaigning = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		r.campaigning = false
		r.mu.Unlock()
	}()

	ctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	stop := context.AfterFunc(r.session.Ctx(), cancel) // a dead session ends the wait
	defer stop()

	for {
		l, err := r.campaignOnce(ctx)
		if err == nil {
			return l, nil
		}
		select {
		case <-r.session.Done():
			return nil, fmt.Errorf("cluster: %s campaigns: %w", r.id, ErrSessionLost)
		default:
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("cluster: %s campaigns: %w", r.id, ctx.Err())
		}
		r.log.Info("cluster: campaign broken; resuming", "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(retryPause):
		}
	}
}

// errLostMeanwhile says a won campaign's key was gone or re-created when it was read back.
var errLostMeanwhile = errors.New("election key lost before the win was confirmed")

// errOverdue says a campaign was won while the lease's renewal was overdue.
var errOverdue = errors.New("won while the lease's renewal is overdue")

// errStaleKey says a campaign found the last term's key still standing and withdrew it.
var errStaleKey = errors.New("the last term's election key was still standing")

// campaignOnce runs one campaign and confirms its win.
func (r *Replica) campaignOnce(ctx context.Context) (*Leadership, error) {
	e := concurrency.NewElection(r.session, r.election)
	if err := e.Campaign(ctx, r.id); err != nil {
		return nil, err
	}
	resp, err := r.cli.Get(ctx, e.Key())
	if err != nil {
		return nil, fmt.Errorf("read back the election key: %w", err)
	}
	if len(resp.Kvs) == 0 || resp.Kvs[0].CreateRevision != e.Rev() {
		return nil, errLostMeanwhile
	}
	l := &Leadership{r: r, election: e, fence: Fence{Key: e.Key(), Token: e.Rev()}, done: make(chan struct{})}
	r.mu.Lock()
	if r.closing {
		r.mu.Unlock()
		_ = e.Resign(context.WithoutCancel(ctx))
		return nil, ErrSessionLost
	}
	if r.overdue() {
		r.mu.Unlock()
		return nil, errOverdue
	}
	if e.Rev() == r.lastToken {
		// The last term ended but its key stayed (its resignation failed): winning with it
		// would give the new term the old one's token. Withdraw it and campaign anew.
		r.mu.Unlock()
		if err := e.Resign(ctx); err != nil {
			return nil, fmt.Errorf("withdraw the last term's key: %w", err)
		}
		return nil, errStaleKey
	}
	r.lastToken = e.Rev()
	r.term = l
	r.mu.Unlock()
	go func() {
		select {
		case <-r.session.Done():
			r.log.Warn("cluster: leadership lost with the session", "token", l.fence.Token)
		case <-l.done:
		}
		l.end()
	}()
	r.log.Info("cluster: leading", "token", l.fence.Token)
	return l, nil
}

// end closes Done and frees the replica for its next campaign.
func (l *Leadership) end() {
	l.endOnce.Do(func() {
		close(l.done)
		l.r.mu.Lock()
		if l.r.term == l {
			l.r.term = nil
		}
		l.r.mu.Unlock()
	})
}

// Fence is the term's fencing token; pass it to whatever writes on the leader's behalf.
func (l *Leadership) Fence() Fence { return l.fence }

// Token is the term's fencing token: the create revision of the replica's election key.
func (l *Leadership) Token() int64 { return l.fence.Token }

// Done is closed when the term ends: the session was lost, its lease went unrenewed for nine
// tenths of its TTL, the leader resigned, or a fenced write found the term over. Leader work
// must stop then.
func (l *Leadership) Done() <-chan struct{} { return l.done }

// Resign ends the term (Done closes first) and deletes the election key if it is still this
// term's, so that the next candidate leads at once instead of after the lease.
func (l *Leadership) Resign(ctx context.Context) error {
	l.resign.Lock()
	defer l.resign.Unlock()
	select {
	case <-l.done:
		// Already over: still withdraw the key if this term's, so a lost term that was
		// only a blip does not hold the others back.
	default:
		l.end()
	}
	if err := l.election.Resign(clientv3.WithRequireLeader(ctx)); err != nil {
		return fmt.Errorf("cluster: %s resigns term %d: %w", l.r.id, l.fence.Token, err)
	}
	l.r.log.Info("cluster: resigned", "token", l.fence.Token)
	return nil
}

// Txn is Fence.Txn on the replica's client; a write that finds the term over also ends it.
func (l *Leadership) Txn(ctx context.Context, cmps []clientv3.Cmp, then, els []clientv3.Op) (*clientv3.TxnResponse, error) {
	resp, err := l.fence.Txn(ctx, l.r.cli, cmps, then, els)
	if errors.Is(err, ErrDeposed) {
		l.end()
	}
	return resp, err
}
