package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// maxKey is bbolt's key limit, which the etcd store keeps too, so that both refuse the same keys.
const maxKey = 32768

// checkLedgerKey insists on a non-empty key within the limit.
func checkLedgerKey(k string) error {
	switch {
	case k == "":
		return errors.New("empty ledger key")
	case len(k) > maxKey:
		return fmt.Errorf("ledger key of %d bytes is too long (max %d)", len(k), maxKey)
	}
	return nil
}

// LedgerPrefix returns every ledger entry whose key starts with prefix ("" = all of them).
func (s *Store) LedgerPrefix(ctx context.Context, prefix string) (map[string]json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: ledger prefix %q: %w", prefix, err)
	}
	out := make(map[string]json.RawMessage)
	table := s.under("ledger")
	err := s.pagesAsc(ctx, table+prefix, func(k string, v []byte) (bool, error) {
		out[lastName(k, table)] = v
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: ledger prefix %q: %w", prefix, err)
	}
	return out, nil
}

// CommitAlerts, in one transaction, deletes the ledger entries deletes, writes puts and queues
// notices: all of it or nothing (an invalid key, value or notice is refused before anything is
// written). Deletes come first, so a key both deleted and put ends up put. Scans committing the
// same alert at once queue its notice once (its DedupeKey is read and compared). A whole scan's
// commit larger than one etcd Txn is written in chunks: see commitAlertsChunked.
func (s *Store) CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []store.Notice) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: commit alerts: %w", err)
	}
	putKeys := slices.Sorted(maps.Keys(puts))
	for _, k := range putKeys {
		if err := checkLedgerKey(k); err != nil {
			return fmt.Errorf("etcdstore: commit alerts: put: %w", err)
		}
		if !json.Valid(puts[k]) {
			return fmt.Errorf("etcdstore: commit alerts: ledger value of %q is not valid JSON", k)
		}
	}
	for _, k := range deletes {
		if err := checkLedgerKey(k); err != nil {
			return fmt.Errorf("etcdstore: commit alerts: delete: %w", err)
		}
	}
	for i, n := range notices {
		if err := checkNotice(i, n); err != nil {
			return fmt.Errorf("etcdstore: commit alerts: notices: %w", err)
		}
	}
	if len(puts) == 0 && len(deletes) == 0 && len(notices) == 0 {
		return nil
	}
	err := s.update(ctx, func(t *tx) error {
		for _, k := range deletes {
			t.del(s.key("ledger", k))
		}
		for _, k := range putKeys {
			t.put(s.key("ledger", k), puts[k])
		}
		if err := s.enqueue(t, s.now(), notices...); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		return nil
	})
	if errors.Is(err, ErrTooLarge) {
		err = s.commitAlertsChunked(ctx, putKeys, puts, deletes, notices)
	}
	if err != nil {
		return fmt.Errorf("etcdstore: commit alerts: %w", err)
	}
	return nil
}

// commitAlertsChunked is CommitAlerts for a scan's commit larger than one Txn: the notices
// first, as many to a Txn as fit, then the ledger in chunks. The boundary is not atomic, in
// the direction that loses nothing: a crash after the notices and before the ledger leaves
// alerts queued but not recorded, so the next scan alerts again, and its notices, carrying the
// same DedupeKeys, are not queued twice (one without a key is repeated once).
func (s *Store) commitAlertsChunked(ctx context.Context, putKeys []string, puts map[string]json.RawMessage, deletes []string, notices []store.Notice) error {
	for from := 0; from < len(notices); {
		n := len(notices) - from
		for {
			part := notices[from : from+n]
			err := s.update(ctx, func(t *tx) error { return s.enqueue(t, s.now(), part...) })
			if err == nil {
				break
			}
			if !errors.Is(err, ErrTooLarge) || n == 1 {
				return fmt.Errorf("notices: %w", err)
			}
			n = (n + 1) / 2
		}
		from += n
	}
	ops := make([]clientv3.Op, 0, len(deletes)+len(putKeys))
	for _, k := range slices.Sorted(slices.Values(deletes)) {
		if _, put := puts[k]; !put { // deleted, then put: the put stands
			ops = append(ops, clientv3.OpDelete(s.key("ledger", k)))
		}
	}
	for _, k := range putKeys {
		ops = append(ops, clientv3.OpPut(s.key("ledger", k), string(puts[k])))
	}
	if _, err := s.writeChunked(ctx, slices.CompactFunc(ops, func(a, b clientv3.Op) bool {
		return string(a.KeyBytes()) == string(b.KeyBytes()) // a key deleted twice
	})); err != nil {
		return fmt.Errorf("ledger: %w", err)
	}
	return nil
}

