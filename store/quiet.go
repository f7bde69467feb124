package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// QuietHours is a channel's daily window in which alerts wait (they are sent when it ends, never
// dropped). Start and End are "HH:MM" in the bot's time zone; a window with End before Start
// spans midnight, e.g. 22:00 to 08:00.
type QuietHours struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// clockLayout is the format of QuietHours.Start and End.
const clockLayout = "15:04"

// normalize checks q and writes its times as "HH:MM" (so "8:00" becomes "08:00"). Start and End
// must differ: an empty or all-day window is ambiguous.
func (q *QuietHours) normalize() error {
	start, err := time.Parse(clockLayout, q.Start)
	if err != nil {
		return fmt.Errorf("quiet hours start %q is not HH:MM", q.Start)
	}
	end, err := time.Parse(clockLayout, q.End)
	if err != nil {
		return fmt.Errorf("quiet hours end %q is not HH:MM", q.End)
	}
	if start.Equal(end) {
		return fmt.Errorf("quiet hours start and end are both %s", start.Format(clockLayout))
	}
	q.Start, q.End = start.Format(clockLayout), end.Format(clockLayout)
	return nil
}

// SetQuietHours sets the quiet hours of channel platform:channel (times normalized to "HH:MM"),
// or clears them if q is nil. The audit entry "quiet HH:MM-HH:MM" or "quiet off" by by is written
// in the same transaction; clearing a channel that has none writes nothing.
func (s *Store) SetQuietHours(ctx context.Context, platform, channel string, q *QuietHours, by Actor) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: set quiet hours of %s: %w", channelKey(platform, channel), err)
	}
	if err := checkChannel(platform, channel); err != nil {
		return fmt.Errorf("store: set quiet hours: %w", err)
	}
	var qh QuietHours
	if q != nil {
		qh = *q
		if err := qh.normalize(); err != nil {
			return fmt.Errorf("store: set quiet hours of %s: %w", channelKey(platform, channel), err)
		}
	}
	key := []byte(channelKey(platform, channel))
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketQuietHours)
		if err != nil {
			return err
		}
		command := "quiet off"
		if q == nil {
			if b.Get(key) == nil {
				return nil
			}
			if err := b.Delete(key); err != nil {
				return err
			}
		} else {
			if err := putJSON(b, key, qh); err != nil {
				return err
			}
			command = "quiet " + qh.Start + "-" + qh.End
		}
		return s.auditChannel(tx, s.now().Round(0), by, command, "channel "+string(key))
	})
	if err != nil {
		return fmt.Errorf("store: set quiet hours of %s: %w", key, err)
	}
	return nil
}

// QuietHours returns the quiet hours of channel platform:channel, or nil and a nil error if it
// has none.
func (s *Store) QuietHours(ctx context.Context, platform, channel string) (*QuietHours, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: quiet hours of %s: %w", channelKey(platform, channel), err)
	}
	if err := checkChannel(platform, channel); err != nil {
		return nil, fmt.Errorf("store: quiet hours: %w", err)
	}
	var q *QuietHours
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketQuietHours)
		if err != nil {
			return err
		}
		v := b.Get([]byte(channelKey(platform, channel)))
		if v == nil {
			return nil
		}
		q = new(QuietHours)
		if err := json.Unmarshal(v, q); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: quiet hours of %s: %w", channelKey(platform, channel), err)
	}
	return q, nil
}
