package etcdstore

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// The expiry index (written by package alerts, a scan's batch at a time, up to 200,000
// resources in all) is kept as:
//
//	expiry_index/<customer>                        store.IndexedCustomer (name, account, resources)
//	expiry_customers/<customer>                    store.IndexedSummary
//	expiry_by_time/<expiry ns, 20 digits>/<customer> NUL <resource>   "" : one per main resource
//	expiry_scan/state                              store.ExpiryScanState
//
// A batch does not fit in one Txn, and need not: what must hold is each customer's entry and
// summary together, and a listing older than the one held never replacing it. So
// CommitExpiryIndex writes, in this order: the by-time keys of the new entries (chunked); the
// entries and summaries, customers grouped into Txns that each compare what they read of their
// customers (a group halved until it fits), with the by-time keys the old entries no longer
// have deleted in the same Txn; then the scan's state. The boundaries between those writes are
// not atomic: a crash may leave by-time keys that no entry has (written for an entry that was
// not committed, or not yet deleted), so ExpiringIndexed lists a by-time key only when the
// customer's entry, read at the same revision, has that main resource with that expiry, and
// builds what it returns from the entry. Such leftovers are never listed; a customer whose old
// keys are too many to delete with its entry leaves them behind the same way. Prune sweeps them
// (sweepByTime), so that they do not pile up; a commit compares the sweep counter so that a
// sweep between its by-time keys and its entries makes it write those keys again.

type timeName struct {
	ns       uint64
	customer string
	resource string
}

func (s *Store) byTimeKey(n timeName) string {
	return s.key("expiry_by_time", fmt.Sprintf("%020d/%s\x00%s", n.ns, n.customer, n.resource))
}

// timeBits orders times as unsigned integers: Unix ns, before 1970 as 0.
func timeBits(t time.Time) uint64 { return uint64(max(t.UnixNano(), 0)) }

// mainKeys are the by-time keys of c's main resources.
func (s *Store) mainKeys(id string, rs []store.IndexedResource) []string {
	var out []string
	for _, r := range rs {
		if r.Main {
			out = append(out, s.byTimeKey(timeName{timeBits(r.Expiry), id, r.ID}))
		}
	}
	return out
}

// CommitExpiryIndex writes u: deletes, then puts (a listing older than the one held is
// dropped), then retries, then the state. A batch with an invalid customer id is refused
// before anything is written. See above for what is atomic.
func (s *Store) CommitExpiryIndex(ctx context.Context, u store.ExpiryIndexUpdate) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: commit expiry index: %w", err)
	}
	for _, c := range u.Put {
		if err := store.CheckCustomerKey(c.ID); err != nil {
			return fmt.Errorf("etcdstore: commit expiry index: %w", err)
		}
	}
	for _, ids := range [][]string{u.Retry, u.Delete} {
		for _, id := range ids {
			if err := store.CheckCustomerKey(id); err != nil {
				return fmt.Errorf("etcdstore: commit expiry index: %w", err)
			}
		}
	}
	if err := s.commitIndex(ctx, u); err != nil {
		return fmt.Errorf("etcdstore: commit expiry index: %w", err)
	}
	return nil
}

// indexChange is what CommitExpiryIndex does to one customer.
type indexChange struct {
	id    string
	put   *store.IndexedCustomer // nil: delete or retry
	del   bool
	retry bool
}

// indexGroup is how many customers one Txn of CommitExpiryIndex takes at first.
const indexGroup = 32

