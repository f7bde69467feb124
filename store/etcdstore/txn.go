package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// tx is one optimistic transaction: reads at one revision, remembered so that the commit can
// require them unchanged, and writes kept until the commit sends them as one Txn.
type tx struct {
	s   *Store
	ctx context.Context
	rev int64 // the revision every read sees; 0 before the first read

	seen   map[string]int64  // key → its modification revision when read (0: it did not exist)
	ranges []string          // prefixes listed: no key under them may change before the commit
	vals   map[string][]byte // what this tx sees: values read, then its own writes (nil = none)
	writes map[string]bool   // keys written: true = put, false = delete
	seqs   map[string]uint64 // counters advanced by this tx, their new value
}

func (s *Store) newTx(ctx context.Context) *tx {
	return &tx{s: s, ctx: ctx, seen: map[string]int64{}, vals: map[string][]byte{},
		writes: map[string]bool{}, seqs: map[string]uint64{}}
}

// readOpts pins a read to the transaction's revision once it has one.
func (t *tx) readOpts(opts ...clientv3.OpOption) []clientv3.OpOption {
	if t.rev != 0 {
		opts = append(opts, clientv3.WithRev(t.rev))
	}
	return opts
}

// get returns the value of key as this tx sees it; nil when there is none.
func (t *tx) get(key string) ([]byte, error) {
	if v, ok := t.vals[key]; ok {
		return v, nil
	}
	resp, err := t.s.cli.Get(t.ctx, key, t.readOpts()...)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", key, err)
	}
	if t.rev == 0 {
		t.rev = resp.Header.Revision
	}
	var v []byte
	var mod int64
	if len(resp.Kvs) > 0 {
		v, mod = resp.Kvs[0].Value, resp.Kvs[0].ModRevision
	}
	if _, ok := t.seen[key]; !ok {
		t.seen[key] = mod
	}
	t.vals[key] = v
	return v, nil
}

// prefetch reads keys as get would, MaxTxnOps to a read-only Txn instead of one round trip
// each; later gets of them answer from the tx.
func (t *tx) prefetch(keys []string) error {
	var want []string
	for _, k := range keys {
		if _, ok := t.vals[k]; !ok && !slices.Contains(want, k) {
			want = append(want, k)
		}
	}
	for from := 0; from < len(want); from += MaxTxnOps {
		part := want[from:min(from+MaxTxnOps, len(want))]
		ops := make([]clientv3.Op, len(part))
		for i, k := range part {
			ops[i] = clientv3.OpGet(k, t.readOpts()...)
		}
		resp, err := t.s.cli.Txn(t.ctx).Then(ops...).Commit()
		if err != nil {
			return fmt.Errorf("get %d keys: %w", len(part), err)
		}
		if t.rev == 0 {
			t.rev = resp.Header.Revision
		}
		for i, r := range resp.Responses {
			var v []byte
			var mod int64
			if kvs := r.GetResponseRange().GetKvs(); len(kvs) > 0 {
				v, mod = kvs[0].Value, kvs[0].ModRevision
			}
			t.seen[part[i]] = mod
			t.vals[part[i]] = v
		}
	}
	return nil
}

// getJSON decodes the value of key into v and reports whether there was one.
func (t *tx) getJSON(key string, v any) (bool, error) {
	raw, err := t.get(key)
	if err != nil || raw == nil {
		return false, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// kv is one key and value of a listing.
type kv struct {
	key string
	val []byte
}

// list returns the keys under prefix at the tx's revision, in key order, at most limit (0 = all),
// and makes the commit require that none of them changes and none is added meanwhile. It sees
// the store, not this tx's own writes: list before writing.
func (t *tx) list(prefix string, limit int64) ([]kv, error) {
	kvs, err := t.listLoose(prefix, limit)
	if err == nil {
		t.ranges = append(t.ranges, prefix)
	}
	return kvs, err
}

// listLoose is list without the guard: for what the commit need not keep as it was, such as
// the expired entries a write forgets on the way (deleting one twice is harmless, and what
// decides, the record each names, is read with get and so compared).
func (t *tx) listLoose(prefix string, limit int64) ([]kv, error) {
	opts := t.readOpts(clientv3.WithPrefix(), clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if limit > 0 {
		opts = append(opts, clientv3.WithLimit(limit))
	}
	resp, err := t.s.cli.Get(t.ctx, prefix, opts...)
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	if t.rev == 0 {
		t.rev = resp.Header.Revision
	}
	out := make([]kv, len(resp.Kvs))
	for i, e := range resp.Kvs {
		out[i] = kv{key: string(e.Key), val: e.Value}
	}
	return out, nil
}

func (t *tx) put(key string, v []byte) {
	t.vals[key] = v
	t.writes[key] = true
}

func (t *tx) putJSON(key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	if raw == nil {
		raw = []byte{}
	}
	t.put(key, raw)
	return nil
}

func (t *tx) del(key string) {
	t.vals[key] = nil
	t.writes[key] = false
}

// next advances counter name and returns its new value: the first id is 1. The counter is
// read and written in this tx, so the commit is a compare-and-swap on it.
func (t *tx) next(name string) (uint64, error) {
	key := t.s.key("seq", name)
	n, ok := t.seqs[key]
	if !ok {
		raw, err := t.get(key)
		if err != nil {
			return 0, err
		}
		if raw != nil {
			if n, err = strconv.ParseUint(string(raw), 10, 64); err != nil {
				return 0, fmt.Errorf("counter %s: %w", name, err)
			}
		}
	}
	n++
	t.seqs[key] = n
	t.put(key, []byte(strconv.FormatUint(n, 10)))
	return n, nil
}

// plan is the comparisons and operations of the commit, in a stable order.
func (t *tx) plan() (cmps []clientv3.Cmp, ops []clientv3.Op, size int) {
	keys := make([]string, 0, len(t.seen))
	for k := range t.seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(k), "=", t.seen[k]))
		size += len(k) + 16
	}
	for _, p := range t.ranges {
		cmps = append(cmps, clientv3.Compare(clientv3.ModRevision(p), "<", t.rev+1).WithPrefix())
		size += 2*len(p) + 16
	}
	keys = keys[:0]
	for k := range t.writes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if t.writes[k] {
			ops = append(ops, clientv3.OpPut(k, string(t.vals[k])))
			size += len(k) + len(t.vals[k]) + 16
		} else {
			ops = append(ops, clientv3.OpDelete(k))
			size += len(k) + 16
		}
	}
	return cmps, ops, size
}

