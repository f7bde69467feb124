package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
)

// BackupSink is where a backup goes: it is called once, inside the read transaction that the
// copy is taken from, with the exact number of bytes that will follow, and returns the writer
// they are written to. A sink that fails stops the backup.
type BackupSink func(size int64) (io.Writer, error)

// Backup writes a consistent copy of the whole store to the writer sink returns, from one read
// transaction (bbolt's Tx.WriteTo): writers go on meanwhile and what they commit after the copy
// began is not in it. It returns the bytes written. A bbolt writer that must grow the file's
// mapping waits for the copy to end, so a copy to a slow writer can hold back such a write.
func (s *Store) Backup(ctx context.Context, sink BackupSink) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	var n int64
	err := s.view(func(tx *bolt.Tx) error {
		var err error
		n, err = writeTx(ctx, tx, sink)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("store: backup %s: %w", s.path, err)
	}
	return n, nil
}

// BackupFile copies the store file at path without opening it as a [Store]: read-only, under a
// shared lock (waiting opts.Timeout for a process holding it to let go), neither checking nor
// migrating it, so that a file of any schema version can be saved (before an upgrade, say).
// A file another process holds for writing is an error wrapping ErrLocked.
func BackupFile(ctx context.Context, path string, opts Options, sink BackupSink) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: backup: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if _, err := os.Stat(path); err != nil {
		return 0, fmt.Errorf("store: backup %s: %w", path, err)
	}
	db, _, err := openBolt(path, &bolt.Options{Timeout: timeout, ReadOnly: true})
	if err != nil {
		return 0, openError(path, true, timeout, err)
	}
	defer db.Close()
	var n int64
	err = guarded(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			var err error
			n, err = writeTx(ctx, tx, sink)
			return err
		})
	})
	if err != nil {
		return n, fmt.Errorf("store: backup %s: %w", path, err)
	}
	return n, nil
}

// writeTx copies the file as tx sees it to the writer of sink, stopping when ctx ends.
func writeTx(ctx context.Context, tx *bolt.Tx, sink BackupSink) (int64, error) {
	w, err := sink(tx.Size())
	if err != nil {
		return 0, err
	}
	cw := &ctxWriter{ctx: ctx, w: w}
	n, err := tx.WriteTo(cw)
	if cw.err != nil {
		// bbolt flattens the writer's error into text; give the caller the error itself.
		return n, cw.err
	}
	if err != nil {
		return n, err
	}
	if n != tx.Size() {
		return n, fmt.Errorf("wrote %d bytes of %d", n, tx.Size())
	}
	return n, nil
}

// ctxWriter fails writes once ctx has ended, so that a cancelled backup stops within a page,
// and remembers the first error of a write.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
	err error
}

func (c *ctxWriter) Write(p []byte) (int, error) {
	if c.err == nil {
		c.err = c.ctx.Err()
	}
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.err = err
	return n, err
}

// FileInfo is what Verify learnt of a store file.
type FileInfo struct {
	Schema uint64 // meta/schema_version (0 for a file without one)
	Size   int64  // bytes
}

// Verify checks the store file at path as Open does (every bucket walked, bbolt's consistency
// check) without migrating or writing it, and returns its schema version and size. It takes a
// shared lock, waiting opts.Timeout; a file that does not exist is an error, never created. A
// damaged file is an error wrapping ErrCorrupted.
func Verify(path string, opts Options) (FileInfo, error) {
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	checkTimeout := opts.CheckTimeout
	if checkTimeout <= 0 {
		checkTimeout = DefaultCheckTimeout
	}
	info, err := os.Stat(path)
	if err != nil {
		return FileInfo{}, fmt.Errorf("store: verify %s: %w", path, err)
	}
	db, err := openChecked(path, timeout, checkTimeout, true)
	if err != nil {
		return FileInfo{}, err
	}
	defer db.Close()
	fi := FileInfo{Size: info.Size()}
	err = guarded(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			var err error
			fi.Schema, err = schemaVersion(tx)
			return err
		})
	})
	if err != nil {
		return FileInfo{}, fmt.Errorf("store: verify %s: %w", path, err)
	}
	return fi, nil
}

// compactTxSize is how many bytes of keys and values CompactFile copies per transaction.
const compactTxSize = 64 << 20

// CompactFile writes a compacted copy of the store file at src to dst, which must not exist:
// bbolt never gives the pages freed by deletions back to the file system, and a copy holds only
// the pages in use. src is opened read-only under a shared lock (waiting opts.Timeout, so a
// running bot makes it fail with ErrLocked), and is neither changed nor migrated. The copy is
// written to a temporary file beside dst, checked as Verify does, and renamed to dst. It returns
// the sizes of src and dst.
func CompactFile(ctx context.Context, src, dst string, opts Options) (before, after int64, err error) {
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return 0, 0, fmt.Errorf("store: compact: %s already exists; give a new file", dst)
	} else if !errors.Is(err, os.ErrNotExist) {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	info, err := os.Stat(src)
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", src, err)
	}
	// A damaged source is refused before bbolt copies it: a cycle in its pages would never end.
	from, err := openChecked(src, timeout, opts.CheckTimeout, true)
	if err != nil {
		return 0, 0, err
	}
	defer from.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".compact-*.db")
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	tmpPath := tmp.Name()
	_ = tmp.Close()
	done := false
	defer func() {
		if !done {
			_ = os.Remove(tmpPath)
		}
	}()
	to, err := bolt.Open(tmpPath, fileMode, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: open %s: %w", tmpPath, err)
	}
	err = guarded(src, func() error { return bolt.Compact(to, from, compactTxSize) })
	if cerr := to.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact %s: %w", src, err)
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	fi, err := Verify(tmpPath, Options{Timeout: time.Second, CheckTimeout: opts.CheckTimeout})
	if err != nil {
		return 0, 0, fmt.Errorf("store: compact: the copy does not check out: %w", err)
	}
	if err := os.Rename(tmpPath, dst); err != nil {
		return 0, 0, fmt.Errorf("store: compact: %w", err)
	}
	done = true
	return info.Size(), fi.Size, nil
}
