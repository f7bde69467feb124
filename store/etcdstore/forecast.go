package etcdstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// The forecast (issue #24): forecast/state names the last one, quote_cache/<customer>\x00
// <resource>\x00<period> holds a renewal quote, budgets/<customer> a monthly budget: the tables
// and keys of bbolt's buckets, so that they move between the backends as they are
// (store.Record). A customer's quotes are replaced in one Txn that lists them first, so two
// writers of one customer's set do not mix, as long as it fits (its puts and deletions at
// most 127 operations under a leader's fence); a larger set is written in chunks (see
// PutQuotes). A budget is one small key, and every write of budgets one Txn.
//
// The forecast itself is one record, the JSON of store.StoredForecast, as bbolt keeps it; at
// 10,000 customers it is some 3.4 MiB, more than one Txn takes (MaxTxnBytes). So it is kept
// the way the balance cache is: in generations. A write cuts the record into chunks of
// forecastChunk bytes, forecast_chunks/<generation>/<n>, each written in a Txn of its own, then
// switches forecast/state to the new generation in one Txn that requires the state it read
// and every chunk it wrote unchanged, and deletes every other generation in that Txn. A reader
// reads the state and the chunks it names at one revision, so it sees one forecast or the next,
// never a mix. A crash between chunks (or before the switch) leaves a generation that nothing
// names and no reader sees; the next write or Prune deletes it. A generation's name is random,
// so two writers never write into one.

// forecastChunk is how many bytes of the forecast's record one chunk holds: with its key and
// framing, well within MaxTxnBytes whatever the prefix.
const forecastChunk = 1 << 20

// forecastAttempts is how many times PutForecast writes its chunks again after another writer
// switched the forecast (or Prune deleted the unswitched chunks) before it gives up.
const forecastAttempts = 5

// forecastState is forecast/state: which generation holds the forecast, in how many chunks of
// how many bytes in all. A state without a generation is the whole record itself, as this
// backend kept the forecast before it was chunked.
type forecastState struct {
	Generation string `json:"generation"`
	Chunks     int    `json:"chunks"`
	Bytes      int    `json:"bytes"`
}

// forecastStateKey is the key that names the forecast's generation.
func (s *Store) forecastStateKey() string { return s.key("forecast", "state") }

// forecastGen is the prefix of generation gen's chunks.
func (s *Store) forecastGen(gen string) string { return s.under("forecast_chunks") + gen + "/" }

// forecastChunkKey is the key of chunk n of generation gen.
func (s *Store) forecastChunkKey(gen string, n int) string {
	return s.forecastGen(gen) + fmt.Sprintf("%06d", n)
}

// newForecastGeneration draws a generation's name: 16 random hex digits.
func newForecastGeneration() (string, error) {
	raw := make([]byte, 8)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("random generation: %w", err)
	}
	return hex.EncodeToString(raw), nil
}

// splitForecast cuts a forecast's record into its chunks: one at least.
func splitForecast(raw []byte) [][]byte {
	parts := [][]byte{raw[:min(forecastChunk, len(raw))]}
	for from := forecastChunk; from < len(raw); from += forecastChunk {
		parts = append(parts, raw[from:min(from+forecastChunk, len(raw))])
	}
	return parts
}

// PutForecast replaces the stored forecast with f: its record in chunks of a new generation,
// then the switch to it (see above).
func (s *Store) PutForecast(ctx context.Context, f store.StoredForecast) error {
	if err := store.CheckForecast(f); err != nil {
		return fmt.Errorf("etcdstore: put forecast: %w", err)
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return fmt.Errorf("etcdstore: put forecast: %w", err)
	}
	for range forecastAttempts {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("etcdstore: put forecast: %w", err)
		}
		switched, err := s.putForecastRecord(ctx, raw)
		if err != nil {
			return fmt.Errorf("etcdstore: put forecast: %w", err)
		}
		if switched {
			return nil
		}
	}
	return fmt.Errorf("etcdstore: put forecast: other writers replaced the forecast %d times while this one was written", forecastAttempts)
}

