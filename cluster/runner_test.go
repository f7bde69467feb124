package cluster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// term is one term run by a Runner.
type term struct {
	who   int
	token int64
	ended chan struct{} // closed when its Lead returned
}

// runners starts three Runners, runner i on etcd member i only, reporting each term on terms.
// Runner i ends when stop[i] is called (or the test ends).
func runners(t *testing.T, c *etcdtest.Cluster, ttl time.Duration, terms chan<- term) (stop []func()) {
	t.Helper()
	log := testLogger(t)
	for i := range 3 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		rn := cluster.Runner{
			Client: client(t, c, i),
			Config: cluster.Config{ID: fmt.Sprintf("r%d", i), TTL: ttl, Logger: log},
			Lead: func(ctx context.Context, l *cluster.Leadership) {
				tm := term{who: i, token: l.Token(), ended: make(chan struct{})}
				defer close(tm.ended)
				select {
				case terms <- tm:
				case <-ctx.Done():
					return
				}
				<-ctx.Done()
			},
		}
		go func() { defer close(done); rn.Run(ctx) }()
		stop = append(stop, func() { cancel(); <-done })
		t.Cleanup(stop[i])
	}
	return stop
}

func nextTerm(t *testing.T, terms <-chan term) term {
	t.Helper()
	select {
	case tm := <-terms:
		return tm
	case <-time.After(deadline):
		t.Fatalf("no term began within %v", deadline)
	}
	return term{}
}

func TestRunnerRejoinsAfterAPartition(t *testing.T) {
	c := etcdtest.Start(t, 3)
	terms := make(chan term)
	runners(t, c, ttl, terms)
	first := nextTerm(t, terms)

	c.Partition(first.who)
	waitClosed(t, first.ended, "the partitioned leader's work")
	second := nextTerm(t, terms)
	if second.who == first.who || second.token <= first.token {
		t.Fatalf("term %+v after %+v; want another replica and a later token", second, first)
	}

	// Healed, the cut-off replica joins with a new session and campaigns again.
	c.Heal(first.who)
	cli := client(t, c, second.who)
	waitFor(t, "three candidates again", func(ctx context.Context) bool { return candidates(ctx, cli) == 3 })
	select {
	case tm := <-terms:
		t.Fatalf("term %+v began while %+v lasts", tm, second)
	default:
	}
}

func TestRunnerResignsWhenStopped(t *testing.T) {
	const long = time.Minute // only resigning lets the next one lead within the wait
	c := etcdtest.Start(t, 3)
	terms := make(chan term)
	stop := runners(t, c, long, terms)
	first := nextTerm(t, terms)
	cli := client(t, c, (first.who+1)%3)
	waitFor(t, "three candidates", func(ctx context.Context) bool { return candidates(ctx, cli) == 3 })

	stop[first.who]()
	select {
	case <-first.ended:
	default:
		t.Fatal("Run returned before its leader work ended")
	}
	second := nextTerm(t, terms)
	if second.who == first.who {
		t.Fatalf("the stopped replica %d leads", second.who)
	}
	resp, err := cli.Get(opCtx(t), cluster.DefaultPrefix+"cluster/members/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil || resp.Count != 2 {
		t.Fatalf("members after a stop: %v, %v; want 2", resp, err)
	}
}
