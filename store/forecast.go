package store

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The renewal and arrears forecast (issue #24) keeps three things here: the last forecast the
// daily expiry scan computed, which /forecast reads with its time as /expiring reads the index;
// the renewal quotes it used, so that a resource is quoted at most once a day; and the
// customers' monthly budgets (/budget). The store keeps the forecast's body opaque (package
// forecast's Result, as JSON): it is written whole and read whole.

// StoredForecast is the last forecast: when it was computed, over how many customers, and its
// body.
type StoredForecast struct {
	At        time.Time       `json:"at"`
	Customers int             `json:"customers"`
	Body      json.RawMessage `json:"body"`
}

// CachedQuote is one renewal quote of a main resource (attached resources included) for a
// period ("1m" = one month).
type CachedQuote struct {
	CustomerID string    `json:"-"`
	ResourceID string    `json:"-"`
	Period     string    `json:"-"`
	Amount     string    `json:"amount"` // the exact decimal BSS sent
	Currency   string    `json:"currency,omitempty"`
	At         time.Time `json:"at"` // when BSS was asked
}

// Budget is a customer's monthly budget (/budget).
type Budget struct {
	CustomerID string    `json:"-"`
	Name       string    `json:"name,omitempty"`
	Amount     string    `json:"amount"` // decimal yuan
	Currency   string    `json:"currency,omitempty"`
	By         string    `json:"by,omitempty"` // "platform:user" who set it
	At         time.Time `json:"at"`
}

var keyForecastState = []byte("state")

// CheckForecast insists on a forecast that can be stored: a time and a JSON body.
func CheckForecast(f StoredForecast) error {
	if f.At.IsZero() {
		return errors.New("a forecast without its time")
	}
	if !json.Valid(f.Body) {
		return errors.New("a forecast whose body is not JSON")
	}
	return nil
}

// CheckQuote insists on a quote that can be kept under customerID.
func CheckQuote(customerID string, q CachedQuote) error {
	if err := checkCustomerKey(customerID); err != nil {
		return err
	}
	if q.CustomerID != "" && q.CustomerID != customerID {
		return fmt.Errorf("a quote of customer %s among those of %s", q.CustomerID, customerID)
	}
	for _, part := range []string{customerID, q.ResourceID, q.Period} {
		if part == "" || strings.ContainsRune(part, 0) {
			return fmt.Errorf("quote key %q/%q/%q: parts must be non-empty and without NUL", customerID, q.ResourceID, q.Period)
		}
	}
	if len(customerID)+len(q.ResourceID)+len(q.Period)+2 > bolt.MaxKeySize {
		return errors.New("quote key too long")
	}
	if q.Amount == "" {
		return fmt.Errorf("quote of %s without an amount", q.ResourceID)
	}
	return nil
}

// CheckBudget insists on a budget that can be stored.
func CheckBudget(b Budget) error {
	if err := checkCustomerKey(b.CustomerID); err != nil {
		return err
	}
	if b.Amount == "" {
		return errors.New("a budget without an amount")
	}
	return nil
}

// QuoteKeyPrefix is where a customer's quotes start in an ordered key space.
func QuoteKeyPrefix(customerID string) string { return customerID + "\x00" }

// QuoteKey is the key of a quote of customerID.
func QuoteKey(customerID string, q CachedQuote) string {
	return QuoteKeyPrefix(customerID) + q.ResourceID + "\x00" + q.Period
}

// ParseQuoteKey is the resource id and period of a key under QuoteKeyPrefix(customerID).
func ParseQuoteKey(customerID, key string) (resource, period string, err error) {
	rest, ok := strings.CutPrefix(key, QuoteKeyPrefix(customerID))
	if ok {
		resource, period, ok = strings.Cut(rest, "\x00")
	}
	if !ok {
		return "", "", fmt.Errorf("quote key %q is damaged", key)
	}
	return resource, period, nil
}

// PutForecast replaces the stored forecast with f.
func (s *Store) PutForecast(ctx context.Context, f StoredForecast) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: put forecast: %w", err)
	}
	if err := CheckForecast(f); err != nil {
		return fmt.Errorf("store: put forecast: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketForecast)
		if err != nil {
			return err
		}
		return putJSON(b, keyForecastState, f)
	})
	if err != nil {
		return fmt.Errorf("store: put forecast: %w", err)
	}
	return nil
}

