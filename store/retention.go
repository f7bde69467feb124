package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// PruneDelivered forgets the records of notices delivered longer ago than the store's
// delivered-notice retention (Options.NoticeRetention) and returns how many it removed. It works
// in batches of pruneBatch, one transaction each, checking ctx before each, so that it never
// holds the writer lock for long; AckNotice also forgets a few at every delivery.
func (s *Store) PruneDelivered(ctx context.Context) (int, error) {
	removed := 0
	for {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("store: prune delivered notices: %w", err)
		}
		n := 0
		err := s.update(func(tx *bolt.Tx) error {
			keys, err := bucket(tx, bucketOutboxKeys)
			if err != nil {
				return err
			}
			sent, err := bucket(tx, bucketOutboxSent)
			if err != nil {
				return err
			}
			n, err = pruneDedupe(keys, sent, s.now().Add(-s.noticeWindow()), pruneBatch)
			return err
		})
		if err != nil {
			return removed, fmt.Errorf("store: prune delivered notices: %w", err)
		}
		removed += n
		if n < pruneBatch {
			return removed, nil
		}
	}
}

// Space is how the store's file is used.
type Space struct {
	Size int64 // bytes of the file in use (bbolt's high-water mark)
	Free int64 // bytes of pages freed by deletions, reused by later writes before the file grows
}

// Space reports the file's size and how much of it is free pages. bbolt reuses free pages but
// never shrinks the file; CompactFile writes a copy without them.
func (s *Store) Space(ctx context.Context) (Space, error) {
	if err := ctx.Err(); err != nil {
		return Space{}, fmt.Errorf("store: space: %w", err)
	}
	var sp Space
	var pageSize int
	err := s.view(func(tx *bolt.Tx) error {
		sp.Size = tx.Size()
		// DB.Info reads the memory map's address: only inside a transaction, which keeps a
		// commit that grows the file from remapping it meanwhile (the race detector saw it).
		pageSize = tx.DB().Info().PageSize
		return nil
	})
	if err != nil {
		return Space{}, fmt.Errorf("store: space: %w", err)
	}
	st := s.db.Stats()
	sp.Free = int64(st.FreePageN+st.PendingPageN) * int64(pageSize)
	return sp, nil
}

// Retention says how long records are kept; see [Store.Prune].
type Retention struct {
	Audit time.Duration // audit entries older than this are deleted; 0 keeps them
}

// PruneResult is what one Prune removed.
type PruneResult struct {
	Audit, Delivered int
	Inbound          int // inbound delivery ids whose retry window ended
	IndexKeys        int // leftover keys of the expiry index (etcd only; bbolt leaves none)
}

// Prune deletes the audit entries older than r.Audit, the records of notices delivered longer
// ago than the delivered-notice retention and the inbound delivery ids whose time ran out, in
// short transactions (see PruneAudit, PruneDelivered and PruneDeliveries). On error the result
// says what was removed before it.
func (s *Store) Prune(ctx context.Context, r Retention) (PruneResult, error) {
	var res PruneResult
	var err error
	if r.Audit > 0 {
		if res.Audit, err = s.PruneAudit(ctx, s.now().Add(-r.Audit)); err != nil {
			return res, err
		}
	}
	if res.Delivered, err = s.PruneDelivered(ctx); err != nil {
		return res, err
	}
	res.Inbound, err = s.PruneDeliveries(ctx)
	return res, err
}
