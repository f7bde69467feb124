// Package names looks up the display names of people whose events carry only an id (a Slack
// message event's user id, a WeCom callback's userid) and keeps them, so that replies and notices
// name people rather than show ids. A lookup never holds up a command for more than a short
// wait: past it the command runs with what is known (a name looked up before, or the id), and the
// lookup finishes in the background for the next message. Each person is looked up at most once
// per refresh age; a failed lookup is not tried again for a while; an error is logged once per
// kind, not per message.
//
// The names found reach the router as chat.Request.UserName, which remembers them in the
// person's prefs (store.RememberName); at start the cache is seeded from those prefs, so a
// restart asks the platform again only once the refresh age has passed.
package names

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	DefaultRefresh = 24 * time.Hour   // a name is used this long, then looked up again
	DefaultRetry   = 10 * time.Minute // after a failed lookup, this long before asking again
	DefaultWait    = 2 * time.Second  // the longest a command waits for a lookup
	DefaultTimeout = 10 * time.Second // the longest one lookup runs (in the background)
)

// ErrNoName is wrapped by a Lookup's error when the platform answered that this person's name
// is not to be had (not visible to the app, not found): no name for the refresh age, and the
// fallback is used.
var ErrNoName = errors.New("no name for this person")

// Halt is returned (wrapped) by a Lookup's error when no lookup at all should be made for a
// while: a missing permission (For a refresh age), a rate limit (For its Retry-After).
type Halt struct {
	Reason string        // what to tell the operator, e.g. "the users:read scope is missing"
	For    time.Duration // no lookups for this long; 0 = the refresh age
	Err    error
}

func (h *Halt) Error() string { return h.Reason + ": " + h.Err.Error() }
func (h *Halt) Unwrap() error { return h.Err }

// Lookup asks the platform for the display name of a user id: "" with a nil error when the
// person has none.
type Lookup func(ctx context.Context, userID string) (string, error)

// Known gives the names remembered before, by "platform:user-id"; *store.Store implements it.
type Known interface {
	Names(ctx context.Context) (map[string]string, error)
}

// Options configure a Cache.
type Options struct {
	Platform string // the prefix of the Known keys, e.g. "slack"
	Lookup   Lookup
	Known    Known // optional
	Log      *slog.Logger
	Now      func() time.Time // default time.Now
	Refresh  time.Duration    // default DefaultRefresh
	Retry    time.Duration    // default DefaultRetry
	Wait     time.Duration    // default DefaultWait
	Timeout  time.Duration    // default DefaultTimeout
}

// Cache is the names of one platform's people.
type Cache struct {
	o    Options
	once sync.Once

	mu      sync.Mutex
	entries map[string]*entry
	halted  time.Time       // no lookups before this
	logged  map[string]bool // kinds of failure already logged at warning level
	calls   int
}

type entry struct {
	name    string        // the name, "" = none known
	next    time.Time     // when to look up again
	pending chan struct{} // closed when the lookup in flight ends; nil = none
}

// New builds a cache.
func New(o Options) *Cache {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Refresh <= 0 {
		o.Refresh = DefaultRefresh
	}
	if o.Retry <= 0 {
		o.Retry = DefaultRetry
	}
	if o.Wait <= 0 {
		o.Wait = DefaultWait
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	return &Cache{o: o, entries: map[string]*entry{}, logged: map[string]bool{}}
}

// Lookups counts the lookups started so far.
func (c *Cache) Lookups() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.calls
}

// Name is the display name of userID: the one known while fresh; else it is looked up, waiting
// at most Options.Wait (and no longer than ctx allows). What the event itself carried (fallback:
// a slash command's user name, or the id) stands in when no name is known.
func (c *Cache) Name(ctx context.Context, userID, fallback string) string {
	if userID == "" || c.o.Lookup == nil {
		return fallback
	}
	c.once.Do(func() { c.seed(ctx) })
	now := c.o.Now()
	c.mu.Lock()
	e := c.entries[userID]
	if e == nil {
		e = &entry{}
		c.entries[userID] = e
	}
	if e.pending == nil && now.Before(e.next) || e.pending == nil && now.Before(c.halted) {
		name := e.name
		c.mu.Unlock()
		return or(name, fallback)
	}
	if e.pending == nil {
		e.pending = make(chan struct{})
		c.calls++
		go c.lookup(userID, e, e.pending)
	}
	pending := e.pending
	c.mu.Unlock()
	t := time.NewTimer(c.o.Wait)
	defer t.Stop()
	select {
	case <-pending:
	case <-t.C:
	case <-ctx.Done():
	}
	c.mu.Lock()
	name := e.name
	c.mu.Unlock()
	return or(name, fallback)
}

// lookup asks the platform in the background, so that a slow answer still serves the next message.
func (c *Cache) lookup(userID string, e *entry, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), c.o.Timeout)
	name, err := c.o.Lookup(ctx, userID)
	cancel()
	name = strings.TrimSpace(name)
	now := c.o.Now()
	c.mu.Lock()
	defer func() {
		e.pending = nil
		c.mu.Unlock()
		close(done)
	}()
	var halt *Halt
	switch {
	case err == nil:
		e.name, e.next = name, now.Add(c.o.Refresh)
		clear(c.logged) // a later failure is news again
	case errors.As(err, &halt):
		d := halt.For
		if d <= 0 {
			d = c.o.Refresh
		}
		c.halted = now.Add(d)
		e.next = now.Add(min(d, c.o.Retry))
		c.warnOnce(halt.Reason, "display names not looked up for a while; people are shown by id or the name last seen",
			"reason", halt.Reason, "for", d.String(), "error", halt.Err)
	case errors.Is(err, ErrNoName):
		e.next = now.Add(c.o.Refresh) // keep a name seen before
		c.warnOnce("no name", "a person's display name is not available to the bot; shown by id", "user", userID, "error", err)
	default:
		e.next = now.Add(c.o.Retry)
		c.warnOnce("error", "display name lookup failed; shown by id or the name last seen", "user", userID, "error", err)
	}
}

// warnOnce logs a failure at warning level the first time its kind is seen (since the last
// success), at debug level after that. Called with c.mu held.
func (c *Cache) warnOnce(kind, msg string, args ...any) {
	level := slog.LevelWarn
	if c.logged[kind] {
		level = slog.LevelDebug
	}
	c.logged[kind] = true
	c.o.Log.Log(context.Background(), level, c.o.Platform+": "+msg, args...)
}

// seed loads the names remembered before: fresh for a refresh age from now.
func (c *Cache) seed(ctx context.Context) {
	if c.o.Known == nil {
		return
	}
	known, err := c.o.Known.Names(context.WithoutCancel(ctx))
	if err != nil {
		c.o.Log.Warn(c.o.Platform+": display names remembered before not loaded; people are looked up again", "error", err)
		return
	}
	next := c.o.Now().Add(c.o.Refresh)
	prefix := c.o.Platform + ":"
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range known {
		if id, ok := strings.CutPrefix(k, prefix); ok && id != "" && v != "" && c.entries[id] == nil {
			c.entries[id] = &entry{name: v, next: next}
		}
	}
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
