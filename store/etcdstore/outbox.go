package etcdstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// maxDedupeKey is the longest DedupeKey accepted, bbolt's limit, so that both backends refuse
// the same notices.
const maxDedupeKey = 32768 - 8

// dedupePruneBatch is how many expired dedupe keys one AckNotice forgets at most.
const dedupePruneBatch = 16

// dedupeRecord is the value of outbox_keys/<key>: the notice that holds the key, and when it
// was delivered (zero while it is queued).
type dedupeRecord struct {
	ID          uint64    `json:"id"`
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
}

func (s *Store) noticeKey(id uint64) string { return s.key("outbox", idName(id)) }

// EnqueueNotices queues ns in one transaction: all of them or, when one is invalid, none.
func (s *Store) EnqueueNotices(ctx context.Context, ns ...store.Notice) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: enqueue notices: %w", err)
	}
	if len(ns) == 0 {
		return nil
	}
	err := s.update(ctx, func(t *tx) error { return s.enqueue(t, s.now(), ns...) })
	if err != nil {
		return fmt.Errorf("etcdstore: enqueue notices: %w", err)
	}
	return nil
}

// enqueue queues ns within t, as store.Store.EnqueueNoticesTx does: each notice gets a new ID
// and CreatedAt = now; a zero NextAttempt becomes now; a notice needs a Platform and a Channel
// or a UserID; one whose DedupeKey is queued, or was delivered within the retention, is skipped.
func (s *Store) enqueue(t *tx, now time.Time, ns ...store.Notice) error {
	for i, n := range ns {
		if err := checkNotice(i, n); err != nil {
			return err
		}
		if n.DedupeKey != "" {
			dup, err := s.dedupeHeld(t, n.DedupeKey, now)
			if err != nil {
				return err
			}
			if dup {
				continue
			}
		}
		id, err := t.next("outbox")
		if err != nil {
			return fmt.Errorf("next notice id: %w", err)
		}
		n.ID = id
		n.CreatedAt = now
		if n.NextAttempt.IsZero() {
			n.NextAttempt = now
		}
		n.Attempts, n.LastError, n.ParkedAt = 0, "", time.Time{}
		if err := t.putJSON(s.noticeKey(id), n); err != nil {
			return fmt.Errorf("notice %d: %w", id, err)
		}
		if n.DedupeKey != "" {
			if err := t.putJSON(s.key("outbox_keys", n.DedupeKey), dedupeRecord{ID: id}); err != nil {
				return fmt.Errorf("notice %d: dedupe key: %w", id, err)
			}
		}
	}
	return nil
}

// checkNotice refuses notice i of a batch that cannot be queued.
func checkNotice(i int, n store.Notice) error {
	if n.Platform == "" || (n.Channel == "" && n.UserID == "") {
		return fmt.Errorf("notice %d (%s): needs a platform and a channel or a user", i, n.Kind)
	}
	if len(n.DedupeKey) > maxDedupeKey {
		return fmt.Errorf("notice %d (%s): dedupe key of %d bytes is too long (max %d)", i, n.Kind, len(n.DedupeKey), maxDedupeKey)
	}
	return nil
}

// dedupeHeld reports whether key belongs to a queued notice or to one delivered within the
// retention.
func (s *Store) dedupeHeld(t *tx, key string, now time.Time) (bool, error) {
	var r dedupeRecord
	ok, err := t.getJSON(s.key("outbox_keys", key), &r)
	if err != nil || !ok {
		return false, err
	}
	if r.DeliveredAt.IsZero() {
		v, err := t.get(s.noticeKey(r.ID))
		return v != nil, err
	}
	return now.Sub(r.DeliveredAt) < s.noticeWindow(), nil
}

