package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The expiry index is what the alert scanner knows of each customer's yearly/monthly resources,
// so that a daily scan asks BSS again only about the customers that changed or need a look
// (package alerts, delta scans). It is written only by package alerts (the scanner, in batches,
// and alerts.Index.Refresh after an action), and read back a page of customers at a time.

// IndexedResource is one yearly/monthly resource as BSS last listed it.
type IndexedResource struct {
	ID        string    `json:"id"`
	Main      bool      `json:"main,omitempty"`
	Parent    string    `json:"parent,omitempty"` // the main resource of an attached one
	Status    int       `json:"status"`           // 2 in use, 3 closed, 4 frozen, 5 expired
	Expiry    time.Time `json:"expiry"`
	Policy    int       `json:"policy"`         // expire_policy; 3 = auto-renew
	Confirmed time.Time `json:"confirmed"`      // when BSS last listed it so
	Desc      string    `json:"desc,omitempty"` // name · type spec, as people are shown it
}

// IndexedCustomer is one customer's resources in the index.
type IndexedCustomer struct {
	ID        string            `json:"-"`
	Refreshed time.Time         `json:"-"` // when all its resources were last listed
	Name      string            `json:"name,omitempty"`
	Account   string            `json:"account,omitempty"`
	Resources []IndexedResource `json:"resources"`
}

// IndexedSummary is what the index knows of a customer besides its resources.
type IndexedSummary struct {
	Refreshed time.Time `json:"refreshed"`       // when all its resources were last listed
	Retry     bool      `json:"retry,omitempty"` // its last listing failed: ask again
}

// ExpiryScanState is what the last expiry scan recorded.
type ExpiryScanState struct {
	At        time.Time `json:"at"`      // when the last scan that completed started
	FullAt    time.Time `json:"full_at"` // when the last full scan started
	Customers int       `json:"customers"`
}

// ExpiryIndexUpdate is one batch of changes to the index, committed at once.
type ExpiryIndexUpdate struct {
	// Put replaces each customer's resources and summary (Retry cleared), unless the index holds
	// a listing of that customer made later (Refreshed after the put's): a scan's batch that
	// listed a customer before an approved action must not overwrite the refresh made after it.
	Put    []IndexedCustomer
	Retry  []string         // customers whose listing failed: their entry stays, marked Retry
	Delete []string         // customers no longer in scope (departed, or no subscription covers them)
	State  *ExpiryScanState // the scan's record, when the scan is done
}

// keyExpiryState is the key of a scan's record in expiry_scan and balance_scan.
var keyExpiryState = []byte("state")

func checkCustomerKey(id string) error {
	switch {
	case id == "":
		return errors.New("empty customer id")
	case len(id) > bolt.MaxKeySize:
		return fmt.Errorf("customer id of %d bytes is too long", len(id))
	}
	return nil
}

