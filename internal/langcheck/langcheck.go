// Package langcheck tells whether a rendered message is in one language: a Chinese message
// with no English words but those a reader types or copies (ids, codes, commands, units,
// platform names, names from the data), an English one with no Chinese but the data's, and
// English plurals that agree with their number. Tests run it over every reply they render.
package langcheck

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Checker holds what may appear in a message although it is not in the message's language.
type Checker struct {
	words map[string]bool // English words allowed in Chinese (lower case)
	data  []string        // names from the data, longest first
}

// keywords are the English words a Chinese message may hold: units, platforms, products, and
// the literal values a person types into commands (shown so that they can be typed).
var keywords = []string{
	// Units, platforms, products, the bot.
	"cny", "mbit", "gb", "slack", "telegram", "wecom", "huawei", "cloud", "partnerbot", "bgp", "redis",
	// Values typed into commands: languages, switches, kinds, periods, types, roles.
	"zh", "en", "english", "on", "off", "all", "expiry", "arrears", "health", "forecast", "anyway", "topup", "reclaim", "label",
	"review", "processing", "cancelled", "completed", "pending", "confirm",
	"viewer", "operator", "approver", "admin", "referral", "m", "y", "h", "d", "w", "s",
}

// New builds a Checker; data are names that come from the data (customers, resources,
// accounts, labels) and may be in either language anywhere.
func New(data ...string) *Checker {
	c := &Checker{words: map[string]bool{}}
	for _, k := range keywords {
		c.words[k] = true
	}
	seen := map[string]bool{}
	for _, d := range data {
		d = strings.TrimSpace(d)
		if d == "" || seen[d] {
			continue
		}
		seen[d] = true
		if !isASCII(d) {
			c.data = append(c.data, d)
		}
		for _, w := range asciiWord.FindAllString(d, -1) {
			c.words[strings.ToLower(w)] = true
		}
	}
	sort.Slice(c.data, func(i, j int) bool { return len(c.data[i]) > len(c.data[j]) })
	return c
}

// Allow adds English words a Chinese message may hold (command names and aliases, options).
func (c *Checker) Allow(words ...string) {
	for _, w := range words {
		c.words[strings.ToLower(w)] = true
	}
}

// Data adds what a person typed, or the data holds, that may come back in any language.
func (c *Checker) Data(data ...string) {
	for _, d := range data {
		if d = strings.TrimSpace(d); d == "" {
			continue
		}
		if !isASCII(d) {
			c.data = append(c.data, d)
		}
		for _, w := range asciiWord.FindAllString(d, -1) {
			c.words[strings.ToLower(w)] = true
		}
	}
	sort.Slice(c.data, func(i, j int) bool { return len(c.data[i]) > len(c.data[j]) })
}

var (
	// asciiWord is a run of Latin letters with what ids and commands are made of.
	asciiWord = regexp.MustCompile(`[-/#@$]*[A-Za-z][A-Za-z0-9_.\-/:@#+=*]*`)
	// pluralAfterOne finds "1 days", "1 customers" (not "1.5 days", "#1 items", "21 days").
	pluralAfterOne = regexp.MustCompile(`(?:^|[^0-9.,:#/\-])1 ([a-z]+s)\b`)
	// bssMessage is an error code of BSS and the message BSS gave with it, to the end of its
	// line: BSS's own words, quoted (in the language BSS answered in).
	bssMessage = regexp.MustCompile(`(\b[A-Z]{2,}\.\d{4,})[^\n]*`)
	// command is a command typed with its slash, possibly a Chinese alias (/语言).
	command = regexp.MustCompile(`/[\p{Han}\p{L}0-9_-]+`)
)

// singularS are words in "s" that follow a 1 rightly ("1 is", "1 has").
var singularS = map[string]bool{"is": true, "was": true, "has": true, "does": true, "its": true, "this": true, "plus": true, "as": true, "us": true}

// Problems lists what in msg is not in lang ("zh" or "en"); nil when the message is clean.
func (c *Checker) Problems(lang, msg string) []string {
	var out []string
	if strings.Contains(msg, "(s)") {
		out = append(out, `"(s)" instead of a plural that agrees with its number`)
	}
	for _, m := range pluralAfterOne.FindAllStringSubmatch(msg, -1) {
		if !singularS[m[1]] {
			out = append(out, "a plural after 1: "+strings.TrimSpace(m[0]))
		}
	}
	rest := bssMessage.ReplaceAllString(msg, "$1")
	for _, d := range c.data {
		rest = strings.ReplaceAll(rest, d, " ")
	}
	switch lang {
	case "zh":
		for _, w := range asciiWord.FindAllString(rest, -1) {
			if c.allowedInZh(w) {
				continue
			}
			out = append(out, "English in Chinese: "+w)
		}
	case "en":
		rest = command.ReplaceAllString(rest, " ")
		rest = strings.ReplaceAll(rest, "中文", " ") // the name of the language, offered to choose it
		for _, line := range strings.Split(rest, "\n") {
			if strings.IndexFunc(line, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
				out = append(out, "Chinese in English: "+strings.TrimSpace(line))
			}
		}
	}
	return out
}

func (c *Checker) allowedInZh(w string) bool {
	switch {
	case strings.HasPrefix(w, "-") || strings.HasPrefix(w, "/") || strings.HasPrefix(w, "#") || strings.HasPrefix(w, "@") || strings.HasPrefix(w, "$"):
		return true // an option, a command, a number, a mention, a variable
	case strings.ContainsAny(w, "0123456789._:/@=*"):
		return true // an id, a code, an address, a size, an example
	case strings.ToUpper(w) == w:
		return true // an abbreviation: ID, BSS, CNY, VPC
	case c.words[strings.ToLower(w)]:
		return true
	}
	for _, part := range strings.Split(w, "-") {
		if part != "" && !c.words[strings.ToLower(part)] && strings.ToUpper(part) != part {
			return false
		}
	}
	return true
}

// isASCII reports whether s has no character beyond ASCII: such data need not be cut out of a
// message, its words are allowed as they are.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
