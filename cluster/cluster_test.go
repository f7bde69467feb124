package cluster_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// three runs three candidates, candidate i talking to etcd member i only.
func three(t *testing.T, c *etcdtest.Cluster, ttl time.Duration) ([]*clientv3.Client, chan win) {
	t.Helper()
	log := testLogger(t)
	var clis []*clientv3.Client
	wins := make(chan win, 3)
	for i := range 3 {
		cli := client(t, c, i)
		clis = append(clis, cli)
		candidate(t, cli, fmt.Sprintf("r%d", i), ttl, log, i, wins)
	}
	return clis, wins
}

func TestOneLeaderOthersWait(t *testing.T) {
	c := etcdtest.Start(t, 3)
	clis, wins := three(t, c, ttl)

	var order []int
	for round := range 3 {
		w := next(t, wins)
		order = append(order, w.who)
		// Every candidate still in the race has its key in the election: had it not waited
		// for the leader's key to go, its campaign would have returned by now.
		waitFor(t, "the waiting candidates' keys", func(ctx context.Context) bool { return candidates(ctx, clis[w.who]) == 3-round })
		noWin(t, wins, fmt.Sprintf("round %d", round))
		if got, err := w.r.Leader(opCtx(t)); err != nil || got != fmt.Sprintf("r%d", w.who) {
			t.Fatalf("round %d: Leader() = %q, %v; want r%d", round, got, err, w.who)
		}
		if err := put(opCtx(t), w.l, "/work", fmt.Sprint(round)); err != nil {
			t.Fatalf("round %d: the leader's fenced write: %v", round, err)
		}
		if err := w.l.Resign(opCtx(t)); err != nil {
			t.Fatalf("round %d: resign: %v", round, err)
		}
		waitClosed(t, w.l.Done(), "Done after Resign")
	}
	if slices.Sort(order); !slices.Equal(order, []int{0, 1, 2}) {
		t.Errorf("winners %v; want each replica once", order)
	}
}

func TestLeaderLostHandsOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(c *etcdtest.Cluster, cli *clientv3.Client, member int)
	}{
		{"its etcd member killed", func(c *etcdtest.Cluster, _ *clientv3.Client, m int) { c.Kill(m) }},
		{"its client closed", func(_ *etcdtest.Cluster, cli *clientv3.Client, _ int) { cli.Close() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := etcdtest.Start(t, 3)
			clis, wins := three(t, c, ttl)
			old := next(t, wins)
			waitFor(t, "all three candidates", func(ctx context.Context) bool { return candidates(ctx, clis[old.who]) == 3 })

			start := time.Now()
			tc.lose(c, clis[old.who], old.who)
			w := next(t, wins)
			t.Logf("next leader after %v (TTL %v)", time.Since(start), ttl)
			mustHaveEnded(t, old.l)
			if w.who == old.who {
				t.Fatalf("replica %d leads again", w.who)
			}
			if err := put(opCtx(t), w.l, "/work", "new"); err != nil {
				t.Fatalf("the new leader's fenced write: %v", err)
			}
			_, err := old.l.Fence().Txn(opCtx(t), clis[w.who], nil, []clientv3.Op{clientv3.OpPut("/work", "old")}, nil)
			if !errors.Is(err, cluster.ErrDeposed) {
				t.Fatalf("a write with the old leader's token: %v; want ErrDeposed", err)
			}
			if got := get(t, clis[w.who], "/work"); got != "new" {
				t.Errorf("/work = %q; want the new leader's write", got)
			}
			noWin(t, wins, "after the handover")
		})
	}
}

// mustHaveEnded fails the test unless l's term has ended: called when the next leader has
// begun, the old one must have stopped before.
func mustHaveEnded(t *testing.T, l *cluster.Leadership) {
	t.Helper()
	select {
	case <-l.Done():
	default:
		t.Fatal("the next leader began while the old term's Done was still open")
	}
}

func TestPartitionedLeaderIsFenced(t *testing.T) {
	c := etcdtest.Start(t, 3)
	clis, wins := three(t, c, ttl)
	old := next(t, wins)
	waitFor(t, "all three candidates", func(ctx context.Context) bool { return candidates(ctx, clis[old.who]) == 3 })

	start := time.Now()
	c.Partition(old.who)
	w := next(t, wins)
	t.Logf("next leader after %v (TTL %v)", time.Since(start), ttl)
	mustHaveEnded(t, old.l)
	if w.who == old.who {
		t.Fatalf("the partitioned replica %d leads again", w.who)
	}
	if err := put(opCtx(t), w.l, "/work", "new"); err != nil {
		t.Fatalf("the new leader's fenced write: %v", err)
	}
	// Cut off, the old leader's write cannot even reach a leader.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	err := put(ctx, old.l, "/work", "old")
	cancel()
	if err == nil {
		t.Fatal("the partitioned leader's write succeeded")
	}

	// Healed, its late write reaches the cluster and the fence refuses it.
	c.Heal(old.who)
	waitFor(t, "the old leader's late write to be refused", func(ctx context.Context) bool {
		c, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		err = put(c, old.l, "/work", "old")
		if err == nil {
			t.Fatal("the deposed leader's late write succeeded")
		}
		return errors.Is(err, cluster.ErrDeposed) // else the member is still rejoining: retry
	})
	if got := get(t, clis[w.who], "/work"); got != "new" {
		t.Errorf("/work = %q; want the new leader's write", got)
	}
}

