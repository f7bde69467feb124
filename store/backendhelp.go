package store

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