func (s *Store) commitIndex(ctx context.Context, u store.ExpiryIndexUpdate) error {
	// Deletes, then puts, then retries: a customer both deleted and put ends up put, as in bbolt.
	var changes []indexChange
	for _, id := range slices.Sorted(slices.Values(u.Delete)) {
		changes = append(changes, indexChange{id: id, del: true})
	}
	puts := slices.SortedFunc(slices.Values(u.Put), func(a, b store.IndexedCustomer) int { return strings.Compare(a.ID, b.ID) })
	var prewrite []clientv3.Op
	for i := range puts {
		changes = append(changes, indexChange{id: puts[i].ID, put: &puts[i]})
		for _, k := range s.mainKeys(puts[i].ID, puts[i].Resources) {
			prewrite = append(prewrite, clientv3.OpPut(k, ""))
		}
	}
	for _, id := range slices.Sorted(slices.Values(u.Retry)) {
		changes = append(changes, indexChange{id: id, retry: true})
	}
	// The new entries' by-time keys first: until an entry is committed, its keys are not listed.
	// A sweep after them and before their entry deletes them: then they are written again.
	swept, err := s.prewrite(ctx, prewrite)
	if err != nil {
		return err
	}
	for from := 0; from < len(changes); {
		n, err := s.commitIndexGroup(ctx, changes[from:min(from+indexGroup, len(changes))], swept)
		if errors.Is(err, errSwept) {
			if swept, err = s.prewrite(ctx, prewrite); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		from += n
	}
	if u.State != nil {
		if err := s.update(ctx, func(t *tx) error { return t.putJSON(s.key("expiry_scan", "state"), u.State) }); err != nil {
			return fmt.Errorf("state: %w", err)
		}
	}
	return nil
}

// prewrite writes the by-time keys of a commit's new entries and returns the sweep counter as
// read before them.
func (s *Store) prewrite(ctx context.Context, ops []clientv3.Op) (string, error) {
	resp, err := s.cli.Get(ctx, s.sweptKey())
	if err != nil {
		return "", fmt.Errorf("sweep counter: %w", err)
	}
	swept := ""
	if len(resp.Kvs) > 0 {
		swept = string(resp.Kvs[0].Value)
	}
	if _, err := s.writeChunked(ctx, ops); err != nil {
		return "", fmt.Errorf("by-time keys: %w", err)
	}
	if s.afterPrewrite != nil {
		s.afterPrewrite()
	}
	return swept, nil
}

// commitIndexGroup commits a leading part of group in one Txn and returns how many changes it
// took: the whole group if it fits, else the largest half that does; a single customer too
// large with its old by-time keys is committed without deleting them.
func (s *Store) commitIndexGroup(ctx context.Context, group []indexChange, swept string) (int, error) {
	for n := len(group); ; n = (n + 1) / 2 {
		err := s.update(ctx, func(t *tx) error { return s.applyIndex(t, group[:n], true, swept) })
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, ErrTooLarge) {
			return 0, err
		}
		if n == 1 {
			err := s.update(ctx, func(t *tx) error { return s.applyIndex(t, group[:1], false, swept) })
			if err != nil {
				return 0, fmt.Errorf("customer %s: %w", group[0].id, err)
			}
			return 1, nil
		}
	}
}

// applyIndex applies changes within t; dropStale deletes the by-time keys an old entry has
// and its replacement has not. Changes that put entries require the sweep counter to read
// swept, as it did before their by-time keys were written (else errSwept).
func (s *Store) applyIndex(t *tx, changes []indexChange, dropStale bool, swept string) error {
	keys := make([]string, 0, 2*len(changes)+1)
	puts := slices.ContainsFunc(changes, func(c indexChange) bool { return c.put != nil })
	if puts {
		keys = append(keys, s.sweptKey())
	}
	for _, c := range changes {
		keys = append(keys, s.key("expiry_customers", c.id), s.key("expiry_index", c.id))
	}
	if err := t.prefetch(keys); err != nil {
		return err
	}
	if puts {
		now, err := t.get(s.sweptKey())
		if err != nil {
			return err
		}
		if string(now) != swept {
			return errSwept
		}
	}
	for _, c := range changes {
		idxKey, sumKey := s.key("expiry_index", c.id), s.key("expiry_customers", c.id)
		var sum store.IndexedSummary
		held, err := t.getJSON(sumKey, &sum)
		if err != nil {
			return err
		}
		switch {
		case c.retry:
			sum.Retry = true
			if err := t.putJSON(sumKey, sum); err != nil {
				return err
			}
			continue
		case c.put != nil && held && sum.Refreshed.After(c.put.Refreshed):
			continue // a listing older than the one held: the later one stands
		}
		var old store.IndexedCustomer
		if _, err := t.getJSON(idxKey, &old); err != nil {
			return err
		}
		var keep []string
		if c.put != nil {
			rs := c.put.Resources
			if rs == nil {
				rs = []store.IndexedResource{}
			}
			if err := t.putJSON(idxKey, store.IndexedCustomer{Name: c.put.Name, Account: c.put.Account, Resources: rs}); err != nil {
				return err
			}
			if err := t.putJSON(sumKey, store.IndexedSummary{Refreshed: c.put.Refreshed}); err != nil {
				return err
			}
			keep = s.mainKeys(c.id, rs)
		} else {
			t.del(idxKey)
			t.del(sumKey)
		}
		if dropStale {
			for _, k := range s.mainKeys(c.id, old.Resources) {
				if !slices.Contains(keep, k) && !t.writes[k] {
					t.del(k)
				}
			}
		}
	}
	return nil
}

