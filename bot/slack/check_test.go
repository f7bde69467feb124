package slack

import (
	"context"
	"strings"
	"testing"
)

// TestCheck: Check calls auth.test with the bot token and, in Socket Mode, apps.connections.open
// with the app-level token; a refused token is an error naming the call; nothing connects.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	f := newFakeSlack(t)
	for _, tt := range []struct {
		name          string
		opts          Options
		want          string // "" = no error
		authN, connsN int
	}{
		{"socket mode", Options{APIURL: f.APIURL(), BotToken: f.botToken, AppToken: f.appToken}, "", 1, 1},
		{"http mode", Options{Mode: ModeHTTP, APIURL: f.APIURL(), BotToken: f.botToken, SigningSecret: "s", Listen: "127.0.0.1:0"}, "", 1, 0},
		{"bad bot token", Options{APIURL: f.APIURL(), BotToken: "xoxb-revoked", AppToken: f.appToken}, "slack: auth.test: invalid_auth", 1, 0},
		{"bad app token", Options{APIURL: f.APIURL(), BotToken: f.botToken, AppToken: "xapp-wrong"}, "slack: apps.connections.open (app-level token): invalid_auth", 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			auth0, conns0 := f.callCount("auth.test"), f.callCount("apps.connections.open")
			a, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Check(ctx)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
			if n := f.callCount("auth.test") - auth0; n != tt.authN {
				t.Errorf("%d auth.test calls, want %d", n, tt.authN)
			}
			if n := f.callCount("apps.connections.open") - conns0; n != tt.connsN {
				t.Errorf("%d apps.connections.open calls, want %d", n, tt.connsN)
			}
			if a.Connected() {
				t.Error("Check connected the adapter")
			}
		})
	}
	f.mu.Lock()
	conns := f.conns
	f.mu.Unlock()
	if conns != 0 {
		t.Errorf("%d WebSocket connections opened by Check", conns)
	}
}
