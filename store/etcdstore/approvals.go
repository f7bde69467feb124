package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// The rules below are bbolt's (store/approvals.go), transition for transition: the suite in
// store/storetest holds both to them.

var systemActor = store.Actor{Platform: "system", UserID: "system"}

// change describes a transition that a rule has applied, for its audit entry.
type change struct {
	by        store.Actor
	verb      string
	detail    string
	requestID string
	duration  time.Duration
	after     error // returned once the transition is committed (ErrExpired)
}

// rule checks that a transition is allowed on a (as stored) at now and applies it to a.
type rule func(a *store.Approval, now time.Time) (change, error)

func (s *Store) approvalKey(id uint64) string { return s.key("approvals", idName(id)) }

// CreateApproval stores a new pending request with the next id, its audit entry and notices,
// refusing with a *store.DuplicateError one whose Action, CustomerID and a Subject an open
// request has. Of requests filed at once on one subject exactly one is accepted: each lists the
// subject's index keys, and the commit requires that listing unchanged.
func (s *Store) CreateApproval(ctx context.Context, a store.Approval, notices store.NoticeFunc) (store.Approval, error) {
	if err := ctx.Err(); err != nil {
		return store.Approval{}, fmt.Errorf("etcdstore: create approval: %w", err)
	}
	switch {
	case a.Action == "":
		return store.Approval{}, errors.New("etcdstore: create approval: no action")
	case a.Needed < 1:
		return store.Approval{}, fmt.Errorf("etcdstore: create approval: needs at least 1 approval, not %d", a.Needed)
	case a.Requester.UserID == "":
		return store.Approval{}, errors.New("etcdstore: create approval: requester has no user id")
	}
	a.State = store.StatePending
	a.Approvals, a.Rejection, a.Result = nil, nil, nil
	a.ExecutionStartedAt = time.Time{}
	in := a
	err := s.withAction(ctx, func(aa *actionEntry) error {
		return s.update(ctx, func(t *tx) error {
			a = in
			now := s.now().Round(0)
			if !a.ExpiresAt.After(now) {
				return fmt.Errorf("expires at %s, not after now (%s)", a.ExpiresAt.Format(time.RFC3339), now.Format(time.RFC3339))
			}
			if err := s.refuseDuplicate(t, a, now); err != nil {
				return err
			}
			var err error
			if a.ID, err = t.next("approvals"); err != nil {
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
			return s.commit(t, &a, now, change{by: a.Requester, verb: "request", detail: detail}, aa, notices)
		})
	})
	if err != nil {
		return store.Approval{}, fmt.Errorf("etcdstore: create approval: %w", err)
	}
	return a, nil
}

// actionEntry is the command's audit entry a transition records itself in (store.ActionAudit),
// as it stands during one attempt.
type actionEntry struct {
	entry store.AuditEntry
	id    uint64 // the row's id; 0 before it is written
	wrote uint64 // the row this attempt wrote or updated
}

// withAction runs write with the ctx's action entry, if any, under its lock, and keeps the id
// of the row it wrote once write returns nil (its transaction committed).
func (s *Store) withAction(ctx context.Context, write func(aa *actionEntry) error) error {
	action := store.ActionAuditOf(ctx)
	if action == nil {
		return write(nil)
	}
	return action.Record(func(e store.AuditEntry, id uint64) (uint64, error) {
		ae := &actionEntry{entry: e, id: id}
		if err := write(ae); err != nil {
			return 0, err
		}
		if ae.wrote == 0 {
			return id, nil
		}
		return ae.wrote, nil
	})
}

// Approval returns request id, or an error wrapping store.ErrNotFound.
func (s *Store) Approval(ctx context.Context, id uint64) (store.Approval, error) {
	var a store.Approval
	err := s.view(ctx, func(t *tx) error {
		var err error
		a, err = s.getApproval(t, id)
		return err
	})
	if err != nil {
		return store.Approval{}, fmt.Errorf("etcdstore: approval #%d: %w", id, err)
	}
	return a, nil
}

// getApproval reads request id within t, or an error wrapping store.ErrNotFound.
func (s *Store) getApproval(t *tx, id uint64) (store.Approval, error) {
	var a store.Approval
	ok, err := t.getJSON(s.approvalKey(id), &a)
	if err != nil {
		return store.Approval{}, err
	}
	if !ok {
		return store.Approval{}, fmt.Errorf("approval %w", store.ErrNotFound)
	}
	a.ID = id // the key is authoritative
	return a, nil
}

// Approve records by's approval of a pending request; with Needed approvals it becomes
// approved. A request past its expiry is moved to expired instead (committed) and returned
// with an error wrapping store.ErrExpired.
func (s *Store) Approve(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error) {
	return s.transition(ctx, "approve", id, notices, func(a *store.Approval, now time.Time) (change, error) {
		if ch, done, err := decide(a, by, "approve", now); done {
			return ch, err
		}
		if a.ApprovedBy(by.Key()) {
			return change{}, store.ErrAlreadyDecided
		}
		a.Approvals = append(a.Approvals, store.Decision{By: by, At: now})
		if len(a.Approvals) >= a.Needed {
			a.State = store.StateApproved
		}
		return change{by: by, verb: "approve", detail: fmt.Sprintf("approval %d of %d", len(a.Approvals), a.Needed)}, nil
	})
}

// decide holds the rules Approve and Reject share.
func decide(a *store.Approval, by store.Actor, verb string, now time.Time) (ch change, done bool, err error) {
	if err := checkActor(by); err != nil {
		return change{}, true, err
	}
	if a.State != store.StatePending {
		return change{}, true, &store.StateError{ID: a.ID, Have: a.State, Want: []store.ApprovalState{store.StatePending}}
	}
	if expireIfDue(a, now) {
		return expiredChange(by, verb, store.StatePending, a), true, nil
	}
	if by.Key() == a.Requester.Key() {
		return change{}, true, store.ErrSelfApproval
	}
	return change{}, false, nil
}

// Reject records by's rejection of a pending request, which ends it.
func (s *Store) Reject(ctx context.Context, id uint64, by store.Actor, reason string, notices store.NoticeFunc) (store.Approval, error) {
	return s.transition(ctx, "reject", id, notices, func(a *store.Approval, now time.Time) (change, error) {
		if ch, done, err := decide(a, by, "reject", now); done {
			return ch, err
		}
		a.Rejection = &store.Decision{By: by, At: now, Reason: reason}
		a.State = store.StateRejected
		return change{by: by, verb: "reject", detail: reason}, nil
	})
}

// Cancel withdraws a pending or approved request; only its requester may.
func (s *Store) Cancel(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error) {
	return s.transition(ctx, "cancel", id, notices, func(a *store.Approval, _ time.Time) (change, error) {
		if err := checkActor(by); err != nil {
			return change{}, err
		}
		if by.Key() != a.Requester.Key() {
			return change{}, store.ErrNotRequester
		}
		if a.State != store.StatePending && a.State != store.StateApproved {
			return change{}, &store.StateError{ID: a.ID, Have: a.State, Want: []store.ApprovalState{store.StatePending, store.StateApproved}}
		}
		detail := "cancelled while " + string(a.State)
		a.State = store.StateCancelled
		return change{by: by, verb: "cancel", detail: detail}, nil
	})
}

// BeginExecution moves an approved request to executing; it succeeds once per request, on any
// number of replicas: every other caller gets a *store.StateError.
func (s *Store) BeginExecution(ctx context.Context, id uint64, by store.Actor, notices store.NoticeFunc) (store.Approval, error) {
	return s.transition(ctx, "execute", id, notices, func(a *store.Approval, now time.Time) (change, error) {
		if err := checkActor(by); err != nil {
			return change{}, err
		}
		if a.State != store.StateApproved {
			return change{}, &store.StateError{ID: a.ID, Have: a.State, Want: []store.ApprovalState{store.StateApproved}}
		}
		if expireIfDue(a, now) {
			return expiredChange(by, "execute", store.StateApproved, a), nil
		}
		a.State = store.StateExecuting
		a.ExecutionStartedAt = now
		return change{by: by, verb: "execute", detail: "started"}, nil
	})
}

// FinishExecution records how an executing request ended: succeeded if res.OK, failed otherwise.
func (s *Store) FinishExecution(ctx context.Context, id uint64, res store.ApprovalResult, notices store.NoticeFunc) (store.Approval, error) {
	return s.transition(ctx, "finish", id, notices, func(a *store.Approval, now time.Time) (change, error) {
		if a.State != store.StateExecuting {
			return change{}, &store.StateError{ID: a.ID, Have: a.State, Want: []store.ApprovalState{store.StateExecuting}}
		}
		detail, took := store.FinishResult(a, res, now)
		return change{by: systemActor, verb: "finish", detail: detail, requestID: res.RequestID, duration: took}, nil
	})
}

// ListApprovals returns the requests matching f, newest first. Asking only for states that are
// not final reads the approvals_open index instead of the whole history.
func (s *Store) ListApprovals(ctx context.Context, f store.ApprovalFilter) ([]store.Approval, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: list approvals: %w", err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = store.DefaultApprovalLimit
	}
	limit = min(limit, store.MaxApprovalLimit)
	keep := func(a store.Approval) bool {
		return (len(f.States) == 0 || slices.Contains(f.States, a.State)) &&
			(f.Requester == "" || a.Requester.Key() == f.Requester)
	}
	var out []store.Approval
	var err error
	if len(f.States) > 0 && !slices.ContainsFunc(f.States, store.ApprovalState.Final) {
		err = s.view(ctx, func(t *tx) error {
			open, err := t.list(s.under("approvals_open"), 0)
			if err != nil {
				return err
			}
			if err := s.prefetchApprovals(t, open); err != nil {
				return err
			}
			for i := len(open) - 1; i >= 0 && len(out) < limit; i-- {
				if !slices.Contains(f.States, store.ApprovalState(open[i].val)) {
					continue
				}
				id, err := strconv.ParseUint(lastName(open[i].key, s.under("approvals_open")), 10, 64)
				if err != nil {
					return fmt.Errorf("open index key %s: %w", open[i].key, err)
				}
				a, err := s.getApproval(t, id)
				if err != nil {
					return err
				}
				if keep(a) {
					out = append(out, a)
				}
			}
			return nil
		})
	} else {
		err = s.eachApproval(ctx, true, func(a store.Approval) bool {
			if keep(a) {
				out = append(out, a)
			}
			return len(out) < limit
		})
	}
	if err != nil {
		return nil, fmt.Errorf("etcdstore: list approvals: %w", err)
	}
	return out, nil
}

