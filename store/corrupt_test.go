package store

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// Page layout of bbolt (little-endian on the machines we run on): a 16-byte header (id u64,
// flags u16, count u16, overflow u32), then count elements of 16 bytes. A branch element is
// pos u32, ksize u32, pgid u64; a leaf element is flags u32, pos u32, ksize u32, vsize u32.
const (
	pageHeader  = 16
	elementSize = 16
	branchFlag  = 0x01
	leafFlag    = 0x02
)

// subscriptionsFile writes a store whose subscriptions bucket spans several pages: a branch
// page over leaf pages.
func subscriptionsFile(t *testing.T) string {
	t.Helper()
	path := dbPath(t)
	s := openStore(t, path, Options{Now: newClock().Now})
	if err := s.SyncConfigSubscriptions(context.Background(), manySubscriptions(300)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func manySubscriptions(n int) []Subscription {
	subs := make([]Subscription, n)
	for i := range subs {
		subs[i] = Subscription{Platform: "wecom", Channel: fmt.Sprintf("robot-%03d", i), Kind: "all", Scope: "*",
			Days: []int{30, 15, 7, 3, 1}, CreatedBy: Actor{Platform: "system", UserID: "config"}}
	}
	return subs
}

// subscriptionPages returns the page size, the subscriptions bucket's root page (a branch) and
// the leaf pages below it.
func subscriptionPages(t *testing.T, path string) (pageSize int, branch uint64, leaves []uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pageSize = db.Info().PageSize
	if err := db.View(func(tx *bolt.Tx) error {
		branch = uint64(tx.Bucket(bucketSubscriptions).Root())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	raw := readPage(t, path, pageSize, branch)
	if flags := binary.LittleEndian.Uint16(raw[8:]); flags != branchFlag {
		t.Fatalf("subscriptions root page %d has flags %#x, want a branch page", branch, flags)
	}
	for i := 0; i < int(binary.LittleEndian.Uint16(raw[10:])); i++ {
		leaves = append(leaves, binary.LittleEndian.Uint64(raw[pageHeader+i*elementSize+8:]))
	}
	if len(leaves) < 2 {
		t.Fatalf("subscriptions span %d leaf pages, want several", len(leaves))
	}
	return pageSize, branch, leaves
}

func readPage(t *testing.T, path string, pageSize int, id uint64) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	raw := make([]byte, pageSize)
	if _, err := f.ReadAt(raw, int64(id)*int64(pageSize)); err != nil {
		t.Fatal(err)
	}
	return raw
}

// patch writes b at offset off of page id, as a failing disk or a stray write would.
func patch(t *testing.T, path string, pageSize int, id uint64, off int, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, int64(id)*int64(pageSize)+int64(off)); err != nil {
		t.Fatal(err)
	}
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

// checkCorrupted asserts that err is the corruption error, with the advice, naming path.
func checkCorrupted(t *testing.T, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error, want the corruption error")
	}
	if !errors.Is(err, ErrCorrupted) {
		t.Errorf("error %v is not ErrCorrupted", err)
	}
	msg := err.Error()
	if len(msg) > maxErrorText {
		t.Fatalf("error is %d bytes long, want at most %d: %.2000s…", len(msg), maxErrorText, msg)
	}
	for _, w := range []string{"store " + path + " is corrupted; move it aside and restore a backup"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
}

// maxErrorText is the longest corruption error the tests accept: the advice, the path and a
// short account of what is wrong, fit for one log line, never a dump of the file.
const maxErrorText = 600

// TestOpenCorruptedPages: a damaged page made SyncConfigSubscriptions panic (slice bounds out of
// range) or writes fail later. Open checks the whole file and refuses it, without a panic.
func TestOpenCorruptedPages(t *testing.T) {
	tests := []struct {
		name    string
		corrupt func(t *testing.T, path string, pageSize int, branch uint64, leaves []uint64)
	}{
		{"leaf key position out of range", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[1], pageHeader+4, le32(0xFFFFFFF0)) // element 0's pos
		}},
		{"leaf key longer than the page", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[0], pageHeader+elementSize+8, le32(0x7FFFF000)) // element 1's ksize
		}},
		{"leaf page type garbled", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[1], 8, []byte{0x40, 0x00})
		}},
		{"leaf page id garbled", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[0], 0, le64(leaves[0]+1000))
		}},
		{"branch child far beyond the file", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(1<<40)) // element 1's pgid
		}},
		{"branch child just beyond the file", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(uint64(info.Size())/uint64(ps)+2))
		}},
		{"file cut short", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			if err := os.Truncate(path, int64(slices.Max(leaves))*int64(ps)); err != nil { // reading there faults
				t.Fatal(err)
			}
		}},
		{"two branch elements share a leaf", func(t *testing.T, path string, ps int, branch uint64, leaves []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(leaves[0]))
		}},
		{"leaf keys out of order", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			raw := readPage(t, path, ps, leaves[0])
			first := pageHeader + int(binary.LittleEndian.Uint32(raw[pageHeader+4:]))
			patch(t, path, ps, leaves[0], first, le64(^uint64(0))) // the first key becomes the largest
		}},
		// The second adversarial run (issue #20): bbolt's own check reads branch keys in a
		// goroutine of its own, where a fault kills the process, and quotes whole keys in hex.
		{"branch key size huge", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+4, le32(0x7FFFF000)) // element 1's ksize
		}},
		{"branch key runs to the end of the file", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			raw := readPage(t, path, ps, branch)
			start := int(branch)*ps + pageHeader + elementSize + int(binary.LittleEndian.Uint32(raw[pageHeader+elementSize:]))
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			patch(t, path, ps, branch, pageHeader+elementSize+4, le32(uint32(int(info.Size())-start-1)))
		}},
		{"branch key position past the page", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize, le32(0x7FFFFFF0)) // element 1's pos
		}},
		{"branch key position past the file", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			info, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			patch(t, path, ps, branch, pageHeader+elementSize, le32(uint32(info.Size()))) // element 1's pos
		}},
		{"branch child at the high-water mark", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(highWater(t, path)))
		}},
		{"branch child is the branch itself", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(branch))
		}},
		{"branch child is a meta page", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, pageHeader+elementSize+8, le64(1))
		}},
		{"branch element count past the page", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, 10, []byte{0xFF, 0xFF})
		}},
		{"branch overflow past the high-water mark", func(t *testing.T, path string, ps int, branch uint64, _ []uint64) {
			patch(t, path, ps, branch, 12, le32(0x00FFFFFF))
		}},
		{"leaf value size huge", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[0], pageHeader+12, le32(0x7FFFF000)) // element 0's vsize
		}},
		{"leaf key size zero", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[0], pageHeader+elementSize+8, le32(0)) // element 1's ksize
		}},
		{"leaf element count past the page", func(t *testing.T, path string, ps int, _ uint64, leaves []uint64) {
			patch(t, path, ps, leaves[1], 10, []byte{0xFF, 0xFF})
		}},
		{"freelist lists more pages than it holds", func(t *testing.T, path string, ps int, _ uint64, _ []uint64) {
			free := freelistPage(t, path)
			patch(t, path, ps, free, 10, []byte{0xFF, 0xFF}) // the count is in the first element
			patch(t, path, ps, free, pageHeader, le64(1<<40))
		}},
	}
	for _, tt := range tests {
		for _, how := range []string{"Open", "Verify"} {
			t.Run(how+"/"+tt.name, func(t *testing.T) {
				path := subscriptionsFile(t)
				ps, branch, leaves := subscriptionPages(t, path)
				tt.corrupt(t, path, ps, branch, leaves)
				var err error
				if how == "Open" {
					var s *Store
					if s, err = Open(path, Options{Timeout: 100 * time.Millisecond}); err == nil {
						defer s.Close()
						t.Fatal("Open accepted a corrupted file")
					}
				} else if _, err = Verify(path, Options{Timeout: 100 * time.Millisecond}); err == nil {
					t.Fatal("Verify accepted a corrupted file")
				}
				checkCorrupted(t, err, path)
				t.Log(err)
				// Refused, it is released: the file can be moved aside and opened by a tool.
				db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 5 * time.Second})
				if err != nil {
					t.Fatalf("the refused file is still locked: %v", err)
				}
				db.Close()
			})
		}
	}
}