// The subscriptions live one per key, subscriptions/<id>; a channel has a few, so every change
// reads them all (and the commit compares the listing).

// readSubscriptions lists every subscription within t, in id order.
func (s *Store) readSubscriptions(t *tx) ([]store.Subscription, error) {
	prefix := s.under("subscriptions")
	kvs, err := t.list(prefix, 0)
	if err != nil {
		return nil, err
	}
	out := make([]store.Subscription, 0, len(kvs))
	for _, e := range kvs {
		var sub store.Subscription
		if err := json.Unmarshal(e.val, &sub); err != nil {
			return nil, fmt.Errorf("decode subscription %s: %w", e.key, err)
		}
		id, err := strconv.ParseUint(lastName(e.key, prefix), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("subscription key %s: %w", e.key, err)
		}
		sub.ID = id // the key is authoritative
		out = append(out, sub)
	}
	return out, nil
}

// AddSubscription stores sub with the next id and CreatedAt = now, with its audit entry; an
// identical one (platform, channel, kind, scope) is refused with store.ErrDuplicate.
func (s *Store) AddSubscription(ctx context.Context, sub store.Subscription) (store.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return store.Subscription{}, fmt.Errorf("etcdstore: add subscription: %w", err)
	}
	sub.FromConfig = false
	if err := sub.Normalize(); err != nil {
		return store.Subscription{}, fmt.Errorf("etcdstore: add subscription: %w", err)
	}
	in := sub
	err := s.update(ctx, func(t *tx) error {
		sub = in
		all, err := s.readSubscriptions(t)
		if err != nil {
			return err
		}
		for i := range all {
			if all[i].SameTarget(&sub) {
				return fmt.Errorf("%s %s %s: %w (#%d)", sub.ChannelKey(), sub.Kind, sub.Scope, store.ErrDuplicate, all[i].ID)
			}
		}
		now := s.now().Round(0)
		if sub.ID, err = t.next("subscriptions"); err != nil {
			return fmt.Errorf("next id: %w", err)
		}
		sub.CreatedAt = now
		if err := t.putJSON(s.key("subscriptions", idName(sub.ID)), sub); err != nil {
			return err
		}
		return s.auditChannel(t, now, sub.CreatedBy, "subscribe "+sub.Describe(), sub.AuditDetail())
	})
	if err != nil {
		return store.Subscription{}, fmt.Errorf("etcdstore: add subscription: %w", err)
	}
	return sub, nil
}

// Subscriptions returns the subscriptions of channel platform:channel, ordered by id; both ""
// list every channel's.
func (s *Store) Subscriptions(ctx context.Context, platform, channel string) ([]store.Subscription, error) {
	var out []store.Subscription
	err := s.view(ctx, func(t *tx) error {
		subs, err := s.readSubscriptions(t)
		if err != nil {
			return err
		}
		all := platform == "" && channel == ""
		for _, sub := range subs {
			if all || (sub.Platform == platform && sub.Channel == channel) {
				out = append(out, sub)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: subscriptions: %w", err)
	}
	return out, nil
}

// RemoveSubscription deletes subscription id of channel platform:channel, with its audit entry,
// and returns it: store.ErrNotFound for one missing or of another channel, store.ErrFromConfig
// for a configured one.
func (s *Store) RemoveSubscription(ctx context.Context, id uint64, platform, channel string, by store.Actor) (store.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return store.Subscription{}, fmt.Errorf("etcdstore: remove subscription #%d: %w", id, err)
	}
	var sub store.Subscription
	err := s.update(ctx, func(t *tx) error {
		key := s.key("subscriptions", idName(id))
		sub = store.Subscription{}
		ok, err := t.getJSON(key, &sub)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("subscription %w", store.ErrNotFound)
		}
		sub.ID = id
		switch {
		case sub.Platform != platform || sub.Channel != channel:
			return fmt.Errorf("subscription %w in %s", store.ErrNotFound, platform+":"+channel)
		case sub.FromConfig:
			return store.ErrFromConfig
		}
		t.del(key)
		return s.auditChannel(t, s.now().Round(0), by, "unsubscribe "+sub.Describe(), sub.AuditDetail())
	})
	if err != nil {
		return store.Subscription{}, fmt.Errorf("etcdstore: remove subscription #%d: %w", id, err)
	}
	return sub, nil
}

// SyncConfigSubscriptions makes the configured subscriptions those of subs, in one transaction
// with one audit entry, or writes nothing when they already are.
func (s *Store) SyncConfigSubscriptions(ctx context.Context, subs []store.Subscription) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: sync config subscriptions: %w", err)
	}
	want := make([]store.Subscription, len(subs))
	for i, sub := range subs {
		sub.ID, sub.CreatedAt, sub.FromConfig = 0, time.Time{}, true
		if sub.CreatedBy == (store.Actor{}) {
			sub.CreatedBy = store.SystemActor
		}
		if err := sub.Normalize(); err != nil {
			return fmt.Errorf("etcdstore: sync config subscriptions: entry %d: %w", i, err)
		}
		for j := range want[:i] {
			if want[j].SameTarget(&sub) {
				return fmt.Errorf("etcdstore: sync config subscriptions: entry %d (%s %s %s): %w (entry %d)", i, sub.ChannelKey(), sub.Kind, sub.Scope, store.ErrDuplicate, j)
			}
		}
		want[i] = sub
	}
	err := s.update(ctx, func(t *tx) error {
		all, err := s.readSubscriptions(t)
		if err != nil {
			return err
		}
		var old []store.Subscription
		for _, sub := range all {
			if sub.FromConfig {
				old = append(old, sub)
			}
		}
		if slices.EqualFunc(old, want, store.SameConfigSubscription) {
			return nil
		}
		for _, sub := range old {
			t.del(s.key("subscriptions", idName(sub.ID)))
		}
		now := s.now().Round(0)
		added := make([]string, len(want))
		for i := range want {
			sub := want[i]
			if sub.ID, err = t.next("subscriptions"); err != nil {
				return fmt.Errorf("next id: %w", err)
			}
			sub.CreatedAt = now
			if err := t.putJSON(s.key("subscriptions", idName(sub.ID)), sub); err != nil {
				return err
			}
			added[i] = fmt.Sprintf("#%d", sub.ID)
		}
		detail := fmt.Sprintf("%d removed, %d added", len(old), len(want))
		if len(added) > 0 {
			detail += ": " + strings.Join(added, " ")
		}
		_, err = s.appendAudit(t, store.AuditEntry{At: now, Platform: store.SystemActor.Platform, UserID: store.SystemActor.UserID,
			Command: "sync config subscriptions", Result: "ok", Detail: store.AuditDetailOf(detail)})
		return err
	})
	if err != nil {
		return fmt.Errorf("etcdstore: sync config subscriptions: %w", err)
	}
	return nil
}

