package replicas_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
)

// The BSS calls that change something: what an approved request may make once.
const (
	renewPath         = "/v2/orders/subscriptions/resources/renew"
	unsubscribePath   = "/v2/orders/subscriptions/resources/unsubscribe"
	autorenewPrefix   = "/v2/orders/subscriptions/resources/autorenew/"
	reclaimPath       = "/v2/partners/coupon-quotas/indirect-partner-reclaim"
	allocatePath      = "/v2/accounts/partner-accounts/adjust-amount"
	reclaimBalPath    = "/v2/accounts/partner-accounts/reclaim"
	couponsPath       = "/v2/promotions/benefits/partner-coupons"
	couponReclaimPath = "/v2/promotions/benefits/partner-coupons/reclaim"
)

// isMutation reports whether a call the sandbox received would change BSS state.
func isMutation(c bsstest.Call) bool {
	switch {
	case c.Path == renewPath, c.Path == unsubscribePath, c.Path == reclaimPath, c.Path == allocatePath,
		c.Path == reclaimBalPath, c.Path == couponReclaimPath, strings.HasPrefix(c.Path, autorenewPrefix):
		return true
	case c.Path == couponsPath:
		return c.Method == "POST"
	}
	return false
}

// roles are the people of every replica: alice requests, bob and carol approve (on Slack, in
// the approvals channel, and on Telegram).
var roles = map[string]chat.Role{
	"slack:UALICE": chat.RoleOperator, "slack:UBOB": chat.RoleApprover, "slack:UCAROL": chat.RoleApprover,
	"slack:UDAVE": chat.RoleApprover, "telegram:1001": chat.RoleOperator, "telegram:1002": chat.RoleApprover,
	"telegram:1003": chat.RoleApprover,
}

// Where people speak: alice in her team's channel, the approvers in the approvals channel.
const (
	teamChannel      = "CTEAM"
	approvalsChannel = "CAPPROVE"
)

// world is one deployment: an etcd cluster of three members, the BSS sandbox, one clock, and
// the replicas.
type world struct {
	t        testing.TB
	etcd     *etcdtest.Cluster
	srv      *bsstest.Server
	clock    *fakeclock.Clock
	replicas []*replica
}

// replica is one process of the bot: its own etcd client (on one member), its own store on it,
// its own BSS client and its own router.
type replica struct {
	name   string
	member int
	cli    *clientv3.Client
	store  *etcdstore.Store
	bss    commands.BSS
	router *commands.Router
	opts   commands.Options // the router's
}

// replicaOptions adjust one replica as it is built.
type replicaOptions struct {
	// wrapBSS stands between the router and its BSS client (a test's crash or stall).
	wrapBSS func(r *replica, b commands.BSS) commands.BSS
	// wrapStore stands between the router and its store (a test's crash).
	wrapStore func(r *replica, s commands.Store) commands.Store
	router    func(o *commands.Options)
}

// newWorld starts etcd with three members and the sandbox at bsstest.TestTime.
func newWorld(t testing.TB) *world {
	t.Helper()
	w := &world{t: t, etcd: etcdtest.Start(t, 3), clock: fakeclock.New(bsstest.TestTime)}
	w.srv = bsstest.NewTestServer(t, bsstest.Options{Now: w.clock.Now})
	return w
}

