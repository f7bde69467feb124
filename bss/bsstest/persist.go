package bsstest

import (
	"bufio"
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/partnerbot/partnerbot/bss"
)

// A sandbox file keeps a fake's data in a bbolt file, so that several processes (a running bot,
// `partnerbot exec` runs, `partnerbot bss`) see one world: a top-up one process makes is the
// balance the next one shows. The file holds the whole state (the data set, the renewals that
// unsubscribe_type 2 rolls back, the state of the generator of new ids) and a version that
// changes at every write.
//
// Each request takes the file: it opens it (bbolt's lock, exclusive, waited for up to the
// lock timeout), loads the state if another process wrote since this one last did, is answered
// from memory, and, if it changed the data, writes the state back in one transaction before
// its answer leaves: an answer that says "done" is on disk. Requests of one process share the
// open file; it is closed as soon as none is in flight, so that two processes take turns
// between requests rather than between runs.
//
// The world keeps its shape across pauses. The file also records when the world was last in
// use (by the clock of the server that used it): at every write, and at a read when the record
// is older than usedEvery. A server that opens the file (Open: a process starting) after the
// world stood unused for a day or more first moves every time in the state forward by the
// whole days it stood unused (shift.go), so that what expired in 3 days at the last use still
// does, and what people did inside the world (renewals, orders, top-ups, coupons) keeps its
// place among everything else; amounts are untouched. While processes keep using it, its time
// runs as BSS's does: nothing moves, and resources expire. A server that has the file open
// never moves it, however far its clock goes between requests.

// FileFormat is the version of the sandbox file's layout; a file of another format is refused.
const FileFormat = 1

var (
	fileBucket  = []byte("sandbox")
	keyFormat   = []byte("format")
	keyVersion  = []byte("version")
	keyState    = []byte("state")
	keyUsed     = []byte("used") // when the world was last in use: Unix nanoseconds, big-endian
	errNoFormat = errors.New("not a sandbox file of this partnerbot (run `partnerbot sandbox reset` to start it afresh)")
)

// DefaultLockTimeout is how long a request waits for another process to release the sandbox
// file when Open is given no timeout.
const DefaultLockTimeout = 10 * time.Second

// Open returns a fake BSS whose data lives in the bbolt file at path and is shared by every
// server that opens the same file, in this process or another. A file without data is given
// opts.Data (nil = Demo(opts.Now(), 1)); a file with data keeps it and opts.Data is not used,
// its times moved forward by the whole days it stood unused (see shift.go).
// lockTimeout bounds each wait for another process (0 = DefaultLockTimeout); a request that
// waits longer is answered 503 CBC.0999, and so is one whose change could not be written.
// Hooks that change the data directly (Buy, Renew, …) change this process's copy only.
func Open(path string, opts Options, lockTimeout time.Duration) (*Server, error) {
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	s := New(opts)
	s.disk = &disk{path: path, timeout: lockTimeout}
	if err := s.disk.acquire(s); err != nil {
		return nil, err
	}
	if err := s.disk.release(s, false); err != nil {
		return nil, err
	}
	return s, nil
}

// ResetFile makes ds (nil = Demo(time.Now(), 1)) the whole data of the sandbox file at path,
// creating the file if need be, in one transaction. Servers that share the file, in this
// process or another, serve ds from their next request on. The world counts as in use from
// the first request after the reset (ResetFileAt says from when).
func ResetFile(path string, ds *Dataset, lockTimeout time.Duration) error {
	if ds == nil {
		ds = Demo(time.Now(), 1)
	}
	return ResetFileAt(path, ds, time.Time{}, lockTimeout)
}

// ResetFileAt is ResetFile for a data set laid out at used: the world counts as in use then, so
// that a server opening the file a week later moves it forward by the week. A zero used is
// ResetFile's "from the first request".
func ResetFileAt(path string, ds *Dataset, used time.Time, lockTimeout time.Duration) error {
	if lockTimeout <= 0 {
		lockTimeout = DefaultLockTimeout
	}
	if ds == nil {
		ds = Demo(time.Now(), 1)
	}
	state, err := encodeState(storeOf(ds))
	if err != nil {
		return err
	}
	db, err := openFile(path, lockTimeout)
	if err != nil {
		return err
	}
	_, err = writeState(db, state, used)
	if cerr := db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("sandbox file %s: %w", path, cerr)
	}
	return err
}

