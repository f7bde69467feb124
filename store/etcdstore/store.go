package etcdstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/redact"
	"github.com/partnerbot/partnerbot/store"
)

// DefaultPrefix is where the state lives in etcd when Options.Prefix is empty.
const DefaultPrefix = "/partnerbot/"

// etcd's default limits of one Txn, which this package keeps below.
const (
	// MaxTxnOps is etcd's default --max-txn-ops: comparisons, and operations, of one Txn.
	MaxTxnOps = 128
	// MaxTxnBytes is how large a Txn this package sends at most: etcd's default
	// --max-request-bytes (1.5 MiB) less room for the request's framing.
	MaxTxnBytes = 1536*1024 - 16*1024
)

// Errors callers can test for with errors.Is.
var (
	// ErrTooLarge means one transition would need more than one etcd Txn; nothing was written.
	ErrTooLarge = errors.New("write too large for one etcd transaction")
	// ErrFenced means the fence of the write's context (WithFence) no longer holds: this
	// replica is no longer the leader, and nothing was written.
	ErrFenced = errors.New("fenced off: no longer the leader")
)

// Options tune Open. The zero value is ready to use.
type Options struct {
	Prefix string           // where the keys live; "" = DefaultPrefix; a missing final "/" is added
	Now    func() time.Time // nil = time.Now
	Logger *slog.Logger     // nil = discarded
	// NoticeRetention is how long a delivered notice's DedupeKey keeps an equal notice out;
	// 0 = store.NoticeDedupeWindow.
	NoticeRetention time.Duration
	// Secrets are values the audit log never holds (as store.Options.Secrets).
	Secrets []string
}

// Store is the bot's state in etcd. It is safe for concurrent use, by several replicas too.
type Store struct {
	cli             *clientv3.Client
	prefix          string
	now             func() time.Time
	log             *slog.Logger
	noticeRetention time.Duration
	redact          *redact.Redactor

	afterPrewrite func() // tests: runs after a commit writes its by-time keys, before its entries
	// tests: runs after PutForecast wrote chunk n; an error stops the write there, as a crash
	afterForecastChunk func(n int) error
	afterBalanceChunks func() // tests: runs after a balance cache commit wrote its generation
}

// Open returns a store on cli under opts.Prefix, after checking that etcd answers. cli stays
// the caller's: Close does not close it.
func Open(ctx context.Context, cli *clientv3.Client, opts Options) (*Store, error) {
	if cli == nil {
		return nil, errors.New("etcdstore: open: no etcd client")
	}
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	if !strings.HasSuffix(prefix, "/") {
		prefix += "/"
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{cli: cli, prefix: prefix, now: now, log: log, noticeRetention: opts.NoticeRetention,
		redact: redact.New(opts.Secrets...)}
	if err := s.Ping(ctx); err != nil {
		return nil, fmt.Errorf("etcdstore: open %s: %w", s.Path(), err)
	}
	return s, nil
}

// Path names where the state lives: etcd's endpoints and the prefix.
func (s *Store) Path() string {
	return "etcd://" + strings.Join(s.cli.Endpoints(), ",") + s.prefix
}

// Close releases nothing of its own: the client belongs to the caller.
func (s *Store) Close() error { return nil }

// Ping reads one key linearizably, so it fails when the cluster has no quorum.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.cli.Get(ctx, s.prefix+"seq/", clientv3.WithCountOnly()); err != nil {
		return fmt.Errorf("etcdstore: ping: %w", err)
	}
	return nil
}

// key is the full key of a record: the prefix, the table, and the record's name.
func (s *Store) key(table, name string) string { return s.prefix + table + "/" + name }

// idName is the 20-digit form of an id in a key, so that byte order is numeric order.
func idName(id uint64) string { return fmt.Sprintf("%020d", id) }

// noticeWindow is how long this store remembers a delivered notice's DedupeKey.
func (s *Store) noticeWindow() time.Duration {
	if s.noticeRetention > 0 {
		return s.noticeRetention
	}
	return store.NoticeDedupeWindow
}

type fenceKey struct{}

// WithFence returns ctx carrying cmps: every write made with it is one etcd Txn only if cmps
// hold as well, and is refused with ErrFenced otherwise. The leader runs its work under such a
// context, its election key's create revision as the comparison.
func WithFence(ctx context.Context, cmps ...clientv3.Cmp) context.Context {
	return context.WithValue(ctx, fenceKey{}, slices.Concat(fenceOf(ctx), cmps))
}

func fenceOf(ctx context.Context) []clientv3.Cmp {
	f, _ := ctx.Value(fenceKey{}).([]clientv3.Cmp)
	return f
}
