package commands_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
)

// TestInternationalSite: bss-intl has no customer or partner balances and no coupon quotas.
// There /customer leaves the balance out instead of failing, and /balance, /arrears and
// /reclaim say the function is not available there, without calling BSS (issue #9.5).
func TestInternationalSite(t *testing.T) {
	e := newActEnv(t, func(_ *commands.Options, c *bss.Config) { c.Site = bss.SiteInternational })
	rep, text := e.say("console:admin", "/customer 张三")
	if rep.Error || strings.Contains(text, "余额") || strings.Contains(text, "/balance") {
		t.Errorf("/customer on the international site:\n%s", text)
	}
	if !strings.Contains(text, "zhangsan") {
		t.Errorf("/customer lost the customer:\n%s", text)
	}
	for _, cmd := range []string{"/balance 张三", "/balance", "/arrears", "/reclaim Q0000000001"} {
		rep, text := e.say("console:admin", cmd)
		if !rep.Error || !strings.Contains(text, "国际站没有此功能") {
			t.Errorf("%s on the international site:\n%s", cmd, text)
		}
	}
	for _, path := range []string{"/v2/accounts/customer-accounts/balances/batch-query", "/v2/accounts/partner-accounts/balances", "/v2/partners/coupon-quotas/query"} {
		if n := e.Srv.CallCount("", path); n != 0 {
			t.Errorf("%d calls to %s, which the international site does not have", n, path)
		}
	}
}
