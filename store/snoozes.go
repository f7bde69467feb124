package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Snooze silences the alerts about one resource or customer (Target) in one channel until Until.
type Snooze struct {
	Platform string    `json:"platform"`
	Channel  string    `json:"channel"`
	Target   string    `json:"target"` // a resource id or a customer id
	Until    time.Time `json:"until"`
	By       Actor     `json:"by"`
	At       time.Time `json:"at"` // when it was set
}

// snoozeKey is the key of the snoozes bucket: "platform:channel", NUL, target.
func snoozeKey(platform, channel, target string) []byte {
	return []byte(channelKey(platform, channel) + "\x00" + target)
}

// checkTarget insists on a non-empty target without NUL that fits in a key.
func checkTarget(platform, channel, target string) error {
	switch {
	case target == "":
		return errors.New("no target (resource or customer id)")
	case strings.ContainsRune(target, 0):
		return fmt.Errorf("target %q contains a NUL byte", target)
	case len(snoozeKey(platform, channel, target)) > bolt.MaxKeySize:
		return fmt.Errorf("target of %d bytes is too long", len(target))
	}
	return nil
}

// Snooze stores sn with At = now, replacing any snooze of the same Platform, Channel and Target.
// Until must be after now. The audit entry "snooze <target> until <time>" by sn.By is written in
// the same transaction.
func (s *Store) Snooze(ctx context.Context, sn Snooze) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: snooze %s: %w", sn.Target, err)
	}
	if err := checkChannel(sn.Platform, sn.Channel); err != nil {
		return fmt.Errorf("store: snooze %s: %w", sn.Target, err)
	}
	if err := checkTarget(sn.Platform, sn.Channel, sn.Target); err != nil {
		return fmt.Errorf("store: snooze: %w", err)
	}
	sn.Until = sn.Until.Round(0)
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSnoozes)
		if err != nil {
			return err
		}
		now := s.now().Round(0)
		if !sn.Until.After(now) {
			return fmt.Errorf("until %s is not after now (%s)", sn.Until.Format(time.RFC3339), now.Format(time.RFC3339))
		}
		sn.At = now
		if err := putJSON(b, snoozeKey(sn.Platform, sn.Channel, sn.Target), sn); err != nil {
			return err
		}
		return s.auditChannel(tx, now, sn.By,
			fmt.Sprintf("snooze %s until %s", sn.Target, sn.Until.Format(time.RFC3339)),
			"channel "+channelKey(sn.Platform, sn.Channel))
	})
	if err != nil {
		return fmt.Errorf("store: snooze %s: %w", sn.Target, err)
	}
	return nil
}

// Unsnooze removes the snooze of target in channel platform:channel and reports whether there
// was an active one; then the audit entry "unsnooze <target>" by by is written in the same
// transaction. An expired snooze is deleted without an audit entry, and reported as none.
func (s *Store) Unsnooze(ctx context.Context, platform, channel, target string, by Actor) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: unsnooze %s: %w", target, err)
	}
	if err := checkChannel(platform, channel); err != nil {
		return false, fmt.Errorf("store: unsnooze %s: %w", target, err)
	}
	if err := checkTarget(platform, channel, target); err != nil {
		return false, fmt.Errorf("store: unsnooze: %w", err)
	}
	active := false
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSnoozes)
		if err != nil {
			return err
		}
		key := snoozeKey(platform, channel, target)
		v := b.Get(key)
		if v == nil {
			return nil
		}
		var sn Snooze
		if err := json.Unmarshal(v, &sn); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		if err := b.Delete(key); err != nil {
			return err
		}
		now := s.now().Round(0)
		if !sn.Until.After(now) {
			return nil
		}
		active = true
		return s.auditChannel(tx, now, by, "unsnooze "+target, "channel "+channelKey(platform, channel))
	})
	if err != nil {
		return false, fmt.Errorf("store: unsnooze %s: %w", target, err)
	}
	return active, nil
}

// Snoozes returns the active snoozes (Until after now) of channel platform:channel, ordered by
// target; platform and channel both "" list every channel's, ordered by channel key, then target.
// Only both "" widen the listing: one of them "" is matched as is (and no snooze has an empty
// platform or channel). Expired snoozes met on the way are deleted (by a read-write store).
func (s *Store) Snoozes(ctx context.Context, platform, channel string) ([]Snooze, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: snoozes: %w", err)
	}
	var prefix []byte
	if platform != "" || channel != "" {
		if checkChannel(platform, channel) != nil {
			return nil, nil // never stored
		}
		prefix = snoozeKey(platform, channel, "")
	}
	var (
		out     []Snooze
		expired [][]byte
	)
	now := s.now().Round(0)
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSnoozes)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			var sn Snooze
			if err := json.Unmarshal(v, &sn); err != nil {
				return fmt.Errorf("decode snooze %q: %w", k, err)
			}
			if sn.Until.After(now) {
				out = append(out, sn)
			} else {
				expired = append(expired, bytes.Clone(k))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: snoozes: %w", err)
	}
	if len(expired) > 0 && !s.readOnly {
		if err := s.dropExpiredSnoozes(ctx, expired, now); err != nil {
			return nil, fmt.Errorf("store: snoozes: drop expired: %w", err)
		}
	}
	return out, nil
}

// dropExpiredSnoozes deletes the snoozes at keys that are still expired at now (one may have
// been renewed since it was read).
func (s *Store) dropExpiredSnoozes(ctx context.Context, keys [][]byte, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSnoozes)
		if err != nil {
			return err
		}
		for _, k := range keys {
			v := b.Get(k)
			if v == nil {
				continue
			}
			var sn Snooze
			if err := json.Unmarshal(v, &sn); err != nil {
				return fmt.Errorf("decode snooze %q: %w", k, err)
			}
			if sn.Until.After(now) {
				continue
			}
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}