// CommitExpiryIndex writes u in one transaction: deletes, then puts, then retries, then the state.
func (s *Store) CommitExpiryIndex(ctx context.Context, u ExpiryIndexUpdate) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: commit expiry index: %w", err)
	}
	for _, c := range u.Put {
		if err := checkCustomerKey(c.ID); err != nil {
			return fmt.Errorf("store: commit expiry index: %w", err)
		}
	}
	for _, ids := range [][]string{u.Retry, u.Delete} {
		for _, id := range ids {
			if err := checkCustomerKey(id); err != nil {
				return fmt.Errorf("store: commit expiry index: %w", err)
			}
		}
	}
	// Sorted: bbolt pays for unsorted puts into one transaction (see RememberOwners).
	puts := slices.SortedFunc(slices.Values(u.Put), func(a, b IndexedCustomer) int { return compareStrings(a.ID, b.ID) })
	err := s.update(func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketExpiryIndex)
		if err != nil {
			return err
		}
		sums, err := bucket(tx, bucketExpiryCustomers)
		if err != nil {
			return err
		}
		byTime, err := bucket(tx, bucketExpiryByTime)
		if err != nil {
			return err
		}
		// A listing older than the one held is dropped: the later one stands.
		fresh := slices.DeleteFunc(slices.Clone(puts), func(c IndexedCustomer) bool {
			v := sums.Get([]byte(c.ID))
			if v == nil {
				return false
			}
			var held IndexedSummary
			return json.Unmarshal(v, &held) == nil && held.Refreshed.After(c.Refreshed)
		})
		// The by-time entries of every customer put or deleted go first, from its old entry.
		replaced := slices.Clone(u.Delete)
		for _, c := range fresh {
			replaced = append(replaced, c.ID)
		}
		for _, id := range replaced {
			if err := deleteByTime(idx, byTime, id); err != nil {
				return fmt.Errorf("customer %s: %w", id, err)
			}
		}
		for _, id := range slices.Sorted(slices.Values(u.Delete)) {
			if err := idx.Delete([]byte(id)); err != nil {
				return err
			}
			if err := sums.Delete([]byte(id)); err != nil {
				return err
			}
		}
		for _, c := range fresh {
			rs := c.Resources
			if rs == nil {
				rs = []IndexedResource{}
			}
			if err := putJSON(idx, []byte(c.ID), IndexedCustomer{Name: c.Name, Account: c.Account, Resources: rs}); err != nil {
				return fmt.Errorf("customer %s: %w", c.ID, err)
			}
			if err := putByTime(byTime, c); err != nil {
				return fmt.Errorf("customer %s: %w", c.ID, err)
			}
			if err := putJSON(sums, []byte(c.ID), IndexedSummary{Refreshed: c.Refreshed}); err != nil {
				return fmt.Errorf("customer %s: %w", c.ID, err)
			}
		}
		for _, id := range slices.Sorted(slices.Values(u.Retry)) {
			var sum IndexedSummary
			if v := sums.Get([]byte(id)); v != nil {
				if err := json.Unmarshal(v, &sum); err != nil {
					return fmt.Errorf("customer %s: %w", id, err)
				}
			}
			sum.Retry = true
			if err := putJSON(sums, []byte(id), sum); err != nil {
				return fmt.Errorf("customer %s: %w", id, err)
			}
		}
		if u.State != nil {
			meta, err := bucket(tx, bucketExpiryScan)
			if err != nil {
				return err
			}
			return putJSON(meta, keyExpiryState, u.State)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: commit expiry index: %w", err)
	}
	return nil
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// ExpiryScanState returns the last expiry scan's record; ok is false before the first one.
func (s *Store) ExpiryScanState(ctx context.Context) (st ExpiryScanState, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return st, false, fmt.Errorf("store: expiry scan state: %w", err)
	}
	err = s.view(func(tx *bolt.Tx) error {
		meta, err := bucket(tx, bucketExpiryScan)
		if err != nil {
			return err
		}
		v := meta.Get(keyExpiryState)
		if v == nil {
			return nil
		}
		ok = true
		return json.Unmarshal(v, &st)
	})
	if err != nil {
		return ExpiryScanState{}, false, fmt.Errorf("store: expiry scan state: %w", err)
	}
	return st, ok, nil
}

