package storetest

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

var operator = store.Actor{Platform: "slack", UserID: "UOPS", UserName: "Ops", Channel: "C1"}

// testLedgerAtomic: CommitAlerts writes the ledger entries and queues the alerts' notices
// together or not at all; deletes come before puts; a notice already queued is not queued
// again while its ledger entry is written.
func testLedgerAtomic(t *testing.T, e *env) {
	ledger := func() map[string]json.RawMessage {
		t.Helper()
		l, err := e.b.LedgerPrefix(e.ctx, "")
		must(t, "LedgerPrefix", err)
		return l
	}
	puts := map[string]json.RawMessage{"exp|slack:C1|r-1": json.RawMessage(`{"days":7}`), "arr|slack:C1|cust-7": json.RawMessage(`{"debt":"100"}`)}
	alert := slackNotice("C1", "alert", "r-1 expires in 7 days")
	alert.DedupeKey = "exp|slack:C1|r-1|7"

	if err := e.b.CommitAlerts(e.ctx, puts, nil, []store.Notice{alert, {Kind: "nowhere"}}); err == nil {
		t.Fatal("CommitAlerts with an undeliverable notice succeeded")
	}
	if l := ledger(); len(l) != 0 || e.outbox(t) != 0 {
		t.Fatalf("a failed commit left %d ledger entries and %d notices", len(l), e.outbox(t))
	}
	if err := e.b.CommitAlerts(e.ctx, map[string]json.RawMessage{"k": json.RawMessage(`{not json`)}, nil, []store.Notice{alert}); err == nil {
		t.Error("CommitAlerts accepted a value that is not JSON")
	}
	if err := e.b.CommitAlerts(e.ctx, map[string]json.RawMessage{"": json.RawMessage(`1`)}, nil, nil); err == nil {
		t.Error("CommitAlerts accepted an empty key")
	}

	must(t, "CommitAlerts", e.b.CommitAlerts(e.ctx, puts, nil, []store.Notice{alert}))
	if l := ledger(); !maps.EqualFunc(l, puts, func(a, b json.RawMessage) bool { return string(a) == string(b) }) {
		t.Errorf("ledger %s, want %s", l, puts)
	}
	if due := e.due(t); len(due) != 1 || due[0].DedupeKey != alert.DedupeKey {
		t.Errorf("due %+v, want the alert", due)
	}
	if l, err := e.b.LedgerPrefix(e.ctx, "exp|"); err != nil || len(l) != 1 || l["exp|slack:C1|r-1"] == nil {
		t.Errorf("LedgerPrefix(exp|) = %s, %v", l, err)
	}

	// The same alert again (a rescan): the entry is rewritten, the queued notice not doubled.
	again := map[string]json.RawMessage{"exp|slack:C1|r-1": json.RawMessage(`{"days":7,"again":true}`)}
	must(t, "CommitAlerts again", e.b.CommitAlerts(e.ctx, again, []string{"exp|slack:C1|r-1", "arr|slack:C1|cust-7", "missing"}, []store.Notice{alert}))
	l := ledger()
	if len(l) != 1 || string(l["exp|slack:C1|r-1"]) != `{"days":7,"again":true}` {
		t.Errorf("after delete-then-put: %s", l)
	}
	if n := e.outbox(t); n != 1 {
		t.Errorf("%d notices queued, want the one", n)
	}
	must(t, "CommitAlerts(nothing)", e.b.CommitAlerts(e.ctx, nil, nil, nil))
}

