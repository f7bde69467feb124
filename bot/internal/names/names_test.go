package names

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/internal/testenv"
)

// fakeLookup answers from a table, counting calls; a user mapped to an error fails with it.
type fakeLookup struct {
	mu    sync.Mutex
	names map[string]string
	errs  map[string]error
	calls map[string]int
	hold  chan struct{} // when set, every lookup waits for it
}

func (f *fakeLookup) lookup(ctx context.Context, id string) (string, error) {
	if f.hold != nil {
		select {
		case <-f.hold:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[id]++
	if err := f.errs[id]; err != nil {
		return "", err
	}
	return f.names[id], nil
}

func (f *fakeLookup) count(id string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[id]
}

type known map[string]string

func (k known) Names(context.Context) (map[string]string, error) { return k, nil }

func newCache(t *testing.T, f *fakeLookup, o Options) (*Cache, *fakeclock.Clock, *testenv.SyncBuffer) {
	t.Helper()
	clock := fakeclock.New(time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC))
	logs := &testenv.SyncBuffer{}
	o.Platform, o.Lookup, o.Now = "slack", f.lookup, clock.Now
	o.Log = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return New(o), clock, logs
}

func newLookup() *fakeLookup {
	return &fakeLookup{names: map[string]string{"U1": "Alice Li", "U2": "  "}, errs: map[string]error{}, calls: map[string]int{}}
}

// TestNameIsLookedUpOncePerRefresh: many messages, one lookup; the next one once the refresh
// age has passed; a person without a name keeps the fallback.
func TestNameIsLookedUpOncePerRefresh(t *testing.T) {
	f := newLookup()
	c, clock, _ := newCache(t, f, Options{})
	ctx := context.Background()
	for i := range 20 {
		if got := c.Name(ctx, "U1", ""); got != "Alice Li" {
			t.Fatalf("message %d: name %q, want Alice Li", i, got)
		}
	}
	if n := f.count("U1"); n != 1 {
		t.Errorf("%d lookups for 20 messages, want 1", n)
	}
	clock.Advance(DefaultRefresh - time.Minute)
	c.Name(ctx, "U1", "")
	if n := f.count("U1"); n != 1 {
		t.Errorf("looked up again before the refresh age: %d lookups", n)
	}
	f.mu.Lock()
	f.names["U1"] = "Alice"
	f.mu.Unlock()
	clock.Advance(2 * time.Minute)
	if got := c.Name(ctx, "U1", ""); got != "Alice" || f.count("U1") != 2 {
		t.Errorf("after the refresh age: %q with %d lookups, want the new name with 2", got, f.count("U1"))
	}
	if got := c.Name(ctx, "U2", "u2"); got != "u2" {
		t.Errorf("a blank name: %q, want the fallback", got)
	}
}

// TestFailuresFallBackAndAreLoggedOnce: an error gives the fallback, is logged once for many
// messages and people, and is tried again only after a while; a halt (missing scope) stops
// every lookup; a name known before survives a failed refresh.
func TestFailuresFallBackAndAreLoggedOnce(t *testing.T) {
	f := newLookup()
	c, clock, logs := newCache(t, f, Options{})
	ctx := context.Background()
	c.Name(ctx, "U1", "") // known before the trouble
	f.mu.Lock()
	f.errs["U3"] = errors.New("connection refused")
	f.errs["U4"] = errors.New("connection refused")
	f.mu.Unlock()
	for range 5 {
		if got := c.Name(ctx, "U3", "u3"); got != "u3" {
			t.Fatalf("on an error: %q, want the fallback", got)
		}
		c.Name(ctx, "U4", "")
	}
	if f.count("U3") != 1 || f.count("U4") != 1 {
		t.Errorf("failed lookups repeated at once: %v", f.calls)
	}
	if n := strings.Count(logs.String(), `"level":"WARN"`); n != 1 {
		t.Errorf("%d warnings for one kind of failure, want 1:\n%s", n, logs)
	}
	clock.Advance(DefaultRetry + time.Second)
	c.Name(ctx, "U3", "")
	if f.count("U3") != 2 {
		t.Errorf("not tried again after the retry pause: %d lookups", f.count("U3"))
	}

	// A missing scope: no lookup at all for a refresh age, for anyone.
	f.mu.Lock()
	f.errs["U5"] = fmt.Errorf("users.info: %w", &Halt{Reason: "the users:read scope is missing", Err: errors.New("missing_scope")})
	f.names["U1"] = "Alice Renamed"
	f.mu.Unlock()
	clock.Advance(DefaultRefresh) // U1 is due for a refresh
	c.Name(ctx, "U5", "")
	if got := c.Name(ctx, "U1", ""); got != "Alice Li" || f.count("U1") != 1 {
		t.Errorf("during a halt: %q after %d lookups of U1; want the name known, not looked up", got, f.count("U1"))
	}
	c.Name(ctx, "U6", "")
	if f.count("U6") != 0 {
		t.Error("a new person looked up during a halt")
	}
	if !strings.Contains(logs.String(), "users:read") {
		t.Errorf("the halt's reason is not logged:\n%s", logs)
	}
	clock.Advance(DefaultRefresh + time.Second)
	if got := c.Name(ctx, "U1", ""); got != "Alice Renamed" {
		t.Errorf("after the halt: %q, want the name looked up again", got)
	}
}

// TestSlowLookupDoesNotHoldUp: past the wait the fallback is used; the lookup finishes in the
// background and the next message has the name, without a second lookup.
func TestSlowLookupDoesNotHoldUp(t *testing.T) {
	f := newLookup()
	f.hold = make(chan struct{})
	c, _, _ := newCache(t, f, Options{Wait: 10 * time.Millisecond})
	if got := c.Name(context.Background(), "U1", "U1"); got != "U1" {
		t.Fatalf("a slow lookup: %q, want the fallback", got)
	}
	close(f.hold)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for c.Name(ctx, "U1", "U1") != "Alice Li" && ctx.Err() == nil {
	}
	if got := c.Name(ctx, "U1", "U1"); got != "Alice Li" || f.count("U1") != 1 {
		t.Errorf("after the slow lookup: %q with %d lookups, want Alice Li with 1", got, f.count("U1"))
	}
}

// TestSeededFromKnownNames: names remembered before (the prefs) serve without a lookup until
// the refresh age; other platforms' are ignored.
func TestSeededFromKnownNames(t *testing.T) {
	f := newLookup()
	c, clock, _ := newCache(t, f, Options{Known: known{"slack:U1": "alice.li", "telegram:U7": "Tg"}})
	ctx := context.Background()
	if got := c.Name(ctx, "U1", ""); got != "alice.li" || f.count("U1") != 0 {
		t.Errorf("a remembered name: %q with %d lookups", got, f.count("U1"))
	}
	if got := c.Name(ctx, "U7", ""); got != "" {
		t.Errorf("another platform's name used: %q", got)
	}
	clock.Advance(DefaultRefresh + time.Second)
	if got := c.Name(ctx, "U1", ""); got != "Alice Li" {
		t.Errorf("after the refresh age: %q, want the looked-up name", got)
	}
}
