package config

import (
	"strings"
	"testing"
)

// TestUserRate: bot.user_rate defaults to 30 commands a minute with bursts of 10 per person,
// may be changed, and is bounded.
func TestUserRate(t *testing.T) {
	if got := Default().Bot.UserRate; got != (UserRate{PerMinute: 30, Burst: 10}) {
		t.Errorf("default %+v", got)
	}
	cfg, err := Parse([]byte("bot:\n  user_rate:\n    per_minute: 120\n    burst: 20\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Bot.UserRate; got != (UserRate{PerMinute: 120, Burst: 20}) {
		t.Errorf("parsed %+v", got)
	}
	cfg, err = Parse([]byte("bot:\n  user_rate:\n    burst: 5\n"))
	if err != nil || cfg.Bot.UserRate != (UserRate{PerMinute: 30, Burst: 5}) {
		t.Errorf("burst alone: %+v, %v", cfg.Bot.UserRate, err)
	}
	for _, tt := range []struct{ in, want string }{
		{"bot:\n  user_rate:\n    per_minute: 0\n", "bot.user_rate.per_minute (line 3): must be between 1 and 6000 (commands a minute per person), not 0"},
		{"bot:\n  user_rate:\n    per_minute: .nan\n", "bot.user_rate.per_minute (line 3): must be between 1 and 6000"},
		{"bot:\n  user_rate:\n    burst: 0\n", "bot.user_rate.burst (line 3): must be between 1 and 1000 (commands at once per person), not 0"},
		{"bot:\n  user_rate:\n    burst: 100000\n", "bot.user_rate.burst (line 3): must be between 1 and 1000"},
		{"bot:\n  user_rate:\n    per_minut: 10\n", "bot.user_rate.per_minut"},
	} {
		_, err := Parse([]byte(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
}
