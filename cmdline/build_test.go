package cmdline

import (
	"reflect"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
)

// TestExpiringQuotes: the command an expiry digest's button carries reads back as the labels
// it was made of, whatever they hold.
func TestExpiringQuotes(t *testing.T) {
	for _, label := range []string{"vip", "VIP大客户", "big team", `say "hi"`, `back\slash`, "＂wide＂"} {
		cmd := Expiring(7, ExpiringScope{Labels: []string{label, "edu"}})
		inv, ok, err := Parse(cmd, "")
		if err != nil || !ok || len(inv.Args) != 3 || inv.Args[0] != "7" || inv.Args[1] != "label:"+label || inv.Args[2] != "label:edu" {
			t.Errorf("%q reads back as %q (%v, %v)", cmd, inv.Args, ok, err)
		}
	}
}

// TestBuilders: each builder writes the line other packages printed before they were here, and
// the line parses back to the command and arguments it was made of.
func TestBuilders(t *testing.T) {
	amount, err := bss.ParseAmount("4026.06")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		line  string
		want  string
		cmd   string
		args  []string
		flags map[string]string
	}{
		{"topup", TopUp("0a1b2c3d", amount), "/topup 0a1b2c3d 4026.06", "topup", []string{"0a1b2c3d", "4026.06"}, nil},
		{"renew", Renew("fd6b4382-dee9-fec2-a874-cfc1141a0fc3"), "/renew fd6b4382-dee9-fec2-a874-cfc1141a0fc3", "renew", []string{"fd6b4382-dee9-fec2-a874-cfc1141a0fc3"}, nil},
		{"renew odd id", Renew("a b"), `/renew "a b"`, "renew", []string{"a b"}, nil},
		{"approve", Approve(12), "/approve 12", "approve", []string{"12"}, nil},
		{"reject", Reject(12), "/reject 12", "reject", []string{"12"}, nil},
		{"cancel", Cancel(7), "/cancel 7", "cancel", []string{"7"}, nil},
		{"resend", Resend(42), "/resend 42", "resend", []string{"42"}, nil},
		{"expiring", Expiring(30, ExpiringScope{}), "/expiring 30", "expiring", []string{"30"}, nil},
		{"expiring labels", Expiring(7, ExpiringScope{Labels: []string{"vip", "big team"}}), `/expiring 7 label:vip "label:big team"`, "expiring", []string{"7", "label:vip", "label:big team"}, nil},
		{"expiring customers", Expiring(7, ExpiringScope{Labels: []string{"vip"}, Customers: []string{"0a1b", "2c3d"}}), `/expiring 7 label:vip customer:0a1b customer:2c3d`, "expiring", []string{"7", "label:vip", "customer:0a1b", "customer:2c3d"}, nil},
		{"resources expiring", ResourcesExpiring("0a1b", 15), "/resources 0a1b --expiring 15", "resources", []string{"0a1b"}, map[string]string{"expiring": "15"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.line != tt.want {
				t.Errorf("line = %q, want %q", tt.line, tt.want)
			}
			inv, ok, err := Parse(tt.line, "")
			if !ok || err != nil {
				t.Fatalf("Parse(%q) = %v, %v", tt.line, ok, err)
			}
			if inv.Name != tt.cmd || !reflect.DeepEqual(inv.Args, tt.args) || !reflect.DeepEqual(inv.Flags, tt.flags) {
				t.Errorf("Parse(%q) = %q %q %v, want %q %q %v", tt.line, inv.Name, inv.Args, inv.Flags, tt.cmd, tt.args, tt.flags)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"abc", "abc"},
		{"", `""`},
		{"a b", `"a b"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"张三", "张三"},
		{"a\u3000b", "\"a\u3000b\""},
	}
	for _, tt := range tests {
		got := Quote(tt.in)
		if got != tt.want {
			t.Errorf("Quote(%q) = %q, want %q", tt.in, got, tt.want)
		}
		inv, ok, err := Parse("/x "+got, "")
		if !ok || err != nil || len(inv.Args) != 1 || inv.Args[0] != tt.in {
			t.Errorf("/x %s parses to %q (%v, %v), want [%q]", got, inv.Args, ok, err, tt.in)
		}
	}
}