// storeOf indexes a new data set as New does, with the same seed for new ids.
func storeOf(ds *Dataset) *store {
	direct := 0 // a reseller's customers leave the seed of new ids as it was without them
	for i := range ds.Customers {
		if ds.Customers[i].IndirectPartnerID == "" {
			direct++
		}
	}
	return newStore(ds, uint64(direct)<<32|uint64(len(ds.Resources)))
}

// dataMu guards a server's data. Every write lock counts as a change, so that a request that
// took one has its state written to the sandbox file.
type dataMu struct {
	sync.RWMutex
	gen atomic.Uint64
}

// Lock takes the write lock and counts a change.
func (m *dataMu) Lock() {
	m.RWMutex.Lock()
	m.gen.Add(1)
}

// disk is a server's sandbox file.
type disk struct {
	path    string
	timeout time.Duration

	mu      sync.Mutex // guards the fields below; held while the file is read or written
	db      *bolt.DB   // open while users > 0
	users   int        // requests in flight
	version uint64     // of the state in memory; 0 = none loaded
	opened  bool       // the first sync, which may move the world forward, is done
}

// servePersisted answers a request of a server with a sandbox file: from the file's current
// state, and with its change written before the answer leaves.
func (s *Server) servePersisted(w http.ResponseWriter, r *http.Request) {
	if err := s.disk.acquire(s); err != nil {
		s.failOutside(w, r, err)
		return
	}
	gen := s.mu.gen.Load()
	buf := &bufferedAnswer{w: w, header: http.Header{}}
	s.serve(buf, r)
	if err := s.disk.release(s, s.mu.gen.Load() != gen); err != nil && !buf.hijacked {
		s.failOutside(w, r, err)
		return
	}
	buf.sendTo(w)
}

// failOutside answers 503 CBC.0999 (system error) for a failure of the sandbox file.
func (s *Server) failOutside(w http.ResponseWriter, r *http.Request, err error) {
	w.Header().Set(bss.HeaderRequestID, s.requestID())
	c := &reqCtx{s: s, w: w, r: r}
	c.fail(errCode(http.StatusServiceUnavailable, "CBC.0999", "sandbox: %v", err))
}

// acquire opens the file for one request (if no other request has it open) and loads the state
// another process wrote since; a file without state is given the state in memory.
func (d *disk) acquire(s *Server) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.db == nil {
		db, err := openFile(d.path, d.timeout)
		if err != nil {
			return err
		}
		d.db = db
	}
	d.users++
	if err := d.sync(s); err != nil {
		d.users--
		d.closeIfIdle()
		return err
	}
	return nil
}

// release ends one request, writing the state in memory if changed, and closes the file when
// no request has it open.
func (d *disk) release(s *Server, changed bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var err error
	if changed {
		if err = d.save(s, s.now()); err != nil {
			d.version = 0 // the change is not on disk: the next request loads what is
		}
	}
	d.users--
	if cerr := d.closeIfIdle(); err == nil {
		err = cerr
	}
	return err
}

func (d *disk) closeIfIdle() error {
	if d.users > 0 || d.db == nil {
		return nil
	}
	err := d.db.Close()
	d.db = nil
	if err != nil {
		return fmt.Errorf("sandbox file %s: %w", d.path, err)
	}
	return nil
}

