package telegram

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		permanent bool
		throttled time.Duration
	}{
		{"429", &tgbotapi.Error{Code: 429, Message: "Too Many Requests: retry after 12", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 12}}, false, 12 * time.Second},
		{"429 without retry_after", &tgbotapi.Error{Code: 429, Message: "Too Many Requests"}, false, time.Second},
		{"blocked", &tgbotapi.Error{Code: 403, Message: "Forbidden: bot was blocked by the user"}, true, 0},
		{"kicked", &tgbotapi.Error{Code: 403, Message: "Forbidden: bot was kicked from the supergroup chat"}, true, 0},
		{"never started", &tgbotapi.Error{Code: 403, Message: "Forbidden: bot can't initiate conversation with a user"}, true, 0},
		{"chat not found", &tgbotapi.Error{Code: 400, Message: "Bad Request: chat not found"}, true, 0},
		{"no rights", &tgbotapi.Error{Code: 400, Message: "Bad Request: not enough rights to send text messages to the chat"}, true, 0},
		{"token refused", &tgbotapi.Error{Code: 401, Message: "Unauthorized"}, false, 0},
		{"server error", &tgbotapi.Error{Code: 502, Message: "Bad Gateway"}, false, 0},
		{"network", &url.Error{Op: "Post", URL: "https://api.telegram.org/bot<token>/sendMessage", Err: errors.New("connection refused")}, false, 0},
		{"wrapped", fmt.Errorf("telegram: sendMessage to 5: %w", &tgbotapi.Error{Code: 403, Message: "Forbidden: user is deactivated"}), true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := classify(tt.err)
			if got := errors.Is(err, bot.ErrPermanent); got != tt.permanent {
				t.Errorf("permanent = %v, want %v (%v)", got, tt.permanent, err)
			}
			after, throttled := bot.RetryAfterOf(err)
			if throttled != (tt.throttled > 0) || after != tt.throttled {
				t.Errorf("throttled %v after %s, want %s", throttled, after, tt.throttled)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("the platform's error is not kept: %v", err)
			}
		})
	}
	if classify(nil) != nil {
		t.Error("classify(nil) != nil")
	}
}

func TestRedact(t *testing.T) {
	ue := &url.Error{Op: "Post", URL: "https://api.telegram.org/bot" + telegramtest.Token + "/getUpdates", Err: context.Canceled}
	err := redact(ue, telegramtest.Token)
	if strings.Contains(err.Error(), telegramtest.Token) || !strings.Contains(err.Error(), "/bot<token>/getUpdates") {
		t.Errorf("redact = %v", err)
	}
	if !errors.Is(err, context.Canceled) {
		t.Error("redaction lost the cause")
	}
	// A token-shaped string is hidden even when it is not ours (another bot's, a typo).
	if got := redactString("see 123456789:ABCdefGhIJKlmNoPQRsTUVwxyZ-_012345", ""); got != "see <token>" {
		t.Errorf("redactString = %q", got)
	}
	plain := errors.New("EOF")
	if redact(plain, telegramtest.Token) != plain {
		t.Error("an error without the token was rewritten")
	}
}

// TestPacer checks the pace against a clock that does not move by itself.
func TestPacer(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	p := newPacer(func() time.Time { return t0 })
	const user, group = int64(1001), int64(-100200)
	var got []time.Duration
	for range 5 {
		got = append(got, p.reserve(user, t0).Round(time.Millisecond))
	}
	if want := fmt.Sprint([]time.Duration{0, 0, 0, time.Second, 2 * time.Second}); fmt.Sprint(got) != want {
		t.Errorf("private chat delays %v, want %s (a burst of 3, then one per second)", got, want)
	}
	// A group: a burst of 3, then one every 60/17 s; 20 fit in the first minute.
	in := 0
	for i := range 25 {
		if d := p.reserve(group, t0); d <= time.Minute {
			in++
		} else if i < 20 {
			t.Errorf("message %d to the group waits %s", i+1, d)
		}
	}
	if in != 20 {
		t.Errorf("%d messages to a group within a minute, want 20", in)
	}
	// A 429 holds the chat for its retry_after; other chats are not held.
	q := newPacer(func() time.Time { return t0 })
	q.hold(user, 5*time.Second)
	if d := q.reserve(user, t0); d != 5*time.Second {
		t.Errorf("held chat waits %s, want 5s", d)
	}
	if d := q.reserve(user+1, t0); d != 0 {
		t.Errorf("another chat waits %s", d)
	}
	// Overall: 30 per second after a burst of 10, across chats.
	r := newPacer(func() time.Time { return t0 })
	var last time.Duration
	for i := range 40 {
		last = r.reserve(int64(2000+i), t0)
	}
	if want := time.Second; last.Round(time.Millisecond) != want {
		t.Errorf("the 40th message to 40 chats waits %s, want %s", last, want)
	}
}

func TestBotCommands(t *testing.T) {
	e := newEnv(t)
	cmds := botCommands(routerCommands(e.router)(), "zh")
	seen := map[string]bool{}
	for _, c := range cmds {
		if !telegramNameRE.MatchString(c.Command) || seen[c.Command] {
			t.Errorf("command %q is not a valid, unique Telegram name", c.Command)
		}
		seen[c.Command] = true
		if n := len([]rune(c.Description)); n < 1 || n > 256 {
			t.Errorf("/%s description has %d characters", c.Command, n)
		}
	}
	if !seen["unsubscribe_alerts"] || seen["帮助"] || seen["h"] {
		t.Errorf("names = %v; want Telegram names of the commands, without aliases", seen)
	}
	for _, tt := range []struct {
		in   string
		want string
		ok   bool
	}{{"help", "help", true}, {"unsubscribe-alerts", "unsubscribe_alerts", true}, {"帮助", "", false}, {"Approve", "approve", true}, {strings.Repeat("x", 33), "", false}} {
		got, ok := telegramName(tt.in)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("telegramName(%q) = %q, %v", tt.in, got, ok)
		}
	}
}
