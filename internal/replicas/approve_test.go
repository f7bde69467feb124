package replicas_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// TestApprovalClickedOnTwoReplicasReachesBSSOnce: one request's Approve button clicked on two
// replicas at once — by two approvers, or one click the platform delivered to both — or on
// three by three approvers, makes one
// BSS call, one audited transition to each state, one notice of each kind, and one reply that
// says it ran (the other is told it is already decided). Renewals and top-ups, several rounds,
// so that each replica wins some.
func TestApprovalClickedOnTwoReplicasReachesBSSOnce(t *testing.T) {
	w := newWorld(t)
	a, b, c := w.addReplica(0, replicaOptions{}), w.addReplica(1, replicaOptions{}), w.addReplica(2, replicaOptions{})
	const rounds = 3
	res := w.mainResources(rounds)
	type click struct {
		on   *replica
		user string
	}
	clicks := map[string][]click{
		"two approvers":           {{a, "slack:UBOB"}, {b, "slack:UCAROL"}},
		"one click, two replicas": {{a, "slack:UBOB"}, {b, "slack:UBOB"}},
		"three approvers":         {{a, "slack:UBOB"}, {b, "slack:UCAROL"}, {c, "slack:UDAVE"}},
	}
	for _, action := range []struct{ name, path, wantMut string }{
		{"renew", "", renewPath},
		{"topup", "", allocatePath},
	} {
		for how, cs := range clicks {
			t.Run(action.name+"/"+how, func(t *testing.T) {
				for round := range rounds {
					var text string
					if action.name == "renew" {
						text = "/renew " + res[round].ResourceID + " 1m"
					} else {
						text = "/topup 张三 10"
					}
					filer := []*replica{a, b, c}[round%3]
					req := w.file(filer, text)
					button := w.approveButton(req.ID)
					before := len(w.mutations())
					replies := make([]chat.Reply, len(cs))
					var fns []func()
					for i, cl := range cs {
						fns = append(fns, func() { replies[i] = w.say(cl.on, cl.user, button.Command) })
					}
					together(fns...)
					muts := w.mutations()[before:]
					if len(muts) != 1 || muts[0].Path != action.wantMut {
						t.Errorf("round %d: BSS changes %v, want one %s", round, paths(muts), action.wantMut)
					}
					if got := w.approval(req.ID); got.State != store.StateSucceeded {
						t.Errorf("round %d: request #%d %s, want succeeded: %+v", round, req.ID, got.State, got.Result)
					}
					ran := 0
					for _, r := range replies {
						if !r.Error {
							ran++
						}
					}
					if ran != 1 {
						var all []string
						for _, r := range replies {
							all = append(all, flatten(r))
						}
						t.Errorf("round %d: %d replies say it ran, want 1:\n%s", round, ran, strings.Join(all, "\n---\n"))
					}
					w.checkOnce(req.ID, []string{"pending", "approved", "executing", "succeeded"}, "new", "result:channel")
				}
			})
		}
	}
}

// paths are the calls' paths, for failure messages.
func paths(cs []bsstest.Call) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Method+" "+c.Path)
	}
	return out
}

// TestTwoReplicasExecuteOneApprovedRequestOnce: a request already approved (its approver's own
// run interrupted) is run by everyone at once — both replicas' Maintain, a minute later, and
// an approver's /approve on each replica — and BSS is called once.
func TestTwoReplicasExecuteOneApprovedRequestOnce(t *testing.T) {
	w := newWorld(t)
	a, b := w.addReplica(0, replicaOptions{}), w.addReplica(1, replicaOptions{})
	ctx := context.Background()
	res := w.mainResources(3)
	for round, r := range res {
		req := w.file(a, "/renew "+r.ResourceID+" 1m")
		bob := store.Actor{Platform: "slack", UserID: "UBOB", Channel: approvalsChannel}
		if _, err := b.store.Approve(ctx, req.ID, bob, nil); err != nil {
			t.Fatal(err)
		}
		w.clock.Advance(2 * 60e9) // past the minute the approver's own run is waited for
		before := len(w.mutations())
		together(
			func() { _ = a.router.Maintain(ctx) },
			func() { _ = b.router.Maintain(ctx) },
			func() { w.say(a, "slack:UCAROL", fmt.Sprintf("/approve %d", req.ID)) },
			func() { w.say(b, "slack:UDAVE", fmt.Sprintf("/approve %d", req.ID)) },
		)
		if muts := w.mutations()[before:]; len(muts) != 1 || muts[0].Path != renewPath {
			t.Errorf("round %d: BSS changes %v, want one renewal", round, paths(muts))
		}
		if got := w.approval(req.ID); got.State != store.StateSucceeded {
			t.Errorf("round %d: request #%d %s, want succeeded: %+v", round, req.ID, got.State, got.Result)
		}
		w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
	}
}

// TestTwoApprovalsNeededGivenOnTwoReplicasAtOnce: with two approvals needed, two approvers
// clicking on two replicas at once both count — neither replica's write hides the other's —
// and the request, approved by the second, runs once.
func TestTwoApprovalsNeededGivenOnTwoReplicasAtOnce(t *testing.T) {
	w := newWorld(t)
	two := replicaOptions{router: func(o *commands.Options) { o.Approvals = 2 }}
	a, b := w.addReplica(0, two), w.addReplica(1, two)
	for round, r := range w.mainResources(3) {
		req := w.file(a, "/renew "+r.ResourceID+" 1m")
		button := w.approveButton(req.ID)
		before := len(w.mutations())
		together(
			func() { w.say(a, "slack:UBOB", button.Command) },
			func() { w.say(b, "slack:UCAROL", button.Command) },
		)
		got := w.approval(req.ID)
		if got.State != store.StateSucceeded || len(got.Approvals) != 2 {
			t.Errorf("round %d: request #%d %s with %d approvals, want succeeded with 2: %+v", round, req.ID, got.State, len(got.Approvals), got.Approvals)
		}
		if muts := w.mutations()[before:]; len(muts) != 1 || muts[0].Path != renewPath {
			t.Errorf("round %d: BSS changes %v, want one renewal", round, paths(muts))
		}
		w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
	}
}
