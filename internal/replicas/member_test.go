package replicas_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// TestEtcdMemberKilledWhileApprovalsAreClicked: while two approvers click the Approve buttons of
// eight requests on the replicas attached to two members of the cluster, the third member — the
// raft leader, the worst one to lose — is killed. A click that failed is clicked again, as its
// approver would on seeing the error, and Maintain runs on the replicas left, past every wait.
// Then every request reached BSS at most once; every one that did is succeeded, each of its
// transitions audited once; one that did not is failed and flagged for a person, never lost
// silently; and a reply that said a request ran was right.
func TestEtcdMemberKilledWhileApprovalsAreClicked(t *testing.T) {
	w := newWorld(t)
	leader := w.etcd.WaitLeader(t)
	var clicking []*replica
	for m := range 3 {
		r := w.addReplica(m, replicaOptions{})
		if m != leader {
			clicking = append(clicking, r)
		}
	}
	ctx := context.Background()
	res := w.mainResources(8)
	reqs := make([]store.Approval, len(res))
	for i, r := range res {
		reqs[i] = w.file(clicking[i%2], "/renew "+r.ResourceID+" 1m")
	}
	var mu sync.Mutex
	ran := map[uint64]bool{}      // a reply said the request ran
	refused := 0                  // clicks answered with an error (the other approver's won, or etcd failed)
	var killing, killed time.Time // when the kill began and ended
	across := 0                   // clicks under way while the member was being killed
	click := func(r *replica, user string, id uint64) {
		began := time.Now()
		rep := w.say(r, user, fmt.Sprintf("/approve %d", id))
		mu.Lock()
		defer mu.Unlock()
		if !killing.IsZero() && began.Before(killed) && time.Now().After(killing) {
			across++
		}
		if rep.Error {
			refused++
		} else {
			ran[id] = true
		}
	}
	var fns []func()
	for i, a := range reqs {
		fns = append(fns, func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond) // the clicks spread over the kill
			click(clicking[0], "slack:UBOB", a.ID)
		}, func() {
			time.Sleep(time.Duration(i) * 20 * time.Millisecond)
			click(clicking[1], "slack:UCAROL", a.ID)
		})
	}
	fns = append(fns, func() {
		time.Sleep(50 * time.Millisecond)
		mu.Lock()
		killing, killed = time.Now(), time.Now().Add(time.Hour)
		mu.Unlock()
		w.etcd.Kill(leader)
		mu.Lock()
		killed = time.Now()
		mu.Unlock()
	})
	together(fns...)
	w.etcd.WaitLeader(t)

	// The approvers click again where they saw an error; then maintenance, past every wait.
	again := 0
	for _, a := range reqs {
		if st := w.approval(a.ID).State; st == store.StatePending || st == store.StateApproved {
			click(clicking[0], "slack:UBOB", a.ID)
			again++
		}
	}
	t.Logf("%d clicks under way during the kill, %d refused, %d requests clicked again after it", across, refused, again)
	w.clock.Advance(10 * time.Minute)
	for range 2 {
		for _, r := range clicking {
			if err := r.router.Maintain(ctx); err != nil {
				t.Errorf("Maintain on %s: %v", r.name, err)
			}
		}
	}

	muts := w.mutations()
	for i, a := range reqs {
		calls := 0
		for _, c := range muts {
			if strings.Contains(string(c.Body), res[i].ResourceID) {
				calls++
			}
		}
		got := w.approval(a.ID)
		switch {
		case got.State == store.StateSucceeded && calls == 1:
			w.checkOnce(a.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
		case got.State == store.StateFailed && calls == 0 && got.Result != nil && got.Result.NeedsAttention:
			t.Logf("request #%d never reached BSS (its start's answer was lost with the member) and is flagged: %+v", a.ID, got.Result)
			if ran[a.ID] {
				t.Errorf("request #%d: a reply said it ran, but it never reached BSS", a.ID)
			}
		default:
			t.Errorf("request #%d: %s after %d BSS calls: %+v", a.ID, got.State, calls, got.Result)
		}
	}
	if len(muts) > len(reqs) {
		t.Errorf("%d BSS changes for %d requests", len(muts), len(reqs))
	}
}
