package store

import (
	"context"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestOwners(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RememberOwners(ctx, map[string]string{"r-1": "cust-1", "r-2": "cust-1", "r-3": "cust-2"}); err != nil {
		t.Fatal(err)
	}
	// Overwrite: r-2 moved to another customer.
	if err := s.RememberOwners(ctx, map[string]string{"r-2": "cust-3"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RememberOwners(ctx, nil); err != nil {
		t.Errorf("RememberOwners(nil) = %v", err)
	}
	check := func(s *Store) {
		t.Helper()
		tests := []struct {
			res, want string
			ok        bool
		}{
			{"r-1", "cust-1", true},
			{"r-2", "cust-3", true},
			{"r-3", "cust-2", true},
			{"r-4", "", false},
			{"R-1", "", false},
			{"", "", false},
			{strings.Repeat("r", bolt.MaxKeySize+1), "", false},
		}
		for _, tt := range tests {
			got, ok, err := s.Owner(ctx, tt.res)
			if err != nil || got != tt.want || ok != tt.ok {
				t.Errorf("Owner(%.10q) = %q, %t, %v; want %q, %t", tt.res, got, ok, err, tt.want, tt.ok)
			}
		}
	}
	check(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	check(openStore(t, path, Options{Now: clk.Now}))
}

func TestRememberOwnersRefusesEmpty(t *testing.T) {
	ctx := context.Background()
	for _, m := range []map[string]string{
		{"r-1": "cust-1", "": "cust-2"},
		{"r-1": "cust-1", "r-2": ""},
		{"r-1": "cust-1", strings.Repeat("r", bolt.MaxKeySize+1): "cust-2"},
	} {
		s, _, _ := newFakeStore(t)
		if err := s.RememberOwners(ctx, m); err == nil {
			t.Errorf("RememberOwners(%d entries) succeeded", len(m))
		}
		// One transaction: nothing was written.
		if _, ok, _ := s.Owner(ctx, "r-1"); ok {
			t.Error("r-1 remembered by a refused call")
		}
	}
}

func TestOwnersContextCancelled(t *testing.T) {
	s, _, _ := newFakeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.RememberOwners(ctx, map[string]string{"r": "c"}); !errors.Is(err, context.Canceled) {
		t.Errorf("RememberOwners: %v", err)
	}
	if _, _, err := s.Owner(ctx, "r"); !errors.Is(err, context.Canceled) {
		t.Errorf("Owner: %v", err)
	}
}
