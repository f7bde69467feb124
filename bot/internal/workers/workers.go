// Package workers is the worker pool the chat adapters run commands on: a fixed number of
// workers and bounded queues, so that a burst of messages neither holds up the platform's
// acknowledgement nor grows without bound.
//
// The pool is fair. Every job names who sent it (the user) and where (the chat); each user has
// a queue of their own and the queues are served round-robin, one job per turn, so that one
// person's backlog never waits in front of another person's command. One user holds at most
// PerUser workers at once and one chat at most PerChat, so that the rest stay free for everyone
// else however much one of them sends. A job that finds its user's queue full is refused at
// once (ErrBusy) and the adapter answers "busy, try again".
package workers

import (
	"context"
	"errors"
	"runtime/debug"
	"sync"
	"time"
)

// Errors of Submit.
var (
	// ErrBusy: the sender already has as many commands waiting as they may (or the whole pool
	// is full); the adapter answers "busy, try again".
	ErrBusy = errors.New("workers: busy")
	// ErrClosed: the pool is stopping and takes nothing new.
	ErrClosed = errors.New("workers: closed")
)

// Options size a Pool; zero values take the defaults.
type Options struct {
	Workers int // jobs running at once; default 8
	// PerUser is how many of one user's jobs run at once; default max(1, Workers/4).
	PerUser int
	// PerChat is how many jobs of one chat run at once; default max(1, Workers/2), at least
	// PerUser.
	PerChat int
	// UserQueue is how many of one user's jobs wait for a worker; default 8.
	UserQueue int
	// Queue bounds the jobs waiting in all; default 8 × Workers. A user with nothing waiting
	// is taken even when it is reached (up to twice Queue), so that a crowd cannot refuse a
	// newcomer their first command.
	Queue int
	// OnPanic (may be nil) hears of a job that panicked; the pool goes on.
	OnPanic func(v any, stack []byte)
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.PerUser <= 0 {
		o.PerUser = max(1, o.Workers/4)
	}
	o.PerUser = min(o.PerUser, o.Workers)
	if o.PerChat <= 0 {
		o.PerChat = max(1, o.Workers/2)
	}
	o.PerChat = min(max(o.PerChat, o.PerUser), o.Workers)
	if o.UserQueue <= 0 {
		o.UserQueue = 8
	}
	if o.Queue <= 0 {
		o.Queue = 8 * o.Workers
	}
}

// Job is one command to run. User and Chat are opaque keys ("slack:U123", "slack:C456"); an
// empty Chat has no chat cap.
type Job struct {
	User string
	Chat string
	// Run does the work. Its context is cancelled when Close runs out of grace: a job that
	// finds it already cancelled should tell its sender to send again rather than start.
	Run func(ctx context.Context)
}

// Pool runs jobs on a fixed number of workers, fairly between users. It is safe for concurrent
// use.
type Pool struct {
	opts   Options
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	closed  bool
	running int                   // jobs running
	waiting int                   // jobs queued, all users
	users   map[string]*userQueue // users with a job waiting or running
	chats   map[string]int        // jobs running per chat
	turn    []*userQueue          // users with a job waiting, in the order they are served
}

// userQueue is one user's waiting jobs and how many of theirs run.
type userQueue struct {
	user    string
	jobs    []Job
	running int
	inTurn  bool // in Pool.turn
}

// New makes a pool; it starts no goroutine until a job comes.
func New(o Options) *Pool {
	o.defaults()
	base, cancel := context.WithCancel(context.Background())
	return &Pool{opts: o, base: base, cancel: cancel, users: map[string]*userQueue{}, chats: map[string]int{}}
}

// Submit queues j, or refuses it at once: ErrBusy when its user already has UserQueue jobs
// waiting (or the pool is full), ErrClosed when the pool is closed. It never blocks.
func (p *Pool) Submit(j Job) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return ErrClosed
	}
	u := p.users[j.User]
	queued := 0
	if u != nil {
		queued = len(u.jobs)
	}
	switch {
	case queued >= p.opts.UserQueue:
		return ErrBusy
	case p.waiting >= 2*p.opts.Queue, p.waiting >= p.opts.Queue && queued > 0:
		return ErrBusy
	}
	if u == nil {
		u = &userQueue{user: j.User}
		p.users[j.User] = u
	}
	u.jobs = append(u.jobs, j)
	p.waiting++
	if !u.inTurn {
		u.inTurn = true
		p.turn = append(p.turn, u)
	}
	p.dispatch()
	return nil
}

// Waiting reports how many of user's jobs wait for a worker, and how many run.
func (p *Pool) Waiting(user string) (waiting, running int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if u := p.users[user]; u != nil {
		return len(u.jobs), u.running
	}
	return 0, 0
}

// dispatch starts waiting jobs while a worker is free: the first user in turn whose own and
// whose chat's caps allow it gets one job started and goes to the back of the turn. Called
// with p.mu held.
func (p *Pool) dispatch() {
	for p.running < p.opts.Workers && len(p.turn) > 0 {
		i := p.next()
		if i < 0 {
			return // everyone waiting is at a cap: a finishing job calls again
		}
		u := p.turn[i]
		j := u.jobs[0]
		u.jobs[0] = Job{}
		u.jobs = u.jobs[1:]
		if len(u.jobs) == 0 {
			u.jobs = nil // let the backing array go
		}
		p.waiting--
		p.turn = append(p.turn[:i], p.turn[i+1:]...)
		if len(u.jobs) > 0 {
			p.turn = append(p.turn, u)
		} else {
			u.inTurn = false
		}
		u.running++
		p.running++
		if j.Chat != "" {
			p.chats[j.Chat]++
		}
		p.wg.Add(1)
		go p.run(u, j)
	}
}

// next is the index in p.turn of the first user whose next job may start now, or -1.
func (p *Pool) next() int {
	for i, u := range p.turn {
		if u.running >= p.opts.PerUser {
			continue
		}
		if c := u.jobs[0].Chat; c != "" && p.chats[c] >= p.opts.PerChat {
			continue
		}
		return i
	}
	return -1
}

func (p *Pool) run(u *userQueue, j Job) {
	defer p.wg.Done() // last: the jobs this one's end starts are counted before it leaves
	defer p.finish(u, j)
	defer func() {
		if v := recover(); v != nil && p.opts.OnPanic != nil {
			p.opts.OnPanic(v, debug.Stack())
		}
	}()
	j.Run(p.base)
}

// finish books a job's end and starts what can start now.
func (p *Pool) finish(u *userQueue, j Job) {
	p.mu.Lock()
	defer p.mu.Unlock()
	u.running--
	p.running--
	if j.Chat != "" {
		if p.chats[j.Chat]--; p.chats[j.Chat] <= 0 {
			delete(p.chats, j.Chat)
		}
	}
	if u.running == 0 && len(u.jobs) == 0 {
		delete(p.users, u.user)
	}
	p.dispatch()
}

// Close takes no more jobs and lets the running and waiting ones finish for up to grace; then
// their context is cancelled (the jobs still waiting then start with it cancelled) and Close
// waits for them to return. Closing twice is safe.
func (p *Pool) Close(grace time.Duration) {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	done := make(chan struct{})
	go func() { p.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		p.cancel()
		<-done
	}
	p.cancel()
}
