// Package etcdtest runs an etcd cluster inside the test process (go.etcd.io/etcd/server/v3/embed)
// for the tests of what partnerbot keeps in etcd: one or three members on loopback with fast
// ticks and no fsync, a client helper, and the failures a cluster must survive — killing and
// restarting a member, and cutting a member off from the others through a TCP proxy on its peer
// URL.
//
// Members log into a buffer that is shown only when the test fails.
package etcdtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// Timing of every member: a heartbeat each TickMs, an election after ElectionMs without one.
// A leader that loses its quorum steps down after ElectionMs (etcd runs raft with CheckQuorum).
const (
	TickMs     = 10
	ElectionMs = 100
)

// startTimeout bounds how long Start and Restart wait for members to be ready and agree on a
// leader; DialTimeout is the clients' dial timeout.
const (
	startTimeout = 10 * time.Second
	DialTimeout  = 2 * time.Second
)

// clusters numbers the clusters of this process, so that each has its own cluster token.
var clusters atomic.Int64

// Cluster is a running in-process etcd cluster. Its methods are safe for concurrent use.
type Cluster struct {
	tb    testing.TB
	log   *logTail
	token string

	applyMu sync.Mutex // orders applyPartitions, so that the last rules computed are the ones in force

	mu          sync.Mutex
	members     []*member
	partitioned map[int]bool // cut off by Partition
	stopping    map[int]bool // cut off while Kill stops them
	closed      bool
}

// member is one etcd server with its addresses; etcd is nil while the member is killed.
type member struct {
	name      string
	dir       string
	clientURL url.URL // listened on and advertised
	peerURL   url.URL // listened on; reached only through proxy
	proxy     *peerProxy
	id        string // raft member id, hex, as rafthttp's X-Server-From header carries it
	etcd      *embed.Etcd
}

// Start runs a cluster of n members (1 or 3; any n ≥ 1 works) on free loopback ports with data
// in tb.TempDir(), waits until they agree on a leader, and stops it when the test ends.
func Start(tb testing.TB, n int) *Cluster {
	tb.Helper()
	if n < 1 {
		tb.Fatalf("etcdtest.Start: %d members; want at least 1", n)
	}
	c := &Cluster{
		tb:          tb,
		log:         &logTail{},
		token:       fmt.Sprintf("etcdtest-%d-%d", os.Getpid(), clusters.Add(1)),
		partitioned: map[int]bool{},
		stopping:    map[int]bool{},
	}
	tb.Cleanup(c.Close)
	dir := tb.TempDir()
	var initial []string
	for i := range n {
		p, err := newPeerProxy()
		if err != nil {
			tb.Fatalf("etcdtest: peer proxy: %v", err)
		}
		m := &member{name: fmt.Sprintf("m%d", i), dir: filepath.Join(dir, fmt.Sprintf("m%d", i)), proxy: p}
		c.members = append(c.members, m)
		initial = append(initial, m.name+"=http://"+p.addr())
	}
	for _, m := range c.members {
		if err := c.startNew(m, strings.Join(initial, ",")); err != nil {
			tb.Fatalf("etcdtest: start %s: %v", m.name, err)
		}
	}
	c.waitReady(c.members...)
	c.WaitLeader(tb)
	return c
}

// startNew starts a member of a new cluster on fresh ports, picking others if a port was taken
// between choosing it and binding it.
func (c *Cluster) startNew(m *member, initial string) error {
	var err error
	for range 3 {
		var ports [2]int
		if ports, err = freePorts(); err != nil {
			return err
		}
		m.clientURL = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[0])}
		m.peerURL = url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", ports[1])}
		m.proxy.setTarget(m.peerURL.Host)
		if err = c.startMember(m, initial); !errors.Is(err, syscall.EADDRINUSE) {
			return err
		}
	}
	return err
}

// freePorts asks the kernel for two free loopback ports.
func freePorts() ([2]int, error) {
	var ports [2]int
	for i := range ports {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return ports, err
		}
		ports[i] = ln.Addr().(*net.TCPAddr).Port
		defer ln.Close()
	}
	return ports, nil
}