// Forecast returns the stored forecast; ok is false before the first.
func (s *Store) Forecast(ctx context.Context) (f StoredForecast, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return f, false, fmt.Errorf("store: forecast: %w", err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketForecast)
		if err != nil {
			return err
		}
		v := b.Get(keyForecastState)
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &f)
	})
	if err != nil {
		return StoredForecast{}, false, fmt.Errorf("store: forecast: %w", err)
	}
	return f, ok, nil
}

// PutQuotes replaces the quotes of customerID with qs, in one transaction: a customer keeps
// only the quotes its last forecast used.
func (s *Store) PutQuotes(ctx context.Context, customerID string, qs []CachedQuote) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: put quotes: %w", err)
	}
	for _, q := range qs {
		if err := CheckQuote(customerID, q); err != nil {
			return fmt.Errorf("store: put quotes: %w", err)
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketQuotes)
		if err != nil {
			return err
		}
		if err := deletePrefix(b, []byte(QuoteKeyPrefix(customerID))); err != nil {
			return err
		}
		for _, q := range qs {
			if err := putJSON(b, []byte(QuoteKey(customerID, q)), q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: put quotes of %s: %w", customerID, err)
	}
	return nil
}

// Quotes returns the quotes kept of each of ids that has any.
func (s *Store) Quotes(ctx context.Context, ids []string) (map[string][]CachedQuote, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: quotes: %w", err)
	}
	out := map[string][]CachedQuote{}
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketQuotes)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if checkCustomerKey(id) != nil {
				continue
			}
			prefix := []byte(QuoteKeyPrefix(id))
			c := b.Cursor()
			for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
				q := CachedQuote{CustomerID: id}
				if q.ResourceID, q.Period, err = ParseQuoteKey(id, string(k)); err != nil {
					return err
				}
				if err := json.Unmarshal(v, &q); err != nil {
					return fmt.Errorf("quote %q: %w", k, err)
				}
				out[id] = append(out[id], q)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: quotes: %w", err)
	}
	return out, nil
}

// DropQuotes forgets every quote of the customers ids (an order of theirs may have changed
// what a renewal costs).
func (s *Store) DropQuotes(ctx context.Context, ids []string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: drop quotes: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketQuotes)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if checkCustomerKey(id) != nil {
				continue
			}
			if err := deletePrefix(b, []byte(QuoteKeyPrefix(id))); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: drop quotes: %w", err)
	}
	return nil
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var gone [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		gone = append(gone, slices.Clone(k))
	}
	for _, k := range gone {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// SetBudget sets (or replaces) the monthly budget of b.CustomerID.
func (s *Store) SetBudget(ctx context.Context, b Budget) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: set budget: %w", err)
	}
	if err := CheckBudget(b); err != nil {
		return fmt.Errorf("store: set budget: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketBudgets)
		if err != nil {
			return err
		}
		return putJSON(bk, []byte(b.CustomerID), b)
	})
	if err != nil {
		return fmt.Errorf("store: set budget of %s: %w", b.CustomerID, err)
	}
	return nil
}

// RemoveBudget removes the budget of customerID; ok is false when it had none.
func (s *Store) RemoveBudget(ctx context.Context, customerID string) (ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("store: remove budget: %w", err)
	}
	if checkCustomerKey(customerID) != nil {
		return false, nil
	}
	err = s.update(func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketBudgets)
		if err != nil {
			return err
		}
		if bk.Get([]byte(customerID)) == nil {
			return nil
		}
		ok = true
		return bk.Delete([]byte(customerID))
	})
	if err != nil {
		return false, fmt.Errorf("store: remove budget of %s: %w", customerID, err)
	}
	return ok, nil
}

// Budgets returns every budget, by customer id.
func (s *Store) Budgets(ctx context.Context) ([]Budget, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: budgets: %w", err)
	}
	var out []Budget
	err := s.view(func(tx *bolt.Tx) error {
		bk, err := bucket(tx, bucketBudgets)
		if err != nil {
			return err
		}
		return bk.ForEach(func(k, v []byte) error {
			b := Budget{CustomerID: string(k)}
			if err := json.Unmarshal(v, &b); err != nil {
				return fmt.Errorf("budget of %s: %w", k, err)
			}
			out = append(out, b)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: budgets: %w", err)
	}
	return out, nil
}
