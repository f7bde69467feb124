package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The balance cache is what the last arrears scan read of the balances of the resale customers
// it covers, so that /arrears answers from it instead of asking BSS for every customer's
// balance. It is written only by the arrears scan, whole, in one transaction.

// CachedBalance is one customer's balance as an arrears scan read it. Amounts are kept as the
// exact decimals BSS sent.
type CachedBalance struct {
	CustomerID string `json:"-"`
	Name       string `json:"name,omitempty"`
	Account    string `json:"account,omitempty"`
	Label      string `json:"label,omitempty"`
	Amount     string `json:"amount"`
	Debt       string `json:"debt"`
	Currency   string `json:"currency"`
	MeasureID  int    `json:"measure_id,omitempty"`
}

// BalanceCacheState is what the last arrears scan that refreshed the cache recorded.
type BalanceCacheState struct {
	At        time.Time `json:"at"`        // when the scan started
	Customers int       `json:"customers"` // the customers it covered
}

// BalanceCacheUpdate replaces the cache: the balances in Put, plus the entries of the customers
// in Keep as they were (their batch failed this time), and nothing else.
type BalanceCacheUpdate struct {
	State BalanceCacheState
	Put   []CachedBalance
	Keep  []string
}

// CommitBalanceCache writes u in one transaction.
func (s *Store) CommitBalanceCache(ctx context.Context, u BalanceCacheUpdate) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: commit balance cache: %w", err)
	}
	keep := make(map[string]bool, len(u.Put)+len(u.Keep))
	for _, b := range u.Put {
		if err := checkCustomerKey(b.CustomerID); err != nil {
			return fmt.Errorf("store: commit balance cache: %w", err)
		}
		keep[b.CustomerID] = true
	}
	for _, id := range u.Keep {
		keep[id] = true
	}
	puts := slices.SortedFunc(slices.Values(u.Put), func(a, b CachedBalance) int { return compareStrings(a.CustomerID, b.CustomerID) })
	err := s.update(func(tx *bolt.Tx) error {
		cache, err := bucket(tx, bucketBalanceCache)
		if err != nil {
			return err
		}
		var gone [][]byte
		if err := cache.ForEach(func(k, _ []byte) error {
			if !keep[string(k)] {
				gone = append(gone, slices.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range gone {
			if err := cache.Delete(k); err != nil {
				return err
			}
		}
		for _, b := range puts {
			if err := putJSON(cache, []byte(b.CustomerID), b); err != nil {
				return fmt.Errorf("customer %s: %w", b.CustomerID, err)
			}
		}
		meta, err := bucket(tx, bucketBalanceScan)
		if err != nil {
			return err
		}
		return putJSON(meta, keyExpiryState, u.State)
	})
	if err != nil {
		return fmt.Errorf("store: commit balance cache: %w", err)
	}
	return nil
}

// BalanceCache returns the cached balances and the state of the scan that wrote them; ok is
// false before the first arrears scan.
func (s *Store) BalanceCache(ctx context.Context) (st BalanceCacheState, bs []CachedBalance, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return st, nil, false, fmt.Errorf("store: balance cache: %w", err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketBalanceScan)
		if err != nil {
			return err
		}
		v := meta.Get(keyExpiryState)
		if v == nil {
			return nil
		}
		ok = true
		if err := json.Unmarshal(v, &st); err != nil {
			return err
		}
		cache, err := bucket(tx, bucketBalanceCache)
		if err != nil {
			return err
		}
		return cache.ForEach(func(k, v []byte) error {
			b := CachedBalance{CustomerID: string(k)}
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("customer %s: %w", k, err)
			}
			bs = append(bs, b)
			return nil
		})
	})
	if err != nil {
		return BalanceCacheState{}, nil, false, fmt.Errorf("store: balance cache: %w", err)
	}
	return st, bs, ok, nil
}
