package commands

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// when formats a time in the configured zone with a relative hint: "2026-11-26 08:00 (in 1 days)",
// and notes, as clock does, that the reply shows a time.
func (c *Call) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	c.timesShown.Store(true)
	return lang.When(c.Lang, c.r.loc, c.now, t)
}

// date formats a time as a date in the configured zone.
func (c *Call) date(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return c.clock(t, "2006-01-02")
}

// stamp formats a time to the minute in the configured zone, without a hint.
func (c *Call) stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return c.clock(t, "2006-01-02 15:04")
}

// clock formats t in the configured zone with layout, and notes that the reply shows a time,
// so that it names the zone (zoned). Every time a reply shows goes through here or when.
func (c *Call) clock(t time.Time, layout string) string {
	c.timesShown.Store(true)
	return t.In(c.r.loc).Format(layout)
}

// zoned ends a reply that shows times with the line naming their zone, once.
func (c *Call) zoned(rep *chat.Reply) {
	if !c.timesShown.Load() {
		return
	}
	note := lang.ZoneNote(c.Lang, c.r.loc, c.now)
	if strings.Contains(rep.Footer, note) {
		return
	}
	if rep.Footer != "" {
		rep.Footer += " · " // a footer is one line
	}
	rep.Footer += note
}

// enum looks up "prefix.N" in the catalogue and falls back to the number itself.
func (c *Call) enum(prefix string, n int) string {
	key := prefix + "." + strconv.Itoa(n)
	if c.Lang.Has(key) {
		return c.Lang.T(key)
	}
	return strconv.Itoa(n)
}

// orDash shows "-" for an empty value.
func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "-"
	}
	return s
}

// pageOf cuts n items into pages of size and returns the bounds of page p (1-based).
func pageOf(n, size, p int) (lo, hi, pages int) {
	pages = max(1, (n+size-1)/size)
	lo = min((p-1)*size, n)
	hi = min(lo+size, n)
	return lo, hi, pages
}

func strconvItoa(n int) string { return strconv.Itoa(n) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// parseInt reads a whole number, accepting full-width digits (１２).
func parseInt(s string) (int, error) {
	return strconv.Atoi(strings.Map(func(r rune) rune {
		if r >= '０' && r <= '９' {
			return r - '０' + '0'
		}
		return r
	}, strings.TrimSpace(s)))
}
