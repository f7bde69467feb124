package cmdline

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on a command line.
const (
	parseMaxLen  = 4096 // bytes of the message as received
	parseMaxArgs = 64   // positional arguments
)

// Invocation is a parsed command line.
type Invocation struct {
	Name  string            // command name as typed, lower-cased (ASCII only lower-cased), without the slash and without @bot; e.g. "customer", "客户"
	Args  []string          // positional arguments, in order, unquoted; nil when none
	Flags map[string]string // --name value, --name=value; a boolean flag (--autopay) has value "" and is present in the map; nil when none
	Raw   string            // the original text, trimmed
}

// ParseError is returned for lines that look like commands but are malformed.
// Reason is a short English key, one of "unterminated quote", "empty command", "bad flag",
// "too long", "too many arguments" (the router looks up "err.parse."+Reason in the catalogue).
// Pos is a byte offset into the text given to Parse (not the trimmed Raw).
type ParseError struct {
	Reason string
	Pos    int
}

// Reasons are the values ParseError.Reason takes, for a caller that words each of them.
func Reasons() []string {
	return []string{"unterminated quote", "empty command", "bad flag", "too long", "too many arguments"}
}

func (e *ParseError) Error() string {
	return "parse error: " + e.Reason + " at byte " + strconv.Itoa(e.Pos)
}

// Parse parses text as a command line addressed to the bot botName (which may be empty).
//
// It returns ok=false and a nil error when text is not a command for this bot: it does not start
// with '/' or '／' once trimmed, its first token is a path such as "/var/log" or "//", or it is
// addressed to another bot ("/cmd@otherbot"). A command that is malformed returns a *ParseError
// with ok=true and as much of inv as was read (at least Raw, and Name once known), so a caller
// that checks ok first still reports the error.
//
// Parse is ParseWith(text, botName, nil): every "--name value" takes the next token as its value.
func Parse(text, botName string) (inv Invocation, ok bool, err error) {
	return ParseWith(text, botName, nil)
}

// ParseWith is Parse with the command's boolean flags known: a flag listed in boolFlags (by its
// lower-case name) never takes the following token as its value; "--name=value" still sets one.
//
// Syntax, after trimming Unicode white space at both ends:
//   - the first token is '/' or '／', the name, then optionally "@botname"; the name runs up to
//     white space or '@'. It is normalized (see Normalize) and ASCII-lower-cased.
//   - tokens are separated by any Unicode white space (U+3000, NBSP, tabs, newlines) and by the
//     zero-width U+200B, U+2060 and U+FEFF.
//   - a token that starts with a quote is quoted up to the matching close: "…" or ＂…＂ (where \"
//     and \\ are escapes), '…' or ＇…＇, “…”, ‘…’, 「…」, 『…』. Text right after the closing
//     quote continues the same argument. A quote inside a token (O'Brien) is literal.
//   - a token starting with "--", "－－", "—" or "——" (also "―") is a flag: "--name=value"
//     ("＝" too; the value may be quoted), or "--name" followed by a value token unless the flag
//     is boolean, the next token is itself a flag, or there is none. Flag names are normalized and
//     ASCII-lower-cased; the last of repeated flags wins. A flag prefix alone ends the flags:
//     every later token is positional. "-", "-5" and "－5" are positional arguments.
//   - arguments and flag values keep the characters as typed, minus the quotes.
//
// Invalid UTF-8 is passed through byte for byte.
func ParseWith(text, botName string, boolFlags map[string]bool) (inv Invocation, ok bool, err error) {
	start, end := parseTrim(text)
	if start >= end {
		return Invocation{}, false, nil
	}
	r, n := utf8.DecodeRuneInString(text[start:end])
	if r != '/' && r != '／' {
		return Invocation{}, false, nil
	}
	p := &lineParser{text: text, end: end, pos: start + n, bools: boolFlags}

	// The command name, up to white space or '@'.
	nameStart := p.pos
	for p.pos < end {
		r, n := p.peek()
		if IsSpace(r) || r == '@' || r == '＠' {
			break
		}
		p.pos += n
	}
	name := parseLowerASCII(Normalize(text[nameStart:p.pos]))
	if strings.Contains(name, "/") {
		return Invocation{}, false, nil // a path or "//", not a command
	}

	// "@botname": Telegram's form for group chats.
	if r, n := p.peek(); p.pos < end && (r == '@' || r == '＠') {
		p.pos += n
		suffixStart := p.pos
		for p.pos < end {
			r, n := p.peek()
			if IsSpace(r) {
				break
			}
			p.pos += n
		}
		suffix := Normalize(text[suffixStart:p.pos])
		want := strings.TrimPrefix(Normalize(strings.TrimSpace(botName)), "@")
		if want != "" && suffix != "" && !strings.EqualFold(suffix, want) {
			return Invocation{}, false, nil // for another bot
		}
	}

	inv = Invocation{Name: name, Raw: text[start:end]}
	if len(text) > parseMaxLen {
		return inv, true, &ParseError{Reason: "too long", Pos: parseMaxLen}
	}
	if name == "" {
		return inv, true, &ParseError{Reason: "empty command", Pos: nameStart}
	}

	flagsDone := false
	for {
		p.skipSpace()
		if p.pos >= end {
			break
		}
		tokStart := p.pos
		if !flagsDone {
			if pl := parseFlagPrefix(text[p.pos:end]); pl > 0 {
				p.pos += pl
				if r, _ := p.peek(); p.pos >= end || IsSpace(r) {
					flagsDone = true // "--" alone: the rest is positional
					continue
				}
				fname, val, err := p.flag(tokStart)
				if err != nil {
					return inv, true, err
				}
				if inv.Flags == nil {
					inv.Flags = map[string]string{}
				}
				inv.Flags[fname] = val
				continue
			}
		}
		if len(inv.Args) >= parseMaxArgs {
			return inv, true, &ParseError{Reason: "too many arguments", Pos: tokStart}
		}
		w, err := p.word()
		if err != nil {
			return inv, true, err
		}
		inv.Args = append(inv.Args, w)
	}
	return inv, true, nil
}

