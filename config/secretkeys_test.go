package config

import (
	"strings"
	"testing"
)

// A secret written in the file is refused naming the environment variable it belongs in, and
// the refusal never repeats the secret.
func TestSecretInFileNamesItsVariable(t *testing.T) {
	const secret = "s3cr3t-value-0001"
	tests := []struct {
		yaml, key, env string
	}{
		{"slack:\n  bot_token: xoxb-" + secret + "\n", "slack.bot_token", "SLACK_BOT_TOKEN"},
		{"slack:\n  app_token: " + secret + "\n", "slack.app_token", "SLACK_APP_TOKEN"},
		{"slack:\n  signing_secret: " + secret + "\n", "slack.signing_secret", "SLACK_SIGNING_SECRET"},
		{"telegram:\n  token: " + secret + "\n", "telegram.token", "TELEGRAM_BOT_TOKEN"},
		{"telegram:\n  webhook:\n    secret_token: " + secret + "\n", "telegram.webhook.secret_token", "TELEGRAM_WEBHOOK_SECRET"},
		{"wecom:\n  corp_secret: " + secret + "\n", "wecom.corp_secret", "WECOM_CORP_SECRET"},
		{"wecom:\n  callback:\n    token: " + secret + "\n", "wecom.callback.token", "WECOM_CALLBACK_TOKEN"},
		{"wecom:\n  callback:\n    encoding_aes_key: " + secret + "\n", "wecom.callback.encoding_aes_key", "WECOM_ENCODING_AES_KEY"},
		{"wecom:\n  robots:\n    ops-team:\n      key: " + secret + "\n", "wecom.robots.ops-team.key", "WECOM_ROBOT_KEY_OPS_TEAM"},
		{"bss:\n  ak: " + secret + "\n  sk: " + secret + "\n", "bss.sk", "HUAWEICLOUD_SDK_SK"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml))
			if err == nil {
				t.Fatal("accepted a secret in the file")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.key) || !strings.Contains(msg, "put it in the environment variable "+tt.env+" instead") {
				t.Errorf("error does not send %s to %s:\n%s", tt.key, tt.env, msg)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error repeats the secret:\n%s", msg)
			}
		})
	}
	// An ordinary unknown key is still just unknown.
	if _, err := Parse([]byte("slack:\n  channel_x: a\n")); err == nil || strings.Contains(err.Error(), "environment variable") {
		t.Errorf("unknown key: %v", err)
	}
}
