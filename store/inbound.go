package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Inbound deliveries: the ids of the updates, callbacks and events the chat platforms delivered
// (a Telegram update_id, a WeCom MsgId, a Slack event_id), each remembered for its platform's
// retry window, so that a delivery repeated after a restart — a webhook retried, an update whose
// confirmation a crash lost — runs once. The adapters keep a faster copy in memory; this one
// survives the process.

// maxDeliveryID is the longest id kept as it is; a longer one is kept as its SHA-256, so that a
// key stays far below bbolt's limit whatever a platform sends.
const maxDeliveryID = 128

// deliveriesPruneBatch is how many expired ids one FirstDeliveries forgets at most, so that the
// buckets stay bounded without the retention loop and without a long transaction.
const deliveriesPruneBatch = 32

// FirstDeliveries records the delivery ids of platform and reports, for each, whether this is
// its first delivery: false for an id recorded before whose time to live has not run out, and
// for an id repeated within ids. Each new id is remembered for ttl from now; an id seen again is
// not given more time. The ids are recorded in one transaction, which also forgets a few ids
// whose time ran out; calls made meanwhile from other goroutines (a flood of webhook requests)
// share the next one, so that they wait for one write to disk rather than one each.
func (s *Store) FirstDeliveries(ctx context.Context, platform string, ids []string, ttl time.Duration) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: record deliveries: %w", err)
	}
	switch {
	case platform == "" || strings.ContainsRune(platform, 0):
		return nil, fmt.Errorf("store: record deliveries: platform %q is empty or holds NUL", platform)
	case ttl <= 0:
		return nil, fmt.Errorf("store: record deliveries: ttl %s is not positive", ttl)
	}
	for _, id := range ids {
		if id == "" {
			return nil, errors.New("store: record deliveries: an empty id")
		}
	}
	if len(ids) == 0 {
		return []bool{}, nil
	}
	c := &deliveryCall{platform: platform, ids: ids, ttl: ttl, done: make(chan struct{})}
	s.deliveries.do(c, s.recordDeliveries)
	if c.err != nil {
		return nil, fmt.Errorf("store: record %s deliveries: %w", platform, c.err)
	}
	return c.first, nil
}

// recordDeliveries runs calls in one transaction, setting each one's first or, when the
// transaction fails, its err.
func (s *Store) recordDeliveries(calls []*deliveryCall) {
	err := s.update(func(tx *bolt.Tx) error {
		seen, err := bucket(tx, bucketInbound)
		if err != nil {
			return err
		}
		byExpiry, err := bucket(tx, bucketInboundExpiry)
		if err != nil {
			return err
		}
		now := s.now()
		for _, c := range calls {
			c.first = make([]bool, len(c.ids))
			expires := now.Add(c.ttl)
			for i, id := range c.ids {
				key := deliveryKey(c.platform, id)
				if v := seen.Get(key); v != nil {
					if len(v) == 8 && int64(binary.BigEndian.Uint64(v)) > now.UnixNano() {
						continue // delivered before, and still within its window
					}
					if len(v) == 8 {
						if err := byExpiry.Delete(expiryKey(int64(binary.BigEndian.Uint64(v)), key)); err != nil {
							return err
						}
					}
				}
				c.first[i] = true
				if err := seen.Put(key, binary.BigEndian.AppendUint64(nil, uint64(expires.UnixNano()))); err != nil {
					return fmt.Errorf("delivery %q: %w", id, err)
				}
				if err := byExpiry.Put(expiryKey(expires.UnixNano(), key), []byte{}); err != nil {
					return fmt.Errorf("delivery %q: expiry index: %w", id, err)
				}
			}
		}
		_, err = pruneDeliveries(seen, byExpiry, now, deliveriesPruneBatch)
		return err
	})
	if err != nil {
		for _, c := range calls {
			c.first, c.err = nil, err
		}
	}
}

// deliveryCall is one FirstDeliveries waiting for its transaction.
type deliveryCall struct {
	platform string
	ids      []string
	ttl      time.Duration

	first []bool // the answer, set before done is closed
	err   error

	done chan struct{} // closed when answered, or when the call is to lead the next transaction
	lead bool          // set (under deliveryQueue.mu) before done is closed to make it lead
}

