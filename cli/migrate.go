package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/config"
	"github.com/partnerbot/partnerbot/control"
	"github.com/partnerbot/partnerbot/store"
)

// How many records one Import of a migration takes: etcd splits them further into Txns within
// its limits; bbolt commits them as one transaction, so larger batches mean fewer fsyncs.
const (
	migrateBatch     = 1024
	migrateFileBatch = 8192
)

// runMigrate copies a whole store from one backend to the other: partnerbot migrate --from
// bbolt:PATH|etcd --to etcd|bbolt:PATH. Exit 0 when copied and verified, 1 when it could not
// be, 2 on a usage or configuration error.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := newFlags("partnerbot migrate", "partnerbot migrate [-config FILE] --from bbolt:PATH|etcd --to etcd|bbolt:PATH   (with the bot stopped)", stderr)
	cfgPath := flags.String("config", "", "configuration file (default: the embedded example); etcd is its store.etcd section")
	from := flags.String("from", "", "the store to copy: bbolt:PATH (a store file) or etcd (store.etcd of the configuration)")
	to := flags.String("to", "", "the empty store to copy into: etcd or bbolt:PATH (a new file)")
	timeout := flags.Duration("timeout", time.Hour, "give up after this long")
	if !flags.parse(args, 0, 0) {
		return exitUsage
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot migrate:", err)
		return exitUsage
	}
	src, dst, err := parseEnds(cfg, *from, *to)
	if err != nil {
		fmt.Fprintln(stderr, "partnerbot migrate:", err)
		flags.Usage()
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	log := newLogger(cfg.Log, stderr)
	if _, err := migrate(ctx, cfg, log, src, dst, stdout); err != nil {
		fmt.Fprintln(stderr, "partnerbot migrate:", err)
		var ue usageError
		if errors.As(err, &ue) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// storeEnd is one side of a migration: a bbolt file, or the configuration's etcd.
type storeEnd struct {
	etcd bool
	path string // bbolt's file
}

func (e storeEnd) String() string {
	if e.etcd {
		return "etcd"
	}
	return "bbolt:" + e.path
}

// parseEnds reads --from and --to: one bbolt file and etcd, either way round.
func parseEnds(cfg *config.Config, from, to string) (src, dst storeEnd, err error) {
	parse := func(flag, v string) (storeEnd, error) {
		switch {
		case v == "etcd":
			return storeEnd{etcd: true}, nil
		case strings.HasPrefix(v, "bbolt:") && len(v) > len("bbolt:"):
			return storeEnd{path: v[len("bbolt:"):]}, nil
		case v == "":
			return storeEnd{}, fmt.Errorf("%s is required", flag)
		}
		return storeEnd{}, fmt.Errorf("%s %q: want etcd or bbolt:PATH", flag, v)
	}
	if src, err = parse("--from", from); err != nil {
		return src, dst, err
	}
	if dst, err = parse("--to", to); err != nil {
		return src, dst, err
	}
	if src.etcd == dst.etcd {
		return src, dst, fmt.Errorf("--from %s --to %s: a migration copies between bbolt and etcd (for a copy of a bbolt file, use partnerbot backup)", src, dst)
	}
	if len(cfg.Store.Etcd.Endpoints) == 0 {
		return src, dst, errors.New("store.etcd.endpoints is empty: the configuration names no etcd to migrate to or from")
	}
	if cfg.Store.Etcd.Username != "" && os.Getenv(config.EtcdPasswordEnv) == "" {
		return src, dst, fmt.Errorf("store.etcd.username is set but %s is empty", config.EtcdPasswordEnv)
	}
	return src, dst, nil
}

// openedEnd is an open side of a migration.
type openedEnd struct {
	st     store.Portable
	name   string           // what messages call it
	etcd   *clientv3.Client // with etcd
	prefix string           // with etcd
	close  func() error
}

// migrate runs a migration and prints its summary.
func migrate(ctx context.Context, cfg *config.Config, log *slog.Logger, src, dst storeEnd, stdout io.Writer) (*store.Summary, error) {
	start := time.Now()
	if !src.etcd {
		if err := notServed(ctx, cfg, src.path); err != nil {
			return nil, err
		}
	}
	from, err := openEnd(ctx, cfg, log, src, false)
	if err != nil {
		return nil, err
	}
	defer from.close()
	if src.etcd {
		if err := noReplicas(ctx, from); err != nil {
			return nil, err
		}
	}
	log.Info("migrating", "from", from.name, "to", dst.String())
	var copied *store.Summary
	target := dst.path
	if dst.etcd {
		to, err := openEnd(ctx, cfg, log, dst, true)
		if err != nil {
			return nil, err
		}
		defer to.close()
		if copied, err = copyToEtcd(ctx, from.st, to); err != nil {
			return nil, err
		}
		target = to.name
	} else {
		if err := emptyFile(ctx, cfg, dst.path); err != nil {
			return nil, err
		}
		if copied, err = copyToFile(ctx, cfg, log, from.st, dst.path); err != nil {
			return nil, err
		}
	}
	// The source exported again: it must not have changed meanwhile (no bot ran on it).
	now, err := store.Summarize(ctx, from.st)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if err := copied.Diff(now, 5); err != nil {
		return nil, fmt.Errorf("verify: %s changed during the copy: is a bot running on it? %w", from.name, err)
	}
	printMigration(stdout, from.name, target, copied, time.Since(start))
	return copied, nil
}

// copyToEtcd copies from into the empty etcd prefix of to, exports the copy again and compares
// it with what was copied, record by record.
func copyToEtcd(ctx context.Context, from store.Portable, to *openedEnd) (*store.Summary, error) {
	if err := noReplicas(ctx, to); err != nil {
		return nil, err
	}
	if err := store.NotEmpty(ctx, to.st); err != nil {
		if errors.Is(err, store.ErrNotEmpty) {
			return nil, fmt.Errorf("%s is not empty (%w); migrate copies into an empty store only: choose another store.etcd.prefix, or delete that one (etcdctl del --prefix %s) if it is a failed copy", to.name, err, to.prefix)
		}
		return nil, err
	}
	copied, err := store.Copy(ctx, from, to.st, migrateBatch)
	if err != nil {
		return nil, fmt.Errorf("copy: %w (%s may hold part of the copy: delete it with etcdctl del --prefix %s before trying again)", err, to.name, to.prefix)
	}
	got, err := store.Summarize(ctx, to.st)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	if err := copied.Diff(got, 5); err != nil {
		return nil, fmt.Errorf("verify: the copy in %s differs from what was copied: %w", to.name, err)
	}
	return copied, nil
}

// copyToFile copies from into a new bbolt file at path: written beside it, exported again and
// compared with what was copied record by record, closed, checked by store.Verify, and only
// then renamed to path. On any failure path is left as it was.
func copyToFile(ctx context.Context, cfg *config.Config, log *slog.Logger, from store.Portable, path string) (*store.Summary, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	out, err := newAtomicFile(path)
	if err != nil {
		return nil, err
	}
	defer out.abort()
	to, err := openEnd(ctx, cfg, log, storeEnd{path: out.tmp}, true)
	if err != nil {
		return nil, err
	}
	copied, err := store.Copy(ctx, from, to.st, migrateFileBatch)
	if err != nil {
		to.close()
		return nil, fmt.Errorf("copy: %w (nothing written to %s)", err, path)
	}
	got, err := store.Summarize(ctx, to.st)
	if err == nil {
		err = copied.Diff(got, 5)
	}
	if cerr := to.close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("verify: the copy differs from what was copied, nothing written to %s: %w", path, err)
	}
	if _, err := out.commit(cfg.Store.CheckTimeout); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return copied, nil
}

// openEnd opens one side: a bbolt file (the exclusive lock keeps any bot off it meanwhile), or
// the configuration's etcd prefix. A source file must exist; a destination file is created.
func openEnd(ctx context.Context, cfg *config.Config, log *slog.Logger, e storeEnd, create bool) (*openedEnd, error) {
	if !e.etcd {
		if !create {
			if _, err := os.Stat(e.path); err != nil {
				return nil, usageError{fmt.Errorf("--from bbolt:%s: %w", e.path, err)}
			}
		}
		st, err := store.Open(e.path, store.Options{Timeout: cfg.Store.LockTimeout, CheckTimeout: cfg.Store.CheckTimeout,
			Logger: log.With("component", "store"), NoticeRetention: cfg.Store.Retention.DeliveredNotices, Secrets: envSecrets()})
		if err != nil {
			return nil, err
		}
		return &openedEnd{st: st, name: e.path, close: st.Close}, nil
	}
	c := *cfg
	c.Store.Backend = config.BackendEtcd
	st, cli, closeAll, err := openStore(ctx, &c, log, 0)
	if err != nil {
		return nil, err
	}
	p, ok := st.(store.Portable)
	if !ok {
		closeAll()
		return nil, fmt.Errorf("%s cannot export or import", st.Path())
	}
	return &openedEnd{st: p, name: st.Path(), etcd: cli, prefix: etcdPrefix(cfg), close: closeAll}, nil
}

// etcdPrefix is store.etcd.prefix as the store uses it: with its final "/".
func etcdPrefix(cfg *config.Config) string {
	p := cfg.Store.Etcd.Prefix
	if p == "" {
		p = "/partnerbot/"
	}
	if !strings.HasSuffix(p, "/") {
		p += "/"
	}
	return p
}

// notServed refuses a bbolt file a running bot serves (its control socket answers).
func notServed(ctx context.Context, cfg *config.Config, path string) error {
	socks := []string{socketOf(cfg)}
	if s := path + ".sock"; !slices.Contains(socks, s) {
		socks = append(socks, s)
	}
	for _, sock := range socks {
		if st, err := control.StatusOf(ctx, sock); err == nil && sameFile(st.Store, path) {
			return fmt.Errorf("the bot (pid %d) serves %s: stop it first (a store is migrated while no bot runs on it)", st.PID, path)
		}
	}
	return nil
}

// sameFile reports whether a and b name one file.
func sameFile(a, b string) bool {
	ia, aerr := os.Stat(a)
	ib, berr := os.Stat(b)
	if aerr == nil && berr == nil {
		return os.SameFile(ia, ib)
	}
	pa, _ := filepath.Abs(a)
	pb, _ := filepath.Abs(b)
	return pa == pb
}

// noReplicas refuses an etcd prefix that replicas of the bot are running on: the keys of their
// sessions under prefix + "cluster/members/".
func noReplicas(ctx context.Context, e *openedEnd) error {
	resp, err := e.etcd.Get(ctx, e.prefix+"cluster/members/", clientv3.WithPrefix())
	if err != nil {
		return fmt.Errorf("%s: list the running replicas: %w", e.name, err)
	}
	if len(resp.Kvs) == 0 {
		return nil
	}
	var ids []string
	for _, kv := range resp.Kvs {
		ids = append(ids, string(kv.Value))
	}
	slices.Sort(ids)
	return fmt.Errorf("%d replica(s) of the bot run on %s (%s): stop them all first (a store is migrated while no bot runs on it)",
		len(ids), e.name, strings.Join(ids, ", "))
}

// emptyFile refuses a destination file that already holds a store with records; an empty
// store (or an empty file) is replaced by the copy.
func emptyFile(ctx context.Context, cfg *config.Config, path string) error {
	info, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if info.Size() == 0 {
		return nil
	}
	st, err := store.Open(path, store.Options{Timeout: cfg.Store.LockTimeout, CheckTimeout: cfg.Store.CheckTimeout, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("--to bbolt:%s exists and cannot be read as a store: %w; give a new file", path, err)
	}
	defer st.Close()
	if err := store.NotEmpty(ctx, st); err != nil {
		if errors.Is(err, store.ErrNotEmpty) {
			return fmt.Errorf("--to bbolt:%s is not empty (%w); migrate copies into an empty store only: give a new file", path, err)
		}
		return err
	}
	return nil
}

// printMigration writes the summary of a verified copy.
func printMigration(w io.Writer, from, to string, s *store.Summary, took time.Duration) {
	fmt.Fprintf(w, "copied %s to %s and verified: %d records, %d bytes, digest %x (%s)\n",
		from, to, s.Records, s.Bytes, s.Digest[:8], took.Round(time.Millisecond))
	for _, t := range store.PortableTables {
		if ts := s.Tables[t]; ts.Records > 0 {
			fmt.Fprintf(w, "  %-20s %8d records %12d bytes\n", t, ts.Records, ts.Bytes)
		}
	}
}
