// Package resume remembers, for a notice an adapter sends in several messages, how many of them
// went out before a failure, so that the dispatcher's retry of the same notice to the same place
// sends only the rest and no part arrives twice. Memory is bounded: entries are forgotten after
// a day, and the oldest go first when there are too many.
package resume

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"
)

// TTL is how long a notice's progress is remembered; MaxEntries bounds how many are.
const (
	TTL        = 24 * time.Hour
	MaxEntries = 1000
)

// Key identifies one notice's rendering to one place: the place, then each message.
func Key(place string, messages ...string) string {
	h := sha256.New()
	h.Write([]byte(place))
	for _, m := range messages {
		h.Write([]byte{0})
		h.Write([]byte(m))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Parts is the progress of interrupted notices. The zero value is ready to use and safe for
// concurrent use.
type Parts struct {
	mu sync.Mutex
	m  map[string]entry
}

type entry struct {
	sent int
	at   time.Time
}

// Sent is how many messages of notice key already went out (0 if none, or forgotten).
func (p *Parts) Sent(key string, now time.Time) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	e, ok := p.m[key]
	if !ok || now.Sub(e.at) > TTL {
		return 0
	}
	return e.sent
}

// Record notes that sent messages of notice key went out; 0 (the notice is done, or nothing went
// out) forgets it.
func (p *Parts) Record(key string, sent int, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sent <= 0 {
		delete(p.m, key)
		return
	}
	if p.m == nil {
		p.m = map[string]entry{}
	}
	if len(p.m) >= MaxEntries {
		var oldest string
		for k, e := range p.m {
			if now.Sub(e.at) > TTL {
				delete(p.m, k)
			} else if oldest == "" || e.at.Before(p.m[oldest].at) {
				oldest = k
			}
		}
		if len(p.m) >= MaxEntries {
			delete(p.m, oldest)
		}
	}
	p.m[key] = entry{sent: sent, at: now}
}
