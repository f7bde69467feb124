package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

func notice(kind, key string) Notice {
	return Notice{Platform: "slack", Channel: "C-ops", Kind: kind, Body: json.RawMessage(`{"text":"` + kind + `"}`), DedupeKey: key}
}

func noticeIDs(ns []Notice) []uint64 {
	out := make([]uint64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

func mustDue(t *testing.T, s *Store, now time.Time, limit int) []Notice {
	t.Helper()
	ns, err := s.DueNotices(context.Background(), now, limit)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

func TestEnqueueAndDue(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	later := t0.Add(time.Minute)
	n1 := notice("first", "")
	n2 := notice("later", "")
	n2.NextAttempt = later
	n3 := Notice{Platform: "telegram", UserID: "42", Kind: "direct", ID: 99, Attempts: 5, LastError: "stale", CreatedAt: t0.Add(-time.Hour)}
	if err := s.EnqueueNotices(ctx, n1, n2, n3); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)
	n4 := notice("fourth", "")
	if err := s.EnqueueNotices(ctx, n4); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueNotices(ctx); err != nil {
		t.Errorf("empty EnqueueNotices: %v", err)
	}

	tests := []struct {
		name  string
		now   time.Time
		limit int
		want  []uint64
	}{
		{"before any", t0.Add(-time.Second), 0, nil},
		{"at t0", t0, 0, []uint64{1, 3}},
		{"a second later", t0.Add(time.Second), 0, []uint64{1, 3, 4}},
		{"all due", later, 0, []uint64{1, 2, 3, 4}},
		{"limit", later, 2, []uint64{1, 2}},
		{"limit skips not due", t0.Add(time.Second), 2, []uint64{1, 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := noticeIDs(mustDue(t, s, tt.now, tt.limit)); !slices.Equal(got, tt.want) {
				t.Errorf("due ids %v, want %v", got, tt.want)
			}
		})
	}

	all := mustDue(t, s, later, 0)
	if got := all[2]; got.ID != 3 || got.UserID != "42" || got.Channel != "" || got.Attempts != 0 || got.LastError != "" ||
		!got.CreatedAt.Equal(t0) || !got.NextAttempt.Equal(t0) {
		t.Errorf("direct notice %+v: want a fresh notice created and due at t0", got)
	}
	if got := all[1]; !got.NextAttempt.Equal(later) || got.Kind != "later" || string(got.Body) != `{"text":"later"}` {
		t.Errorf("notice 2 = %+v", got)
	}
	if n := pendingNotices(t, s); n != 4 {
		t.Errorf("PendingNotices = %d, want 4", n)
	}
}

func TestEnqueueValidation(t *testing.T) {
	tests := []struct {
		name string
		n    Notice
	}{
		{"no platform", Notice{Channel: "C1"}},
		{"no destination", Notice{Platform: "slack"}},
		{"bad body", Notice{Platform: "slack", Channel: "C1", Body: json.RawMessage(`{"a":`)}},
		{"dedupe key too long", Notice{Platform: "slack", Channel: "C1", DedupeKey: strings.Repeat("k", bolt.MaxKeySize)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _, _ := newFakeStore(t)
			// One transaction: the valid notice before the bad one is not queued either.
			if err := s.EnqueueNotices(context.Background(), notice("ok", "k"), tt.n); err == nil {
				t.Fatal("EnqueueNotices succeeded")
			}
			if n := pendingNotices(t, s); n != 0 {
				t.Errorf("%d notices queued", n)
			}
			// And its dedupe key was not taken.
			if err := s.EnqueueNotices(context.Background(), notice("ok", "k")); err != nil {
				t.Fatal(err)
			}
			if n := pendingNotices(t, s); n != 1 {
				t.Errorf("%d notices queued, want 1", n)
			}
		})
	}
}

func TestEnqueueNoticesTxRollsBack(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	boom := errors.New("boom")
	err := s.Update(ctx, func(tx *bolt.Tx) error {
		if err := s.EnqueueNoticesTx(tx, clk.Now(), notice("alert", "alert-1")); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if n := pendingNotices(t, s); n != 0 {
		t.Errorf("%d notices after rollback", n)
	}
	// Committed with the caller's transaction, with the caller's now.
	at := t0.Add(-time.Hour)
	if err := s.Update(ctx, func(tx *bolt.Tx) error { return s.EnqueueNoticesTx(tx, at, notice("alert", "alert-1")) }); err != nil {
		t.Fatal(err)
	}
	ns := mustDue(t, s, at, 0)
	if len(ns) != 1 || !ns[0].CreatedAt.Equal(at) || !ns[0].NextAttempt.Equal(at) || ns[0].DedupeKey != "alert-1" {
		t.Errorf("due %+v", ns)
	}
}

func TestRetryNotice(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	if err := s.EnqueueNotices(ctx, notice("a", ""), notice("b", "")); err != nil {
		t.Fatal(err)
	}
	next := t0.Add(5 * time.Minute)
	long := strings.Repeat("é", 200) // 400 bytes
	if err := s.RetryNotice(ctx, 1, next, long); err != nil {
		t.Fatal(err)
	}
	if got := noticeIDs(mustDue(t, s, t0, 0)); !slices.Equal(got, []uint64{2}) {
		t.Errorf("due now %v, want [2]", got)
	}
	if got := noticeIDs(mustDue(t, s, next.Add(-time.Nanosecond), 0)); !slices.Equal(got, []uint64{2}) {
		t.Errorf("due just before retry %v, want [2]", got)
	}
	ns := mustDue(t, s, next, 0)
	if !slices.Equal(noticeIDs(ns), []uint64{1, 2}) {
		t.Fatalf("due at retry time %v, want [1 2]", noticeIDs(ns))
	}
	n := ns[0]
	if n.Attempts != 1 || !n.NextAttempt.Equal(next) || len(n.LastError) > MaxNoticeError || len(n.LastError) < MaxNoticeError-4 ||
		!utf8.ValidString(n.LastError) || !n.CreatedAt.Equal(t0) {
		t.Errorf("after retry: attempts %d next %v error %d bytes (valid %t)", n.Attempts, n.NextAttempt, len(n.LastError), utf8.ValidString(n.LastError))
	}
	if err := s.RetryNotice(ctx, 1, next.Add(time.Hour), "again"); err != nil {
		t.Fatal(err)
	}
	ns = mustDue(t, s, next.Add(time.Hour), 0)
	if ns[0].Attempts != 2 || ns[0].LastError != "again" {
		t.Errorf("after second retry %+v", ns[0])
	}
	if err := s.RetryNotice(ctx, 9, next, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("RetryNotice(9) = %v, want ErrNotFound", err)
	}
}

func TestAckNotice(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	if err := s.EnqueueNotices(ctx, notice("a", ""), notice("b", ""), notice("c", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, 2); err != nil {
		t.Fatal(err)
	}
	if got := noticeIDs(mustDue(t, s, t0, 0)); !slices.Equal(got, []uint64{1, 3}) {
		t.Errorf("due after ack %v, want [1 3]", got)
	}
	if n := pendingNotices(t, s); n != 2 {
		t.Errorf("PendingNotices %d, want 2", n)
	}
	if err := s.AckNotice(ctx, 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("second ack = %v, want ErrNotFound", err)
	}
	if err := s.RetryNotice(ctx, 2, t0, "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("retry after ack = %v, want ErrNotFound", err)
	}
	// Ids are never reused.
	if err := s.EnqueueNotices(ctx, notice("d", "")); err != nil {
		t.Fatal(err)
	}
	if got := noticeIDs(mustDue(t, s, t0, 0)); !slices.Equal(got, []uint64{1, 3, 4}) {
		t.Errorf("due %v, want [1 3 4]", got)
	}
}

func TestNoticeDedupe(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *Store, clk *fakeClock) // leaves notice "k" queued or delivered
		advance time.Duration
		queued  bool // whether enqueueing "k" again queues a notice
	}{
		{"queued", nil, 0, false},
		{"queued long ago", nil, 90 * day, false},
		{"retried", func(t *testing.T, s *Store, _ *fakeClock) {
			if err := s.RetryNotice(context.Background(), 1, t0.Add(time.Hour), "down"); err != nil {
				t.Fatal(err)
			}
		}, 0, false},
		{"delivered just now", ack1, 0, false},
		{"delivered 29 days ago", ack1, 29 * day, false},
		{"delivered 30 days ago", ack1, 30 * day, true},
		{"delivered 31 days ago", ack1, 31 * day, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s, clk, _ := newFakeStore(t)
			if err := s.EnqueueNotices(ctx, notice("alert", "k")); err != nil {
				t.Fatal(err)
			}
			if tt.setup != nil {
				tt.setup(t, s, clk)
			}
			clk.Advance(tt.advance)
			before := pendingNotices(t, s)
			if err := s.EnqueueNotices(ctx, notice("alert", "k")); err != nil {
				t.Fatal(err)
			}
			want := before
			if tt.queued {
				want++
			}
			if n := pendingNotices(t, s); n != want {
				t.Errorf("%d notices after re-enqueue, want %d", n, want)
			}
			// Another key is never affected.
			if err := s.EnqueueNotices(ctx, notice("alert", "other")); err != nil {
				t.Fatal(err)
			}
			if n := pendingNotices(t, s); n != want+1 {
				t.Errorf("other key: %d notices, want %d", n, want+1)
			}
		})
	}
}

func ack1(t *testing.T, s *Store, _ *fakeClock) {
	t.Helper()
	if err := s.AckNotice(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
}

func TestNoticeDedupeWithinOneCall(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	if err := s.EnqueueNotices(ctx, notice("a", "k"), notice("b", "k"), notice("c", ""), notice("d", "")); err != nil {
		t.Fatal(err)
	}
	ns := mustDue(t, s, t0, 0)
	var kinds []string
	for _, n := range ns {
		kinds = append(kinds, n.Kind)
	}
	if !slices.Equal(kinds, []string{"a", "c", "d"}) {
		t.Errorf("queued %v, want [a c d] (b duplicates a; empty keys never do)", kinds)
	}
}

// Delivered dedupe keys are forgotten after the window, a few per ack, so the key table stays
// bounded; a key queued again since its old delivery keeps its record.
func TestNoticeDedupePrune(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	const old = dedupePruneBatch + 4
	for i := range old {
		if err := s.EnqueueNotices(ctx, notice("old", fmt.Sprintf("old-%d", i))); err != nil {
			t.Fatal(err)
		}
		if err := s.AckNotice(ctx, uint64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	keys := func() (dedupe, sent int) {
		t.Helper()
		if err := s.View(ctx, func(tx *bolt.Tx) error {
			dedupe = tx.Bucket(bucketOutboxKeys).Stats().KeyN
			sent = tx.Bucket(bucketOutboxSent).Stats().KeyN
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return dedupe, sent
	}
	if d, sn := keys(); d != old || sn != old {
		t.Fatalf("%d dedupe keys, %d sent, want %d each", d, sn, old)
	}

	clk.Advance(NoticeDedupeWindow + time.Second)
	// old-0 is queued again (its old delivery is past the window), and delivered.
	if err := s.EnqueueNotices(ctx, notice("old", "old-0")); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, old+1); err != nil {
		t.Fatal(err)
	}
	// That ack pruned dedupePruneBatch old index entries; old-0's record is the new delivery.
	d, sn := keys()
	if d != old-dedupePruneBatch+1 || sn != old-dedupePruneBatch+1 {
		t.Errorf("after one ack: %d dedupe keys, %d sent, want %d each", d, sn, old-dedupePruneBatch+1)
	}
	if err := s.EnqueueNotices(ctx, notice("new", "new")); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, old+2); err != nil {
		t.Fatal(err)
	}
	if d, sn := keys(); d != 2 || sn != 2 {
		t.Errorf("after two acks: %d dedupe keys, %d sent, want 2 (old-0 and new)", d, sn)
	}
	// old-0 was delivered just now: still deduplicated.
	if err := s.EnqueueNotices(ctx, notice("old", "old-0"), notice("old", "old-1")); err != nil {
		t.Fatal(err)
	}
	ns := mustDue(t, s, clk.Now(), 0)
	if len(ns) != 1 || ns[0].DedupeKey != "old-1" {
		t.Errorf("queued %+v, want only old-1", ns)
	}
}

func TestOutboxSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueNotices(ctx, notice("a", "ka"), notice("b", "kb"), notice("c", "")); err != nil {
		t.Fatal(err)
	}
	if err := s.AckNotice(ctx, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryNotice(ctx, 2, t0.Add(time.Minute), "timeout"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path, Options{Now: clk.Now})
	ns := mustDue(t, s, t0.Add(time.Minute), 0)
	if !slices.Equal(noticeIDs(ns), []uint64{2, 3}) || ns[0].Attempts != 1 || ns[0].LastError != "timeout" {
		t.Fatalf("after reopen %+v", ns)
	}
	// Dedupe state survives too: ka delivered, kb queued.
	if err := s.EnqueueNotices(ctx, notice("a", "ka"), notice("b", "kb"), notice("d", "")); err != nil {
		t.Fatal(err)
	}
	if got := noticeIDs(mustDue(t, s, t0.Add(time.Minute), 0)); !slices.Equal(got, []uint64{2, 3, 4}) {
		t.Errorf("after reopen and enqueue %v, want [2 3 4]", got)
	}
}

func TestOutboxContextCancelled(t *testing.T) {
	s, _, _ := newFakeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := []func() error{
		func() error { return s.EnqueueNotices(ctx, notice("a", "")) },
		func() error { _, err := s.DueNotices(ctx, t0, 0); return err },
		func() error { return s.AckNotice(ctx, 1) },
		func() error { return s.RetryNotice(ctx, 1, t0, "") },
		func() error { _, err := s.PendingNotices(ctx); return err },
	}
	for i, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) {
			t.Errorf("call %d: %v, want context.Canceled", i, err)
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		in   string
		n    int
		want string
	}{
		{"", 3, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc"},
		{"aé", 2, "a"}, // é is 2 bytes: not split
		{"aé", 3, "aé"},
		{"日本", 5, "日"},
	}
	for _, tt := range tests {
		if got := truncate(tt.in, tt.n); got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
		}
	}
}
