package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The checks and texts a backend other than bbolt shares with it, so that both refuse the same
// input and write the same audit entries (store/etcdstore uses them).

// Normalize checks sub and puts Days in their canonical order, as AddSubscription does.
func (s *Subscription) Normalize() error { return s.normalize() }

// SameTarget reports whether s and o are the same subscription: same channel, kind and scope.
func (s *Subscription) SameTarget(o *Subscription) bool { return s.sameTarget(o) }

// Describe is "#id kind scope", the subscription as audit entries name it.
func (s *Subscription) Describe() string { return s.describe() }

// AuditDetail is the audit detail of a subscription: its channel and thresholds.
func (s *Subscription) AuditDetail() string { return subscriptionDetail(s) }

// SameConfigSubscription reports whether stored configured subscription a is what b would
// write, apart from ID and CreatedAt (SyncConfigSubscriptions then writes nothing).
func SameConfigSubscription(a, b Subscription) bool { return sameConfig(a, b) }

// Normalize checks q and writes its times as "HH:MM", as SetQuietHours does.
func (q *QuietHours) Normalize() error { return q.normalize() }

// CheckChannel insists on a platform and a channel that a channel's settings can be kept under.
func CheckChannel(platform, channel string) error { return checkChannel(platform, channel) }

// CheckSnoozeTarget insists on a target a snooze can be kept under.
func CheckSnoozeTarget(platform, channel, target string) error {
	return checkTarget(platform, channel, target)
}

// CheckUserKey insists on "platform:user-id" with both parts non-empty.
func CheckUserKey(user string) error { return checkUserKey(user) }

// CheckCustomerKey insists on a customer id the expiry index and balance cache can hold.
func CheckCustomerKey(id string) error { return checkCustomerKey(id) }

// SystemActor is who the audit log names for transitions nobody in particular made.
var SystemActor = systemActor

// MaxNameLen bounds a remembered display name, in bytes.
const MaxNameLen = maxNameLen

// TransitionStep is how a transition of a (just moved to a.State by verb) reads in the audit
// entry of the command that made it.
func TransitionStep(verb string, a Approval, detail string) string {
	step := fmt.Sprintf("%s #%d %s → %s", verb, a.ID, a.Action, a.State)
	if detail != "" {
		step += ": " + truncate(detail, maxAuditDetail)
	}
	return step
}

// TransitionAudit is the audit entry of a transition that no command's entry holds (an expiry,
// a decision made outside an action command).
func TransitionAudit(by Actor, verb string, a Approval, detail, requestID string, d time.Duration, now time.Time) AuditEntry {
	return AuditEntry{
		At:        now,
		Platform:  by.Platform,
		UserID:    by.UserID,
		UserName:  by.UserName,
		Channel:   by.Channel,
		Command:   fmt.Sprintf("%s #%d %s", verb, a.ID, a.Action),
		Result:    string(a.State),
		Detail:    truncate(detail, maxAuditDetail),
		RequestID: requestID,
		Duration:  d,
	}
}

// AuditDetailOf is detail cut to what an audit entry keeps of a reason or a result.
func AuditDetailOf(detail string) string { return truncate(detail, maxAuditDetail) }

// JoinActionDetail adds more to an action's audit detail have, cut to what the entry keeps.
func JoinActionDetail(have, more string) string { return joinDetail(have, more) }

// JoinIDs adds the comma-separated ids of more to those of have, each once.
func JoinIDs(have, more string) string { return joinIDs(have, more) }

// Truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func Truncate(s string, n int) string { return truncate(s, n) }

// PrefsReader is what NoticeLangOf reads: a person's and a channel's preferences.
type PrefsReader interface {
	Prefs(ctx context.Context, user string) (Prefs, error)
	ChannelPrefs(ctx context.Context, platform, channel string) (Prefs, error)
}

// NoticeLangOf is the language a notice to (platform, channel, user) is rendered in: the
// channel's when it has one, else the person's (a notice to a person, or to a person in a
// channel that has no language of its own); "" when neither chose one. Every backend's
// NoticeLang is this rule.
func NoticeLangOf(ctx context.Context, r PrefsReader, platform, channel, user string) (string, error) {
	if channel != "" {
		p, err := r.ChannelPrefs(ctx, platform, channel)
		if err != nil || p.Lang != "" {
			return p.Lang, err
		}
	}
	if user != "" {
		p, err := r.Prefs(ctx, platform+":"+user)
		return p.Lang, err
	}
	return "", nil
}

// FinishResult records res on a, an executing request: its result, and its state (succeeded if
// res.OK, failed otherwise). It returns the finish's audit detail and how long the request
// executed. Both backends' FinishExecution record an outcome through it, so they record it alike.
func FinishResult(a *Approval, res ApprovalResult, now time.Time) (detail string, took time.Duration) {
	r := res
	r.OrderIDs = slices.Clone(res.OrderIDs)
	a.Result = &r
	var parts []string
	if res.OK {
		a.State = StateSucceeded
		if len(res.OrderIDs) > 0 {
			parts = append(parts, "orders "+strings.Join(res.OrderIDs, ", "))
		}
	} else {
		a.State = StateFailed
		if res.ErrorCode != "" {
			parts = append(parts, res.ErrorCode)
		}
	}
	if res.Detail != "" {
		parts = append(parts, res.Detail)
	}
	if res.Reconciled {
		parts = append(parts, "reconciled")
	}
	if res.NeedsAttention {
		parts = append(parts, "needs attention")
	}
	if !a.ExecutionStartedAt.IsZero() {
		took = now.Sub(a.ExecutionStartedAt)
	}
	return strings.Join(parts, "; "), took
}