// startMember starts m's etcd server; initial is the initial cluster (ignored by etcd once the
// member has data).
func (c *Cluster) startMember(m *member, initial string) error {
	cfg := embed.NewConfig()
	cfg.Name = m.name
	cfg.Dir = m.dir
	cfg.TickMs = TickMs
	cfg.ElectionMs = ElectionMs
	cfg.UnsafeNoFsync = true
	cfg.ListenClientUrls = []url.URL{m.clientURL}
	cfg.AdvertiseClientUrls = []url.URL{m.clientURL}
	cfg.ListenPeerUrls = []url.URL{m.peerURL}
	cfg.AdvertisePeerUrls = []url.URL{{Scheme: "http", Host: m.proxy.addr()}}
	cfg.InitialCluster = initial
	cfg.InitialClusterToken = c.token
	cfg.ClusterState = embed.ClusterStateFlagNew
	cfg.Logger = "zap"
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(c.log.logger().Named(m.name))
	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return err
	}
	c.mu.Lock()
	m.etcd = e
	m.id = e.Server.MemberID().String()
	c.mu.Unlock()
	return nil
}

// waitReady waits until each member has joined the cluster and serves clients.
func (c *Cluster) waitReady(ms ...*member) {
	c.tb.Helper()
	timeout := time.NewTimer(startTimeout)
	defer timeout.Stop()
	for _, m := range ms {
		select {
		case <-m.etcd.Server.ReadyNotify():
		case err := <-m.etcd.Err():
			c.tb.Fatalf("etcdtest: %s stopped while starting: %v", m.name, err)
		case <-timeout.C:
			c.tb.Fatalf("etcdtest: %s not ready after %v", m.name, startTimeout)
		}
	}
}

// Endpoints are the client URLs of the given members (all when none is given).
func (c *Cluster) Endpoints(members ...int) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(members) == 0 {
		for i := range c.members {
			members = append(members, i)
		}
	}
	var eps []string
	for _, i := range members {
		eps = append(eps, c.members[i].clientURL.String())
	}
	return eps
}

// Size is the number of members, running or not.
func (c *Cluster) Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.members)
}

// ClientConfig is a client configuration for the given members (all when none is given): a
// short dial timeout, and logs into the cluster's buffer.
func (c *Cluster) ClientConfig(members ...int) clientv3.Config {
	return clientv3.Config{
		Endpoints:   c.Endpoints(members...),
		DialTimeout: DialTimeout,
		Logger:      c.log.logger().Named("client"),
	}
}

// Client is a client of the given members (all when none is given), closed when the test ends.
func (c *Cluster) Client(tb testing.TB, members ...int) *clientv3.Client {
	tb.Helper()
	cli, err := clientv3.New(c.ClientConfig(members...))
	if err != nil {
		tb.Fatalf("etcdtest: client: %v", err)
	}
	tb.Cleanup(func() { cli.Close() })
	return cli
}

// LeaderOf is the member that member i takes for the leader, or -1 when it knows none (or is
// killed).
func (c *Cluster) LeaderOf(i int) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.members[i]
	if m.etcd == nil {
		return -1
	}
	lead := m.etcd.Server.Leader().String()
	for j, o := range c.members {
		if o.id == lead {
			return j
		}
	}
	return -1
}

// agreedLeader is the member every running, connected member takes for the leader, if they
// agree and it is one of them.
func (c *Cluster) agreedLeader() (int, bool) {
	c.mu.Lock()
	var up []int
	for i, m := range c.members {
		if m.etcd != nil && !c.partitioned[i] {
			up = append(up, i)
		}
	}
	c.mu.Unlock()
	if len(up) == 0 {
		return -1, false
	}
	lead := c.LeaderOf(up[0])
	for _, i := range up {
		if c.LeaderOf(i) != lead {
			return -1, false
		}
	}
	for _, i := range up {
		if i == lead {
			return lead, true
		}
	}
	return -1, false
}

// WaitLeader waits until the running members outside any partition agree on a leader among
// them, and returns it. It fails the test when they do not within 10 seconds.
func (c *Cluster) WaitLeader(tb testing.TB) int {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(TickMs * time.Millisecond)
	defer tick.Stop()
	for {
		if lead, ok := c.agreedLeader(); ok {
			return lead
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("etcdtest: no leader agreed on after %v", startTimeout)
		case <-tick.C:
		}
	}
}