// ExpiryScanState returns the last expiry scan's record; ok is false before the first one.
func (s *Store) ExpiryScanState(ctx context.Context) (st store.ExpiryScanState, ok bool, err error) {
	err = s.view(ctx, func(t *tx) error {
		ok, err = t.getJSON(s.key("expiry_scan", "state"), &st)
		return err
	})
	if err != nil {
		return store.ExpiryScanState{}, false, fmt.Errorf("etcdstore: expiry scan state: %w", err)
	}
	return st, ok, nil
}

// ExpiryCustomers returns the customers the index knows, with their summaries.
func (s *Store) ExpiryCustomers(ctx context.Context) (map[string]store.IndexedSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: expiry customers: %w", err)
	}
	out := map[string]store.IndexedSummary{}
	prefix := s.under("expiry_customers")
	err := s.pagesAsc(ctx, prefix, func(k string, v []byte) (bool, error) {
		var sum store.IndexedSummary
		if err := json.Unmarshal(v, &sum); err != nil {
			return false, fmt.Errorf("customer %s: %w", k, err)
		}
		out[lastName(k, prefix)] = sum
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: expiry customers: %w", err)
	}
	return out, nil
}

// IndexedCustomers returns the index entries of ids, all read at one revision; customers
// without one are absent.
func (s *Store) IndexedCustomers(ctx context.Context, ids []string) (map[string]store.IndexedCustomer, error) {
	out := make(map[string]store.IndexedCustomer, len(ids))
	err := s.view(ctx, func(t *tx) error {
		for _, id := range ids {
			if store.CheckCustomerKey(id) != nil {
				continue
			}
			c := store.IndexedCustomer{ID: id}
			ok, err := t.getJSON(s.key("expiry_index", id), &c)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			var sum store.IndexedSummary
			if _, err := t.getJSON(s.key("expiry_customers", id), &sum); err != nil {
				return err
			}
			c.Refreshed = sum.Refreshed
			out[id] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: indexed customers: %w", err)
	}
	return out, nil
}

// ExpiringIndexed returns the main resources of every indexed customer that expire in
// [from, to], soonest first: the by-time keys in range, each checked against its customer's
// entry at the same revision (see above), the entries read a Txn of gets at a time.
func (s *Store) ExpiringIndexed(ctx context.Context, from, to time.Time) ([]store.TimedResource, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("etcdstore: expiring indexed: %w", err)
	}
	lo, hi := timeBits(from), timeBits(to)
	prefix := s.under("expiry_by_time")
	start, end := prefix+fmt.Sprintf("%020d/", lo), prefix+fmt.Sprintf("%020d0", hi) // '0' sorts after '/'
	resp, err := s.cli.Get(ctx, start, clientv3.WithRange(end), clientv3.WithKeysOnly(),
		clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
	if err != nil {
		return nil, fmt.Errorf("etcdstore: expiring indexed: %w", err)
	}
	rev := resp.Header.Revision
	var names []timeName
	var customers []string
	for _, kv := range resp.Kvs {
		at, rest, ok := strings.Cut(lastName(string(kv.Key), prefix), "/")
		customer, resource, ok2 := strings.Cut(rest, "\x00")
		ns, err := strconv.ParseUint(at, 10, 64)
		if !ok || !ok2 || err != nil {
			return nil, fmt.Errorf("etcdstore: expiring indexed: by-time key %q is damaged", kv.Key)
		}
		names = append(names, timeName{ns, customer, resource})
		if !slices.Contains(customers, customer) {
			customers = append(customers, customer)
		}
	}
	entries, err := s.getEntries(ctx, customers, rev)
	if err != nil {
		return nil, fmt.Errorf("etcdstore: expiring indexed: %w", err)
	}
	var out []store.TimedResource
	for _, n := range names {
		c, ok := entries[n.customer]
		if !ok {
			continue
		}
		i := slices.IndexFunc(c.Resources, func(r store.IndexedResource) bool {
			return r.Main && r.ID == n.resource && timeBits(r.Expiry) == n.ns
		})
		if i < 0 {
			continue // a leftover key: the entry no longer has it
		}
		r := c.Resources[i]
		// Keys hold whole nanoseconds; the stored time decides at the edges.
		if r.Expiry.Before(from) || r.Expiry.After(to) {
			continue
		}
		out = append(out, store.TimedResource{Customer: n.customer, Name: c.Name, Account: c.Account, Resource: r})
	}
	return out, nil
}

// getEntries reads the index entries of ids at revision rev, MaxTxnOps gets to a Txn.
func (s *Store) getEntries(ctx context.Context, ids []string, rev int64) (map[string]store.IndexedCustomer, error) {
	out := make(map[string]store.IndexedCustomer, len(ids))
	for from := 0; from < len(ids); from += MaxTxnOps {
		part := ids[from:min(from+MaxTxnOps, len(ids))]
		ops := make([]clientv3.Op, len(part))
		for i, id := range part {
			ops[i] = clientv3.OpGet(s.key("expiry_index", id), clientv3.WithRev(rev))
		}
		resp, err := s.cli.Txn(ctx).Then(ops...).Commit()
		if err != nil {
			return nil, err
		}
		for i, r := range resp.Responses {
			kvs := r.GetResponseRange().GetKvs()
			if len(kvs) == 0 {
				continue
			}
			var c store.IndexedCustomer
			if err := json.Unmarshal(kvs[0].Value, &c); err != nil {
				return nil, fmt.Errorf("customer %s: %w", part[i], err)
			}
			c.ID = part[i]
			out[part[i]] = c
		}
	}
	return out, nil
}

// The balance cache is replaced whole by each arrears scan, and read whole: it is kept in
// generations, balance/<generation>/<customer>, with balance_scan/state naming the current one.
// A commit writes the next generation (chunked), then switches the state to it in one Txn
// that compares the state it read, then deletes every other generation; a reader reads the
// state and its generation at one revision, so it sees one scan's cache or the next, never a
// mix. A generation's number is random, so two scans committing at once never write into one
// generation, and the one that loses the switch deletes its own generation, not the winner's.

type balanceState struct {
	store.BalanceCacheState
	Generation uint64 `json:"generation"`
}

func (s *Store) balanceGen(gen uint64) string { return s.under("balance") + idName(gen) + "/" }

// CommitBalanceCache replaces the cache with u's puts and the entries of u.Keep as they were.
func (s *Store) CommitBalanceCache(ctx context.Context, u store.BalanceCacheUpdate) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	for _, b := range u.Put {
		if err := store.CheckCustomerKey(b.CustomerID); err != nil {
			return fmt.Errorf("etcdstore: commit balance cache: %w", err)
		}
	}
	stateKey := s.key("balance_scan", "state")
	resp, err := s.cli.Get(ctx, stateKey)
	if err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	var old balanceState
	var mod int64
	if len(resp.Kvs) > 0 {
		if err := json.Unmarshal(resp.Kvs[0].Value, &old); err != nil {
			return fmt.Errorf("etcdstore: commit balance cache: state: %w", err)
		}
		mod = resp.Kvs[0].ModRevision
	}
	next, err := newBalanceGeneration(old.Generation)
	if err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	put := map[string]bool{}
	var ops []clientv3.Op
	for _, b := range u.Put {
		v, err := json.Marshal(b)
		if err != nil {
			return fmt.Errorf("etcdstore: commit balance cache: %w", err)
		}
		put[b.CustomerID] = true
		ops = append(ops, clientv3.OpPut(s.balanceGen(next)+b.CustomerID, string(v)))
	}
	if len(resp.Kvs) > 0 {
		for _, id := range u.Keep {
			if put[id] || store.CheckCustomerKey(id) != nil {
				continue
			}
			kept, err := s.cli.Get(ctx, s.balanceGen(old.Generation)+id, clientv3.WithRev(resp.Header.Revision))
			if err != nil {
				return fmt.Errorf("etcdstore: commit balance cache: %w", err)
			}
			if len(kept.Kvs) > 0 {
				put[id] = true
				ops = append(ops, clientv3.OpPut(s.balanceGen(next)+id, string(kept.Kvs[0].Value)))
			}
		}
	}
	if _, err := s.writeChunked(ctx, ops); err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	if s.afterBalanceChunks != nil {
		s.afterBalanceChunks()
	}
	st, err := json.Marshal(balanceState{BalanceCacheState: u.State, Generation: next})
	if err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	// The switch, and every generation but the new one gone, in one Txn.
	all, gen := s.under("balance"), s.balanceGen(next)
	switchOps := []clientv3.Op{
		clientv3.OpPut(stateKey, string(st)),
		clientv3.OpDelete(all, clientv3.WithRange(gen)),
		clientv3.OpDelete(clientv3.GetPrefixRangeEnd(gen), clientv3.WithRange(clientv3.GetPrefixRangeEnd(all))),
	}
	ok, err := s.send(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(stateKey), "=", mod)}, switchOps, len(st)+4*len(gen))
	if err != nil {
		return fmt.Errorf("etcdstore: commit balance cache: %w", err)
	}
	if !ok {
		// Another scan switched first: ours is dropped, as if it had run before.
		if _, err := s.cli.Delete(ctx, gen, clientv3.WithPrefix()); err != nil {
			return fmt.Errorf("etcdstore: commit balance cache: another scan committed meanwhile; dropping ours: %w", err)
		}
		return errors.New("etcdstore: commit balance cache: another scan committed meanwhile")
	}
	return nil
}

