package commands_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/store"
)

// TestOneAuditRowPerAction: filing a request and approving it (which runs it) are two actions,
// so two rows of the audit log; each names the command as typed and holds the request
// transitions it made, with the BSS request id once.
func TestOneAuditRowPerAction(t *testing.T) {
	e := newActEnv(t, nil)
	web := e.zsResource("zhangsan-web-01")
	if rep, text := e.say("console:alice", "/renew "+web.ResourceID); rep.Error {
		t.Fatalf("request refused:\n%s", text)
	}
	a := e.lastRequest()
	if rep, text := e.say("console:bob", fmt.Sprintf("/approve %d", a.ID)); rep.Error {
		t.Fatalf("approval failed:\n%s", text)
	}
	es, err := e.Store.RecentAudit(context.Background(), 100, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 {
		var b strings.Builder
		for _, x := range es {
			fmt.Fprintf(&b, "\n  %s:%s %q %s %q", x.Platform, x.UserID, x.Command, x.Result, x.Detail)
		}
		t.Fatalf("%d audit rows for two actions, want 2:%s", len(es), b.String())
	}
	approve, file := es[0], es[1]
	if file.UserID != "alice" || !strings.HasPrefix(file.Command, "/renew ") || file.Result != "ok" ||
		!strings.Contains(file.Detail, fmt.Sprintf("request #%d renew → pending", a.ID)) {
		t.Errorf("the filing's row: %+v", file)
	}
	for _, step := range []string{"approve #%d renew → approved", "execute #%d renew → executing", "finish #%d renew → succeeded"} {
		if !strings.Contains(approve.Detail, fmt.Sprintf(step, a.ID)) {
			t.Errorf("the approval's row lacks %q: %+v", fmt.Sprintf(step, a.ID), approve)
		}
	}
	if approve.UserID != "bob" || approve.Command != fmt.Sprintf("/approve %d", a.ID) || approve.Result != "ok" || approve.Duration < 0 {
		t.Errorf("the approval's row: %+v", approve)
	}
	if ids := strings.Split(approve.RequestID, ","); len(ids) != len(uniq(ids)) {
		t.Errorf("the approval's BSS request ids %q: want each once", approve.RequestID)
	}
	// Times inside the row carry the same offset as the row's own time, not UTC beside it.
	if off := e.Clock.Now().Format("-07:00"); !strings.Contains(file.Detail, off) || strings.Contains(file.Detail, ":00Z") {
		t.Errorf("the filing's row names its times in another zone than %s: %q", off, file.Detail)
	}
	if !file.At.Equal(e.Clock.Now()) {
		t.Errorf("the filing's row is at %v, want the command's time %v", file.At, e.Clock.Now())
	}
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