// ExpiryCustomers returns the customers the index knows (in scope at the last scan), with
// their summaries.
func (s *Store) ExpiryCustomers(ctx context.Context) (map[string]IndexedSummary, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: expiry customers: %w", err)
	}
	out := map[string]IndexedSummary{}
	err := s.view(func(tx *bolt.Tx) error {
		sums, err := bucket(tx, bucketExpiryCustomers)
		if err != nil {
			return err
		}
		return sums.ForEach(func(k, v []byte) error {
			var sum IndexedSummary
			if err := json.Unmarshal(v, &sum); err != nil {
				return fmt.Errorf("customer %s: %w", k, err)
			}
			out[string(k)] = sum
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("store: expiry customers: %w", err)
	}
	return out, nil
}

// IndexedCustomers returns the index entries of ids; customers without one are absent.
func (s *Store) IndexedCustomers(ctx context.Context, ids []string) (map[string]IndexedCustomer, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: indexed customers: %w", err)
	}
	out := make(map[string]IndexedCustomer, len(ids))
	err := s.view(func(tx *bolt.Tx) error {
		idx, err := bucket(tx, bucketExpiryIndex)
		if err != nil {
			return err
		}
		sums, err := bucket(tx, bucketExpiryCustomers)
		if err != nil {
			return err
		}
		for _, id := range ids {
			if checkCustomerKey(id) != nil {
				continue
			}
			v := idx.Get([]byte(id))
			if v == nil {
				continue
			}
			c := IndexedCustomer{ID: id}
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("customer %s: %w", id, err)
			}
			var sum IndexedSummary
			if sv := sums.Get([]byte(id)); sv != nil {
				if err := json.Unmarshal(sv, &sum); err != nil {
					return fmt.Errorf("customer %s: %w", id, err)
				}
			}
			c.Refreshed = sum.Refreshed
			out[id] = c
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: indexed customers: %w", err)
	}
	return out, nil
}

// TimedResource is the value of an expiry_by_time entry: a main resource and its customer.
type TimedResource struct {
	Customer string          `json:"customer"`
	Name     string          `json:"name,omitempty"`
	Account  string          `json:"account,omitempty"`
	Resource IndexedResource `json:"resource"`
}

// timeKey is the expiry_by_time key of resource r of customer id.
func timeKey(expiry time.Time, id, res string) []byte {
	k := make([]byte, 8, 8+len(id)+1+len(res))
	binary.BigEndian.PutUint64(k, timeBits(expiry))
	k = append(k, id...)
	k = append(k, 0)
	return append(k, res...)
}

// timeBits orders times as unsigned integers: Unix ns, before 1970 as 0.
func timeBits(t time.Time) uint64 { return uint64(max(t.UnixNano(), 0)) }

// putByTime adds the expiry_by_time entries of c's main resources.
func putByTime(byTime *bolt.Bucket, c IndexedCustomer) error {
	for _, r := range c.Resources {
		if !r.Main {
			continue
		}
		if err := putJSON(byTime, timeKey(r.Expiry, c.ID, r.ID), TimedResource{Customer: c.ID, Name: c.Name, Account: c.Account, Resource: r}); err != nil {
			return err
		}
	}
	return nil
}

// deleteByTime removes the expiry_by_time entries of customer id's index entry in idx.
func deleteByTime(idx, byTime *bolt.Bucket, id string) error {
	v := idx.Get([]byte(id))
	if v == nil {
		return nil
	}
	var old IndexedCustomer
	if err := json.Unmarshal(v, &old); err != nil {
		return err
	}
	for _, r := range old.Resources {
		if r.Main {
			if err := byTime.Delete(timeKey(r.Expiry, id, r.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExpiringIndexed returns the main resources of every indexed customer that expire in
// [from, to], as the index knows them, soonest first.
func (s *Store) ExpiringIndexed(ctx context.Context, from, to time.Time) ([]TimedResource, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: expiring indexed: %w", err)
	}
	var out []TimedResource
	lo, hi := timeBits(from), timeBits(to)
	err := s.view(func(tx *bolt.Tx) error {
		byTime, err := bucket(tx, bucketExpiryByTime)
		if err != nil {
			return err
		}
		seek := binary.BigEndian.AppendUint64(nil, lo)
		cur := byTime.Cursor()
		for k, v := cur.Seek(seek); len(k) >= 8 && binary.BigEndian.Uint64(k) <= hi; k, v = cur.Next() {
			var t TimedResource
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("entry %x: %w", k, err)
			}
			// Keys hold whole nanoseconds; the stored time decides at the edges.
			if t.Resource.Expiry.Before(from) || t.Resource.Expiry.After(to) {
				continue
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: expiring indexed: %w", err)
	}
	return out, nil
}
