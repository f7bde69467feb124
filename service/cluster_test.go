package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/admin"
	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cluster"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/promtext"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/service"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
)

// The cluster tests run two or three service.Run replicas on one embedded etcd cluster (each
// replica's client on its own member), one BSS sandbox and a fake chat adapter per replica
// that records every send. Their waits are generous: embedded etcd is slow on a loaded machine.

const (
	clusterPrefix = "/pb/"
	clusterTTL    = 2 * time.Second // the session's lease: a killed leader is replaced after it
	clusterWait   = 60 * time.Second
)

// channels are the subscribed channels whose digests are counted.
var channels = []string{"C1", "C2", "C3"}

// send is one message a replica's chat adapter sent.
type send struct {
	replica string
	channel string
}

// sendLog records the sends of every replica.
type sendLog struct {
	mu    sync.Mutex
	sends []send
}

func (l *sendLog) add(s send) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sends = append(l.sends, s)
}

// count is how many times each channel was sent to, and by which replicas.
func (l *sendLog) count() (per map[string]int, by map[string]bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	per, by = map[string]int{}, map[string]bool{}
	for _, s := range l.sends {
		per[s.channel]++
		by[s.replica] = true
	}
	return per, by
}

// fakeChat is a "slack" adapter that takes no messages and records its sends; hold, when
// set, is called before a send is recorded (and may block it).
type fakeChat struct {
	replica string
	log     *sendLog
	hold    func(ctx context.Context, channel string)
}

func (f *fakeChat) Platform() string { return "slack" }
func (f *fakeChat) Run(ctx context.Context, _ bot.Handler) error {
	<-ctx.Done()
	return nil
}

func (f *fakeChat) Send(ctx context.Context, to bot.Target, _ chat.Reply) error {
	if f.hold != nil {
		f.hold(ctx, to.Channel)
	}
	f.log.add(send{replica: f.replica, channel: to.Channel})
	return nil
}

// pausing stands between a replica's scanner and the store: armed, the first CommitAlerts of
// channel C2 waits until released, then writes as a write already on its way would (its
// context no longer cancelled, its fence kept), and keeps that write's error. When its context
// ends first the scan goes on to its end at once, the write still arriving late.
type pausing struct {
	alerts.Store
	replica int
	pause   *pause
	scans   chan<- int // when set, receives the replica at the start of each scan (its first read)
}

func (p *pausing) Subscriptions(ctx context.Context, platform, channel string) ([]store.Subscription, error) {
	if p.scans != nil && platform == "" && channel == "" {
		select {
		case p.scans <- p.replica:
		default:
		}
	}
	return p.Store.Subscriptions(ctx, platform, channel)
}

// pause is shared by the replicas: only the first scan to reach C2 waits.
type pause struct {
	once    sync.Once
	paused  chan int // receives the replica that paused
	release chan struct{}
	err     chan error // the paused write's outcome
}

func newPause() *pause {
	return &pause{paused: make(chan int, 1), release: make(chan struct{}), err: make(chan error, 1)}
}

func (p *pausing) CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []store.Notice) error {
	first := false
	if p.pause != nil && len(notices) > 0 && notices[0].Channel == "C2" {
		p.pause.once.Do(func() { first = true })
	}
	if !first {
		return p.Store.CommitAlerts(ctx, puts, deletes, notices)
	}
	p.pause.paused <- p.replica
	late := func() error {
		err := p.Store.CommitAlerts(context.WithoutCancel(ctx), puts, deletes, notices)
		p.pause.err <- err
		return err
	}
	select {
	case <-p.pause.release:
		return late()
	case <-ctx.Done():
		go func() { <-p.pause.release; late() }()
		return ctx.Err()
	}
}

// clusterEnv is the etcd cluster, the sandbox and the replicas.
type clusterEnv struct {
	t     testing.TB
	etcd  *etcdtest.Cluster
	env   *testenv.Env
	st    *etcdstore.Store // a client of all members, for the test's own reads
	sends *sendLog
	reps  []*replicaRun
}

