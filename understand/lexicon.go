package understand

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Kind is what a lexicon entry names.
type Kind int

// The kinds of entries.
const (
	KindCustomer Kind = iota // a customer, by its real-name name or its account name
	KindLabel                // a customer label, as /expiring label:X scopes by
)

// Entry is one thing a sentence may name: a customer (with its id, real-name name and account
// name) or a label.
type Entry struct {
	Kind    Kind
	ID      string // the customer's id; empty for a label
	Name    string // the customer's real-name name, or the label
	Account string // the customer's account name
}

// Lexicon finds the names of customers and labels in a sentence, the longest first. It is
// built once from the entries (NewLexicon) and read by any number of goroutines.
type Lexicon struct {
	entries []Entry
	keys    map[string][]ref // normalised name → what it names
	lens    map[rune][]int   // first rune of a name → the byte lengths of the names, longest first
}

// ref is one entry a key names, and whether the key is its account name.
type ref struct {
	entry   int
	account bool
}

// minNameRunes is the shortest name looked for: one character names nobody.
const minNameRunes = 2

// NewLexicon builds the lexicon of the entries. Names shorter than two characters, or that
// would read as a flag or an id, are left out.
func NewLexicon(entries []Entry) *Lexicon {
	lx := &Lexicon{entries: entries, keys: make(map[string][]ref, 2*len(entries)), lens: map[rune][]int{}}
	add := func(s string, r ref) {
		k := normalise(s)
		if utf8.RuneCountInString(k) < minNameRunes || strings.HasPrefix(k, "-") || reCustomerID.MatchString(k) || reUUID.MatchString(k) {
			return
		}
		for _, x := range lx.keys[k] {
			if x == r {
				return
			}
		}
		if len(lx.keys[k]) == 0 {
			first, _ := utf8.DecodeRuneInString(k)
			lx.lens[first] = append(lx.lens[first], len(k))
		}
		lx.keys[k] = append(lx.keys[k], r)
	}
	for i, e := range entries {
		add(e.Name, ref{entry: i})
		if e.Kind == KindCustomer && e.Account != "" {
			add(e.Account, ref{entry: i, account: true})
		}
	}
	for r, ls := range lx.lens {
		sort.Sort(sort.Reverse(sort.IntSlice(ls)))
		lx.lens[r] = compactInts(ls)
	}
	return lx
}

// Len is the number of entries.
func (lx *Lexicon) Len() int {
	if lx == nil {
		return 0
	}
	return len(lx.entries)
}

func compactInts(s []int) []int {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// match is a name found in a sentence.
type match struct {
	start, end int
	refs       []ref
}

// longest finds the longest name in text (the leftmost of equally long ones).
func (lx *Lexicon) longest(text string) (match, bool) {
	if lx == nil || len(lx.keys) == 0 {
		return match{}, false
	}
	best, found := match{}, false
	prev := rune(' ')
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isLatin(r) || !isLatin(prev) { // a name starts at a word's start
			for _, l := range lx.lens[r] {
				if l <= best.end-best.start {
					break
				}
				if i+l > len(text) {
					continue
				}
				refs, ok := lx.keys[text[i:i+l]]
				if !ok {
					continue
				}
				last, _ := utf8.DecodeLastRuneInString(text[i : i+l])
				next, _ := utf8.DecodeRuneInString(text[i+l:])
				if i+l < len(text) && isLatin(last) && isLatin(next) {
					continue // part of a longer word
				}
				best, found = match{start: i, end: i + l, refs: refs}, true
				break
			}
		}
		prev = r
		i += n
	}
	return best, found
}

// isLatin: letters and digits that run together into words (names of Latin script).
func isLatin(r rune) bool {
	return r < 0x250 && (unicode.IsLetter(r) || unicode.IsDigit(r))
}
