package workers

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// gatedJobs makes jobs that say when they start and then wait to be released.
type gatedJobs struct {
	t       *testing.T
	started chan string
	mu      sync.Mutex
	release map[string]chan struct{}
}

func newGated(t *testing.T) *gatedJobs {
	return &gatedJobs{t: t, started: make(chan string, 1000), release: map[string]chan struct{}{}}
}

// job is a job of user in chat named name.
func (g *gatedJobs) job(user, chat, name string) Job {
	g.mu.Lock()
	ch := make(chan struct{})
	g.release[name] = ch
	g.mu.Unlock()
	return Job{User: user, Chat: chat, Run: func(ctx context.Context) {
		g.started <- name
		select {
		case <-ch:
		case <-ctx.Done():
		}
	}}
}

func (g *gatedJobs) free(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.release[name])
}

func (g *gatedJobs) freeAll() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for name, ch := range g.release {
		select {
		case <-ch:
		default:
			close(ch)
		}
		delete(g.release, name)
	}
}

// next waits for the next job to start and returns its name.
func (g *gatedJobs) next() string {
	g.t.Helper()
	select {
	case name := <-g.started:
		return name
	case <-time.After(10 * time.Second):
		g.t.Fatal("no job started")
		return ""
	}
}

// none checks that no job has started (beyond those already read).
func (g *gatedJobs) none() {
	g.t.Helper()
	select {
	case name := <-g.started:
		g.t.Fatalf("%s started, want none", name)
	default:
	}
}

func submit(t *testing.T, p *Pool, j Job) {
	t.Helper()
	if err := p.Submit(j); err != nil {
		t.Fatalf("Submit(%s): %v", j.User, err)
	}
}

// TestFloodDoesNotDelayOthers is issue #20 §5: one user sends a hundred commands at once, every
// one of them slow. They get at most their share of the workers and a bounded queue, the rest
// is refused as busy, and another user's command starts at once, while all of the flooder's
// are still running or waiting.
func TestFloodDoesNotDelayOthers(t *testing.T) {
	g := newGated(t)
	p := New(Options{Workers: 8, UserQueue: 5})
	defer p.Close(time.Second)
	defer g.freeAll()
	took, busy := 0, 0
	for i := range 100 {
		switch err := p.Submit(g.job("slack:FLOOD", "slack:DFLOOD", fmt.Sprint("flood", i))); {
		case err == nil:
			took++
		case errors.Is(err, ErrBusy):
			busy++
		default:
			t.Fatal(err)
		}
	}
	// 2 (a quarter of 8 workers) running, 5 waiting.
	if took != 7 || busy != 93 {
		t.Fatalf("took %d, refused %d as busy; want 7 and 93", took, busy)
	}
	g.next()
	g.next()
	g.none()
	if w, r := p.Waiting("slack:FLOOD"); w != 5 || r != 2 {
		t.Fatalf("the flooder has %d waiting and %d running, want 5 and 2", w, r)
	}
	submit(t, p, g.job("slack:OTHER", "slack:DOTHER", "other"))
	if got := g.next(); got != "other" {
		t.Fatalf("%s started, want the other user's command", got)
	}
}

// TestRoundRobin: users take turns, one job each, in the order they first had one waiting.
func TestRoundRobin(t *testing.T) {
	g := newGated(t)
	p := New(Options{Workers: 1})
	defer p.Close(time.Second)
	defer g.freeAll()
	submit(t, p, g.job("z", "", "z1"))
	g.next()
	for _, name := range []string{"a1", "a2", "a3", "b1", "b2", "c1"} {
		submit(t, p, g.job(name[:1], "", name))
	}
	g.free("z1")
	for _, want := range []string{"a1", "b1", "c1", "a2", "b2", "a3"} {
		if got := g.next(); got != want {
			t.Fatalf("%s started, want %s", got, want)
		}
		g.free(want)
	}
}

