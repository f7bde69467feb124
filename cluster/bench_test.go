package cluster_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// BenchmarkFailover measures a handover between two replicas on a three-member etcd with a
// session lease of one second: from the moment the leader's session is lost (its etcd member
// killed or cut off) or the leader resigns, until the old term's Done closes (ms/done) and
// until the waiting replica (a Runner, which joins again if an etcd leader change cost it its
// session too) starts its leader work (ms/failover).
func BenchmarkFailover(b *testing.B) {
	for _, bc := range []struct {
		name string
		lose func(c *etcdtest.Cluster, m int, l *cluster.Leadership)
		back func(b *testing.B, c *etcdtest.Cluster, m int)
	}{
		{"member killed", func(c *etcdtest.Cluster, m int, _ *cluster.Leadership) { c.Kill(m) },
			func(_ *testing.B, c *etcdtest.Cluster, m int) { c.Restart(m) }},
		{"member partitioned", func(c *etcdtest.Cluster, m int, _ *cluster.Leadership) { c.Partition(m) },
			func(b *testing.B, c *etcdtest.Cluster, m int) {
				c.Heal(m)
				get(b, client(b, c, m), "/healed") // the member serves again
			}},
		{"resign", func(_ *etcdtest.Cluster, _ int, l *cluster.Leadership) { l.Resign(context.Background()) },
			func(*testing.B, *etcdtest.Cluster, int) {}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := etcdtest.Start(b, 3)
			log := slog.New(slog.DiscardHandler)
			var done, failover time.Duration
			for b.Loop() {
				b.StopTimer()
				const m = 0 // the leader talks to member 0, the waiting replica to member 1
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				leaderCli := client(b, c, m)
				leader := join(b, leaderCli, "leader", ttl, log)
				l, err := leader.Campaign(ctx)
				if err != nil {
					b.Fatal(err)
				}
				waiterCli := client(b, c, m+1)
				led := make(chan struct{}, 1)
				waiter := cluster.Runner{Client: waiterCli, Config: cluster.Config{ID: "waiter", TTL: ttl, Logger: log},
					Lead: func(ctx context.Context, _ *cluster.Leadership) {
						led <- struct{}{}
						<-ctx.Done()
					}}
				wctx, wstop := context.WithCancel(context.Background())
				wdone := make(chan struct{})
				go func() { defer close(wdone); waiter.Run(wctx) }()
				waitFor(b, "the waiting candidacy", func(ctx context.Context) bool { return candidates(ctx, waiterCli) == 2 })
				b.StartTimer()

				start := time.Now()
				lost := make(chan struct{})
				go func() { defer close(lost); bc.lose(c, m, l) }() // stopping a member may take seconds
				waitClosed(b, l.Done(), "the old term's Done")
				done += time.Since(start)
				select {
				case <-led:
				case <-time.After(deadline):
					b.Fatalf("the waiting replica did not lead within %v", deadline)
				}
				failover += time.Since(start)

				b.StopTimer()
				<-lost
				bc.back(b, c, m)
				wstop()
				<-wdone
				closeQuietly(leader, leaderCli)
				cancel()
				b.StartTimer()
			}
			b.ReportMetric(done.Seconds()*1000/float64(b.N), "ms/done")
			b.ReportMetric(failover.Seconds()*1000/float64(b.N), "ms/failover")
		})
	}
}

// closeQuietly ends a replica whose session may be lost, and its client, without waiting for
// a cluster that may not answer it.
func closeQuietly(r *cluster.Replica, cli *clientv3.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	r.Close(ctx)
	cli.Close()
}
