package config

import (
	"strings"
	"testing"
)

func TestWarningsSubscriptionOnDisabledPlatform(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string // paths warned about
	}{
		{"enabled platform", "slack:\n  enabled: false\ntelegram:\n  enabled: false\nalerts:\n  subscriptions:\n    - {channel: \"console:ops\", kind: expiry, scope: \"*\"}\n", nil},
		{"disabled slack", "alerts:\n  subscriptions:\n    - {channel: \"slack:C0123\", kind: expiry, scope: \"*\"}\n    - {channel: \"telegram:-100\", kind: arrears, scope: \"*\"}\n",
			[]string{"alerts.subscriptions[0].channel", "alerts.subscriptions[1].channel"}},
		{"approvals channel", "approvals:\n  channel: \"wecom:ops\"\n", []string{"approvals.channel"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse([]byte(tt.yaml))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range cfg.Warnings() {
				got = append(got, w.Path)
				if !strings.Contains(w.Msg, "is disabled") || !strings.Contains(w.Msg, ".enabled is false") {
					t.Errorf("warning %q does not say what is disabled", w)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("warnings at %v, want %v", got, tt.want)
			}
		})
	}
}