// TestChatShare: the users of one group chat together hold at most PerChat workers.
func TestChatShare(t *testing.T) {
	g := newGated(t)
	p := New(Options{Workers: 4, PerChat: 2})
	defer p.Close(time.Second)
	defer g.freeAll()
	for i := range 4 {
		submit(t, p, g.job(fmt.Sprint("u", i), "tg:-100group", fmt.Sprint("group", i)))
	}
	g.next()
	g.next()
	g.none()
	submit(t, p, g.job("v", "tg:42", "private"))
	if got := g.next(); got != "private" {
		t.Fatalf("%s started, want the private chat's command", got)
	}
	g.none()
}

// TestQueueBound: the pool as a whole is bounded, but a user with nothing waiting is still
// taken (up to twice the bound), so a crowd cannot refuse a newcomer.
func TestQueueBound(t *testing.T) {
	g := newGated(t)
	p := New(Options{Workers: 1, Queue: 2, UserQueue: 5})
	defer p.Close(time.Second)
	defer g.freeAll()
	submit(t, p, g.job("a", "", "a0"))
	g.next()
	submit(t, p, g.job("a", "", "a1"))
	submit(t, p, g.job("a", "", "a2"))
	if err := p.Submit(g.job("a", "", "a3")); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third waiting job of a full pool's user: %v, want ErrBusy", err)
	}
	submit(t, p, g.job("b", "", "b1"))
	submit(t, p, g.job("c", "", "c1"))
	if err := p.Submit(g.job("d", "", "d1")); !errors.Is(err, ErrBusy) {
		t.Fatalf("past twice the bound: %v, want ErrBusy", err)
	}
}

func TestPoolRefusesWhenClosedAndRunsWhatItTook(t *testing.T) {
	release := make(chan struct{})
	var ran atomic.Int32
	p := New(Options{Workers: 1, UserQueue: 2})
	block := Job{User: "u", Run: func(context.Context) { <-release; ran.Add(1) }}
	for range 3 {
		if err := p.Submit(block); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Submit(block); !errors.Is(err, ErrBusy) {
		t.Fatalf("a full queue took another job: %v", err)
	}
	close(release)
	p.Close(5 * time.Second)
	if ran.Load() != 3 {
		t.Fatalf("ran %d jobs, took 3", ran.Load())
	}
	if err := p.Submit(block); !errors.Is(err, ErrClosed) {
		t.Fatalf("a closed pool: %v, want ErrClosed", err)
	}
	p.Close(time.Second) // twice is safe
}

func TestPoolSurvivesPanicsAndCancelsAfterGrace(t *testing.T) {
	var panics atomic.Int32
	p := New(Options{Workers: 2, OnPanic: func(v any, stack []byte) {
		if v != "boom" || len(stack) == 0 {
			t.Errorf("onPanic(%v, %d bytes)", v, len(stack))
		}
		panics.Add(1)
	}})
	_ = p.Submit(Job{User: "a", Run: func(context.Context) { panic("boom") }})
	cancelled := make(chan struct{})
	_ = p.Submit(Job{User: "b", Run: func(ctx context.Context) { <-ctx.Done(); close(cancelled) }})
	// A job still waiting when the grace runs out starts with its context cancelled.
	var late atomic.Bool
	_ = p.Submit(Job{User: "b", Run: func(ctx context.Context) { late.Store(ctx.Err() != nil) }})
	start := time.Now()
	p.Close(100 * time.Millisecond)
	select {
	case <-cancelled:
	default:
		t.Fatal("a job outliving the grace was not cancelled")
	}
	if !late.Load() {
		t.Error("a job that waited past the grace started with a live context")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Close did not return after its grace")
	}
	if panics.Load() != 1 {
		t.Fatalf("%d panics reported", panics.Load())
	}
	if w, r := p.Waiting("a"); w != 0 || r != 0 {
		t.Errorf("a panicked job is still booked: %d waiting, %d running", w, r)
	}
}
