package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/store"
)

// runBackup writes a consistent copy of the store to a file: through the running bot when one
// holds the store, from the file otherwise. Exit 0 when the copy is written and checks out, 1 when
// it could not be made, 2 on a usage or configuration error.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("partnerbot backup", "partnerbot backup [-config FILE] [-timeout D] FILE", stderr)
	cfgPath := flags.String("config", "", "configuration file (default: the embedded example)")
	timeout := flags.Duration("timeout", 30*time.Minute, "give up after this long")
	if !flags.parse(args, 1, 1) {
		return exitUsage
	}
	out := flags.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitUsage
	}
	if err := notTheStore(cfg, out); err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	start := time.Now()
	if cfg.Store.Backend == config.BackendEtcd {
		return backupEtcd(ctx, cfg, out, stdout, stderr)
	}
	f, err := newAtomicFile(out)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitFailed
	}
	defer f.abort()

	var n int64
	how := "through the running bot"
	done, err := viaBot(ctx, cfg, func(ctx context.Context, sock string) (err error) {
		n, err = control.Backup(ctx, sock, f.sink)
		return err
	})
	if !done {
		how = "from the store file"
		opts := store.Options{Timeout: cfg.Store.LockTimeout}
		n, err = store.BackupFile(ctx, cfg.StorePath(), opts, f.sink)
		if errors.Is(err, store.ErrLocked) {
			// A bot that started meanwhile serves its socket by now.
			how = "through the running bot"
			if done, rerr := viaBot(ctx, cfg, func(ctx context.Context, sock string) (err error) {
				n, err = control.Backup(ctx, sock, f.sink)
				return err
			}); done {
				err = rerr
			}
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = fmt.Errorf("store %s does not exist: nothing to back up", cfg.StorePath())
	}
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", controlFailure(err))
		return exitFailed
	}
	info, err := f.commit(cfg.Store.CheckTimeout)
	if errors.Is(err, store.ErrCorrupted) {
		// The copy is the store's pages as they are: the damage is the store's.
		fmt.Fprintf(stderr, "partnerbot backup: store %s is corrupted; move it aside and restore a backup (nothing written: its copy does not check out: %s)\n",
			cfg.StorePath(), store.CorruptionDetail(err))
		return exitFailed
	}
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "backup of %s written to %s %s: %d bytes, schema version %d, checked (%s)\n",
		cfg.StorePath(), out, how, n, info.Schema, time.Since(start).Round(time.Millisecond))
	return exitOK
}

// backupEtcd writes the etcd store, read at one revision while the replicas go on, as a bbolt
// file: backups have one format whatever the backend, and partnerbot migrate --from bbolt:FILE
// --to etcd restores one into an empty prefix.
func backupEtcd(ctx context.Context, cfg *config.Config, out string, stdout, stderr io.Writer) int {
	start := time.Now()
	log := newLogger(cfg.Log, stderr)
	from, err := openEnd(ctx, cfg, log, storeEnd{etcd: true}, false)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitFailed
	}
	defer from.close()
	copied, err := copyToFile(ctx, cfg, log, from.st, out)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitFailed
	}
	info, err := os.Stat(out)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot backup:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "backup of %s written to %s as a bbolt file: %d records, %d bytes, schema version %d, checked (%s); restore it with partnerbot migrate --from bbolt:%s --to etcd\n",
		from.name, out, copied.Records, info.Size(), store.CurrentSchemaVersion, time.Since(start).Round(time.Millisecond), out)
	return exitOK
}

// notTheStore refuses an output file that is the store itself or its control socket.
func notTheStore(cfg *config.Config, out string) error {
	abs, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	for _, p := range []string{cfg.StorePath(), socketOf(cfg)} {
		pa, err := filepath.Abs(p)
		if err != nil {
			return err
		}
		if abs == pa {
			return fmt.Errorf("%s is the store itself; give another file", out)
		}
		a, aerr := os.Stat(out)
		b, berr := os.Stat(p)
		if aerr == nil && berr == nil && os.SameFile(a, b) {
			return fmt.Errorf("%s is the store itself; give another file", out)
		}
	}
	return nil
}

// atomicFile is a file written beside its final path and renamed there once complete and
// checked, so a failed or interrupted backup never leaves a partial file under the name asked for.
type atomicFile struct {
	path, tmp string
	f         *os.File
}

// newAtomicFile creates the temporary file (mode 0600) in the directory of path.
func newAtomicFile(path string) (*atomicFile, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &atomicFile{path: path, tmp: f.Name(), f: f}, nil
}

// sink starts the copy afresh: it is the store's BackupSink.
func (a *atomicFile) sink(int64) (io.Writer, error) {
	if err := a.f.Truncate(0); err != nil {
		return nil, err
	}
	if _, err := a.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return a.f, nil
}

// commit syncs and closes the file, checks it as a store, and renames it to its path.
func (a *atomicFile) commit(checkTimeout time.Duration) (store.FileInfo, error) {
	if err := a.f.Sync(); err != nil {
		return store.FileInfo{}, err
	}
	if err := a.f.Close(); err != nil {
		return store.FileInfo{}, err
	}
	info, err := store.Verify(a.tmp, store.Options{Timeout: time.Second, CheckTimeout: checkTimeout})
	if err != nil {
		return store.FileInfo{}, fmt.Errorf("the copy does not check out, nothing written: %w", err)
	}
	if err := os.Rename(a.tmp, a.path); err != nil {
		return store.FileInfo{}, err
	}
	a.tmp = ""
	if d, err := os.Open(filepath.Dir(a.path)); err == nil {
		_ = d.Sync() // the rename itself survives a crash
		d.Close()
	}
	return info, nil
}

// abort removes the temporary file unless commit renamed it.
func (a *atomicFile) abort() {
	if a.tmp != "" {
		a.f.Close()
		os.Remove(a.tmp)
	}
}

// runCompact writes a compacted copy of the store (bbolt never shrinks its file) while no bot
// runs; the operator then moves it in place. Exit 0 when written, 1 when it could not be, 2 on a
// usage or configuration error.
func runCompact(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("partnerbot compact", "partnerbot compact [-config FILE] NEWFILE   (with the bot stopped)", stderr)
	cfgPath := flags.String("config", "", "configuration file (default: the embedded example)")
	if !flags.parse(args, 1, 1) {
		return exitUsage
	}
	out := flags.Arg(0)
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot compact:", err)
		return exitUsage
	}
	if err := notTheStore(cfg, out); err != nil {
		fmt.Fprintln(stderr, "partnerbot compact:", err)
		return exitUsage
	}
	if cfg.Store.Backend == config.BackendEtcd {
		fmt.Fprintln(stderr, "partnerbot compact: store.backend is etcd, which compacts its history itself; nothing to do here (etcdctl defrag gives the freed space back to the disk)")
		return exitUsage
	}
	if st, err := control.StatusOf(ctx, socketOf(cfg)); err == nil {
		fmt.Fprintf(stderr, "partnerbot compact: the bot (pid %d) holds %s: stop it first (partnerbot backup copies a running bot's store)\n", st.PID, cfg.StorePath())
		return exitFailed
	}
	before, after, err := store.CompactFile(ctx, cfg.StorePath(), out, store.Options{Timeout: cfg.Store.LockTimeout, CheckTimeout: cfg.Store.CheckTimeout})
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot compact:", err)
		return exitFailed
	}
	fmt.Fprintf(stdout, "compacted %s (%d bytes) into %s (%d bytes); with the bot still stopped, move %s to %s, then start it\n",
		cfg.StorePath(), before, out, after, out, cfg.StorePath())
	return exitOK
}
