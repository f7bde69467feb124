package store

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// ownerRecord is the value of the owners bucket.
type ownerRecord struct {
	CustomerID string    `json:"customer_id"`
	SeenAt     time.Time `json:"seen_at"` // when a listing last showed the resource under this customer
}

// RememberOwners records, in one transaction, which customer each resource belongs to
// (resource id → customer id), replacing what was known. BSS lists a customer's resources only
// given the customer, so commands remember owners as they list resources. Empty ids are refused.
func (s *Store) RememberOwners(ctx context.Context, owners map[string]string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: remember owners: %w", err)
	}
	if len(owners) == 0 {
		return nil
	}
	for res, cust := range owners {
		if res == "" || cust == "" {
			return fmt.Errorf("store: remember owners: empty id in %q → %q", res, cust)
		}
		if len(res) > bolt.MaxKeySize {
			return fmt.Errorf("store: remember owners: resource id of %d bytes is too long", len(res))
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOwners)
		if err != nil {
			return err
		}
		now := s.now()
		// Sorted: bbolt splits nodes only at commit, so unsorted puts into one transaction
		// cost a memmove each over an ever larger node (quadratic for a scan's 100,000 ids).
		for _, res := range slices.Sorted(maps.Keys(owners)) {
			cust := owners[res]
			if err := putJSON(b, []byte(res), ownerRecord{CustomerID: cust, SeenAt: now}); err != nil {
				return fmt.Errorf("owner of %s: %w", res, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: remember owners: %w", err)
	}
	return nil
}

// Owner returns the customer that resourceID was last seen under; ok is false if it is unknown.
func (s *Store) Owner(ctx context.Context, resourceID string) (customerID string, ok bool, err error) {
	if err := ctx.Err(); err != nil {
		return "", false, fmt.Errorf("store: owner of %s: %w", resourceID, err)
	}
	if resourceID == "" || len(resourceID) > bolt.MaxKeySize {
		return "", false, nil
	}
	err = s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOwners)
		if err != nil {
			return err
		}
		v := b.Get([]byte(resourceID))
		if v == nil {
			return nil
		}
		var r ownerRecord
		if err := json.Unmarshal(v, &r); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		customerID, ok = r.CustomerID, true
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("store: owner of %s: %w", resourceID, err)
	}
	return customerID, ok, nil
}
