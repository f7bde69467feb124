package redact

import (
	"strings"
	"testing"
)

func TestRedactor(t *testing.T) {
	r := New("AKEXAMPLE123", "short", "  SKEXAMPLE4567890  ", "AKEXAMPLE123", "AKEXAMPLE123-TOKEN-TAIL")
	tests := []struct{ in, want string }{
		{"nothing here", "nothing here"},
		{"Access=AKEXAMPLE123, Signature=x", "Access=[REDACTED], Signature=x"},
		{"token AKEXAMPLE123-TOKEN-TAIL end", "token [REDACTED] end"},          // the longer secret whole
		{"sk SKEXAMPLE4567890 and short", "sk [REDACTED] and short"},           // trimmed form too; short ones kept
		{"AKEXAMPLE123AKEXAMPLE123", "[REDACTED][REDACTED]"},                   // every occurrence
		{"秘密AKEXAMPLE123秘密", "秘密[REDACTED]秘密"},                                 // inside other text
		{`{"error_msg":"bad AKEXAMPLE123"}`, `{"error_msg":"bad [REDACTED]"}`}, // JSON stays JSON
	}
	for _, tc := range tests {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := string(r.Bytes([]byte(tc.in))); got != tc.want {
			t.Errorf("Bytes(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if r.Holds(tc.in) != (tc.in != tc.want) {
			t.Errorf("Holds(%q) = %v", tc.in, r.Holds(tc.in))
		}
	}
	if got := r.Secrets(); len(got) != 4 || got[0] != "AKEXAMPLE123-TOKEN-TAIL" {
		t.Errorf("secrets %q", got)
	}
	var none *Redactor
	if !none.Empty() || none.String("AKEXAMPLE123") != "AKEXAMPLE123" || string(none.Bytes([]byte("x"))) != "x" || !New("", "tiny").Empty() {
		t.Error("a nil or empty Redactor hid something")
	}
	b := []byte("clean answer")
	if got := r.Bytes(b); &got[0] != &b[0] {
		t.Error("a clean answer was copied")
	}
	for in, want := range map[string]string{
		"cut after Access=AKEXAM":         "cut after Access=[REDACTED]",
		"cut after AKEXAMPLE123 and SKEX": "cut after [REDACTED] and [REDACTED]",
		"ends in AKE":                     "ends in AKE", // too short to tell
		"ends normally":                   "ends normally",
	} {
		if got := r.Truncated(in); got != want {
			t.Errorf("Truncated(%q) = %q, want %q", in, got, want)
		}
	}
	if strings.Contains(r.String(strings.Repeat("AKEXAMPLE12", 3)), Mark) {
		t.Error("a prefix of a secret was hidden")
	}
}

// BenchmarkScrubAnswer is what the BSS client adds to reading each answer: a Redactor of a
// call's credentials built and run over a 64 KiB answer that holds none of them.
func BenchmarkScrubAnswer(b *testing.B) {
	answer := []byte(strings.Repeat(`{"customer_id":"0a1b2c3d4e5f","account_name":"acme01","customer":"ACME Ltd"},`, 64<<10/80))
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		r := New("TMPABCDEFGHIJKLMNOPQ", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMN", "gQpjbi1ub3J0aC00"+strings.Repeat("T", 160),
			"SANDBOXPARTNERAK", "SANDBOXPARTNERSK", "")
		if out := r.Bytes(answer); len(out) != len(answer) {
			b.Fatal("changed")
		}
	}
}