func TestGracefulStopHandsOverAtOnce(t *testing.T) {
	// A lease far longer than the wait: only a withdrawn key lets the next candidate lead.
	const long = time.Minute
	for _, tc := range []struct {
		name string
		stop func(ctx context.Context, r *cluster.Replica, l *cluster.Leadership) error
	}{
		{"resign", func(ctx context.Context, _ *cluster.Replica, l *cluster.Leadership) error { return l.Resign(ctx) }},
		{"close the replica", func(ctx context.Context, r *cluster.Replica, _ *cluster.Leadership) error { return r.Close(ctx) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := etcdtest.Start(t, 3)
			clis, wins := three(t, c, long)
			old := next(t, wins)
			waitFor(t, "all three candidates", func(ctx context.Context) bool { return candidates(ctx, clis[old.who]) == 3 })

			start := time.Now()
			if err := tc.stop(opCtx(t), old.r, old.l); err != nil {
				t.Fatal(err)
			}
			select {
			case <-old.l.Done():
			default:
				t.Fatal("Done still open after the graceful stop returned")
			}
			w := next(t, wins)
			t.Logf("next leader after %v (TTL %v)", time.Since(start), long)
			if w.who == old.who {
				t.Fatalf("replica %d leads again", w.who)
			}
			if err := put(opCtx(t), old.l, "/work", "old"); !errors.Is(err, cluster.ErrDeposed) {
				t.Fatalf("the resigned leader's write: %v; want ErrDeposed", err)
			}
		})
	}
}

