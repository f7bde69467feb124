package etcdstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// AppendAudit adds e to the log and returns its id. It sets e.ID, and e.At to Now() if zero.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("etcdstore: append audit: %w", err)
	}
	var id uint64
	err := s.update(ctx, func(t *tx) error {
		var err error
		id, err = s.appendAudit(t, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("etcdstore: append audit: %w", err)
	}
	return id, nil
}

// appendAudit adds e within t, so that a state change and its audit entry commit together.
func (s *Store) appendAudit(t *tx, e store.AuditEntry) (uint64, error) {
	id, err := t.next("audit")
	if err != nil {
		return 0, fmt.Errorf("next audit id: %w", err)
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	return id, s.putAudit(t, id, e)
}

// putAudit writes entry id within t, its secrets hidden.
func (s *Store) putAudit(t *tx, id uint64, e store.AuditEntry) error {
	e.ID = id
	if !s.redact.Empty() {
		for _, f := range []*string{&e.Platform, &e.UserID, &e.UserName, &e.Channel, &e.Command, &e.Result, &e.Detail, &e.RequestID} {
			*f = s.redact.Truncated(*f)
		}
	}
	return t.putJSON(s.key("audit", idName(id)), e)
}

// getAudit reads entry id within t into e; false when it is gone.
func (s *Store) getAudit(t *tx, id uint64, e *store.AuditEntry) (bool, error) {
	return t.getJSON(s.key("audit", idName(id)), e)
}

// RecentAudit returns the newest entries matching filter, newest first, at most n (n <= 0
// means store.DefaultAuditLimit; capped at store.MaxAuditLimit). It reads the log newest first
// in pages at one revision until it has n entries or reaches the oldest.
func (s *Store) RecentAudit(ctx context.Context, n int, filter store.AuditFilter) ([]store.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: recent audit: %w", err)
	}
	if n <= 0 {
		n = store.DefaultAuditLimit
	}
	n = min(n, store.MaxAuditLimit)
	var out []store.AuditEntry
	prefix := s.under("audit")
	err := s.pagesDesc(ctx, prefix, func(k string, v []byte) (bool, error) {
		var e store.AuditEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return false, fmt.Errorf("decode entry %s: %w", k, err)
		}
		id, err := strconv.ParseUint(lastName(k, prefix), 10, 64)
		if err != nil {
			return false, fmt.Errorf("entry key %s: %w", k, err)
		}
		e.ID = id // the key is authoritative
		if matchAudit(filter, &e) {
			out = append(out, e)
		}
		return len(out) < n, nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: recent audit: %w", err)
	}
	return out, nil
}

// pageSize is how many keys one read of a long listing returns.
const pageSize = 256

// pagesDesc calls fn on the keys under prefix from the last to the first, all read at one
// revision, until fn returns false or an error.
func (s *Store) pagesDesc(ctx context.Context, prefix string, fn func(k string, v []byte) (bool, error)) error {
	return s.pages(ctx, prefix, true, fn)
}

// pagesAsc calls fn on the keys under prefix from the first to the last, read at one revision,
// until fn returns false or an error.
func (s *Store) pagesAsc(ctx context.Context, prefix string, fn func(k string, v []byte) (bool, error)) error {
	return s.pages(ctx, prefix, false, fn)
}

// pages reads the keys under prefix pageSize at a time, all at the revision of the first read,
// in key order (desc: reversed), and calls fn on each until it returns false or an error.
func (s *Store) pages(ctx context.Context, prefix string, desc bool, fn func(k string, v []byte) (bool, error)) error {
	from, end := prefix, clientv3.GetPrefixRangeEnd(prefix)
	order := clientv3.SortAscend
	if desc {
		order = clientv3.SortDescend
	}
	var rev int64
	for {
		opts := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(pageSize),
			clientv3.WithSort(clientv3.SortByKey, order)}
		if rev != 0 {
			opts = append(opts, clientv3.WithRev(rev))
		}
		resp, err := s.cli.Get(ctx, from, opts...)
		if err != nil {
			return err
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, e := range resp.Kvs {
			more, err := fn(string(e.Key), e.Value)
			if err != nil || !more {
				return err
			}
		}
		if !resp.More || len(resp.Kvs) == 0 {
			return nil
		}
		// The next page: below the last key read (the range end is exclusive), or above it.
		last := string(resp.Kvs[len(resp.Kvs)-1].Key)
		if desc {
			end = last
		} else {
			from = last + "\x00"
		}
	}
}

// matchAudit is store.AuditFilter's test.
func matchAudit(f store.AuditFilter, e *store.AuditEntry) bool {
	return (f.Platform == "" || e.Platform == f.Platform) &&
		(f.UserID == "" || e.UserID == f.UserID) &&
		(f.Result == "" || e.Result == f.Result) &&
		(f.Since.IsZero() || !e.At.Before(f.Since))
}

// recordAction writes a transition into the action's entry within t: the entry itself on the
// first (id 0), an update of it after. It returns the entry's id.
func (s *Store) recordAction(t *tx, e store.AuditEntry, id uint64, step, requestID string, at time.Time) (uint64, error) {
	if id != 0 {
		ok, err := s.getAudit(t, id, &e)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, fmt.Errorf("entry %d is gone", id)
		}
	}
	e.Detail = store.JoinActionDetail(e.Detail, step)
	e.RequestID = store.JoinIDs(e.RequestID, requestID)
	if e.At.IsZero() {
		e.At = at
	}
	if e.Result == "" {
		e.Result = "ok"
	}
	if id == 0 {
		return s.appendAudit(t, e)
	}
	return id, s.putAudit(t, id, e)
}

// FinishAudit records how the command of aa ended: its result, detail, BSS request ids and
// duration, in the entry its transitions wrote or in a new one. Either way the command is one
// row.
func (s *Store) FinishAudit(ctx context.Context, aa *store.ActionAudit, result, detail, requestID string, took time.Duration) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("etcdstore: finish audit: %w", err)
	}
	var out uint64
	err := aa.Record(func(started store.AuditEntry, id uint64) (uint64, error) {
		err := s.update(ctx, func(t *tx) error {
			e := started
			if id != 0 {
				if _, err := s.getAudit(t, id, &e); err != nil {
					return err
				}
			}
			e.Result = result
			e.Detail = store.JoinActionDetail(e.Detail, detail)
			e.RequestID = store.JoinIDs(e.RequestID, requestID)
			e.Duration = took
			if id != 0 {
				out = id
				return s.putAudit(t, id, e)
			}
			var err error
			out, err = s.appendAudit(t, e)
			return err
		})
		return out, err
	})
	if err != nil {
		return 0, fmt.Errorf("etcdstore: finish audit: %w", err)
	}
	return out, nil
}
