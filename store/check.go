package store

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// DefaultCheckTimeout is how long Open's consistency check may take when Options.CheckTimeout
// is zero.
const DefaultCheckTimeout = 30 * time.Second

// maxReportedProblems is how many of the check's findings an error quotes.
const maxReportedProblems = 3

// maxDetail is how many bytes of its cause a corruption error quotes: a finding of bbolt's check
// or a panic's text can quote keys, and a damaged key can be as long as the file.
const maxDetail = 300

// maxKeyQuoted is how many bytes of a key bbolt's check may quote (in hex) in a finding.
const maxKeyQuoted = 16

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
	return fmt.Sprintf("store %s %s; move it aside and restore a backup, or point store.path elsewhere (%s)",
		e.path, what, clip(e.err.Error(), maxDetail))
}

// clip cuts s to at most n bytes, on a character boundary, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncate(s, n-len("…")) + "…"
}

// CorruptionDetail is what err, an error wrapping ErrCorrupted, says is damaged, without the
// path and the advice, cut short as in the error; "" for any other error.
func CorruptionDetail(err error) string {
	var ce *corruptError
	if !errors.As(err, &ce) {
		return ""
	}
	return clip(ce.err.Error(), maxDetail)
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
// The check runs in a goroutine of its own, guarded: a fault or a panic of bbolt there is an
// error wrapping ErrCorrupted.
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

// verify checks the file of tx, read through file (bbolt's own handle of it). First walkPages
// reads every page in use from the file, as bytes, and makes sure that every page, element, key
// and value bbolt will follow lies inside its page and the file, that no page is reached twice
// (no cycle) and that the freelist holds what it says; only then does bbolt's own consistency
// check run (page types, freed pages still in use, pages neither used nor free, key order).
// bbolt runs that check in a goroutine of its own, where no guard of ours can catch a fault (and
// a fault there kills the process) and where a damaged freelist count makes it allocate without
// bound: walkPages is what keeps it from reading anything outside the file.
func verify(tx *bolt.Tx, file *os.File, path string) error {
	if err := walkPages(tx, file); err != nil {
		return &corruptError{path: path, err: err}
	}
	var problems []string
	count := 0
	for err := range tx.Check(bolt.WithKVStringer(shortKV{})) {
		if count++; count <= maxReportedProblems {
			problems = append(problems, clip(err.Error(), maxDetail/maxReportedProblems))
		}
	}
	if count > 0 {
		return &corruptError{path: path, err: fmt.Errorf("%d problem(s) found by bbolt's check: %s", count, strings.Join(problems, "; "))}
	}
	return nil
}

// shortKV makes bbolt's check quote at most maxKeyQuoted bytes of a key or value, in hex.
type shortKV struct{}

func (shortKV) KeyToString(k []byte) string   { return shortHex(k) }
func (shortKV) ValueToString(v []byte) string { return shortHex(v) }

func shortHex(b []byte) string {
	if len(b) <= maxKeyQuoted {
		return hex.EncodeToString(b)
	}
	return fmt.Sprintf("%s…(%d bytes)", hex.EncodeToString(b[:maxKeyQuoted]), len(b))
}

// The layout of bbolt's pages (go.etcd.io/bbolt/internal/common), in the machine's byte order: a
// page starts with a 16-byte header (id u64, flags u16, count u16, overflow u32) and spans
// overflow+1 pages. A branch page's header is followed by count elements of 16 bytes (pos u32,
// ksize u32, pgid u64), a leaf page's by count elements of 16 bytes (flags u32, pos u32, ksize
// u32, vsize u32); an element's key lies pos bytes after the element itself, a leaf's value right
// after its key. A leaf element flagged as a bucket has as value the bucket's header (root pgid
// u64, sequence u64), followed, when root is 0, by the bucket's own leaf page (an inline
// bucket). A freelist page lists count page ids (u64) after its header; a count of 0xFFFF means
// the first of them is the count. Pages 0 and 1 are the meta pages; the meta, after the header,
// is magic u32, version u32, page size u32, flags u32, root bucket header (16 bytes), freelist
// pgid u64, high-water mark pgid u64, txid u64, checksum u64.
const (
	pageHeaderSize   = 16
	pageElementSize  = 16
	bucketHeaderSize = 16
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	freelistPageFlag = 0x10
	bucketLeafFlag   = 0x01
	noFreelist       = ^uint64(0)
	metaRootAt       = pageHeaderSize + 16
	metaFreelistAt   = metaRootAt + bucketHeaderSize
	metaPgidAt       = metaFreelistAt + 8
	metaTxidAt       = metaPgidAt + 8
)

var order = binary.NativeEndian

// pageWalker reads the pages of one transaction from the file.
type pageWalker struct {
	file      io.ReaderAt
	pageSize  uint64
	hwm       uint64   // the high-water mark: every page in use has a lower id
	reached   []uint64 // a bit per page: reached already
	buf       []byte   // room for maxRun pages, what ahead is read into
	ahead     []byte   // pages read ahead, from page aheadFrom on
	aheadFrom uint64
}

// walkPages checks that the page tree of tx lies within the file: see verify.
func walkPages(tx *bolt.Tx, file *os.File) error {
	pageSize := uint64(tx.DB().Info().PageSize)
	w := &pageWalker{file: file, pageSize: pageSize, hwm: uint64(tx.Size()) / pageSize}
	info, err := file.Stat()
	if err != nil {
		return fmt.Errorf("reading it: %w", err)
	}
	if end := w.hwm * pageSize; uint64(info.Size()) < end {
		return fmt.Errorf("the file ends at byte %d but its pages in use run to byte %d", info.Size(), end)
	}
	w.reached = make([]uint64, (w.hwm+63)/64)
	root, freelist, err := w.meta(uint64(tx.ID()))
	if err != nil {
		return err
	}
	if root != uint64(tx.Cursor().Bucket().Root()) {
		return fmt.Errorf("its meta page names root page %d, bbolt uses %d", root, tx.Cursor().Bucket().Root())
	}
	if err := w.freelist(freelist); err != nil {
		return err
	}
	return w.bucket(root, "")
}

// meta returns the root page and the freelist page of the meta page of transaction txid.
func (w *pageWalker) meta(txid uint64) (root, freelist uint64, err error) {
	buf := make([]byte, metaTxidAt+8)
	for id := uint64(0); id < 2; id++ {
		if _, err := w.file.ReadAt(buf, int64(id*w.pageSize)); err != nil {
			return 0, 0, fmt.Errorf("reading meta page %d: %w", id, err)
		}
		if order.Uint64(buf[metaTxidAt:]) == txid && order.Uint64(buf[metaPgidAt:]) == w.hwm {
			w.mark(id, 0)
			w.mark(1-id, 0)
			return order.Uint64(buf[metaRootAt:]), order.Uint64(buf[metaFreelistAt:]), nil
		}
	}
	return 0, 0, fmt.Errorf("neither meta page is that of transaction %d", txid)
}

// mark records pages id to id+overflow as reached, and reports whether one of them already was.
func (w *pageWalker) mark(id, overflow uint64) (again bool) {
	for p := id; p <= id+overflow; p++ {
		bit := uint64(1) << (p % 64)
		again = again || w.reached[p/64]&bit != 0
		w.reached[p/64] |= bit
	}
	return again
}

// page reads page id, which from (a page, or the bucket named) refers to, with its overflow
// pages. It is reached for the first time, lies below the high-water mark, and says it is page
// id. run is how many pages from id on the caller will ask for next, one after the other (the
// children of one branch page mostly follow each other in the file): they are read at once.
func (w *pageWalker) page(id uint64, from string, run int) ([]byte, error) {
	if id < 2 || id >= w.hwm {
		return nil, fmt.Errorf("%s refers to page %d, outside the pages in use (2 to %d)", from, id, w.hwm-1)
	}
	p, err := w.read(id, 1, run)
	if err != nil {
		return nil, err
	}
	if got := order.Uint64(p); got != id {
		return nil, fmt.Errorf("page %d, which %s refers to, says it is page %d", id, from, got)
	}
	overflow := uint64(order.Uint32(p[12:]))
	if overflow >= w.hwm-id {
		return nil, fmt.Errorf("page %d says it runs on for %d pages, past the pages in use (%d)", id, overflow, w.hwm)
	}
	if w.mark(id, overflow) {
		return nil, fmt.Errorf("page %d (or one it runs on to), which %s refers to, is reached twice", id, from)
	}
	if overflow > 0 {
		return w.read(id, overflow+1, 1)
	}
	return p, nil
}

// maxRun is how many pages (of 4 KiB, mostly) page reads at once at most.
const maxRun = 64

// read returns the n pages from id, from the pages read ahead or from the file; with n == 1 it
// reads up to run pages ahead (see page).
func (w *pageWalker) read(id, n uint64, run int) ([]byte, error) {
	if id >= w.aheadFrom && id+n <= w.aheadFrom+uint64(len(w.ahead))/w.pageSize {
		off := (id - w.aheadFrom) * w.pageSize
		return w.ahead[off : off+n*w.pageSize], nil
	}
	if n > 1 {
		p := make([]byte, n*w.pageSize)
		if _, err := w.file.ReadAt(p, int64(id*w.pageSize)); err != nil {
			return nil, fmt.Errorf("reading page %d: %w", id, err)
		}
		return p, nil
	}
	// The pages read ahead are read into the same buffer each time: the caller is done with
	// the page it had before it asks for another.
	n = min(uint64(max(run, 1)), maxRun, w.hwm-id)
	if w.buf == nil {
		w.buf = make([]byte, maxRun*w.pageSize)
	}
	w.ahead, w.aheadFrom = nil, 0
	p := w.buf[:n*w.pageSize]
	if _, err := w.file.ReadAt(p, int64(id*w.pageSize)); err != nil {
		return nil, fmt.Errorf("reading page %d: %w", id, err)
	}
	w.ahead, w.aheadFrom = p, id
	return p[:w.pageSize], nil
}

// freelist checks the freelist page id: its page ids fit in it and are pages in use.
func (w *pageWalker) freelist(id uint64) error {
	if id == noFreelist {
		return nil // bbolt rebuilds the list by walking the tree, as walkPages does
	}
	p, err := w.page(id, "the meta page", 1)
	if err != nil {
		return err
	}
	if flags := order.Uint16(p[8:]); flags != freelistPageFlag {
		return fmt.Errorf("freelist page %d has type %#x", id, flags)
	}
	room := uint64(len(p)-pageHeaderSize) / 8
	first, count := uint64(0), uint64(order.Uint16(p[10:]))
	if count == 0xFFFF {
		first, count = 1, order.Uint64(p[pageHeaderSize:])
	}
	if count > room-first {
		return fmt.Errorf("freelist page %d lists %d pages but has room for %d", id, count, room-first)
	}
	for i := first; i < first+count; i++ {
		if free := order.Uint64(p[pageHeaderSize+8*i:]); free < 2 || free >= w.hwm {
			return fmt.Errorf("freelist page %d lists page %d, outside the pages in use (2 to %d)", id, free, w.hwm-1)
		}
	}
	return nil
}

// bucket checks the pages of the bucket named name (quoted, "" for the root bucket) whose root
// page is root, then its child buckets.
func (w *pageWalker) bucket(root uint64, name string) error {
	from := "the meta page"
	if name != "" {
		from = "bucket " + name
	}
	var children []childBucket
	type ref struct {
		id   uint64
		from string
		run  int // pages from id on that follow in the stack, one after the other
	}
	stack := []ref{{root, from, 1}}
	for len(stack) > 0 {
		r := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		p, err := w.page(r.id, r.from, r.run)
		if err != nil {
			return err
		}
		where := fmt.Sprintf("page %d", r.id)
		switch flags := order.Uint16(p[8:]); flags {
		case branchPageFlag:
			var kids []uint64
			kids, err = branchElements(p, where)
			run := 0
			for i := len(kids) - 1; i >= 0; i-- {
				if run++; i+1 < len(kids) && kids[i+1] != kids[i]+1 {
					run = 1
				}
				stack = append(stack, ref{kids[i], where, run})
			}
		case leafPageFlag:
			children, err = leafElements(p, where, name, false, children)
		default:
			err = fmt.Errorf("%s, which %s refers to, has type %#x, not a branch or leaf page", where, r.from, flags)
		}
		if err != nil {
			return err
		}
	}
	for _, c := range children {
		if err := w.bucket(c.root, c.name); err != nil {
			return err
		}
	}
	return nil
}

// childBucket is a bucket, named by its quoted path, whose root is a page of its own.
type childBucket struct {
	root uint64
	name string
}

// elements returns the count of page p's elements, which must fit in it.
func elements(p []byte, where string) (int, error) {
	n := int(order.Uint16(p[10:]))
	if pageHeaderSize+n*pageElementSize > len(p) {
		return 0, fmt.Errorf("%s says it holds %d elements, more than fit in it", where, n)
	}
	return n, nil
}

// keyAt checks that the key of the element at off, pos bytes on and ksize long, followed by
// vsize bytes of value, lies inside p.
func keyAt(p []byte, off int, pos, ksize, vsize uint32, where string, i int) error {
	if ksize == 0 || ksize > bolt.MaxKeySize {
		return fmt.Errorf("%s: element %d has a key of %d bytes (1 to %d allowed)", where, i, ksize, bolt.MaxKeySize)
	}
	if end := uint64(off) + uint64(pos) + uint64(ksize) + uint64(vsize); end > uint64(len(p)) {
		return fmt.Errorf("%s: element %d's key and value (%d+%d bytes, %d bytes on) run past the end of the page",
			where, i, ksize, vsize, pos)
	}
	return nil
}

// branchElements checks the elements of branch page p and returns the pages they refer to.
func branchElements(p []byte, where string) ([]uint64, error) {
	n, err := elements(p, where)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, fmt.Errorf("%s is a branch page without elements", where)
	}
	kids := make([]uint64, n)
	for i := range n {
		off := pageHeaderSize + i*pageElementSize
		pos, ksize := order.Uint32(p[off:]), order.Uint32(p[off+4:])
		if err := keyAt(p, off, pos, ksize, 0, where, i); err != nil {
			return nil, err
		}
		kids[i] = order.Uint64(p[off+8:])
	}
	return kids, nil
}