// eachApproval calls fn on every request, newest or oldest first, at one revision, until fn
// returns false.
func (s *Store) eachApproval(ctx context.Context, newestFirst bool, fn func(a store.Approval) bool) error {
	prefix := s.under("approvals")
	pages := s.pagesAsc
	if newestFirst {
		pages = s.pagesDesc
	}
	return pages(ctx, prefix, func(k string, v []byte) (bool, error) {
		var a store.Approval
		if err := json.Unmarshal(v, &a); err != nil {
			return false, fmt.Errorf("decode approval %s: %w", k, err)
		}
		id, err := strconv.ParseUint(lastName(k, prefix), 10, 64)
		if err != nil {
			return false, fmt.Errorf("approval key %s: %w", k, err)
		}
		a.ID = id
		return fn(a), nil
	})
}

// ApprovalCounts counts the requests in each state, at one revision.
func (s *Store) ApprovalCounts(ctx context.Context) (map[store.ApprovalState]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: approval counts: %w", err)
	}
	out := map[store.ApprovalState]int{}
	err := s.eachApproval(ctx, false, func(a store.Approval) bool {
		out[a.State]++
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: approval counts: %w", err)
	}
	return out, nil
}

// ExpireDue moves every pending or approved request at or past its ExpiresAt to expired, each
// with its audit entry and notices, and returns those it moved, oldest first. Unlike bbolt it
// moves each request in a transaction of its own (a transition is atomic, the sweep is not:
// one Txn could not hold many), so a request that another replica expires or decides meanwhile
// is left to it and not returned here.
func (s *Store) ExpireDue(ctx context.Context, notices store.NoticeFunc) ([]store.Approval, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: expire approvals: %w", err)
	}
	var due []uint64
	now := s.now()
	err := s.view(ctx, func(t *tx) error {
		open, err := t.list(s.under("approvals_open"), 0)
		if err != nil {
			return err
		}
		if err := s.prefetchApprovals(t, open); err != nil {
			return err
		}
		for _, e := range open {
			if st := store.ApprovalState(e.val); st != store.StatePending && st != store.StateApproved {
				continue
			}
			id, err := strconv.ParseUint(lastName(e.key, s.under("approvals_open")), 10, 64)
			if err != nil {
				return fmt.Errorf("open index key %s: %w", e.key, err)
			}
			a, err := s.getApproval(t, id)
			if err != nil {
				return err
			}
			if (a.State == store.StatePending || a.State == store.StateApproved) && !now.Before(a.ExpiresAt) {
				due = append(due, id)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: expire approvals: %w", err)
	}
	var out []store.Approval
	for _, id := range due {
		var moved bool
		a, err := s.transitionAs(ctx, "expire", id, notices, func(a *store.Approval, now time.Time) (change, error) {
			was := a.State
			if !expireIfDue(a, now) {
				return change{}, errNotDue
			}
			moved = true
			ch := expiredChange(systemActor, "expire", was, a)
			ch.after = nil
			return ch, nil
		}, false)
		switch {
		case errors.Is(err, errNotDue):
		case err != nil:
			return out, fmt.Errorf("etcdstore: expire approvals: %w", err)
		case moved:
			out = append(out, a)
		}
	}
	return out, nil
}

// prefetchApprovals reads the requests of approvals_open entries in few round trips.
func (s *Store) prefetchApprovals(t *tx, open []kv) error {
	keys := make([]string, len(open))
	for i, e := range open {
		keys[i] = s.key("approvals", lastName(e.key, s.under("approvals_open")))
	}
	return t.prefetch(keys)
}

// errNotDue tells ExpireDue that a request was no longer due when its transaction read it.
var errNotDue = errors.New("no longer due")

// transition runs one rule on request id in one transaction: read, check, write, audit,
// notify. On a rule error nothing is written and the request is returned as stored, with the
// error.
func (s *Store) transition(ctx context.Context, op string, id uint64, notices store.NoticeFunc, apply rule) (store.Approval, error) {
	return s.transitionAs(ctx, op, id, notices, apply, true)
}

// transitionAs is transition; inAction says whether the command's entry of ctx (if any)
// records it, or an entry of its own does (the expiry sweep's).
func (s *Store) transitionAs(ctx context.Context, op string, id uint64, notices store.NoticeFunc, apply rule, inAction bool) (store.Approval, error) {
	if err := ctx.Err(); err != nil {
		return store.Approval{}, fmt.Errorf("etcdstore: %s #%d: %w", op, id, err)
	}
	var (
		out     store.Approval
		after   error
		ruleErr error
	)
	write := func(aa *actionEntry) error {
		return s.update(ctx, func(t *tx) error {
			ruleErr, after = nil, nil
			a, err := s.getApproval(t, id)
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
			if err := s.commit(t, &a, now, ch, aa, notices); err != nil {
				return err
			}
			out, after = a, ch.after
			return nil
		})
	}
	var err error
	if inAction {
		err = s.withAction(ctx, write)
	} else {
		err = write(nil)
	}
	switch {
	case ruleErr != nil:
		return out, opError(op, id, ruleErr)
	case err != nil:
		return store.Approval{}, fmt.Errorf("etcdstore: %s #%d: %w", op, id, err)
	case after != nil:
		return out, opError(op, id, after)
	}
	return out, nil
}

// opError wraps an error of a transition; a StateError already names the request.
func opError(op string, id uint64, err error) error {
	var se *store.StateError
	if errors.As(err, &se) {
		return fmt.Errorf("etcdstore: %s: %w", op, err)
	}
	return fmt.Errorf("etcdstore: %s #%d: %w", op, id, err)
}

// commit writes a with UpdatedAt = now, its audit entry (in the command's entry aa, if any)
// and the notices computed from it, all within t.
func (s *Store) commit(t *tx, a *store.Approval, now time.Time, ch change, aa *actionEntry, notices store.NoticeFunc) error {
	a.UpdatedAt = now
	if err := s.putApproval(t, *a); err != nil {
		return err
	}
	if aa != nil {
		id, err := s.recordAction(t, aa.entry, aa.id, store.TransitionStep(ch.verb, *a, ch.detail), ch.requestID, now)
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		aa.wrote = id
	} else if _, err := s.appendAudit(t, store.TransitionAudit(ch.by, ch.verb, *a, ch.detail, ch.requestID, ch.duration, now)); err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	if notices == nil {
		return nil
	}
	if err := s.enqueue(t, now, notices(*a)...); err != nil {
		return fmt.Errorf("notices: %w", err)
	}
	return nil
}

// putApproval writes a and keeps approvals_open and approvals_subjects in step.
func (s *Store) putApproval(t *tx, a store.Approval) error {
	if err := t.putJSON(s.approvalKey(a.ID), a); err != nil {
		return fmt.Errorf("approval #%d: %w", a.ID, err)
	}
	for _, subject := range a.Subjects {
		if subject == "" {
			continue
		}
		k := s.subjectPrefix(a.Action, a.CustomerID, subject) + idName(a.ID)
		if a.State.Final() {
			t.del(k)
		} else {
			t.put(k, []byte{})
		}
	}
	open := s.key("approvals_open", idName(a.ID))
	if a.State.Final() {
		t.del(open)
	} else {
		t.put(open, []byte(a.State))
	}
	return nil
}

// subjectPrefix is the approvals_subjects prefix of one subject of an action on a customer:
// each part length-prefixed, so that no part can run into the next.
func (s *Store) subjectPrefix(action, customerID, subject string) string {
	var b strings.Builder
	b.WriteString(s.under("approvals_subjects"))
	for _, part := range []string{action, customerID, subject} {
		fmt.Fprintf(&b, "%d:%s", len(part), part)
	}
	return b.String()
}

// refuseDuplicate returns a *store.DuplicateError if an open request has a's action and
// customer and one of its subjects; one past its expiry does not count.
func (s *Store) refuseDuplicate(t *tx, a store.Approval, now time.Time) error {
	for _, subject := range a.Subjects {
		if subject == "" {
			continue
		}
		prefix := s.subjectPrefix(a.Action, a.CustomerID, subject)
		held, err := t.list(prefix, 0)
		if err != nil {
			return err
		}
		for _, e := range held {
			id, err := strconv.ParseUint(lastName(e.key, prefix), 10, 64)
			if err != nil {
				return fmt.Errorf("subject index key %s: %w", e.key, err)
			}
			other, err := s.getApproval(t, id)
			if err != nil {
				return fmt.Errorf("subject index: %w", err)
			}
			if other.State.Final() || ((other.State == store.StatePending || other.State == store.StateApproved) && !now.Before(other.ExpiresAt)) {
				continue
			}
			return &store.DuplicateError{ExistingID: other.ID, Action: a.Action, Subject: subject}
		}
	}
	return nil
}

// expireIfDue moves a pending or approved request at or past its ExpiresAt to expired.
func expireIfDue(a *store.Approval, now time.Time) bool {
	if (a.State != store.StatePending && a.State != store.StateApproved) || now.Before(a.ExpiresAt) {
		return false
	}
	a.State = store.StateExpired
	return true
}

// expiredChange is the change of a request found past its expiry (while in state was).
func expiredChange(by store.Actor, verb string, was store.ApprovalState, a *store.Approval) change {
	at := a.ExpiresAt.Format(time.RFC3339)
	return change{
		by:     by,
		verb:   verb,
		detail: fmt.Sprintf("expired at %s while %s", at, was),
		after:  fmt.Errorf("%w (at %s)", store.ErrExpired, at),
	}
}

// checkActor insists that an actor names a user.
func checkActor(by store.Actor) error {
	if by.UserID == "" {
		return errors.New("actor has no user id")
	}
	return nil
}
