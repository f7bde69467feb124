package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// fakeClock is a Now that stands still until advanced; safe for concurrent use.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newFakeStore is a fresh store at path whose clock stands at t0 until advanced.
func newFakeStore(t *testing.T) (*Store, *fakeClock, string) {
	t.Helper()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	return openStore(t, path, Options{Now: clk.Now}), clk, path
}

var (
	alice = Actor{Platform: "slack", UserID: "UALICE", UserName: "Alice", Channel: "C-ops"}
	bob   = Actor{Platform: "slack", UserID: "UBOB", UserName: "Bob", Channel: "C-ops"}
	carol = Actor{Platform: "telegram", UserID: "42", UserName: "Carol"}
	// mallory has alice's user id on another platform: a different person.
	mallory = Actor{Platform: "telegram", UserID: "UALICE"}
)

const ttl = time.Hour

// request is a renew request by alice needing `needed` approvals, expiring ttl after t0.
func request(needed int) Approval {
	return Approval{
		Action:     "renew",
		Params:     json.RawMessage(`{"resource_ids":["r-1","r-2"],"months":1}`),
		Preview:    json.RawMessage(`{"total":"120.00","currency":"EUR"}`),
		CustomerID: "cust-7",
		Subjects:   []string{"r-1", "r-2"},
		Requester:  alice,
		Needed:     needed,
		ExpiresAt:  t0.Add(ttl),
	}
}

// requestOn is request(needed) about other resources: requests on the same resource are refused
// while one is open.
func requestOn(needed int, subjects ...string) Approval {
	a := request(needed)
	a.Subjects = subjects
	return a
}

// noticeBody is what testNotices puts in a notice: the approval as the NoticeFunc saw it.
type noticeBody struct {
	ID        uint64        `json:"id"`
	State     ApprovalState `json:"state"`
	Approvals int           `json:"approvals"`
}

// testNotices announces every transition to the requester's channel, or to them directly.
func testNotices(a Approval) []Notice {
	body, _ := json.Marshal(noticeBody{ID: a.ID, State: a.State, Approvals: len(a.Approvals)})
	n := Notice{Platform: a.Requester.Platform, Channel: a.Requester.Channel, Kind: "approval", Body: body}
	if n.Channel == "" {
		n.UserID = a.Requester.UserID
	}
	return []Notice{n}
}

func mustCreate(t *testing.T, s *Store, a Approval) Approval {
	t.Helper()
	got, err := s.CreateApproval(context.Background(), a, testNotices)
	if err != nil {
		t.Fatalf("CreateApproval: %v", err)
	}
	return got
}

