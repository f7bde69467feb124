package understand

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Interval is the time a sentence spoke of: From inclusive, To exclusive, in the bot's time zone.
type Interval struct {
	From, To time.Time
}

// Days is how many days from now the interval reaches, at least 1: what "/expiring N" asks.
func (iv Interval) Days(now time.Time) int {
	d := int((iv.To.Sub(now) + 24*time.Hour - 1) / (24 * time.Hour))
	return max(d, 1)
}

// The bounds of a date understood: a sentence about a time outside them is read as naming none.
const (
	pastDays    = 400
	futureYears = 3
)

// dateCtx is the clock a date rule reads: now and today's midnight, in the bot's time zone.
type dateCtx struct {
	now, today time.Time
}

func (c dateCtx) days(from, n int) Interval {
	f := c.today.AddDate(0, 0, from)
	return Interval{From: f, To: f.AddDate(0, 0, n)}
}

// within is the next n days from now ("7天内").
func (c dateCtx) within(n int) Interval {
	return Interval{From: c.now, To: c.now.AddDate(0, 0, n)}
}

func (c dateCtx) monthStart(delta int) time.Time {
	return time.Date(c.today.Year(), c.today.Month()+time.Month(delta), 1, 0, 0, 0, 0, c.today.Location())
}

func (c dateCtx) month(delta int) Interval {
	f := c.monthStart(delta)
	return Interval{From: f, To: f.AddDate(0, 1, 0)}
}

// monthEnd is from now to the end of the month delta months ahead ("月底前": by its last day).
func (c dateCtx) monthEnd(delta int) Interval {
	return Interval{From: c.now, To: c.monthStart(delta + 1)}
}

// week is the week (Monday to Sunday) delta weeks from this one.
func (c dateCtx) week(delta int) Interval {
	mon := c.today.AddDate(0, 0, -((int(c.today.Weekday())+6)%7)+7*delta)
	return Interval{From: mon, To: mon.AddDate(0, 0, 7)}
}

// weekday is day wd (1 Monday … 7 Sunday) of the week delta weeks from this one.
func (c dateCtx) weekday(delta, wd int) Interval {
	mon := c.week(delta).From
	d := mon.AddDate(0, 0, wd-1)
	return Interval{From: d, To: d.AddDate(0, 0, 1)}
}

// nearestMonth is month m of the year that puts it nearest to now.
func (c dateCtx) nearestMonth(m int) Interval {
	best := Interval{}
	bestDist := time.Duration(1<<63 - 1)
	for _, y := range []int{c.today.Year() - 1, c.today.Year(), c.today.Year() + 1} {
		f := time.Date(y, time.Month(m), 1, 0, 0, 0, 0, c.today.Location())
		mid := f.AddDate(0, 0, 14)
		dist := mid.Sub(c.now)
		if dist < 0 {
			dist = -dist
		}
		if dist < bestDist {
			best, bestDist = Interval{From: f, To: f.AddDate(0, 1, 0)}, dist
		}
	}
	return best
}

// nearestDay is day d of month m of the year that puts it nearest to now.
func (c dateCtx) nearestDay(m, d int) (Interval, bool) {
	best, found := Interval{}, false
	bestDist := time.Duration(1<<63 - 1)
	for _, y := range []int{c.today.Year() - 1, c.today.Year(), c.today.Year() + 1} {
		f := time.Date(y, time.Month(m), d, 0, 0, 0, 0, c.today.Location())
		if f.Day() != d || int(f.Month()) != m {
			return Interval{}, false // 2月30日
		}
		dist := f.Sub(c.today)
		if dist < 0 {
			dist = -dist
		}
		if dist < bestDist {
			best, bestDist, found = Interval{From: f, To: f.AddDate(0, 0, 1)}, dist, true
		}
	}
	return best, found
}

// dateRule is one row of the date grammar: a pattern and what its match means.
type dateRule struct {
	re *regexp.Regexp
	fn func(c dateCtx, m []string) (Interval, bool)
}