// replicaRun is one running replica.
type replicaRun struct {
	id     string
	member int
	cli    *clientv3.Client
	bot    service.Bot
	chat   *fakeChat
	scan   *pausing           // the scanner's store
	stop   context.CancelFunc // the signal
	done   chan error
}

// newClusterEnv starts three etcd members and seeds the store: a first expiry scan done a day
// ago (on another channel), so that today's 09:00 scan is due and not done, and subscriptions
// of C1, C2 and C3 to every customer's expiries within 30 days.
func newClusterEnv(t testing.TB) *clusterEnv {
	t.Helper()
	e := &clusterEnv{t: t, etcd: etcdtest.Start(t, 3), sends: &sendLog{}}
	e.env = testenv.New(t, testenv.Options{})
	st, err := etcdstore.Open(context.Background(), e.etcd.Client(t), etcdstore.Options{Prefix: clusterPrefix, Now: e.env.Clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	e.st = st
	ctx := context.Background()
	by := store.Actor{Platform: "console", UserID: "admin"}
	seed, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "SEED", Kind: alerts.KindExpiry, Scope: "*",
		Days: []int{1}, CreatedBy: by})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := alerts.New(e.env.Client, st, alerts.Options{Now: e.env.Clock.Now, Delta: true}).Scan(ctx, alerts.KindExpiry); err != nil {
		t.Fatalf("the seed scan: %v", err)
	}
	if _, err := st.RemoveSubscription(ctx, seed.ID, "slack", "SEED", by); err != nil {
		t.Fatal(err)
	}
	e.env.Clock.Advance(24 * time.Hour)
	for _, ch := range channels {
		if _, err := st.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: ch, Kind: alerts.KindExpiry, Scope: "*",
			Days: []int{30}, CreatedBy: by}); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// start runs replica r<member> on its own etcd member; tune adjusts it before it runs.
func (e *clusterEnv) start(member int, p *pause, tune ...func(*replicaRun)) *replicaRun {
	e.t.Helper()
	id := fmt.Sprintf("r%d", member)
	cli, err := clientv3.New(e.etcd.ClientConfig(member))
	if err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { cli.Close() })
	now := e.env.Clock.Now
	st, err := etcdstore.Open(context.Background(), cli, etcdstore.Options{Prefix: clusterPrefix, Now: now})
	if err != nil {
		e.t.Fatal(err)
	}
	log := e.env.Log.With("replica", id)
	cfg := config.Default()
	cfg.Store.Path = filepath.Join(e.t.TempDir(), "bot.db") // the control socket goes beside it
	cfg.Admin.Listen = ""
	cfg.Bot.ShutdownTimeout = 5 * time.Second
	cfg.Alerts.ExpirySchedule = "0 9 * * *"  // due today at 09:00 on the test's clock, not done
	cfg.Alerts.ArrearsSchedule = "0 9 1 1 *" // never scanned: left to its schedule
	r := &replicaRun{id: id, member: member, cli: cli, chat: &fakeChat{replica: id, log: e.sends}, done: make(chan error, 1),
		scan: &pausing{Store: st, replica: member, pause: p}}
	r.bot = service.Bot{Config: cfg, Log: log, Store: st,
		Router: commands.New(e.env.Client, st, commands.Options{Now: now, ExpiryIndex: alerts.NewIndex(e.env.Client, st, now)}),
		BSS:    e.env.Client, Direct: &service.Direct{},
		Scanner: alerts.New(e.env.Client, r.scan, alerts.Options{Now: now, Delta: true, Logger: log}),
		Metrics: metrics.New(), Adapters: []bot.Adapter{r.chat}, Version: "test", Now: now,
		Cluster: &service.Cluster{Client: cli, Config: cluster.Config{ID: id, Prefix: clusterPrefix, TTL: clusterTTL, Logger: log}}}
	for _, f := range tune {
		f(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.stop = cancel
	go func() { r.done <- service.Run(ctx, r.bot) }()
	e.t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(clusterWait):
			e.t.Errorf("replica %s did not stop", id)
		}
	})
	e.reps = append(e.reps, r)
	return r
}

// crash plays replica r dying: its etcd client goes at once (no resignation: the others wait
// for its lease), then its process.
func (e *clusterEnv) crash(r *replicaRun) {
	e.t.Helper()
	r.cli.Close()
	r.stop()
}

