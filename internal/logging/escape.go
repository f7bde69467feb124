package logging

import (
	"io"
	"unicode/utf8"
)

// Escaping returns a writer that passes each write on to w with every character that could
// disguise or rewrite a log line written as its escape \uXXXX (lower-case hex): the C0 controls
// other than the newline that ends a record, DEL and the C1 controls (U+009B is a terminal's
// CSI, as ESC [ is), the bidirectional formatting characters (U+061C, U+200E, U+200F, U+202A to
// U+202E, U+2066 to U+2069), and the line and paragraph separators U+2028 and U+2029. Every
// other character, CJK text among them, is written as it is.
//
// It is meant for slog's text and JSON handlers, which write each record in one call. The JSON
// handler writes these characters raw inside strings (it escapes only the C0 controls, U+2028
// and U+2029): there \uXXXX is the JSON escape of the same character, so a record stays valid
// JSON and decodes to the same text. The text handler already quotes and escapes them; anything
// it leaves raw (DEL) is written as the escape too.
func Escaping(w io.Writer) io.Writer { return escapingWriter{w} }

type escapingWriter struct{ w io.Writer }

func (e escapingWriter) Write(p []byte) (int, error) {
	i := firstToEscape(p)
	if i < 0 {
		return e.w.Write(p)
	}
	out := make([]byte, 0, len(p)+32)
	out = append(out, p[:i]...)
	for i < len(p) {
		r, size := rune(p[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(p[i:])
		}
		if !mustEscape(r) { // an invalid byte decodes as U+FFFD and is passed on
			out = append(out, p[i:i+size]...)
		} else {
			out = appendEscape(out, r)
		}
		i += size
	}
	if _, err := e.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// firstToEscape is the index in p of the first character to escape, or -1.
func firstToEscape(p []byte) int {
	for i := 0; i < len(p); {
		b := p[i]
		if b < utf8.RuneSelf {
			if mustEscape(rune(b)) {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if mustEscape(r) {
			return i
		}
		i += size
	}
	return -1
}

// mustEscape reports whether r is one of the characters Escaping writes as \uXXXX.
func mustEscape(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\n'
	case r == 0x7F, r >= 0x80 && r <= 0x9F: // DEL, C1
		return true
	case r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069: // bidi
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

func appendEscape(out []byte, r rune) []byte {
	const hex = "0123456789abcdef"
	return append(out, '\\', 'u', hex[r>>12&0xF], hex[r>>8&0xF], hex[r>>4&0xF], hex[r&0xF])
}
