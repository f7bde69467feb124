package cmdline

import "strings"

// Quote is s as one argument of a command line: quoted, with \\ and the closing quotes escaped,
// when it holds white space or a quote, or is empty; as it is otherwise. Parse reads it back as s.
func Quote(s string) string {
	if s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		closers, _ := parseQuote(r)
		return IsSpace(r) || closers != "" || r == '\\'
	}) {
		return s
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, `＂`, `\＂`).Replace(s) + `"`
}