// waitFor waits until cond holds, failing the test after clusterWait.
func (e *clusterEnv) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(clusterWait)
	for !cond() {
		if time.Now().After(deadline) {
			per, _ := e.sends.count()
			e.t.Fatalf("gave up waiting for %s; sends %v\nlog:\n%s", what, per, e.env.Logs)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// logged counts the log lines holding every one of parts.
func (e *clusterEnv) logged(parts ...string) int {
	n := 0
	for _, line := range strings.Split(e.env.Logs.String(), "\n") {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(line, p)
		}
		if all {
			n++
		}
	}
	return n
}

// leader waits until a replica has begun leading and returns it.
func (e *clusterEnv) leader(exclude ...*replicaRun) *replicaRun {
	e.t.Helper()
	var found *replicaRun
	e.waitFor("a leader", func() bool {
		for _, r := range e.reps {
			if !contains(exclude, r) && e.logged("replica="+r.id, "this replica leads: scans") > 0 {
				found = r
				return true
			}
		}
		return false
	})
	return found
}

func contains(rs []*replicaRun, r *replicaRun) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// delivered waits until the outbox is empty and every channel had its digest, and returns the
// sends per channel.
func (e *clusterEnv) delivered() map[string]int {
	e.t.Helper()
	e.waitFor("every digest delivered", func() bool {
		per, _ := e.sends.count()
		for _, ch := range channels {
			if per[ch] == 0 {
				return false
			}
		}
		ob, err := e.st.OutboxStats(context.Background())
		return err == nil && ob.Waiting == 0 && ob.Parked == 0
	})
	per, _ := e.sends.count()
	return per
}

// repeats is how many sends beyond the first all channels had together.
func repeats(per map[string]int) int {
	n := 0
	for _, ch := range channels {
		n += max(0, per[ch]-1)
	}
	return n
}

// TestClusterOneLeaderScansAndDelivers: of three replicas exactly one leads: it runs the scan
// that was due (the 09:00 one no replica ran) and delivers each channel's digest once; the
// others neither scan nor send. A graceful stop of the leader resigns, and another replica
// leads at once.
func TestClusterOneLeaderScansAndDelivers(t *testing.T) {
	e := newClusterEnv(t)
	for i := range 3 {
		e.start(i, nil)
	}
	lead := e.leader()
	per := e.delivered()
	for _, ch := range channels {
		if per[ch] != 1 {
			t.Errorf("channel %s got %d digests, want 1 (%v)", ch, per[ch], per)
		}
	}
	if _, by := e.sends.count(); len(by) != 1 || !by[lead.id] {
		t.Errorf("sent by %v, want the leader %s only", by, lead.id)
	}
	if n := e.logged("scan finished", "kind=expiry"); n != 1 {
		t.Errorf("%d expiry scans ran, want 1\nlog:\n%s", n, e.env.Logs)
	}
	if n := e.logged("scan finished", "replica="+lead.id); n != 1 {
		t.Errorf("the leader %s ran %d scans, want 1", lead.id, n)
	}
	if n := e.logged("cluster: leader changed", "leader="+lead.id); n < 3 {
		t.Errorf("%d replicas logged %s as the leader, want 3", n, lead.id)
	}

	// A graceful stop: the leader resigns and another leads without waiting for its lease.
	lead.stop()
	select {
	case err := <-lead.done:
		lead.done <- err
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(clusterWait):
		t.Fatal("the leader did not stop")
	}
	if e.logged("replica="+lead.id, "cluster: resigned") == 0 {
		t.Errorf("the leader did not resign\nlog:\n%s", e.env.Logs)
	}
	next := e.leader(lead)
	if n := e.logged("scan finished", "replica="+next.id); n != 0 {
		t.Errorf("the next leader ran %d scans, though the due one was done", n)
	}
}

// TestClusterLeaderKilledMidScan: the leader dies after committing C1's digest and before C2's:
// another replica takes over after the lease, runs the unfinished scan again from what the
// store holds (C1's ledger: not alerted twice), and every channel gets its digest, at most one
// repeated.
func TestClusterLeaderKilledMidScan(t *testing.T) {
	e := newClusterEnv(t)
	p := newPause()
	for i := range 3 {
		e.start(i, p)
	}
	var paused int
	select {
	case paused = <-p.paused:
	case <-time.After(clusterWait):
		t.Fatalf("no scan reached C2\nlog:\n%s", e.env.Logs)
	}
	dead := e.reps[paused]
	e.crash(dead)
	close(p.release)
	if err := <-p.err; err == nil {
		t.Error("the dead leader's late commit was written")
	}
	next := e.leader(dead)
	per := e.delivered()
	if repeats(per) > 1 {
		t.Errorf("sends %v: more than one digest repeated", per)
	}
	if e.logged("replica="+next.id, "running a scan the last leader did not finish", "kind=expiry") != 1 {
		t.Errorf("the new leader did not resume the scan\nlog:\n%s", e.env.Logs)
	}
	if per["C1"] != 1 {
		t.Errorf("C1 got %d digests: its alerts, committed before the crash, were queued again", per["C1"])
	}
}

// startHoldingFirstSend starts n replicas, on members 0…n-1, whose chat holds the first send
// to channel ("" = to any channel) of all of them: the replica making it is handed over on
// sending, and the send waits until accept is closed (the platform took it).
func (e *clusterEnv) startHoldingFirstSend(n int, channel string) (sending <-chan *replicaRun, accept chan struct{}) {
	var once sync.Once
	held := make(chan *replicaRun, 1)
	accept = make(chan struct{})
	for i := range n {
		e.start(i, nil, func(r *replicaRun) {
			r.chat.hold = func(ctx context.Context, ch string) {
				if channel != "" && ch != channel {
					return
				}
				first := false
				once.Do(func() { first = true })
				if first {
					held <- r
					<-accept
				}
			}
		})
	}
	return held, accept
}

// TestClusterLeaderKilledMidDelivery: the leader dies while C2's digest is with the platform;
// the platform accepts it, but the dead leader cannot record that, so the next leader sends it
// again: that is the one repeat a failover may cost. Nothing is lost.
func TestClusterLeaderKilledMidDelivery(t *testing.T) {
	e := newClusterEnv(t)
	sending, accept := e.startHoldingFirstSend(3, "C2")
	var dead *replicaRun
	select {
	case dead = <-sending:
	case <-time.After(clusterWait):
		t.Fatalf("no delivery to C2 began\nlog:\n%s", e.env.Logs)
	}
	e.crash(dead)
	close(accept) // the platform took it
	next := e.leader(dead)
	per := e.delivered()
	if per["C2"] != 2 || repeats(per) != 1 {
		t.Errorf("sends %v: want C2 twice (the platform took it from the dead leader) and the others once", per)
	}
	if _, by := e.sends.count(); !by[next.id] {
		t.Errorf("the new leader %s sent nothing", next.id)
	}
}

// TestClusterPartitionedLeaderIsFenced: the leader's etcd member is cut off from the others
// while the leader commits C2's digest. Its term ends within the lease (its leader work
// stops), another replica leads, and the commit, arriving once the partition heals, is refused
// by the fence. Every digest still arrives, none twice.
func TestClusterPartitionedLeaderIsFenced(t *testing.T) {
	e := newClusterEnv(t)
	p := newPause()
	for i := range 3 {
		e.start(i, p)
	}
	var paused int
	select {
	case paused = <-p.paused:
	case <-time.After(clusterWait):
		t.Fatalf("no scan reached C2\nlog:\n%s", e.env.Logs)
	}
	old := e.reps[paused]
	e.etcd.Partition(old.member)
	e.waitFor("the cut-off leader to stop its leader work", func() bool {
		return e.logged("replica="+old.id, "the term is over: this replica's leader work stopped") > 0
	})
	next := e.leader(old)
	e.etcd.Heal(old.member)
	close(p.release)
	if err := <-p.err; !errors.Is(err, etcdstore.ErrFenced) {
		t.Errorf("the deposed leader's late commit: %v, want it refused by the fence (%v)", err, etcdstore.ErrFenced)
	}
	per := e.delivered()
	if repeats(per) != 0 {
		t.Errorf("sends %v: a digest was repeated", per)
	}
	if _, by := e.sends.count(); !by[next.id] {
		t.Errorf("the new leader %s sent nothing", next.id)
	}
}

// freeAddr is a loopback address no one listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// adminGet fetches path from a replica's admin endpoints.
func adminGet(t *testing.T, addr, path string) (int, string) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// TestClusterAdminEndpoints: each replica's /cluster names it, the three members, the leader,
// etcd's revision and the outbox; /metrics has the leader gauge (1 on the leader only) and the
// members; /readyz reports the etcd connection, and fails naming etcd once it lost its quorum.
func TestClusterAdminEndpoints(t *testing.T) {
	e := newClusterEnv(t)
	addrs := map[string]string{}
	for i := range 3 {
		addr := freeAddr(t)
		r := e.start(i, nil, func(r *replicaRun) { r.bot.Config.Admin.Listen = addr })
		addrs[r.id] = addr
	}
	lead := e.leader()
	e.delivered()
	for _, r := range e.reps {
		var st admin.ClusterStatus
		e.waitFor(r.id+"'s /cluster to show three members and the leader", func() bool {
			code, body := adminGet(t, addrs[r.id], admin.PathCluster)
			st = admin.ClusterStatus{}
			return code == http.StatusOK && json.Unmarshal([]byte(body), &st) == nil && len(st.Members) == 3 && st.Leader == lead.id
		})
		if st.Mode != admin.ModeCluster || st.Store != "etcd" || st.Replica != r.id || !st.Joined || st.Revision <= 0 ||
			st.Leading != (r == lead) || (st.Term != 0) != (r == lead) || st.OutboxWaiting != 0 || len(st.Errors) != 0 {
			t.Errorf("%s's /cluster: %+v", r.id, st)
		}
		_, metricsText := adminGet(t, addrs[r.id], admin.PathMetrics)
		want := 0.0
		if r == lead {
			want = 1
		}
		if v, ok := promtext.Value(metricsText, "partnerbot_cluster_leader"); !ok || v != want {
			t.Errorf("%s: partnerbot_cluster_leader = %v (found %v), want %v", r.id, v, ok, want)
		}
		if v, ok := promtext.Value(metricsText, "partnerbot_cluster_members"); !ok || v != 3 {
			t.Errorf("%s: partnerbot_cluster_members = %v (found %v), want 3", r.id, v, ok)
		}
		code, body := adminGet(t, addrs[r.id], admin.PathReady)
		if code != http.StatusOK || !strings.Contains(body, "ok store: open") || !strings.Contains(body, "ok cluster: replica "+r.id) {
			t.Errorf("%s's /readyz %d:\n%s", r.id, code, body)
		}
	}

	// Two members of three gone: no quorum. The surviving member's replica is not ready, and
	// says that etcd does not answer.
	var survivor *replicaRun
	for _, r := range e.reps {
		if r.member == 2 {
			survivor = r
		}
	}
	e.etcd.Kill(0)
	e.etcd.Kill(1)
	e.waitFor("/readyz to fail on etcd", func() bool {
		code, body := adminGet(t, addrs[survivor.id], admin.PathReady)
		return code == http.StatusServiceUnavailable && strings.Contains(body, "FAIL store: etcd does not answer")
	})
}

// BenchmarkFailover measures a failover as the bot lives it: three replicas on the three-member
// etcd cluster (lease 2 s), the leader dies in the middle of a scan, and the clock runs until
// the new leader's scanner takes its first step (it reads the subscriptions to resume the
// scan). "crashed": the leader's process dies (its etcd client goes with it, no resignation);
// "member killed": the leader's etcd member dies under it.
func BenchmarkFailover(b *testing.B) {
	for _, how := range []string{"crashed", "member killed"} {
		b.Run(how, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				e := newClusterEnv(b)
				p := newPause()
				scans := make(chan int, 16)
				for i := range 3 {
					e.start(i, p, func(r *replicaRun) { r.scan.scans = scans })
				}
				var dead int
				select {
				case dead = <-p.paused:
				case <-time.After(clusterWait):
					b.Fatalf("no scan reached C2\nlog:\n%s", e.env.Logs)
				}
				for len(scans) > 0 {
					<-scans
				}
				b.StartTimer()
				start := time.Now()
				if how == "crashed" {
					e.crash(e.reps[dead])
				} else {
					e.etcd.Kill(e.reps[dead].member)
				}
				for next := dead; next == dead; {
					select {
					case next = <-scans:
					case <-time.After(clusterWait):
						b.Fatalf("no new leader scanned\nlog:\n%s", e.env.Logs)
					}
				}
				total += time.Since(start)
				b.StopTimer()
				close(p.release)
				e.reps[dead].stop()
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/first-scan-step")
		})
	}
}