// getNotice reads notice id within t, or an error wrapping store.ErrNotFound.
func (s *Store) getNotice(t *tx, id uint64) (store.Notice, error) {
	var n store.Notice
	ok, err := t.getJSON(s.noticeKey(id), &n)
	if err != nil {
		return store.Notice{}, err
	}
	if !ok {
		return store.Notice{}, fmt.Errorf("notice %w", store.ErrNotFound)
	}
	n.ID = id
	return n, nil
}

// eachNotice calls fn on every queued notice, lowest id first, read at one revision, until fn
// returns false.
func (s *Store) eachNotice(ctx context.Context, fn func(n store.Notice) bool) error {
	prefix := s.under("outbox")
	return s.pagesAsc(ctx, prefix, func(k string, v []byte) (bool, error) {
		var n store.Notice
		if err := json.Unmarshal(v, &n); err != nil {
			return false, fmt.Errorf("decode notice %s: %w", k, err)
		}
		id, err := strconv.ParseUint(lastName(k, prefix), 10, 64)
		if err != nil {
			return false, fmt.Errorf("notice key %s: %w", k, err)
		}
		n.ID = id
		return fn(n), nil
	})
}

// DueNotices returns the queued notices with NextAttempt at or before now, oldest (lowest ID)
// first, at most limit (<= 0 means store.DefaultNoticeLimit).
func (s *Store) DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: due notices: %w", err)
	}
	if limit <= 0 {
		limit = store.DefaultNoticeLimit
	}
	var out []store.Notice
	err := s.eachNotice(ctx, func(n store.Notice) bool {
		if n.ParkedAt.IsZero() && !n.NextAttempt.After(now) {
			out = append(out, n)
		}
		return len(out) < limit
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: due notices: %w", err)
	}
	return out, nil
}

// AckNotice records that notice id was delivered: it leaves the outbox, and its DedupeKey is
// remembered for the retention. It succeeds once per notice: a notice not in the outbox (never
// queued, or already acknowledged) is an error wrapping store.ErrNotFound.
func (s *Store) AckNotice(ctx context.Context, id uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: ack notice %d: %w", id, err)
	}
	err := s.update(ctx, func(t *tx) error {
		n, err := s.getNotice(t, id)
		if err != nil {
			return err
		}
		// Forget old keys first: list before writing.
		now := s.now()
		if _, err := s.pruneDedupe(t, now.Add(-s.noticeWindow()), dedupePruneBatch); err != nil {
			return err
		}
		t.del(s.noticeKey(id))
		if n.DedupeKey == "" {
			return nil
		}
		if err := t.putJSON(s.key("outbox_keys", n.DedupeKey), dedupeRecord{ID: id, DeliveredAt: now}); err != nil {
			return fmt.Errorf("dedupe key: %w", err)
		}
		t.put(s.sentKey(now, n.DedupeKey), []byte{})
		return nil
	})
	if err != nil {
		return fmt.Errorf("etcdstore: ack notice %d: %w", id, err)
	}
	return nil
}

// sentKey is the key of outbox_sent: the delivery time in Unix nanoseconds (20 digits) and the
// dedupe key, so that the oldest deliveries come first.
func (s *Store) sentKey(at time.Time, key string) string {
	return s.key("outbox_sent", fmt.Sprintf("%020d/%s", uint64(at.UnixNano()), key))
}

// pruneDedupe forgets up to batch keys delivered before cutoff, within t. A key queued or
// delivered again since (its record no longer at the indexed time) keeps its record.
func (s *Store) pruneDedupe(t *tx, cutoff time.Time, batch int) (int, error) {
	prefix := s.under("outbox_sent")
	sent, err := t.listLoose(prefix, int64(batch))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, e := range sent {
		at, key, ok := strings.Cut(lastName(e.key, prefix), "/")
		ns, err := strconv.ParseUint(at, 10, 64)
		if !ok || err != nil {
			return n, fmt.Errorf("dedupe index key %s is damaged", e.key)
		}
		if int64(ns) >= cutoff.UnixNano() {
			break
		}
		var r dedupeRecord
		held, err := t.getJSON(s.key("outbox_keys", key), &r)
		if err != nil {
			return n, err
		}
		if held && !r.DeliveredAt.IsZero() && r.DeliveredAt.UnixNano() == int64(ns) {
			t.del(s.key("outbox_keys", key))
		}
		t.del(e.key)
		n++
	}
	return n, nil
}