// auditChannel appends the audit entry of a change to a channel's alert settings within t.
func (s *Store) auditChannel(t *tx, now time.Time, by store.Actor, command, detail string) error {
	_, err := s.appendAudit(t, store.AuditEntry{At: now, Platform: by.Platform, UserID: by.UserID, UserName: by.UserName,
		Channel: by.Channel, Command: command, Result: "ok", Detail: store.AuditDetailOf(detail)})
	if err != nil {
		return fmt.Errorf("audit: %w", err)
	}
	return nil
}

// snoozeKey is snoozes/<platform:channel> NUL <target>, so that a channel's snoozes share a
// prefix and sort by target.
func (s *Store) snoozeKey(platform, channel, target string) string {
	return s.key("snoozes", platform+":"+channel+"\x00"+target)
}

// Snooze stores sn with At = now, replacing any snooze of the same channel and target, with its
// audit entry. Until must be after now.
func (s *Store) Snooze(ctx context.Context, sn store.Snooze) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: snooze %s: %w", sn.Target, err)
	}
	if err := store.CheckChannel(sn.Platform, sn.Channel); err != nil {
		return fmt.Errorf("etcdstore: snooze %s: %w", sn.Target, err)
	}
	if err := store.CheckSnoozeTarget(sn.Platform, sn.Channel, sn.Target); err != nil {
		return fmt.Errorf("etcdstore: snooze: %w", err)
	}
	sn.Until = sn.Until.Round(0)
	err := s.update(ctx, func(t *tx) error {
		now := s.now().Round(0)
		if !sn.Until.After(now) {
			return fmt.Errorf("until %s is not after now (%s)", sn.Until.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		sn.At = now
		if err := t.putJSON(s.snoozeKey(sn.Platform, sn.Channel, sn.Target), sn); err != nil {
			return err
		}
		return s.auditChannel(t, now, sn.By, fmt.Sprintf("snooze %s until %s", sn.Target, sn.Until.Format(time.RFC3339)),
			"channel "+sn.Platform+":"+sn.Channel)
	})
	if err != nil {
		return fmt.Errorf("etcdstore: snooze %s: %w", sn.Target, err)
	}
	return nil
}

// Unsnooze removes the snooze of target in the channel and reports whether there was an active
// one (then with an audit entry); an expired one is deleted silently and reported as none.
func (s *Store) Unsnooze(ctx context.Context, platform, channel, target string, by store.Actor) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("etcdstore: unsnooze %s: %w", target, err)
	}
	if err := store.CheckChannel(platform, channel); err != nil {
		return false, fmt.Errorf("etcdstore: unsnooze %s: %w", target, err)
	}
	if err := store.CheckSnoozeTarget(platform, channel, target); err != nil {
		return false, fmt.Errorf("etcdstore: unsnooze: %w", err)
	}
	active := false
	err := s.update(ctx, func(t *tx) error {
		active = false
		key := s.snoozeKey(platform, channel, target)
		var sn store.Snooze
		ok, err := t.getJSON(key, &sn)
		if err != nil || !ok {
			return err
		}
		t.del(key)
		now := s.now().Round(0)
		if !sn.Until.After(now) {
			return nil
		}
		active = true
		return s.auditChannel(t, now, by, "unsnooze "+target, "channel "+platform+":"+channel)
	})
	if err != nil {
		return false, fmt.Errorf("etcdstore: unsnooze %s: %w", target, err)
	}
	return active, nil
}

