package commands

import (
	"strconv"
	"unicode/utf8"
)

// invisibleRune reports whether r must never appear in an id or a customer argument: a C0 or
// C1 control character (DEL included), or a bidirectional embedding, override or isolate
// (U+202A–U+202E, U+2066–U+2069), which can make an id read differently from what it is.
func invisibleRune(r rune) bool {
	switch {
	case r < 0x20, r >= 0x7f && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// cleanText reports whether s is valid UTF-8 without invisible runes.
func cleanText(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if invisibleRune(r) {
			return false
		}
	}
	return true
}

// checkText refuses an argument that is not clean text before it reaches BSS. The reply names
// the argument and shows the value escaped, so that the hidden character becomes visible
// instead of being repeated.
func (c *Call) checkText(arg, s string) error {
	if cleanText(s) {
		return nil
	}
	return c.fail("err.invisible", arg, strconv.Quote(s))
}