// addReplica builds a replica whose etcd client knows only the given member; with member -1 it
// builds only the BSS client and the router's options (for a router on another store).
func (w *world) addReplica(member int, o replicaOptions) *replica {
	w.t.Helper()
	r := &replica{name: fmt.Sprintf("replica-%d", len(w.replicas)), member: member}
	if member >= 0 {
		cli, err := clientv3.New(w.etcd.ClientConfig(member))
		if err != nil {
			w.t.Fatalf("etcd client of %s: %v", r.name, err)
		}
		w.t.Cleanup(func() { cli.Close() })
		r.cli = cli
		if r.store, err = etcdstore.Open(context.Background(), cli, etcdstore.Options{Now: w.clock.Now}); err != nil {
			w.t.Fatalf("etcdstore.Open of %s: %v", r.name, err)
		}
	}
	client, err := bss.New(bss.Config{Endpoint: w.srv.URL, IAMEndpoint: w.srv.URL, Credentials: bsstest.SandboxCredentials,
		AgencyName: bsstest.SandboxAgency, RatePerSecond: 1000, Burst: 10, MaxRetries: -1, Timeout: 10 * time.Second,
		Now: w.clock.Now})
	if err != nil {
		w.t.Fatalf("bss.New: %v", err)
	}
	r.bss = client
	if o.wrapBSS != nil {
		r.bss = o.wrapBSS(r, r.bss)
	}
	var s commands.Store = r.store
	if o.wrapStore != nil {
		s = o.wrapStore(r, s)
	}
	ro := commands.Options{Roles: roles, ApprovalsChannel: "slack:" + approvalsChannel,
		ActionChannels: []string{"slack:*", "telegram:*"}, Now: w.clock.Now,
		Logger: slog.New(slog.DiscardHandler)}
	if o.router != nil {
		o.router(&ro)
	}
	r.opts = ro
	if member >= 0 {
		r.router = commands.New(r.bss, s, ro)
	}
	w.replicas = append(w.replicas, r)
	return r
}

// say is user's line handled by replica r; user is "platform:id".
func (w *world) say(r *replica, user, text string) chat.Reply {
	w.t.Helper()
	platform, id, _ := strings.Cut(user, ":")
	channel := approvalsChannel
	if id == "UALICE" {
		channel = teamChannel
	}
	rep, ok := r.router.Handle(context.Background(), chat.Request{Platform: platform, UserID: id, Channel: channel, Text: text})
	if !ok {
		w.t.Fatalf("%q not handled by %s", text, r.name)
	}
	return rep
}

// file has alice ask for text on replica r and returns the request filed.
func (w *world) file(r *replica, text string) store.Approval {
	w.t.Helper()
	rep := w.say(r, "slack:UALICE", text)
	if rep.Error {
		w.t.Fatalf("%q refused:\n%s", text, flatten(rep))
	}
	as, err := r.store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(as) == 0 {
		w.t.Fatalf("no request filed: %v", err)
	}
	return as[0]
}

// approveButton is the Approve button of request id's notice to the approvals channel: what
// an approver clicks.
func (w *world) approveButton(id uint64) chat.Button {
	w.t.Helper()
	for _, n := range w.outbox() {
		if n.DedupeKey != fmt.Sprintf("approval:%d:new", id) {
			continue
		}
		rep, err := chat.DecodeNotice(n.Body)
		if err != nil {
			w.t.Fatalf("notice %d: %v", n.ID, err)
		}
		for _, b := range rep.Buttons {
			if b.Decides && strings.HasPrefix(b.Command, "/approve ") {
				return b
			}
		}
	}
	w.t.Fatalf("request #%d's notice to the approvers has no Approve button", id)
	return chat.Button{}
}

// outbox is every notice queued and not yet delivered, read through the first live replica.
func (w *world) outbox() []store.Notice {
	w.t.Helper()
	ns, err := w.live().store.DueNotices(context.Background(), w.clock.Now().Add(24*time.Hour), 1000)
	if err != nil {
		w.t.Fatal(err)
	}
	return ns
}

// live is the replica through which the test reads the shared state: one whose member runs.
func (w *world) live() *replica {
	for _, r := range w.replicas {
		if w.etcd.LeaderOf(r.member) >= 0 && r.cli.Ctx().Err() == nil {
			return r
		}
	}
	w.t.Fatal("no replica is left to read the state through")
	return nil
}

// mutations are the BSS calls received that change something.
func (w *world) mutations() []bsstest.Call {
	var out []bsstest.Call
	for _, c := range w.srv.Calls() {
		if isMutation(c) {
			out = append(out, c)
		}
	}
	return out
}

