// Package redact hides known secrets in text: the one rule the logs, the audit log and the BSS
// client's reading of answers share, so that a secret echoed anywhere is hidden everywhere alike.
package redact

import (
	"bytes"
	"slices"
	"strings"
	"sync"
)

// Mark stands in for a secret.
const Mark = "[REDACTED]"

// MinLen is the shortest value treated as a secret: shorter ones would blank out ordinary words,
// and are no secret anyway.
const MinLen = 8

// Redactor replaces every occurrence of its secrets with Mark. The zero value and nil hide
// nothing. It is safe for concurrent use.
type Redactor struct {
	secrets []string // longest first, so that a secret holding another is hidden whole
	once    sync.Once
	repl    *strings.Replacer
}

// New returns a Redactor of secrets, leaving out those shorter than MinLen (after trimming white
// space, which is also hidden as given) and duplicates.
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	for _, s := range secrets {
		if len(strings.TrimSpace(s)) < MinLen || slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		if t := strings.TrimSpace(s); t != s && !slices.Contains(r.secrets, t) {
			r.secrets = append(r.secrets, t)
		}
	}
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
	return r
}

// Empty reports whether r hides nothing.
func (r *Redactor) Empty() bool { return r == nil || len(r.secrets) == 0 }

// Secrets returns the secrets r hides, longest first.
func (r *Redactor) Secrets() []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.secrets)
}

// Holds reports whether s contains one of the secrets.
func (r *Redactor) Holds(s string) bool {
	if r == nil {
		return false
	}
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			return true
		}
	}
	return false
}

// String returns s with every secret replaced by Mark; s itself when it holds none.
func (r *Redactor) String(s string) string {
	if !r.Holds(s) {
		return s
	}
	return r.replacer().Replace(s)
}

// minTail is the shortest end of a text that Truncated hides as the start of a secret.
const minTail = 4

// Truncated is String for a text that may have been cut short: it also hides an end of s that
// is the start of a secret (at least minTail bytes), which the cut left behind.
func (r *Redactor) Truncated(s string) string {
	s = r.String(s)
	if r.Empty() {
		return s
	}
	for _, sec := range r.secrets {
		for n := min(len(sec)-1, len(s)); n >= minTail; n-- {
			if strings.HasSuffix(s, sec[:n]) {
				return s[:len(s)-n] + Mark
			}
		}
	}
	return s
}

// Bytes returns b with every secret replaced by Mark; b itself (not a copy) when it holds none.
func (r *Redactor) Bytes(b []byte) []byte {
	if r == nil {
		return b
	}
	held := false
	for _, sec := range r.secrets {
		if bytes.Contains(b, []byte(sec)) {
			held = true
			break
		}
	}
	if !held {
		return b
	}
	return []byte(r.replacer().Replace(string(b)))
}

func (r *Redactor) replacer() *strings.Replacer {
	r.once.Do(func() {
		pairs := make([]string, 0, 2*len(r.secrets))
		for _, s := range r.secrets {
			pairs = append(pairs, s, Mark)
		}
		r.repl = strings.NewReplacer(pairs...)
	})
	return r.repl
}
