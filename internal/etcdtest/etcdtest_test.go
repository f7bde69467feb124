package etcdtest_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// opTimeout bounds each client call of these tests.
const opTimeout = 5 * time.Second

func put(t *testing.T, cli *clientv3.Client, key, val string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), opTimeout)
	defer cancel()
	if _, err := cli.Put(ctx, key, val); err != nil {
		t.Fatalf("put %s: %v", key, err)
	}
}

// get is a linearizable read of key; it fails the test on error and returns "" for no key.
func get(t *testing.T, cli *clientv3.Client, key string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), opTimeout)
	defer cancel()
	resp, err := cli.Get(ctx, key)
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if len(resp.Kvs) == 0 {
		return ""
	}
	return string(resp.Kvs[0].Value)
}

func TestPutGet(t *testing.T) {
	for _, n := range []int{1, 3} {
		t.Run(map[int]string{1: "one member", 3: "three members"}[n], func(t *testing.T) {
			c := etcdtest.Start(t, n)
			if got := len(c.Endpoints()); got != n {
				t.Fatalf("%d endpoints, want %d", got, n)
			}
			put(t, c.Client(t), "/k", "v")
			for i := range n { // every member answers a linearizable read with the write
				if got := get(t, c.Client(t, i), "/k"); got != "v" {
					t.Errorf("member %d: /k = %q, want v", i, got)
				}
			}
		})
	}
}

func TestKillLeader(t *testing.T) {
	c := etcdtest.Start(t, 3)
	put(t, c.Client(t), "/before", "1")
	old := c.WaitLeader(t)

	c.Kill(old)
	lead := c.WaitLeader(t)
	if lead == old {
		t.Fatalf("member %d still leads after it was killed", old)
	}
	survivor := c.Client(t, lead)
	if got := get(t, survivor, "/before"); got != "1" {
		t.Errorf("after the kill: /before = %q, want 1", got)
	}
	put(t, survivor, "/during", "2")

	c.Restart(old)
	back := c.Client(t, old)
	for key, want := range map[string]string{"/before": "1", "/during": "2"} {
		if got := get(t, back, key); got != want {
			t.Errorf("restarted member %d: %s = %q, want %q", old, key, got, want)
		}
	}
}

func TestPartition(t *testing.T) {
	for _, tc := range []struct {
		name   string
		leader bool // partition the leader, else a follower
	}{
		{"leader", true},
		{"follower", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := etcdtest.Start(t, 3)
			cut := c.WaitLeader(t)
			if !tc.leader {
				cut = (cut + 1) % c.Size()
			}
			// The isolated member's client tries once: a read refused for want of a leader is an
			// answer, not something to retry until the deadline.
			cfg := c.ClientConfig(cut)
			cfg.MaxUnaryRetries = 1
			isolated, err := clientv3.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer isolated.Close()
			put(t, c.Client(t), "/k", "before")

			c.Partition(cut)
			lead := c.WaitLeader(t) // the other two keep or elect a leader among themselves
			if lead == cut {
				t.Fatalf("the partitioned member %d is the leader the others agree on", cut)
			}
			// A leader steps down (check quorum); cut off, the member knows no leader.
			waitFor(t, "the partitioned member to lose its leader", func() bool { return c.LeaderOf(cut) == -1 })
			ctx, cancel := context.WithTimeout(clientv3.WithRequireLeader(context.Background()), opTimeout)
			_, err = isolated.Get(ctx, "/k")
			cancel()
			if !errors.Is(err, rpctypes.ErrNoLeader) {
				t.Errorf("linearizable read on the partitioned member: %v, want %v", err, rpctypes.ErrNoLeader)
			}
			put(t, c.Client(t, lead), "/k", "during")

			c.Heal(cut)
			waitFor(t, "the healed member to follow the leader", func() bool {
				l := c.LeaderOf(lead)
				return l != -1 && c.LeaderOf(cut) == l
			})
			// A fresh client, which retries: rejoining may still cost a leader change (ErrLeaderChanged).
			if got := get(t, c.Client(t, cut), "/k"); got != "during" {
				t.Errorf("healed member: /k = %q, want the write made during the partition", got)
			}
		})
	}
}

// waitFor polls cond every tick until it holds, failing the test after 10 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tick := time.NewTicker(etcdtest.TickMs * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// BenchmarkStart measures starting a three-member cluster until it agrees on a leader.
func BenchmarkStart(b *testing.B) {
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		c := etcdtest.Start(b, 3)
		total += time.Since(start)
		b.StopTimer()
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(total.Seconds()*1000/float64(b.N), "ms/start")
}