// approval is request id as stored.
func (w *world) approval(id uint64) store.Approval {
	w.t.Helper()
	a, err := w.live().store.Approval(context.Background(), id)
	if err != nil {
		w.t.Fatal(err)
	}
	return a
}

// transitions counts, in the whole audit log, the entries that record request id reaching
// each state ("approved", "executing", ...): a command's entry lists its transitions as
// "<verb> #<id> <action> → <state>", an entry of its own has them as Command and Result.
func (w *world) transitions(id uint64) map[string]int {
	w.t.Helper()
	es, err := w.live().store.RecentAudit(context.Background(), store.MaxAuditLimit, store.AuditFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	tag := fmt.Sprintf(" #%d ", id)
	out := map[string]int{}
	for _, e := range es {
		if strings.Contains(e.Command, tag) && !strings.HasPrefix(e.Command, "/") {
			out[e.Result]++ // a transition's own entry: "<verb> #<id> <action>"
			continue
		}
		for _, step := range strings.Split(e.Detail, "; ") {
			if _, rest, ok := strings.Cut(step, tag); ok {
				if _, state, ok := strings.Cut(rest, " → "); ok {
					state, _, _ = strings.Cut(state, ":")
					out[strings.TrimSpace(state)]++
				}
			}
		}
	}
	return out
}

// checkOnce fails the test unless request id made each of states exactly once in the audit
// log, and every notice about it is queued once, with those of wantKeys among them.
func (w *world) checkOnce(id uint64, states []string, wantKeys ...string) {
	w.t.Helper()
	got := w.transitions(id)
	for _, s := range states {
		if got[s] != 1 {
			w.t.Errorf("request #%d: %d audited transitions to %s, want 1 (all: %v)", id, got[s], s, got)
		}
	}
	keys := map[string]int{}
	for _, n := range w.outbox() {
		if strings.HasPrefix(n.DedupeKey, fmt.Sprintf("approval:%d:", id)) {
			keys[n.DedupeKey]++
		}
	}
	for k, n := range keys {
		if n != 1 {
			w.t.Errorf("notice %s queued %d times", k, n)
		}
	}
	for _, k := range wantKeys {
		if keys[fmt.Sprintf("approval:%d:%s", id, k)] == 0 {
			w.t.Errorf("notice approval:%d:%s was not queued (queued: %v)", id, k, slices.Sorted(maps.Keys(keys)))
		}
	}
}

// flatten is a reply as text, for failure messages and assertions.
func flatten(r chat.Reply) string {
	var b strings.Builder
	b.WriteString(r.Title + "\n" + r.Text)
	for _, f := range r.Fields {
		b.WriteString("\n" + f.Label + ": " + f.Value)
	}
	for _, bt := range r.Buttons {
		b.WriteString("\n[" + bt.Label + "] " + bt.Command)
	}
	return b.String()
}

// mainResources are main resources of the sandbox's partner customers that a renewal can be
// asked for: n of them, of as many real-name verified customers as it takes (an unverified
// customer's renewal warns first and files nothing).
func (w *world) mainResources(n int) []bsstest.Resource {
	w.t.Helper()
	var out []bsstest.Resource
	for _, c := range w.srv.Customers() {
		if c.VerifiedStatus != bss.VerifiedStatusVerified {
			continue
		}
		for _, r := range w.srv.Resources(c.ID) {
			if r.IsMain && r.Status == 2 && r.ExpireTime.After(bsstest.TestTime) {
				out = append(out, r)
				if len(out) == n {
					return out
				}
			}
		}
	}
	w.t.Fatalf("the sandbox has %d main resources to renew, want %d", len(out), n)
	return nil
}

// together runs fns at once (released together) and waits for all of them.
func together(fns ...func()) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, fn := range fns {
		wg.Go(func() {
			<-start
			fn()
		})
	}
	close(start)
	wg.Wait()
}
