package cli

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
)

// TestRunBotWithWeCom: the WeCom section builds the adapter from wecom.* and WECOM_* variables;
// missing secrets are named (never shown) and stop the start; with them the adapter runs beside
// the console and fetches its token only once running.
func TestRunBotWithWeCom(t *testing.T) {
	fake := wecomtest.New(t, wecomtest.Options{CorpID: "ww-run-test", CorpSecret: "run-secret-9c1f", AgentID: 1000005})
	// The example's own wecom section, switched on (a second wecom: key would be refused).
	cfg := writeConfig(t,
		"  enabled: false\n  # 企业ID", "  enabled: true\n  # 企业ID",
		`  corp_id: ""`, "  corp_id: ww-run-test",
		"  agent_id: 0", "  agent_id: 1000005",
		"  api_base: https://qyapi.weixin.qq.com", "  api_base: "+fake.URL,
		`    listen: ""
    path: /wecom/callback`, `    listen: "127.0.0.1:0"
    path: /wecom/callback`,
		"  robots: {}", "  robots:\n    ops-alerts: {}")

	for _, k := range []string{"WECOM_CORP_SECRET", "WECOM_CALLBACK_TOKEN", "WECOM_ENCODING_AES_KEY", "WECOM_ROBOT_KEY_OPS_ALERTS"} {
		t.Setenv(k, "")
	}
	r := runCLI(t, "/help\n", "-config", cfg)
	r.check(t, exitUsage, nil, []string{"WECOM_CORP_SECRET is not set", "WECOM_CALLBACK_TOKEN is not set",
		"WECOM_ENCODING_AES_KEY is not set", "WECOM_ROBOT_KEY_OPS_ALERTS is not set"})
	if n := fake.TokenFetches(); n != 0 {
		t.Errorf("%d token fetches before the adapter ran", n)
	}

	t.Setenv("WECOM_CORP_SECRET", "run-secret-9c1f")
	t.Setenv("WECOM_CALLBACK_TOKEN", "tok")
	t.Setenv("WECOM_ENCODING_AES_KEY", "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt")
	t.Setenv("WECOM_ROBOT_KEY_OPS_ALERTS", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc")
	r = runCLI(t, "/help\n/quit\n", "-config", cfg)
	r.check(t, exitOK, []string{"/customer (/客户)"}, []string{"adapters=console,wecom"})
	if strings.Contains(r.stderr, "run-secret-9c1f") || strings.Contains(r.stderr, "key=abc") {
		t.Errorf("a secret is in the log:\n%s", r.stderr)
	}
}