// testSubscriptions: add (days sorted, duplicates refused), list per channel and all, remove
// only from its own channel, configured ones replaced as a whole and refused to users; every
// change one audit entry.
func testSubscriptions(t *testing.T, e *env) {
	sub := store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry", Scope: "label:vip", Days: []int{1, 30, 7, 7}, CreatedBy: operator}
	got, err := e.b.AddSubscription(e.ctx, sub)
	must(t, "AddSubscription", err)
	if got.ID == 0 || !slices.Equal(got.Days, []int{30, 7, 1}) || !got.CreatedAt.Equal(e.now()) || got.FromConfig {
		t.Errorf("added %+v", got)
	}
	_, err = e.b.AddSubscription(e.ctx, sub)
	wantErr(t, "the same subscription again", err, store.ErrDuplicate)
	for _, bad := range []store.Subscription{
		{Platform: "slack", Channel: "C1", Kind: "weather", Scope: "*"},
		{Platform: "slack", Channel: "C1", Kind: "all", Scope: ""},
		{Platform: "", Channel: "C1", Kind: "all", Scope: "*"},
	} {
		if _, err := e.b.AddSubscription(e.ctx, bad); err == nil {
			t.Errorf("AddSubscription accepted %+v", bad)
		}
	}
	other, err := e.b.AddSubscription(e.ctx, store.Subscription{Platform: "telegram", Channel: "-100", Kind: "arrears", Scope: "*", CreatedBy: operator})
	must(t, "AddSubscription(telegram)", err)

	list := func(platform, channel string) []uint64 {
		t.Helper()
		subs, err := e.b.Subscriptions(e.ctx, platform, channel)
		must(t, "Subscriptions", err)
		var out []uint64
		for _, s := range subs {
			out = append(out, s.ID)
		}
		return out
	}
	if l := list("slack", "C1"); !slices.Equal(l, []uint64{got.ID}) {
		t.Errorf("slack:C1 has %v", l)
	}
	if l := list("", ""); !slices.Equal(l, []uint64{got.ID, other.ID}) {
		t.Errorf("all channels have %v", l)
	}
	if l := list("slack", ""); len(l) != 0 {
		t.Errorf("one of platform and channel empty listed %v", l)
	}

	_, err = e.b.RemoveSubscription(e.ctx, got.ID, "telegram", "-100", operator)
	wantErr(t, "removing another channel's subscription", err, store.ErrNotFound)
	audits := len(e.audit(t))
	must(t, "SyncConfigSubscriptions", e.b.SyncConfigSubscriptions(e.ctx, []store.Subscription{
		{Platform: "slack", Channel: "C1", Kind: "all", Scope: "*"},
	}))
	cfg := list("slack", "C1")
	if len(cfg) != 2 {
		t.Fatalf("slack:C1 after the sync: %v", cfg)
	}
	_, err = e.b.RemoveSubscription(e.ctx, cfg[1], "slack", "C1", operator)
	wantErr(t, "removing a configured subscription", err, store.ErrFromConfig)
	must(t, "SyncConfigSubscriptions (unchanged)", e.b.SyncConfigSubscriptions(e.ctx, []store.Subscription{
		{Platform: "slack", Channel: "C1", Kind: "all", Scope: "*"},
	}))
	if l := list("slack", "C1"); !slices.Equal(l, cfg) {
		t.Errorf("an unchanged sync changed the ids: %v, were %v", l, cfg)
	}
	if n := len(e.audit(t)); n != audits+1 {
		t.Errorf("two syncs, one of them a change, wrote %d audit entries, want 1", n-audits)
	}
	removed, err := e.b.RemoveSubscription(e.ctx, got.ID, "slack", "C1", operator)
	if err != nil || removed.Scope != "label:vip" {
		t.Errorf("RemoveSubscription = %+v, %v", removed, err)
	}
	es := e.audit(t)
	if !strings.HasPrefix(es[0].Command, "unsubscribe #") || es[0].UserID != operator.UserID || es[0].Result != "ok" {
		t.Errorf("the removal's audit entry %+v", es[0])
	}
	must(t, "SyncConfigSubscriptions(none)", e.b.SyncConfigSubscriptions(e.ctx, nil))
	if l := list("", ""); !slices.Equal(l, []uint64{other.ID}) {
		t.Errorf("after removing everything in slack:C1: %v", l)
	}
}

