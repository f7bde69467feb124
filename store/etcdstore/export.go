package etcdstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/store"
)

// The tables of this backend's keys that are not a logical table of the same name (see
// store.Record): balance holds balance_cache's generations, forecast_chunks the forecast's
// (exported as the one record forecast/state names), inbound is inbound_deliveries, and
// cluster is the running replicas' (not exported).
var etcdTables = []string{"balance", "forecast_chunks", "inbound", "cluster"}

// importGeneration is the balance cache generation Import writes.
const importGeneration = 1

// Export calls fn on every record of the store (see store.Record), read at one revision. A
// key under a table this backend does not know is an error: nothing is left behind unsaid.
func (s *Store) Export(ctx context.Context, fn func(store.Record) error) error {
	if err := s.export(ctx, fn); err != nil {
		return fmt.Errorf("etcdstore: export %s: %w", s.Path(), err)
	}
	return nil
}

func (s *Store) export(ctx context.Context, fn func(store.Record) error) error {
	resp, err := s.cli.Get(ctx, s.prefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		return err
	}
	rev := resp.Header.Revision
	if err := s.knownTablesOnly(ctx, rev, resp.Count); err != nil {
		return err
	}
	// The by-time keys to export: those of the entries' main resources.
	live := map[string]bool{}
	err = s.pagesAt(ctx, s.under("expiry_index"), rev, func(k string, v []byte) error {
		var c store.IndexedCustomer
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("%s: %w", k, err)
		}
		id := lastName(k, s.under("expiry_index"))
		for _, key := range s.mainKeys(id, c.Resources) {
			live[key] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	var bal balanceState
	st, err := s.cli.Get(ctx, s.key("balance_scan", "state"), clientv3.WithRev(rev))
	if err != nil {
		return err
	}
	if len(st.Kvs) > 0 {
		if err := json.Unmarshal(st.Kvs[0].Value, &bal); err != nil {
			return fmt.Errorf("balance_scan/state: %w", err)
		}
	}
	for _, table := range store.PortableTables {
		prefix, name := s.under(table), table
		switch table {
		case "meta":
			err := fn(store.Record{Table: "meta", Key: "schema_version", Value: []byte(strconv.Itoa(store.CurrentSchemaVersion))})
			if err != nil {
				return err
			}
			continue
		case "inbound_deliveries":
			prefix = s.under("inbound")
		case "balance_cache":
			if len(st.Kvs) == 0 {
				continue // no cache without a state naming its generation
			}
			prefix = s.balanceGen(bal.Generation)
		}
		err := s.pagesAt(ctx, prefix, rev, func(k string, v []byte) error {
			r := store.Record{Table: name, Key: lastName(k, prefix), Value: v}
			switch table {
			case "expiry_by_time":
				if !live[k] {
					return nil // a leftover no reader sees, and Prune sweeps
				}
			case "expiry_scan":
				if r.Key != "state" {
					return nil // the sweep counter: this backend's own
				}
			case "balance_scan":
				raw, err := json.Marshal(bal.BalanceCacheState)
				if err != nil {
					return err
				}
				r.Value = raw
			case "forecast":
				if r.Key != "state" {
					return fmt.Errorf("unknown forecast record %q", r.Key)
				}
				raw, err := s.forecastRecord(ctx, v, rev)
				if err != nil {
					return err
				}
				r.Value = raw // the whole record, as bbolt keeps it
			}
			return fn(r)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// knownTablesOnly checks that the count keys under the prefix at rev all belong to tables
// this backend knows, and names one that does not.
func (s *Store) knownTablesOnly(ctx context.Context, rev, count int64) error {
	var known int64
	for _, t := range slices.Concat(store.PortableTables, etcdTables) {
		resp, err := s.cli.Get(ctx, s.under(t), clientv3.WithPrefix(), clientv3.WithCountOnly(), clientv3.WithRev(rev))
		if err != nil {
			return err
		}
		known += resp.Count
	}
	if known == count {
		return nil
	}
	var stray string
	err := s.pagesAt(ctx, s.prefix, rev, func(k string, _ []byte) error {
		t, _, _ := strings.Cut(lastName(k, s.prefix), "/")
		if stray == "" && !slices.Contains(store.PortableTables, t) && !slices.Contains(etcdTables, t) {
			stray = k
		}
		return nil
	})
	if err != nil {
		return err
	}
	return fmt.Errorf("%d keys under %s are in no table this partnerbot knows, e.g. %q", count-known, s.prefix, stray)
}

// Import writes recs (see store.Portable), in Txns within etcd's limits: it is not atomic, and
// a failed import leaves the chunks before the failure written.
func (s *Store) Import(ctx context.Context, recs []store.Record) error {
	ops := make([]clientv3.Op, 0, len(recs))
	for _, r := range recs {
		if r.Table == "forecast" {
			fops, err := s.importForecast(r)
			if err != nil {
				return fmt.Errorf("etcdstore: import into %s: %s/%q: %w", s.Path(), r.Table, r.Key, err)
			}
			ops = append(ops, fops...)
			continue
		}
		op, ok, err := s.importOp(r)
		if err != nil {
			return fmt.Errorf("etcdstore: import into %s: %s/%q: %w", s.Path(), r.Table, r.Key, err)
		}
		if ok {
			ops = append(ops, op)
		}
	}
	if _, err := s.writeChunked(ctx, ops); err != nil {
		return fmt.Errorf("etcdstore: import into %s: %w", s.Path(), err)
	}
	return nil
}

// importForecast is the puts of the forecast's record r: its chunks in a new generation, then
// the state naming them (writeChunked keeps that order, so a failed import names no
// generation it did not finish).
func (s *Store) importForecast(r store.Record) ([]clientv3.Op, error) {
	if err := store.CheckRecordKey(r); err != nil {
		return nil, err
	}
	if r.Key != "state" {
		return nil, errors.New("unknown forecast record")
	}
	var f store.StoredForecast
	if err := json.Unmarshal(r.Value, &f); err != nil {
		return nil, err
	}
	gen, err := newForecastGeneration()
	if err != nil {
		return nil, err
	}
	parts := splitForecast(r.Value)
	ops := make([]clientv3.Op, 0, len(parts)+1)
	for n, part := range parts {
		ops = append(ops, clientv3.OpPut(s.forecastChunkKey(gen, n), string(part)))
	}
	st, err := json.Marshal(forecastState{Generation: gen, Chunks: len(parts), Bytes: len(r.Value)})
	if err != nil {
		return nil, err
	}
	return append(ops, clientv3.OpPut(s.forecastStateKey(), string(st))), nil
}

// importOp is the put of record r; ok is false for a record written as nothing.
func (s *Store) importOp(r store.Record) (clientv3.Op, bool, error) {
	if err := store.CheckRecordKey(r); err != nil {
		return clientv3.Op{}, false, err
	}
	key, val := s.key(r.Table, r.Key), r.Value
	switch r.Table {
	case "meta":
		return clientv3.Op{}, false, store.CheckSchemaRecord(r)
	case "seq":
		if !slices.Contains(store.SeqTables, r.Key) {
			return clientv3.Op{}, false, errors.New("not a counter")
		}
		if _, err := strconv.ParseUint(string(r.Value), 10, 64); err != nil {
			return clientv3.Op{}, false, err
		}
	case "inbound_deliveries":
		if _, err := store.ParseIDName(string(r.Value)); err != nil {
			return clientv3.Op{}, false, err
		}
		key = s.key("inbound", r.Key)
	case "balance_cache":
		key = s.balanceGen(importGeneration) + r.Key
	case "balance_scan":
		var st store.BalanceCacheState
		if err := json.Unmarshal(r.Value, &st); err != nil {
			return clientv3.Op{}, false, err
		}
		raw, err := json.Marshal(balanceState{BalanceCacheState: st, Generation: importGeneration})
		if err != nil {
			return clientv3.Op{}, false, err
		}
		val = raw
	case "expiry_scan":
		if r.Key != "state" {
			return clientv3.Op{}, false, errors.New("unknown expiry_scan record")
		}
	}
	return clientv3.OpPut(key, string(val)), true, nil
}