// putForecastRecord writes raw as a new generation and switches to it; switched is false when
// the state changed since it was read, or a chunk was deleted, before the switch (nothing is
// switched then, and the chunks are left to the next write or Prune).
func (s *Store) putForecastRecord(ctx context.Context, raw []byte) (switched bool, err error) {
	stateKey := s.forecastStateKey()
	resp, err := s.cli.Get(ctx, stateKey)
	if err != nil {
		return false, fmt.Errorf("state: %w", err)
	}
	var mod int64
	if len(resp.Kvs) > 0 {
		mod = resp.Kvs[0].ModRevision
	}
	gen, err := newForecastGeneration()
	if err != nil {
		return false, err
	}
	parts := splitForecast(raw)
	cmps := []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(stateKey), "=", mod)}
	size := len(stateKey) + 16
	for n, part := range parts {
		key := s.forecastChunkKey(gen, n)
		if _, err := s.writeChunked(ctx, []clientv3.Op{clientv3.OpPut(key, string(part))}); err != nil {
			return false, fmt.Errorf("chunk %d of %d: %w", n+1, len(parts), err)
		}
		if s.afterForecastChunk != nil {
			if err := s.afterForecastChunk(n); err != nil {
				return false, err
			}
		}
		cmps = append(cmps, clientv3.Compare(clientv3.Version(key), ">", 0))
		size += len(key) + 16
	}
	st, err := json.Marshal(forecastState{Generation: gen, Chunks: len(parts), Bytes: len(raw)})
	if err != nil {
		return false, err
	}
	// The switch, and every generation but the new one gone, in one Txn.
	all, prefix := s.under("forecast_chunks"), s.forecastGen(gen)
	ops := []clientv3.Op{
		clientv3.OpPut(stateKey, string(st)),
		clientv3.OpDelete(all, clientv3.WithRange(prefix)),
		clientv3.OpDelete(clientv3.GetPrefixRangeEnd(prefix), clientv3.WithRange(clientv3.GetPrefixRangeEnd(all))),
	}
	size += len(stateKey) + len(st) + 4*len(prefix) + 48
	ok, err := s.send(ctx, cmps, ops, size)
	if err != nil {
		return false, fmt.Errorf("switch to generation %s: %w", gen, err)
	}
	return ok, nil
}

// forecastRecord is the forecast's record (the JSON of store.StoredForecast) that state, read
// at revision rev, names; nil when state is nil.
func (s *Store) forecastRecord(ctx context.Context, state []byte, rev int64) ([]byte, error) {
	if state == nil {
		return nil, nil
	}
	var st forecastState
	if err := json.Unmarshal(state, &st); err != nil {
		return nil, fmt.Errorf("forecast state: %w", err)
	}
	if st.Generation == "" {
		return state, nil // the record itself, written before the forecast was chunked
	}
	raw := make([]byte, 0, st.Bytes)
	for n := range st.Chunks {
		key := s.forecastChunkKey(st.Generation, n)
		resp, err := s.cli.Get(ctx, key, clientv3.WithRev(rev))
		if err != nil {
			return nil, fmt.Errorf("get %s: %w", key, err)
		}
		if len(resp.Kvs) == 0 {
			return nil, fmt.Errorf("forecast generation %s lacks chunk %d of %d", st.Generation, n+1, st.Chunks)
		}
		raw = append(raw, resp.Kvs[0].Value...)
	}
	if len(raw) != st.Bytes {
		return nil, fmt.Errorf("forecast generation %s has %d bytes, its state says %d", st.Generation, len(raw), st.Bytes)
	}
	return raw, nil
}

// Forecast returns the stored forecast; ok is false before the first. The state and its
// chunks are read at one revision.
func (s *Store) Forecast(ctx context.Context) (f store.StoredForecast, ok bool, err error) {
	err = s.view(ctx, func(t *tx) error {
		state, err := t.get(s.forecastStateKey())
		if err != nil || state == nil {
			return err
		}
		raw, err := s.forecastRecord(ctx, state, t.rev)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("decode the forecast: %w", err)
		}
		ok = true
		return nil
	})
	if err != nil {
		return store.StoredForecast{}, false, fmt.Errorf("etcdstore: forecast: %w", err)
	}
	return f, ok, nil
}