// deliveryQueue groups concurrent calls: one of them leads, running every call waiting at the
// time in one transaction; the calls that came meanwhile wait, and the first of them leads the
// next transaction. A call is in exactly one transaction, and no call waits for more than the
// one running and its own.
type deliveryQueue struct {
	mu      sync.Mutex
	waiting []*deliveryCall
	busy    bool // a leader is running
}

// do runs c, in a transaction of its own or shared, through run.
func (q *deliveryQueue) do(c *deliveryCall, run func([]*deliveryCall)) {
	q.mu.Lock()
	q.waiting = append(q.waiting, c)
	lead := !q.busy
	q.busy = true
	q.mu.Unlock()
	if !lead {
		<-c.done
		q.mu.Lock()
		lead = c.lead
		q.mu.Unlock()
		if !lead {
			return // answered by another call's transaction
		}
	}
	q.mu.Lock()
	calls := q.waiting
	q.waiting = nil
	q.mu.Unlock()
	run(calls)
	q.mu.Lock()
	if len(q.waiting) > 0 {
		next := q.waiting[0]
		next.lead = true
		close(next.done)
	} else {
		q.busy = false
	}
	q.mu.Unlock()
	for _, x := range calls {
		if x != c { // c's own done was closed to make it lead, or is not waited for
			close(x.done)
		}
	}
}

// FirstDelivery is FirstDeliveries for one id.
func (s *Store) FirstDelivery(ctx context.Context, platform, id string, ttl time.Duration) (bool, error) {
	first, err := s.FirstDeliveries(ctx, platform, []string{id}, ttl)
	if err != nil {
		return false, err
	}
	return first[0], nil
}

// PruneDeliveries forgets the delivery ids whose time to live has run out and returns how many
// it removed, in batches of pruneBatch, one transaction each.
func (s *Store) PruneDeliveries(ctx context.Context) (int, error) {
	removed := 0
	for {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("store: prune deliveries: %w", err)
		}
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			seen, err := bucket(tx, bucketInbound)
			if err != nil {
				return err
			}
			byExpiry, err := bucket(tx, bucketInboundExpiry)
			if err != nil {
				return err
			}
			n, err = pruneDeliveries(seen, byExpiry, s.now(), pruneBatch)
			return err
		})
		if err != nil {
			return removed, fmt.Errorf("store: prune deliveries: %w", err)
		}
		removed += n
		if n < pruneBatch {
			return removed, nil
		}
	}
}

// pruneDeliveries forgets up to batch ids that expired at or before now and returns how many.
func pruneDeliveries(seen, byExpiry *bolt.Bucket, now time.Time, batch int) (int, error) {
	var doomed [][]byte
	c := byExpiry.Cursor()
	for k, _ := c.First(); k != nil && len(doomed) < batch; k, _ = c.Next() {
		if len(k) < 8 || int64(binary.BigEndian.Uint64(k[:8])) > now.UnixNano() {
			break
		}
		doomed = append(doomed, bytes.Clone(k))
	}
	for _, k := range doomed {
		if v := seen.Get(k[8:]); v != nil && bytes.Equal(v, k[:8]) {
			if err := seen.Delete(k[8:]); err != nil {
				return 0, err
			}
		}
		if err := byExpiry.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(doomed), nil
}

// deliveryKey is the key of inbound_deliveries: the platform, NUL, and the id (or "#" and the hex
// SHA-256 of an id longer than maxDeliveryID bytes).
func deliveryKey(platform, id string) []byte {
	if len(id) > maxDeliveryID {
		sum := sha256.Sum256([]byte(id))
		id = "#" + hex.EncodeToString(sum[:])
	}
	return []byte(platform + "\x00" + id)
}

// expiryKey is the key of inbound_expiry: the expiry in big-endian Unix nanoseconds, then the
// inbound_deliveries key, so that the first ones to expire come first.
func expiryKey(at int64, key []byte) []byte {
	return append(binary.BigEndian.AppendUint64(make([]byte, 0, 8+len(key)), uint64(at)), key...)
}
