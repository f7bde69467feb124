package store

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestAppendAudit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	full := AuditEntry{
		At: t0.Add(-time.Hour), Platform: "slack", UserID: "U1", UserName: "ann", Channel: "C9",
		Command: "/order cancel 42", Result: "error", Detail: "CBC.0101", RequestID: "req-1,req-2",
		Duration: 1500 * time.Millisecond,
	}
	tests := []struct {
		name   string
		in     AuditEntry
		wantAt time.Time
	}{
		{"all fields, explicit time", full, full.At},
		{"zero time gets Now", AuditEntry{Platform: "console", UserID: "root", Command: "/help", Result: "ok"}, t0.Add(time.Second)},
		{"another", AuditEntry{Platform: "system", Command: "prune", Result: "ok"}, t0.Add(2 * time.Second)},
	}
	for i, tt := range tests {
		id := mustAppend(t, s, tt.in)
		if want := uint64(i + 1); id != want {
			t.Errorf("%s: id = %d, want %d", tt.name, id, want)
		}
	}

	got, err := s.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), []uint64{3, 2, 1}) {
		t.Fatalf("ids = %v, want newest first [3 2 1]", ids(got))
	}
	for i, tt := range tests {
		e := got[len(got)-1-i]
		if !e.At.Equal(tt.wantAt) {
			t.Errorf("%s: At = %v, want %v", tt.name, e.At, tt.wantAt)
		}
		want := tt.in
		want.ID, want.At = e.ID, e.At
		if e != want {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", tt.name, e, want)
		}
	}
}

func TestRecentAuditLimit(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const total = MaxAuditLimit + 5
	if err := s.Update(ctx, func(tx *bolt.Tx) error {
		for i := 0; i < total; i++ {
			if _, err := s.appendAudit(tx, AuditEntry{Command: fmt.Sprint(i)}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		n    int
		want int
	}{
		{-1, DefaultAuditLimit},
		{0, DefaultAuditLimit},
		{1, 1},
		{7, 7},
		{MaxAuditLimit, MaxAuditLimit},
		{MaxAuditLimit + 1, MaxAuditLimit},
		{1 << 30, MaxAuditLimit},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			got, err := s.RecentAudit(ctx, tt.n, AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Fatalf("len = %d, want %d", len(got), tt.want)
			}
			for i, e := range got {
				if want := uint64(total - i); e.ID != want {
					t.Fatalf("got[%d].ID = %d, want %d (newest first)", i, e.ID, want)
				}
			}
		})
	}
}

func TestRecentAuditFilter(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	for _, e := range []AuditEntry{
		{At: at(0), Platform: "slack", UserID: "U1", Result: "ok"},         // 1
		{At: at(1), Platform: "slack", UserID: "U2", Result: "denied"},     // 2
		{At: at(2), Platform: "telegram", UserID: "U1", Result: "ok"},      // 3
		{At: at(3), Platform: "slack", UserID: "U1", Result: "error"},      // 4
		{At: at(4), Platform: "console", UserID: "root", Result: "ok"},     // 5
		{At: at(1), Platform: "telegram", UserID: "U1", Result: "invalid"}, // 6: started earlier, logged later
	} {
		mustAppend(t, s, e)
	}

	tests := []struct {
		name   string
		n      int
		filter AuditFilter
		want   []uint64
	}{
		{"none", 0, AuditFilter{}, []uint64{6, 5, 4, 3, 2, 1}},
		{"platform", 0, AuditFilter{Platform: "slack"}, []uint64{4, 2, 1}},
		{"user", 0, AuditFilter{UserID: "U1"}, []uint64{6, 4, 3, 1}},
		{"result", 0, AuditFilter{Result: "ok"}, []uint64{5, 3, 1}},
		{"since is inclusive", 0, AuditFilter{Since: at(3)}, []uint64{5, 4}},
		{"since sees out-of-order times", 0, AuditFilter{Since: at(1)}, []uint64{6, 5, 4, 3, 2}},
		{"combined", 0, AuditFilter{Platform: "slack", UserID: "U1", Result: "ok"}, []uint64{1}},
		{"filter then limit", 2, AuditFilter{UserID: "U1"}, []uint64{6, 4}},
		{"no match", 0, AuditFilter{Platform: "wecom"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.RecentAudit(ctx, tt.n, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("ids = %v, want %v", ids(got), tt.want)
			}
		})
	}
}

func TestPruneAudit(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name      string
		times     []int // minutes after t0, in append order
		olderThan int
		wantN     int
		wantLeft  []uint64 // newest first
	}{
		{"empty log", nil, 5, 0, nil},
		{"nothing old", []int{5, 6}, 5, 0, []uint64{2, 1}},
		{"boundary is kept", []int{3, 4, 5, 6}, 5, 2, []uint64{4, 3}},
		{"everything", []int{1, 2, 3}, 10, 3, nil},
		{"out of order times", []int{1, 9, 2, 8}, 5, 2, []uint64{4, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			for _, m := range tt.times {
				mustAppend(t, s, AuditEntry{At: at(m), Command: fmt.Sprint(m)})
			}
			n, err := s.PruneAudit(ctx, at(tt.olderThan))
			if err != nil {
				t.Fatal(err)
			}
			if n != tt.wantN {
				t.Errorf("removed %d, want %d", n, tt.wantN)
			}
			left, err := s.RecentAudit(ctx, MaxAuditLimit, AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(left), tt.wantLeft) {
				t.Errorf("left %v, want %v", ids(left), tt.wantLeft)
			}
			// Ids are never reused, even when the newest entries were pruned.
			if id := mustAppend(t, s, AuditEntry{Command: "/next"}); id != uint64(len(tt.times)+1) {
				t.Errorf("next id = %d, want %d", id, len(tt.times)+1)
			}
		})
	}
}

