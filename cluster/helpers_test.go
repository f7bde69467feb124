package cluster_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// ttl is the session lease of most tests: etcd leases run on real time, so it is kept short,
// yet long enough that the renewals (every third of it, on a half-second poll) never come
// near the nine tenths after which a term ends unrenewed.
const ttl = 2 * time.Second

// deadline bounds every wait of these tests; generous, since failover takes about a TTL (two
// when etcd's own leader changes too, which extends every lease) on a busy machine.
const deadline = 20 * time.Second

// logBuf collects the replicas' logs and shows them only when the test fails.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func testLogger(t *testing.T) *slog.Logger {
	t.Helper()
	var l logBuf
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replica logs:\n%s", l.String())
		}
	})
	return slog.New(slog.NewTextHandler(&l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// client is a client of the given members only, closed when the test ends (or earlier, by the
// test, to play a crashed replica).
func client(t testing.TB, c *etcdtest.Cluster, members ...int) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(c.ClientConfig(members...))
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// join joins a replica, closed when the test ends.
func join(t testing.TB, cli *clientv3.Client, id string, ttl time.Duration, log *slog.Logger) *cluster.Replica {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	r, err := cluster.Join(ctx, cli, cluster.Config{ID: id, TTL: ttl, Logger: log})
	if err != nil {
		t.Fatalf("join %s: %v", id, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		r.Close(ctx) // may fail: the test killed its member or closed its client
	})
	return r
}

// win is the outcome of one campaign.
type win struct {
	who int
	r   *cluster.Replica
	l   *cluster.Leadership
	err error
}

// candidate joins a replica through cli and campaigns until it wins, joining again when an
// etcd leader change costs it its session (as cluster.Runner does), and sends its win on wins.
// It stops when the test ends.
func candidate(t testing.TB, cli *clientv3.Client, id string, ttl time.Duration, log *slog.Logger, who int, wins chan<- win) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			r, err := cluster.Join(ctx, cli, cluster.Config{ID: id, TTL: ttl, Logger: log})
			if err != nil {
				time.Sleep(100 * time.Millisecond)
				continue
			}
			l, err := r.Campaign(ctx)
			if errors.Is(err, cluster.ErrSessionLost) {
				r.Close(ctx)
				continue
			}
			select {
			case wins <- win{who, r, l, err}:
				<-ctx.Done()
			case <-ctx.Done():
			}
			c, stop := context.WithTimeout(context.Background(), 2*time.Second)
			r.Close(c) // may fail: the test killed its member or closed its client
			stop()
		}
	}()
}

// campaign runs r's campaign in the background, sending its outcome on wins. The campaign is
// withdrawn when the test ends.
func campaign(t testing.TB, r *cluster.Replica, who int, wins chan<- win) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		l, err := r.Campaign(ctx)
		select {
		case wins <- win{who, r, l, err}:
		case <-ctx.Done():
		}
	}()
}

// next is the next campaign outcome; it fails the test on an error or none within deadline.
func next(t testing.TB, wins <-chan win) win {
	t.Helper()
	select {
	case w := <-wins:
		if w.err != nil {
			t.Fatalf("campaign of replica %d: %v", w.who, w.err)
		}
		return w
	case <-time.After(deadline):
		t.Fatalf("no replica won within %v", deadline)
	}
	return win{}
}

// noWin fails the test if a campaign has already returned.
func noWin(t testing.TB, wins <-chan win, why string) {
	t.Helper()
	select {
	case w := <-wins:
		t.Fatalf("%s: replica %d's campaign returned (err %v) while another leads", why, w.who, w.err)
	default:
	}
}

// waitClosed waits for ch to close, failing the test after deadline.
func waitClosed(t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(deadline):
		t.Fatalf("%s: not within %v", what, deadline)
	}
}

// waitFor polls cond until it holds, failing the test after deadline.
func waitFor(t testing.TB, what string, cond func(ctx context.Context) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	for !cond(ctx) {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// candidates counts the keys of the election: the campaigning and leading replicas.
func candidates(ctx context.Context, cli *clientv3.Client) int {
	resp, err := cli.Get(ctx, cluster.DefaultPrefix+"cluster/leader/", clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return -1
	}
	return int(resp.Count)
}

// put is a fenced put of key=val as l.
func put(ctx context.Context, l *cluster.Leadership, key, val string) error {
	_, err := l.Txn(ctx, nil, []clientv3.Op{clientv3.OpPut(key, val)}, nil)
	return err
}

// opCtx is a context for one call.
func opCtx(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	t.Cleanup(cancel)
	return ctx
}

// get reads key through cli ("" when absent), retrying the errors of a cluster that changes
// leader.
func get(t testing.TB, cli *clientv3.Client, key string) string {
	t.Helper()
	var val string
	waitFor(t, "a read of "+key, func(ctx context.Context) bool {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		resp, err := cli.Get(clientv3.WithRequireLeader(c), key)
		if err != nil {
			return false
		}
		val = ""
		if len(resp.Kvs) > 0 {
			val = string(resp.Kvs[0].Value)
		}
		return true
	})
	return val
}