// Normalize maps the full-width forms of ASCII (U+FF01–U+FF5E) to ASCII, Unicode space
// separators (U+3000, NBSP, …) to a space, the double quotes “ ” 「 」 to ASCII ", the single
// quotes ‘ ’ 『 』 to ASCII ', and an em dash or a pair of them ("—", "——", also the horizontal bar
// U+2015) to "--", the way Chinese input methods type "--". Everything else, including invalid
// UTF-8, is kept as is. The parser applies it to command and flag names and to "@botname";
// arguments and flag values are kept as typed.
func Normalize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			b.WriteByte(byte(r - 0xFEE0))
		case r == '“' || r == '”' || r == '「' || r == '」':
			b.WriteByte('"')
		case r == '‘' || r == '’' || r == '『' || r == '』':
			b.WriteByte('\'')
		case parseIsDash(r):
			b.WriteString("--")
			if r2, n2 := utf8.DecodeRuneInString(s[i+n:]); parseIsDash(r2) {
				n += n2
			}
		case r != utf8.RuneError && unicode.Is(unicode.Zs, r):
			b.WriteByte(' ')
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// lineParser reads the tokens of text[pos:end].
type lineParser struct {
	text  string
	end   int
	pos   int
	bools map[string]bool
}

// peek decodes the rune at pos (utf8.RuneError, 0 at the end; utf8.RuneError, 1 for a bad byte).
func (p *lineParser) peek() (rune, int) {
	return utf8.DecodeRuneInString(p.text[p.pos:p.end])
}

