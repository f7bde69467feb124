package replicas_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// stallingBSS holds a replica's renewals until release is closed: a BSS call that takes its
// time (the sandbox answers only when the call is let through).
type stallingBSS struct {
	commands.BSS
	entered chan struct{}
	release chan struct{}
}

func (b stallingBSS) Renew(ctx context.Context, c bss.CustomerRef, req bss.RenewRequest) (*bss.OrderResult, error) {
	close(b.entered)
	<-b.release
	return b.BSS.Renew(ctx, c, req)
}

// TestReplicaDoesNotSettleARequestAnotherStillRuns: a renewal whose BSS call on one replica is
// still under way after SettleAfter (a slow BSS, within ActionTimeout) is not settled by another
// replica's Maintain: that replica cannot know the call is running, and settling from BSS state
// before the call ends would record a failure the call then contradicts. (Once the call can no
// longer be running, ActionTimeout after it began, the others settle it: TestReplicaKilledWhileExecuting.)
func TestReplicaDoesNotSettleARequestAnotherStillRuns(t *testing.T) {
	w := newWorld(t)
	stall := stallingBSS{entered: make(chan struct{}), release: make(chan struct{})}
	slow := w.addReplica(0, replicaOptions{wrapBSS: func(_ *replica, b commands.BSS) commands.BSS {
		stall.BSS = b
		return stall
	}})
	other := w.addReplica(1, replicaOptions{})
	ctx := context.Background()
	req := w.file(other, "/renew "+w.mainResources(1)[0].ResourceID+" 1m")
	done := make(chan string, 1)
	go func() { done <- flatten(w.say(slow, "slack:UBOB", fmt.Sprintf("/approve %d", req.ID))) }()
	<-stall.entered
	w.clock.Advance(2*time.Minute + time.Second) // past SettleAfter (2m), within ActionTimeout (3m)
	if err := other.router.Maintain(ctx); err != nil {
		t.Errorf("Maintain: %v", err)
	}
	if got := w.approval(req.ID); got.State != store.StateExecuting {
		t.Errorf("another replica settled request #%d (%s: %+v) while its call was still running", req.ID, got.State, got.Result)
	}
	close(stall.release)
	text := <-done
	got := w.approval(req.ID)
	if got.State != store.StateSucceeded || got.Result == nil || got.Result.Reconciled {
		t.Errorf("request #%d %s %+v, want succeeded by its own call; reply:\n%s", req.ID, got.State, got.Result, text)
	}
	if muts := w.mutations(); len(muts) != 1 {
		t.Errorf("BSS changes %v, want one renewal", paths(muts))
	}
	w.checkOnce(req.ID, []string{"approved", "executing", "succeeded"}, "result:channel")
}
