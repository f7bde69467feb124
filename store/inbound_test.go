package store

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestFirstDeliveries: a delivery id is first once per platform within its time to live, also
// within one call, also after the store is closed and opened again (a restart), and first again
// once its time ran out.
func TestFirstDeliveries(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("界", 400) // 1,200 bytes: kept as its digest
	steps := []struct {
		name     string
		platform string
		ids      []string
		advance  time.Duration // before the call
		restart  bool          // close and open the file before the call
		want     []bool
	}{
		{"new ids", "telegram", []string{"7:501", "7:502"}, 0, false, []bool{true, true}},
		{"repeated within one call", "telegram", []string{"7:503", "7:503"}, 0, false, []bool{true, false}},
		{"delivered again", "telegram", []string{"7:501", "7:504"}, time.Minute, false, []bool{false, true}},
		{"another platform's equal id", "wecom", []string{"7:501"}, 0, false, []bool{true}},
		{"after a restart", "telegram", []string{"7:502", "7:503"}, 0, true, []bool{false, false}},
		{"a long id", "slack", []string{long, long + "x"}, 0, false, []bool{true, true}},
		{"the long id again", "slack", []string{long}, 0, true, []bool{false}},
		{"just before the end of its time", "telegram", []string{"7:502"}, time.Hour - time.Minute - time.Nanosecond, false, []bool{false}},
		{"once its time ran out", "telegram", []string{"7:502", "7:504"}, time.Nanosecond, false, []bool{true, false}},
		{"first again, remembered again", "telegram", []string{"7:502"}, time.Minute, false, []bool{false}},
	}
	for _, st := range steps {
		clk.Advance(st.advance)
		if st.restart {
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if s, err = Open(path, Options{Now: clk.Now}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.FirstDeliveries(ctx, st.platform, st.ids, time.Hour)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if !slices.Equal(got, st.want) {
			t.Errorf("%s: first = %v, want %v", st.name, got, st.want)
		}
	}
	if first, err := s.FirstDelivery(ctx, "telegram", "7:502", time.Hour); err != nil || first {
		t.Errorf("FirstDelivery of a known id = %t, %v", first, err)
	}
	for _, bad := range []struct {
		name, platform string
		ids            []string
		ttl            time.Duration
	}{
		{"no platform", "", []string{"1"}, time.Hour},
		{"NUL in the platform", "tele\x00gram", []string{"1"}, time.Hour},
		{"an empty id", "telegram", []string{"1", ""}, time.Hour},
		{"no time to live", "telegram", []string{"1"}, 0},
	} {
		if _, err := s.FirstDeliveries(ctx, bad.platform, bad.ids, bad.ttl); err == nil {
			t.Errorf("%s: no error", bad.name)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestPruneDeliveries: ids whose time ran out are forgotten, a few at every FirstDeliveries
// and the rest, in several batches, by PruneDeliveries (the retention loop's Prune); ids still
// in their window stay.
func TestPruneDeliveries(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	s := openStore(t, dbPath(t), Options{Now: clk.Now})
	const old = 2*pruneBatch + 7
	ids := make([]string, old)
	for i := range ids {
		ids[i] = fmt.Sprintf("m:%d", i)
	}
	if _, err := s.FirstDeliveries(ctx, "wecom", ids, time.Hour); err != nil {
		t.Fatal(err)
	}
	clk.Advance(50 * time.Minute)
	if _, err := s.FirstDeliveries(ctx, "wecom", []string{"m:recent"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	clk.Advance(20 * time.Minute) // the old ones ran out 10 minutes ago; m:recent has 40 to go

	// A write forgets a few.
	if _, err := s.FirstDelivery(ctx, "wecom", "m:new", time.Hour); err != nil {
		t.Fatal(err)
	}
	if n := countDeliveries(t, s); n != old+2-deliveriesPruneBatch {
		t.Errorf("%d ids kept after a write, want %d (a batch of %d forgotten)", n, old+2-deliveriesPruneBatch, deliveriesPruneBatch)
	}
	res, err := s.Prune(ctx, Retention{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Inbound != old-deliveriesPruneBatch {
		t.Errorf("pruned %d, want %d", res.Inbound, old-deliveriesPruneBatch)
	}
	if n := countDeliveries(t, s); n != 2 {
		t.Errorf("%d ids kept, want 2", n)
	}
	if first, err := s.FirstDelivery(ctx, "wecom", "m:recent", time.Hour); err != nil || first {
		t.Errorf("m:recent, still in its window, was forgotten: %t, %v", first, err)
	}
	if first, err := s.FirstDelivery(ctx, "wecom", "m:1", time.Hour); err != nil || !first {
		t.Errorf("m:1, out of its window, is still known: %t, %v", first, err)
	}
	if n, err := s.PruneDeliveries(ctx); err != nil || n != 0 {
		t.Errorf("a second prune removed %d, %v", n, err)
	}
}

// countDeliveries counts the ids kept, checking that the index by expiry matches them.
func countDeliveries(t *testing.T, s *Store) int {
	t.Helper()
	var n, indexed int
	if err := s.View(context.Background(), func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketInbound).Stats().KeyN
		indexed = tx.Bucket(bucketInboundExpiry).Stats().KeyN
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != indexed {
		t.Errorf("%d ids but %d index entries", n, indexed)
	}
	return n
}

// TestFirstDeliveriesConcurrent: calls from many goroutines at once (a flood of webhook
// requests) share transactions, and each id is still first exactly once.
func TestFirstDeliveriesConcurrent(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, dbPath(t), Options{Now: (&fakeClock{t: t0}).Now})
	const senders, each = 16, 40
	var mu sync.Mutex
	firsts := map[string]int{}
	var wg sync.WaitGroup
	for g := range senders {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("ev:%d", (g/2)*each+i) // two senders per id
				first, err := s.FirstDelivery(ctx, "slack", id, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if first {
					firsts[id]++
				} else if _, ok := firsts[id]; !ok {
					firsts[id] = 0
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(firsts) != senders/2*each {
		t.Errorf("%d ids answered, want %d", len(firsts), senders/2*each)
	}
	for id, n := range firsts {
		if n != 1 {
			t.Errorf("%s was first %d times, want once", id, n)
		}
	}
}

// BenchmarkFirstDelivery records one delivery id per call, from one goroutine (each call its own
// transaction and write to disk) and from many at once (a flood of webhook requests, which share
// transactions): ms/delivery is what one costs the store's single writer.
func BenchmarkFirstDelivery(b *testing.B) {
	for _, parallel := range []bool{false, true} {
		b.Run(fmt.Sprintf("parallel=%t", parallel), func(b *testing.B) {
			s, err := Open(filepath.Join(b.TempDir(), "state.db"), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			var next atomic.Int64
			record := func() {
				if _, err := s.FirstDelivery(ctx, "wecom", "m:"+strconv.FormatInt(next.Add(1), 10), time.Hour); err != nil {
					b.Error(err)
				}
			}
			start := time.Now()
			if parallel {
				b.SetParallelism(16)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						record()
					}
				})
			} else {
				for b.Loop() {
					record()
				}
			}
			b.ReportMetric(float64(time.Since(start).Microseconds())/1000/float64(b.N), "ms/delivery")
		})
	}
}
