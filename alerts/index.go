package alerts

import (
	"context"
	"fmt"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// The expiry index (package store) is what the expiry scans know of each customer's
// yearly/monthly resources. Package alerts is its one writer: the scans fill it (delta.go), and
// Index.Refresh lists a customer again when an approved action changed its resources. Others
// (the commands' cross-customer answers) read it through an Index and never write it.

// IndexBSS is what the index needs of the BSS client to list a customer again.
type IndexBSS interface {
	AllResources(ctx context.Context, f bss.ResourceFilter) ([]bss.Resource, error)
}

// IndexStore is the store's expiry index (*store.Store implements it).
type IndexStore interface {
	ExpiryScanState(ctx context.Context) (store.ExpiryScanState, bool, error)
	ExpiringIndexed(ctx context.Context, from, to time.Time) ([]store.TimedResource, error)
	IndexedCustomers(ctx context.Context, ids []string) (map[string]store.IndexedCustomer, error)
	CommitExpiryIndex(ctx context.Context, u store.ExpiryIndexUpdate) error
}

// Index reads the expiry index and refreshes one customer's entry on request.
type Index struct {
	bss   IndexBSS
	store IndexStore
	now   func() time.Time
}

// NewIndex is the index in s, refreshed from b; now, when nil, is time.Now.
func NewIndex(b IndexBSS, s IndexStore, now func() time.Time) *Index {
	if now == nil {
		now = time.Now
	}
	return &Index{bss: b, store: s, now: now}
}

// ExpiryScanState is the last expiry scan's record; ok is false before the first.
func (ix *Index) ExpiryScanState(ctx context.Context) (st store.ExpiryScanState, ok bool, err error) {
	return ix.store.ExpiryScanState(ctx)
}

// ExpiringIndexed lists the indexed resources that expire between from and to, soonest first.
func (ix *Index) ExpiringIndexed(ctx context.Context, from, to time.Time) ([]store.TimedResource, error) {
	return ix.store.ExpiringIndexed(ctx, from, to)
}

// IndexedCustomers is the entry of each of ids the index has.
func (ix *Index) IndexedCustomers(ctx context.Context, ids []string) (map[string]store.IndexedCustomer, error) {
	return ix.store.IndexedCustomers(ctx, ids)
}

// Refresh lists again the resources of customerID, after an approved action changed them, so
// that the index answers with the change rather than with the last scan. A customer the index
// does not know is left to the next scan.
func (ix *Index) Refresh(ctx context.Context, customerID string) error {
	if customerID == "" {
		return nil
	}
	known, err := ix.store.IndexedCustomers(ctx, []string{customerID})
	if err != nil {
		return fmt.Errorf("alerts: refresh the expiry index of %s: %w", customerID, err)
	}
	entry, ok := known[customerID]
	if !ok {
		return nil
	}
	// Stamped before the listing, as a scan stamps its entries with its start: the store keeps
	// whichever listing began later, so a scan batch listed before this refresh cannot undo it.
	now := ix.now()
	rs, err := ix.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: customerID})
	if err != nil {
		return fmt.Errorf("alerts: refresh the expiry index of %s: %w", customerID, err)
	}
	entry.Refreshed = now
	entry.Resources = make([]store.IndexedResource, len(rs))
	for i, r := range rs {
		entry.Resources[i] = indexedResource(r, now)
	}
	if err := ix.commit(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{entry}}); err != nil {
		return fmt.Errorf("alerts: refresh the expiry index of %s: %w", customerID, err)
	}
	return nil
}

// commit is the one place the index is written.
func (ix *Index) commit(ctx context.Context, u store.ExpiryIndexUpdate) error {
	return ix.store.CommitExpiryIndex(ctx, u)
}

// indexedResource is r as the expiry index keeps it, listed at at.
func indexedResource(r bss.Resource, at time.Time) store.IndexedResource {
	return store.IndexedResource{ID: r.ResourceID, Main: r.IsMain(), Parent: r.ParentResourceID, Status: r.Status,
		Expiry: r.ExpireTime.Time, Policy: r.ExpirePolicy, Confirmed: at, Desc: lang.Describe(r)}
}
