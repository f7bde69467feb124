package console_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/store"
)

// hostile holds what must never reach a terminal raw: clear screen, an OSC window title,
// cursor-up + erase-line (which would hide the line above), a right-to-left override, a C1
// CSI, and a byte that is not UTF-8.
const hostile = "\x1b[2J\x1b]0;pwned\x07\x1b[1A\x1b[2K\u202egnp.exe\u009b31m\xff"

// rawControls reports the first raw control sequence in out, if any.
func rawControls(out string) string {
	for _, bad := range []string{"\x1b", "\x07", "\u202e", "\u009b", "\xff"} {
		if strings.Contains(out, bad) {
			return bad
		}
	}
	return ""
}

// TestConsoleNeutralisesHostileText: terminal escapes and bidi overrides from BSS data (a
// customer's name, label and resource names) and from chat input reach the terminal escaped,
// in every listing; the audit log keeps the original bytes and shows them escaped.
func TestConsoleNeutralisesHostileText(t *testing.T) {
	data := bsstest.Demo(bsstest.TestTime, 1)
	for i := range data.Customers[:3] {
		data.Customers[i].Name = "Evil" + hostile + " Ltd"
		data.Customers[i].Label = "vip" + hostile
	}
	for i := range data.Resources {
		data.Resources[i].Name = "web" + hostile
	}
	e := newEnvWith(t, bsstest.Options{Data: data})
	st := e.st
	evil := data.Customers[0]

	script := strings.Join([]string{
		"/customer Evil",
		"/resources " + evil.ID,
		"/expiring 30",
		"/arrears",
		"/customer " + hostile, // chat input
		"/nosuch" + hostile,
		"/audit 20",
	}, "\n") + "\n"
	out := e.run(t, e.router, script)
	if bad := rawControls(out); bad != "" {
		i := strings.Index(out, bad)
		t.Fatalf("raw %q reached the terminal near %q", bad, out[max(0, i-60):min(len(out), i+20)])
	}
	for _, want := range []string{`Evil\x1b[2J\x1b]0;pwned\x07`, `\u202egnp.exe`, `\xff`} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks the escaped form %q", want)
		}
	}
	// The audit log keeps what was typed, byte for byte.
	recs, err := st.RecentAudit(t.Context(), 50, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range recs {
		if strings.Contains(r.Command, hostile) {
			found = true
		}
	}
	if !found {
		t.Errorf("no audit record keeps the original bytes of %q", hostile)
	}
}
