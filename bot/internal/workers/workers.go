// Package workers is the bounded worker pool the chat adapters run commands on: a fixed number
// of workers and a bounded queue, so that a burst of messages neither holds up the platform's
// acknowledgement nor grows without bound — a job that finds the queue full is refused at once
// and the adapter answers "busy, try again".
package workers

import (
	"context"
	"runtime/debug"
	"sync"
	"time"
)

// Pool runs jobs on a fixed number of workers. It is safe for concurrent use.
type Pool struct {
	jobs    chan func(context.Context)
	wg      sync.WaitGroup
	base    context.Context
	cancel  context.CancelFunc
	onPanic func(v any, stack []byte)

	mu     sync.RWMutex
	closed bool
}

// New starts workers workers with room for queue waiting jobs. onPanic (may be nil) hears of
// a job that panicked; the worker goes on.
func New(workers, queue int, onPanic func(v any, stack []byte)) *Pool {
	base, cancel := context.WithCancel(context.Background())
	p := &Pool{jobs: make(chan func(context.Context), max(queue, 0)), base: base, cancel: cancel, onPanic: onPanic}
	for range max(workers, 1) {
		p.wg.Go(func() {
			for job := range p.jobs {
				p.run(job)
			}
		})
	}
	return p
}

func (p *Pool) run(job func(context.Context)) {
	defer func() {
		if v := recover(); v != nil && p.onPanic != nil {
			p.onPanic(v, debug.Stack())
		}
	}()
	job(p.base)
}

// Try queues job, or reports false when the queue is full or the pool is closed. It never
// blocks. The job's context is cancelled when Close runs out of grace: a job that finds it
// already cancelled should tell its sender to send again rather than start.
func (p *Pool) Try(job func(ctx context.Context)) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed {
		return false
	}
	select {
	case p.jobs <- job:
		return true
	default:
		return false
	}
}

// Close takes no more jobs and lets the running and queued ones finish for up to grace; then
// their context is cancelled and Close waits for the workers to return. Closing twice is safe.
func (p *Pool) Close(grace time.Duration) {
	p.mu.Lock()
	if !p.closed {
		p.closed = true
		close(p.jobs)
	}
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