// leafElements checks the elements of leaf page p, and the inline buckets among them, of the
// bucket named name; it appends to children the buckets with root pages of their own.
func leafElements(p []byte, where, name string, inline bool, children []childBucket) ([]childBucket, error) {
	n, err := elements(p, where)
	if err != nil {
		return nil, err
	}
	for i := range n {
		off := pageHeaderSize + i*pageElementSize
		flags, pos := order.Uint32(p[off:]), order.Uint32(p[off+4:])
		ksize, vsize := order.Uint32(p[off+8:]), order.Uint32(p[off+12:])
		if err := keyAt(p, off, pos, ksize, vsize, where, i); err != nil {
			return nil, err
		}
		switch {
		case flags == 0:
			continue
		case flags != bucketLeafFlag:
			return nil, fmt.Errorf("%s: element %d has flags %#x", where, i, flags)
		case inline:
			return nil, fmt.Errorf("%s: element %d is a bucket inside an inline bucket", where, i)
		}
		key := p[off+int(pos) : off+int(pos)+int(ksize)]
		value := p[off+int(pos)+int(ksize) : off+int(pos)+int(ksize)+int(vsize)]
		child := quoteName(name, key)
		if len(value) < bucketHeaderSize {
			return nil, fmt.Errorf("%s: bucket %s has a header of %d bytes", where, child, len(value))
		}
		if root := order.Uint64(value); root != 0 {
			children = append(children, childBucket{root: root, name: child})
			continue
		}
		page := value[bucketHeaderSize:]
		in := fmt.Sprintf("the inline page of bucket %s", child)
		if len(page) < pageHeaderSize {
			return nil, fmt.Errorf("%s is %d bytes long", in, len(page))
		}
		if flags := order.Uint16(page[8:]); flags != leafPageFlag {
			return nil, fmt.Errorf("%s has type %#x, not a leaf page", in, flags)
		}
		if _, err := leafElements(page, in, child, true, nil); err != nil {
			return nil, err
		}
	}
	return children, nil
}

// quoteName is the path of bucket key inside the bucket named parent, quoted and cut short.
func quoteName(parent string, key []byte) string {
	const max = 40
	q := fmt.Sprintf("%q", key)
	if len(key) > max {
		q = fmt.Sprintf("%q…", key[:max])
	}
	if parent == "" {
		return q
	}
	return parent + "/" + q
}
