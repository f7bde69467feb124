package store

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/partnerbot/partnerbot/internal/fakeclock"
)

func TestSaveAndReadButtons(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(t0)
	s := openStore(t, dbPath(t), Options{Now: clock.Now})
	long := "/renew 0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9 3m --autopay --customer 0a1b2c3d4e5f60718293a4b5c6d7e8f9"
	in := []Button{
		{Platform: "telegram", Command: "/approve 12", Label: "批准", Decides: true},
		{Platform: "telegram", Command: long, Label: "Renew"},
	}
	tokens, err := s.SaveButtons(ctx, in, 30*24*time.Hour)
	if err != nil {
		t.Fatalf("SaveButtons: %v", err)
	}
	if len(tokens) != 2 || tokens[0] == tokens[1] {
		t.Fatalf("tokens = %q, want two different ones", tokens)
	}
	tokenShape := regexp.MustCompile(`^[A-Za-z0-9_-]{16}$`)
	for i, tok := range tokens {
		if !tokenShape.MatchString(tok) {
			t.Errorf("token %q is not 16 URL-safe characters", tok)
		}
		got, err := s.Button(ctx, tok)
		if err != nil {
			t.Fatalf("Button(%q): %v", tok, err)
		}
		want := in[i]
		if got.Token != tok || got.Platform != want.Platform || got.Command != want.Command || got.Label != want.Label ||
			got.Decides != want.Decides {
			t.Errorf("Button(%q) = %+v, want %+v", tok, got, want)
		}
		if !got.CreatedAt.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(30*24*time.Hour)) {
			t.Errorf("Button(%q) created %s expires %s, want %s and 30 days later", tok, got.CreatedAt, got.ExpiresAt, t0)
		}
	}
}

func TestButtonExpiry(t *testing.T) {
	ctx := context.Background()
	clock := fakeclock.New(t0)
	s := openStore(t, dbPath(t), Options{Now: clock.Now})
	tokens, err := s.SaveButtons(ctx, []Button{{Platform: "telegram", Command: "/reject 7", Label: "拒绝"}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tok := tokens[0]

	clock.Advance(time.Hour - time.Second)
	if _, err := s.Button(ctx, tok); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}

	clock.Advance(time.Second)
	b, err := s.Button(ctx, tok)
	if !errors.Is(err, ErrButtonExpired) {
		t.Fatalf("at expiry: err = %v, want ErrButtonExpired", err)
	}
	if b.Command != "/reject 7" {
		t.Errorf("an expired button still says what it did: got %q", b.Command)
	}

	// Within the grace period a new save keeps it; after it, a save forgets it.
	clock.Advance(ButtonGrace - time.Second)
	if _, err := s.SaveButtons(ctx, []Button{{Platform: "telegram", Command: "/help"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Button(ctx, tok); !errors.Is(err, ErrButtonExpired) {
		t.Fatalf("within the grace period: err = %v, want ErrButtonExpired", err)
	}
	clock.Advance(2 * time.Second)
	if _, err := s.SaveButtons(ctx, []Button{{Platform: "telegram", Command: "/help"}}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Button(ctx, tok); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after the grace period: err = %v, want ErrNotFound", err)
	}
	// The index entry went with it.
	if err := s.View(ctx, func(tx *bolt.Tx) error {
		n := tx.Bucket(bucketButtonsExpiry).Stats().KeyN
		if n != 2 {
			t.Errorf("buttons_expiry holds %d keys, want the 2 live buttons'", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestButtonErrors(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	tests := []struct {
		name string
		bs   []Button
		ttl  time.Duration
	}{
		{"no platform", []Button{{Command: "/help"}}, time.Hour},
		{"no command", []Button{{Platform: "telegram", Command: "  "}}, time.Hour},
		{"zero ttl", []Button{{Platform: "telegram", Command: "/help"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.SaveButtons(ctx, tt.bs, tt.ttl); err == nil {
				t.Errorf("SaveButtons accepted %+v with ttl %s", tt.bs, tt.ttl)
			}
		})
	}
	for _, tok := range []string{"", "short", "AAAAAAAAAAAAAAAA", "AAAAAAAAAAAAAAAAA"} {
		if _, err := s.Button(ctx, tok); !errors.Is(err, ErrNotFound) {
			t.Errorf("Button(%q) = %v, want ErrNotFound", tok, err)
		}
	}
	if tokens, err := s.SaveButtons(ctx, nil, time.Hour); err != nil || len(tokens) != 0 {
		t.Errorf("SaveButtons(nil) = %q, %v; want nothing and no error", tokens, err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.SaveButtons(cancelled, []Button{{Platform: "telegram", Command: "/help"}}, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("SaveButtons with a cancelled context = %v", err)
	}
}
