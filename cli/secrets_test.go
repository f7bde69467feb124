package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestSecretsNeverLogged runs the bot at debug level with every secret it can be given: the
// partner's AK/SK, the agency's temporary credentials and security token (issued by the fake
// IAM during the run), every request's signature and X-Security-Token, and the Slack,
// Telegram and WeCom tokens and keys. It drives every path that logs — start-up, commands
// and their BSS calls, a retried 5xx, calls signed with agency credentials, a scan, a notice
// its platform refuses, adapters whose platform refuses their token, a forged WeCom
// callback, the admin endpoints — and greps all the output, in text and in JSON, for each
// secret.
func TestSecretsNeverLogged(t *testing.T) {
	secrets := map[string]string{
		"SLACK_BOT_TOKEN":            "xoxb-111111111-222222222-SlackBotSecretValue",
		"SLACK_APP_TOKEN":            "xapp-1-A111-333-SlackAppSecretValue",
		"SLACK_SIGNING_SECRET":       "slack-signing-secret-value-0001",
		"TELEGRAM_BOT_TOKEN":         "123456789:AAtelegram-secret-token-value-0001",
		"TELEGRAM_WEBHOOK_SECRET":    "telegram-webhook-secret-0001",
		"WECOM_CORP_SECRET":          "wecom-corp-secret-value-0001",
		"WECOM_CALLBACK_TOKEN":       "wecomcallbacktoken0001",
		"WECOM_ENCODING_AES_KEY":     "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
		"WECOM_ROBOT_KEY_OPS":        "wecom-robot-key-not-known-0001",
		"HUAWEICLOUD_SDK_AK (value)": bsstest.SandboxCredentials.AccessKey,
		"HUAWEICLOUD_SDK_SK (value)": bsstest.SandboxCredentials.SecretKey,
	}
	for name, v := range secrets {
		if !strings.HasPrefix(name, "HUAWEICLOUD") {
			t.Setenv(name, v)
		}
	}

	// The fake BSS, behind a proxy that notes the temporary credentials IAM hands out.
	srv := bsstest.NewTestServer(t, bsstest.Options{Now: wallClock})
	var (
		mu         sync.Mutex
		temps      []string
		signatures []string // Authorization signatures and X-Security-Token values sent
	)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every request's signature and security token are secrets too.
		mu.Lock()
		if _, sig, ok := strings.Cut(r.Header.Get("Authorization"), "Signature="); ok {
			signatures = append(signatures, sig)
		}
		if tok := r.Header.Get(bss.HeaderToken); tok != "" {
			signatures = append(signatures, tok)
		}
		mu.Unlock()
		if r.URL.Path != "/v3.0/OS-CREDENTIAL/securitytokens" {
			srv.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, r)
		var out struct {
			Credential struct{ Access, Secret, Securitytoken string } `json:"credential"`
		}
		if json.Unmarshal(rec.Body.Bytes(), &out) == nil && out.Credential.Secret != "" {
			mu.Lock()
			temps = append(temps, out.Credential.Access, out.Credential.Secret, out.Credential.Securitytoken)
			mu.Unlock()
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
	}))
	defer proxy.Close()
	srv.URL = proxy.URL

	// Platforms that refuse the tokens: the fakes know their own, not the ones set above.
	sl, tg := slacktest.New(t), telegramtest.New(t)
	wc := wecomtest.New(t, wecomtest.Options{CorpID: "ww-secrets", CorpSecret: secrets["WECOM_CORP_SECRET"], AgentID: 1000007})

	cfg := realBSSConfig(t, srv,
		"  level: info   # debug", "  level: debug   # debug",
		"    - channel: console:console\n      kind: all", "    - channel: wecom:robot:ops\n      kind: all",
		// WeCom: the app with its callback, and a robot whose key the fake does not know.
		"  enabled: false\n  # 企业ID", "  enabled: true\n  # 企业ID",
		`  corp_id: ""`, "  corp_id: ww-secrets", "  agent_id: 0", "  agent_id: 1000007",
		"  api_base: https://qyapi.weixin.qq.com", "  api_base: "+wc.URL,
		`    listen: ""
    path: /wecom/callback`, `    listen: "127.0.0.1:0"
    path: /wecom/callback`,
		"  robots: {}", "  robots:\n    ops: {}",
		// Telegram and Slack against their fakes, which refuse these tokens.
		"every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: false", "every update comes from TELEGRAM_WEBHOOK_SECRET.\n  enabled: true",
		"  api_endpoint: https://api.telegram.org", "  api_endpoint: "+tg.URL,
		"(xapp-…, socket mode) and SLACK_SIGNING_SECRET (http mode).\n  enabled: false",
		"(xapp-…, socket mode) and SLACK_SIGNING_SECRET (http mode).\n  enabled: true",
		"  api_url: https://slack.com/api/", "  api_url: "+sl.APIURL(),
	)
	var output bytes.Buffer
	keep := func(r result) {
		output.WriteString(r.stdout)
		output.WriteString(r.stderr)
	}

	// A request filed (the renewal price is asked with agency credentials) and approved (the
	// renewal is signed with them and X-Security-Token), each by exec at debug level.
	id := zhangsanResource(t, srv, "zhangsan-web-01")
	r := runCLI(t, "", "exec", "-config", cfg, "-as", "console:alice", "/renew "+id+" 1m")
	r.check(t, exitOK, []string{"#1"}, nil)
	keep(r)
	r = runCLI(t, "", "exec", "-config", cfg, "-as", "console:bob", "/approve 1")
	r.check(t, exitOK, []string{"✅"}, nil)
	keep(r)

	// The bot, in JSON, with every adapter: a retried 5xx, a scan whose digest the robot
	// refuses, a forged callback, the admin endpoints.
	jsonCfg := strings.Replace(readFile(t, cfg), "  format: text", "  format: json", 1)
	writeFile(t, cfg, jsonCfg)
	srv.Inject("POST", "/v2/partners/sub-customers/query", bsstest.Fault{Status: 503, Times: 1})
	b := startConsoleBot(t, "-config", cfg)
	b.say("/customer 张三")
	b.say("/price 张三 ecs s6.large.2 --period 1m")
	b.say("/scan expiry")
	b.waitFor("the robot to refuse the digest", func() bool { return strings.Contains(b.stderr.String(), "parked") })
	b.waitFor("Slack and Telegram to refuse their tokens", func() bool {
		s := b.stderr.String()
		return strings.Contains(s, `"platform":"slack"`) && strings.Contains(s, `"platform":"telegram"`)
	})
	if m := regexp.MustCompile(`"msg":"wecom callback listening"[^\n]*"addr":"([^"]+)"`).FindStringSubmatch(b.stderr.String()); m != nil {
		resp, err := http.Post("http://"+m[1]+"/wecom/callback?msg_signature=forged&timestamp=1&nonce=2",
			"text/xml", strings.NewReader("<xml><Encrypt>forged</Encrypt></xml>"))
		if err == nil {
			resp.Body.Close()
		}
	} else {
		t.Errorf("the WeCom callback did not start:\n%s", b.stderr)
	}
	if m := regexp.MustCompile(`"msg":"admin endpoints listening"[^\n]*"addr":"([^"]+)"`).FindStringSubmatch(b.stderr.String()); m != nil {
		for _, p := range []string{"/readyz", "/metrics"} {
			resp, err := http.Get("http://" + m[1] + p)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			output.Write(body)
		}
	}
	b.say("/quit")
	if code := b.exit(); code != exitOK {
		t.Errorf("exit %d", code)
	}
	output.WriteString(b.stdout.String())
	output.WriteString(b.stderr.String())

	mu.Lock()
	issued, signed := temps, signatures
	mu.Unlock()
	if len(issued) < 3 {
		t.Fatalf("IAM issued no temporary credentials: the agency paths did not run")
	}
	for i, v := range issued {
		secrets[[]string{"agency access key", "agency secret key", "agency security token"}[i%3]] = v
	}
	tokens := 0
	for i, v := range signed {
		if strings.HasPrefix(v, "gQpjbi1ub3J0aC00") || len(v) > 100 {
			tokens++
		}
		secrets[fmt.Sprintf("signature or security token #%d", i)] = v
	}
	if len(signed) < 10 || tokens == 0 {
		t.Fatalf("%d signatures and %d security tokens seen: the calls did not run", len(signed), tokens)
	}
	for _, want := range []string{`"level":"DEBUG"`, `"msg":"bss call"`, "bss call retried", "RenewalResources",
		"CreateTemporaryAccessKeyByAgency", "scan finished", "parked"} {
		if !strings.Contains(output.String(), want) {
			t.Errorf("the output lacks %q: a log path did not run", want)
		}
	}
	for name, v := range secrets {
		if strings.Contains(output.String(), v) {
			i := strings.Index(output.String(), v)
			t.Errorf("%s appears in the output: …%s…", name, output.String()[max(0, i-200):min(output.Len(), i+len(v)+50)])
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}