// sync loads the file's state into s if it is not the one in memory, and records that the
// world is in use. At the server's first sync (Open), it moves the state's times forward first
// when the world stood unused for a day or more. With d.mu held.
func (d *disk) sync(s *Server) error {
	now := s.now()
	var state []byte
	var version uint64
	var used time.Time
	err := d.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(fileBucket)
		if b == nil {
			return nil
		}
		if f := b.Get(keyFormat); len(f) != 8 || binary.BigEndian.Uint64(f) != FileFormat {
			return errNoFormat
		}
		v := b.Get(keyVersion)
		if len(v) != 8 {
			return errNoFormat
		}
		if u := b.Get(keyUsed); len(u) == 8 {
			used = time.Unix(0, int64(binary.BigEndian.Uint64(u)))
		}
		if version = binary.BigEndian.Uint64(v); version != d.version {
			state = bytes.Clone(b.Get(keyState))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sandbox file %s: %w", d.path, err)
	}
	first := !d.opened
	d.opened = true
	if version == 0 { // a new file: it keeps the data in memory
		return d.save(s, now)
	}
	if state != nil {
		sv, err := decodeSaved(state)
		if err != nil {
			return fmt.Errorf("sandbox file %s: %w (run `partnerbot sandbox reset` to start it afresh)", d.path, err)
		}
		var days int64
		if first {
			days = idleDays(used, now)
			sv.shift(time.Duration(days) * 24 * time.Hour)
		}
		st, err := sv.store()
		if err != nil {
			return fmt.Errorf("sandbox file %s: %w (run `partnerbot sandbox reset` to start it afresh)", d.path, err)
		}
		s.mu.RWMutex.Lock() // not a change: the file has it already, or gets it below
		s.st = st
		s.mu.RWMutex.Unlock()
		d.version = version
		if days > 0 {
			return d.save(s, now)
		}
	}
	if used.IsZero() || now.Sub(used) >= usedEvery {
		return d.markUsed(now)
	}
	return nil
}

// usedEvery is how stale the record of the world's last use may get while processes only read:
// a read refreshes it (one small write) when it is older. A pause is measured up to usedEvery
// too long, which can turn a pause of just under a day into a day's shift.
const usedEvery = 10 * time.Minute

// idleDays is how many whole days (of 24 hours) the world stood unused between its last use
// and now; 0 when it has no record of use or the clock is behind it.
func idleDays(used, now time.Time) int64 {
	if used.IsZero() || !now.After(used) {
		return 0
	}
	return int64(now.Sub(used) / (24 * time.Hour))
}

// markUsed records that the world is in use at now, leaving state and version as they are (so
// that other servers do not reload). It never moves the record back. With d.mu held.
func (d *disk) markUsed(now time.Time) error {
	err := d.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(fileBucket)
		if b == nil {
			return nil
		}
		if u := b.Get(keyUsed); len(u) == 8 && int64(binary.BigEndian.Uint64(u)) >= now.UnixNano() {
			return nil
		}
		return b.Put(keyUsed, binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano())))
	})
	if err != nil {
		return fmt.Errorf("sandbox file %s: writing: %w", d.path, err)
	}
	return nil
}

// save writes the state in memory to the file, in use at now. With d.mu held.
func (d *disk) save(s *Server, now time.Time) error {
	s.mu.RLock()
	state, err := encodeState(s.st)
	s.mu.RUnlock()
	if err != nil {
		return err
	}
	v, err := writeState(d.db, state, now)
	if err != nil {
		return err
	}
	d.version = v
	return nil
}

// openFile opens (or creates) the sandbox file, waiting up to timeout for another process.
func openFile(path string, timeout time.Duration) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("sandbox file %s is in use by another process (waited %v)", path, timeout)
	}
	if err != nil {
		return nil, fmt.Errorf("sandbox file %s: %w", path, err)
	}
	return db, nil
}

// writeState stores state with a new version in one transaction and returns the version. The
// world counts as in use at used; zero = from the next request (no record).
func writeState(db *bolt.DB, state []byte, used time.Time) (uint64, error) {
	v := rand.Uint64() | 1 // never 0, which means "none loaded"
	err := db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(fileBucket)
		if err != nil {
			return err
		}
		if err := b.Put(keyFormat, binary.BigEndian.AppendUint64(nil, FileFormat)); err != nil {
			return err
		}
		if err := b.Put(keyState, state); err != nil {
			return err
		}
		if used.IsZero() {
			err = b.Delete(keyUsed)
		} else {
			err = b.Put(keyUsed, binary.BigEndian.AppendUint64(nil, uint64(used.UnixNano())))
		}
		if err != nil {
			return err
		}
		return b.Put(keyVersion, binary.BigEndian.AppendUint64(nil, v))
	})
	if err != nil {
		return 0, fmt.Errorf("sandbox file %s: writing: %w", db.Path(), err)
	}
	return v, nil
}

// savedState is what the file keeps of a store: everything newStore does not derive.
type savedState struct {
	Data    Dataset
	History map[string][]savedRenewal
	RNG     []byte
}

type savedRenewal struct {
	Prior   time.Time
	OrderID string
}