// Snoozes returns the active snoozes of the channel ordered by target (both "" : every
// channel's, by channel, then target); expired ones met on the way are deleted.
func (s *Store) Snoozes(ctx context.Context, platform, channel string) ([]store.Snooze, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: snoozes: %w", err)
	}
	prefix := s.under("snoozes")
	if platform != "" || channel != "" {
		if store.CheckChannel(platform, channel) != nil {
			return nil, nil // never stored
		}
		prefix = s.snoozeKey(platform, channel, "")
	}
	var (
		out     []store.Snooze
		expired []string
	)
	now := s.now().Round(0)
	err := s.pagesAsc(ctx, prefix, func(k string, v []byte) (bool, error) {
		var sn store.Snooze
		if err := json.Unmarshal(v, &sn); err != nil {
			return false, fmt.Errorf("decode snooze %q: %w", k, err)
		}
		if sn.Until.After(now) {
			out = append(out, sn)
		} else {
			expired = append(expired, k)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: snoozes: %w", err)
	}
	// Forget the expired ones that are still expired (one may have been renewed since), a
	// Txn's worth at a time: the next listing forgets the rest.
	if len(expired) > 0 {
		expired = expired[:min(len(expired), MaxTxnOps/2)]
		err := s.update(ctx, func(t *tx) error {
			for _, k := range expired {
				var sn store.Snooze
				ok, err := t.getJSON(k, &sn)
				if err != nil {
					return err
				}
				if ok && !sn.Until.After(now) {
					t.del(k)
				}
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("etcdstore: snoozes: drop expired: %w", err)
		}
	}
	return out, nil
}

// SetQuietHours sets (or, q nil, clears) the quiet hours of the channel, with the audit entry
// "quiet HH:MM-HH:MM" or "quiet off"; clearing a channel that has none writes nothing.
func (s *Store) SetQuietHours(ctx context.Context, platform, channel string, q *store.QuietHours, by store.Actor) error {
	ck := platform + ":" + channel
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: set quiet hours of %s: %w", ck, err)
	}
	if err := store.CheckChannel(platform, channel); err != nil {
		return fmt.Errorf("etcdstore: set quiet hours: %w", err)
	}
	var qh store.QuietHours
	if q != nil {
		qh = *q
		if err := qh.Normalize(); err != nil {
			return fmt.Errorf("etcdstore: set quiet hours of %s: %w", ck, err)
		}
	}
	key := s.key("quiet_hours", ck)
	err := s.update(ctx, func(t *tx) error {
		command := "quiet off"
		if q == nil {
			v, err := t.get(key)
			if err != nil || v == nil {
				return err
			}
			t.del(key)
		} else {
			if err := t.putJSON(key, qh); err != nil {
				return err
			}
			command = "quiet " + qh.Start + "-" + qh.End
		}
		return s.auditChannel(t, s.now().Round(0), by, command, "channel "+ck)
	})
	if err != nil {
		return fmt.Errorf("etcdstore: set quiet hours of %s: %w", ck, err)
	}
	return nil
}

// QuietHours returns the quiet hours of the channel, or nil and a nil error if it has none.
func (s *Store) QuietHours(ctx context.Context, platform, channel string) (*store.QuietHours, error) {
	ck := platform + ":" + channel
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: quiet hours of %s: %w", ck, err)
	}
	if err := store.CheckChannel(platform, channel); err != nil {
		return nil, fmt.Errorf("etcdstore: quiet hours: %w", err)
	}
	var q *store.QuietHours
	err := s.view(ctx, func(t *tx) error {
		var qh store.QuietHours
		ok, err := t.getJSON(s.key("quiet_hours", ck), &qh)
		if ok {
			q = &qh
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: quiet hours of %s: %w", ck, err)
	}
	return q, nil
}