// testSnoozes: a snooze replaces the one of the same target, lists while active, and is gone
// once its time ran out; unsnoozing reports whether one was active; each change one audit entry.
func testSnoozes(t *testing.T, e *env) {
	sn := store.Snooze{Platform: "slack", Channel: "C1", Target: "r-42", Until: e.now().Add(3 * 24 * time.Hour), By: operator}
	must(t, "Snooze", e.b.Snooze(e.ctx, sn))
	sn.Until = e.now().Add(time.Hour)
	must(t, "Snooze (replacing)", e.b.Snooze(e.ctx, sn))
	must(t, "Snooze(cust-7)", e.b.Snooze(e.ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: "cust-7", Until: e.now().Add(2 * time.Hour), By: operator}))
	must(t, "Snooze(other channel)", e.b.Snooze(e.ctx, store.Snooze{Platform: "wecom", Channel: "room", Target: "r-42", Until: e.now().Add(time.Hour), By: operator}))
	if err := e.b.Snooze(e.ctx, store.Snooze{Platform: "slack", Channel: "C1", Target: "r-1", Until: e.now(), By: operator}); err == nil {
		t.Error("a snooze until now was accepted")
	}
	list := func(platform, channel string) []string {
		t.Helper()
		ss, err := e.b.Snoozes(e.ctx, platform, channel)
		must(t, "Snoozes", err)
		var out []string
		for _, s := range ss {
			out = append(out, s.Platform+":"+s.Channel+"/"+s.Target+"@"+s.Until.Sub(Epoch).String())
		}
		return out
	}
	if l := list("slack", "C1"); !slices.Equal(l, []string{"slack:C1/cust-7@2h0m0s", "slack:C1/r-42@1h0m0s"}) {
		t.Errorf("slack:C1 snoozes %v", l)
	}
	if l := list("", ""); len(l) != 3 {
		t.Errorf("every channel's snoozes %v", l)
	}
	audits := len(e.audit(t))
	if audits != 4 {
		t.Errorf("%d audit entries for 4 snoozes", audits)
	}

	e.clk.Advance(time.Hour)
	if l := list("slack", "C1"); !slices.Equal(l, []string{"slack:C1/cust-7@2h0m0s"}) {
		t.Errorf("after an hour: %v", l)
	}
	active, err := e.b.Unsnooze(e.ctx, "wecom", "room", "r-42", operator)
	if err != nil || active {
		t.Errorf("unsnoozing an expired snooze: %t, %v", active, err)
	}
	active, err = e.b.Unsnooze(e.ctx, "slack", "C1", "cust-7", operator)
	if err != nil || !active {
		t.Errorf("unsnoozing an active snooze: %t, %v", active, err)
	}
	if n := len(e.audit(t)); n != audits+1 {
		t.Errorf("the two unsnoozes wrote %d audit entries, want 1 (the active one)", n-audits)
	}
	if l := list("", ""); len(l) != 0 {
		t.Errorf("left %v", l)
	}
}

// testQuietHours: set (normalized to HH:MM), read, replaced, cleared; clearing none writes
// nothing; bad windows refused.
func testQuietHours(t *testing.T, e *env) {
	if q, err := e.b.QuietHours(e.ctx, "slack", "C1"); q != nil || err != nil {
		t.Errorf("before any: %+v, %v", q, err)
	}
	must(t, "SetQuietHours", e.b.SetQuietHours(e.ctx, "slack", "C1", &store.QuietHours{Start: "22:00", End: "8:00"}, operator))
	if q, err := e.b.QuietHours(e.ctx, "slack", "C1"); err != nil || q == nil || *q != (store.QuietHours{Start: "22:00", End: "08:00"}) {
		t.Errorf("QuietHours = %+v, %v", q, err)
	}
	if q, _ := e.b.QuietHours(e.ctx, "slack", "C2"); q != nil {
		t.Errorf("another channel has %+v", q)
	}
	for _, bad := range []store.QuietHours{{Start: "25:00", End: "08:00"}, {Start: "08:00", End: "08:00"}, {}} {
		if err := e.b.SetQuietHours(e.ctx, "slack", "C1", &bad, operator); err == nil {
			t.Errorf("SetQuietHours accepted %+v", bad)
		}
	}
	must(t, "SetQuietHours(off)", e.b.SetQuietHours(e.ctx, "slack", "C1", nil, operator))
	must(t, "SetQuietHours(off again)", e.b.SetQuietHours(e.ctx, "slack", "C1", nil, operator))
	if q, _ := e.b.QuietHours(e.ctx, "slack", "C1"); q != nil {
		t.Errorf("after clearing: %+v", q)
	}
	var cmds []string
	for _, en := range e.audit(t) {
		cmds = append(cmds, en.Command)
	}
	if !slices.Equal(cmds, []string{"quiet off", "quiet 22:00-08:00"}) {
		t.Errorf("audit %q", cmds)
	}
}

// testAlertCommitRace: scans committing the same alert at once (two replicas, or a manual
// /scan beside the scheduled one) queue its notice once.
func testAlertCommitRace(t *testing.T, e *env) {
	alert := slackNotice("C1", "alert", "r-1 expires in 7 days")
	alert.DedupeKey = "exp|slack:C1|r-1|7"
	puts := map[string]json.RawMessage{"exp|slack:C1|r-1": json.RawMessage(`{"days":7}`)}
	if won := race(t, 10, nil, func(int) error {
		return e.b.CommitAlerts(e.ctx, puts, nil, []store.Notice{alert})
	}); won != 10 {
		t.Errorf("%d of 10 commits succeeded", won)
	}
	if n := e.outbox(t); n != 1 {
		t.Errorf("%d notices queued by 10 equal commits, want 1", n)
	}
}
