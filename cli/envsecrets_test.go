package cli

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// TestAuditHidesTheEnvironmentsSecrets: the running bot's store hides the secrets the logs hide
// (the partner's AK/SK, the platforms' tokens) in every audit entry it writes.
func TestAuditHidesTheEnvironmentsSecrets(t *testing.T) {
	const token = "xoxb-111111111-222222222-AuditSecretValue"
	t.Setenv("SLACK_BOT_TOKEN", token)
	ctx := context.Background()
	a, err := newApp(ctx, writeConfig(t), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	defer a.stop()
	if _, err := a.store.AppendAudit(ctx, store.AuditEntry{Platform: "console", UserID: "root", Command: "/help",
		Result: "error", Detail: "BSS said: bad token " + token}); err != nil {
		t.Fatal(err)
	}
	got, err := a.store.RecentAudit(ctx, 1, store.AuditFilter{})
	if err != nil || len(got) != 1 || strings.Contains(got[0].Detail, token) || got[0].Detail != "BSS said: bad token [REDACTED]" {
		t.Errorf("audit entry %+v, %v", got, err)
	}
}