var weekdayZh = map[string]int{"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7}

var weekdayEn = map[string]int{"monday": 1, "mon": 1, "tuesday": 2, "tue": 2, "tues": 2, "wednesday": 3, "wed": 3,
	"thursday": 4, "thu": 4, "thurs": 4, "friday": 5, "fri": 5, "saturday": 6, "sat": 6, "sunday": 7, "sun": 7}

var monthEn = map[string]int{"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
	"may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
	"october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12}

var numberEn = map[string]int{"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "sixty": 60, "ninety": 90}

// num reads a count typed as digits, Chinese numerals or an English word; ok is false above
// what a date can mean.
func num(s string) (int, bool) {
	if n, ok := numberEn[s]; ok {
		return n, true
	}
	if s == "" {
		return 1, true // "下个月内" reads no count: one
	}
	n, ok := parseNumber(s)
	if !ok || n > 3*366 {
		return 0, false
	}
	return int(n), true
}

const enNum = `(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|sixty|ninety)`

// dateRules is the grammar, most specific first; the first rule that matches wins.
var dateRules = []dateRule{
	// Explicit dates: 2026-12-31, 2026年12月31日, 2026/12.
	{regexp.MustCompile(`(\d{4})\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})\s*[日号]?`), func(c dateCtx, m []string) (Interval, bool) {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		f := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, c.today.Location())
		if mo < 1 || mo > 12 || f.Day() != d {
			return Interval{}, false
		}
		return Interval{From: f, To: f.AddDate(0, 0, 1)}, true
	}},
	{regexp.MustCompile(`(\d{4})\s*(?:年|-|/)\s*(\d{1,2})\s*月?份?`), func(c dateCtx, m []string) (Interval, bool) {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return Interval{}, false
		}
		f := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, c.today.Location())
		return Interval{From: f, To: f.AddDate(0, 1, 0)}, true
	}},
	// N天内, 未来N天, 最近N天, 一周内, 一个月内, N周内.
	{regexp.MustCompile(`(?:未来|接下来|今后|往后|近|最近)?\s*(` + numPattern + `)?\s*个?\s*(天|日|周|星期|礼拜|月)\s*(?:内|之内|以内|里|当中)`), withinZh},
	{regexp.MustCompile(`(?:未来|接下来|今后|往后)\s*(` + numPattern + `)\s*个?\s*(天|日|周|星期|礼拜|月)`), withinZh},
	// N天后, 三天以后.
	{regexp.MustCompile(`(` + numPattern + `)\s*(?:天|日)\s*(?:后|之后|以后)`), func(c dateCtx, m []string) (Interval, bool) {
		n, ok := num(m[1])
		return c.days(n, 1), ok
	}},
	{regexp.MustCompile(`大后天`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(3, 1), true }},
	{regexp.MustCompile(`今天|今日|当天`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(0, 1), true }},
	{regexp.MustCompile(`明天|明日`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(1, 1), true }},
	{regexp.MustCompile(`后天`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(2, 1), true }},
	{regexp.MustCompile(`昨天|昨日`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(-1, 1), true }},
	// 下下周, 下周三, 本周五, 周五, 下周, 本周, 上周.
	{regexp.MustCompile(`(下下|下|上|本|这|这个|下个|上个)?\s*(?:周|星期|礼拜)\s*([一二三四五六日天1-7])?`), func(c dateCtx, m []string) (Interval, bool) {
		delta := 0
		switch m[1] {
		case "下下":
			delta = 2
		case "下", "下个":
			delta = 1
		case "上", "上个":
			delta = -1
		}
		if m[2] == "" {
			if m[1] == "" {
				return Interval{}, false // "周" alone is no date
			}
			return c.week(delta), true
		}
		return c.weekday(delta, weekdayZh[m[2]]), true
	}},
	// 月底, 本月底, 下月底, 下个月底.
	{regexp.MustCompile(`(下个?|本|这个?|当)?\s*月\s*(?:底|末)`), func(c dateCtx, m []string) (Interval, bool) {
		if strings.HasPrefix(m[1], "下") {
			return c.monthEnd(1), true
		}
		return c.monthEnd(0), true
	}},
	{regexp.MustCompile(`年\s*(?:底|末)`), func(c dateCtx, _ []string) (Interval, bool) {
		return Interval{From: c.now, To: time.Date(c.today.Year()+1, 1, 1, 0, 0, 0, 0, c.today.Location())}, true
	}},
	// X月X日, X月X号.
	{regexp.MustCompile(`(` + numPattern + `)\s*月\s*(` + numPattern + `)\s*(?:日|号)`), func(c dateCtx, m []string) (Interval, bool) {
		mo, ok1 := num(m[1])
		d, ok2 := num(m[2])
		if !ok1 || !ok2 || mo < 1 || mo > 12 || d < 1 || d > 31 {
			return Interval{}, false
		}
		return c.nearestDay(mo, d)
	}},
	// 下个月, 本月, 上个月, 这个月.
	{regexp.MustCompile(`(下下个?|下个?|上上个?|上个?|本|这个?|当)\s*月`), func(c dateCtx, m []string) (Interval, bool) {
		switch {
		case strings.HasPrefix(m[1], "下下"):
			return c.month(2), true
		case strings.HasPrefix(m[1], "下"):
			return c.month(1), true
		case strings.HasPrefix(m[1], "上上"):
			return c.month(-2), true
		case strings.HasPrefix(m[1], "上"):
			return c.month(-1), true
		}
		return c.month(0), true
	}},
	// X月, X月份.
	{regexp.MustCompile(`(` + numPattern + `)\s*月份?`), func(c dateCtx, m []string) (Interval, bool) {
		mo, ok := num(m[1])
		if !ok || mo < 1 || mo > 12 {
			return Interval{}, false
		}
		return c.nearestMonth(mo), true
	}},
	// X号, X日: this month's day.
	{regexp.MustCompile(`(` + numPattern + `)\s*(?:号|日)`), func(c dateCtx, m []string) (Interval, bool) {
		d, ok := num(m[1])
		if !ok || d < 1 || d > 31 {
			return Interval{}, false
		}
		return c.nearestDay(int(c.today.Month()), d)
	}},
	{regexp.MustCompile(`今年|本年`), func(c dateCtx, _ []string) (Interval, bool) {
		f := time.Date(c.today.Year(), 1, 1, 0, 0, 0, 0, c.today.Location())
		return Interval{From: f, To: f.AddDate(1, 0, 0)}, true
	}},

	// English.
	{regexp.MustCompile(`\b(?:within|in|next|coming|the next|over the next)\s+(?:the\s+)?(?:next\s+)?` + enNum + `\s+(day|days|week|weeks|month|months)\b`), withinEn},
	{regexp.MustCompile(`\bday after tomorrow\b`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(2, 1), true }},
	{regexp.MustCompile(`\btoday\b`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(0, 1), true }},
	{regexp.MustCompile(`\b(?:tomorrow|tmrw|tomorow)\b`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(1, 1), true }},
	{regexp.MustCompile(`\byesterday\b`), func(c dateCtx, _ []string) (Interval, bool) { return c.days(-1, 1), true }},
	{regexp.MustCompile(`\bend of (?:the )?(next|this)?\s*month\b`), func(c dateCtx, m []string) (Interval, bool) {
		if m[1] == "next" {
			return c.monthEnd(1), true
		}
		return c.monthEnd(0), true
	}},
	{regexp.MustCompile(`\b(this|next|last)\s+(week|month|year)\b`), func(c dateCtx, m []string) (Interval, bool) {
		delta := map[string]int{"this": 0, "next": 1, "last": -1}[m[1]]
		switch m[2] {
		case "week":
			return c.week(delta), true
		case "month":
			return c.month(delta), true
		}
		f := time.Date(c.today.Year()+delta, 1, 1, 0, 0, 0, 0, c.today.Location())
		return Interval{From: f, To: f.AddDate(1, 0, 0)}, true
	}},
	{regexp.MustCompile(`\b(?:(this|next)\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|tues|wed|thu|thurs|fri|sat|sun)\b`), func(c dateCtx, m []string) (Interval, bool) {
		wd := weekdayEn[m[2]]
		if m[1] == "next" {
			return c.weekday(1, wd), true
		}
		iv := c.weekday(0, wd)
		if iv.To.Before(c.now) || iv.To.Equal(c.now) {
			iv = c.weekday(1, wd) // "friday" said on a Saturday is the coming one
		}
		return iv, true
	}},
	{regexp.MustCompile(`\b(january|february|march|april|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec)\b`), func(c dateCtx, m []string) (Interval, bool) {
		return c.nearestMonth(monthEn[m[1]]), true
	}},
}

