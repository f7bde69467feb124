package etcdstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/partnerbot/partnerbot/store"
)

// The forecast (issue #24): forecast/state holds the last one, quote_cache/<customer>\x00
// <resource>\x00<period> a renewal quote, budgets/<customer> a monthly budget: the tables and
// keys of bbolt's buckets, so that they move between the backends as they are (store.Record).
// A customer's quotes are replaced in one Txn that lists them first, so two writers of one
// customer's set do not mix.

// PutForecast replaces the stored forecast with f.
func (s *Store) PutForecast(ctx context.Context, f store.StoredForecast) error {
	if err := store.CheckForecast(f); err != nil {
		return fmt.Errorf("etcdstore: put forecast: %w", err)
	}
	err := s.update(ctx, func(t *tx) error { return t.putJSON(s.key("forecast", "state"), f) })
	if err != nil {
		return fmt.Errorf("etcdstore: put forecast: %w", err)
	}
	return nil
}

// Forecast returns the stored forecast; ok is false before the first.
func (s *Store) Forecast(ctx context.Context) (f store.StoredForecast, ok bool, err error) {
	err = s.view(ctx, func(t *tx) error {
		ok, err = t.getJSON(s.key("forecast", "state"), &f)
		return err
	})
	if err != nil {
		return store.StoredForecast{}, false, fmt.Errorf("etcdstore: forecast: %w", err)
	}
	return f, ok, nil
}

// PutQuotes replaces the quotes of customerID with qs, in one Txn.
func (s *Store) PutQuotes(ctx context.Context, customerID string, qs []store.CachedQuote) error {
	for _, q := range qs {
		if err := store.CheckQuote(customerID, q); err != nil {
			return fmt.Errorf("etcdstore: put quotes: %w", err)
		}
	}
	if err := store.CheckCustomerKey(customerID); err != nil {
		return fmt.Errorf("etcdstore: put quotes: %w", err)
	}
	err := s.update(ctx, func(t *tx) error {
		have, err := t.list(s.key("quote_cache", store.QuoteKeyPrefix(customerID)), 0)
		if err != nil {
			return err
		}
		for _, e := range have {
			t.del(e.key)
		}
		for _, q := range qs {
			if err := t.putJSON(s.key("quote_cache", store.QuoteKey(customerID, q)), q); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("etcdstore: put quotes of %s: %w", customerID, err)
	}
	return nil
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

// DropQuotes forgets every quote of the customers ids, one delete of a key range each.
func (s *Store) DropQuotes(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if store.CheckCustomerKey(id) != nil {
			continue
		}
		if err := s.update(ctx, func(t *tx) error {
			have, err := t.listLoose(s.key("quote_cache", store.QuoteKeyPrefix(id)), 0)
			for _, e := range have {
				t.del(e.key)
			}
			return err
		}); err != nil {
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