// Kill stops member i at once, as a crash would: no leadership transfer. Its data stays for
// Restart. Kill and Restart fail the test that started the cluster when misused.
func (c *Cluster) Kill(i int) {
	c.tb.Helper()
	c.mu.Lock()
	m := c.members[i]
	e := m.etcd
	m.etcd = nil
	c.stopping[i] = true
	c.mu.Unlock()
	if e == nil {
		c.tb.Fatalf("etcdtest: Kill(%d): member is not running", i)
	}
	// Cut its peer connections first: etcd's Close waits up to a second for open peer
	// connections to go idle, and the raft streams never do.
	c.applyPartitions()
	stop(e)
	c.mu.Lock()
	delete(c.stopping, i)
	c.mu.Unlock()
	c.applyPartitions()
}

// stop ends a member without handing over its leadership: a graceful stop of a leader waits up
// to the request timeout (5 s and more) for a transfer that, when the whole cluster is going
// down, cannot happen.
func stop(e *embed.Etcd) {
	e.Server.HardStop()
	e.Close()
}

// Restart starts killed member i again on its data and addresses and waits until it is ready
// and the cluster agrees on a leader.
func (c *Cluster) Restart(i int) {
	c.tb.Helper()
	c.mu.Lock()
	m := c.members[i]
	running := m.etcd != nil
	c.mu.Unlock()
	if running {
		c.tb.Fatalf("etcdtest: Restart(%d): member is running", i)
	}
	if err := c.startMember(m, ""); err != nil {
		c.tb.Fatalf("etcdtest: restart %s: %v", m.name, err)
	}
	c.waitReady(m)
	c.WaitLeader(c.tb)
}

// Partition cuts member i off from every other member, in both directions, until Heal(i).
// Clients still reach it on its client URL.
func (c *Cluster) Partition(i int) {
	c.mu.Lock()
	c.partitioned[i] = true
	c.mu.Unlock()
	c.applyPartitions()
}

// Heal reconnects member i to the others.
func (c *Cluster) Heal(i int) {
	c.mu.Lock()
	delete(c.partitioned, i)
	c.mu.Unlock()
	c.applyPartitions()
}

// applyPartitions gives every proxy the rule of the partitions now standing.
func (c *Cluster) applyPartitions() {
	c.applyMu.Lock()
	defer c.applyMu.Unlock()
	c.mu.Lock()
	cut := map[string]bool{}
	for i, m := range c.members {
		if c.partitioned[i] || c.stopping[i] {
			cut[m.id] = true
		}
	}
	type rule struct {
		p      *peerProxy
		refuse func(string) bool
	}
	var rules []rule
	for _, m := range c.members {
		var refuse func(string) bool
		switch {
		case cut[m.id]:
			refuse = func(string) bool { return true }
		case len(cut) > 0:
			refuse = func(from string) bool { return from == "" || cut[from] }
		}
		rules = append(rules, rule{m.proxy, refuse})
	}
	c.mu.Unlock()
	for _, r := range rules {
		r.p.setRefuse(r.refuse)
	}
}

// Close stops every member and proxy. It runs when the test ends; calling it earlier (or twice)
// is fine. When the test has failed, it logs the tail of the members' logs.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	var running []*embed.Etcd
	for _, m := range c.members {
		if m.etcd != nil {
			running = append(running, m.etcd)
			m.etcd = nil
		}
	}
	c.mu.Unlock()
	for _, m := range c.members { // first, so that no member waits for its peer streams to end
		m.proxy.close()
	}
	var wg sync.WaitGroup
	for _, e := range running {
		wg.Go(func() { stop(e) })
	}
	wg.Wait()
	if c.tb.Failed() {
		c.tb.Logf("etcd logs:\n%s", c.log)
	}
}

// Logger is a logger into the cluster's buffer, for a test's own etcd clients or sessions.
func (c *Cluster) Logger() *zap.Logger { return c.log.logger() }
