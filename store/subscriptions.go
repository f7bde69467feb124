package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Errors of subscriptions, for errors.Is. The errors returned wrap them with the operation and
// the subscription concerned.
var (
	// ErrDuplicate means an identical subscription (same platform, channel, kind and scope)
	// exists; a *DuplicateError of CreateApproval (an open request on the same subject) matches it
	// too.
	ErrDuplicate = errors.New("an identical subscription already exists")
	// ErrFromConfig means the subscription comes from the configuration file and is changed there.
	ErrFromConfig = errors.New("the subscription comes from the configuration file; change it there")
)

// Subscription says which alerts a chat channel receives.
type Subscription struct {
	ID       uint64 `json:"id"`
	Platform string `json:"platform"`
	Channel  string `json:"channel"`
	Kind     string `json:"kind"`  // "expiry", "arrears", "health", "forecast" or "all"
	Scope    string `json:"scope"` // "*", a customer id, or "label:X"
	// ScopeName is for display, e.g. the customer's name.
	ScopeName string `json:"scope_name,omitempty"`
	// Days are the expiry thresholds in days, sorted descending, e.g. [30 15 7 3 1].
	Days       []int     `json:"days,omitempty"`
	CreatedBy  Actor     `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
	FromConfig bool      `json:"from_config,omitempty"`
}

// ChannelKey is "platform:channel", the channel the subscription delivers to.
func (s *Subscription) ChannelKey() string { return channelKey(s.Platform, s.Channel) }

// subscriptionKinds are the valid Subscription.Kind values.
var subscriptionKinds = []string{"expiry", "arrears", "health", "forecast", "report", "all"}

// sameTarget reports whether a and b are the same subscription: same channel, kind and scope.
func (s *Subscription) sameTarget(o *Subscription) bool {
	return s.Platform == o.Platform && s.Channel == o.Channel && s.Kind == o.Kind && s.Scope == o.Scope
}

// describe is "#id kind scope", for audit entries.
func (s *Subscription) describe() string {
	return fmt.Sprintf("#%d %s %s", s.ID, s.Kind, s.Scope)
}

// normalize checks sub and puts Days in their canonical order: descending, without repeats.
func (s *Subscription) normalize() error {
	if err := checkChannel(s.Platform, s.Channel); err != nil {
		return err
	}
	if !slices.Contains(subscriptionKinds, s.Kind) {
		return fmt.Errorf("kind %q is not one of %s", s.Kind, strings.Join(subscriptionKinds, ", "))
	}
	switch label, isLabel := strings.CutPrefix(s.Scope, "label:"); {
	case s.Scope == "":
		return errors.New(`empty scope (use "*" for all customers)`)
	case isLabel && label == "":
		return fmt.Errorf("scope %q names no label", s.Scope)
	case strings.ContainsRune(s.Scope, 0):
		return fmt.Errorf("scope %q contains a NUL byte", s.Scope)
	}
	for _, d := range s.Days {
		if d < 0 {
			return fmt.Errorf("negative expiry threshold %d days", d)
		}
	}
	if len(s.Days) == 0 {
		s.Days = nil
	} else {
		days := slices.Clone(s.Days)
		slices.Sort(days)
		days = slices.Compact(days)
		slices.Reverse(days)
		s.Days = days
	}
	return nil
}

// AddSubscription stores sub and returns it with its ID (from the bucket sequence) and
// CreatedAt = now; FromConfig is cleared (configured subscriptions come only from
// SyncConfigSubscriptions). It needs a platform and a channel, a known Kind and a Scope; Days
// are sorted descending without repeats. A subscription with the same Platform, Channel, Kind
// and Scope already present is refused with an error wrapping ErrDuplicate. The audit entry
// "subscribe #id kind scope" by sub.CreatedBy is written in the same transaction.
func (s *Store) AddSubscription(ctx context.Context, sub Subscription) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, fmt.Errorf("store: add subscription: %w", err)
	}
	sub.FromConfig = false
	if err := sub.normalize(); err != nil {
		return Subscription{}, fmt.Errorf("store: add subscription: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSubscriptions)
		if err != nil {
			return err
		}
		all, err := readSubscriptions(b)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].sameTarget(&sub) {
				return fmt.Errorf("%s %s %s: %w (#%d)", sub.ChannelKey(), sub.Kind, sub.Scope, ErrDuplicate, all[i].ID)
			}
		}
		now := s.now().Round(0)
		if sub.ID, err = b.NextSequence(); err != nil {
			return fmt.Errorf("next id: %w", err)
		}
		sub.CreatedAt = now
		if err := putJSON(b, idKey(sub.ID), sub); err != nil {
			return fmt.Errorf("subscription #%d: %w", sub.ID, err)
		}
		return s.auditChannel(tx, now, sub.CreatedBy, "subscribe "+sub.describe(), subscriptionDetail(&sub))
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("store: add subscription: %w", err)
	}
	return sub, nil
}

// Subscriptions returns the subscriptions of channel platform:channel, ordered by ID; platform
// and channel both "" list every channel's. Only both "" widen the listing: one of them "" is
// matched as is (and no subscription has an empty platform or channel).
func (s *Store) Subscriptions(ctx context.Context, platform, channel string) ([]Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	all := platform == "" && channel == ""
	var out []Subscription
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSubscriptions)
		if err != nil {
			return err
		}
		subs, err := readSubscriptions(b)
		if err != nil {
			return err
		}
		for _, sub := range subs {
			if all || (sub.Platform == platform && sub.Channel == channel) {
				out = append(out, sub)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: subscriptions: %w", err)
	}
	return out, nil
}

// RemoveSubscription deletes subscription id of channel platform:channel and returns it. A
// subscription that does not exist or belongs to another channel is an error wrapping
// ErrNotFound; one from the configuration is refused with an error wrapping ErrFromConfig. The
// audit entry "unsubscribe #id kind scope" by by is written in the same transaction.
func (s *Store) RemoveSubscription(ctx context.Context, id uint64, platform, channel string, by Actor) (Subscription, error) {
	if err := ctx.Err(); err != nil {
		return Subscription{}, fmt.Errorf("store: remove subscription #%d: %w", id, err)
	}
	var sub Subscription
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSubscriptions)
		if err != nil {
			return err
		}
		v := b.Get(idKey(id))
		if v == nil {
			return fmt.Errorf("subscription %w", ErrNotFound)
		}
		if err := json.Unmarshal(v, &sub); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		sub.ID = id
		switch {
		case sub.Platform != platform || sub.Channel != channel:
			// Not a subscription of this channel: say no more than for a missing one.
			return fmt.Errorf("subscription %w in %s", ErrNotFound, channelKey(platform, channel))
		case sub.FromConfig:
			return ErrFromConfig
		}
		if err := b.Delete(idKey(id)); err != nil {
			return err
		}
		return s.auditChannel(tx, s.now().Round(0), by, "unsubscribe "+sub.describe(), subscriptionDetail(&sub))
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("store: remove subscription #%d: %w", id, err)
	}
	return sub, nil
}

// SyncConfigSubscriptions makes the configured subscriptions (FromConfig) those of subs, in one
// transaction: each is checked as by AddSubscription, marked FromConfig, and gets a new ID and
// CreatedAt (CreatedBy defaults to the system); subscriptions made by users are untouched, even
// one identical to a configured one. Two identical entries in subs are refused with an error
// wrapping ErrDuplicate, and nothing changes. If the configured subscriptions already equal subs
// (same entries in the same order), nothing is written and they keep their IDs; otherwise one
// audit entry by the system records the replacement.
func (s *Store) SyncConfigSubscriptions(ctx context.Context, subs []Subscription) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: sync config subscriptions: %w", err)
	}
	want := make([]Subscription, len(subs))
	for i, sub := range subs {
		sub.ID, sub.CreatedAt, sub.FromConfig = 0, time.Time{}, true
		if sub.CreatedBy == (Actor{}) {
			sub.CreatedBy = systemActor
		}
		if err := sub.normalize(); err != nil {
			return fmt.Errorf("store: sync config subscriptions: entry %d: %w", i, err)
		}
		for j := range want[:i] {
			if want[j].sameTarget(&sub) {
				return fmt.Errorf("store: sync config subscriptions: entry %d (%s %s %s): %w (entry %d)", i, sub.ChannelKey(), sub.Kind, sub.Scope, ErrDuplicate, j)
			}
		}
		want[i] = sub
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSubscriptions)
		if err != nil {
			return err
		}
		all, err := readSubscriptions(b)
		if err != nil {
			return err
		}
		var old []Subscription
		for _, sub := range all {
			if sub.FromConfig {
				old = append(old, sub)
			}
		}
		if slices.EqualFunc(old, want, sameConfig) {
			return nil
		}
		for _, sub := range old {
			if err := b.Delete(idKey(sub.ID)); err != nil {
				return fmt.Errorf("delete #%d: %w", sub.ID, err)
			}
		}
		now := s.now().Round(0)
		added := make([]string, len(want))
		for i := range want {
			sub := &want[i]
			if sub.ID, err = b.NextSequence(); err != nil {
				return fmt.Errorf("next id: %w", err)
			}
			sub.CreatedAt = now
			if err := putJSON(b, idKey(sub.ID), sub); err != nil {
				return fmt.Errorf("subscription #%d: %w", sub.ID, err)
			}
			added[i] = fmt.Sprintf("#%d", sub.ID)
		}
		detail := fmt.Sprintf("%d removed, %d added", len(old), len(want))
		if len(added) > 0 {
			detail += ": " + strings.Join(added, " ")
		}
		_, err = s.appendAudit(tx, AuditEntry{
			At:       now,
			Platform: systemActor.Platform,
			UserID:   systemActor.UserID,
			Command:  "sync config subscriptions",
			Result:   "ok",
			Detail:   truncate(detail, maxAuditDetail),
		})
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: sync config subscriptions: %w", err)
	}
	return nil
}

// sameConfig reports whether stored configured subscription a is what b (normalized, not yet
// stored) would write, apart from ID and CreatedAt.
func sameConfig(a, b Subscription) bool {
	return a.sameTarget(&b) && a.ScopeName == b.ScopeName && slices.Equal(a.Days, b.Days) &&
		a.CreatedBy == b.CreatedBy && a.FromConfig == b.FromConfig
}

// readSubscriptions decodes the whole subscriptions bucket, in ID order. The bucket holds a few
// per channel, so reading it whole is cheap.
func readSubscriptions(b *bolt.Bucket) ([]Subscription, error) {
	var out []Subscription
	err := b.ForEach(func(k, v []byte) error {
		if len(k) != 8 {
			return fmt.Errorf("subscription key %x is not an 8-byte id", k)
		}
		var sub Subscription
		if err := json.Unmarshal(v, &sub); err != nil {
			return fmt.Errorf("decode subscription %x: %w", k, err)
		}
		sub.ID = binary.BigEndian.Uint64(k) // the key is authoritative
		out = append(out, sub)
		return nil
	})
	return out, err
}

// subscriptionDetail is the audit detail of a subscription: its channel and thresholds.
func subscriptionDetail(sub *Subscription) string {
	var d bytes.Buffer
	d.WriteString("channel " + sub.ChannelKey())
	if len(sub.Days) > 0 {
		d.WriteString(" days ")
		for i, n := range sub.Days {
			if i > 0 {
				d.WriteByte(',')
			}
			d.WriteString(strconv.Itoa(n))
		}
	}
	return d.String()
}

// auditChannel appends the audit entry of a change to a channel's alert settings, by by, within
// tx. Result is "ok": refused changes write nothing.
func (s *Store) auditChannel(tx *bolt.Tx, now time.Time, by Actor, command, detail string) error {
	_, err := s.appendAudit(tx, AuditEntry{
		At:       now,
		Platform: by.Platform,
		UserID:   by.UserID,
		UserName: by.UserName,
		Channel:  by.Channel,
		Command:  command,
		Result:   "ok",
		Detail:   truncate(detail, maxAuditDetail),
	})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// channelKey is "platform:channel", the key of a channel in quiet_hours and snoozes.
func channelKey(platform, channel string) string { return platform + ":" + channel }

// checkChannel insists on a platform without ':' (so that "platform:channel" splits at the first
// one) and a channel, neither containing NUL (the separator in snooze keys).
func checkChannel(platform, channel string) error {
	switch {
	case platform == "" || channel == "":
		return fmt.Errorf("channel %q needs a platform and a channel id", channelKey(platform, channel))
	case strings.ContainsAny(platform, ":\x00"):
		return fmt.Errorf("platform %q contains ':' or NUL", platform)
	case strings.ContainsRune(channel, 0):
		return fmt.Errorf("channel %q contains a NUL byte", channel)
	case len(platform)+1+len(channel) > bolt.MaxKeySize/2:
		return fmt.Errorf("channel id of %d bytes is too long", len(channel))
	}
	return nil
}
