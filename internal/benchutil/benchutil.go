// Package benchutil has what the benchmarks share: a sampler of the peak heap and a counting
// HTTP transport.
package benchutil

import (
	"net/http"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// HeapPeak samples the live heap every 10ms until the returned function is called, which
// returns the highest HeapAlloc seen (bytes).
func HeapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// Counting is an http.RoundTripper that counts the requests it carries.
type Counting struct {
	Next http.RoundTripper
	n    atomic.Int64
}

// RoundTrip implements http.RoundTripper.
func (c *Counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	next := c.Next
	if next == nil {
		next = http.DefaultTransport
	}
	return next.RoundTrip(r)
}

// Count is the number of requests carried so far.
func (c *Counting) Count() int64 { return c.n.Load() }

// Reset sets the count back to zero.
func (c *Counting) Reset() { c.n.Store(0) }
