package cmdline

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

type parseCase struct {
	name  string
	text  string
	bot   string
	bools map[string]bool

	ok     bool
	reason string // ParseError reason; "" for no error
	pos    int    // ParseError position (checked when reason != "")

	cmd   string
	args  []string
	flags map[string]string
	raw   string // checked when not ""
}

func TestParseTable(t *testing.T) {
	autopay := map[string]bool{"autopay": true}
	cases := []parseCase{
		// Not commands.
		{name: "empty", text: ""},
		{name: "spaces only", text: " \t\u3000\n"},
		{name: "chat", text: "hello there"},
		{name: "chinese chat", text: "张三的余额是多少？"},
		{name: "slash later", text: "what is /customer"},
		{name: "backslash", text: `\customer 张三`},
		{name: "path", text: "/var/log 满了"},
		{name: "double slash", text: "// comment"},
		{name: "slash fullwidth slash", text: "/／x"},
		{name: "url-ish", text: "//example.com/a"},

		// Names.
		{name: "simple", text: "/customer 张三", ok: true, cmd: "customer", args: []string{"张三"}, raw: "/customer 张三"},
		{name: "no args", text: "/help", ok: true, cmd: "help"},
		{name: "upper case name", text: "/CuStOmEr x", ok: true, cmd: "customer", args: []string{"x"}},
		{name: "chinese name", text: "/客户 张三", ok: true, cmd: "客户", args: []string{"张三"}},
		{name: "fullwidth slash", text: "／余额", ok: true, cmd: "余额"},
		{name: "fullwidth slash and letters", text: "／ＣＵＳＴＯＭＥＲ　ＡＣＭＥ", ok: true, cmd: "customer", args: []string{"ＡＣＭＥ"}},
		{name: "non-ascii upper kept", text: "/ÄBC", ok: true, cmd: "Äbc"},
		{name: "name glued to arg", text: "/customer张三", ok: true, cmd: "customer张三"},
		{name: "slash alone", text: "/", ok: true, reason: "empty command", pos: 1},
		{name: "slash then space", text: "/ foo", ok: true, reason: "empty command", pos: 1},
		{name: "fullwidth slash alone", text: "  ／ ", ok: true, reason: "empty command", pos: 5},
		{name: "slash at bot", text: "/@partner_bot x", bot: "partner_bot", ok: true, reason: "empty command", pos: 1},

		// @bot.
		{name: "at our bot", text: "/customer@partner_bot 张三", bot: "partner_bot", ok: true, cmd: "customer", args: []string{"张三"}},
		{name: "at our bot other case", text: "/Customer@Partner_Bot 张三", bot: "partner_bot", ok: true, cmd: "customer", args: []string{"张三"}},
		{name: "botName with at", text: "/customer@partner_bot", bot: "@Partner_Bot", ok: true, cmd: "customer"},
		{name: "at other bot", text: "/customer@other_bot 张三", bot: "partner_bot"},
		{name: "at other bot malformed", text: `/customer@other_bot "unterminated`, bot: "partner_bot"},
		{name: "at any bot when botName empty", text: "/customer@whatever_bot 张三", ok: true, cmd: "customer", args: []string{"张三"}},
		{name: "fullwidth at", text: "/customer＠partner_bot 张三", bot: "partner_bot", ok: true, cmd: "customer", args: []string{"张三"}},
		{name: "empty suffix", text: "/customer@ 张三", bot: "partner_bot", ok: true, cmd: "customer", args: []string{"张三"}},
		{name: "at bot then newline", text: "/help@partner_bot\n", bot: "partner_bot", ok: true, cmd: "help"},

		// Separators.
		{name: "extra spaces", text: "   /renew    1a2b-3c     ", ok: true, cmd: "renew", args: []string{"1a2b-3c"}, raw: "/renew    1a2b-3c"},
		{name: "ideographic spaces", text: "\u3000/customer\u3000\u3000张三\u3000李四\u3000", ok: true, cmd: "customer", args: []string{"张三", "李四"}, raw: "/customer\u3000\u3000张三\u3000李四"},
		{name: "tabs and nbsp", text: "\t/customer\u00a0张三\t李四", ok: true, cmd: "customer", args: []string{"张三", "李四"}},
		{name: "newlines", text: "/resources ACME\n--expiring 7\r\n--page 2\n", ok: true, cmd: "resources", args: []string{"ACME"}, flags: map[string]string{"expiring": "7", "page": "2"}, raw: "/resources ACME\n--expiring 7\r\n--page 2"},
		{name: "zero width space", text: "\ufeff/customer\u200b张三", ok: true, cmd: "customer", args: []string{"张三"}},

		// Quotes.
		{name: "double quotes", text: `/resources "ACME Ltd" --expiring 7 --page 2`, ok: true, cmd: "resources", args: []string{"ACME Ltd"}, flags: map[string]string{"expiring": "7", "page": "2"}},
		{name: "single quotes", text: `/customer 'ACME Ltd'`, ok: true, cmd: "customer", args: []string{"ACME Ltd"}},
		{name: "curly double", text: "/customer “ACME Ltd” x", ok: true, cmd: "customer", args: []string{"ACME Ltd", "x"}},
		{name: "curly single", text: "/customer ‘ACME Ltd’", ok: true, cmd: "customer", args: []string{"ACME Ltd"}},
		{name: "corner", text: "/customer 「张 三」", ok: true, cmd: "customer", args: []string{"张 三"}},
		{name: "white corner", text: "/customer 『张 三』", ok: true, cmd: "customer", args: []string{"张 三"}},
		{name: "fullwidth double", text: "/customer ＂ACME Ltd＂", ok: true, cmd: "customer", args: []string{"ACME Ltd"}},
		{name: "fullwidth single", text: "/customer ＇ACME Ltd＇", ok: true, cmd: "customer", args: []string{"ACME Ltd"}},
		{name: "quote keeps fullwidth text", text: "/customer “ＡＣＭＥ　有限公司”", ok: true, cmd: "customer", args: []string{"ＡＣＭＥ\u3000有限公司"}},
		{name: "other quotes inside", text: `/customer "O'Brien “x”"`, ok: true, cmd: "customer", args: []string{"O'Brien “x”"}},
		{name: "escaped quote", text: `/customer "ACME \"Best\" Ltd"`, ok: true, cmd: "customer", args: []string{`ACME "Best" Ltd`}},
		{name: "escaped backslash", text: `/customer "a\\b" "c\d"`, ok: true, cmd: "customer", args: []string{`a\b`, `c\d`}},
		{name: "escaped fullwidth quote", text: `/customer "a\＂b"`, ok: true, cmd: "customer", args: []string{"a＂b"}},
		{name: "no escapes in single", text: `/customer 'a\' b`, ok: true, cmd: "customer", args: []string{`a\`, "b"}},
		{name: "empty quoted", text: `/customer "" x`, ok: true, cmd: "customer", args: []string{"", "x"}},
		{name: "quote mid token literal", text: "/customer O'Brien", ok: true, cmd: "customer", args: []string{"O'Brien"}},
		{name: "curly mid token literal", text: "/customer O’Brien “x", ok: true, reason: "unterminated quote", pos: len("/customer O’Brien ")},
		{name: "closing quote opens nothing", text: "/customer ”x” 」y", ok: true, cmd: "customer", args: []string{"”x”", "」y"}},
		{name: "glued after close", text: `/customer "ACME Ltd"'s x`, ok: true, cmd: "customer", args: []string{"ACME Ltd's", "x"}},
		{name: "quote spans newline", text: "/note \"line1\nline2\"", ok: true, cmd: "note", args: []string{"line1\nline2"}},
		{name: "unterminated double", text: `/customer "ACME Ltd`, ok: true, reason: "unterminated quote", pos: 10},
		{name: "unterminated after escape", text: `/customer "ACME\"`, ok: true, reason: "unterminated quote", pos: 10},
		{name: "unterminated single", text: "  /customer x 'ACME", ok: true, reason: "unterminated quote", pos: 14},
		{name: "unterminated corner", text: "/客户 「张三", ok: true, reason: "unterminated quote", pos: len("/客户 ")},
		{name: "curly not closed by straight", text: "/customer “ACME\"", ok: true, reason: "unterminated quote", pos: 10},
		{name: "unterminated flag value", text: `/resources --name="ACME`, ok: true, reason: "unterminated quote", pos: 18},

		// Flags.
		{name: "flag bool at end", text: "/renew 1a2b-3c --autopay", ok: true, cmd: "renew", args: []string{"1a2b-3c"}, flags: map[string]string{"autopay": ""}},
		{name: "flag equals", text: "/resources --expiring=7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag fullwidth equals", text: "/resources --expiring＝7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag empty value", text: "/resources --name= x", ok: true, cmd: "resources", args: []string{"x"}, flags: map[string]string{"name": ""}},
		{name: "flag quoted value", text: `/resources --name="ACME Ltd" x`, ok: true, cmd: "resources", args: []string{"x"}, flags: map[string]string{"name": "ACME Ltd"}},
		{name: "flag space quoted value", text: `/resources --name 「ACME Ltd」`, ok: true, cmd: "resources", flags: map[string]string{"name": "ACME Ltd"}},
		{name: "flag value with equals", text: "/x --q=a=b", ok: true, cmd: "x", flags: map[string]string{"q": "a=b"}},
		{name: "flag upper name", text: "/resources --Expiring 7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag fullwidth name", text: "/resources --ＥＸＰＩＲＩＮＧ ７", ok: true, cmd: "resources", flags: map[string]string{"expiring": "７"}},
		{name: "flag em dash", text: "/resources —expiring 7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag double em dash", text: "/resources ——expiring 7 ——page＝2", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7", "page": "2"}},
		{name: "flag horizontal bar", text: "/resources ――expiring 7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag fullwidth hyphens", text: "/resources －－expiring　7", ok: true, cmd: "resources", flags: map[string]string{"expiring": "7"}},
		{name: "flag chinese name", text: "/资源 ——到期 7", ok: true, cmd: "资源", flags: map[string]string{"到期": "7"}},
		{name: "flag followed by flag", text: "/renew --autopay --months 3 x", ok: true, cmd: "renew", args: []string{"x"}, flags: map[string]string{"autopay": "", "months": "3"}},
		{name: "flag greedy without registry", text: "/renew --autopay 1a2b", ok: true, cmd: "renew", flags: map[string]string{"autopay": "1a2b"}},
		{name: "flag negative value", text: "/x --offset -5", ok: true, cmd: "x", flags: map[string]string{"offset": "-5"}},
		{name: "flag repeated last wins", text: "/resources --page 1 --page=3", ok: true, cmd: "resources", flags: map[string]string{"page": "3"}},
		{name: "flag quoted dashes is value", text: `/x --q "--y"`, ok: true, cmd: "x", flags: map[string]string{"q": "--y"}},
		{name: "flag before terminator", text: "/x --q -- --y", ok: true, cmd: "x", args: []string{"--y"}, flags: map[string]string{"q": ""}},
		{name: "bad flag equals", text: "/x --=3", ok: true, reason: "bad flag", pos: 3},
		{name: "bad flag em dash equals", text: "/x a ——＝3", ok: true, reason: "bad flag", pos: 5},
		{name: "bad flag triple dash", text: "/x ---y", ok: true, reason: "bad flag", pos: 3},
		{name: "bad flag triple em dash", text: "/x ———", ok: true, reason: "bad flag", pos: 3},

		// Bool flags via ParseWith.
		{name: "bool flag not greedy", text: "/renew --autopay 1a2b", bools: autopay, ok: true, cmd: "renew", args: []string{"1a2b"}, flags: map[string]string{"autopay": ""}},
		{name: "bool flag em dash", text: "/续费 ——autopay 1a2b", bools: autopay, ok: true, cmd: "续费", args: []string{"1a2b"}, flags: map[string]string{"autopay": ""}},
		{name: "bool flag upper", text: "/renew --AutoPay 1a2b", bools: autopay, ok: true, cmd: "renew", args: []string{"1a2b"}, flags: map[string]string{"autopay": ""}},
		{name: "bool flag registry case", text: "/renew --autopay 1a2b", bools: map[string]bool{"AutoPay": true}, ok: true, cmd: "renew", args: []string{"1a2b"}, flags: map[string]string{"autopay": ""}},
		{name: "bool flag false entry", text: "/renew --autopay 1a2b", bools: map[string]bool{"autopay": false}, ok: true, cmd: "renew", flags: map[string]string{"autopay": "1a2b"}},
		{name: "bool flag explicit value", text: "/renew --autopay=no 1a2b", bools: autopay, ok: true, cmd: "renew", args: []string{"1a2b"}, flags: map[string]string{"autopay": "no"}},
		{name: "non-bool still takes value", text: "/renew --autopay --months 3 1a2b", bools: autopay, ok: true, cmd: "renew", args: []string{"1a2b"}, flags: map[string]string{"autopay": "", "months": "3"}},

		// Terminator, dashes, numbers.
		{name: "terminator", text: "/x a -- --b —c", ok: true, cmd: "x", args: []string{"a", "--b", "—c"}},
		{name: "terminator em dash", text: "/x —— --b", ok: true, cmd: "x", args: []string{"--b"}},
		{name: "terminator fullwidth", text: "/x －－ --b", ok: true, cmd: "x", args: []string{"--b"}},
		{name: "terminator twice", text: "/x -- -- a", ok: true, cmd: "x", args: []string{"--", "a"}},
		{name: "terminator at end", text: "/x a --", ok: true, cmd: "x", args: []string{"a"}},
		{name: "terminator quoted arg", text: `/x -- "a b"`, ok: true, cmd: "x", args: []string{"a b"}},
		{name: "single dash", text: "/x - a", ok: true, cmd: "x", args: []string{"-", "a"}},
		{name: "negative number", text: "/adjust 1a2b -5", ok: true, cmd: "adjust", args: []string{"1a2b", "-5"}},
		{name: "fullwidth negative", text: "/adjust －5", ok: true, cmd: "adjust", args: []string{"－5"}},
		{name: "dash inside arg", text: "/renew 1a2b-3c--x", ok: true, cmd: "renew", args: []string{"1a2b-3c--x"}},
		{name: "en dash is positional", text: "/x –y", ok: true, cmd: "x", args: []string{"–y"}},

		// Limits.
		{name: "64 args", text: "/x" + strings.Repeat(" a", 64), ok: true, cmd: "x", args: strings.Fields(strings.Repeat(" a", 64))},
		{name: "65 args", text: "/x" + strings.Repeat(" a", 65), ok: true, reason: "too many arguments", pos: 2 + 64*2 + 1},
		{name: "flags do not count as args", text: "/x --f 1" + strings.Repeat(" a", 64), ok: true, cmd: "x", args: strings.Fields(strings.Repeat(" a", 64)), flags: map[string]string{"f": "1"}},
		{name: "4096 bytes", text: "/x " + strings.Repeat("张", 1364) + "a", ok: true, cmd: "x", args: []string{strings.Repeat("张", 1364) + "a"}},
		{name: "4097 bytes", text: "/x " + strings.Repeat("a", 4094), ok: true, reason: "too long", pos: 4096},
		{name: "4097 bytes with spaces", text: "/x a" + strings.Repeat(" ", 4093), ok: true, reason: "too long", pos: 4096},
		{name: "long chat ignored", text: strings.Repeat("a", 5000)},
		{name: "long for other bot ignored", text: "/x@other " + strings.Repeat("a", 5000), bot: "partner_bot"},

		// Invalid UTF-8 passes through.
		{name: "invalid utf8 arg", text: "/x \xff\xfe ok", ok: true, cmd: "x", args: []string{"\xff\xfe", "ok"}},
		{name: "invalid utf8 name", text: "/\xffx", ok: true, cmd: "\xffx"},
		{name: "invalid utf8 in quote", text: "/x \"a\xffb\"", ok: true, cmd: "x", args: []string{"a\xffb"}},
		{name: "truncated rune after slash", text: "/\xe5\xbc", ok: true, cmd: "\xe5\xbc"},
		{name: "backslash before invalid byte", text: "/x \"\\\xff\"", ok: true, cmd: "x", args: []string{"\\\xff"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv, ok, err := ParseWith(tc.text, tc.bot, tc.bools)
			if ok != tc.ok {
				t.Fatalf("ParseWith(%.60q) ok = %v, want %v (inv %+v, err %v)", tc.text, ok, tc.ok, inv, err)
			}
			if tc.reason != "" {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("ParseWith(%.60q) err = %v, want ParseError %q", tc.text, err, tc.reason)
				}
				if pe.Reason != tc.reason || pe.Pos != tc.pos {
					t.Fatalf("ParseWith(%.60q) err = %q at %d, want %q at %d", tc.text, pe.Reason, pe.Pos, tc.reason, tc.pos)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseWith(%.60q) unexpected error %v", tc.text, err)
			}
			if !ok {
				if !reflect.DeepEqual(inv, Invocation{}) {
					t.Fatalf("ParseWith(%.60q) not a command but inv = %+v", tc.text, inv)
				}
				return
			}
			if inv.Name != tc.cmd {
				t.Errorf("Name = %q, want %q", inv.Name, tc.cmd)
			}
			if !reflect.DeepEqual(inv.Args, tc.args) {
				t.Errorf("Args = %q, want %q", inv.Args, tc.args)
			}
			if !reflect.DeepEqual(inv.Flags, tc.flags) {
				t.Errorf("Flags = %q, want %q", inv.Flags, tc.flags)
			}
			if tc.raw != "" && inv.Raw != tc.raw {
				t.Errorf("Raw = %q, want %q", inv.Raw, tc.raw)
			}
			if tc.bools == nil {
				inv2, ok2, err2 := Parse(tc.text, tc.bot)
				if !reflect.DeepEqual(inv2, inv) || ok2 != ok || err2 != nil {
					t.Errorf("Parse differs from ParseWith(nil): %+v %v %v", inv2, ok2, err2)
				}
			}
		})
	}
}

func TestParseErrorKeepsNameAndRaw(t *testing.T) {
	inv, ok, err := Parse("  /Customer \"ACME  ", "")
	var pe *ParseError
	if !ok || !errors.As(err, &pe) || pe.Reason != "unterminated quote" || pe.Pos != 12 {
		t.Fatalf("got %+v %v %v", inv, ok, err)
	}
	if inv.Name != "customer" || inv.Raw != "/Customer \"ACME" {
		t.Fatalf("inv = %+v", inv)
	}
	if got, want := err.Error(), "parse error: unterminated quote at byte 12"; got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
}

func TestNormalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{"", ""},
		{"customer", "customer"},
		{"／ＣＵＳＴＯＭＥＲ", "/CUSTOMER"},
		{"－－ｐａｇｅ＝２", "--page=2"},
		{"——page", "--page"},
		{"—page", "--page"},
		{"———", "----"},
		{"――x", "--x"},
		{"a\u3000b\u00a0c", "a b c"},
		{"“a” ‘b’ 「c」 『d』 ＂e＂ ＇f＇", `"a" 'b' "c" 'd' "e" 'f'`},
		{"＠ｂｏｔ", "@bot"},
		{"客户张三", "客户张三"},
		{"ｱ～", "ｱ~"}, // half-width katakana (U+FF71) is outside U+FF01–U+FF5E
		{"\xff\xfe", "\xff\xfe"},
		{"a\tb\n", "a\tb\n"},
	}
	for _, tc := range cases {
		if got := Normalize(tc.in); got != tc.want {
			t.Errorf("Normalize(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	seeds := []struct{ text, bot string }{
		{"/customer 张三", ""},
		{"/renew 1a2b-3c --autopay", "partner_bot"},
		{`/resources "ACME Ltd" --expiring 7 --page 2`, ""},
		{"/客户 张三", ""},
		{"／余额", ""},
		{"/customer@partner_bot 张三", "partner_bot"},
		{"/customer@other_bot 张三", "partner_bot"},
		{"\u3000/customer\u3000“ＡＣＭＥ 有限公司”\u3000", ""},
		{"/customer 「张 三」 『李 四』 ‘x y’", ""},
		{`/customer "a \"b\" \\ c"`, ""},
		{`/customer "unterminated`, ""},
		{"/x ——page＝2 －－size 3 —flag", ""},
		{"/x --=3", ""},
		{"/x a -- --b —c", ""},
		{"/adjust -5 - －5", ""},
		{"/", ""},
		{"/ foo", ""},
		{"//comment", ""},
		{"hello", ""},
		{"/x\n--a\r\n1\t\u00a0b", ""},
		{"/\xff\xfe \"\xff", ""},
		{"/x \"a\\", ""},
		{"/x --q=\"a b\"c 'd", ""},
		{"/@bot", "bot"},
		{"/a@\u3000b", "a"},
		{"\ufeff/x\u200by", ""},
		{"/x" + strings.Repeat(" a", 65), ""},
	}
	for _, s := range seeds {
		f.Add(s.text, s.bot)
	}
	f.Fuzz(func(t *testing.T, text, bot string) {
		for _, bools := range []map[string]bool{nil, {"a": true, "autopay": true, "page": true}} {
			inv, ok, err := ParseWith(text, bot, bools)
			if err != nil {
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("ParseWith(%q, %q) err %T %v is not a *ParseError", text, bot, err, err)
				}
				if pe.Pos < 0 || pe.Pos > len(text) {
					t.Fatalf("ParseWith(%q, %q) error position %d outside [0, %d]", text, bot, pe.Pos, len(text))
				}
				if !slices.Contains(Reasons(), pe.Reason) {
					t.Fatalf("ParseWith(%q, %q) error reason %q is not one of Reasons()", text, bot, pe.Reason)
				}
				if !ok {
					t.Fatalf("ParseWith(%q, %q) returned an error with ok=false", text, bot)
				}
				continue
			}
			if !ok {
				if !reflect.DeepEqual(inv, Invocation{}) {
					t.Fatalf("ParseWith(%q, %q) not a command but inv = %+v", text, bot, inv)
				}
				continue
			}
			if inv.Name == "" {
				t.Fatalf("ParseWith(%q, %q) empty Name", text, bot)
			}
			if strings.ContainsFunc(inv.Name, unicode.IsSpace) || strings.ContainsFunc(inv.Name, IsSpace) ||
				strings.ContainsAny(inv.Name, "@＠") || strings.HasPrefix(inv.Name, "/") {
				t.Fatalf("ParseWith(%q, %q) Name = %q", text, bot, inv.Name)
			}
			if inv.Name != parseLowerASCII(inv.Name) || inv.Name != Normalize(inv.Name) {
				t.Fatalf("ParseWith(%q, %q) Name %q not normalized", text, bot, inv.Name)
			}
			if len(inv.Args) > parseMaxArgs {
				t.Fatalf("ParseWith(%q, %q) %d args", text, bot, len(inv.Args))
			}
			if len(text) > parseMaxLen {
				t.Fatalf("ParseWith accepted %d bytes", len(text))
			}
			if inv.Flags != nil && len(inv.Flags) == 0 {
				t.Fatalf("ParseWith(%q, %q) empty non-nil Flags", text, bot)
			}
			for name := range inv.Flags {
				if name == "" || strings.HasPrefix(name, "-") || strings.ContainsFunc(name, IsSpace) || strings.ContainsAny(name, "=＝") {
					t.Fatalf("ParseWith(%q, %q) flag name %q", text, bot, name)
				}
			}
			if trimmed := strings.TrimFunc(text, IsSpace); inv.Raw != trimmed {
				t.Fatalf("ParseWith(%q, %q) Raw = %q", text, bot, inv.Raw)
			}
			if utf8.ValidString(text) {
				for _, a := range inv.Args {
					if !utf8.ValidString(a) {
						t.Fatalf("ParseWith(%q, %q) invalid UTF-8 arg %q from valid text", text, bot, a)
					}
				}
			}
			// The invocation written back with every value double-quoted parses to itself.
			var b strings.Builder
			b.WriteString("/" + inv.Name)
			for name, v := range inv.Flags {
				b.WriteString(" --" + name + "=" + fuzzQuote(v))
			}
			b.WriteString(" --")
			for _, a := range inv.Args {
				b.WriteString(" " + fuzzQuote(a))
			}
			if line := b.String(); len(line) <= parseMaxLen {
				inv2, ok2, err2 := Parse(line, "")
				if !ok2 || err2 != nil || inv2.Name != inv.Name || !reflect.DeepEqual(inv2.Args, inv.Args) || !reflect.DeepEqual(inv2.Flags, inv.Flags) {
					t.Fatalf("ParseWith(%q, %q) = %+v; written back as %q it parses to %+v, %v, %v", text, bot, inv, line, inv2, ok2, err2)
				}
			}
		}
	})
}

// fuzzQuote double-quotes s with the escapes Parse understands.
func fuzzQuote(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, `"`, `\"`)
	s = strings.ReplaceAll(s, "＂", `\＂`)
	return `"` + s + `"`
}
