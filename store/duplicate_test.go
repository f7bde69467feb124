package store

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
)

// TestCreateApprovalRefusesOpenDuplicate: two open requests to renew the same resource were both
// accepted and, approved, renewed it twice. A request whose action and customer match an open
// one (pending, approved or executing) with a subject in common is refused, whatever its period.
func TestCreateApprovalRefusesOpenDuplicate(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		first   func(s *Store, clk *fakeClock, id uint64) // brings the first request (r-1, r-2) to its state
		second  func(a *Approval)
		subject string // the subject in common; "" when the second request is accepted
	}{
		{"pending, same subjects, other period", nil, func(a *Approval) {
			a.Params = json.RawMessage(`{"resource_ids":["r-1","r-2"],"months":12}`)
		}, "r-1"},
		{"pending, one subject in common", nil, func(a *Approval) { a.Subjects = []string{"r-9", "r-2"} }, "r-2"},
		{"approved", func(s *Store, _ *fakeClock, id uint64) { mustDo(s.Approve(ctx, id, bob, nil)) }, nil, "r-1"},
		{"executing", func(s *Store, _ *fakeClock, id uint64) {
			mustDo(s.Approve(ctx, id, bob, nil))
			mustDo(s.BeginExecution(ctx, id, bob, nil))
		}, nil, "r-1"},
		{"other requester", nil, func(a *Approval) { a.Requester = carol }, "r-1"},
		{"other action", nil, func(a *Approval) { a.Action = "unsubscribe" }, ""},
		{"other customer", nil, func(a *Approval) { a.CustomerID = "cust-8" }, ""},
		{"no subject in common", nil, func(a *Approval) { a.Subjects = []string{"r-3"} }, ""},
		{"no subjects", nil, func(a *Approval) { a.Subjects = nil }, ""},
		{"first rejected", func(s *Store, _ *fakeClock, id uint64) { mustDo(s.Reject(ctx, id, bob, "", nil)) }, nil, ""},
		{"first cancelled", func(s *Store, _ *fakeClock, id uint64) { mustDo(s.Cancel(ctx, id, alice, nil)) }, nil, ""},
		{"first succeeded", func(s *Store, _ *fakeClock, id uint64) {
			mustDo(s.Approve(ctx, id, bob, nil))
			mustDo(s.BeginExecution(ctx, id, bob, nil))
			mustDo(s.FinishExecution(ctx, id, ApprovalResult{OK: true}, nil))
		}, nil, ""},
		{"first failed", func(s *Store, _ *fakeClock, id uint64) {
			mustDo(s.Approve(ctx, id, bob, nil))
			mustDo(s.BeginExecution(ctx, id, bob, nil))
			mustDo(s.FinishExecution(ctx, id, ApprovalResult{}, nil))
		}, nil, ""},
		{"first expired", func(s *Store, clk *fakeClock, _ uint64) {
			clk.Advance(ttl)
			if _, err := s.ExpireDue(ctx, nil); err != nil {
				panic(err)
			}
		}, func(a *Approval) { a.ExpiresAt = t0.Add(2 * ttl) }, ""},
		{"first past its expiry, not yet marked", func(_ *Store, clk *fakeClock, _ uint64) { clk.Advance(ttl) },
			func(a *Approval) { a.ExpiresAt = t0.Add(2 * ttl) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clk, _ := newFakeStore(t)
			first := mustCreate(t, s, request(1))
			if tt.first != nil {
				tt.first(s, clk, first.ID)
			}
			audits, notices := auditCount(t, s), pendingNotices(t, s)
			a := request(1)
			if tt.second != nil {
				tt.second(&a)
			}
			got, err := s.CreateApproval(ctx, a, testNotices)
			if tt.subject == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.ID != first.ID+1 {
					t.Errorf("second request got id %d", got.ID)
				}
				return
			}
			var de *DuplicateError
			if !errors.As(err, &de) || !errors.Is(err, ErrDuplicate) {
				t.Fatalf("err = %v, want a *DuplicateError matching ErrDuplicate", err)
			}
			if want := (DuplicateError{ExistingID: first.ID, Action: "renew", Subject: tt.subject}); *de != want {
				t.Errorf("error %+v, want %+v", *de, want)
			}
			if got.ID != 0 || auditCount(t, s) != audits || pendingNotices(t, s) != notices {
				t.Errorf("a refused request wrote something: %+v", got)
			}
			if l, _ := s.ListApprovals(ctx, ApprovalFilter{}); len(l) != 1 {
				t.Errorf("%d requests stored, want 1", len(l))
			}
		})
	}
}

func mustDo(_ Approval, err error) {
	if err != nil {
		panic(err)
	}
}

// TestCreateApprovalRefusedAfterReopen: the index of open requests is in the file.
func TestCreateApprovalRefusedAfterReopen(t *testing.T) {
	path := dbPath(t)
	clk := &fakeClock{t: t0}
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	first := mustCreate(t, s, request(1))
	s.Close()
	s = openStore(t, path, Options{Now: clk.Now})
	if _, err := s.CreateApproval(context.Background(), request(1), testNotices); !errors.Is(err, ErrDuplicate) {
		t.Fatalf("after reopen: %v, want ErrDuplicate", err)
	}
	if _, err := s.Cancel(context.Background(), first.ID, alice, nil); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, request(1))
}

// TestCreateApprovalConcurrentDuplicates: of many requests for the same thing filed at once,
// exactly one is accepted; the others name it.
func TestCreateApprovalConcurrentDuplicates(t *testing.T) {
	s, _, _ := newFakeStore(t)
	const n = 40
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     []uint64
		pointTo = map[uint64]int{}
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := request(1)
			a.Params = json.RawMessage(`{"months":` + string(rune('1'+i%9)) + `}`)
			got, err := s.CreateApproval(context.Background(), a, testNotices)
			mu.Lock()
			defer mu.Unlock()
			var de *DuplicateError
			switch {
			case err == nil:
				won = append(won, got.ID)
			case errors.As(err, &de):
				pointTo[de.ExistingID]++
			default:
				t.Errorf("CreateApproval: %v", err)
			}
		}()
	}
	wg.Wait()
	if len(won) != 1 {
		t.Fatalf("%d requests accepted, want 1: %v", len(won), won)
	}
	if pointTo[won[0]] != n-1 {
		t.Errorf("refusals point to %v, want %d to #%d", pointTo, n-1, won[0])
	}
}
