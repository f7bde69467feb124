package logging

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
)

// hostile are characters a BSS answer (a customer's name, an error message) may carry that
// would reorder, hide or rewrite a log line shown in a terminal or a log viewer.
var hostile = map[string]rune{
	"RLO U+202E": '\u202e', "LRI U+2066": '\u2066', "PDI U+2069": '\u2069', "LRE U+202A": '\u202a',
	"RLM U+200F": '\u200f', "ALM U+061C": '\u061c', "CSI U+009B": '\u009b', "NEL U+0085": '\u0085',
	"ESC U+001B": '\u001b', "CR U+000D": '\r', "DEL U+007F": '\u007f', "LS U+2028": '\u2028', "PS U+2029": '\u2029',
}

type customer struct{ Name string }

// TestEscapingHostileCharacters: the JSON logs carried U+202E, U+2066 and U+009B raw from BSS
// (issue #20). Through Escaping, neither handler writes any of them raw, wherever they are: the
// message, a string, an error, a group, a key, a With attribute, a group name, a struct. JSON
// stays valid and decodes to the same text; CJK text is written as it is.
func TestEscapingHostileCharacters(t *testing.T) {
	cases := []struct {
		name string
		log  func(l *slog.Logger, s string)
	}{
		{"message", func(l *slog.Logger, s string) { l.Info(s) }},
		{"string", func(l *slog.Logger, s string) { l.Info("renewed", "customer", s) }},
		{"error", func(l *slog.Logger, s string) { l.Warn("bss", "error", fmt.Errorf("CBC.0100: %s", s)) }},
		{"group", func(l *slog.Logger, s string) { l.Info("x", slog.Group("bss", slog.Group("answer", "name", s))) }},
		{"key", func(l *slog.Logger, s string) { l.Info("x", s, 1) }},
		{"With", func(l *slog.Logger, s string) { l.With("customer", s).Info("x") }},
		{"WithGroup", func(l *slog.Logger, s string) { l.WithGroup(s).Info("x", "n", 1) }},
		{"struct", func(l *slog.Logger, s string) { l.Info("x", "v", customer{Name: s}) }},
	}
	for _, format := range []string{"text", "json"} {
		for cname, r := range hostile {
			for _, tc := range cases {
				t.Run(format+"/"+tc.name+"/"+cname, func(t *testing.T) {
					var buf bytes.Buffer
					var h slog.Handler = slog.NewTextHandler(Escaping(&buf), nil)
					if format == "json" {
						h = slog.NewJSONHandler(Escaping(&buf), nil)
					}
					s := "张三" + string(r) + "Lumen"
					tc.log(slog.New(Handler(h, []string{secret})), s)
					out := buf.String()
					if i := strings.IndexFunc(strings.TrimSuffix(out, "\n"), mustEscape); i >= 0 {
						t.Errorf("%U written raw at byte %d:\n%q", r, i, out)
					}
					if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
						t.Errorf("not one line:\n%q", out)
					}
					if !strings.Contains(out, "张三") {
						t.Errorf("CJK text escaped:\n%s", out)
					}
					if format == "json" && !jsonHolds(t, out, s) {
						t.Errorf("the record does not decode to %q:\n%s", s, out)
					}
				})
			}
		}
	}
}

// jsonHolds reports whether the JSON record line has s as a key or a string value, at any depth.
func jsonHolds(t *testing.T, line, s string) bool {
	t.Helper()
	if !json.Valid([]byte(line)) {
		t.Fatalf("not valid JSON: %q", line)
	}
	var rec any
	if err := json.Unmarshal([]byte(line), &rec); err != nil {
		t.Fatal(err)
	}
	var holds func(v any) bool
	holds = func(v any) bool {
		switch x := v.(type) {
		case string:
			return strings.Contains(x, s)
		case map[string]any:
			for k, e := range x {
				if k == s || holds(e) {
					return true
				}
			}
		}
		return false
	}
	return holds(rec)
}

// TestEscapingPassesOtherText: a record with nothing to escape is passed on as it is, in one
// write; the escapes are those of JSON; an invalid byte is left to the handler's own choice.
func TestEscapingPassesOtherText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\"msg\":\"张三 Ünïcode ✓\"}\n", "{\"msg\":\"张三 Ünïcode ✓\"}\n"},
		{"a\u202eb\u009bc\u2066d\n", `a\u202eb\u009bc\u2066d` + "\n"},
		{"tab\there\x1b[31m\n", `tab\u0009here\u001b[31m` + "\n"},
		{"bad \xff byte\n", "bad \xff byte\n"},
		{"\u200e\u200f\u061c\u2028\u2029\u007f", `\u200e\u200f\u061c\u2028\u2029\u007f`},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := &countingWriter{w: &buf}
		n, err := Escaping(w).Write([]byte(tt.in))
		if err != nil || n != len(tt.in) || w.writes != 1 {
			t.Errorf("Write(%q) = %d, %v after %d writes; want %d, nil after 1", tt.in, n, err, w.writes, len(tt.in))
		}
		if buf.String() != tt.want {
			t.Errorf("Write(%q) wrote %q, want %q", tt.in, buf.String(), tt.want)
		}
		if utf8.ValidString(tt.in) && strings.IndexFunc(strings.TrimSuffix(buf.String(), "\n"), mustEscape) >= 0 {
			t.Errorf("Write(%q) left a character raw: %q", tt.in, buf.String())
		}
	}
	if _, err := Escaping(failingWriter{}).Write([]byte("x\u202e")); err == nil {
		t.Error("the error of the writer underneath was lost")
	}
}

type countingWriter struct {
	w      *bytes.Buffer
	writes int
}

func (c *countingWriter) Write(p []byte) (int, error) { c.writes++; return c.w.Write(p) }

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
