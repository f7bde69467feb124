package commands_test

import (
	"strings"
	"testing"
)

// TestQuotasListsIssuedQuotas: /quotas lists to operators (who may /reclaim) the quotas issued
// to resellers — not the partner's own — those that can be reclaimed first, each with a button
// that files the reclaim of one; a viewer is refused.
func TestQuotasListsIssuedQuotas(t *testing.T) {
	e := newActEnv(t, nil)
	issued, reclaimable := map[string]bool{}, map[string]bool{}
	for _, q := range e.Srv.Quotas() {
		if q.IndirectPartnerID != "" {
			issued[q.QuotaID] = true
			if q.QuotaStatus == 0 && q.Balance.Sign() > 0 {
				reclaimable[q.QuotaID] = true
			}
		}
	}
	rep, text := e.say("console:alice", "/quotas")
	if rep.Error || rep.Table == nil || len(rep.Table.Rows) != len(issued) {
		t.Fatalf("/quotas lists %d, want the %d issued:\n%s", len(rep.Table.Rows), len(issued), text)
	}
	for i, row := range rep.Table.Rows {
		if !issued[row[0]] {
			t.Errorf("/quotas lists %s, which no reseller was given", row[0])
		}
		if (i < len(reclaimable)) != reclaimable[row[0]] {
			t.Errorf("row %d (%v): the reclaimable ones come first", i, row)
		}
	}
	if len(rep.Buttons) == 0 || !strings.HasPrefix(rep.Buttons[0].Command, "/reclaim ") || !reclaimable[strings.TrimPrefix(rep.Buttons[0].Command, "/reclaim ")] {
		t.Fatalf("buttons %+v", rep.Buttons)
	}
	if viewer, text := e.say("console:victor", "/quotas"); !viewer.Error || viewer.Table != nil {
		t.Errorf("a viewer is shown the quotas /reclaim is for:\n%s", text)
	}
	filed, text := e.say("console:alice", rep.Buttons[0].Command)
	if filed.Error || e.lastRequest().Action != "reclaim" {
		t.Errorf("%s:\n%s", rep.Buttons[0].Command, text)
	}
	e.say("console:alice", "/lang en")
	_, text = e.say("console:alice", "/quotas")
	if !strings.Contains(text, "Coupon quotas issued to tier-2 resellers") || !strings.Contains(text, "4 can be reclaimed") {
		t.Errorf("en:\n%s", text)
	}
}
