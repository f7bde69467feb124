package replicas_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// crashAfterApprove is a replica's store that dies (its etcd client closed) as soon as an
// approval it wrote has made a request approved: the process is gone before BeginExecution.
type crashAfterApprove struct {
	commands.Store
	crash func()
}

func (s crashAfterApprove) Approve(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error) {
	a, err := s.Store.Approve(ctx, id, by, notices)
	if err == nil && a.State == store.StateApproved {
		s.crash()
	}
	return a, err
}

// crashAfterCall is a replica's BSS client whose process dies (its etcd client closed) right
// after BSS answered a renewal or a top-up: the call was made, FinishExecution is never written.
type crashAfterCall struct {
	commands.BSS
	crash func()
}

func (b crashAfterCall) Renew(ctx context.Context, c bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
	defer b.crash()
	return b.BSS.Renew(ctx, c, req)
}

func (b crashAfterCall) Allocate(ctx context.Context, req bss.TransferRequest) (*bss.Transfer, error) {
	defer b.crash()
	return b.BSS.Allocate(ctx, req)
}

// crash closes r's etcd client: every later store call of r fails, as the calls of a process
// that died would never be made.
func crash(r *replica) func() {
	var once sync.Once
	return func() { once.Do(func() { r.cli.Close() }) }
}

// actions are the two kinds the crash tests run: a renewal (settled from the resource and its
// orders) and a top-up (settled from the partner's adjust records).
var actions = []struct {
	name, path string
	request    func(w *world, round int) string
}{
	{"renew", renewPath, func(w *world, round int) string {
		return "/renew " + w.mainResources(round + 1)[round].ResourceID + " 1m"
	}},
	{"topup", allocatePath, func(*world, int) string { return "/topup 张三 10" }},
}

// TestReplicaKilledBetweenApprovedAndExecuting: the replica where the request was approved dies
// before it moves it to executing. Another replica's Maintain leaves it for the minute the
// approver's own run is given, then runs it: one BSS call, each transition once, the result
// told — and later runs of Maintain on every replica change nothing.
func TestReplicaKilledBetweenApprovedAndExecuting(t *testing.T) {
	for round, act := range actions {
		t.Run(act.name, func(t *testing.T) {
			w := newWorld(t)
			dying := w.addReplica(0, replicaOptions{wrapStore: func(r *replica, s commands.Store) commands.Store {
				return crashAfterApprove{Store: s, crash: crash(r)}
			}})
			other := w.addReplica(1, replicaOptions{})
			third := w.addReplica(2, replicaOptions{})
			ctx := context.Background()
			req := w.file(other, act.request(w, round))
			if rep := w.say(dying, "slack:UBOB", w.approveButton(req.ID).Command); !rep.Error {
				t.Fatalf("the dying replica answered as if it ran the request:\n%s", flatten(rep))
			}
			if got := w.approval(req.ID); got.State != store.StateApproved {
				t.Fatalf("request #%d %s after the crash, want approved", req.ID, got.State)
			}
			w.clock.Advance(30 * time.Second)
			for _, r := range []*replica{other, third} {
				if err := r.router.Maintain(ctx); err != nil {
					t.Fatalf("Maintain on %s: %v", r.name, err)
				}
			}
			if n := len(w.mutations()); n != 0 {
				t.Fatalf("BSS changed %d times within the approver's minute", n)
			}
			w.clock.Advance(31 * time.Second)
			var errs [2]error
			together(
				func() { errs[0] = other.router.Maintain(ctx) },
				func() { errs[1] = third.router.Maintain(ctx) },
			)
			for _, err := range errs {
				if err != nil {
					t.Errorf("Maintain: %v", err)
				}
			}
			if muts := w.mutations(); len(muts) != 1 || muts[0].Path != act.path {
				t.Errorf("BSS changes %v, want one %s", paths(muts), act.path)
			}
			if got := w.approval(req.ID); got.State != store.StateSucceeded {
				t.Errorf("request #%d %s, want succeeded: %+v", req.ID, got.State, got.Result)
			}
			w.clock.Advance(time.Hour)
			for _, r := range []*replica{other, third} {
				if err := r.router.Maintain(ctx); err != nil {
					t.Errorf("Maintain on %s later: %v", r.name, err)
				}
			}
			if n := len(w.mutations()); n != 1 {
				t.Errorf("%d BSS changes after later maintenance, want 1", n)
			}
			w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel", "result:approvers")
		})
	}
}

// TestReplicaKilledWhileExecuting: the replica running the request dies after BSS answered and
// before it recorded the result. Another replica's Maintain leaves it executing until BSS has had
// SettleAfter, then settles it from BSS state — succeeded, reconciled — without calling BSS
// again, however often it runs on however many replicas.
func TestReplicaKilledWhileExecuting(t *testing.T) {
	const settleAfter = 2 * time.Minute
	opts := func(o *commands.Options) { o.SettleAfter, o.ActionTimeout = settleAfter, 90*time.Second }
	for round, act := range actions {
		t.Run(act.name, func(t *testing.T) {
			w := newWorld(t)
			dying := w.addReplica(0, replicaOptions{router: opts, wrapBSS: func(r *replica, b commands.BSS) commands.BSS {
				return crashAfterCall{BSS: b, crash: crash(r)}
			}})
			other := w.addReplica(1, replicaOptions{router: opts})
			third := w.addReplica(2, replicaOptions{router: opts})
			ctx := context.Background()
			req := w.file(other, act.request(w, round))
			if rep := w.say(dying, "slack:UBOB", w.approveButton(req.ID).Command); !rep.Error {
				t.Fatalf("the dying replica answered as if it recorded the result:\n%s", flatten(rep))
			}
			if got := w.approval(req.ID); got.State != store.StateExecuting {
				t.Fatalf("request #%d %s after the crash, want executing", req.ID, got.State)
			}
			if n := len(w.mutations()); n != 1 {
				t.Fatalf("%d BSS changes by the dying replica, want 1", n)
			}
			w.clock.Advance(settleAfter - time.Second)
			for _, r := range []*replica{other, third} {
				if err := r.router.Maintain(ctx); err != nil {
					t.Fatalf("Maintain on %s: %v", r.name, err)
				}
			}
			if got := w.approval(req.ID); got.State != store.StateExecuting {
				t.Fatalf("request #%d settled (%s) before SettleAfter", req.ID, got.State)
			}
			w.clock.Advance(time.Second)
			for range 2 {
				together(
					func() { _ = other.router.Maintain(ctx) },
					func() { _ = third.router.Maintain(ctx) },
				)
			}
			got := w.approval(req.ID)
			if got.State != store.StateSucceeded || got.Result == nil || !got.Result.Reconciled {
				t.Errorf("request #%d %s, want succeeded from BSS state: %+v", req.ID, got.State, got.Result)
			}
			if muts := w.mutations(); len(muts) != 1 {
				t.Errorf("BSS changes %v, want the dying replica's one", paths(muts))
			}
			w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel", "result:approvers")
		})
	}
}