func (p *lineParser) skipSpace() {
	for p.pos < p.end {
		r, n := p.peek()
		if !IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// flag reads a flag's name and value; pos is just after the prefix, which starts at tokStart.
func (p *lineParser) flag(tokStart int) (name, val string, err error) {
	nameStart := p.pos
	hasEq := false
	for p.pos < p.end {
		r, n := p.peek()
		if IsSpace(r) {
			break
		}
		if r == '=' || r == '＝' {
			hasEq = true
			break
		}
		p.pos += n
	}
	name = parseLowerASCII(Normalize(p.text[nameStart:p.pos]))
	if name == "" || name[0] == '-' { // "--=x", "---x", "———"
		return "", "", &ParseError{Reason: "bad flag", Pos: tokStart}
	}
	if hasEq {
		_, n := p.peek()
		p.pos += n
		val, err = p.word()
		return name, val, err
	}
	if p.isBool(name) {
		return name, "", nil
	}
	save := p.pos
	p.skipSpace()
	if p.pos >= p.end || parseFlagPrefix(p.text[p.pos:p.end]) > 0 {
		p.pos = save
		return name, "", nil
	}
	val, err = p.word()
	return name, val, err
}

func (p *lineParser) isBool(name string) bool {
	if len(p.bools) == 0 {
		return false
	}
	if p.bools[name] {
		return true
	}
	for k, v := range p.bools { // keys as the registry spells them ("autoPay", "－－autopay" is not expected)
		if v && parseLowerASCII(Normalize(k)) == name {
			return true
		}
	}
	return false
}

// word reads one argument at pos: quoted when it starts with a quote, up to white space
// otherwise; text right after a closing quote is part of the same argument. It may be empty
// ("--name=" at the end, or "").
func (p *lineParser) word() (string, error) {
	var b strings.Builder
	if r, n := p.peek(); p.pos < p.end {
		if closers, escapes := parseQuote(r); closers != "" {
			open := p.pos
			p.pos += n
			for {
				if p.pos >= p.end {
					return "", &ParseError{Reason: "unterminated quote", Pos: open}
				}
				r, n := p.peek()
				if escapes && r == '\\' {
					r2, n2 := utf8.DecodeRuneInString(p.text[p.pos+1 : p.end])
					if r2 == '\\' || (r2 != utf8.RuneError && strings.ContainsRune(closers, r2)) {
						b.WriteString(p.text[p.pos+1 : p.pos+1+n2])
						p.pos += 1 + n2
						continue
					}
				}
				p.pos += n
				if r != utf8.RuneError && strings.ContainsRune(closers, r) {
					break
				}
				b.WriteString(p.text[p.pos-n : p.pos])
			}
		}
	}
	wordStart := p.pos
	for p.pos < p.end {
		r, n := p.peek()
		if IsSpace(r) {
			break
		}
		p.pos += n
	}
	b.WriteString(p.text[wordStart:p.pos])
	return b.String(), nil
}

// parseQuote returns the runes that close a quote opened by r ("" when r opens none) and whether
// backslash escapes apply inside it.
func parseQuote(r rune) (closers string, escapes bool) {
	switch r {
	case '"', '＂':
		return "\"＂", true
	case '\'', '＇':
		return "'＇", false
	case '“':
		return "”", false
	case '‘':
		return "’", false
	case '「':
		return "」", false
	case '『':
		return "』", false
	}
	return "", false
}

// parseFlagPrefix returns the length in bytes of the flag prefix s starts with, or 0: two of
// '-' and '－' ("--", "－－"), or one or two em dashes (or horizontal bars, U+2015).
func parseFlagPrefix(s string) int {
	r1, n1 := utf8.DecodeRuneInString(s)
	r2, n2 := utf8.DecodeRuneInString(s[n1:])
	switch {
	case (r1 == '-' || r1 == '－') && (r2 == '-' || r2 == '－'):
		return n1 + n2
	case parseIsDash(r1) && parseIsDash(r2):
		return n1 + n2
	case parseIsDash(r1):
		return n1
	}
	return 0
}

func parseIsDash(r rune) bool { return r == '—' || r == '―' }

// IsSpace reports whether r separates tokens: Unicode white space (U+3000, NBSP, tabs,
// newlines, …) and the invisible U+200B, U+2060 and U+FEFF that copy-paste brings along.
func IsSpace(r rune) bool {
	if r < utf8.RuneSelf {
		return r == ' ' || ('\t' <= r && r <= '\r')
	}
	return unicode.IsSpace(r) || r == '\u200b' || r == '\u2060' || r == '\ufeff'
}

// parseTrim returns the bounds of text without the separators at both ends.
func parseTrim(text string) (start, end int) {
	start, end = 0, len(text)
	for start < end {
		r, n := utf8.DecodeRuneInString(text[start:end])
		if !IsSpace(r) {
			break
		}
		start += n
	}
	for end > start {
		r, n := utf8.DecodeLastRuneInString(text[start:end])
		if !IsSpace(r) {
			break
		}
		end -= n
	}
	return start, end
}

// parseLowerASCII lower-cases the ASCII letters of s and leaves every other byte alone.
func parseLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
