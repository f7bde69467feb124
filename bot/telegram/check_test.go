package telegram

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/store"
)

// TestCheck: Check calls getMe every time, says when Telegram refuses the token without showing
// it, and does not connect the adapter.
func TestCheck(t *testing.T) {
	ctx := context.Background()
	f := telegramtest.New(t)
	st, err := store.Open(filepath.Join(t.TempDir(), "bot.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	a, err := New(Options{Token: telegramtest.Token, APIEndpoint: f.URL, Buttons: st})
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := a.Check(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.CallsOf("getMe")); n != 2 {
		t.Errorf("%d getMe calls, want 2 (one per Check)", n)
	}
	if a.Connected() || a.Username() != "" {
		t.Error("Check connected the adapter")
	}

	const wrong = "7351234567:AAHwrong-token-0000000000000000000000"
	bad, err := New(Options{Token: wrong, APIEndpoint: f.URL, Buttons: st})
	if err != nil {
		t.Fatal(err)
	}
	err = bad.Check(ctx)
	if err == nil || !strings.Contains(err.Error(), "telegram: getMe: Unauthorized") {
		t.Errorf("Check with a wrong token = %v", err)
	}
	if err != nil && strings.Contains(err.Error(), wrong) {
		t.Error("the token is in the error")
	}

	down, err := New(Options{Token: telegramtest.Token, APIEndpoint: "http://127.0.0.1:1", Buttons: st})
	if err != nil {
		t.Fatal(err)
	}
	if err := down.Check(ctx); err == nil || strings.Contains(err.Error(), telegramtest.Token) {
		t.Errorf("Check with no server = %v (want an error without the token)", err)
	}
}
