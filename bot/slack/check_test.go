package slack

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
)

// TestCheck: Check calls auth.test with the bot token and, in Socket Mode, apps.connections.open
// with the app-level token; a refused token is an error naming the call; nothing connects.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	f := slacktest.New(t)
	for _, tt := range []struct {
		name          string
		opts          Options
		want          string // "" = no error
		authN, connsN int
	}{
		{"socket mode", Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: f.AppToken}, "", 1, 1},
		{"http mode", Options{Mode: ModeHTTP, APIURL: f.APIURL(), BotToken: f.BotToken, SigningSecret: "s", Listen: "127.0.0.1:0"}, "", 1, 0},
		{"bad bot token", Options{APIURL: f.APIURL(), BotToken: "xoxb-revoked", AppToken: f.AppToken}, "slack: auth.test: invalid_auth", 1, 0},
		{"bad app token", Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: "xapp-wrong"}, "slack: apps.connections.open (app-level token): invalid_auth", 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			auth0, conns0 := f.CallCount("auth.test"), f.CallCount("apps.connections.open")
			a, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Check(ctx)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
			if n := f.CallCount("auth.test") - auth0; n != tt.authN {
				t.Errorf("%d auth.test calls, want %d", n, tt.authN)
			}
			if n := f.CallCount("apps.connections.open") - conns0; n != tt.connsN {
				t.Errorf("%d apps.connections.open calls, want %d", n, tt.connsN)
			}
			if a.Connected() {
				t.Error("Check connected the adapter")
			}
		})
	}
	if conns := f.Connections(); conns != 0 {
		t.Errorf("%d WebSocket connections opened by Check", conns)
	}
}
