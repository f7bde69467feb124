package commands_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/lang"
)

// TestTopUpRefusesADecimalComma: "/topup lisi 12,34" once filed a top-up of CNY 1,234.00; a
// comma that does not separate thousands is now refused, in the user's language, and nothing is
// filed (issue #20 §5, "Decimal commas").
func TestTopUpRefusesADecimalComma(t *testing.T) {
	e := newActEnv(t, nil)
	for _, tc := range []struct{ cmd, want string }{
		{"/topup lisi 12,34", "千位分隔符"},
		{"/拨款 lisi 0,01", "0.01"},
		{"/reclaim-balance 张三 1,23,456", "1,234.56"},
	} {
		if rep, text := e.say("console:alice", tc.cmd); !rep.Error || !strings.Contains(text, tc.want) {
			t.Errorf("%s: want a refusal saying %q:\n%s", tc.cmd, tc.want, text)
		}
	}
	if n := e.requests(); n != 0 {
		t.Fatalf("%d requests filed with a decimal comma", n)
	}
	if rep, text := e.say("console:alice", "/topup lisi 1,234.56"); rep.Error || !strings.Contains(text, "1,234.56") {
		t.Errorf("a thousands separator:\n%s", text)
	}
	en := newActEnv(t, func(o *commands.Options, _ *bss.Config) { o.Lang = lang.En })
	if rep, text := en.say("console:alice", "/topup lisi 12,34"); !rep.Error || !strings.Contains(text, "a comma can only separate thousands") {
		t.Errorf("in English:\n%s", text)
	}
}