func TestStaleTokenRefused(t *testing.T) {
	c := etcdtest.Start(t, 3)
	cli := client(t, c)
	r := join(t, cli, "r0", ttl, testLogger(t))

	first, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := put(opCtx(t), first, "/work", "first"); err != nil {
		t.Fatalf("first term's write: %v", err)
	}
	if err := first.Resign(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	second, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	// The same session campaigns with the same key: only the token tells the terms apart.
	if first.Fence().Key != second.Fence().Key || first.Token() >= second.Token() {
		t.Fatalf("terms %+v then %+v; want one key and a later token", first.Fence(), second.Fence())
	}
	if err := put(opCtx(t), first, "/work", "stale"); !errors.Is(err, cluster.ErrDeposed) {
		t.Fatalf("the first term's write in the second term: %v; want ErrDeposed", err)
	}
	if err := put(opCtx(t), second, "/work", "second"); err != nil {
		t.Fatalf("second term's write: %v", err)
	}
	if got := get(t, cli, "/work"); got != "second" {
		t.Errorf("/work = %q; want the second term's write", got)
	}
}

func TestFencedTxnKeepsItsOwnComparisons(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := client(t, c)
	r := join(t, cli, "r0", ttl, testLogger(t))
	l, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	isAbsent := []clientv3.Cmp{clientv3.Compare(clientv3.CreateRevision("/k"), "=", 0)}
	then := []clientv3.Op{clientv3.OpPut("/k", "1")}
	els := []clientv3.Op{clientv3.OpGet("/k")}
	for i, want := range []bool{true, false} {
		resp, err := l.Txn(opCtx(t), isAbsent, then, els)
		if err != nil {
			t.Fatalf("txn %d: %v", i, err)
		}
		if resp.Succeeded != want {
			t.Fatalf("txn %d: Succeeded %v; want %v", i, resp.Succeeded, want)
		}
		if !want && string(resp.Responses[0].GetResponseRange().Kvs[0].Value) != "1" {
			t.Errorf("txn %d: the else branch's read: %v", i, resp.Responses)
		}
		if resp.Header == nil || resp.Header.Revision == 0 {
			t.Errorf("txn %d: no header", i)
		}
	}
	select {
	case <-l.Done():
		t.Fatal("a failed comparison of the caller's ended the term")
	default:
	}
}

func TestMembersLeaderObserve(t *testing.T) {
	c := etcdtest.Start(t, 3)
	log := testLogger(t)
	var rs []*cluster.Replica
	for i := range 3 {
		rs = append(rs, join(t, client(t, c, i), fmt.Sprintf("r%d", i), ttl, log))
	}
	watch := client(t, c)
	if got, err := rs[0].Members(opCtx(t)); err != nil || !slices.Equal(got, []string{"r0", "r1", "r2"}) {
		t.Fatalf("Members() = %v, %v; want r0 r1 r2", got, err)
	}
	if got, err := rs[0].Leader(opCtx(t)); err != nil || got != "" {
		t.Fatalf("Leader() before any campaign = %q, %v; want none", got, err)
	}
	leaders := rs[2].Observe(opCtx(t))

	l1, err := rs[1].Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	wins := make(chan win, 1)
	campaign(t, rs[0], 0, wins)
	waitFor(t, "r0's candidacy", func(ctx context.Context) bool { return candidates(ctx, watch) == 2 })
	if err := l1.Resign(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	next(t, wins)
	for _, want := range []string{"r1", "r0"} {
		select {
		case got := <-leaders:
			if got != want {
				t.Fatalf("observed leader %q; want %q", got, want)
			}
		case <-time.After(deadline):
			t.Fatalf("leader %s not observed", want)
		}
	}
	if got, err := rs[2].Leader(opCtx(t)); err != nil || got != "r0" {
		t.Fatalf("Leader() = %q, %v; want r0", got, err)
	}

	if err := rs[2].Close(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, rs[2].Done(), "the closed replica's Done")
	if got, err := rs[0].Members(opCtx(t)); err != nil || !slices.Equal(got, []string{"r0", "r1"}) {
		t.Fatalf("Members() after r2 left = %v, %v; want r0 r1", got, err)
	}
}

func TestLostSessionEndsTheCampaign(t *testing.T) {
	c := etcdtest.Start(t, 3)
	cli := client(t, c)
	log := testLogger(t)
	leader := join(t, cli, "leader", ttl, log)
	if _, err := leader.Campaign(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	waiting := join(t, client(t, c), "waiting", ttl, log)
	wins := make(chan win, 1)
	campaign(t, waiting, 1, wins)
	waitFor(t, "the waiting candidacy", func(ctx context.Context) bool { return candidates(ctx, cli) == 2 })

	// The lease ends behind the waiting replica's back (expired, or revoked by an operator):
	// its etcd connection is fine, only its session is gone.
	if _, err := cli.Revoke(opCtx(t), waiting.Lease()); err != nil {
		t.Fatal(err)
	}
	select {
	case w := <-wins:
		if !errors.Is(w.err, cluster.ErrSessionLost) {
			t.Fatalf("campaign ended with %v, %v; want ErrSessionLost", w.l, w.err)
		}
	case <-time.After(deadline):
		t.Fatal("the campaign still waits on a lost session")
	}
	if _, err := waiting.Campaign(opCtx(t)); !errors.Is(err, cluster.ErrSessionLost) {
		t.Fatalf("a campaign on the lost session: %v; want ErrSessionLost", err)
	}
}

func TestOneCampaignAtATime(t *testing.T) {
	c := etcdtest.Start(t, 1)
	r := join(t, client(t, c), "r0", ttl, testLogger(t))
	l, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Campaign(opCtx(t)); !errors.Is(err, cluster.ErrBusy) {
		t.Fatalf("a campaign while leading: %v; want ErrBusy", err)
	}
	if err := l.Resign(opCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Campaign(opCtx(t)); err != nil {
		t.Fatalf("a campaign after resigning: %v", err)
	}
}

func TestJoinNeedsAnID(t *testing.T) {
	if _, err := cluster.Join(context.Background(), nil, cluster.Config{}); err == nil {
		t.Fatal("Join without an id succeeded")
	}
}

func TestPartitionEndsTheTermBeforeTheLease(t *testing.T) {
	// A lease far longer than the wait: only the session's WithRequireLeader (the member says
	// it has no leader) can end the term in time; the lease would take a minute.
	const long = time.Minute
	c := etcdtest.Start(t, 3)
	clis, wins := three(t, c, long)
	old := next(t, wins)
	waitFor(t, "all three candidates", func(ctx context.Context) bool { return candidates(ctx, clis[old.who]) == 3 })

	start := time.Now()
	c.Partition(old.who)
	waitClosed(t, old.l.Done(), "the partitioned leader's Done")
	t.Logf("Done after %v (TTL %v)", time.Since(start), long)
	noWin(t, wins, "the lease still stands")
}

func TestFailedResignationGivesNoTokenTwice(t *testing.T) {
	c := etcdtest.Start(t, 1)
	r := join(t, client(t, c), "r0", ttl, testLogger(t))
	first, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	if err := first.Resign(gone); err == nil {
		t.Fatal("a resignation with an ended context succeeded")
	}
	waitClosed(t, first.Done(), "Done after a failed resignation")
	// The first term's key still stands; the next term must not inherit its token.
	second, err := r.Campaign(opCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if second.Token() == first.Token() {
		t.Fatalf("the second term has the first one's token %d", first.Token())
	}
	if err := put(opCtx(t), first, "/work", "stale"); !errors.Is(err, cluster.ErrDeposed) {
		t.Fatalf("the first term's write: %v; want ErrDeposed", err)
	}
}
