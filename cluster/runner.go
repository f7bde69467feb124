package cluster

import (
	"context"
	"errors"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// Runner takes part in the election for as long as a process runs: it joins, campaigns, runs
// the leader work of each term it wins, and joins again with a new session when one is lost
// (an etcd leader change of more than a few election timeouts ends every session that
// requires a leader, the waiting candidates' too).
type Runner struct {
	Client *clientv3.Client
	Config Config
	// Lead runs the leader work of one term. Its context ends when the term does (session
	// lost, resigned, or Run's context ended); it must return then. When it returns earlier,
	// the term is resigned and the replica campaigns again.
	Lead func(ctx context.Context, l *Leadership)
	// Joined, when set, is given each new session's replica, for Leader and Members.
	Joined func(r *Replica)
}

// Run campaigns until ctx ends, then resigns and leaves (within the session's TTL at most).
// It returns ctx's error.
func (rn Runner) Run(ctx context.Context) error {
	pause := retryPause
	for ctx.Err() == nil {
		r, err := Join(ctx, rn.Client, rn.Config)
		if err != nil {
			if ctx.Err() == nil && rn.Config.Logger != nil {
				rn.Config.Logger.Warn("cluster: join failed; retrying", "err", err, "after", pause)
			}
			pause = wait(ctx, pause, ttlOf(rn.Config))
			continue
		}
		pause = retryPause
		if rn.Joined != nil {
			rn.Joined(r)
		}
		rn.session(ctx, r)
		leave, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.TTL())
		r.Close(leave)
		cancel()
	}
	return ctx.Err()
}

// session runs the campaigns and terms of one session until it is lost or ctx ends.
func (rn Runner) session(ctx context.Context, r *Replica) {
	for ctx.Err() == nil {
		l, err := r.Campaign(ctx)
		if err != nil {
			if !errors.Is(err, ErrSessionLost) && ctx.Err() == nil {
				r.log.Warn("cluster: campaign failed", "err", err)
			}
			return
		}
		term, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.Done():
			case <-term.Done():
			}
			cancel()
		}()
		rn.Lead(term, l)
		cancel()
		resign, rcancel := context.WithTimeout(context.WithoutCancel(ctx), r.TTL())
		if err := l.Resign(resign); err != nil {
			r.log.Warn("cluster: resign after the term", "err", err)
		}
		rcancel()
	}
}

// wait pauses for d (or until ctx ends) and returns the next, doubled pause, at most max.
func wait(ctx context.Context, d, max time.Duration) time.Duration {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	return min(2*d, max)
}

func ttlOf(cfg Config) time.Duration {
	if cfg.TTL <= 0 {
		return DefaultTTL
	}
	return cfg.TTL
}