// TestClusterFollowerLeavesTheOutboxToTheLeader: a follower that stops does not deliver the
// outbox on its way out (the leader does): while the leader is busy with C2's digest, the
// follower's stop sends nothing, and every digest arrives once.
func TestClusterFollowerLeavesTheOutboxToTheLeader(t *testing.T) {
	e := newClusterEnv(t)
	sending, accept := e.startHoldingFirstSend(2, "")
	var lead *replicaRun
	select {
	case lead = <-sending:
	case <-time.After(clusterWait):
		t.Fatalf("no delivery began\nlog:\n%s", e.env.Logs)
	}
	follower := e.reps[0]
	if follower == lead {
		follower = e.reps[1]
	}
	follower.stop()
	select {
	case err := <-follower.done:
		follower.done <- err
		if err != nil {
			t.Fatalf("the follower's Run: %v", err)
		}
	case <-time.After(clusterWait):
		t.Fatal("the follower did not stop")
	}
	if _, by := e.sends.count(); by[follower.id] {
		t.Errorf("the stopping follower delivered notices")
	}
	if e.logged("replica="+follower.id, "not the leader: the notices waiting in the outbox are the next leader's") != 1 {
		t.Errorf("the follower did not say it left the outbox to the leader\nlog:\n%s", e.env.Logs)
	}
	close(accept)
	if per := e.delivered(); repeats(per) != 0 {
		t.Errorf("sends %v: a digest was repeated", per)
	}
}

