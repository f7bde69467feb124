package alerts_test

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
)

// TestDigestNamesItsZone: every part of an expiry digest, which shows expiry times, names
// their zone once.
func TestDigestNamesItsZone(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.MaxChars = map[string]int{"slack": 1500} })
	e.subscribe("slack:C1", "expiry", "*", 30)
	e.scan(alerts.KindExpiry)
	queued := e.queued()
	if len(queued) < 2 {
		t.Fatalf("%d notices; want a digest in several parts", len(queued))
	}
	for _, n := range queued {
		if text := renderNotice(t, n); strings.Count(text, "时间为北京时间 (UTC+8)") != 1 {
			t.Errorf("digest part %s does not name its zone once:\n%s", n.DedupeKey, text)
		}
	}
}