// pruneForecast deletes the forecast's generations that forecast/state does not name (left by
// a write that crashed or lost its switch) and returns how many chunks it deleted. The delete
// requires the state unchanged since it was read, so a switch meanwhile keeps its generation
// (and deletes the leftovers itself).
func (s *Store) pruneForecast(ctx context.Context) (int, error) {
	stateKey := s.forecastStateKey()
	resp, err := s.cli.Get(ctx, stateKey)
	if err != nil {
		return 0, fmt.Errorf("state: %w", err)
	}
	rev, all := resp.Header.Revision, s.under("forecast_chunks")
	var st forecastState
	var mod int64
	if len(resp.Kvs) > 0 {
		if err := json.Unmarshal(resp.Kvs[0].Value, &st); err != nil {
			return 0, fmt.Errorf("state: %w", err)
		}
		mod = resp.Kvs[0].ModRevision
	}
	count := func(prefix string) (int64, error) {
		resp, err := s.cli.Get(ctx, prefix, clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(rev))
		if err != nil {
			return 0, err
		}
		return resp.Count, nil
	}
	total, err := count(all)
	if err != nil {
		return 0, err
	}
	var live int64
	ops := []clientv3.Op{clientv3.OpDelete(all, clientv3.WithPrefix())}
	if st.Generation != "" {
		prefix := s.forecastGen(st.Generation)
		if live, err = count(prefix); err != nil {
			return 0, err
		}
		ops = []clientv3.Op{
			clientv3.OpDelete(all, clientv3.WithRange(prefix)),
			clientv3.OpDelete(clientv3.GetPrefixRangeEnd(prefix), clientv3.WithRange(clientv3.GetPrefixRangeEnd(all))),
		}
	}
	if total == live {
		return 0, nil
	}
	ok, err := s.send(ctx, []clientv3.Cmp{clientv3.Compare(clientv3.ModRevision(stateKey), "=", mod)}, ops, 4*len(all)+64)
	if err != nil || !ok {
		return 0, err // !ok: a switch meanwhile deleted them
	}
	return int(total - live), nil
}

