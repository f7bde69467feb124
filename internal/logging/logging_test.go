package logging

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const secret = "SK-0123456789abcdef"

type stringer struct{}

func (stringer) String() string { return "token " + secret }

type holder struct{ Key string }

func TestHandlerHidesSecrets(t *testing.T) {
	tests := []struct {
		name string
		log  func(l *slog.Logger)
	}{
		{"message", func(l *slog.Logger) { l.Info("signing with " + secret) }},
		{"string attribute", func(l *slog.Logger) { l.Info("x", "sk", secret) }},
		{"error attribute", func(l *slog.Logger) {
			l.Warn("x", "error", fmt.Errorf("dial https://api/bot%s/getMe: refused", secret))
		}},
		{"stringer", func(l *slog.Logger) { l.Info("x", "v", stringer{}) }},
		{"struct", func(l *slog.Logger) { l.Info("x", "v", holder{Key: secret}) }},
		{"group", func(l *slog.Logger) { l.Info("x", slog.Group("creds", "sk", secret)) }},
		{"With", func(l *slog.Logger) { l.With("sk", secret).Info("x") }},
		{"WithGroup", func(l *slog.Logger) { l.WithGroup("g").Info("x", "sk", secret) }},
		{"debug", func(l *slog.Logger) { l.Debug("x", "sk", secret) }},
		{"key", func(l *slog.Logger) { l.Info("x", secret, 1) }},
	}
	for _, format := range []string{"text", "json"} {
		for _, tc := range tests {
			t.Run(format+"/"+tc.name, func(t *testing.T) {
				var buf bytes.Buffer
				opts := &slog.HandlerOptions{Level: slog.LevelDebug}
				var h slog.Handler = slog.NewTextHandler(&buf, opts)
				if format == "json" {
					h = slog.NewJSONHandler(&buf, opts)
				}
				tc.log(slog.New(Handler(h, []string{secret, "short"})))
				out := buf.String()
				if strings.Contains(out, secret) || !strings.Contains(out, Redacted) {
					t.Errorf("secret shown or not marked:\n%s", out)
				}
			})
		}
	}
}

// TestHandlerKeepsValues: what holds no secret is passed on as it was (an error stays an
// error, numbers stay numbers), and values shorter than a secret can be are not hidden.
func TestHandlerKeepsValues(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewJSONHandler(&buf, nil), []string{secret, "tok"}))
	l.Info("token refreshed", "n", 3, "error", errors.New("plain"), "word", "tok")
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["msg"] != "token refreshed" || rec["n"] != float64(3) || rec["error"] != "plain" || rec["word"] != "tok" {
		t.Errorf("record changed: %v", rec)
	}
}

func TestRequestID(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(Handler(slog.NewJSONHandler(&buf, nil), nil))
	ctx, id := EnsureRequestID(context.Background())
	if len(id) != 16 || RequestID(ctx) != id {
		t.Fatalf("id %q, in context %q", id, RequestID(ctx))
	}
	if again, id2 := EnsureRequestID(ctx); id2 != id || RequestID(again) != id {
		t.Errorf("EnsureRequestID replaced an existing id: %q → %q", id, id2)
	}
	if _, other := EnsureRequestID(context.Background()); other == id {
		t.Errorf("two requests got the same id %q", id)
	}
	l.InfoContext(ctx, "with")
	l.Info("without")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"rid":"`+id+`"`) || strings.Contains(lines[1], `"rid"`) {
		t.Errorf("records:\n%s", buf.String())
	}
}

func TestSecretsFromEnv(t *testing.T) {
	got := SecretsFromEnv([]string{
		"HUAWEICLOUD_SDK_AK=AKAKAKAKAKAK", "HUAWEICLOUD_SDK_SK=" + secret,
		"SLACK_BOT_TOKEN=xoxb-1-2-3", "TELEGRAM_BOT_TOKEN=1:AA", "WECOM_CORP_SECRET=corp",
		"WECOM_ROBOT_KEY_OPS=https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-123",
		"PARTNERBOT_ETCD_PASSWORD=etcd-pw", "PARTNERBOT_CONFIG=/etc/partnerbot/config.yaml",
		"PATH=/usr/bin", "HOME=/root", "SLACK_EMPTY=",
	})
	want := []string{"AKAKAKAKAKAK", secret, "xoxb-1-2-3", "1:AA", "corp",
		"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=robot-key-123", "robot-key-123", "etcd-pw"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("SecretsFromEnv = %q, want %q", got, want)
	}
}
