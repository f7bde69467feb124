package slacktest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"time"
)

// Sign is the X-Slack-Signature Slack sends with body at timestamp ts (Unix seconds, as in
// X-Slack-Request-Timestamp): "v0=" and the hex HMAC-SHA256, keyed by the app's signing secret,
// of "v0:<ts>:<body>" (https://api.slack.com/authentication/verifying-requests-from-slack).
func Sign(secret, ts string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// SignRequest sets the two headers Slack signs a request to an app with: X-Slack-Request-Timestamp
// (at) and X-Slack-Signature (Sign of body, which must be the request's body, with secret).
func SignRequest(req *http.Request, secret string, at time.Time, body []byte) {
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", Sign(secret, ts, body))
}
