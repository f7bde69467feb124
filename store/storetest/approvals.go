package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

var requester = store.Actor{Platform: "slack", UserID: "UREQ", UserName: "Requester", Channel: "C-ops"}

// approver is the i-th approver, a person other than the requester.
func approver(i int) store.Actor {
	return store.Actor{Platform: "slack", UserID: fmt.Sprintf("UAPP%02d", i), Channel: "C-ops"}
}

// request is a renew request by requester on subjects, needing needed approvals, expiring an
// hour from now.
func (e *env) request(needed int, subjects ...string) store.Approval {
	return store.Approval{
		Action:     "renew",
		Params:     json.RawMessage(`{"months":1}`),
		Preview:    json.RawMessage(`{"total":"120.00","currency":"CNY"}`),
		CustomerID: "cust-7",
		Subjects:   subjects,
		Requester:  requester,
		Needed:     needed,
		ExpiresAt:  e.now().Add(time.Hour),
	}
}

// announce is a NoticeFunc: one notice to the requester per transition, naming the request and
// its new state, without a dedupe key, so that a transition made twice would show twice.
func announce(a store.Approval) []store.Notice {
	return []store.Notice{{Platform: a.Requester.Platform, UserID: a.Requester.UserID, Kind: "approval",
		Body: json.RawMessage(fmt.Sprintf(`{"id":%d,"state":%q}`, a.ID, a.State))}}
}

// undeliverable is a NoticeFunc whose second notice names no destination, which the backend
// refuses, failing the transition.
func undeliverable(a store.Approval) []store.Notice {
	return append(announce(a), store.Notice{Kind: "nowhere"})
}

func (e *env) create(t *testing.T, a store.Approval) store.Approval {
	t.Helper()
	got, err := e.b.CreateApproval(e.ctx, a, announce)
	if err != nil {
		t.Fatalf("CreateApproval(%v): %v", a.Subjects, err)
	}
	return got
}

func (e *env) approval(t *testing.T, id uint64) store.Approval {
	t.Helper()
	a, err := e.b.Approval(e.ctx, id)
	if err != nil {
		t.Fatalf("Approval(%d): %v", id, err)
	}
	return a
}

// testApprovalRace: many approvers click approve at once, then every one of them tries to
// start the execution; one approval and one start win, the others get a *store.StateError
// (store.ErrWrongState), and the log holds exactly one audit entry and one notice per
// transition made.
func testApprovalRace(t *testing.T, e *env) {
	a := e.create(t, e.request(1, "r-1"))
	const n = 16
	approved := race(t, n, store.ErrWrongState, func(i int) error {
		_, err := e.b.Approve(e.ctx, a.ID, approver(i), announce)
		return err
	})
	began := race(t, n, store.ErrWrongState, func(i int) error {
		got, err := e.b.BeginExecution(e.ctx, a.ID, approver(i), announce)
		if err == nil && got.State != store.StateExecuting {
			return fmt.Errorf("BeginExecution returned state %s", got.State)
		}
		var se *store.StateError
		if err != nil && (!errors.As(err, &se) || se.Have != store.StateExecuting || se.ID != a.ID) {
			return fmt.Errorf("a losing start's error %v is not a StateError of #%d in executing", err, a.ID)
		}
		return err
	})
	if approved != 1 || began != 1 {
		t.Errorf("%d approvals and %d starts succeeded, want exactly 1 each", approved, began)
	}
	got := e.approval(t, a.ID)
	if got.State != store.StateExecuting || len(got.Approvals) != 1 || !got.ExecutionStartedAt.Equal(e.now()) {
		t.Errorf("after the race: %+v", got)
	}
	var cmds []string
	for _, en := range e.audit(t) {
		cmds = append(cmds, en.Command+" → "+en.Result)
	}
	want := []string{"execute #1 renew → executing", "approve #1 renew → approved", "request #1 renew → pending"}
	if strings.Join(cmds, "; ") != strings.Join(want, "; ") {
		t.Errorf("audit log %q, want %q", cmds, want)
	}
	var states []string
	for _, n := range e.due(t) {
		var body struct{ State string }
		if err := json.Unmarshal(n.Body, &body); err != nil {
			t.Fatalf("notice %d body %s: %v", n.ID, n.Body, err)
		}
		states = append(states, body.State)
	}
	if strings.Join(states, ",") != "pending,approved,executing" {
		t.Errorf("notices of states %v, want one each of pending, approved, executing", states)
	}
}

