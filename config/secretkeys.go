package config

import (
	"regexp"
	"strings"
)

// secretKeys maps a key someone may write a secret under (lower case, "-" as "_") to the
// environment variable the secret is read from. Secrets are never read from the file, so such a
// key is refused; the refusal names the variable.
var secretKeys = map[string]string{
	"slack.bot_token": EnvSlackBotToken, "slack.token": EnvSlackBotToken,
	"slack.app_token": EnvSlackAppToken, "slack.app_level_token": EnvSlackAppToken,
	"slack.signing_secret": EnvSlackSigningSecret, "slack.secret": EnvSlackSigningSecret,
	"telegram.bot_token": "TELEGRAM_BOT_TOKEN", "telegram.token": "TELEGRAM_BOT_TOKEN",
	"telegram.webhook_secret": "TELEGRAM_WEBHOOK_SECRET", "telegram.webhook.secret": "TELEGRAM_WEBHOOK_SECRET",
	"telegram.webhook.secret_token": "TELEGRAM_WEBHOOK_SECRET",
	"wecom.corp_secret":             "WECOM_CORP_SECRET", "wecom.secret": "WECOM_CORP_SECRET",
	"wecom.agent_secret": "WECOM_CORP_SECRET",
	"wecom.token":        "WECOM_CALLBACK_TOKEN", "wecom.callback_token": "WECOM_CALLBACK_TOKEN",
	"wecom.callback.token":   "WECOM_CALLBACK_TOKEN",
	"wecom.encoding_aes_key": "WECOM_ENCODING_AES_KEY", "wecom.aes_key": "WECOM_ENCODING_AES_KEY",
	"wecom.callback.encoding_aes_key": "WECOM_ENCODING_AES_KEY", "wecom.callback.aes_key": "WECOM_ENCODING_AES_KEY",
	"bss.ak": "HUAWEICLOUD_SDK_AK", "bss.access_key": "HUAWEICLOUD_SDK_AK", "bss.access_key_id": "HUAWEICLOUD_SDK_AK",
	"bss.sk": "HUAWEICLOUD_SDK_SK", "bss.secret_key": "HUAWEICLOUD_SDK_SK", "bss.secret_access_key": "HUAWEICLOUD_SDK_SK",
}

// robotKey matches a WeCom robot's key written in the file.
var robotKey = regexp.MustCompile(`^wecom\.robots\.([^.]+)\.(key|webhook_key|robot_key)$`)

// secretEnv is the environment variable a secret written at path belongs in, or "" when path
// is no secret's key.
func secretEnv(path string) string {
	p := strings.ToLower(strings.ReplaceAll(path, "-", "_"))
	if env, ok := secretKeys[p]; ok {
		return env
	}
	if m := robotKey.FindStringSubmatch(path); m != nil {
		return WeComRobotKeyEnv(m[1])
	}
	return ""
}
