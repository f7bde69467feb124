package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestPruneDelivered: the records of notices delivered longer ago than the retention are
// forgotten, in several batches; newer ones stay and keep equal notices out.
func TestPruneDelivered(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	s := openStore(t, dbPath(t), Options{Now: clk.Now, NoticeRetention: 48 * time.Hour})
	const old = 2*pruneBatch + 7
	deliver := func(key string) {
		t.Helper()
		if err := s.EnqueueNotices(ctx, notice("alert", key)); err != nil {
			t.Fatal(err)
		}
		due := mustDue(t, s, clk.Now(), 1)
		if len(due) != 1 {
			t.Fatalf("%s not queued", key)
		}
		if err := s.AckNotice(ctx, due[0].ID); err != nil {
			t.Fatal(err)
		}
	}
	// The old deliveries, written as AckNotice records them (one transaction, not thousands).
	err := s.Update(ctx, func(tx *bolt.Tx) error {
		keys, sent := tx.Bucket(bucketOutboxKeys), tx.Bucket(bucketOutboxSent)
		for i := range old {
			key, at := fmt.Sprintf("old-%d", i), clk.Now().Add(time.Duration(i)*time.Millisecond)
			if err := putJSON(keys, []byte(key), dedupeRecord{ID: uint64(1000 + i), DeliveredAt: at}); err != nil {
				return err
			}
			if err := sent.Put(sentKey(at, key), []byte{}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	deliver("old-last")
	clk.Advance(47 * time.Hour)
	deliver("recent")
	clk.Advance(2 * time.Hour) // the old ones are 49h old, "recent" 2h

	n, err := s.PruneDelivered(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The ack of "recent" forgot none of them: they were 47h old then.
	if n != old+1 {
		t.Errorf("pruned %d, want %d", n, old+1)
	}
	err = s.View(ctx, func(tx *bolt.Tx) error {
		if k, sn := tx.Bucket(bucketOutboxKeys).Stats().KeyN, tx.Bucket(bucketOutboxSent).Stats().KeyN; k != 1 || sn != 1 {
			return fmt.Errorf("%d dedupe keys and %d sent entries left, want 1 each", k, sn)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	// "recent" still keeps an equal notice out; an old key may be queued again.
	if err := s.EnqueueNotices(ctx, notice("alert", "recent"), notice("alert", "old-0")); err != nil {
		t.Fatal(err)
	}
	due := mustDue(t, s, clk.Now(), 10)
	if len(due) != 1 || due[0].DedupeKey != "old-0" {
		t.Errorf("queued %+v, want old-0 alone", due)
	}
	if n, err := s.PruneDelivered(ctx); err != nil || n != 0 {
		t.Errorf("second prune: %d, %v", n, err)
	}
}

// TestNoticeRetentionWindow: the configured retention is the dedupe window, shorter or longer
// than the default.
func TestNoticeRetentionWindow(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		retention, after time.Duration
		queued           bool
	}{
		{0, NoticeDedupeWindow - time.Hour, false},
		{0, NoticeDedupeWindow, true},
		{24 * time.Hour, 23 * time.Hour, false},
		{24 * time.Hour, 25 * time.Hour, true},
		{90 * 24 * time.Hour, 60 * 24 * time.Hour, false},
	} {
		t.Run(fmt.Sprintf("%v/%v", tt.retention, tt.after), func(t *testing.T) {
			clk := &fakeClock{t: t0}
			s := openStore(t, dbPath(t), Options{Now: clk.Now, NoticeRetention: tt.retention})
			if err := s.EnqueueNotices(ctx, notice("alert", "k")); err != nil {
				t.Fatal(err)
			}
			if err := s.AckNotice(ctx, 1); err != nil {
				t.Fatal(err)
			}
			clk.Advance(tt.after)
			if err := s.EnqueueNotices(ctx, notice("alert", "k")); err != nil {
				t.Fatal(err)
			}
			if got := len(mustDue(t, s, clk.Now(), 10)) == 1; got != tt.queued {
				t.Errorf("queued again = %t, want %t", got, tt.queued)
			}
		})
	}
}

// TestPrune deletes old audit entries and delivered records together; a zero audit retention
// keeps the audit log.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	s := openStore(t, dbPath(t), Options{Now: clk.Now, NoticeRetention: 24 * time.Hour})
	for range 5 {
		if _, err := s.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: "u", Command: "/help", Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.EnqueueNotices(ctx, notice("alert", "k")); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(72 * time.Hour)
	if res, err := s.Prune(ctx, Retention{}); err != nil || res != (PruneResult{Delivered: 1}) {
		t.Errorf("prune without audit retention = %+v, %v", res, err)
	}
	if res, err := s.Prune(ctx, Retention{Audit: 48 * time.Hour}); err != nil || res != (PruneResult{Audit: 5}) {
		t.Errorf("prune = %+v, %v", res, err)
	}
}