// testApprovalRollback: a transition whose notices cannot be queued is not made: the request,
// the audit log and the outbox stay as they were; a refused transition does not even ask for
// its notices.
func testApprovalRollback(t *testing.T, e *env) {
	if _, err := e.b.CreateApproval(e.ctx, e.request(1, "r-1"), undeliverable); err == nil {
		t.Fatal("CreateApproval with an undeliverable notice succeeded")
	}
	if l, err := e.b.ListApprovals(e.ctx, store.ApprovalFilter{}); err != nil || len(l) != 0 {
		t.Errorf("after a failed create: %+v, %v", l, err)
	}
	if len(e.audit(t)) != 0 || e.outbox(t) != 0 {
		t.Errorf("a failed create wrote %d audit entries and %d notices", len(e.audit(t)), e.outbox(t))
	}

	a := e.create(t, e.request(1, "r-1"))
	audits, notices := len(e.audit(t)), e.outbox(t)
	if _, err := e.b.Approve(e.ctx, a.ID, approver(1), undeliverable); err == nil {
		t.Fatal("Approve with an undeliverable notice succeeded")
	}
	if got := e.approval(t, a.ID); got.State != store.StatePending || len(got.Approvals) != 0 || !got.UpdatedAt.Equal(a.UpdatedAt) {
		t.Errorf("the failed approval changed the request: %+v", got)
	}
	if len(e.audit(t)) != audits || e.outbox(t) != notices {
		t.Error("the failed approval wrote an audit entry or a notice")
	}

	called := false
	spy := func(a store.Approval) []store.Notice { called = true; return announce(a) }
	_, err := e.b.Approve(e.ctx, a.ID, requester, spy)
	wantErr(t, "self-approval", err, store.ErrSelfApproval)
	if called || len(e.audit(t)) != audits || e.outbox(t) != notices {
		t.Errorf("a refused transition asked for notices (%t) or wrote something", called)
	}

	// Then it goes through, with two notices.
	two := func(a store.Approval) []store.Notice {
		return append(announce(a), store.Notice{Platform: "slack", Channel: "C-ops", Kind: "approval"})
	}
	if _, err := e.b.Approve(e.ctx, a.ID, approver(1), two); err != nil {
		t.Fatal(err)
	}
	if len(e.audit(t)) != audits+1 || e.outbox(t) != notices+2 {
		t.Errorf("the approval wrote %d audit entries and %d notices, want 1 and 2", len(e.audit(t))-audits, e.outbox(t)-notices)
	}
}