// newBalanceGeneration draws a balance cache generation other than old (and the one Import
// writes): a random number.
func newBalanceGeneration(old uint64) (uint64, error) {
	raw := make([]byte, 8)
	for {
		if _, err := rand.Read(raw); err != nil {
			return 0, fmt.Errorf("random generation: %w", err)
		}
		if gen := binary.BigEndian.Uint64(raw); gen != old && gen != importGeneration {
			return gen, nil
		}
	}
}

// BalanceCache returns the cached balances and the state of the scan that wrote them, read at
// one revision; ok is false before the first arrears scan.
func (s *Store) BalanceCache(ctx context.Context) (st store.BalanceCacheState, bs []store.CachedBalance, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return st, nil, false, fmt.Errorf("etcdstore: balance cache: %w", err)
	}
	err = s.view(ctx, func(t *tx) error {
		var state balanceState
		if ok, err = t.getJSON(s.key("balance_scan", "state"), &state); err != nil || !ok {
			return err
		}
		st = state.BalanceCacheState
		prefix := s.balanceGen(state.Generation)
		for from := prefix; ; {
			resp, err := s.cli.Get(ctx, from, clientv3.WithRange(clientv3.GetPrefixRangeEnd(prefix)),
				clientv3.WithRev(t.rev), clientv3.WithLimit(pageSize))
			if err != nil {
				return err
			}
			for _, kv := range resp.Kvs {
				b := store.CachedBalance{}
				if err := json.Unmarshal(kv.Value, &b); err != nil {
					return fmt.Errorf("customer %s: %w", kv.Key, err)
				}
				b.CustomerID = lastName(string(kv.Key), prefix)
				bs = append(bs, b)
			}
			if !resp.More || len(resp.Kvs) == 0 {
				return nil
			}
			from = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
		}
	})
	if err != nil {
		return store.BalanceCacheState{}, nil, false, fmt.Errorf("etcdstore: balance cache: %w", err)
	}
	return st, bs, ok, nil
}

