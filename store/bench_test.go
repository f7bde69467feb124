package store

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/internal/benchutil"
)

// seedAudit fills s with n audit entries dated at, in transactions of 10,000.
func seedAudit(b *testing.B, s *Store, n int, at time.Time) {
	b.Helper()
	cmd := "/expiring 30 " + strings.Repeat("x", 120)
	for done := 0; done < n; {
		err := s.update(func(tx *bolt.Tx) error {
			for i := 0; i < 10000 && done < n; i, done = i+1, done+1 {
				if _, err := s.appendAudit(tx, AuditEntry{At: at, Platform: "slack", UserID: "U0123", Channel: "C0123", Command: cmd, Result: "ok"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// writerWaits appends an audit entry (what every command does) in a loop until stop is closed,
// and returns how long each append took: the time a command waits while something else writes.
func writerWaits(s *Store, stop <-chan struct{}) func() []time.Duration {
	var waits []time.Duration
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			if _, err := s.AppendAudit(context.Background(), AuditEntry{Platform: "exec", UserID: "bench", Command: "/help", Result: "ok"}); err != nil {
				return
			}
			waits = append(waits, time.Since(start))
		}
	}()
	return func() []time.Duration { wg.Wait(); return waits }
}

// reportWaits reports the largest and the median append time.
func reportWaits(b *testing.B, waits []time.Duration) {
	b.Helper()
	if len(waits) == 0 {
		b.Fatal("the writer made no append")
	}
	slices.Sort(waits)
	b.ReportMetric(float64(waits[len(waits)-1].Microseconds())/1000, "max-command-wait-ms")
	b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "median-command-wait-ms")
	b.ReportMetric(float64(len(waits)), "commands-meanwhile")
}

// BenchmarkPruneAudit deletes 100,000 expired audit entries (a 57 MiB file) while a writer
// appends as commands do: the prune's pace, and how long a command waits meanwhile (one batch
// of pruneBatch deletions at most).
func BenchmarkPruneAudit(b *testing.B) {
	const n = 100000
	for range b.N {
		b.StopTimer()
		s, err := Open(fmt.Sprintf("%s/prune.db", b.TempDir()), Options{})
		if err != nil {
			b.Fatal(err)
		}
		seedAudit(b, s, n, time.Now().Add(-500*24*time.Hour))
		stop := make(chan struct{})
		waits := writerWaits(s, stop)
		b.StartTimer()
		start := time.Now()
		removed, err := s.PruneAudit(context.Background(), time.Now().Add(-400*24*time.Hour))
		took := time.Since(start)
		b.StopTimer()
		close(stop)
		w := waits()
		if err != nil || removed != n {
			b.Fatalf("removed %d, %v", removed, err)
		}
		b.ReportMetric(float64(n)/took.Seconds(), "entries/s")
		b.ReportMetric(float64(took.Microseconds())/1000/float64(n/pruneBatch), "ms/batch")
		reportWaits(b, w)
		s.Close()
	}
}

// BenchmarkBackup copies a store of 100,000 audit entries (57 MiB) with Store.Backup while
// a writer appends as commands do: the copy's pace, and how long a command waits meanwhile.
func BenchmarkBackup(b *testing.B) {
	const n = 100000
	s, err := Open(fmt.Sprintf("%s/backup.db", b.TempDir()), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	seedAudit(b, s, n, time.Now())
	var size int64
	b.ResetTimer()
	for range b.N {
		stop := make(chan struct{})
		waits := writerWaits(s, stop)
		start := time.Now()
		got, err := s.Backup(context.Background(), func(int64) (io.Writer, error) { return io.Discard, nil })
		took := time.Since(start)
		close(stop)
		w := waits()
		if err != nil {
			b.Fatal(err)
		}
		size = got
		b.ReportMetric(float64(size)/(1<<20)/took.Seconds(), "MiB/s")
		reportWaits(b, w)
	}
	b.ReportMetric(float64(size)/(1<<20), "MiB")
}

// BenchmarkOpenCheck opens a store of 100,000 audit entries (57 MiB): the time Open's check of
// the whole file takes (every page parsed from the file, then bbolt's consistency check).
func BenchmarkOpenCheck(b *testing.B) {
	const n = 100000
	path := fmt.Sprintf("%s/open.db", b.TempDir())
	s, err := Open(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	seedAudit(b, s, n, time.Now())
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	var took time.Duration
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		s, err := Open(path, Options{})
		took += time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(took.Microseconds())/1000/float64(b.N), "ms/open")
	b.ReportMetric(float64(info.Size())/(1<<20), "MiB")
}

// BenchmarkCommitExpiryIndex builds the expiry index of 10,000 customers of 20 resources (half
// of them main, expiring at random over a year) as a first full scan does, in batches of
// customers, and reports the peak heap and each commit's time. A main resource is also an
// expiry_by_time entry at a random place in that bucket, so each of a batch's resources dirties
// a page of its own, which bbolt holds on the heap until the commit: the peak grows with the
// batch (alerts bounds its batches by resources for this).
func BenchmarkCommitExpiryIndex(b *testing.B) {
	const customers, perCustomer = 10_000, 20
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, batch := range []int{500, 100} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			ctx := context.Background()
			var (
				commits int
				took    time.Duration
				peak    uint64
				writes  int64
			)
			for i := 0; b.Loop(); i++ {
				s, err := Open(filepath.Join(b.TempDir(), fmt.Sprintf("index%d.db", i)), Options{})
				if err != nil {
					b.Fatal(err)
				}
				rng := rand.New(rand.NewPCG(1, uint64(i)))
				runtime.GC()
				stop := benchutil.HeapPeak()
				start := time.Now()
				commits = 0
				var put []IndexedCustomer
				for c := range customers {
					id := fmt.Sprintf("0b%030d", c)
					cu := IndexedCustomer{ID: id, Name: fmt.Sprintf("customer %d", c), Account: fmt.Sprintf("account%d", c), Refreshed: at}
					for r := range perCustomer {
						expiry := at.Add(-20*24*time.Hour + time.Duration(rng.Int64N(int64(385*24*time.Hour))))
						cu.Resources = append(cu.Resources, IndexedResource{ID: fmt.Sprintf("%08x-0000-4000-8000-%012d", c, r), Main: r%2 == 0,
							Status: 2, Expiry: expiry, Policy: 1, Confirmed: at, Desc: "web-01 · Elastic Cloud Server c7.large.2"})
					}
					if put = append(put, cu); len(put) == batch || c == customers-1 {
						if err := s.CommitExpiryIndex(ctx, ExpiryIndexUpdate{Put: put}); err != nil {
							b.Fatal(err)
						}
						put, commits = nil, commits+1
					}
				}
				took = time.Since(start)
				peak = stop()
				st := s.db.Stats()
				writes = st.TxStats.GetWrite()
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(took.Milliseconds())/float64(commits), "ms/commit")
			b.ReportMetric(float64(writes), "page-writes")
		})
	}
}