// testApprovalLifecycle walks the rules: two approvals needed, nobody twice, not the requester;
// only the requester cancels; executing once, finishing once; a refusal returns the request as
// stored; unknown ids are ErrNotFound.
func testApprovalLifecycle(t *testing.T, e *env) {
	a := e.create(t, e.request(2, "r-1"))
	if a.ID == 0 || a.State != store.StatePending || !a.CreatedAt.Equal(e.now()) || !a.UpdatedAt.Equal(e.now()) {
		t.Fatalf("created %+v", a)
	}
	_, err := e.b.BeginExecution(e.ctx, a.ID, approver(1), nil)
	wantErr(t, "begin while pending", err, store.ErrWrongState)

	e.clk.Advance(time.Minute)
	got, err := e.b.Approve(e.ctx, a.ID, approver(1), announce)
	if err != nil || got.State != store.StatePending || len(got.Approvals) != 1 || !got.ApprovedBy(approver(1).Key()) || !got.UpdatedAt.Equal(e.now()) {
		t.Fatalf("first of two approvals: %+v, %v", got, err)
	}
	got, err = e.b.Approve(e.ctx, a.ID, approver(1), announce)
	wantErr(t, "approving twice", err, store.ErrAlreadyDecided)
	if got.ID != a.ID || len(got.Approvals) != 1 {
		t.Errorf("a refused approval returned %+v, not the request as stored", got)
	}
	// The requester's user id on another platform is another person, who may approve.
	twin := store.Actor{Platform: "telegram", UserID: requester.UserID}
	if got, err = e.b.Approve(e.ctx, a.ID, twin, announce); err != nil || got.State != store.StateApproved {
		t.Fatalf("second approval (another platform's %s): %+v, %v", twin.UserID, got, err)
	}
	_, err = e.b.Cancel(e.ctx, a.ID, approver(1), nil)
	wantErr(t, "cancel by an approver", err, store.ErrNotRequester)
	_, err = e.b.Reject(e.ctx, a.ID, approver(2), "late", nil)
	wantErr(t, "reject once approved", err, store.ErrWrongState)

	if got, err = e.b.BeginExecution(e.ctx, a.ID, approver(1), announce); err != nil || got.State != store.StateExecuting {
		t.Fatalf("BeginExecution: %+v, %v", got, err)
	}
	_, err = e.b.Cancel(e.ctx, a.ID, requester, nil)
	wantErr(t, "cancel while executing", err, store.ErrWrongState)
	res := store.ApprovalResult{OK: true, OrderIDs: []string{"CS2611181030ABCDE"}, RequestID: "req-1"}
	if got, err = e.b.FinishExecution(e.ctx, a.ID, res, announce); err != nil || got.State != store.StateSucceeded ||
		got.Result == nil || got.Result.OrderIDs[0] != "CS2611181030ABCDE" {
		t.Fatalf("FinishExecution: %+v, %v", got, err)
	}
	_, err = e.b.FinishExecution(e.ctx, a.ID, store.ApprovalResult{}, nil)
	wantErr(t, "finishing twice", err, store.ErrWrongState)
	if st := e.approval(t, a.ID); st.State != store.StateSucceeded || len(st.Approvals) != 2 || st.Result.RequestID != "req-1" {
		t.Errorf("stored after the finish: %+v", st)
	}

	rejected := e.create(t, e.request(1, "r-2"))
	if got, err = e.b.Reject(e.ctx, rejected.ID, approver(1), "too dear", announce); err != nil ||
		got.State != store.StateRejected || got.Rejection == nil || got.Rejection.Reason != "too dear" {
		t.Errorf("Reject: %+v, %v", got, err)
	}
	cancelled := e.create(t, e.request(1, "r-3"))
	if got, err = e.b.Cancel(e.ctx, cancelled.ID, requester, announce); err != nil || got.State != store.StateCancelled {
		t.Errorf("Cancel: %+v, %v", got, err)
	}
	open := e.create(t, e.request(1, "r-4"))

	_, err = e.b.Approval(e.ctx, 999)
	wantErr(t, "Approval(999)", err, store.ErrNotFound)
	_, err = e.b.Approve(e.ctx, 999, approver(1), nil)
	wantErr(t, "Approve(999)", err, store.ErrNotFound)

	l, err := e.b.ListApprovals(e.ctx, store.ApprovalFilter{})
	if err != nil || len(l) != 4 || l[0].ID != open.ID || l[3].ID != a.ID {
		t.Errorf("ListApprovals (newest first) = %d requests, %v", len(l), err)
	}
	l, err = e.b.ListApprovals(e.ctx, store.ApprovalFilter{States: []store.ApprovalState{store.StatePending, store.StateApproved}})
	if err != nil || len(l) != 1 || l[0].ID != open.ID {
		t.Errorf("ListApprovals(open) = %+v, %v", l, err)
	}
	l, err = e.b.ListApprovals(e.ctx, store.ApprovalFilter{Requester: "slack:nobody"})
	if err != nil || len(l) != 0 {
		t.Errorf("ListApprovals(another requester) = %+v, %v", l, err)
	}
	counts, err := e.b.ApprovalCounts(e.ctx)
	must(t, "ApprovalCounts", err)
	want := map[store.ApprovalState]int{store.StateSucceeded: 1, store.StateRejected: 1, store.StateCancelled: 1, store.StatePending: 1}
	for st, n := range want {
		if counts[st] != n {
			t.Errorf("ApprovalCounts[%s] = %d, want %d (all: %v)", st, counts[st], n, counts)
		}
	}
}

