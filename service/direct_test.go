package service

import (
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack"
	"github.com/partnerbot/partnerbot/bot/telegram"
	"github.com/partnerbot/partnerbot/bot/wecom"
)

// TestRequesterToldInPersonOnlyOutsideTheirDirectChat: the result of a request asked in a
// channel is also sent to the requester in person; asked in the direct conversation with the
// bot, it is sent there once, not twice (found by the all-adapters test).
func TestRequesterToldInPersonOnlyOutsideTheirDirectChat(t *testing.T) {
	d := &Direct{}
	d.Add("slack", &slack.Adapter{})
	d.Add("telegram", &telegram.Adapter{})
	d.Add("wecom", &wecom.Adapter{})
	for _, tt := range []struct {
		platform, channel, user string
		want                    bool
	}{
		{"slack", "C0TEAM", "U1", true},
		{"slack", "D0DIRECT", "U1", false},
		{"telegram", "-1001234567890", "77", true},
		{"telegram", "77", "77", false},
		{"wecom", "opsgroup", "zhangsan", true},
		{"wecom", wecom.UserChannel("zhangsan"), "zhangsan", false},
		{"console", "console", "alice", false}, // no adapter that can message users
	} {
		if got := d.Can(tt.platform, tt.channel, tt.user); got != tt.want {
			t.Errorf("%s %s %s: in person %v, want %v", tt.platform, tt.channel, tt.user, got, tt.want)
		}
	}
}
