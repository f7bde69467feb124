package wecom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
)

// TestCheck: with an app, Check fetches the access token (and says why WeCom refused it, without
// the secret); with robots alone there is nothing to ask and it calls nothing.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	fake := wecomtest.New(t, wecomtest.Options{CorpID: corpID, CorpSecret: secret, AgentID: agentID})
	a, err := wecom.New(wecom.Options{CorpID: corpID, AgentID: agentID, APIBase: fake.URL, Secrets: wecom.Secrets{CorpSecret: secret}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Check(ctx); err != nil {
		t.Fatal(err)
	}
	if n := fake.TokenFetches(); n != 1 {
		t.Errorf("%d token fetches, want 1", n)
	}
	if a.Connected() {
		t.Error("Check made the adapter Connected")
	}

	const wrong = "not-the-corp-secret"
	bad, err := wecom.New(wecom.Options{CorpID: corpID, AgentID: agentID, APIBase: fake.URL, Secrets: wecom.Secrets{CorpSecret: wrong}})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "wecom: gettoken") || !strings.Contains(err.Error(), "40001") || strings.Contains(err.Error(), wrong) {
		t.Errorf("Check with a wrong secret = %v", err)
	}

	robots, err := wecom.New(wecom.Options{APIBase: fake.URL, Robots: map[string]wecom.Robot{"ops": {}},
		Secrets: wecom.Secrets{RobotKeys: map[string]string{"ops": "robot-key"}}})
	if err != nil {
		t.Fatal(err)
	}
	before := fake.TokenFetches()
	if err := robots.Check(ctx); err != nil {
		t.Errorf("robots-only Check = %v", err)
	}
	if fake.TokenFetches() != before || len(fake.Calls("/cgi-bin/webhook/send")) != 0 {
		t.Error("a robots-only Check called WeCom")
	}
}