// testApprovalExpiry: a request acted on past its expiry is moved to expired (committed, with
// its audit entry and notice) and the caller gets ErrExpired; ExpireDue moves the rest.
func testApprovalExpiry(t *testing.T, e *env) {
	short := func(subject string) store.Approval {
		a := e.request(1, subject)
		a.ExpiresAt = e.now().Add(time.Minute)
		return a
	}
	pending := e.create(t, short("r-1"))
	approved := e.create(t, short("r-2"))
	if _, err := e.b.Approve(e.ctx, approved.ID, approver(1), nil); err != nil {
		t.Fatal(err)
	}
	idle := e.create(t, short("r-3"))
	later := e.create(t, e.request(1, "r-4"))
	if got, err := e.b.ExpireDue(e.ctx, announce); err != nil || len(got) != 0 {
		t.Fatalf("ExpireDue before any expiry: %+v, %v", got, err)
	}

	e.clk.Advance(time.Minute)
	audits, notices := len(e.audit(t)), e.outbox(t)
	got, err := e.b.Approve(e.ctx, pending.ID, approver(1), announce)
	wantErr(t, "approve past expiry", err, store.ErrExpired)
	if got.State != store.StateExpired || e.approval(t, pending.ID).State != store.StateExpired {
		t.Errorf("approve past expiry returned %s, stored %s; want expired", got.State, e.approval(t, pending.ID).State)
	}
	got, err = e.b.BeginExecution(e.ctx, approved.ID, approver(1), announce)
	wantErr(t, "begin past expiry", err, store.ErrExpired)
	if got.State != store.StateExpired {
		t.Errorf("begin past expiry returned %s", got.State)
	}
	if len(e.audit(t)) != audits+2 || e.outbox(t) != notices+2 {
		t.Errorf("the two expiries wrote %d audit entries and %d notices, want 2 and 2", len(e.audit(t))-audits, e.outbox(t)-notices)
	}
	expired, err := e.b.ExpireDue(e.ctx, announce)
	if err != nil || len(expired) != 1 || expired[0].ID != idle.ID || expired[0].State != store.StateExpired {
		t.Errorf("ExpireDue = %+v, %v; want #%d expired", expired, err, idle.ID)
	}
	if es := e.audit(t); es[0].Platform != "system" || es[0].Result != "expired" || !strings.HasPrefix(es[0].Command, "expire #") {
		t.Errorf("ExpireDue's audit entry %+v", es[0])
	}
	if st := e.approval(t, later.ID).State; st != store.StatePending {
		t.Errorf("a request not yet due is %s", st)
	}
	// An expired request no longer holds its subject.
	if _, err := e.b.CreateApproval(e.ctx, short("r-1"), nil); err != nil {
		t.Errorf("a request on the subject of an expired one: %v", err)
	}
}

