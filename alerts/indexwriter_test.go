package alerts

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// commitRecorder is an IndexStore that keeps each committed update's puts.
type commitRecorder struct {
	IndexStore // only CommitExpiryIndex is called
	mu         sync.Mutex
	commits    [][]store.IndexedCustomer
}

func (r *commitRecorder) CommitExpiryIndex(_ context.Context, u store.ExpiryIndexUpdate) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commits = append(r.commits, u.Put)
	return nil
}

// TestIndexWriterBoundsResourcesPerCommit: a scan's index batches are bounded by resources as
// well as by customers. Every resource of a batch is a by-time entry at a random place in the
// store's expiry_by_time bucket, so one commit's dirty pages (held on the heap until it ends)
// grow with the batch's resources: 500 customers of 20 resources raised the delta benchmark's
// peak heap from ~35 to ~85 MiB.
func TestIndexWriterBoundsResourcesPerCommit(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	entry := func(id string, n int) store.IndexedCustomer {
		c := store.IndexedCustomer{ID: id, Refreshed: at}
		for i := range n {
			c.Resources = append(c.Resources, store.IndexedResource{ID: fmt.Sprintf("%s-r%d", id, i), Main: true, Expiry: at})
		}
		return c
	}
	tests := []struct {
		name      string
		resources []int // of each customer, in the order listed
		commits   int
	}{
		{"typical customers", repeat(20, 300), (300*20 + indexBatchResources - 1) / indexBatchResources},
		{"customers without resources", repeat(0, 2*indexBatch), 2},
		{"one customer over the bound commits alone", []int{3, 3 * indexBatchResources, 3}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &commitRecorder{}
			w := newIndexWriter(context.Background(), &Scanner{index: NewIndex(nil, rec, nil)})
			for i, n := range tt.resources {
				w.add(entry(fmt.Sprintf("c%04d", i), n))
			}
			w.close()
			if w.err != nil {
				t.Fatal(w.err)
			}
			seen := map[string]bool{}
			for i, put := range rec.commits {
				res := 0
				for _, c := range put {
					res += len(c.Resources)
					if seen[c.ID] {
						t.Errorf("customer %s committed twice", c.ID)
					}
					seen[c.ID] = true
				}
				if len(put) > indexBatch {
					t.Errorf("commit %d: %d customers, want at most %d", i, len(put), indexBatch)
				}
				if res > indexBatchResources && len(put) > 1 {
					t.Errorf("commit %d: %d resources in %d customers, want at most %d (or one customer)", i, res, len(put), indexBatchResources)
				}
			}
			if len(seen) != len(tt.resources) {
				t.Errorf("%d customers committed, want %d", len(seen), len(tt.resources))
			}
			if len(rec.commits) != tt.commits {
				t.Errorf("%d commits, want %d", len(rec.commits), tt.commits)
			}
		})
	}
}

func repeat(n, times int) []int {
	out := make([]int, times)
	for i := range out {
		out[i] = n
	}
	return out
}
