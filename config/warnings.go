package config

import (
	"fmt"
	"strings"
)

// Warning is something the bot starts with but that likely is a mistake: check-config shows it.
type Warning struct {
	Path string // key path, e.g. alerts.subscriptions[0].channel
	Msg  string
}

func (w Warning) String() string { return w.Path + ": " + w.Msg }

// Warnings lists what the configuration allows but probably does not mean: a subscription or
// the approvals channel on a platform that is not enabled, whose notices would never be
// delivered.
func (c *Config) Warnings() []Warning {
	var ws []Warning
	off := func(path, channel string) {
		platform, _, _ := strings.Cut(channel, ":")
		var key string
		switch platform {
		case "slack":
			if !c.Slack.Enabled {
				key = "slack.enabled"
			}
		case "telegram":
			if !c.Telegram.Enabled {
				key = "telegram.enabled"
			}
		case "wecom":
			if !c.WeCom.Enabled {
				key = "wecom.enabled"
			}
		case "console":
			if c.Console.Enabled != nil && !*c.Console.Enabled {
				key = "console.enabled"
			}
		}
		if key != "" {
			ws = append(ws, Warning{path, fmt.Sprintf("%q is on %s, which is disabled (%s is false): its notices are never delivered; enable %s or change the channel",
				channel, platform, key, platform)})
		}
	}
	if c.Approvals.Channel != "" {
		off("approvals.channel", c.Approvals.Channel)
	}
	for i, s := range c.Alerts.Subscriptions {
		off(fmt.Sprintf("alerts.subscriptions[%d].channel", i), s.Channel)
	}
	return ws
}