// PutQuotes replaces the quotes of customerID with qs: in one Txn that requires the customer's
// quotes unchanged since it listed them, when it fits (it puts each of qs and deletes each old
// quote qs lacks: up to MaxTxnOps operations, 127 under a leader's fence). A larger set (a
// customer with more quoted resources than that) is written in chunks, the new quotes first
// and then the deletions of the old ones qs lacks: a cache, so a crash or a reader between
// chunks costs at most a quote asked of BSS again, or an old quote kept until its age or the
// next write drops it.
func (s *Store) PutQuotes(ctx context.Context, customerID string, qs []store.CachedQuote) error {
	for _, q := range qs {
		if err := store.CheckQuote(customerID, q); err != nil {
			return fmt.Errorf("etcdstore: put quotes: %w", err)
		}
	}
	if err := store.CheckCustomerKey(customerID); err != nil {
		return fmt.Errorf("etcdstore: put quotes: %w", err)
	}
	prefix := s.key("quote_cache", store.QuoteKeyPrefix(customerID))
	keep := make(map[string]bool, len(qs))
	for _, q := range qs {
		keep[s.key("quote_cache", store.QuoteKey(customerID, q))] = true
	}
	err := s.update(ctx, func(t *tx) error {
		have, err := t.list(prefix, 0)
		if err != nil {
			return err
		}
		for _, e := range have {
			if !keep[e.key] {
				t.del(e.key)
			}
		}
		for _, q := range qs {
			if err := t.putJSON(s.key("quote_cache", store.QuoteKey(customerID, q)), q); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, ErrTooLarge) {
		err = s.putQuotesChunked(ctx, prefix, customerID, qs, keep)
	}
	if err != nil {
		return fmt.Errorf("etcdstore: put quotes of %s: %w", customerID, err)
	}
	return nil
}

// putQuotesChunked is PutQuotes for a set larger than one Txn: the puts, then the deletions of
// the old keys that keep lacks, in Txns that each fit.
func (s *Store) putQuotesChunked(ctx context.Context, prefix, customerID string, qs []store.CachedQuote, keep map[string]bool) error {
	ops := make([]clientv3.Op, 0, len(qs))
	for _, q := range qs {
		raw, err := json.Marshal(q)
		if err != nil {
			return fmt.Errorf("encode quote of %s: %w", q.ResourceID, err)
		}
		ops = append(ops, clientv3.OpPut(s.key("quote_cache", store.QuoteKey(customerID, q)), string(raw)))
	}
	err := s.pagesAsc(ctx, prefix, func(k string, _ []byte) (bool, error) {
		if !keep[k] {
			ops = append(ops, clientv3.OpDelete(k))
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("list %s: %w", prefix, err)
	}
	_, err = s.writeChunked(ctx, ops)
	return err
}

// Quotes returns the quotes kept of each of ids that has any, read at one revision.
func (s *Store) Quotes(ctx context.Context, ids []string) (map[string][]store.CachedQuote, error) {
	out := map[string][]store.CachedQuote{}
	err := s.view(ctx, func(t *tx) error {
		for _, id := range ids {
			if store.CheckCustomerKey(id) != nil {
				continue
			}
			kvs, err := t.listLoose(s.key("quote_cache", store.QuoteKeyPrefix(id)), 0)
			if err != nil {
				return err
			}
			for _, e := range kvs {
				q := store.CachedQuote{CustomerID: id}
				if q.ResourceID, q.Period, err = store.ParseQuoteKey(id, lastName(e.key, s.under("quote_cache"))); err != nil {
					return err
				}
				if err := json.Unmarshal(e.val, &q); err != nil {
					return fmt.Errorf("quote %q: %w", e.key, err)
				}
				out[id] = append(out[id], q)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: quotes: %w", err)
	}
	return out, nil
}

// DropQuotes forgets every quote of the customers ids, one delete of a key range each (however
// many quotes a customer has).
func (s *Store) DropQuotes(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if store.CheckCustomerKey(id) != nil {
			continue
		}
		del := clientv3.OpDelete(s.key("quote_cache", store.QuoteKeyPrefix(id)), clientv3.WithPrefix())
		if _, err := s.writeChunked(ctx, []clientv3.Op{del}); err != nil {
			return fmt.Errorf("etcdstore: drop quotes of %s: %w", id, err)
		}
	}
	return nil
}

// SetBudget sets (or replaces) the monthly budget of b.CustomerID.
func (s *Store) SetBudget(ctx context.Context, b store.Budget) error {
	if err := store.CheckBudget(b); err != nil {
		return fmt.Errorf("etcdstore: set budget: %w", err)
	}
	if err := s.update(ctx, func(t *tx) error { return t.putJSON(s.key("budgets", b.CustomerID), b) }); err != nil {
		return fmt.Errorf("etcdstore: set budget of %s: %w", b.CustomerID, err)
	}
	return nil
}

// RemoveBudget removes the budget of customerID; ok is false when it had none.
func (s *Store) RemoveBudget(ctx context.Context, customerID string) (ok bool, err error) {
	if store.CheckCustomerKey(customerID) != nil {
		return false, ctx.Err()
	}
	err = s.update(ctx, func(t *tx) error {
		v, err := t.get(s.key("budgets", customerID))
		ok = v != nil
		if ok {
			t.del(s.key("budgets", customerID))
		}
		return err
	})
	if err != nil {
		return false, fmt.Errorf("etcdstore: remove budget of %s: %w", customerID, err)
	}
	return ok, nil
}

// Budgets returns every budget, by customer id.
func (s *Store) Budgets(ctx context.Context) ([]store.Budget, error) {
	var out []store.Budget
	err := s.view(ctx, func(t *tx) error {
		kvs, err := t.listLoose(s.under("budgets"), 0)
		if err != nil {
			return err
		}
		for _, e := range kvs {
			b := store.Budget{CustomerID: lastName(e.key, s.under("budgets"))}
			if err := json.Unmarshal(e.val, &b); err != nil {
				return fmt.Errorf("budget %q: %w", e.key, err)
			}
			out = append(out, b)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("etcdstore: budgets: %w", err)
	}
	return out, nil
}