func pendingNotices(t *testing.T, s *Store) int {
	t.Helper()
	n, err := s.PendingNotices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func lastNotice(t *testing.T, s *Store) noticeBody {
	t.Helper()
	ns, err := s.DueNotices(context.Background(), t0.Add(100*365*24*time.Hour), MaxApprovalLimit)
	if err != nil || len(ns) == 0 {
		t.Fatalf("DueNotices: %d, %v", len(ns), err)
	}
	var b noticeBody
	if err := json.Unmarshal(ns[len(ns)-1].Body, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func lastAudit(t *testing.T, s *Store) AuditEntry {
	t.Helper()
	es, err := s.RecentAudit(context.Background(), 1, AuditFilter{})
	if err != nil || len(es) != 1 {
		t.Fatalf("RecentAudit: %v, %v", es, err)
	}
	return es[0]
}

// op is one call on request id; it returns what the call returned.
type op struct {
	name    string
	advance time.Duration // clock moves before the call
	call    func(ctx context.Context, s *Store, id uint64) (Approval, error)
	verb    string // audit Command verb when it commits
	by      Actor  // audit actor when it commits
	notices bool   // whether it queues notices when it commits

	wantErr   error         // nil, or what errors.Is must match
	commits   bool          // a transition is written (also with an error: expiry)
	wantState ApprovalState // state stored afterwards
}

func approve(by Actor) op {
	return op{name: "approve by " + by.Key(), verb: "approve", by: by, notices: true,
		call: func(ctx context.Context, s *Store, id uint64) (Approval, error) {
			return s.Approve(ctx, id, by, testNotices)
		}}
}

func reject(by Actor) op {
	return op{name: "reject by " + by.Key(), verb: "reject", by: by, notices: true,
		call: func(ctx context.Context, s *Store, id uint64) (Approval, error) {
			return s.Reject(ctx, id, by, "too expensive", testNotices)
		}}
}

func cancel(by Actor) op {
	return op{name: "cancel by " + by.Key(), verb: "cancel", by: by, notices: true,
		call: func(ctx context.Context, s *Store, id uint64) (Approval, error) {
			return s.Cancel(ctx, id, by, testNotices)
		}}
}

func begin(by Actor) op {
	return op{name: "begin by " + by.Key(), verb: "execute", by: by,
		call: func(ctx context.Context, s *Store, id uint64) (Approval, error) {
			return s.BeginExecution(ctx, id, by, nil)
		}}
}

func finish(ok bool) op {
	return op{name: fmt.Sprintf("finish ok=%t", ok), verb: "finish", by: systemActor, notices: true,
		call: func(ctx context.Context, s *Store, id uint64) (Approval, error) {
			res := ApprovalResult{OK: ok, RequestID: "req-1", Detail: "renewed"}
			if ok {
				res.OrderIDs = []string{"ord-1"}
			} else {
				res.ErrorCode, res.Detail, res.NeedsAttention = "CBC.99", "balance too low", true
			}
			return s.FinishExecution(ctx, id, res, testNotices)
		}}
}

// then sets the expected outcome of o.
func (o op) then(state ApprovalState, commits bool, err error) op {
	o.wantState, o.commits, o.wantErr = state, commits, err
	return o
}

func (o op) after(d time.Duration) op {
	o.advance = d
	o.name += fmt.Sprintf(" after %s", d)
	return o
}

func TestApprovalTransitions(t *testing.T) {
	const (
		P  = StatePending
		A  = StateApproved
		X  = StateExecuting
		OK = StateSucceeded
		KO = StateFailed
	)
	tests := []struct {
		name   string
		needed int
		ops    []op
	}{
		{"needed 1 succeeds", 1, []op{
			approve(bob).then(A, true, nil),
			begin(bob).then(X, true, nil),
			finish(true).then(OK, true, nil),
			finish(true).then(OK, false, ErrWrongState),
			cancel(alice).then(OK, false, ErrWrongState),
		}},
		{"needed 1 fails", 1, []op{
			approve(carol).then(A, true, nil),
			begin(alice).then(X, true, nil), // anyone may start an approved request
			cancel(alice).then(X, false, ErrWrongState),
			finish(false).then(KO, true, nil),
		}},
		{"needed 2 takes two different approvers", 2, []op{
			approve(bob).then(P, true, nil),
			begin(bob).then(P, false, ErrWrongState),
			approve(bob).then(P, false, ErrAlreadyDecided),
			approve(alice).then(P, false, ErrSelfApproval),
			approve(carol).then(A, true, nil),
			approve(mallory).then(A, false, ErrWrongState),
			begin(carol).then(X, true, nil),
			begin(carol).then(X, false, ErrWrongState),
			finish(true).then(OK, true, nil),
		}},
		{"self-approval refused", 1, []op{
			approve(alice).then(P, false, ErrSelfApproval),
			reject(alice).then(P, false, ErrSelfApproval),
			approve(mallory).then(A, true, nil), // same user id, other platform: another person
		}},
		{"reject", 2, []op{
			approve(bob).then(P, true, nil),
			reject(bob).then(StateRejected, true, nil), // an approver may still change their mind
			approve(carol).then(StateRejected, false, ErrWrongState),
			cancel(alice).then(StateRejected, false, ErrWrongState),
			finish(true).then(StateRejected, false, ErrWrongState),
		}},
		{"cancel pending by requester", 1, []op{
			cancel(bob).then(P, false, ErrNotRequester),
			cancel(mallory).then(P, false, ErrNotRequester),
			cancel(alice).then(StateCancelled, true, nil),
			approve(bob).then(StateCancelled, false, ErrWrongState),
		}},
		{"cancel approved by requester", 1, []op{
			approve(bob).then(A, true, nil),
			cancel(bob).then(A, false, ErrNotRequester),
			cancel(alice).then(StateCancelled, true, nil),
			begin(bob).then(StateCancelled, false, ErrWrongState),
		}},
		{"approve after expiry", 2, []op{
			approve(bob).then(P, true, nil),
			approve(carol).after(ttl).then(StateExpired, true, ErrExpired),
			approve(carol).then(StateExpired, false, ErrExpired), // and ErrWrongState
			begin(carol).then(StateExpired, false, ErrWrongState),
		}},
		{"approve just before expiry", 1, []op{
			approve(bob).after(ttl-time.Nanosecond).then(A, true, nil),
		}},
		{"self-approval after expiry still expires", 1, []op{
			approve(alice).after(2*ttl).then(StateExpired, true, ErrExpired),
		}},
		{"reject after expiry", 1, []op{
			reject(bob).after(ttl).then(StateExpired, true, ErrExpired),
			reject(bob).then(StateExpired, false, ErrWrongState),
		}},
		{"begin after expiry", 1, []op{
			approve(bob).then(A, true, nil),
			begin(bob).after(ttl).then(StateExpired, true, ErrExpired),
			begin(bob).then(StateExpired, false, ErrExpired),
			finish(true).then(StateExpired, false, ErrWrongState),
		}},
		{"executing does not expire", 1, []op{
			approve(bob).then(A, true, nil),
			begin(bob).then(X, true, nil),
			finish(true).after(2*ttl).then(OK, true, nil),
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, clk, _ := newFakeStore(t)
			created := mustCreate(t, s, request(tt.needed))
			if created.ID != 1 || created.State != StatePending || !created.CreatedAt.Equal(t0) || !created.UpdatedAt.Equal(t0) {
				t.Fatalf("created %+v", created)
			}
			if e := lastAudit(t, s); e.Command != "request #1 renew" || e.Result != "pending" || e.UserID != alice.UserID || e.Channel != alice.Channel {
				t.Errorf("create audit = %+v", e)
			}
			if b := lastNotice(t, s); b.State != StatePending || b.ID != 1 {
				t.Errorf("create notice = %+v", b)
			}
			for i, o := range tt.ops {
				clk.Advance(o.advance)
				audits, notices := auditCount(t, s), pendingNotices(t, s)
				got, err := o.call(ctx, s, created.ID)
				where := fmt.Sprintf("step %d (%s)", i, o.name)

				if o.wantErr == nil && err != nil {
					t.Fatalf("%s: %v", where, err)
				}
				if o.wantErr != nil && !errors.Is(err, o.wantErr) {
					t.Fatalf("%s: error %v, want %v", where, err, o.wantErr)
				}
				if got.ID != created.ID || got.State != o.wantState {
					t.Errorf("%s returned id %d state %q, want #%d %q", where, got.ID, got.State, created.ID, o.wantState)
				}
				stored, err := s.Approval(ctx, created.ID)
				if err != nil {
					t.Fatal(err)
				}
				if stored.State != o.wantState {
					t.Errorf("%s: stored state %q, want %q", where, stored.State, o.wantState)
				}
				if !jsonEqual(t, got, stored) {
					t.Errorf("%s: returned %+v\nstored %+v", where, got, stored)
				}

				wantAudits, wantNotices := audits, notices
				if o.commits {
					wantAudits++
					if o.notices {
						wantNotices++
					}
					if !stored.UpdatedAt.Equal(clk.Now()) {
						t.Errorf("%s: UpdatedAt %v, want %v", where, stored.UpdatedAt, clk.Now())
					}
				}
				if n := auditCount(t, s); n != wantAudits {
					t.Errorf("%s: %d audit entries, want %d", where, n, wantAudits)
				}
				if n := pendingNotices(t, s); n != wantNotices {
					t.Errorf("%s: %d notices, want %d", where, n, wantNotices)
				}
				if !o.commits {
					continue
				}
				e := lastAudit(t, s)
				if want := fmt.Sprintf("%s #%d renew", o.verb, created.ID); e.Command != want || e.Result != string(o.wantState) ||
					e.Platform != o.by.Platform || e.UserID != o.by.UserID || e.UserName != o.by.UserName || !e.At.Equal(clk.Now()) {
					t.Errorf("%s: audit %+v, want %q → %q by %s", where, e, want, o.wantState, o.by.Key())
				}
				if o.notices {
					if b := lastNotice(t, s); b.State != o.wantState || b.Approvals != len(stored.Approvals) {
						t.Errorf("%s: notice saw %+v, want the approval after the transition (%q, %d approvals)", where, b, o.wantState, len(stored.Approvals))
					}
				}
			}
		})
	}
}

// jsonEqual compares two approvals as stored (times compare by instant).
func jsonEqual(t *testing.T, a, b Approval) bool {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja) == string(jb)
}

func TestApprovalRecordsDecisions(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	a := mustCreate(t, s, request(2))
	clk.Advance(time.Minute)
	if _, err := s.Approve(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Minute)
	a, err := s.Approve(ctx, a.ID, carol, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Approvals) != 2 || a.Approvals[0].By != bob || a.Approvals[1].By != carol ||
		!a.Approvals[0].At.Equal(t0.Add(time.Minute)) || !a.Approvals[1].At.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("approvals %+v", a.Approvals)
	}
	if !a.ApprovedBy(bob.Key()) || !a.ApprovedBy(carol.Key()) || a.ApprovedBy(alice.Key()) || a.ApprovedBy(mallory.Key()) {
		t.Error("ApprovedBy wrong")
	}
	clk.Advance(time.Minute)
	if a, err = s.BeginExecution(ctx, a.ID, carol, nil); err != nil {
		t.Fatal(err)
	}
	if !a.ExecutionStartedAt.Equal(t0.Add(3 * time.Minute)) {
		t.Errorf("ExecutionStartedAt %v", a.ExecutionStartedAt)
	}
	clk.Advance(90 * time.Second)
	res := ApprovalResult{OK: true, OrderIDs: []string{"o1", "o2"}, RequestID: "rq-9", Reconciled: true}
	if a, err = s.FinishExecution(ctx, a.ID, res, nil); err != nil {
		t.Fatal(err)
	}
	res.OrderIDs[0] = "changed by the caller afterwards"
	stored, err := s.Approval(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := ApprovalResult{OK: true, OrderIDs: []string{"o1", "o2"}, RequestID: "rq-9", Reconciled: true}
	if stored.Result == nil || !slices.Equal(stored.Result.OrderIDs, want.OrderIDs) || stored.Result.RequestID != "rq-9" || !stored.Result.Reconciled {
		t.Errorf("result %+v, want %+v", stored.Result, want)
	}
	if string(stored.Params) != string(request(2).Params) || string(stored.Preview) != string(request(2).Preview) ||
		stored.CustomerID != "cust-7" || !slices.Equal(stored.Subjects, []string{"r-1", "r-2"}) || stored.Requester != alice {
		t.Errorf("request data not kept: %+v", stored)
	}
	e := lastAudit(t, s)
	if e.Platform != "system" || e.RequestID != "rq-9" || e.Duration != 90*time.Second || !strings.Contains(e.Detail, "o1, o2") {
		t.Errorf("finish audit %+v", e)
	}

	// Rejection keeps its reason.
	r := mustCreate(t, s, request(1))
	if r, err = s.Reject(ctx, r.ID, bob, "wrong customer", nil); err != nil {
		t.Fatal(err)
	}
	if r.Rejection == nil || r.Rejection.By != bob || r.Rejection.Reason != "wrong customer" {
		t.Errorf("rejection %+v", r.Rejection)
	}
	if e := lastAudit(t, s); e.Detail != "wrong customer" || e.Result != "rejected" {
		t.Errorf("reject audit %+v", e)
	}
}

func TestApprovalRefusalReturnsStored(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	a := mustCreate(t, s, request(1))
	got, err := s.Approve(ctx, a.ID, alice, testNotices)
	if !errors.Is(err, ErrSelfApproval) {
		t.Fatalf("err %v", err)
	}
	if got.ID != a.ID || got.State != StatePending || len(got.Approvals) != 0 {
		t.Errorf("returned %+v, want the stored request", got)
	}
	if want := "store: approve #1: " + ErrSelfApproval.Error(); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}

	if _, err := s.Approve(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	_, err = s.Approve(ctx, a.ID, carol, nil)
	var se *StateError
	if !errors.As(err, &se) || se.ID != a.ID || se.Have != StateApproved || !slices.Equal(se.Want, []ApprovalState{StatePending}) {
		t.Fatalf("error %v is not the StateError expected", err)
	}
	if want := "store: approve: approval #1 is approved, not pending"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if errors.Is(err, ErrExpired) {
		t.Error("a StateError for an approved request matches ErrExpired")
	}
	_, err = s.Cancel(ctx, a.ID, alice, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Cancel(ctx, a.ID, alice, nil)
	if want := "approval #1 is cancelled, not pending or approved"; err == nil || !strings.HasSuffix(err.Error(), want) {
		t.Errorf("error %v, want …%q", err, want)
	}
}

func TestApprovalNotFound(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	calls := map[string]func() (Approval, error){
		"Approval": func() (Approval, error) { return s.Approval(ctx, 9) },
		"Approve":  func() (Approval, error) { return s.Approve(ctx, 9, bob, testNotices) },
		"Reject":   func() (Approval, error) { return s.Reject(ctx, 9, bob, "", testNotices) },
		"Cancel":   func() (Approval, error) { return s.Cancel(ctx, 9, alice, testNotices) },
		"Begin":    func() (Approval, error) { return s.BeginExecution(ctx, 9, bob, nil) },
		"Finish":   func() (Approval, error) { return s.FinishExecution(ctx, 9, ApprovalResult{OK: true}, testNotices) },
	}
	for name, call := range calls {
		a, err := call()
		if !errors.Is(err, ErrNotFound) || a.ID != 0 || !strings.Contains(err.Error(), "#9") {
			t.Errorf("%s: %+v, %v; want ErrNotFound naming #9", name, a, err)
		}
	}
	if n := auditCount(t, s); n != 0 {
		t.Errorf("%d audit entries", n)
	}
}

func TestCreateApprovalValidation(t *testing.T) {
	tests := []struct {
		name   string
		modify func(a *Approval)
		want   string
	}{
		{"no action", func(a *Approval) { a.Action = "" }, "no action"},
		{"needed 0", func(a *Approval) { a.Needed = 0 }, "at least 1"},
		{"needed negative", func(a *Approval) { a.Needed = -1 }, "at least 1"},
		{"no requester", func(a *Approval) { a.Requester = Actor{Platform: "slack"} }, "requester"},
		{"expires now", func(a *Approval) { a.ExpiresAt = t0 }, "not after now"},
		{"expired", func(a *Approval) { a.ExpiresAt = t0.Add(-time.Second) }, "not after now"},
		{"no expiry", func(a *Approval) { a.ExpiresAt = time.Time{} }, "not after now"},
		{"bad params", func(a *Approval) { a.Params = json.RawMessage(`{`) }, "encode"},
		{"bad notice", func(a *Approval) { a.Requester.Platform = "" }, "notices"}, // testNotices sends to the requester's platform
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newFakeStore(t)
			a := request(1)
			tt.modify(&a)
			got, err := s.CreateApproval(context.Background(), a, testNotices)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if got.ID != 0 {
				t.Errorf("returned %+v", got)
			}
			if n := auditCount(t, s); n != 0 {
				t.Errorf("%d audit entries", n)
			}
			if n := pendingNotices(t, s); n != 0 {
				t.Errorf("%d notices", n)
			}
			if l, err := s.ListApprovals(context.Background(), ApprovalFilter{}); err != nil || len(l) != 0 {
				t.Errorf("ListApprovals = %v, %v", l, err)
			}
		})
	}
}

func TestCreateApprovalIgnoresState(t *testing.T) {
	s, _, _ := newFakeStore(t)
	a := request(1)
	a.ID, a.State = 77, StateApproved
	a.Approvals = []Decision{{By: bob}}
	a.Result = &ApprovalResult{OK: true}
	a.ExecutionStartedAt = t0
	got := mustCreate(t, s, a)
	if got.ID != 1 || got.State != StatePending || got.Approvals != nil || got.Result != nil || !got.ExecutionStartedAt.IsZero() {
		t.Errorf("created %+v", got)
	}
	a.Subjects = []string{"r-3"}
	if got2 := mustCreate(t, s, a); got2.ID != 2 {
		t.Errorf("second id %d", got2.ID)
	}
}

// A transition whose notices cannot be queued is not committed either: same transaction.
func TestTransitionRollsBackWithNotices(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	a := mustCreate(t, s, request(1))
	audits, notices := auditCount(t, s), pendingNotices(t, s)
	bad := func(Approval) []Notice {
		return []Notice{{Platform: "slack", Channel: "C1"}, {Kind: "no destination"}}
	}
	if _, err := s.Approve(ctx, a.ID, bob, bad); err == nil || !strings.Contains(err.Error(), "notices") {
		t.Fatalf("Approve with bad notices: %v", err)
	}
	if got, _ := s.Approval(ctx, a.ID); got.State != StatePending || len(got.Approvals) != 0 {
		t.Errorf("approval changed: %+v", got)
	}
	if auditCount(t, s) != audits || pendingNotices(t, s) != notices {
		t.Error("audit or notices written by a failed transition")
	}

	// A refused transition does not even ask for notices.
	called := false
	spy := func(a Approval) []Notice { called = true; return testNotices(a) }
	if _, err := s.Approve(ctx, a.ID, alice, spy); !errors.Is(err, ErrSelfApproval) {
		t.Fatal(err)
	}
	if called || auditCount(t, s) != audits || pendingNotices(t, s) != notices {
		t.Errorf("self-approval: notice func called %t, audit/notices written", called)
	}

	// Several notices per transition all go in.
	two := func(a Approval) []Notice {
		return append(testNotices(a), Notice{Platform: "slack", UserID: "UBOB", Kind: "approval"})
	}
	if _, err := s.Approve(ctx, a.ID, bob, two); err != nil {
		t.Fatal(err)
	}
	if n := pendingNotices(t, s); n != notices+2 {
		t.Errorf("%d notices, want %d", n, notices+2)
	}
}

func TestApproveBeginConcurrent(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	a := mustCreate(t, s, request(1))
	const n = 50
	var (
		wg              sync.WaitGroup
		approved, began atomic.Int32
		start           = make(chan struct{})
	)
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			by := Actor{Platform: "slack", UserID: fmt.Sprintf("U%02d", i)}
			<-start
			if _, err := s.Approve(ctx, a.ID, by, testNotices); err == nil {
				approved.Add(1)
			} else if !errors.Is(err, ErrWrongState) {
				errs <- fmt.Errorf("approve by %s: %w", by.Key(), err)
			}
			got, err := s.BeginExecution(ctx, a.ID, by, nil)
			switch {
			case err == nil:
				began.Add(1)
				if got.State != StateExecuting {
					errs <- fmt.Errorf("begin by %s returned state %s", by.Key(), got.State)
				}
			case !errors.Is(err, ErrWrongState):
				errs <- fmt.Errorf("begin by %s: %w", by.Key(), err)
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if approved.Load() != 1 || began.Load() != 1 {
		t.Errorf("%d approvals and %d starts succeeded, want exactly 1 each", approved.Load(), began.Load())
	}
	got, err := s.Approval(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateExecuting || len(got.Approvals) != 1 {
		t.Errorf("final %+v", got)
	}
	// create + approve + begin.
	if n := auditCount(t, s); n != 3 {
		t.Errorf("%d audit entries, want 3", n)
	}
}

func TestExecutingSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	a := mustCreate(t, s, request(1))
	other := mustCreate(t, s, requestOn(1, "r-3"))
	if _, err := s.Approve(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, other.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginExecution(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil { // the "crash": nothing after BeginExecution
		t.Fatal(err)
	}

	s = openStore(t, path, Options{Now: clk.Now})
	got, err := s.Approval(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != StateExecuting || !got.ExecutionStartedAt.Equal(t0) {
		t.Errorf("after reopen %+v", got)
	}
	l, err := s.ListApprovals(ctx, ApprovalFilter{States: []ApprovalState{StateExecuting}})
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].ID != a.ID {
		t.Fatalf("executing after reopen: %+v", l)
	}
	// Reconciliation finishes it.
	if _, err := s.FinishExecution(ctx, a.ID, ApprovalResult{OK: false, NeedsAttention: true, Reconciled: true}, nil); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ListApprovals(ctx, ApprovalFilter{States: []ApprovalState{StateExecuting}}); len(l) != 0 {
		t.Errorf("still executing: %+v", l)
	}
	if e := lastAudit(t, s); !strings.Contains(e.Detail, "needs attention") || !strings.Contains(e.Detail, "reconciled") || e.Result != "failed" {
		t.Errorf("audit %+v", e)
	}
	// A new request after reopen gets a new id.
	if n := mustCreate(t, s, requestOn(1, "r-4")); n.ID != 3 {
		t.Errorf("id after reopen %d, want 3", n.ID)
	}
}

func TestListApprovals(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	made := 0
	mk := func(by Actor, do func(id uint64)) uint64 {
		made++
		a := requestOn(1, fmt.Sprintf("r-%d", made))
		a.Requester = by
		id := mustCreate(t, s, a).ID
		if do != nil {
			do(id)
		}
		return id
	}
	must := func(_ Approval, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	p1 := mk(alice, nil)                                                    // 1 pending
	a2 := mk(bob, func(id uint64) { must(s.Approve(ctx, id, alice, nil)) }) // 2 approved
	r3 := mk(alice, func(id uint64) { must(s.Reject(ctx, id, bob, "", nil)) })
	x4 := mk(alice, func(id uint64) {
		must(s.Approve(ctx, id, bob, nil))
		must(s.BeginExecution(ctx, id, bob, nil))
	})
	ok5 := mk(bob, func(id uint64) {
		must(s.Approve(ctx, id, carol, nil))
		must(s.BeginExecution(ctx, id, carol, nil))
		must(s.FinishExecution(ctx, id, ApprovalResult{OK: true}, nil))
	})
	p6 := mk(carol, nil)

	// The index of open requests holds exactly the ones not final.
	wantOpen := map[uint64]ApprovalState{p1: StatePending, a2: StateApproved, x4: StateExecuting, p6: StatePending}
	if got := openIndex(t, s); !maps.Equal(got, wantOpen) {
		t.Errorf("approvals_open = %v, want %v", got, wantOpen)
	}

	tests := []struct {
		name string
		f    ApprovalFilter
		want []uint64
	}{
		{"all", ApprovalFilter{}, []uint64{p6, ok5, x4, r3, a2, p1}},
		{"pending", ApprovalFilter{States: []ApprovalState{StatePending}}, []uint64{p6, p1}},
		{"open", ApprovalFilter{States: []ApprovalState{StatePending, StateApproved, StateExecuting}}, []uint64{p6, x4, a2, p1}},
		{"final", ApprovalFilter{States: []ApprovalState{StateSucceeded, StateRejected}}, []uint64{ok5, r3}},
		{"mixed", ApprovalFilter{States: []ApprovalState{StateSucceeded, StatePending}}, []uint64{p6, ok5, p1}},
		{"none in state", ApprovalFilter{States: []ApprovalState{StateExpired}}, nil},
		{"requester", ApprovalFilter{Requester: alice.Key()}, []uint64{x4, r3, p1}},
		{"requester and open", ApprovalFilter{Requester: alice.Key(), States: []ApprovalState{StatePending, StateExecuting}}, []uint64{x4, p1}},
		{"other platform is another requester", ApprovalFilter{Requester: mallory.Key()}, nil},
		{"limit", ApprovalFilter{Limit: 2}, []uint64{p6, ok5}},
		{"limit open", ApprovalFilter{Limit: 1, States: []ApprovalState{StatePending}}, []uint64{p6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListApprovals(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var ids []uint64
			for _, a := range got {
				ids = append(ids, a.ID)
				if len(tt.f.States) > 0 && !slices.Contains(tt.f.States, a.State) {
					t.Errorf("#%d has state %s", a.ID, a.State)
				}
			}
			if !slices.Equal(ids, tt.want) {
				t.Errorf("ids %v, want %v", ids, tt.want)
			}
		})
	}
}

// openIndex reads approvals_open.
func openIndex(t *testing.T, s *Store) map[uint64]ApprovalState {
	t.Helper()
	out := map[uint64]ApprovalState{}
	if err := s.View(context.Background(), func(tx *bolt.Tx) error {
		return tx.Bucket(bucketApprovalsOpen).ForEach(func(k, v []byte) error {
			out[binary.BigEndian.Uint64(k)] = ApprovalState(v)
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestListApprovalsDefaultLimit(t *testing.T) {
	s, _, _ := newFakeStore(t)
	ctx := context.Background()
	// Write DefaultApprovalLimit+5 requests in one transaction through the same code path.
	if err := s.Update(ctx, func(tx *bolt.Tx) error {
		for i := range DefaultApprovalLimit + 5 {
			a := request(1)
			a.ID, a.State = uint64(i+1), StatePending
			if err := putApproval(tx, a); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []ApprovalFilter{{}, {States: []ApprovalState{StatePending}}} {
		got, err := s.ListApprovals(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != DefaultApprovalLimit || got[0].ID != DefaultApprovalLimit+5 {
			t.Errorf("%+v: %d results starting at #%d", f, len(got), got[0].ID)
		}
	}
}

func TestExpireDue(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	must := func(_ Approval, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	short := func(subject string) Approval { a := requestOn(1, subject); a.ExpiresAt = t0.Add(time.Minute); return a }

	pending := mustCreate(t, s, short("r-1")).ID
	approved := mustCreate(t, s, short("r-2")).ID
	must(s.Approve(ctx, approved, bob, nil))
	executing := mustCreate(t, s, short("r-3")).ID
	must(s.Approve(ctx, executing, bob, nil))
	must(s.BeginExecution(ctx, executing, bob, nil))
	rejected := mustCreate(t, s, short("r-4")).ID
	must(s.Reject(ctx, rejected, bob, "", nil))
	later := mustCreate(t, s, requestOn(1, "r-5")).ID // expires in an hour

	// Nothing due yet: nothing written.
	audits, notices := auditCount(t, s), pendingNotices(t, s)
	got, err := s.ExpireDue(ctx, testNotices)
	if err != nil || len(got) != 0 {
		t.Fatalf("ExpireDue before expiry = %+v, %v", got, err)
	}
	if auditCount(t, s) != audits || pendingNotices(t, s) != notices {
		t.Error("ExpireDue with nothing due wrote something")
	}

	clk.Advance(time.Minute)
	got, err = s.ExpireDue(ctx, testNotices)
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint64
	for _, a := range got {
		ids = append(ids, a.ID)
		if a.State != StateExpired || !a.UpdatedAt.Equal(clk.Now()) {
			t.Errorf("returned %+v", a)
		}
	}
	if !slices.Equal(ids, []uint64{pending, approved}) {
		t.Errorf("expired %v, want %v", ids, []uint64{pending, approved})
	}
	if n := auditCount(t, s); n != audits+2 {
		t.Errorf("%d audit entries, want %d", n, audits+2)
	}
	if n := pendingNotices(t, s); n != notices+2 {
		t.Errorf("%d notices, want %d", n, notices+2)
	}
	es, err := s.RecentAudit(ctx, 2, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.Platform != "system" || e.Result != "expired" || !strings.HasPrefix(e.Command, "expire #") {
			t.Errorf("expiry audit %+v", e)
		}
	}
	want := map[uint64]ApprovalState{pending: StateExpired, approved: StateExpired, executing: StateExecuting, rejected: StateRejected, later: StatePending}
	for id, st := range want {
		if a, err := s.Approval(ctx, id); err != nil || a.State != st {
			t.Errorf("#%d: %s, %v; want %s", id, a.State, err, st)
		}
	}
	if got, want := openIndex(t, s), map[uint64]ApprovalState{executing: StateExecuting, later: StatePending}; !maps.Equal(got, want) {
		t.Errorf("approvals_open = %v, want %v", got, want)
	}
	if l, _ := s.ListApprovals(ctx, ApprovalFilter{States: []ApprovalState{StatePending, StateApproved}}); len(l) != 1 || l[0].ID != later {
		t.Errorf("still open: %+v", l)
	}

	// Again: nothing left.
	if got, err := s.ExpireDue(ctx, nil); err != nil || len(got) != 0 {
		t.Errorf("second ExpireDue = %+v, %v", got, err)
	}
}

func TestApprovalStates(t *testing.T) {
	final := map[ApprovalState]bool{
		StatePending: false, StateApproved: false, StateExecuting: false,
		StateSucceeded: true, StateFailed: true, StateRejected: true, StateExpired: true, StateCancelled: true,
	}
	for st, want := range final {
		if st.Final() != want {
			t.Errorf("%s.Final() = %t", st, !want)
		}
	}
	if k := (Actor{Platform: "wecom", UserID: "zhang.san"}).Key(); k != "wecom:zhang.san" {
		t.Errorf("Key() = %q", k)
	}
}

func TestApprovalContextCancelled(t *testing.T) {
	s, _, _ := newFakeStore(t)
	a := mustCreate(t, s, request(1))
	ctx, cancelCtx := context.WithCancel(context.Background())
	cancelCtx()
	calls := []func() error{
		func() error { _, err := s.CreateApproval(ctx, request(1), nil); return err },
		func() error { _, err := s.Approval(ctx, a.ID); return err },
		func() error { _, err := s.Approve(ctx, a.ID, bob, nil); return err },
		func() error { _, err := s.ListApprovals(ctx, ApprovalFilter{}); return err },
		func() error { _, err := s.ExpireDue(ctx, nil); return err },
	}
	for i, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("call %d: %v, want context.Canceled", i, err)
		}
	}
}
