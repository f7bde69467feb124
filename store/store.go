package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/partnerbot/partnerbot/internal/redact"
)

// Errors callers can test for with errors.Is. Their text is a fragment: the errors returned
// wrap them with the path or record concerned.
var (
	// ErrLocked means another process (or another *Store in this process) holds the file.
	ErrLocked = errors.New("store file is locked by another process")
	// ErrSchemaTooNew means the file was written by a newer partnerbot; it is never downgraded.
	ErrSchemaTooNew = errors.New("schema version too new")
	// ErrNotFound means a record does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorrupted means the file is not a bbolt database or its pages are damaged.
	ErrCorrupted = errors.New("store file is corrupted")
	// ErrCheckTimeout means Open's consistency check did not finish within Options.CheckTimeout.
	ErrCheckTimeout = errors.New("store consistency check timed out")
)

// DefaultTimeout is how long Open waits for the file lock when Options.Timeout is zero.
const DefaultTimeout = 10 * time.Second

const fileMode fs.FileMode = 0o600

// Options tune Open. The zero value is ready to use.
type Options struct {
	Timeout time.Duration // how long to wait for the file lock; 0 = DefaultTimeout
	// CheckTimeout bounds the consistency check of the whole file at Open; 0 = DefaultCheckTimeout.
	// A check that runs out of time fails Open with an error wrapping ErrCheckTimeout.
	CheckTimeout time.Duration
	Now          func() time.Time // nil = time.Now
	ReadOnly     bool             // shared lock, no writes, no migrations, no directory creation
	Logger       *slog.Logger     // where migrations are logged; nil = discarded
	// NoticeRetention is how long a delivered notice's record (its DedupeKey) is kept, keeping
	// an equal notice out meanwhile; 0 = NoticeDedupeWindow.
	NoticeRetention time.Duration
	// Secrets are values the audit log never holds: each is replaced by redact.Mark when an
	// entry is written, as the logs hide them (the same list: logging.SecretsFromEnv).
	Secrets []string
}

// Store is the bot's persistent state in one bbolt file. It is safe for concurrent use.
type Store struct {
	db       *bolt.DB
	path     string
	now      func() time.Time
	readOnly bool
	// noticeRetention is Options.NoticeRetention; see noticeWindow.
	noticeRetention time.Duration
	// redact hides Options.Secrets in audit entries.
	redact *redact.Redactor
	// deliveries groups concurrent FirstDeliveries into one transaction (inbound.go).
	deliveries deliveryQueue
}

// lockedError is the error Open returns when the file lock cannot be taken in time.
type lockedError struct {
	path   string
	waited time.Duration
	err    error // berrors.ErrTimeout
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("store %s is in use by another partnerbot process (waited %s for its lock); stop that process, try again later or raise store.lock_timeout, or point store.path elsewhere",
		e.path, e.waited)
}

func (e *lockedError) Is(target error) bool { return target == ErrLocked }
func (e *lockedError) Unwrap() error        { return e.err }

// Open opens (creating if needed, unless opts.ReadOnly) the store at path, checks that the whole
// file is consistent, and brings its schema up to CurrentSchemaVersion. The parent directory is
// created with mode 0700, the file with 0600, and an existing file readable by group or others is
// tightened to 0600. A damaged file is refused with an error wrapping ErrCorrupted.
func Open(path string, opts Options) (*Store, error) {
	if path == "" {
		return nil, errors.New("store: open: empty path")
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	checkTimeout := opts.CheckTimeout
	if checkTimeout <= 0 {
		checkTimeout = DefaultCheckTimeout
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	if !opts.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("store: open %s: create directory: %w", path, err)
		}
	}
	if err := tightenMode(path); err != nil && !opts.ReadOnly {
		// A read-only user may legitimately not own the file; only a writer insists.
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}

	db, err := openChecked(path, timeout, checkTimeout, opts.ReadOnly)
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, path: path, now: now, readOnly: opts.ReadOnly, noticeRetention: opts.NoticeRetention,
		redact: redact.New(opts.Secrets...)}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := migrate(db, path, migrations, opts.ReadOnly, log); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// openChecked opens the file at path with bbolt and checks it (see verify), read-only or not.