// TestPruneAuditBatches prunes more than one batch, old and new entries interleaved.
func TestPruneAuditBatches(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const total = 2*pruneBatch + pruneBatch/2
	oldAt, newAt := t0.Add(-48*time.Hour), t0
	wantOld := 0
	if err := s.Update(ctx, func(tx *bolt.Tx) error {
		for i := 0; i < total; i++ {
			e := AuditEntry{At: newAt}
			if i%5 != 0 { // 4 in 5 are old
				e.At = oldAt
				wantOld++
			}
			if _, err := s.appendAudit(tx, e); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	n, err := s.PruneAudit(ctx, t0.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != wantOld {
		t.Errorf("removed %d, want %d", n, wantOld)
	}
	if left, want := auditCount(t, s), total-wantOld; left != want {
		t.Errorf("%d entries left, want %d", left, want)
	}
	kept, err := s.RecentAudit(ctx, MaxAuditLimit, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range kept {
		if !e.At.Equal(newAt) {
			t.Fatalf("entry %d at %v survived the prune", e.ID, e.At)
		}
	}
}

func TestAppendAuditConcurrent(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const workers, each = 32, 25

	var wg sync.WaitGroup
	got := make(chan uint64, workers*each)
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := 0; i < each; i++ {
				id, err := s.AppendAudit(ctx, AuditEntry{Platform: "exec", UserID: fmt.Sprint(w), Command: fmt.Sprint(i)})
				if err != nil {
					errs <- err
					continue
				}
				got <- id
			}
		})
	}
	wg.Wait()
	close(got)
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	seen := map[uint64]bool{}
	for id := range got {
		if seen[id] {
			t.Errorf("id %d handed out twice", id)
		}
		seen[id] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d unique ids, want %d", len(seen), workers*each)
	}
	all, err := s.RecentAudit(ctx, MaxAuditLimit, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != workers*each {
		t.Fatalf("log has %d entries, want %d", len(all), workers*each)
	}
	if all[0].ID != workers*each || all[len(all)-1].ID != 1 {
		t.Fatalf("log runs from %d to %d, want %d to 1", all[0].ID, all[len(all)-1].ID, workers*each)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("ids not strictly decreasing at %d: %d then %d", i, all[i-1].ID, all[i].ID)
		}
	}
}

// TestAuditKeepsOriginalBytes: a command with terminal escapes, a bidi override and a byte
// that is not UTF-8 comes back exactly as typed (the renderers escape it for display).
func TestAuditKeepsOriginalBytes(t *testing.T) {
	s := newStore(t)
	for _, cmd := range []string{"/customer \x1b[2J\u202eevil\xff\xfe", "/customer 张三"} {
		if _, err := s.AppendAudit(t.Context(), AuditEntry{Platform: "console", UserID: "admin", Command: cmd, Result: "ok"}); err != nil {
			t.Fatal(err)
		}
		got, err := s.RecentAudit(t.Context(), 1, AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].Command != cmd {
			t.Fatalf("audit command = %q, want %q", got[0].Command, cmd)
		}
	}
}