// testApprovalDuplicate: an open request holds its subjects against another request for the
// same action on the same customer; of requests filed at once exactly one is accepted; a
// finished request lets go.
func testApprovalDuplicate(t *testing.T, e *env) {
	first := e.create(t, e.request(1, "r-1", "r-2"))
	_, err := e.b.CreateApproval(e.ctx, e.request(1, "r-2"), announce)
	var de *store.DuplicateError
	if !errors.As(err, &de) || de.ExistingID != first.ID || de.Subject != "r-2" || !errors.Is(err, store.ErrDuplicate) {
		t.Errorf("a second request on r-2: %v, want a DuplicateError naming #%d", err, first.ID)
	}
	other := e.request(1, "r-2")
	other.CustomerID = "cust-8"
	e.create(t, other) // another customer
	unsub := e.request(1, "r-2")
	unsub.Action = "unsubscribe"
	e.create(t, unsub) // another action

	won := race(t, 12, store.ErrDuplicate, func(int) error {
		_, err := e.b.CreateApproval(e.ctx, e.request(1, "r-9"), announce)
		return err
	})
	if won != 1 {
		t.Errorf("%d of 12 requests on r-9 filed at once were accepted, want 1", won)
	}

	if _, err := e.b.Cancel(e.ctx, first.ID, requester, nil); err != nil {
		t.Fatal(err)
	}
	e.create(t, e.request(1, "r-1"))
}

// testActionAudit: the transitions a chat command makes are recorded in the command's own
// audit entry, one row, which FinishAudit completes.
func testActionAudit(t *testing.T, e *env) {
	cmd := store.AuditEntry{Platform: "slack", UserID: requester.UserID, Channel: "C-ops", Command: "/renew r-1 1m"}
	ctx, aa := store.WithActionAudit(e.ctx, cmd)
	a, err := e.b.CreateApproval(ctx, e.request(1, "r-1"), announce)
	must(t, "CreateApproval", err)
	id, ok := aa.Written()
	if !ok {
		t.Fatal("the transition did not write the command's entry")
	}
	got, err := e.b.FinishAudit(ctx, aa, "ok", "filed", "", 2*time.Second)
	must(t, "FinishAudit", err)
	if got != id {
		t.Errorf("FinishAudit wrote entry %d, the transition %d", got, id)
	}
	es := e.audit(t)
	if len(es) != 1 {
		t.Fatalf("%d audit entries, want the command's one: %+v", len(es), es)
	}
	want := fmt.Sprintf("request #%d renew → pending", a.ID)
	if es[0].Command != cmd.Command || es[0].Result != "ok" || !strings.Contains(es[0].Detail, want) ||
		!strings.Contains(es[0].Detail, "filed") || es[0].Duration != 2*time.Second {
		t.Errorf("the command's entry %+v, want %q and its transition %q", es[0], cmd.Command, want)
	}
}

// testActionAuditAfterRollback: a command whose transition failed (its notices could not be
// queued) still gets its one audit row from FinishAudit, and that row is not overwritten by the
// next entry appended.
func testActionAuditAfterRollback(t *testing.T, e *env) {
	cmd := store.AuditEntry{Platform: "slack", UserID: requester.UserID, Channel: "C-ops", Command: "/renew r-1 1m"}
	ctx, aa := store.WithActionAudit(e.ctx, cmd)
	if _, err := e.b.CreateApproval(ctx, e.request(1, "r-1"), undeliverable); err == nil {
		t.Fatal("CreateApproval with an undeliverable notice succeeded")
	}
	if n := len(e.audit(t)); n != 0 {
		t.Fatalf("the failed transition left %d audit entries", n)
	}
	if _, err := e.b.FinishAudit(ctx, aa, "error", "could not file", "", time.Second); err != nil {
		t.Fatal(err)
	}
	other := store.AuditEntry{Platform: "slack", UserID: "UOTHER", Command: "/balance", Result: "ok"}
	if _, err := e.b.AppendAudit(context.WithoutCancel(e.ctx), other); err != nil {
		t.Fatal(err)
	}
	es := e.audit(t)
	var cmds []string
	for _, en := range es {
		cmds = append(cmds, fmt.Sprintf("#%d %s %s", en.ID, en.Command, en.Result))
	}
	if len(es) != 2 || es[0].Command != "/balance" || es[1].Command != cmd.Command || es[1].Result != "error" {
		t.Errorf("audit log %q, want the failed command's row and then /balance's", cmds)
	}
}

