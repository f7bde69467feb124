package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ApprovalState is where an approval request is in its life:
//
//	pending → approved → executing → succeeded | failed
//	pending → rejected
//	pending | approved → expired | cancelled
//
// An action moves to executing before the BSS call; after a crash, executing requests are
// reconciled by reading BSS state, never re-sent blindly.
type ApprovalState string

// The states of an approval request.
const (
	StatePending   ApprovalState = "pending"   // waiting for approvers
	StateApproved  ApprovalState = "approved"  // enough approvals; may be executed once
	StateExecuting ApprovalState = "executing" // the BSS call is (or was, before a crash) under way
	StateSucceeded ApprovalState = "succeeded"
	StateFailed    ApprovalState = "failed"
	StateRejected  ApprovalState = "rejected"
	StateExpired   ApprovalState = "expired"
	StateCancelled ApprovalState = "cancelled"
)

// Final reports whether s is an end state, from which no transition leads.
func (s ApprovalState) Final() bool {
	switch s {
	case StateSucceeded, StateFailed, StateRejected, StateExpired, StateCancelled:
		return true
	}
	return false
}

// Actor is a person (or the system) acting on a request, as the chat platform names them.
type Actor struct {
	Platform string `json:"platform"`
	UserID   string `json:"user_id"`
	UserName string `json:"user_name,omitempty"`
	Channel  string `json:"channel,omitempty"` // where they acted
}

// Key identifies the person: "platform:user-id", as in Prefs and ApprovalFilter.Requester.
func (a Actor) Key() string { return a.Platform + ":" + a.UserID }

// systemActor is recorded in the audit log for transitions nobody in particular made.
var systemActor = Actor{Platform: "system", UserID: "system"}

// Decision is one approval or the rejection of a request.
type Decision struct {
	By     Actor     `json:"by"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason,omitempty"`
}

// ApprovalResult is how the execution of an approved request ended.
type ApprovalResult struct {
	OK        bool     `json:"ok"`
	OrderIDs  []string `json:"order_ids,omitempty"`
	Detail    string   `json:"detail,omitempty"`
	ErrorCode string   `json:"error_code,omitempty"`
	RequestID string   `json:"request_id,omitempty"` // BSS X-Request-Id(s)
	// NeedsAttention: failed and a person must look (e.g. reconciliation could not tell).
	NeedsAttention bool `json:"needs_attention,omitempty"`
	// Reconciled: the result was established after a crash by reading BSS state.
	Reconciled bool `json:"reconciled,omitempty"`
}

