package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Notice is a message that must reach a channel or a person, kept in the outbox until a sender
// has delivered it ([Store.AckNotice]) and retried until then ([Store.RetryNotice]).
type Notice struct {
	ID       uint64 `json:"id"`
	Platform string `json:"platform"`          // "slack", "telegram", "wecom", "console" ...
	Channel  string `json:"channel,omitempty"` // where to send; "" = to UserID directly
	UserID   string `json:"user_id,omitempty"` // the recipient of a direct message
	Kind     string `json:"kind,omitempty"`    // "approval", "alert", ...
	// Body is the message itself, opaque to the store (a reply, written by chat.EncodeNotice and read by chat.DecodeNotice).
	Body json.RawMessage `json:"body,omitempty"`
	// Bodies, if set, hold the message in the other languages it was rendered in ("zh", "en"):
	// the dispatcher sends the one in the recipient's language at delivery (see
	// [Store.NoticeLang]), Body (the default language's) when there is none in that language.
	Bodies map[string]json.RawMessage `json:"bodies,omitempty"`
	// DedupeKey, if set, makes enqueueing idempotent: a notice whose key is already queued, or
	// was delivered within the store's delivered-notice retention (Options.NoticeRetention,
	// NoticeDedupeWindow by default), is not queued again.
	DedupeKey   string    `json:"dedupe_key,omitempty"`
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt"`
	CreatedAt   time.Time `json:"created_at"`
	LastError   string    `json:"last_error,omitempty"`
	// ParkedAt is set when the platform said the notice can never be delivered as addressed
	// (channel gone, bot removed or blocked): it stays in the outbox, is not retried, and does
	// not hold back other notices, until an admin requeues it.
	ParkedAt time.Time `json:"parked_at,omitzero"`
}

// NoticeDedupeWindow is how long a delivered notice's DedupeKey keeps an equal one out when
// Options.NoticeRetention is zero.
const NoticeDedupeWindow = 30 * 24 * time.Hour

// noticeWindow is how long this store remembers a delivered notice's DedupeKey.
func (s *Store) noticeWindow() time.Duration {
	if s.noticeRetention > 0 {
		return s.noticeRetention
	}
	return NoticeDedupeWindow
}

// Limits of the outbox.
const (
	DefaultNoticeLimit = 100 // DueNotices with limit <= 0
	MaxNoticeError     = 300 // bytes of LastError kept
)

// dedupePruneBatch is how many expired dedupe keys one AckNotice forgets at most, so that the
// key table stays bounded without a long transaction.
const dedupePruneBatch = 16

// maxDedupeKey keeps outbox_sent keys (8 bytes of time + the dedupe key) within bbolt's limit.
const maxDedupeKey = bolt.MaxKeySize - 8

