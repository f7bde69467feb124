package commands

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
)

// money formats an amount with its currency and thousands separators: "CNY 12,345.60".
func money(a bss.Amount, currency string) string {
	s := a.String()
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	out := sign + b.String() + "." + frac
	if currency == "" {
		currency = "CNY"
	}
	return currency + " " + out
}

// when formats a time in the configured zone with a relative hint: "2026-11-26 08:00 (in 1 days)".
func (c *Call) when(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return c.clock(t, "2006-01-02 15:04") + " (" + c.relative(t) + ")"
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
// so that it names the zone (zoned). Every time a reply shows goes through here.
func (c *Call) clock(t time.Time, layout string) string {
	c.timesShown.Store(true)
	return t.In(c.r.loc).Format(layout)
}

// zoned ends a reply that shows times with the line naming their zone, once.
func (c *Call) zoned(rep *chat.Reply) {
	if !c.timesShown.Load() {
		return
	}
	note := ZoneNote(c.Lang, c.r.loc, c.now)
	if strings.Contains(rep.Footer, note) {
		return
	}
	if rep.Footer != "" {
		rep.Footer += " · " // a footer is one line
	}
	rep.Footer += note
}

// ZoneNote is the line that names the zone of the times a message shows: "时间为北京时间
// (UTC+8)", "Times in Asia/Tokyo (UTC+9)". at picks the offset where the zone has summer time.
func ZoneNote(l Lang, loc *time.Location, at time.Time) string {
	return l.T("lbl.zone", ZoneName(l, loc, at))
}

// ZoneName names loc for people: China's zone by its usual name, any other by its IANA name,
// each with its UTC offset at at.
func ZoneName(l Lang, loc *time.Location, at time.Time) string {
	name, off := at.In(loc).Zone()
	utc := "UTC"
	if off != 0 {
		sign := "+"
		if off < 0 {
			sign, off = "-", -off
		}
		utc += sign + strconv.Itoa(off/3600)
		if m := off % 3600 / 60; m != 0 {
			utc += fmt.Sprintf(":%02d", m)
		}
	}
	switch id := loc.String(); {
	case beijing[id] || (name == "CST" && utc == "UTC+8"):
		return l.T("lbl.zone_beijing")
	case id == "UTC" || id == "" || id == "Local" && utc == "UTC":
		return "UTC"
	case id == "Local":
		return utc
	default:
		return id + " (" + utc + ")"
	}
}

// beijing are the IANA names of China's zone (UTC+8 all year).
var beijing = map[string]bool{"Asia/Shanghai": true, "Asia/Chongqing": true, "Asia/Chungking": true,
	"Asia/Harbin": true, "PRC": true}

func (c *Call) relative(t time.Time) string {
	d := t.Sub(c.now)
	switch {
	case d >= 24*time.Hour:
		return c.Lang.T("lbl.in_days", int(d/(24*time.Hour)))
	case d >= time.Hour:
		return c.Lang.T("lbl.in_hours", int(d/time.Hour))
	case d > -time.Hour:
		return c.Lang.T("lbl.today")
	case d > -24*time.Hour:
		return c.Lang.T("lbl.hours_ago", int(-d/time.Hour))
	}
	return c.Lang.T("lbl.days_ago", int(-d/(24*time.Hour)))
}

// enum looks up "prefix.N" in the catalogue and falls back to the number itself.
func (c *Call) enum(prefix string, n int) string {
	key := prefix + "." + strconv.Itoa(n)
	if _, ok := catalogue[key]; ok {
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

// Money formats an amount with its currency and thousands separators, as replies show it.
func Money(a bss.Amount, currency string) string { return money(a, currency) }

// When formats t in loc with a hint relative to now in language l: "2026-11-28 16:00 (2 天后)".
func When(l Lang, loc *time.Location, now, t time.Time) string {
	c := &Call{Lang: l, r: &Router{loc: loc}, now: now}
	return c.when(t)
}

// Describe is a resource's one-line description: name, type, spec and size.
func Describe(r bss.Resource) string { return describe(r) }

// LocalDesc shows a description made by Describe in l (BSS type names in English for En).
func LocalDesc(l Lang, desc string) string { return localDesc(l, desc) }