// highWater is the number of pages path's newest transaction uses: its page ids lie below it.
func highWater(t *testing.T, path string) (hwm uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		hwm = uint64(tx.Size()) / uint64(db.Info().PageSize)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return hwm
}

// freelistPage is the id of path's freelist page.
func freelistPage(t *testing.T, path string) (id uint64) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.View(func(tx *bolt.Tx) error {
		for i := 2; ; i++ {
			info, err := tx.Page(i)
			if err != nil || info == nil {
				return fmt.Errorf("no freelist page (%v)", err)
			}
			if info.Type == "freelist" {
				id = uint64(i)
				return nil
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCorruptionWhileOpenIsAnError: a page damaged after Open makes bbolt panic inside a
// transaction; the store answers with the corruption error instead.
func TestCorruptionWhileOpenIsAnError(t *testing.T) {
	ctx := context.Background()
	path := subscriptionsFile(t)
	ps, branch, leaves := subscriptionPages(t, path)
	s := openStore(t, path, Options{Now: newClock().Now})

	patch(t, path, ps, leaves[1], pageHeader+4, le32(0xFFFFFFF0))
	err := s.SyncConfigSubscriptions(ctx, manySubscriptions(2))
	checkCorrupted(t, err, path)
	_, err = s.Subscriptions(ctx, "", "")
	checkCorrupted(t, err, path)
	err = s.View(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscriptions).ForEach(func(k, v []byte) error { return nil })
	})
	checkCorrupted(t, err, path)

	patch(t, path, ps, branch, pageHeader+elementSize+8, le64(1<<40)) // a page far outside the file
	err = s.Update(ctx, func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSubscriptions).ForEach(func(k, v []byte) error { return nil })
	})
	checkCorrupted(t, err, path)
	// What does not touch the damaged pages still works.
	if _, err := s.AppendAudit(ctx, AuditEntry{Command: "/help"}); err != nil {
		t.Errorf("AppendAudit: %v", err)
	}
}

