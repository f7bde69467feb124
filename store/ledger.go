package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// The ledger records what has been alerted (key → value, both opaque to the store, e.g.
// "exp|slack:C1|<resource-id>" → {"threshold":7,"at":"…"}), so that nothing is alerted twice.
// CommitAlerts changes it in the same transaction that queues the alerts' notices.

// checkLedgerKey insists on a non-empty key that fits in bbolt.
func checkLedgerKey(k string) error {
	switch {
	case k == "":
		return errors.New("empty ledger key")
	case len(k) > bolt.MaxKeySize:
		return fmt.Errorf("ledger key of %d bytes is too long (max %d)", len(k), bolt.MaxKeySize)
	}
	return nil
}

// Ledger returns the ledger entries of keys; keys without an entry are absent from the map.
func (s *Store) Ledger(ctx context.Context, keys []string) (map[string]json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: ledger: %w", err)
	}
	out := make(map[string]json.RawMessage)
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketLedger)
		if err != nil {
			return err
		}
		for _, k := range keys {
			if checkLedgerKey(k) != nil {
				continue // never stored
			}
			if v := b.Get([]byte(k)); v != nil {
				out[k] = bytes.Clone(v)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: ledger: %w", err)
	}
	return out, nil
}

// LedgerPrefix returns every ledger entry whose key starts with prefix ("" = all of them).
func (s *Store) LedgerPrefix(ctx context.Context, prefix string) (map[string]json.RawMessage, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: ledger prefix %q: %w", prefix, err)
	}
	out := make(map[string]json.RawMessage)
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketLedger)
		if err != nil {
			return err
		}
		p := []byte(prefix)
		c := b.Cursor()
		for k, v := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, v = c.Next() {
			out[string(k)] = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: ledger prefix %q: %w", prefix, err)
	}
	return out, nil
}

// CommitAlerts, in one transaction, deletes the ledger entries deletes (a missing one is no
// error), writes the entries puts, and queues notices as [Store.EnqueueNoticesTx] does with now: either
// all of it is committed or nothing is. Deletes come first, so a key both deleted and put (an
// entry started over) ends up put. Keys must be non-empty and at most bolt.MaxKeySize bytes, and
// values valid JSON. Nothing to do is not an error.
func (s *Store) CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []Notice) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: commit alerts: %w", err)
	}
	putKeys := slices.Sorted(maps.Keys(puts))
	for _, k := range putKeys {
		if err := checkLedgerKey(k); err != nil {
			return fmt.Errorf("store: commit alerts: put: %w", err)
		}
		if !json.Valid(puts[k]) {
			return fmt.Errorf("store: commit alerts: ledger value of %q is not valid JSON", k)
		}
	}
	for _, k := range deletes {
		if err := checkLedgerKey(k); err != nil {
			return fmt.Errorf("store: commit alerts: delete: %w", err)
		}
	}
	if len(puts) == 0 && len(deletes) == 0 && len(notices) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketLedger)
		if err != nil {
			return err
		}
		for _, k := range deletes {
			if err := b.Delete([]byte(k)); err != nil {
				return fmt.Errorf("delete %q: %w", k, err)
			}
		}
		for _, k := range putKeys {
			if err := b.Put([]byte(k), puts[k]); err != nil {
				return fmt.Errorf("put %q: %w", k, err)
			}
		}
		if err := s.EnqueueNoticesTx(tx, s.now(), notices...); err != nil {
			return fmt.Errorf("notices: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: commit alerts: %w", err)
	}
	return nil
}