// TestClusterWithoutIDOrClientRefusesTheStart: a cluster Run cannot join is a mistake in the
// configuration, refused before any adapter runs.
func TestClusterWithoutIDOrClientRefusesTheStart(t *testing.T) {
	c := etcdtest.Start(t, 1)
	for name, cl := range map[string]*service.Cluster{
		"no client": {Config: cluster.Config{ID: "r0"}},
		"no id":     {Client: c.Client(t)},
	} {
		t.Run(name, func(t *testing.T) {
			b, _, out := newBot(t, strings.NewReader("/help\n"))
			b.Cluster = cl
			var start *service.StartError
			if err := service.Run(context.Background(), b); !errors.As(err, &start) || !start.Config {
				t.Fatalf("Run: %v, want a StartError of the configuration", err)
			}
			if out.String() != "" {
				t.Errorf("the console ran:\n%s", out)
			}
		})
	}
}

// TestAloneClusterPage: a bot on bbolt says on /cluster that it runs alone, with its outbox,
// and exports no cluster gauges.
func TestAloneClusterPage(t *testing.T) {
	b, env, _ := newBot(t, strings.NewReader(""))
	addr := freeAddr(t)
	b.Config.Admin.Listen = addr
	c := startConsoleBot(t, b, env, "admin")
	var st admin.ClusterStatus
	c.waitFor("/cluster", func() bool {
		resp, err := http.Get("http://" + addr + admin.PathCluster)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		return json.NewDecoder(resp.Body).Decode(&st) == nil
	})
	if st.Mode != admin.ModeAlone || st.Store != "bbolt" || !st.Leading || st.Replica != "" || len(st.Members) != 0 {
		t.Errorf("/cluster of a bot alone: %+v", st)
	}
	if _, text := adminGet(t, addr, admin.PathMetrics); strings.Contains(text, "partnerbot_cluster_") {
		t.Errorf("a bot alone exports cluster gauges")
	}
}