// commit sends the writes as one Txn guarded by the reads; it reports false when another
// writer changed what this tx read (nothing was written then).
func (t *tx) commit() (bool, error) {
	if len(t.writes) == 0 {
		return true, nil
	}
	cmps, ops, size := t.plan()
	return t.s.send(t.ctx, cmps, ops, size)
}

// send runs ops if cmps hold, as one Txn within the fence of ctx; it reports false when cmps
// did not hold. A Txn beyond etcd's limits is refused here with ErrTooLarge.
func (s *Store) send(ctx context.Context, cmps []clientv3.Cmp, ops []clientv3.Op, size int) (bool, error) {
	fence := fenceOf(ctx)
	limit := opsLimit(fence)
	if len(cmps) > limit || len(ops) > limit || len(fence) > MaxTxnOps || size > MaxTxnBytes {
		return false, fmt.Errorf("%w: %d comparisons, %d operations, %d bytes (limits %d, %d, %d)",
			ErrTooLarge, len(cmps), len(ops), size, limit, limit, MaxTxnBytes)
	}
	if len(fence) == 0 {
		resp, err := s.cli.Txn(ctx).If(cmps...).Then(ops...).Commit()
		if err != nil {
			return false, fmt.Errorf("txn: %w", err)
		}
		return resp.Succeeded, nil
	}
	// The transaction nested in the fence: the outer result says whether the fence held, the
	// inner one whether the reads did.
	resp, err := s.cli.Txn(ctx).If(fence...).Then(clientv3.OpTxn(cmps, ops, nil)).Commit()
	if err != nil {
		return false, fmt.Errorf("txn: %w", err)
	}
	if !resp.Succeeded {
		return false, ErrFenced
	}
	return resp.Responses[0].GetResponseTxn().Succeeded, nil
}

// opsLimit is how many comparisons, and operations, a transaction within fence may have:
// etcd counts a nested transaction against what its parent leaves (MaxTxnOps less the
// parent's largest list, the fence's comparisons or its one nested operation).
func opsLimit(fence []clientv3.Cmp) int {
	if len(fence) == 0 {
		return MaxTxnOps
	}
	return MaxTxnOps - max(len(fence), 1)
}

// update runs fn in a tx and commits it, running fn again on fresh reads for as long as other
// writers win the race (each attempt checks ctx). An error of fn is returned unchanged and
// nothing is written. fn may run more than once: it must not have effects outside the tx.
func (s *Store) update(ctx context.Context, fn func(t *tx) error) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		t := s.newTx(ctx)
		if err := fn(t); err != nil {
			return err
		}
		ok, err := t.commit()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
}

// view runs fn in a tx that is not committed: reads at one revision.
func (s *Store) view(ctx context.Context, fn func(t *tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(s.newTx(ctx))
}

// writeChunked writes ops (puts and deletes, no two on one key) in as few Txns as etcd's limits
// allow, in order, each within the fence of ctx. It is not atomic: when it fails, the chunks
// before the failing one are written and the rest are not; callers use it only for bulk writes
// that are idempotent and resumed by writing again. It returns how many ops were written.
func (s *Store) writeChunked(ctx context.Context, ops []clientv3.Op) (int, error) {
	done := 0
	limit := opsLimit(fenceOf(ctx))
	for done < len(ops) {
		end, size := done, 0
		for end < len(ops) && end-done < limit {
			n := opSize(ops[end])
			if n > MaxTxnBytes {
				return done, fmt.Errorf("%w: one operation of %d bytes on %s", ErrTooLarge, n, ops[end].KeyBytes())
			}
			if size+n > MaxTxnBytes {
				break
			}
			size += n
			end++
		}
		ok, err := s.send(ctx, nil, ops[done:end], size)
		if err != nil {
			return done, err
		}
		if !ok { // no comparisons but the fence's, which send reports itself
			return done, errors.New("chunk refused")
		}
		done = end
	}
	return done, nil
}

// opSize is what an operation adds to a Txn's request, framing included.
func opSize(op clientv3.Op) int { return len(op.KeyBytes()) + len(op.ValueBytes()) + 16 }

// under is the prefix of a table's keys.
func (s *Store) under(table string) string { return s.prefix + table + "/" }

// lastName is the part of key after its table's prefix.
func lastName(key, prefix string) string { return strings.TrimPrefix(key, prefix) }