// changeNotice applies fn to notice id in one transaction; a notice not in the outbox is an
// error wrapping store.ErrNotFound.
func (s *Store) changeNotice(ctx context.Context, op string, id uint64, fn func(t *tx, n *store.Notice) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: %s notice %d: %w", op, id, err)
	}
	err := s.update(ctx, func(t *tx) error {
		n, err := s.getNotice(t, id)
		if err != nil {
			return err
		}
		if err := fn(t, &n); err != nil {
			return err
		}
		return t.putJSON(s.noticeKey(id), n)
	})
	if err != nil {
		return fmt.Errorf("etcdstore: %s notice %d: %w", op, id, err)
	}
	return nil
}

// RetryNotice records a failed delivery of notice id: Attempts+1, NextAttempt = next, and
// LastError = errText (cut to store.MaxNoticeError bytes).
func (s *Store) RetryNotice(ctx context.Context, id uint64, next time.Time, errText string) error {
	return s.changeNotice(ctx, "retry", id, func(_ *tx, n *store.Notice) error {
		n.Attempts++
		n.NextAttempt = next
		n.LastError = store.Truncate(errText, store.MaxNoticeError)
		return nil
	})
}

// PostponeNotice moves a notice's next attempt to next without counting a failed attempt.
func (s *Store) PostponeNotice(ctx context.Context, id uint64, next time.Time) error {
	return s.changeNotice(ctx, "postpone", id, func(_ *tx, n *store.Notice) error {
		n.NextAttempt = next
		return nil
	})
}

// ParkNotice sets notice id aside because it can never be delivered as addressed, recording
// why, and queues notify in the same transaction.
func (s *Store) ParkNotice(ctx context.Context, id uint64, reason string, notify ...store.Notice) error {
	return s.changeNotice(ctx, "park", id, func(t *tx, n *store.Notice) error {
		now := s.now()
		n.Attempts++
		n.ParkedAt = now
		n.LastError = store.Truncate(reason, store.MaxNoticeError)
		return s.enqueue(t, now, notify...)
	})
}

// RequeueNotice puts a parked notice back in line, due now.
func (s *Store) RequeueNotice(ctx context.Context, id uint64) error {
	return s.changeNotice(ctx, "requeue", id, func(_ *tx, n *store.Notice) error {
		n.ParkedAt, n.NextAttempt = time.Time{}, s.now()
		return nil
	})
}

// ParkedNotices lists the parked notices, oldest first.
func (s *Store) ParkedNotices(ctx context.Context) ([]store.Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: parked notices: %w", err)
	}
	var out []store.Notice
	err := s.eachNotice(ctx, func(n store.Notice) bool {
		if !n.ParkedAt.IsZero() {
			out = append(out, n)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: parked notices: %w", err)
	}
	return out, nil
}

// OutboxStats counts the outbox's notices at one revision.
func (s *Store) OutboxStats(ctx context.Context) (store.OutboxStats, error) {
	if err := ctx.Err(); err != nil {
		return store.OutboxStats{}, fmt.Errorf("etcdstore: outbox stats: %w", err)
	}
	var st store.OutboxStats
	err := s.eachNotice(ctx, func(n store.Notice) bool {
		if !n.ParkedAt.IsZero() {
			st.Parked++
			return true
		}
		st.Waiting++
		if st.Oldest.IsZero() || n.CreatedAt.Before(st.Oldest) {
			st.Oldest = n.CreatedAt
		}
		return true
	})
	if err != nil {
		return store.OutboxStats{}, fmt.Errorf("etcdstore: outbox stats: %w", err)
	}
	return st, nil
}