// sweptKey counts the sweeps of leftover by-time keys: every Txn of sweepByTime writes it, and
// a commit of entries compares it with what it read before writing their by-time keys, so
// that a sweep between the two (which would find those keys without their entry and delete
// them) makes the commit write them again instead of committing entries without their keys.
func (s *Store) sweptKey() string { return s.key("expiry_scan", "swept") }

// errSwept: a sweep ran between the by-time keys of a commit and its entries.
var errSwept = errors.New("by-time keys swept meanwhile")

// parseByTime splits a by-time key.
func (s *Store) parseByTime(key string) (timeName, error) {
	at, rest, ok := strings.Cut(lastName(key, s.under("expiry_by_time")), "/")
	customer, resource, ok2 := strings.Cut(rest, "\x00")
	ns, err := strconv.ParseUint(at, 10, 64)
	if !ok || !ok2 || err != nil {
		return timeName{}, fmt.Errorf("by-time key %q is damaged", key)
	}
	return timeName{ns, customer, resource}, nil
}

// sweepByTime deletes the by-time keys that their customer's entry, read at the same revision,
// does not have (customer gone, resource gone, expiry changed): what a crash between a
// commit's chunks, or a customer too large to drop its old keys with its entry, leaves
// behind. It walks the keys pruneBatch at a time; each batch is one transaction that reads
// the keys and their entries and compares them all, so a key is deleted only if it and its
// entry are still as read (a commit that wrote it again, or committed its entry, meanwhile
// makes the batch read again). It returns how many keys it deleted.
func (s *Store) sweepByTime(ctx context.Context) (int, error) {
	prefix := s.under("expiry_by_time")
	from, end := prefix, clientv3.GetPrefixRangeEnd(prefix)
	removed := 0
	for {
		resp, err := s.cli.Get(ctx, from, clientv3.WithRange(end), clientv3.WithKeysOnly(), clientv3.WithLimit(pruneBatch),
			clientv3.WithSort(clientv3.SortByKey, clientv3.SortAscend))
		if err != nil {
			return removed, err
		}
		if len(resp.Kvs) == 0 {
			return removed, nil
		}
		keys := make([]string, len(resp.Kvs))
		for i, kv := range resp.Kvs {
			keys[i] = string(kv.Key)
		}
		n := 0
		err = s.update(ctx, func(t *tx) error {
			n = 0
			names := make([]timeName, len(keys))
			var entryKeys []string
			for i, k := range keys {
				name, err := s.parseByTime(k)
				if err != nil {
					return err
				}
				names[i] = name
				entryKeys = append(entryKeys, s.key("expiry_index", names[i].customer))
			}
			if err := t.prefetch(append(slices.Clone(keys), entryKeys...)); err != nil {
				return err
			}
			entries := map[string]*store.IndexedCustomer{}
			for i, k := range keys {
				if t.seen[k] == 0 {
					continue // deleted since the listing
				}
				c, ok := entries[names[i].customer]
				if !ok {
					var e store.IndexedCustomer
					held, err := t.getJSON(entryKeys[i], &e)
					if err != nil {
						return err
					}
					if held {
						c = &e
					}
					entries[names[i].customer] = c
				}
				if c != nil && slices.ContainsFunc(c.Resources, func(r store.IndexedResource) bool {
					return r.Main && r.ID == names[i].resource && timeBits(r.Expiry) == names[i].ns
				}) {
					continue
				}
				t.del(k)
				n++
			}
			if n == 0 {
				return nil
			}
			count, err := t.get(s.sweptKey())
			if err != nil {
				return err
			}
			next, _ := strconv.ParseUint(string(count), 10, 64)
			t.put(s.sweptKey(), []byte(strconv.FormatUint(next+1, 10)))
			return nil
		})
		if err != nil {
			return removed, err
		}
		removed += n
		if !resp.More {
			return removed, nil
		}
		from = keys[len(keys)-1] + "\x00"
	}
}
