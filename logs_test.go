package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

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