func withinZh(c dateCtx, m []string) (Interval, bool) {
	n, ok := num(m[1])
	if !ok || n < 1 {
		return Interval{}, false
	}
	switch m[2] {
	case "天", "日":
		return c.within(n), true
	case "月":
		return Interval{From: c.now, To: c.now.AddDate(0, n, 0)}, true
	}
	return c.within(7 * n), true
}

func withinEn(c dateCtx, m []string) (Interval, bool) {
	n, ok := num(m[1])
	if !ok || n < 1 {
		return Interval{}, false
	}
	switch strings.TrimSuffix(m[2], "s") {
	case "day":
		return c.within(n), true
	case "month":
		return Interval{From: c.now, To: c.now.AddDate(0, n, 0)}, true
	}
	return c.within(7 * n), true
}

// findDate applies the grammar to text: the interval of the first rule that matches, the text
// with the match removed, and ok. An interval outside now − 400 days … now + 3 years is no
// date: the text comes back without it, and ok is false.
func findDate(text string, now time.Time, loc *time.Location) (Interval, string, bool) {
	return applyRules(dateRules, text, now, loc)
}

// applyRules is the first of rules that matches text with an interval within the bounds.
func applyRules(rules []dateRule, text string, now time.Time, loc *time.Location) (Interval, string, bool) {
	now = now.In(loc)
	c := dateCtx{now: now, today: time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)}
	lo, hi := now.AddDate(0, 0, -pastDays), now.AddDate(futureYears, 0, 0)
	for _, r := range rules {
		for _, idx := range r.re.FindAllStringSubmatchIndex(text, 4) {
			m := make([]string, len(idx)/2)
			for i := range m {
				if idx[2*i] >= 0 {
					m[i] = text[idx[2*i]:idx[2*i+1]]
				}
			}
			iv, ok := r.fn(c, m)
			if !ok || !iv.From.Before(iv.To) {
				continue
			}
			if iv.From.Before(lo) || iv.To.After(hi) {
				// A date too far away names none, and no part of it is read as another.
				text = cut(text, idx[0], idx[1])
				break
			}
			return iv, text[:idx[0]] + " " + text[idx[1]:], true
		}
	}
	return Interval{}, text, false
}

// countRules read a bare count of days or weeks ("7天", "两周", "30 days") as "within".
var countRules = []dateRule{
	{regexp.MustCompile(`(` + numPattern + `)\s*个?\s*(天|日|周|星期|礼拜)`), withinZh},
	{regexp.MustCompile(`\b` + enNum + `\s*(days|day|weeks|week|d)\b`), withinEn},
}

// findCount is findDate for a bare count, read once the periods are out.
func findCount(text string, now time.Time, loc *time.Location) (Interval, string, bool) {
	return applyRules(countRules, text, now, loc)
}