// Approval is a request for an action that spends or cancels money, approved by Needed people
// other than the requester before it runs, exactly once.
type Approval struct {
	ID         uint64          `json:"id"`
	Action     string          `json:"action"`            // "renew", "unsubscribe", "autorenew", "reclaim" ... (opaque to the store)
	Params     json.RawMessage `json:"params,omitempty"`  // action parameters (opaque)
	Preview    json.RawMessage `json:"preview,omitempty"` // what was shown when requested (opaque)
	CustomerID string          `json:"customer_id,omitempty"`
	Subjects   []string        `json:"subjects,omitempty"` // e.g. resource or quota ids, for display and search

	State     ApprovalState `json:"state"`
	Requester Actor         `json:"requester"`
	Needed    int           `json:"needed"` // approvals needed, not counting the requester
	Approvals []Decision    `json:"approvals,omitempty"`
	Rejection *Decision     `json:"rejection,omitempty"`

	CreatedAt          time.Time `json:"created_at"`
	ExpiresAt          time.Time `json:"expires_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	ExecutionStartedAt time.Time `json:"execution_started_at,omitzero"`

	Result *ApprovalResult `json:"result,omitempty"`
}

// ApprovedBy reports whether the person with Actor.Key key has approved a.
func (a Approval) ApprovedBy(key string) bool {
	return slices.ContainsFunc(a.Approvals, func(d Decision) bool { return d.By.Key() == key })
}

// NoticeFunc computes the notices announcing a transition, from the approval as it is after the
// transition. They are queued in the transition's own transaction, so a transition is never
// committed without its notices nor the reverse. It runs inside that transaction: it must not
// call the Store.
type NoticeFunc func(a Approval) []Notice

// ApprovalFilter narrows ListApprovals. Zero fields do not filter.
type ApprovalFilter struct {
	States    []ApprovalState
	Requester string // Actor.Key of the requester
	Limit     int    // 0 = DefaultApprovalLimit; capped at MaxApprovalLimit
}

// Limits of ListApprovals.
const (
	DefaultApprovalLimit = 100
	MaxApprovalLimit     = 1000
)

// maxAuditDetail is how much of a reason or result a transition's audit entry keeps.
const maxAuditDetail = 200

// Errors of the approval transitions, for errors.Is. The errors returned wrap them with the
// operation and the request id.
var (
	ErrSelfApproval   = errors.New("the requester cannot approve or reject their own request")
	ErrAlreadyDecided = errors.New("already approved by this person")
	ErrExpired        = errors.New("the approval request has expired")
	ErrWrongState     = errors.New("the approval request is not in a state that allows this")
	ErrNotRequester   = errors.New("only the requester can cancel a request")
)

// StateError is returned when a request is not in a state the transition starts from. It
// matches ErrWrongState, and also ErrExpired when the request has expired.
type StateError struct {
	ID   uint64
	Have ApprovalState
	Want []ApprovalState
}

func (e *StateError) Error() string {
	want := make([]string, len(e.Want))
	for i, s := range e.Want {
		want[i] = string(s)
	}
	return fmt.Sprintf("approval #%d is %s, not %s", e.ID, e.Have, strings.Join(want, " or "))
}

// Is makes errors.Is(err, ErrWrongState) true, and errors.Is(err, ErrExpired) for an expired request.
func (e *StateError) Is(target error) bool {
	return target == ErrWrongState || (target == ErrExpired && e.Have == StateExpired)
}

// DuplicateError is returned by CreateApproval when an open request (pending, approved or
// executing) already asks for the same Action on the same customer and one of the same Subjects.
// It matches ErrDuplicate.
type DuplicateError struct {
	ExistingID uint64 // the open request
	Action     string
	Subject    string // the first subject the two have in common
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("request #%d for %s of %s is still open", e.ExistingID, e.Action, e.Subject)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }

// change describes a transition that a rule has applied, for its audit entry.
type change struct {
	by        Actor
	verb      string // "approve", "reject" ...: the audit Command is "<verb> #<id> <action>"
	detail    string
	requestID string
	duration  time.Duration
	// after is returned to the caller once the transition is committed (ErrExpired: the request
	// expired instead of doing what was asked).
	after error
	// action, when set, is the entry of the command that made the transition: the transition
	// is recorded in it instead of an entry of its own.
	action *ActionAudit
}

// rule checks that a transition is allowed on a (as stored) at now and applies it to a. An error
// rolls the transaction back; a must not be changed before the checks pass.
type rule func(a *Approval, now time.Time) (change, error)

// CreateApproval stores a new request and returns it with its ID (from the bucket sequence),
// State pending and CreatedAt = UpdatedAt = now. It needs an Action, Needed >= 1, ExpiresAt
// after now and a Requester.UserID; any state, decisions or result in a are ignored. A request
// with the Action and CustomerID of an open one (pending, approved or executing, not past its
// expiry) and one of its Subjects is refused with a *DuplicateError (ErrDuplicate), in the same
// transaction, whatever its Params.
func (s *Store) CreateApproval(ctx context.Context, a Approval, notices NoticeFunc) (Approval, error) {
	if err := ctx.Err(); err != nil {
		return Approval{}, fmt.Errorf("store: create approval: %w", err)
	}
	switch {
	case a.Action == "":
		return Approval{}, errors.New("store: create approval: no action")
	case a.Needed < 1:
		return Approval{}, fmt.Errorf("store: create approval: needs at least 1 approval, not %d", a.Needed)
	case a.Requester.UserID == "":
		return Approval{}, errors.New("store: create approval: requester has no user id")
	}
	a.State = StatePending
	a.Approvals, a.Rejection, a.Result = nil, nil, nil
	a.ExecutionStartedAt = time.Time{}
	err := s.update(func(tx *bolt.Tx) error {
		now := s.now().Round(0)
		if !a.ExpiresAt.After(now) {
			return fmt.Errorf("expires at %s, not after now (%s)", a.ExpiresAt.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		if err := refuseDuplicate(tx, a, now); err != nil {
			return err
		}
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		if a.ID, err = b.NextSequence(); err != nil {
			return fmt.Errorf("next id: %w", err)
		}
		a.CreatedAt, a.UpdatedAt = now, now
		detail := fmt.Sprintf("needs %d approval(s), expires %s", a.Needed, a.ExpiresAt.Format(time.RFC3339))
		if a.CustomerID != "" {
			detail += "; customer " + a.CustomerID
		}
		if len(a.Subjects) > 0 {
			detail += "; " + strings.Join(a.Subjects, ", ")
		}
		return s.commit(tx, &a, now, change{by: a.Requester, verb: "request", detail: detail, action: actionAuditOf(ctx)}, notices)
	})
	if err != nil {
		return Approval{}, fmt.Errorf("store: create approval: %w", err)
	}
	return a, nil
}

// Approval returns request id, or an error wrapping ErrNotFound.
func (s *Store) Approval(ctx context.Context, id uint64) (Approval, error) {
	if err := ctx.Err(); err != nil {
		return Approval{}, fmt.Errorf("store: approval #%d: %w", id, err)
	}
	var a Approval
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		a, err = getApproval(b, id)
		return err
	})
	if err != nil {
		return Approval{}, fmt.Errorf("store: approval #%d: %w", id, err)
	}
	return a, nil
}

// Approve records by's approval of a pending request; with Needed approvals it becomes approved.
// The requester cannot approve (ErrSelfApproval), nor anyone twice (ErrAlreadyDecided). A request
// past its ExpiresAt is moved to expired instead (committed, with its audit entry and notices)
// and returned together with an error wrapping ErrExpired.
func (s *Store) Approve(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error) {
	return s.transition(ctx, "approve", id, notices, func(a *Approval, now time.Time) (change, error) {
		if ch, done, err := decide(a, by, "approve", now); done {
			return ch, err
		}
		if a.ApprovedBy(by.Key()) {
			return change{}, ErrAlreadyDecided
		}
		a.Approvals = append(a.Approvals, Decision{By: by, At: now})
		if len(a.Approvals) >= a.Needed {
			a.State = StateApproved
		}
		return change{by: by, verb: "approve", detail: fmt.Sprintf("approval %d of %d", len(a.Approvals), a.Needed)}, nil
	})
}

// decide holds the rules Approve and Reject share: a valid actor, a pending request (moved to
// expired if past its time), and not the requester. done reports that the transition ends here,
// with ch (the expiry) or err.
func decide(a *Approval, by Actor, verb string, now time.Time) (ch change, done bool, err error) {
	if err := checkActor(by); err != nil {
		return change{}, true, err
	}
	if a.State != StatePending {
		return change{}, true, &StateError{ID: a.ID, Have: a.State, Want: []ApprovalState{StatePending}}
	}
	if expireIfDue(a, now) {
		return expiredChange(by, verb, StatePending, a), true, nil
	}
	if by.Key() == a.Requester.Key() {
		return change{}, true, ErrSelfApproval
	}
	return change{}, false, nil
}

// Reject records by's rejection of a pending request, which ends it. The requester cannot reject
// (ErrSelfApproval: they cancel instead); an approver who approved may still reject. Expiry is
// handled as in Approve.
func (s *Store) Reject(ctx context.Context, id uint64, by Actor, reason string, notices NoticeFunc) (Approval, error) {
	return s.transition(ctx, "reject", id, notices, func(a *Approval, now time.Time) (change, error) {
		if ch, done, err := decide(a, by, "reject", now); done {
			return ch, err
		}
		a.Rejection = &Decision{By: by, At: now, Reason: reason}
		a.State = StateRejected
		return change{by: by, verb: "reject", detail: reason}, nil
	})
}

// Cancel withdraws a pending or approved request; only its requester may (ErrNotRequester).
func (s *Store) Cancel(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error) {
	return s.transition(ctx, "cancel", id, notices, func(a *Approval, _ time.Time) (change, error) {
		if err := checkActor(by); err != nil {
			return change{}, err
		}
		if by.Key() != a.Requester.Key() {
			return change{}, ErrNotRequester
		}
		if a.State != StatePending && a.State != StateApproved {
			return change{}, &StateError{ID: a.ID, Have: a.State, Want: []ApprovalState{StatePending, StateApproved}}
		}
		detail := "cancelled while " + string(a.State)
		a.State = StateCancelled
		return change{by: by, verb: "cancel", detail: detail}, nil
	})
}

// BeginExecution moves an approved request to executing and sets ExecutionStartedAt; call it
// just before the BSS call. It succeeds once per request: any other caller gets a *StateError
// (ErrWrongState). An approved request past its ExpiresAt cannot run: it is moved to expired
// (committed) and returned with an error wrapping ErrExpired.
func (s *Store) BeginExecution(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error) {
	return s.transition(ctx, "execute", id, notices, func(a *Approval, now time.Time) (change, error) {
		if err := checkActor(by); err != nil {
			return change{}, err
		}
		if a.State != StateApproved {
			return change{}, &StateError{ID: a.ID, Have: a.State, Want: []ApprovalState{StateApproved}}
		}
		if expireIfDue(a, now) {
			return expiredChange(by, "execute", StateApproved, a), nil
		}
		a.State = StateExecuting
		a.ExecutionStartedAt = now
		return change{by: by, verb: "execute", detail: "started"}, nil
	})
}

// FinishExecution records how an executing request ended: succeeded if res.OK, failed otherwise.
// A request not executing gives a *StateError (ErrWrongState).
func (s *Store) FinishExecution(ctx context.Context, id uint64, res ApprovalResult, notices NoticeFunc) (Approval, error) {
	return s.transition(ctx, "finish", id, notices, func(a *Approval, now time.Time) (change, error) {
		if a.State != StateExecuting {
			return change{}, &StateError{ID: a.ID, Have: a.State, Want: []ApprovalState{StateExecuting}}
		}
		detail, took := FinishResult(a, res, now)
		return change{by: systemActor, verb: "finish", detail: detail, requestID: res.RequestID, duration: took}, nil
	})
}

// ListApprovals returns the requests matching f, newest first.
func (s *Store) ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: list approvals: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultApprovalLimit
	}
	limit = min(limit, MaxApprovalLimit)
	// Requests that are not final are also in approvals_open, which stays small: asking only for
	// such states reads that index instead of the whole history.
	openOnly := len(f.States) > 0 && !slices.ContainsFunc(f.States, ApprovalState.Final)
	var out []Approval
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		keep := func(a Approval) bool {
			return (len(f.States) == 0 || slices.Contains(f.States, a.State)) &&
				(f.Requester == "" || a.Requester.Key() == f.Requester)
		}
		if openOnly {
			open, err := bucket(tx, bucketApprovalsOpen)
			if err != nil {
				return err
			}
			c := open.Cursor()
			for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
				if !slices.Contains(f.States, ApprovalState(v)) {
					continue
				}
				a, err := getApproval(b, binary.BigEndian.Uint64(k))
				if err != nil {
					return err
				}
				if keep(a) {
					out = append(out, a)
				}
			}
			return nil
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			a, err := decodeApproval(k, v)
			if err != nil {
				return err
			}
			if keep(a) {
				out = append(out, a)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: list approvals: %w", err)
	}
	return out, nil
}

// ExpireDue moves every pending or approved request at or past its ExpiresAt to expired, in one
// transaction (each with its audit entry and notices), and returns them, oldest first.
func (s *Store) ExpireDue(ctx context.Context, notices NoticeFunc) ([]Approval, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: expire approvals: %w", err)
	}
	// Find candidates with a read transaction first, so that the usual case (nothing due) does
	// not write.
	due := func(tx *bolt.Tx, now time.Time, fn func(a Approval) error) error {
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		open, err := bucket(tx, bucketApprovalsOpen)
		if err != nil {
			return err
		}
		var found []Approval
		c := open.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if st := ApprovalState(v); st != StatePending && st != StateApproved {
				continue
			}
			a, err := getApproval(b, binary.BigEndian.Uint64(k))
			if err != nil {
				return err
			}
			if (a.State == StatePending || a.State == StateApproved) && !now.Before(a.ExpiresAt) {
				found = append(found, a)
			}
		}
		// Write after the scan: changing the index under its cursor could make Next skip a key.
		for _, a := range found {
			if err := fn(a); err != nil {
				return err
			}
		}
		return nil
	}
	some := false
	err := s.view(func(tx *bolt.Tx) error {
		return due(tx, s.now(), func(Approval) error { some = true; return nil })
	})
	if err != nil {
		return nil, fmt.Errorf("store: expire approvals: %w", err)
	}
	if !some {
		return nil, nil
	}
	var out []Approval
	err = s.update(func(tx *bolt.Tx) error {
		out = nil
		now := s.now().Round(0)
		return due(tx, now, func(a Approval) error {
			was := a.State
			expireIfDue(&a, now)
			ch := expiredChange(systemActor, "expire", was, &a)
			if err := s.commit(tx, &a, now, ch, notices); err != nil {
				return fmt.Errorf("#%d: %w", a.ID, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: expire approvals: %w", err)
	}
	return out, nil
}

// transition runs one rule on request id in one transaction: read, check, write, audit, notify.
// On a rule error nothing is written and the request is returned as stored, with the error.
func (s *Store) transition(ctx context.Context, op string, id uint64, notices NoticeFunc, apply rule) (Approval, error) {
	if err := ctx.Err(); err != nil {
		return Approval{}, fmt.Errorf("store: %s #%d: %w", op, id, err)
	}
	var (
		out     Approval
		after   error
		ruleErr error
	)
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		a, err := getApproval(b, id)
		if err != nil {
			return err
		}
		now := s.now().Round(0)
		stored := a
		ch, err := apply(&a, now)
		if err != nil {
			out, ruleErr = stored, err
			return err
		}
		ch.action = actionAuditOf(ctx)
		if err := s.commit(tx, &a, now, ch, notices); err != nil {
			return err
		}
		out, after = a, ch.after
		return nil
	})
	switch {
	case ruleErr != nil:
		return out, opError(op, id, ruleErr)
	case err != nil:
		return Approval{}, fmt.Errorf("store: %s #%d: %w", op, id, err)
	case after != nil:
		return out, opError(op, id, after)
	}
	return out, nil
}

// opError wraps an error of a transition; a StateError already names the request.
func opError(op string, id uint64, err error) error {
	var se *StateError
	if errors.As(err, &se) {
		return fmt.Errorf("store: %s: %w", op, err)
	}
	return fmt.Errorf("store: %s #%d: %w", op, id, err)
}

// commit writes a (whose state a transition has just set) with UpdatedAt = now, its audit entry
// and the notices computed from it, all within tx.
func (s *Store) commit(tx *bolt.Tx, a *Approval, now time.Time, ch change, notices NoticeFunc) error {
	a.UpdatedAt = now
	if err := putApproval(tx, *a); err != nil {
		return err
	}
	if ch.action != nil {
		if err := s.recordAction(tx, ch.action, TransitionStep(ch.verb, *a, ch.detail), ch.requestID, now); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	} else if _, err := s.appendAudit(tx, TransitionAudit(ch.by, ch.verb, *a, ch.detail, ch.requestID, ch.duration, now)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if notices == nil {
		return nil
	}
	if err := s.EnqueueNoticesTx(tx, now, notices(*a)...); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	return nil
}

// expireIfDue moves a pending or approved request at or past its ExpiresAt to expired.
func expireIfDue(a *Approval, now time.Time) bool {
	if (a.State != StatePending && a.State != StateApproved) || now.Before(a.ExpiresAt) {
		return false
	}
	a.State = StateExpired
	return true
}

// expiredChange is the change of a request found past its expiry (while in state was) when by
// tried verb on it.
func expiredChange(by Actor, verb string, was ApprovalState, a *Approval) change {
	at := a.ExpiresAt.Format(time.RFC3339)
	return change{
		by:     by,
		verb:   verb,
		detail: fmt.Sprintf("expired at %s while %s", at, was),
		after:  fmt.Errorf("%w (at %s)", ErrExpired, at),
	}
}

// checkActor insists that an actor names a user.
func checkActor(by Actor) error {
	if by.UserID == "" {
		return errors.New("actor has no user id")
	}
	return nil
}

// getApproval reads request id from b, or an error wrapping ErrNotFound.
func getApproval(b *bolt.Bucket, id uint64) (Approval, error) {
	k := idKey(id)
	v := b.Get(k)
	if v == nil {
		return Approval{}, fmt.Errorf("approval %w", ErrNotFound)
	}
	return decodeApproval(k, v)
}

func decodeApproval(k, v []byte) (Approval, error) {
	var a Approval
	if err := json.Unmarshal(v, &a); err != nil {
		return Approval{}, fmt.Errorf("decode approval %x: %w", k, err)
	}
	a.ID = binary.BigEndian.Uint64(k) // the key is authoritative
	return a, nil
}

// subjectPrefix is the approvals_subjects key prefix of one subject of an action on a customer:
// each part length-prefixed, so that no part can run into the next.
func subjectPrefix(action, customerID, subject string) []byte {
	var k []byte
	for _, part := range []string{action, customerID, subject} {
		k = binary.AppendUvarint(k, uint64(len(part)))
		k = append(k, part...)
	}
	return k
}

// indexSubjects puts a's subjects in approvals_subjects while a is open and removes them once it
// is final. The keys are subjectPrefix + the 8-byte id, with empty values.
func indexSubjects(tx *bolt.Tx, a Approval) error {
	idx, err := bucket(tx, bucketApprovalsSubjects)
	if err != nil {
		return err
	}
	for _, subject := range a.Subjects {
		if subject == "" {
			continue
		}
		k := append(subjectPrefix(a.Action, a.CustomerID, subject), idKey(a.ID)...)
		if len(k) > bolt.MaxKeySize {
			return fmt.Errorf("approval #%d: subject of %d bytes is too long", a.ID, len(subject))
		}
		if a.State.Final() {
			err = idx.Delete(k)
		} else {
			err = idx.Put(k, nil)
		}
		if err != nil {
			return fmt.Errorf("approval #%d: subject index: %w", a.ID, err)
		}
	}
	return nil
}

// refuseDuplicate returns a *DuplicateError if an open request has a's action and customer and
// one of its subjects. A pending or approved request past its expiry does not count: it can no
// longer run, and will be marked expired. It reads only the index entries of a's subjects.
func refuseDuplicate(tx *bolt.Tx, a Approval, now time.Time) error {
	idx, err := bucket(tx, bucketApprovalsSubjects)
	if err != nil {
		return err
	}
	b, err := bucket(tx, bucketApprovals)
	if err != nil {
		return err
	}
	for _, subject := range a.Subjects {
		if subject == "" {
			continue
		}
		prefix := subjectPrefix(a.Action, a.CustomerID, subject)
		c := idx.Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			other, err := getApproval(b, binary.BigEndian.Uint64(k[len(prefix):]))
			if err != nil {
				return fmt.Errorf("subject index: %w", err)
			}
			if other.State.Final() || ((other.State == StatePending || other.State == StateApproved) && !now.Before(other.ExpiresAt)) {
				continue
			}
			return &DuplicateError{ExistingID: other.ID, Action: a.Action, Subject: subject}
		}
	}
	return nil
}

// putApproval stores a and keeps approvals_open (id → state of every request not final) and
// approvals_subjects in step.
func putApproval(tx *bolt.Tx, a Approval) error {
	b, err := bucket(tx, bucketApprovals)
	if err != nil {
		return err
	}
	open, err := bucket(tx, bucketApprovalsOpen)
	if err != nil {
		return err
	}
	k := idKey(a.ID)
	if err := putJSON(b, k, a); err != nil {
		return fmt.Errorf("approval #%d: %w", a.ID, err)
	}
	if err := indexSubjects(tx, a); err != nil {
		return err
	}
	if a.State.Final() {
		return open.Delete(k)
	}
	return open.Put(k, []byte(a.State))
}
