package chat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		multiline bool
		want      string
	}{
		{"plain", "张三 ACME Ltd", false, "张三 ACME Ltd"},
		{"clear screen", "a\x1b[2Jb", false, `a\x1b[2Jb`},
		{"osc title", "\x1b]0;pwned\x07x", false, `\x1b]0;pwned\x07x`},
		{"erase line above", "\x1b[1A\x1b[2Kok", true, `\x1b[1A\x1b[2Kok`},
		{"rtl override", "abc\u202etxt.exe", false, `abc\u202etxt.exe`},
		{"isolate", "a\u2066b\u2069", false, `a\u2066b\u2069`},
		{"c1 csi", "a\u009bb", false, `a\u009bb`},
		{"del", "a\x7fb", false, `a\x7fb`},
		{"invalid utf8", "a\xffb", false, `a\xffb`},
		{"newline kept", "one\ntwo\tthree", true, "one\ntwo\tthree"},
		{"newline single line", "one\ntwo\tthree", false, "one two three"},
		{"cr dropped in text", "one\r\ntwo", true, "one\ntwo"},
		{"cr single line", "a\rb", false, "a b"},
		{"nul", "a\x00b", true, `a\x00b`},
		{"emoji and cjk stay", "✅ 续订 🚀", false, "✅ 续订 🚀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in, tt.multiline); got != tt.want {
				t.Errorf("Clean(%q, %v) = %q, want %q", tt.in, tt.multiline, got, tt.want)
			}
			if got := Clean(Clean(tt.in, tt.multiline), tt.multiline); got != tt.want {
				t.Errorf("Clean is not idempotent on %q: %q", tt.in, got)
			}
		})
	}
}

func TestHasControl(t *testing.T) {
	for in, want := range map[string]bool{"c3f-01": false, "c3f\x1b[2J": true, "id\u202e": true, "a\xff": true, "a\nb": true, "资源": false} {
		if got := HasControl(in); got != want {
			t.Errorf("HasControl(%q) = %v, want %v", in, got, want)
		}
	}
}

// TestSanitizedCoversEveryString fills every string of a Reply with an escape sequence and
// checks that none survives: a field added to the model later cannot be forgotten here.
func TestSanitizedCoversEveryString(t *testing.T) {
	const bad = "\x1b[2J\u202e"
	r := Reply{}
	fill(reflect.ValueOf(&r).Elem(), bad)
	out := r.Sanitized()
	var leaks []string
	walk(reflect.ValueOf(out), "Reply", func(path, s string) {
		if strings.ContainsAny(s, "\x1b\u202e") {
			leaks = append(leaks, path)
		}
	})
	if len(leaks) > 0 {
		t.Fatalf("Sanitized left control characters in %v", leaks)
	}
	// The original is untouched: the audit log keeps the original bytes.
	if r.Title != bad || r.Table.Rows[0][0] != bad || r.Sections[0].Lines[0] != bad {
		t.Fatal("Sanitized changed its receiver")
	}
}

// fill sets every string reachable from v to s, creating one element in each slice and
// pointer on the way.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), s)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), s)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), s)
	}
}

func walk(v reflect.Value, path string, f func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		if !strings.HasSuffix(path, ".Style") {
			f(path, v.String())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			walk(v.Field(i), path+"."+v.Type().Field(i).Name, f)
		}
	case reflect.Slice:
		for i := range v.Len() {
			walk(v.Index(i), path+"[]", f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walk(v.Elem(), path, f)
		}
	}
}

// TestDecodesNoticesQueuedBeforeTags: notices queued by earlier versions were stored without
// JSON tags (Go field names); they still decode.
func TestDecodesNoticesQueuedBeforeTags(t *testing.T) {
	old := `{"Title":"到期提醒","Text":"3 项资源即将到期","Fields":[{"Label":"客户","Value":"张三"}],` +
		`"Table":{"Columns":["资源","到期"],"Rows":[["web-01","2026-12-01"]]},` +
		`"Sections":[{"Title":"张三","Fields":null,"Lines":["web-01"]}],` +
		`"Buttons":[{"Label":"续订","Command":"/renew c3f 1m","Style":"primary"}],"Footer":"1/2","Error":false,"Ephemeral":true}`
	var r Reply
	if err := json.Unmarshal([]byte(old), &r); err != nil {
		t.Fatal(err)
	}
	want := Reply{Title: "到期提醒", Text: "3 项资源即将到期", Fields: []Field{{"客户", "张三"}},
		Table:    &Table{Columns: []string{"资源", "到期"}, Rows: [][]string{{"web-01", "2026-12-01"}}},
		Sections: []Section{{Title: "张三", Lines: []string{"web-01"}}},
		Buttons:  []Button{{Label: "续订", Command: "/renew c3f 1m", Style: "primary"}}, Footer: "1/2", Ephemeral: true}
	if !reflect.DeepEqual(r, want) {
		t.Fatalf("decoded %+v\nwant    %+v", r, want)
	}
	// And the new encoding round-trips.
	b, _ := json.Marshal(want)
	var back Reply
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, want) {
		t.Fatalf("round trip: %v %+v", err, back)
	}
	if !strings.Contains(string(b), `"title":"到期提醒"`) {
		t.Fatalf("new encoding uses lower-case names: %s", b)
	}
}

// TestButtonDecidesIsKept: whether a click decides is carried wherever a reply goes before an
// adapter reads it: through Sanitized (every adapter's first step) and the outbox's JSON, where
// a button that does not decide is encoded as before.
func TestButtonDecidesIsKept(t *testing.T) {
	r := Reply{Title: "续订申请 #1", Buttons: []Button{
		{Label: "批准", Command: "/approve 1", Style: StylePrimary, Decides: true},
		{Label: "续订 web-01", Command: "/renew c3f 1m"},
	}}
	if got := r.Sanitized(); !reflect.DeepEqual(got.Buttons, r.Buttons) {
		t.Errorf("Sanitized buttons = %+v, want %+v", got.Buttons, r.Buttons)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"buttons":[{"label":"批准","command":"/approve 1","style":"primary","decides":true},{"label":"续订 web-01","command":"/renew c3f 1m"}]`; !strings.Contains(string(b), want) {
		t.Errorf("encoded %s\nwant it to contain %s", b, want)
	}
	var back Reply
	if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, r) {
		t.Errorf("round trip: %v %+v", err, back)
	}
}
