package store

import (
	"context"
	"strings"
	"testing"
)

// TestAuditHidesSecrets is issue #20 §5: an access key that BSS echoes in an error message
// reached the audit log verbatim while the logs hid it. The store hides Options.Secrets in every
// entry it writes — commands' entries and those of request transitions alike — including the
// start of one that a shortened detail cut off.
func TestAuditHidesSecrets(t *testing.T) {
	ctx := context.Background()
	const ak, sk, token = "HWAKEXAMPLE0123456789", "HWSKEXAMPLEabcdefghijklmnopqrstuvwxyz0123", "gQpjbi1ub3J0aC00TOKENEXAMPLE"
	clk := &fakeClock{t: t0}
	s := openStore(t, dbPath(t), Options{Now: clk.Now, Secrets: []string{ak, sk, token, "renew"}})
	echo := `bss UpdateCustomerAccountAmount POST /v2/accounts/partner-accounts/adjust-amount: HTTP 400 CBC.0100 "invalid signature Access=` +
		ak + `, SK ` + sk + `, X-Security-Token ` + token + `"`
	mustAppend(t, s, AuditEntry{Platform: "slack", UserID: "U1", Command: "/topup lisi 10 " + ak, Result: "error", Detail: echo, RequestID: "req-" + token})

	// A request whose failure text echoes the key, long enough to be cut inside it.
	a := mustCreate(t, s, request(1))
	if _, err := s.Approve(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.BeginExecution(ctx, a.ID, bob, nil); err != nil {
		t.Fatal(err)
	}
	detail := strings.Repeat("x", maxAuditDetail-len("CBC.0100; ")-6) + ak // cut 6 bytes into the key
	if _, err := s.FinishExecution(ctx, a.ID, ApprovalResult{ErrorCode: "CBC.0100", Detail: detail}, nil); err != nil {
		t.Fatal(err)
	}

	entries, err := s.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, e := range entries {
		for _, f := range []string{e.Platform, e.UserID, e.UserName, e.Channel, e.Command, e.Result, e.Detail, e.RequestID} {
			all.WriteString(f + "\n")
		}
	}
	text := all.String()
	for _, secret := range []string{ak, sk, token, ak[:10], sk[:10], token[:10]} {
		if strings.Contains(text, secret) {
			t.Errorf("the audit log holds %q:\n%s", secret, text)
		}
	}
	for _, want := range []string{`"invalid signature Access=[REDACTED], SK [REDACTED], X-Security-Token [REDACTED]"`, "/topup lisi 10 [REDACTED]",
		"req-[REDACTED]", "xxx[REDACTED]", "finish #1 renew"} { // too short to be a secret
		if !strings.Contains(text, want) {
			t.Errorf("the audit log lacks %q:\n%s", want, text)
		}
	}

	// Without secrets, entries are kept as given.
	plain := newStore(t)
	mustAppend(t, plain, AuditEntry{Platform: "console", UserID: "root", Command: "/help " + ak, Result: "ok"})
	if got, _ := plain.RecentAudit(ctx, 1, AuditFilter{}); len(got) != 1 || got[0].Command != "/help "+ak {
		t.Errorf("without secrets: %+v", got)
	}
}
