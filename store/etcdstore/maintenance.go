package etcdstore

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// pruneBatch is how many records one transaction of Prune forgets: each takes a comparison
// and up to two deletions, so that a batch stays within a Txn's limits.
const pruneBatch = 40

// Prune deletes the audit entries older than r.Audit, the records of notices delivered longer
// ago than the retention, the inbound delivery ids whose time ran out, the expiry index's
// leftover by-time keys (see sweepByTime) and the forecast's leftover chunks (see
// pruneForecast; logged, as store.PruneResult has no count of them), in short transactions;
// on error the result says what was removed before it.
func (s *Store) Prune(ctx context.Context, r store.Retention) (store.PruneResult, error) {
	var res store.PruneResult
	var err error
	if r.Audit > 0 {
		if res.Audit, err = s.pruneAudit(ctx, s.now().Add(-r.Audit)); err != nil {
			return res, fmt.Errorf("etcdstore: prune audit: %w", err)
		}
	}
	if res.Delivered, err = s.pruneBatches(ctx, func(t *tx) (int, error) {
		return s.pruneDedupe(t, s.now().Add(-s.noticeWindow()), pruneBatch)
	}); err != nil {
		return res, fmt.Errorf("etcdstore: prune delivered notices: %w", err)
	}
	if res.Inbound, err = s.pruneBatches(ctx, func(t *tx) (int, error) {
		return s.pruneDeliveries(t, s.now(), pruneBatch)
	}); err != nil {
		return res, fmt.Errorf("etcdstore: prune deliveries: %w", err)
	}
	if res.IndexKeys, err = s.sweepByTime(ctx); err != nil {
		return res, fmt.Errorf("etcdstore: prune expiry index: %w", err)
	}
	chunks, err := s.pruneForecast(ctx)
	if err != nil {
		return res, fmt.Errorf("etcdstore: prune forecast: %w", err)
	}
	if chunks > 0 {
		s.log.InfoContext(ctx, "etcdstore: prune removed the chunks of an unfinished forecast write", "chunks", chunks)
	}
	return res, nil
}

// pruneBatches runs prune in transactions until one removes fewer than pruneBatch records,
// and returns how many they removed.
func (s *Store) pruneBatches(ctx context.Context, prune func(t *tx) (int, error)) (int, error) {
	removed := 0
	for {
		n := 0
		err := s.update(ctx, func(t *tx) error {
			var err error
			n, err = prune(t)
			return err
		})
		if err != nil {
			return removed, err
		}
		removed += n
		if n < pruneBatch {
			return removed, nil
		}
	}
}

// pruneAudit deletes the entries older than olderThan (entry times need not follow ids, so
// the whole log is read), in chunks, and returns how many it removed.
func (s *Store) pruneAudit(ctx context.Context, olderThan time.Time) (int, error) {
	var doomed []clientv3.Op
	err := s.pagesAsc(ctx, s.under("audit"), func(k string, v []byte) (bool, error) {
		var e struct {
			At time.Time `json:"at"`
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return false, fmt.Errorf("decode entry %s: %w", k, err)
		}
		if e.At.Before(olderThan) {
			doomed = append(doomed, clientv3.OpDelete(k))
		}
		return true, nil
	})
	if err != nil {
		return 0, err
	}
	return s.writeChunked(ctx, doomed)
}

// Space reports the etcd member's database: Size is its file, Free what compaction freed and
// defragmentation would return. The whole cluster's database, not only this store's prefix.
func (s *Store) Space(ctx context.Context) (store.Space, error) {
	if err := ctx.Err(); err != nil {
		return store.Space{}, fmt.Errorf("etcdstore: space: %w", err)
	}
	var last error
	for _, ep := range s.cli.Endpoints() {
		st, err := s.cli.Status(ctx, ep)
		if err != nil {
			last = err
			continue
		}
		return store.Space{Size: st.DbSize, Free: max(st.DbSize-st.DbSizeInUse, 0)}, nil
	}
	return store.Space{}, fmt.Errorf("etcdstore: space: %w", last)
}

// backupLine is one line of a backup after the header: a key (without the prefix) and its
// value.
type backupLine struct {
	Key   string `json:"k"`
	Value []byte `json:"v"`
}

// backupHeader is a backup's first line.
type backupHeader struct {
	Format   string `json:"format"` // "partnerbot-etcd-backup/1"
	Prefix   string `json:"prefix"`
	Revision int64  `json:"revision"`
}

// Backup writes every key of the store, read at one revision, as JSON lines: a header, then a
// line per key in key order. The sink is told the exact size first: the keys are read twice
// at that revision, once to count, once to write.
func (s *Store) Backup(ctx context.Context, sink store.BackupSink) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("etcdstore: backup: %w", err)
	}
	resp, err := s.cli.Get(ctx, s.prefix, clientv3.WithCountOnly())
	if err != nil {
		return 0, fmt.Errorf("etcdstore: backup: %w", err)
	}
	rev := resp.Header.Revision
	head, err := json.Marshal(backupHeader{Format: "partnerbot-etcd-backup/1", Prefix: s.prefix, Revision: rev})
	if err != nil {
		return 0, fmt.Errorf("etcdstore: backup: %w", err)
	}
	each := func(fn func(line []byte) error) error {
		return s.pagesAt(ctx, s.prefix, rev, func(k string, v []byte) error {
			line, err := json.Marshal(backupLine{Key: strings.TrimPrefix(k, s.prefix), Value: v})
			if err != nil {
				return err
			}
			return fn(append(line, '\n'))
		})
	}
	size := int64(len(head) + 1)
	if err := each(func(line []byte) error { size += int64(len(line)); return nil }); err != nil {
		return 0, fmt.Errorf("etcdstore: backup: %w", err)
	}
	w, err := sink(size)
	if err != nil {
		return 0, fmt.Errorf("etcdstore: backup: %w", err)
	}
	var n int64
	write := func(b []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := w.Write(b)
		n += int64(m)
		if err == nil && m < len(b) {
			err = io.ErrShortWrite
		}
		return err
	}
	if err := write(append(head, '\n')); err != nil {
		return n, fmt.Errorf("etcdstore: backup: %w", err)
	}
	if err := each(write); err != nil {
		return n, fmt.Errorf("etcdstore: backup: %w", err)
	}
	return n, nil
}

// wholePage is how many keys one read of a walk over the whole store takes (Backup, Export):
// etcd counts the rest of the range on every read, so small pages over a table of 100,000 keys
// cost more in counting than in reading.
const wholePage = 2048

// pagesAt calls fn on every key under prefix at revision rev, in key order, wholePage keys a
// read.
func (s *Store) pagesAt(ctx context.Context, prefix string, rev int64, fn func(k string, v []byte) error) error {
	from, end := prefix, clientv3.GetPrefixRangeEnd(prefix)
	for {
		resp, err := s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithRev(rev), clientv3.WithLimit(wholePage),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
		if err != nil {
			return err
		}
		for _, e := range resp.Kvs {
			if err := fn(string(e.Key), e.Value); err != nil {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
}
