package console_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/internal/langcheck"
	"github.com/partnerbot/partnerbot/lang"
)

// TestHintsInOneLanguage: what the console says itself — the hint for a line that is no
// command, the refusal of a line too long, the end of input beside a service, and the banner
// the bot gives it — is in its user's language (their /lang, else the bot's), one language a
// message: not Chinese and English side by side.
func TestHintsInOneLanguage(t *testing.T) {
	ck := langcheck.New("partnerbot", "console:admin", "admin", "Ctrl-D", "/quit")
	for _, tt := range []struct {
		lang lang.Lang
		want []string
	}{
		{lang.En, []string{"(type a command starting with /, e.g. /help)", "(line too long: at most 65536 bytes)",
			"(end of input: the console is closed; the bot goes on serving the other platforms until it is stopped)",
			"partnerbot console as console:admin — type /help; /quit stops the bot, Ctrl-D leaves the console alone"}},
		{"", []string{"（请输入以 / 开头的命令，例如 /帮助）", "（输入过长，最多 65536 字节）", "（输入结束：控制台已关闭，机器人继续为其他平台服务，直到被停止）",
			"partnerbot 控制台，身份 console:admin — 输入 /帮助 查看命令；/quit 停止机器人，Ctrl-D 只关闭控制台"}},
	} {
		name := string(tt.lang)
		if name == "" {
			name = "zh"
		}
		t.Run(name, func(t *testing.T) {
			var asked []string
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var out lockedBuilder
			c := &console.Console{In: strings.NewReader("hello there\n/" + strings.Repeat("x", 70*1024) + "\n"), Out: &out,
				UserID: "admin", StayAfterEOF: true, Banner: lang.Lang(name).ConsoleBanner("admin", true),
				Lang: func(_ context.Context, user string) lang.Lang { asked = append(asked, user); return tt.lang }}
			done := make(chan error, 1)
			go func() { done <- c.Run(ctx, bot.NewHandler(&fakeHandler{})) }()
			deadline := time.Now().Add(5 * time.Second)
			for !strings.Contains(out.String(), tt.want[2]) && time.Now().Before(deadline) {
				time.Sleep(5 * time.Millisecond)
			}
			cancel()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			text := out.String()
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("no %q in:\n%s", w, text)
				}
			}
			for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
				for _, p := range ck.Problems(name, line) {
					t.Errorf("%s: %s", p, line)
				}
			}
			if len(asked) == 0 || asked[0] != "console:admin" {
				t.Errorf("asked the language of %q, want console:admin", asked)
			}
		})
	}
}

// lockedBuilder is a strings.Builder the console writes to while the test reads it.
type lockedBuilder struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuilder) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuilder) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
