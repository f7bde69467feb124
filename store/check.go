package store

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
	"unsafe"

	bolt "go.etcd.io/bbolt"
)

// DefaultCheckTimeout is how long Open's consistency check may take when Options.CheckTimeout
// is zero.
const DefaultCheckTimeout = 30 * time.Second

// maxReportedProblems is how many of the check's findings an error quotes.
const maxReportedProblems = 3

// corruptError is the error of a file that is not a bbolt database or whose pages are damaged.
type corruptError struct {
	path    string
	invalid bool // bbolt does not recognise the file at all
	err     error
}

func (e *corruptError) Error() string {
	what := "is corrupted"
	if e.invalid {
		what = "is not a bbolt database or is corrupted"
	}
	return fmt.Sprintf("store: %s %s (%v); move it aside and restore a backup, or point store.path elsewhere", e.path, what, e.err)
}

func (e *corruptError) Is(target error) bool { return target == ErrCorrupted }
func (e *corruptError) Unwrap() error        { return e.err }

// checkTimeoutError is the error of a consistency check that did not finish in time.
type checkTimeoutError struct {
	path    string
	size    int64
	timeout time.Duration
}

func (e *checkTimeoutError) Error() string {
	return fmt.Sprintf("store: checking %s (%d MiB) for corruption took longer than %s; raise store.check_timeout to let it finish",
		e.path, e.size>>20, e.timeout)
}

func (e *checkTimeoutError) Is(target error) bool { return target == ErrCheckTimeout }

// guarded runs op, a call into bbolt on the file at path, and turns a panic of bbolt (a damaged
// page it cannot follow) or a fault reading the mapped file into an error wrapping
// ErrCorrupted. Any other panic, such as a bug in a transaction function, goes on unchanged.
func guarded(path string, op func() error) (err error) {
	returned := false
	defer func() {
		if !returned && boltPanicking() {
			err = &corruptError{path: path, err: fmt.Errorf("bbolt failed reading it: %v", recover())}
		}
	}()
	// A page pointer beyond the file would otherwise kill the process with a fault.
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	err = op()
	returned = true
	return err
}

// boltPanicking reports, from a deferred function, whether the goroutine is panicking because of
// bbolt code or a memory fault, rather than because of its caller's code.
func boltPanicking() bool {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	inPanic := false
	for {
		f, more := frames.Next()
		switch {
		case f.Function == "runtime.gopanic":
			inPanic = true
		case inPanic && f.Function == "runtime.sigpanic":
			return true
		case inPanic && !strings.HasPrefix(f.Function, "runtime."):
			return strings.HasPrefix(f.Function, "go.etcd.io/bbolt")
		}
		if !more {
			return false
		}
	}
}

// update runs fn in a read-write transaction, guarded against a damaged file.
func (s *Store) update(fn func(tx *bolt.Tx) error) error {
	return guarded(s.path, func() error { return s.db.Update(fn) })
}

// view runs fn in a read-only transaction, guarded against a damaged file.
func (s *Store) view(fn func(tx *bolt.Tx) error) error {
	return guarded(s.path, func() error { return s.db.View(fn) })
}

// checkFile runs check (verify, at Open) on the whole file within timeout. On a failure db is
// closed, once the check has ended: when it runs out of time, the check goes on in the
// background and releases the file when it ends, while checkFile returns ErrCheckTimeout at once.
func checkFile(db *bolt.DB, path string, size int64, timeout time.Duration, check func(tx *bolt.Tx) error) error {
	done := make(chan error, 1)
	go func() { done <- guarded(path, func() error { return db.View(check) }) }()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case err := <-done:
		if err != nil {
			_ = db.Close()
		}
		return err
	case <-timer.C:
		go func() {
			<-done
			_ = db.Close()
		}()
		return &checkTimeoutError{path: path, size: size, timeout: timeout}
	}
}

// verify checks the file of tx: every bucket's pages are walked and every key and value must lie
// inside the file, then bbolt's own consistency check runs (page types, double references, freed
// pages still in use, key order).
func verify(tx *bolt.Tx, info *bolt.Info, path string) error {
	mapped := fileRange{start: info.Data, end: info.Data + uintptr(tx.Size())}
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		return walkBucket(b, mapped, string(name))
	})
	if err != nil {
		return &corruptError{path: path, err: err}
	}
	// bbolt's check runs in its own goroutine and reports its findings on the channel, which
	// must be drained. The walk above has made sure that it follows no page outside the file.
	var problems []string
	count := 0
	for err := range tx.Check() {
		if count++; count <= maxReportedProblems {
			problems = append(problems, err.Error())
		}
	}
	if count > 0 {
		return &corruptError{path: path, err: fmt.Errorf("%d problem(s) found by bbolt's check: %s", count, strings.Join(problems, "; "))}
	}
	return nil
}

// fileRange is the address range the file's pages are mapped at.
type fileRange struct{ start, end uintptr }

// holds reports whether b lies inside the range (an empty b always does).
func (r fileRange) holds(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= r.start && p <= r.end && uintptr(len(b)) <= r.end-p
}

// walkBucket visits every key of b and its nested buckets; a key or value outside the file is an
// error, and a page bbolt cannot follow makes it panic (see guarded). The keys of a small bucket
// stored inline in its parent's value may be a copy of them in memory: only the pages of the
// others are where the file is mapped.
func walkBucket(b *bolt.Bucket, mapped fileRange, path string) error {
	if b.Root() == 0 {
		mapped = fileRange{start: 0, end: ^uintptr(0)}
	}
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if !mapped.holds(k) {
			return fmt.Errorf("bucket %q: a key lies outside the file", path)
		}
		if !mapped.holds(v) {
			return fmt.Errorf("bucket %q: the value of key %x lies outside the file", path, k)
		}
		if v != nil {
			continue
		}
		child := b.Bucket(k)
		if child == nil {
			return fmt.Errorf("bucket %q: key %x is marked as a bucket that cannot be opened", path, k)
		}
		if err := walkBucket(child, mapped, path+"/"+string(k)); err != nil {
			return err
		}
	}
	return nil
}
