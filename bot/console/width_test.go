package console_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/internal/text"
)

// TestConsoleRepliesFitAPhone runs the listing commands on the sandbox, in Chinese and in
// English, and measures every line the console writes in East Asian width: none may be wider
// than text.MaxColumns (a phone shows about 40 columns of Chinese; /expiring used to be 168).
func TestConsoleRepliesFitAPhone(t *testing.T) {
	e := newEnv(t)
	cmds := []string{"/help", "/help expiring", "/help renew", "/expiring", "/expiring 90", "/expiring 7 --page 2",
		"/customer 张三", "/customers", "/balance", "/balance 张三", "/resources 张三", "/resources 张三 --expiring 60",
		"/arrears", "/orders", "/pending", "/audit", "/notices", "/subscriptions", "/coupons", "/ledger", "/spend", "/reseller",
		"/price ecs s6.large.2", "/renew", "/nosuchcommand"}
	for _, lang := range []string{"zh", "en"} {
		script := "/lang " + lang + "\n" + strings.Join(cmds, "\n") + "\n"
		out := e.run(t, e.router, script)
		widest := 0
		for i, l := range strings.Split(out, "\n") {
			w := text.Width(l)
			widest = max(widest, w)
			if w > text.MaxColumns {
				t.Errorf("%s: line %d is %d columns wide (max %d): %q", lang, i+1, w, text.MaxColumns, l)
			}
		}
		t.Logf("%s: %d lines, widest %d columns", lang, strings.Count(out, "\n"), widest)
	}
}
