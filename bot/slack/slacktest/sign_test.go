package slacktest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	slackapi "github.com/slack-go/slack"
)

// Slack's published signing example (https://api.slack.com/authentication/verifying-requests-from-slack).
const (
	docSecret    = "8f742231b10e8888abcd99yyyzzz85a5"
	docTimestamp = "1531420618"
	docBody      = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	docSignature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
)

// TestSignKnownAnswer: Sign gives Slack's own example's signature, and a request SignRequest
// signed passes slack-go's verifier (which checks against the wall clock, so it is signed now).
func TestSignKnownAnswer(t *testing.T) {
	if got := Sign(docSecret, docTimestamp, []byte(docBody)); got != docSignature {
		t.Fatalf("Sign = %s, want Slack's %s", got, docSignature)
	}
	req, err := http.NewRequest(http.MethodPost, "http://127.0.0.1/slack/commands", strings.NewReader(docBody))
	if err != nil {
		t.Fatal(err)
	}
	SignRequest(req, docSecret, time.Now(), []byte(docBody))
	sv, err := slackapi.NewSecretsVerifier(req.Header, docSecret)
	if err != nil {
		t.Fatal(err)
	}
	sv.Write([]byte(docBody))
	if err := sv.Ensure(); err != nil {
		t.Errorf("slack-go refuses the signature: %v", err)
	}
}