// testApprovalDecisionRace: approvers approving and rejecting one request at once: exactly
// one decision wins, the request ends in the winner's state, and the log holds one entry and
// one notice for it. Then, on an approved request, its requester cancelling while approvers
// start the execution: one of them wins, never both (a cancelled request is never executed).
func testApprovalDecisionRace(t *testing.T, e *env) {
	for round := range 4 {
		a := e.create(t, e.request(1, fmt.Sprintf("r-%d", round)))
		audits, notices := len(e.audit(t)), e.outbox(t)
		var mu sync.Mutex
		var winner store.ApprovalState
		won := race(t, 12, store.ErrWrongState, func(i int) error {
			var got store.Approval
			var err error
			if i%2 == 0 {
				got, err = e.b.Approve(e.ctx, a.ID, approver(i), announce)
			} else {
				got, err = e.b.Reject(e.ctx, a.ID, approver(i), "no", announce)
			}
			if err == nil {
				mu.Lock()
				winner = got.State
				mu.Unlock()
			}
			return err
		})
		if won != 1 {
			t.Errorf("round %d: %d decisions won, want 1", round, won)
		}
		if st := e.approval(t, a.ID).State; st != winner {
			t.Errorf("round %d: stored %s, the winner made it %s", round, st, winner)
		}
		if len(e.audit(t)) != audits+1 || e.outbox(t) != notices+1 {
			t.Errorf("round %d: %d audit entries and %d notices for one decision", round, len(e.audit(t))-audits, e.outbox(t)-notices)
		}
	}
	for round := range 4 {
		a := e.create(t, e.request(1, fmt.Sprintf("s-%d", round)))
		if _, err := e.b.Approve(e.ctx, a.ID, approver(1), nil); err != nil {
			t.Fatal(err)
		}
		var cancelled, began atomic.Int32
		won := race(t, 8, store.ErrWrongState, func(i int) error {
			if i == 0 {
				_, err := e.b.Cancel(e.ctx, a.ID, requester, announce)
				if err == nil {
					cancelled.Add(1)
				}
				return err
			}
			_, err := e.b.BeginExecution(e.ctx, a.ID, approver(i), announce)
			if err == nil {
				began.Add(1)
			}
			return err
		})
		st := e.approval(t, a.ID).State
		if won != 1 || (cancelled.Load() == 1) != (st == store.StateCancelled) || (began.Load() == 1) != (st == store.StateExecuting) {
			t.Errorf("round %d: %d cancelled and %d started; stored %s", round, cancelled.Load(), began.Load(), st)
		}
	}
}

// testApprovalExpiryRace: at its expiry, a request that approvers try to approve while the
// expiry sweep runs is expired once: one audit entry and one notice, every approver told it
// expired, the sweeps returning it once between them.
func testApprovalExpiryRace(t *testing.T, e *env) {
	a := e.request(1, "r-1")
	a.ExpiresAt = e.now().Add(time.Minute)
	a = e.create(t, a)
	e.clk.Advance(time.Minute)
	audits, notices := len(e.audit(t)), e.outbox(t)
	var swept atomic.Int32
	race(t, 10, store.ErrExpired, func(i int) error {
		if i < 2 {
			got, err := e.b.ExpireDue(e.ctx, announce)
			swept.Add(int32(len(got)))
			if err == nil {
				return store.ErrExpired // a sweep is not a decision: count it as a loser
			}
			return err
		}
		_, err := e.b.Approve(e.ctx, a.ID, approver(i), announce)
		if err == nil {
			return errors.New("an approval past the expiry succeeded")
		}
		return err
	})
	if st := e.approval(t, a.ID).State; st != store.StateExpired {
		t.Errorf("stored %s, want expired", st)
	}
	if swept.Load() > 1 {
		t.Errorf("the sweeps expired the request %d times", swept.Load())
	}
	if len(e.audit(t)) != audits+1 || e.outbox(t) != notices+1 {
		t.Errorf("%d audit entries and %d notices for one expiry", len(e.audit(t))-audits, e.outbox(t)-notices)
	}
}
