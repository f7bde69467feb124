package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Ping reports whether the store can be read: nil while it is open and its file readable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		_, err := bucket(tx, bucketMeta)
		return err
	})
	if err != nil {
		return fmt.Errorf("store: ping: %w", err)
	}
	return nil
}

// OutboxStats describes the notices not yet delivered.
type OutboxStats struct {
	Waiting int       // queued for delivery (due now or later), parked ones not counted
	Parked  int       // set aside until an admin resends them
	Oldest  time.Time // CreatedAt of the oldest waiting notice; zero when none waits
}

// OutboxStats counts the outbox's notices in one read transaction.
func (s *Store) OutboxStats(ctx context.Context) (OutboxStats, error) {
	if err := ctx.Err(); err != nil {
		return OutboxStats{}, fmt.Errorf("store: outbox stats: %w", err)
	}
	var st OutboxStats
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOutbox)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil // a nested bucket: none is expected
			}
			var n struct {
				CreatedAt time.Time `json:"created_at"`
				ParkedAt  time.Time `json:"parked_at"`
			}
			if err := json.Unmarshal(v, &n); err != nil {
				return fmt.Errorf("decode notice %x: %w", k, err)
			}
			if !n.ParkedAt.IsZero() {
				st.Parked++
				return nil
			}
			st.Waiting++
			if st.Oldest.IsZero() || n.CreatedAt.Before(st.Oldest) {
				st.Oldest = n.CreatedAt
			}
			return nil
		})
	})
	if err != nil {
		return OutboxStats{}, fmt.Errorf("store: outbox stats: %w", err)
	}
	return st, nil
}

// ApprovalCounts counts the approval requests in each state, in one read transaction.
func (s *Store) ApprovalCounts(ctx context.Context) (map[ApprovalState]int, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: approval counts: %w", err)
	}
	out := map[ApprovalState]int{}
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketApprovals)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return nil
			}
			var a struct {
				State ApprovalState `json:"state"`
			}
			if err := json.Unmarshal(v, &a); err != nil {
				return fmt.Errorf("decode approval %x: %w", k, err)
			}
			out[a.State]++
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: approval counts: %w", err)
	}
	return out, nil
}
