package commands_test

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/store"
)

// TestEchoedCredentialsStayHidden is issue #20 §5: BSS echoing the caller's access key (with the
// secret key and security token, which the sandbox's fault quotes too) in an error message put
// it verbatim into the audit log, and into replies. Whatever credentials signed the call — the
// partner's, or a customer's temporary ones for a renewal — neither the reply, the request's
// story and notices, nor the audit log read back from the store holds them.
func TestEchoedCredentialsStayHidden(t *testing.T) {
	// The sandbox's temporary credentials: "TMP" and 17 capitals, a secret of 40 capitals, a token
	// with a fixed head.
	temporary := regexp.MustCompile(`TMP[A-Z]{17}|[A-Z]{40}|gQpjbi1ub3J0aC00`)
	tests := []struct {
		name    string
		path    string
		command func(e *actEnv) string
		action  bool // a request to approve; its failure is the echo
	}{
		{"a read with the partner's key", customersPath, func(*actEnv) string { return "/customer 张三" }, false},
		{"a top-up with the partner's key", allocatePath, func(*actEnv) string { return "/topup 张三 10" }, true},
		{"a renewal with a customer's temporary key", renewPath,
			func(e *actEnv) string { return "/renew " + e.zsResource("zhangsan-web-01").ResourceID + " 1m" }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			e := newActEnv(t, nil)
			var shown []string
			command := tc.command(e)
			if tc.action {
				e.say("console:alice", command)
			}
			e.Srv.Inject("", tc.path, bsstest.Fault{EchoCredentials: true})
			var rep string
			if tc.action {
				got, text := e.approveLast()
				if got.State != store.StateFailed {
					t.Fatalf("the refused call ended %s: %+v", got.State, got.Result)
				}
				_, story := e.say("console:alice", fmt.Sprintf("/request %d", got.ID))
				rep = text
				shown = append(shown, text, story)
				for _, n := range e.notices() {
					shown = append(shown, noticeText(n))
				}
			} else {
				_, rep = e.say("console:alice", command)
				shown = append(shown, rep)
			}
			if !strings.Contains(rep, "[REDACTED]") {
				t.Errorf("the reply does not show BSS's message, hidden:\n%s", rep)
			}
			entries, err := e.Store.RecentAudit(ctx, 100, store.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range entries {
				b, _ := json.Marshal(a)
				shown = append(shown, string(b))
			}
			keys := []string{bsstest.SandboxCredentials.AccessKey, bsstest.SandboxCredentials.SecretKey}
			for _, c := range e.Srv.Calls() {
				if c.Path == tc.path && c.AccessKey != "" {
					keys = append(keys, c.AccessKey) // the key that signed the call
				}
			}
			for _, text := range shown {
				for _, k := range keys {
					if strings.Contains(text, k) {
						t.Errorf("%q is shown:\n%s", k, text)
					}
				}
				if m := temporary.FindString(text); m != "" {
					t.Errorf("temporary credentials %q are shown:\n%s", m, text)
				}
			}
		})
	}
}
