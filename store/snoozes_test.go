package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func snoozeTargets(sns []Snooze) []string {
	out := make([]string, len(sns))
	for i, sn := range sns {
		out[i] = sn.Platform + ":" + sn.Channel + "/" + sn.Target
	}
	return out
}

func mustSnoozes(t *testing.T, s *Store, platform, channel string) []Snooze {
	t.Helper()
	sns, err := s.Snoozes(context.Background(), platform, channel)
	if err != nil {
		t.Fatalf("Snoozes(%q, %q): %v", platform, channel, err)
	}
	return sns
}

// storedSnoozes is the number of records in the snoozes bucket, expired ones included.
func storedSnoozes(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	if err := s.View(context.Background(), func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSnoozes).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSnooze(t *testing.T) {
	ctx := context.Background()
	s, clk, path := newFakeStore(t)
	for _, sn := range []Snooze{
		{Platform: "slack", Channel: "C1", Target: "r-1", Until: t0.Add(time.Hour), By: alice},
		{Platform: "slack", Channel: "C1", Target: "r-2", Until: t0.Add(2 * time.Hour), By: alice},
		{Platform: "slack", Channel: "C2", Target: "r-1", Until: t0.Add(3 * time.Hour), By: bob},
		{Platform: "telegram", Channel: "-100", Target: "cust-7", Until: t0.Add(4 * time.Hour), By: carol},
		// Upsert: r-1 in C1 by bob, shorter; At is set by the store.
		{Platform: "slack", Channel: "C1", Target: "r-1", Until: t0.Add(30 * time.Minute), By: bob, At: t0.Add(-time.Hour)},
	} {
		if err := s.Snooze(ctx, sn); err != nil {
			t.Fatal(err)
		}
		e := lastAudit(t, s)
		if want := "snooze " + sn.Target + " until " + sn.Until.Format(time.RFC3339); e.Command != want || e.UserID != sn.By.UserID ||
			e.Detail != "channel "+sn.Platform+":"+sn.Channel || e.Result != "ok" {
			t.Errorf("audit %+v, want %q", e, want)
		}
	}
	if n := auditCount(t, s); n != 5 {
		t.Errorf("%d audit entries, want 5", n)
	}
	got := mustSnoozes(t, s, "slack", "C1")
	if len(got) != 2 || got[0].By != bob || !got[0].Until.Equal(t0.Add(30*time.Minute)) || !got[0].At.Equal(t0) {
		t.Errorf("upserted snooze %+v", got)
	}

	tests := []struct {
		advance           time.Duration // from t0
		platform, channel string
		want              []string
		wantStored        int // records left after the listing
	}{
		{0, "slack", "C1", []string{"slack:C1/r-1", "slack:C1/r-2"}, 4},
		{0, "slack", "C2", []string{"slack:C2/r-1"}, 4},
		{0, "slack", "", nil, 4}, // only both "" list everything
		{0, "", "C1", nil, 4},
		{0, "", "", []string{"slack:C1/r-1", "slack:C1/r-2", "slack:C2/r-1", "telegram:-100/cust-7"}, 4},
		{0, "wecom", "C1", nil, 4},
		{29 * time.Minute, "slack", "C1", []string{"slack:C1/r-1", "slack:C1/r-2"}, 4},
		// At Until a snooze is over; the expired one is deleted in passing.
		{30 * time.Minute, "slack", "C2", []string{"slack:C2/r-1"}, 4},
		{30 * time.Minute, "slack", "C1", []string{"slack:C1/r-2"}, 3},
		{150 * time.Minute, "", "", []string{"slack:C2/r-1", "telegram:-100/cust-7"}, 2},
		{150 * time.Minute, "slack", "C1", nil, 2},
		{5 * time.Hour, "telegram", "", nil, 2},
		{5 * time.Hour, "telegram", "-100", nil, 1},
		{5 * time.Hour, "", "", nil, 0},
	}
	for _, tt := range tests {
		clk.mu.Lock()
		clk.t = t0.Add(tt.advance)
		clk.mu.Unlock()
		if got := snoozeTargets(mustSnoozes(t, s, tt.platform, tt.channel)); !slices.Equal(got, tt.want) {
			t.Errorf("at t0+%s Snoozes(%q, %q) = %v, want %v", tt.advance, tt.platform, tt.channel, got, tt.want)
		}
		if n := storedSnoozes(t, s); n != tt.wantStored {
			t.Errorf("at t0+%s after Snoozes(%q, %q): %d stored, want %d", tt.advance, tt.platform, tt.channel, n, tt.wantStored)
		}
	}
	if n := auditCount(t, s); n != 5 {
		t.Errorf("dropping expired snoozes wrote audit entries: %d, want 5", n)
	}

	// Snoozes survive a reopen; a read-only store ignores expired ones without deleting them.
	if err := s.Snooze(ctx, Snooze{Platform: "slack", Channel: "C1", Target: "r-3", Until: t0.Add(6 * time.Hour), By: alice}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{Now: clk.Now})
	if got := mustSnoozes(t, s, "slack", "C1"); len(got) != 1 || got[0].By != alice || !got[0].Until.Equal(t0.Add(6*time.Hour)) {
		t.Errorf("after reopen %+v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	late := &fakeClock{t: t0.Add(7 * time.Hour)}
	ro := openStore(t, path, Options{Now: late.Now, ReadOnly: true})
	if got := mustSnoozes(t, ro, "", ""); len(got) != 0 {
		t.Errorf("read-only listing of expired snoozes %+v", got)
	}
	if n := storedSnoozes(t, ro); n != 1 {
		t.Errorf("%d stored after a read-only listing, want 1", n)
	}
}

func TestSnoozeRefused(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	ok := Snooze{Platform: "slack", Channel: "C1", Target: "r-1", Until: t0.Add(time.Hour), By: alice}
	tests := []struct {
		name   string
		change func(sn *Snooze)
	}{
		{"until now", func(sn *Snooze) { sn.Until = t0 }},
		{"until in the past", func(sn *Snooze) { sn.Until = t0.Add(-time.Hour) }},
		{"until zero", func(sn *Snooze) { sn.Until = time.Time{} }},
		{"no target", func(sn *Snooze) { sn.Target = "" }},
		{"no platform", func(sn *Snooze) { sn.Platform = "" }},
		{"no channel", func(sn *Snooze) { sn.Channel = "" }},
		{"NUL in target", func(sn *Snooze) { sn.Target = "r\x001" }},
		{"target too long", func(sn *Snooze) { sn.Target = strings.Repeat("r", bolt.MaxKeySize) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sn := ok
			tt.change(&sn)
			if err := s.Snooze(ctx, sn); err == nil || !strings.HasPrefix(err.Error(), "store: snooze") {
				t.Errorf("Snooze = %v, want a store error", err)
			}
			if n := storedSnoozes(t, s); n != 0 {
				t.Errorf("%d stored", n)
			}
			if n := auditCount(t, s); n != 0 {
				t.Errorf("%d audit entries", n)
			}
		})
	}
	for _, pc := range [][2]string{{"", "C1"}, {"slack", ""}, {"sl:ack", "C1"}, {"slack", "C\x001"}} {
		if got, err := s.Snoozes(ctx, pc[0], pc[1]); err != nil || len(got) != 0 {
			t.Errorf("Snoozes(%q, %q) = %v, %v; want none", pc[0], pc[1], got, err)
		}
	}
}

func TestUnsnooze(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)
	for _, sn := range []Snooze{
		{Platform: "slack", Channel: "C1", Target: "r-1", Until: t0.Add(time.Hour), By: alice},
		{Platform: "slack", Channel: "C1", Target: "r-2", Until: t0.Add(time.Minute), By: alice},
		{Platform: "slack", Channel: "C2", Target: "r-1", Until: t0.Add(time.Hour), By: alice},
	} {
		if err := s.Snooze(ctx, sn); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Minute) // r-2 has expired
	tests := []struct {
		name                      string
		platform, channel, target string
		want                      bool
		wantAudit                 bool
		wantStored                int
	}{
		{"active", "slack", "C1", "r-1", true, true, 2},
		{"again", "slack", "C1", "r-1", false, false, 2},
		{"never snoozed", "slack", "C1", "r-9", false, false, 2},
		{"other platform", "telegram", "C2", "r-1", false, false, 2},
		{"expired: deleted, not reported", "slack", "C1", "r-2", false, false, 1},
		{"other channel still there", "slack", "C2", "r-1", true, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audits := auditCount(t, s)
			got, err := s.Unsnooze(ctx, tt.platform, tt.channel, tt.target, bob)
			if err != nil || got != tt.want {
				t.Errorf("Unsnooze = %t, %v; want %t", got, err, tt.want)
			}
			if n := auditCount(t, s) - audits; n != map[bool]int{false: 0, true: 1}[tt.wantAudit] {
				t.Errorf("%d audit entries written", n)
			}
			if tt.wantAudit {
				if e := lastAudit(t, s); e.Command != "unsnooze "+tt.target || e.UserID != bob.UserID || e.Detail != "channel "+tt.platform+":"+tt.channel {
					t.Errorf("audit %+v", e)
				}
			}
			if n := storedSnoozes(t, s); n != tt.wantStored {
				t.Errorf("%d stored, want %d", n, tt.wantStored)
			}
		})
	}
	if _, err := s.Unsnooze(ctx, "slack", "C1", "", bob); err == nil {
		t.Error("Unsnooze without a target succeeded")
	}
}