// encodeState writes st as gob. st is read only.
func encodeState(st *store) ([]byte, error) {
	rng, err := st.src.MarshalBinary()
	if err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	sv := savedState{Data: st.dataset(), History: make(map[string][]savedRenewal, len(st.history)), RNG: rng}
	for id, list := range st.history {
		for _, h := range list {
			sv.History[id] = append(sv.History[id], savedRenewal{Prior: h.prior, OrderID: h.orderID})
		}
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&sv); err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	return buf.Bytes(), nil
}

// decodeSaved reads what encodeState wrote.
func decodeSaved(b []byte) (*savedState, error) {
	var sv savedState
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&sv); err != nil {
		return nil, fmt.Errorf("reading the state: %w", err)
	}
	return &sv, nil
}

// store rebuilds the store sv was saved from. It takes sv's data.
func (sv *savedState) store() (*store, error) {
	st := newStore(&sv.Data, 0)
	if err := st.src.UnmarshalBinary(sv.RNG); err != nil {
		return nil, fmt.Errorf("reading the state: %w", err)
	}
	for id, list := range sv.History {
		for _, h := range list {
			st.history[id] = append(st.history[id], renewal{prior: h.Prior, orderID: h.OrderID})
		}
	}
	return st, nil
}

// dataset is the data set newStore turns back into st: the same customers, resources, orders
// and records, in an order that gives the same listings (attached resources stay in the order
// of their main resource's list, records in the order they were made).
func (st *store) dataset() Dataset {
	ds := Dataset{Currency: st.currency, PartnerAccounts: st.partner}
	var custs []*Customer
	custs = append(custs, st.customers...)
	for _, id := range slices.Sorted(maps.Keys(st.resellerCusts)) {
		for _, c := range st.resellerCusts[id] {
			if st.custByID[c.ID] == c {
				custs = append(custs, c)
			}
		}
	}
	for _, c := range custs {
		ds.Customers = append(ds.Customers, *c)
	}
	for _, id := range slices.Sorted(maps.Keys(st.resellers)) {
		ds.Resellers = append(ds.Resellers, *st.resellers[id])
	}
	parents := slices.Sorted(maps.Keys(st.children))
	child := make(map[*Resource]bool)
	for _, p := range parents {
		for _, r := range st.children[p] {
			child[r] = true
		}
	}
	for _, c := range custs {
		for _, r := range st.byCust[c.ID] {
			if !child[r] {
				ds.Resources = append(ds.Resources, *r)
			}
		}
	}
	for _, p := range parents {
		for _, r := range st.children[p] {
			if st.res[r.ResourceID] == r {
				ds.Resources = append(ds.Resources, *r)
			}
		}
	}
	for _, o := range st.orders {
		ds.Orders = append(ds.Orders, *o)
	}
	for _, q := range st.quotas {
		ds.Quotas = append(ds.Quotas, *q)
	}
	for _, k := range slices.SortedFunc(maps.Keys(st.prices), func(a, b priceKey) int {
		return cmp.Or(cmp.Compare(a.svc, b.svc), cmp.Compare(a.res, b.res), cmp.Compare(a.spec, b.spec), cmp.Compare(a.region, b.region))
	}) {
		ds.Prices = append(ds.Prices, *st.prices[k])
	}
	for _, e := range st.ledger {
		ds.Ledger = append(ds.Ledger, *e)
	}
	for _, a := range st.adjusts {
		ds.AdjustRecords = append(ds.AdjustRecords, *a)
	}
	for _, c := range st.coupons {
		ds.Coupons = append(ds.Coupons, *c)
	}
	for _, id := range slices.Sorted(maps.Keys(st.onDemand)) {
		for _, r := range st.onDemand[id] {
			ds.OnDemand = append(ds.OnDemand, *r)
		}
	}
	return ds
}

// bufferedAnswer holds an answer until its change is on disk. A fault that drops the
// connection takes the one underneath.
type bufferedAnswer struct {
	w        http.ResponseWriter
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
}

// Hijack hands over the connection underneath; nothing is sent on it afterwards.
func (b *bufferedAnswer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(b.w).Hijack()
	if err == nil {
		b.hijacked = true
	}
	return conn, rw, err
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}

func (b *bufferedAnswer) sendTo(w http.ResponseWriter) {
	if b.hijacked {
		return
	}
	maps.Copy(w.Header(), b.header)
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
