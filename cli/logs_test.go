package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/config"
)

// TestLogsEscapeHostileCharacters: the JSON logs carried U+202E, U+2066 and U+009B raw from
// BSS (issue #20). The bot's logger, in either format, writes them as \uXXXX escapes; JSON stays
// valid and decodes to the same text, and CJK text stays readable.
func TestLogsEscapeHostileCharacters(t *testing.T) {
	name := "张三\u202e\u2066\u009b\u007fLumen"
	for _, format := range []string{"text", "json"} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			log := newLogger(config.Log{Level: "info", Format: format}, &buf)
			log.Warn("renew "+name, "customer", name, "error", errors.New("CBC.0100: "+name))
			out := buf.String()
			for _, r := range []rune{'\u202e', '\u2066', '\u009b', '\u007f'} {
				if strings.ContainsRune(out, r) {
					t.Errorf("%U written raw:\n%q", r, out)
				}
			}
			if !strings.Contains(out, "张三") || !strings.Contains(out, `\u202e`) {
				t.Errorf("want 张三 as it is and U+202E as \\u202e:\n%s", out)
			}
			if format != "json" {
				return
			}
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			if rec["customer"] != name || rec["msg"] != "renew "+name {
				t.Errorf("record decodes to %v", rec)
			}
		})
	}
}

// TestLogTimesNameTheBotsZone: log times are RFC 3339 with the offset of bot.timezone, the
// zone replies name, in both formats; time attributes too.
func TestLogTimesNameTheBotsZone(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 12, 8, 22, 0, 0, 0, time.UTC)
	for _, format := range []string{"text", "json"} {
		var buf bytes.Buffer
		log := newLoggerIn(config.Log{Level: "info", Format: format}, loc, &buf)
		log.Info("notice waits", "until", at)
		out := buf.String()
		stamps := regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`).FindAllString(out, -1)
		if len(stamps) != 2 {
			t.Fatalf("%s: %d RFC 3339 times in %q, want the record's and the attribute's", format, len(stamps), out)
		}
		for _, s := range stamps {
			if !strings.HasSuffix(s, "+08:00") {
				t.Errorf("%s: time %s is not in the bot's zone (+08:00):\n%s", format, s, out)
			}
		}
		if !strings.Contains(out, "2026-12-09T06:00:00") {
			t.Errorf("%s: the attribute is not the same instant in +08:00:\n%s", format, out)
		}
	}
}