// bbolt opening a file for writing reads its freelist at once, and a damaged count there makes it
// allocate without bound, which no guard catches: so an existing file is first opened read-only
// and checked, then, if need be, reopened for writing. A new or empty file is checked once bbolt
// has written its first pages.
func openChecked(path string, timeout, checkTimeout time.Duration, readOnly bool) (*bolt.DB, error) {
	if checkTimeout <= 0 {
		checkTimeout = DefaultCheckTimeout
	}
	var size int64
	if info, err := os.Stat(path); err == nil {
		size = info.Size()
	}
	exists := size > 0
	if exists || readOnly {
		db, file, err := openBolt(path, &bolt.Options{Timeout: timeout, ReadOnly: true})
		if err != nil {
			return nil, openError(path, true, timeout, err)
		}
		check := func(tx *bolt.Tx) error { return verify(tx, file, path) }
		if err := checkFile(db, path, size, checkTimeout, check); err != nil {
			return nil, err // checkFile has closed db
		}
		if readOnly {
			return db, nil
		}
		if err := db.Close(); err != nil {
			return nil, fmt.Errorf("store: open %s: %w", path, err)
		}
	}
	db, file, err := openBolt(path, &bolt.Options{Timeout: timeout})
	if err != nil {
		return nil, openError(path, false, timeout, err)
	}
	if !exists {
		check := func(tx *bolt.Tx) error { return verify(tx, file, path) }
		if err := checkFile(db, path, 0, checkTimeout, check); err != nil {
			return nil, err
		}
	}
	return db, nil
}

// openBolt is bolt.Open guarded against a damaged file; it returns bbolt's own handle of the file
// too, which stays open while db is. bbolt reads pages (the freelist) while opening; if that
// panics, bbolt never closes the file, so openBolt unlocks and closes it (the mapping bbolt made
// stays until the process ends).
func openBolt(path string, opts *bolt.Options) (*bolt.DB, *os.File, error) {
	var file *os.File
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	var db *bolt.DB
	err := guarded(path, func() (err error) {
		db, err = bolt.Open(path, fileMode, opts)
		return err
	})
	if errors.Is(err, ErrCorrupted) && file != nil {
		unlock(file)
		_ = file.Close()
	}
	return db, file, err
}

// tightenMode makes an existing file 0600 if group or others have any access. A missing file is
// not an error: bbolt creates it with 0600.
func tightenMode(path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", info.Mode().Type())
	}
	if info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("tighten permissions to %#o: %w", fileMode, err)
	}
	return nil
}

// openError turns a bolt.Open failure into an error that says what to do.
func openError(path string, readOnly bool, waited time.Duration, err error) error {
	switch {
	case errors.Is(err, ErrCorrupted):
		return err
	case errors.Is(err, berrors.ErrTimeout):
		return &lockedError{path: path, waited: waited, err: err}
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrChecksum),
		errors.Is(err, berrors.ErrVersionMismatch):
		return &corruptError{path: path, invalid: true, err: err}
	case readOnly && errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("store: open %s read-only: no such file (a read-only store is never created): %w", path, err)
	default:
		return fmt.Errorf("store: open %s: %w", path, err)
	}
}

// Close releases the file and its lock. Closing twice is harmless.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", s.path, err)
	}
	return nil
}

// Path is the file path the store was opened with.
func (s *Store) Path() string { return s.path }

// Update runs fn in one read-write transaction, committed if fn returns nil and rolled back
// otherwise. ctx is checked before the transaction starts. An error returned by fn is passed
// back unchanged; failures of bbolt itself are wrapped, and a page bbolt cannot read is an
// error wrapping ErrCorrupted rather than a panic.
func (s *Store) Update(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: update: %w", err)
	}
	var fnErr error
	err := s.update(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: update: %w", err)
	}
	return nil
}

// View runs fn in one read-only transaction. ctx is checked before the transaction starts. An
// error returned by fn is passed back unchanged; failures of bbolt itself are wrapped, and a
// page bbolt cannot read is an error wrapping ErrCorrupted rather than a panic.
func (s *Store) View(ctx context.Context, fn func(tx *bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: view: %w", err)
	}
	var fnErr error
	err := s.view(func(tx *bolt.Tx) error {
		fnErr = fn(tx)
		return fnErr
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return fmt.Errorf("store: view: %w", err)
	}
	return nil
}

// bucket returns a bucket that the schema guarantees exists; a missing one means the file was
// changed behind our back.
func bucket(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	b := tx.Bucket(name)
	if b == nil {
		return nil, fmt.Errorf("bucket %q missing (schema version %d expected it)", name, CurrentSchemaVersion)
	}
	return b, nil
}
