package store

import (
	"context"
	"errors"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt/errors"
)

func TestStats(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	ob, err := s.OutboxStats(ctx)
	if err != nil || ob != (OutboxStats{}) {
		t.Fatalf("empty outbox: %+v, %v", ob, err)
	}

	// Three requests: one stays pending, one is rejected, one approved; each queues a notice.
	mustCreate(t, s, requestOn(1, "r-a"))
	first := clk.Now()
	clk.Advance(time.Minute)
	b := mustCreate(t, s, requestOn(1, "r-b"))
	c := mustCreate(t, s, requestOn(1, "r-c"))
	if _, err := s.Reject(ctx, b.ID, bob, "no", testNotices); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Approve(ctx, c.ID, bob, testNotices); err != nil {
		t.Fatal(err)
	}
	counts, err := s.ApprovalCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts[StatePending] != 1 || counts[StateRejected] != 1 || counts[StateApproved] != 1 || len(counts) != 3 {
		t.Errorf("ApprovalCounts = %v", counts)
	}

	due, err := s.DueNotices(ctx, clk.Now(), 0)
	if err != nil || len(due) != 5 {
		t.Fatalf("due notices: %d, %v", len(due), err)
	}
	if err := s.ParkNotice(ctx, due[0].ID, "channel gone"); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, due[1].ID); err != nil {
		t.Fatal(err)
	}
	ob, err = s.OutboxStats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The parked one was the oldest: the oldest waiting one is from a minute later.
	if ob.Waiting != 3 || ob.Parked != 1 || !ob.Oldest.Equal(first.Add(time.Minute)) {
		t.Errorf("OutboxStats = %+v, want 3 waiting, 1 parked, oldest %s", ob, first.Add(time.Minute))
	}

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(ctx); !errors.Is(err, bolt.ErrDatabaseNotOpen) {
		t.Errorf("Ping on a closed store = %v, want database not open", err)
	}
	if _, err := s.OutboxStats(ctx); err == nil {
		t.Error("OutboxStats on a closed store succeeded")
	}
	if _, err := s.ApprovalCounts(ctx); err == nil {
		t.Error("ApprovalCounts on a closed store succeeded")
	}
}