// TestPanicOfTheCallerIsNotCorruption: a bug in a transaction function is not blamed on the
// file; it panics as it would have.
func TestPanicOfTheCallerIsNotCorruption(t *testing.T) {
	s := newStore(t)
	defer func() {
		if p := recover(); p != "my bug" {
			t.Errorf("recovered %v, want the caller's own panic", p)
		}
	}()
	_ = s.Update(context.Background(), func(*bolt.Tx) error { panic("my bug") })
	t.Error("the caller's panic was swallowed")
}

// TestCheckTimeout: a check that does not finish in time fails at once rather than stalling the
// start, says which setting to raise, and releases the file only when the check has ended.
func TestCheckTimeout(t *testing.T) {
	path := subscriptionsFile(t)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	gate := make(chan struct{})
	slow := func(*bolt.Tx) error { <-gate; return nil }
	start := time.Now()
	err = checkFile(db, path, 300<<20, 50*time.Millisecond, slow)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("checkFile took %v with a 50ms timeout", took)
	}
	if !errors.Is(err, ErrCheckTimeout) {
		t.Fatalf("err = %v, want ErrCheckTimeout", err)
	}
	for _, w := range []string{path, "300 MiB", "50ms", "store.check_timeout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 100 * time.Millisecond}); err == nil {
		db.Close()
		t.Fatal("the file was released while the check was still reading it")
	}
	close(gate)
	openStore(t, path, Options{Timeout: 10 * time.Second}) // released once the check ends
}

// TestCorruptionErrorIsShort: whatever bbolt or a panic says about the damage (a finding can
// quote keys, and a damaged key can be as long as the file), the error quotes at most 300 bytes
// of it, cut on a character boundary; bbolt's findings quote 16 bytes of a key.
func TestCorruptionErrorIsShort(t *testing.T) {
	for _, cause := range []string{strings.Repeat("ab", 1<<20), strings.Repeat("键", 1<<16), "short"} {
		err := &corruptError{path: "/data/bot.db", err: errors.New(cause)}
		checkCorrupted(t, err, "/data/bot.db")
		msg := err.Error()
		if !utf8.ValidString(msg) {
			t.Errorf("cut inside a character: %q", msg)
		}
		if d := CorruptionDetail(err); len(d) > maxDetail || !strings.HasPrefix(cause, strings.TrimSuffix(d, "…")) {
			t.Errorf("CorruptionDetail = %q (%d bytes)", d, len(d))
		}
	}
	if got := (shortKV{}).KeyToString(make([]byte, 1<<20)); got != "00000000000000000000000000000000…(1048576 bytes)" {
		t.Errorf("KeyToString of 1 MiB = %q", got)
	}
	if got := (shortKV{}).ValueToString([]byte("ab")); got != "6162" {
		t.Errorf("ValueToString(ab) = %q", got)
	}
}

// TestRandomDamageNeverCrashes: random bytes written over random places of the pages in use
// (headers, elements, keys, values, the freelist) never crash Open or Verify, nor a read of
// what they accepted (damage inside a value, say, which fails to decode): each file is accepted
// or refused with the short corruption error. The damage is drawn from a fixed seed.
func TestRandomDamageNeverCrashes(t *testing.T) {
	orig := subscriptionsFile(t)
	ps, _, _ := subscriptionPages(t, orig)
	hwm := highWater(t, orig)
	clean, err := os.ReadFile(orig)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(20, 5))
	runs := 300
	if testing.Short() {
		runs = 50
	}
	refused := 0
	for i := range runs {
		path := filepath.Join(t.TempDir(), fmt.Sprintf("damaged-%d.db", i))
		data := slices.Clone(clean)
		for range 1 + rng.IntN(4) {
			page := 2 + rng.IntN(int(hwm)-2)
			off := page*ps + rng.IntN(64) // the header and the first elements, mostly
			if rng.IntN(3) == 0 {
				off = page*ps + rng.IntN(ps)
			}
			n := 1 + rng.IntN(4)
			for j := range n {
				data[off+j] = byte(rng.Uint32())
			}
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Verify(path, Options{Timeout: time.Second}); err != nil {
			checkCorrupted(t, err, path)
			refused++
			continue
		}
		s, err := Open(path, Options{Timeout: time.Second, Now: newClock().Now})
		if err != nil {
			t.Fatalf("run %d: Verify accepted the file, Open refused it: %v", i, err)
		}
		// A damaged value that still lies in its page fails to decode: an error, not a crash.
		if _, err := s.Subscriptions(context.Background(), "", ""); err != nil && len(err.Error()) > maxErrorText {
			t.Errorf("run %d: Subscriptions: %.2000s", i, err)
		}
		s.Close()
	}
	t.Logf("%d of %d damaged files refused", refused, runs)
}