// dedupeRecord is the value of outbox_keys: the notice that holds the key, and when it was
// delivered (zero while it is queued).
type dedupeRecord struct {
	ID          uint64    `json:"id"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

// idKey is the 8-byte big-endian form of an id, so that bbolt's byte order is numeric order.
func idKey(id uint64) []byte { return auditKey(id) }

// EnqueueNotices queues ns in one transaction. See [Store.EnqueueNoticesTx].
func (s *Store) EnqueueNotices(ctx context.Context, ns ...Notice) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: enqueue notices: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error { return s.EnqueueNoticesTx(tx, s.now(), ns...) })
	if err != nil {
		return fmt.Errorf("store: enqueue notices: %w", err)
	}
	return nil
}

// EnqueueNoticesTx queues ns within tx, so that a state change and the notices announcing it
// commit together. Each notice gets a new ID and CreatedAt = now; a zero NextAttempt becomes now;
// Attempts and LastError start empty. A notice needs a Platform and a Channel or a UserID. A
// notice whose DedupeKey is already queued, or was delivered less than the store's
// delivered-notice retention before now, is skipped (also within ns).
func (s *Store) EnqueueNoticesTx(tx *bolt.Tx, now time.Time, ns ...Notice) error {
	if len(ns) == 0 {
		return nil
	}
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return err
	}
	keys, err := bucket(tx, bucketOutboxKeys)
	if err != nil {
		return err
	}
	for i, n := range ns {
		if n.Platform == "" || (n.Channel == "" && n.UserID == "") {
			return fmt.Errorf("notice %d (%s): needs a platform and a channel or a user", i, n.Kind)
		}
		if len(n.DedupeKey) > maxDedupeKey {
			return fmt.Errorf("notice %d (%s): dedupe key of %d bytes is too long (max %d)", i, n.Kind, len(n.DedupeKey), maxDedupeKey)
		}
		if n.DedupeKey != "" {
			dup, err := dedupeHeld(outbox, keys, n.DedupeKey, now, s.noticeWindow())
			if err != nil {
				return err
			}
			if dup {
				continue
			}
		}
		id, err := outbox.NextSequence()
		if err != nil {
			return fmt.Errorf("next notice id: %w", err)
		}
		n.ID = id
		n.CreatedAt = now
		if n.NextAttempt.IsZero() {
			n.NextAttempt = now
		}
		n.Attempts, n.LastError, n.ParkedAt = 0, "", time.Time{}
		if err := putJSON(outbox, idKey(id), n); err != nil {
			return fmt.Errorf("notice %d: %w", id, err)
		}
		if n.DedupeKey != "" {
			if err := putJSON(keys, []byte(n.DedupeKey), dedupeRecord{ID: id}); err != nil {
				return fmt.Errorf("notice %d: dedupe key: %w", id, err)
			}
		}
	}
	return nil
}

// dedupeHeld reports whether key belongs to a queued notice or to one delivered within the window.
func dedupeHeld(outbox, keys *bolt.Bucket, key string, now time.Time, window time.Duration) (bool, error) {
	v := keys.Get([]byte(key))
	if v == nil {
		return false, nil
	}
	var r dedupeRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return false, fmt.Errorf("decode dedupe key %q: %w", key, err)
	}
	if r.DeliveredAt.IsZero() {
		return outbox.Get(idKey(r.ID)) != nil, nil
	}
	return now.Sub(r.DeliveredAt) < window, nil
}

// DueNotices returns the queued notices with NextAttempt at or before now, oldest (lowest ID)
// first, at most limit (<= 0 means DefaultNoticeLimit). It reads the whole outbox, which holds
// only undelivered notices.
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: due notices: %w", err)
	}
	if limit <= 0 {
		limit = DefaultNoticeLimit
	}
	var out []Notice
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.First(); k != nil && len(out) < limit; k, v = c.Next() {
			var n Notice
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("decode notice %x: %w", k, err)
			}
			n.ID = binary.BigEndian.Uint64(k)
			if n.ParkedAt.IsZero() && !n.NextAttempt.After(now) {
				out = append(out, n)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: due notices: %w", err)
	}
	return out, nil
}

// AckNotice records that notice id was delivered: it leaves the outbox, and its DedupeKey is
// remembered for the delivered-notice retention. A notice not in the outbox (never queued, or already acked)
// is an error wrapping ErrNotFound.
func (s *Store) AckNotice(ctx context.Context, id uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: ack notice %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		n, outbox, err := getNotice(tx, id)
		if err != nil {
			return err
		}
		if err := outbox.Delete(idKey(id)); err != nil {
			return err
		}
		if n.DedupeKey == "" {
			return nil
		}
		now := s.now()
		keys, err := bucket(tx, bucketOutboxKeys)
		if err != nil {
			return err
		}
		sent, err := bucket(tx, bucketOutboxSent)
		if err != nil {
			return err
		}
		if err := putJSON(keys, []byte(n.DedupeKey), dedupeRecord{ID: id, DeliveredAt: now}); err != nil {
			return fmt.Errorf("dedupe key: %w", err)
		}
		if err := sent.Put(sentKey(now, n.DedupeKey), []byte{}); err != nil {
			return fmt.Errorf("dedupe index: %w", err)
		}
		_, err = pruneDedupe(keys, sent, now.Add(-s.noticeWindow()), dedupePruneBatch)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: ack notice %d: %w", id, err)
	}
	return nil
}

// sentKey is the key of outbox_sent: the delivery time in big-endian Unix nanoseconds followed
// by the dedupe key, so that the oldest deliveries come first.
func sentKey(at time.Time, key string) []byte {
	k := make([]byte, 8, 8+len(key))
	binary.BigEndian.PutUint64(k, uint64(at.UnixNano()))
	return append(k, key...)
}

// pruneDedupe forgets up to batch keys delivered before cutoff and returns how many index
// entries it removed. A key queued again since (its record no longer delivered at the indexed
// time) keeps its record.
func pruneDedupe(keys, sent *bolt.Bucket, cutoff time.Time, batch int) (int, error) {
	var doomed [][]byte
	c := sent.Cursor()
	for k, _ := c.First(); k != nil && len(doomed) < batch; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) >= cutoff.UnixNano() {
			break
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		at, key := int64(binary.BigEndian.Uint64(k[:8])), k[8:]
		if v := keys.Get(key); v != nil {
			var r dedupeRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return 0, fmt.Errorf("decode dedupe key %q: %w", key, err)
			}
			if !r.DeliveredAt.IsZero() && r.DeliveredAt.UnixNano() == at {
				if err := keys.Delete(key); err != nil {
					return 0, err
				}
			}
		}
		if err := sent.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// RetryNotice records a failed delivery of notice id: Attempts+1, NextAttempt = next, and
// LastError = errText (cut to MaxNoticeError bytes). A notice not in the outbox is an error
// wrapping ErrNotFound.
func (s *Store) RetryNotice(ctx context.Context, id uint64, next time.Time, errText string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: retry notice %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		n, outbox, err := getNotice(tx, id)
		if err != nil {
			return err
		}
		n.Attempts++
		n.NextAttempt = next
		n.LastError = truncate(errText, MaxNoticeError)
		return putJSON(outbox, idKey(id), n)
	})
	if err != nil {
		return fmt.Errorf("store: retry notice %d: %w", id, err)
	}
	return nil
}

// PostponeNotice moves a notice's next attempt to next without counting a failed attempt
// (quiet hours, or waiting behind an earlier notice to the same place).
func (s *Store) PostponeNotice(ctx context.Context, id uint64, next time.Time) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: postpone notice %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		n, outbox, err := getNotice(tx, id)
		if err != nil {
			return err
		}
		n.NextAttempt = next
		return putJSON(outbox, idKey(id), n)
	})
	if err != nil {
		return fmt.Errorf("store: postpone notice %d: %w", id, err)
	}
	return nil
}

// ParkNotice sets notice id aside because it can never be delivered as addressed, recording
// why, and queues notify (telling the admins) in the same transaction. A notice not in the
// outbox is an error wrapping ErrNotFound.
func (s *Store) ParkNotice(ctx context.Context, id uint64, reason string, notify ...Notice) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: park notice %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		n, outbox, err := getNotice(tx, id)
		if err != nil {
			return err
		}
		n.Attempts++
		n.ParkedAt = s.now()
		n.LastError = truncate(reason, MaxNoticeError)
		if err := putJSON(outbox, idKey(id), n); err != nil {
			return err
		}
		return s.EnqueueNoticesTx(tx, s.now(), notify...)
	})
	if err != nil {
		return fmt.Errorf("store: park notice %d: %w", id, err)
	}
	return nil
}

// ParkedNotices lists the parked notices, oldest first.
func (s *Store) ParkedNotices(ctx context.Context) ([]Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: parked notices: %w", err)
	}
	var out []Notice
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var n Notice
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("decode notice %x: %w", k, err)
			}
			if !n.ParkedAt.IsZero() {
				n.ID = binary.BigEndian.Uint64(k)
				out = append(out, n)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: parked notices: %w", err)
	}
	return out, nil
}

// RequeueNotice puts a parked notice back in line, due now (after an admin fixed the channel).
// A notice not in the outbox is an error wrapping ErrNotFound.
func (s *Store) RequeueNotice(ctx context.Context, id uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: requeue notice %d: %w", id, err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		n, outbox, err := getNotice(tx, id)
		if err != nil {
			return err
		}
		n.ParkedAt, n.NextAttempt = time.Time{}, s.now()
		return putJSON(outbox, idKey(id), n)
	})
	if err != nil {
		return fmt.Errorf("store: requeue notice %d: %w", id, err)
	}
	return nil
}

// PendingNotices is the number of notices not yet delivered.
func (s *Store) PendingNotices(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: pending notices: %w", err)
	}
	n := 0
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("store: pending notices: %w", err)
	}
	return n, nil
}

// getNotice reads notice id and returns it with the outbox bucket.
func getNotice(tx *bolt.Tx, id uint64) (Notice, *bolt.Bucket, error) {
	outbox, err := bucket(tx, bucketOutbox)
	if err != nil {
		return Notice{}, nil, err
	}
	v := outbox.Get(idKey(id))
	if v == nil {
		return Notice{}, nil, fmt.Errorf("notice %w", ErrNotFound)
	}
	var n Notice
	if err := json.Unmarshal(v, &n); err != nil {
		return Notice{}, nil, fmt.Errorf("decode: %w", err)
	}
	n.ID = id
	return n, outbox, nil
}

// putJSON encodes v and stores it under k.
func putJSON(b *bolt.Bucket, k []byte, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	return b.Put(k, raw)
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
