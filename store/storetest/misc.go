package storetest

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testButtons: tokens are new and of ButtonTokenLen; a button reads back as saved (Decides
// kept) until its ttl, then with ErrButtonExpired, and is forgotten (ErrNotFound) once
// ButtonGrace has passed and later buttons were saved.
func testButtons(t *testing.T, e *env) {
	bs := []store.Button{
		{Platform: "telegram", Command: "/approve 12", Label: "Approve", Decides: true},
		{Platform: "telegram", Command: "/renew ecs-1 1m --customer cust-7", Label: "Renew"},
	}
	toks, err := e.b.SaveButtons(e.ctx, bs, time.Hour)
	must(t, "SaveButtons", err)
	if len(toks) != 2 || toks[0] == toks[1] || len(toks[0]) != store.ButtonTokenLen || len(toks[1]) != store.ButtonTokenLen {
		t.Fatalf("tokens %q", toks)
	}
	for i, tok := range toks {
		b, err := e.b.Button(e.ctx, tok)
		if err != nil || b.Token != tok || b.Command != bs[i].Command || b.Label != bs[i].Label || b.Decides != bs[i].Decides ||
			!b.CreatedAt.Equal(e.now()) || !b.ExpiresAt.Equal(e.now().Add(time.Hour)) {
			t.Errorf("Button(%s) = %+v, %v; want %+v", tok, b, err, bs[i])
		}
	}
	for _, bad := range []string{"", "short", strings.Repeat("A", store.ButtonTokenLen), strings.Repeat("A", 200)} {
		_, err := e.b.Button(e.ctx, bad)
		wantErr(t, fmt.Sprintf("Button(%q)", bad), err, store.ErrNotFound)
	}
	if _, err := e.b.SaveButtons(e.ctx, []store.Button{{Platform: "telegram"}}, time.Hour); err == nil {
		t.Error("a button without a command was saved")
	}
	if _, err := e.b.SaveButtons(e.ctx, bs, 0); err == nil {
		t.Error("buttons with no time to live were saved")
	}

	e.clk.Advance(time.Hour)
	b, err := e.b.Button(e.ctx, toks[0])
	wantErr(t, "an expired button", err, store.ErrButtonExpired)
	if b.Command != "/approve 12" || !b.Decides {
		t.Errorf("an expired button came back as %+v, want what it did", b)
	}
	e.clk.Advance(store.ButtonGrace + time.Minute)
	if _, err := e.b.SaveButtons(e.ctx, bs[:1], time.Hour); err != nil {
		t.Fatal(err)
	}
	_, err = e.b.Button(e.ctx, toks[0])
	wantErr(t, "a button long expired", err, store.ErrNotFound)
}

// testInbound: the first delivery of an id is reported first, a repeat (also within one call,
// and whatever the other platforms) not, until its time to live has run out; a repeat gets no
// more time.
func testInbound(t *testing.T, e *env) {
	first := func(platform string, ttl time.Duration, ids ...string) []bool {
		t.Helper()
		got, err := e.b.FirstDeliveries(e.ctx, platform, ids, ttl)
		must(t, "FirstDeliveries", err)
		return got
	}
	long := strings.Repeat("x", 300) // kept by its hash
	if got := first("telegram", time.Hour, "1001", "1002", "1001", long); !slices.Equal(got, []bool{true, true, false, true}) {
		t.Errorf("first call %v", got)
	}
	if got := first("slack", time.Hour, "1001"); !slices.Equal(got, []bool{true}) {
		t.Errorf("the same id on another platform: %v", got)
	}
	e.clk.Advance(30 * time.Minute)
	if got := first("telegram", time.Hour, "1001", "1003", long); !slices.Equal(got, []bool{false, true, false}) {
		t.Errorf("half an hour later %v", got)
	}
	e.clk.Advance(30 * time.Minute)
	if got := first("telegram", time.Hour, "1001", "1003"); !slices.Equal(got, []bool{true, false}) {
		t.Errorf("an hour after the first: %v, want 1001 new again (a repeat gets no more time)", got)
	}
	if got := first("telegram", time.Hour); len(got) != 0 {
		t.Errorf("no ids: %v", got)
	}
	for _, bad := range []struct {
		platform string
		ids      []string
		ttl      time.Duration
	}{{"", []string{"1"}, time.Hour}, {"telegram", []string{""}, time.Hour}, {"telegram", []string{"1"}, 0}, {"a\x00b", []string{"1"}, time.Hour}} {
		if _, err := e.b.FirstDeliveries(e.ctx, bad.platform, bad.ids, bad.ttl); err == nil {
			t.Errorf("FirstDeliveries accepted %+v", bad)
		}
	}
}

// testInboundConcurrent: webhook retries of one event arriving at once run once.
func testInboundConcurrent(t *testing.T, e *env) {
	for round := range 5 {
		id := fmt.Sprintf("Ev%03d", round)
		won := race(t, 12, errRepeat, func(int) error {
			got, err := e.b.FirstDeliveries(e.ctx, "slack", []string{id}, time.Hour)
			if err != nil {
				return err
			}
			if !got[0] {
				return errRepeat
			}
			return nil
		})
		if won != 1 {
			t.Errorf("event %s delivered 12 times at once was taken %d times, want 1", id, won)
		}
	}
}

// errRepeat marks a delivery reported as a repeat.
var errRepeat = fmt.Errorf("a repeat")

// testPrefs: a person's and a channel's preferences round trip, zero deletes; a notice's
// language is the channel's, else the person's; a remembered name keeps the other preferences.
func testPrefs(t *testing.T, e *env) {
	if p, err := e.b.Prefs(e.ctx, "slack:U1"); err != nil || p != (store.Prefs{}) {
		t.Errorf("before any: %+v, %v", p, err)
	}
	must(t, "SetPrefs", e.b.SetPrefs(e.ctx, "slack:U1", store.Prefs{Lang: "en", TimeZone: "Europe/Paris"}))
	must(t, "SetChannelPrefs", e.b.SetChannelPrefs(e.ctx, "slack", "C1", store.Prefs{Lang: "zh"}))
	if p, _ := e.b.Prefs(e.ctx, "slack:U1"); p != (store.Prefs{Lang: "en", TimeZone: "Europe/Paris"}) {
		t.Errorf("Prefs = %+v", p)
	}
	if p, _ := e.b.ChannelPrefs(e.ctx, "slack", "C1"); p.Lang != "zh" {
		t.Errorf("ChannelPrefs = %+v", p)
	}
	if p, _ := e.b.Prefs(e.ctx, "telegram:U1"); p != (store.Prefs{}) {
		t.Errorf("another platform's U1 has %+v", p)
	}
	for _, c := range []struct {
		channel, user, want string
	}{{"C1", "U1", "zh"}, {"C2", "U1", "en"}, {"", "U1", "en"}, {"C2", "U2", ""}, {"", "", ""}} {
		if got, err := e.b.NoticeLang(e.ctx, "slack", c.channel, c.user); err != nil || got != c.want {
			t.Errorf("NoticeLang(slack, %q, %q) = %q, %v; want %q", c.channel, c.user, got, err, c.want)
		}
	}
	must(t, "RememberName", e.b.RememberName(e.ctx, "slack:U1", "  Alice Li (@alice)  "))
	must(t, "RememberName", e.b.RememberName(e.ctx, "wecom:zhangsan", "张三"))
	must(t, "RememberName(empty)", e.b.RememberName(e.ctx, "wecom:lisi", " "))
	if p, _ := e.b.Prefs(e.ctx, "slack:U1"); p != (store.Prefs{Lang: "en", TimeZone: "Europe/Paris", Name: "Alice Li (@alice)"}) {
		t.Errorf("after RememberName: %+v", p)
	}
	names, err := e.b.Names(e.ctx)
	must(t, "Names", err)
	if want := map[string]string{"slack:U1": "Alice Li (@alice)", "wecom:zhangsan": "张三"}; !maps.Equal(names, want) {
		t.Errorf("Names = %v, want %v", names, want)
	}
	must(t, "SetPrefs(zero)", e.b.SetPrefs(e.ctx, "slack:U1", store.Prefs{}))
	if p, _ := e.b.Prefs(e.ctx, "slack:U1"); p != (store.Prefs{}) {
		t.Errorf("after setting zero prefs: %+v", p)
	}
	for _, bad := range []string{"", "slack", ":U1", "slack:"} {
		if err := e.b.SetPrefs(e.ctx, bad, store.Prefs{Lang: "en"}); err == nil {
			t.Errorf("SetPrefs(%q) accepted", bad)
		}
	}
	if _, err := e.b.ChannelPrefs(e.ctx, "slack", ""); err == nil {
		t.Error("ChannelPrefs without a channel accepted")
	}
}

// testOwners: remembered owners read back, replaced by a later listing; unknown ones are not ok.
func testOwners(t *testing.T, e *env) {
	must(t, "RememberOwners", e.b.RememberOwners(e.ctx, map[string]string{"ecs-1": "cust-7", "evs-1": "cust-7"}))
	must(t, "RememberOwners", e.b.RememberOwners(e.ctx, map[string]string{"evs-1": "cust-8"}))
	for res, want := range map[string]string{"ecs-1": "cust-7", "evs-1": "cust-8", "nope": "", "": ""} {
		got, ok, err := e.b.Owner(e.ctx, res)
		if err != nil || got != want || ok != (want != "") {
			t.Errorf("Owner(%q) = %q, %t, %v; want %q", res, got, ok, err, want)
		}
	}
	if err := e.b.RememberOwners(e.ctx, map[string]string{"ecs-2": ""}); err == nil {
		t.Error("an owner without a customer was accepted")
	}
}

// testAudit: entries get growing ids and now for a zero time; RecentAudit is newest first,
// filtered, limited.
func testAudit(t *testing.T, e *env) {
	var last uint64
	for i, en := range []store.AuditEntry{
		{Platform: "slack", UserID: "U1", Command: "/balance", Result: "ok"},
		{Platform: "telegram", UserID: "42", Command: "/renew", Result: "denied"},
		{Platform: "slack", UserID: "U1", Command: "/expiring", Result: "error", Detail: "BSS timeout", At: Epoch.Add(-time.Hour)},
	} {
		id, err := e.b.AppendAudit(e.ctx, en)
		must(t, "AppendAudit", err)
		if id <= last {
			t.Errorf("entry %d got id %d after %d", i, id, last)
		}
		last = id
	}
	all := e.audit(t)
	if len(all) != 3 || all[0].Command != "/expiring" || !all[0].At.Equal(Epoch.Add(-time.Hour)) || !all[1].At.Equal(e.now()) {
		t.Errorf("RecentAudit = %+v", all)
	}
	for _, c := range []struct {
		f    store.AuditFilter
		want []string
	}{
		{store.AuditFilter{Platform: "slack"}, []string{"/expiring", "/balance"}},
		{store.AuditFilter{UserID: "42"}, []string{"/renew"}},
		{store.AuditFilter{Result: "error"}, []string{"/expiring"}},
		{store.AuditFilter{Since: Epoch}, []string{"/renew", "/balance"}},
	} {
		es, err := e.b.RecentAudit(e.ctx, 0, c.f)
		must(t, "RecentAudit", err)
		var got []string
		for _, en := range es {
			got = append(got, en.Command)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("RecentAudit(%+v) = %v, want %v", c.f, got, c.want)
		}
	}
	if es, _ := e.b.RecentAudit(e.ctx, 1, store.AuditFilter{}); len(es) != 1 || es[0].ID != last {
		t.Errorf("RecentAudit(1) = %+v", es)
	}
}

// testCancelled: a cancelled context is refused before anything is written.
func testCancelled(t *testing.T, e *env) {
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	checks := map[string]error{
		"AppendAudit":    func() error { _, err := e.b.AppendAudit(ctx, store.AuditEntry{Command: "x"}); return err }(),
		"CreateApproval": func() error { _, err := e.b.CreateApproval(ctx, e.request(1, "r-1"), nil); return err }(),
		"EnqueueNotices": e.b.EnqueueNotices(ctx, slackNotice("C1", "alert", "x")),
		"CommitAlerts":   e.b.CommitAlerts(ctx, nil, nil, []store.Notice{slackNotice("C1", "alert", "x")}),
		"SaveButtons": func() error {
			_, err := e.b.SaveButtons(ctx, []store.Button{{Platform: "telegram", Command: "/help"}}, time.Hour)
			return err
		}(),
		"CommitExpiryIndex": e.b.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Retry: []string{"c"}}),
		"Ping":              e.b.Ping(ctx),
	}
	for name, err := range checks {
		wantErr(t, name+" with a cancelled context", err, context.Canceled)
	}
	if len(e.audit(t)) != 0 || e.outbox(t) != 0 {
		t.Error("a cancelled call wrote something")
	}
	if l, _ := e.b.ListApprovals(e.ctx, store.ApprovalFilter{}); len(l) != 0 {
		t.Errorf("a cancelled create filed %+v", l)
	}
	if sums, _ := e.b.ExpiryCustomers(e.ctx); len(sums) != 0 {
		t.Errorf("a cancelled index commit wrote %+v", sums)
	}
	must(t, "Ping", e.b.Ping(e.ctx))
}

// testPrune: audit entries older than the retention, the records of notices delivered longer
// ago than the notice retention and inbound ids past their time are removed, and counted.
func testPrune(t *testing.T, e *env) {
	for _, at := range []time.Time{Epoch.Add(-48 * time.Hour), Epoch.Add(-47 * time.Hour), Epoch} {
		if _, err := e.b.AppendAudit(e.ctx, store.AuditEntry{At: at, Platform: "slack", UserID: "U1", Command: "/balance", Result: "ok"}); err != nil {
			t.Fatal(err)
		}
	}
	n := slackNotice("C1", "alert", "x")
	n.DedupeKey = "k"
	e.enqueue(t, n)
	must(t, "AckNotice", e.b.AckNotice(e.ctx, e.due(t)[0].ID))
	if _, err := e.b.FirstDeliveries(e.ctx, "telegram", []string{"1", "2"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	res, err := e.b.Prune(e.ctx, store.Retention{Audit: 24 * time.Hour})
	if err != nil || res != (store.PruneResult{Audit: 2}) {
		t.Errorf("Prune at once = %+v, %v; want the two old audit entries", res, err)
	}
	e.clk.Advance(store.NoticeDedupeWindow + time.Minute)
	res, err = e.b.Prune(e.ctx, store.Retention{})
	if err != nil || res != (store.PruneResult{Delivered: 1, Inbound: 2}) {
		t.Errorf("Prune after the windows = %+v, %v; want 1 delivered record and 2 inbound ids", res, err)
	}
	if es := e.audit(t); len(es) != 1 || !es[0].At.Equal(Epoch) {
		t.Errorf("audit after the prunes: %+v (Retention.Audit 0 keeps everything)", es)
	}
}

// testBackup: a backup asks its sink once, with the size, before the first byte, and writes
// that many bytes.
func testBackup(t *testing.T, e *env) {
	e.enqueue(t, slackNotice("C1", "alert", "x"))
	var buf countingWriter
	calls, size := 0, int64(0)
	n, err := e.b.Backup(e.ctx, func(s int64) (io.Writer, error) {
		calls++
		size = s
		if buf.n != 0 {
			t.Error("bytes written before the sink was asked")
		}
		return &buf, nil
	})
	must(t, "Backup", err)
	if calls != 1 || size <= 0 || n != size || buf.n != size {
		t.Errorf("Backup wrote %d bytes (%d reached the writer), the sink was asked %d times with size %d", n, buf.n, calls, size)
	}
}

// countingWriter counts what is written to it.
type countingWriter struct{ n int64 }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += int64(len(p))
	return len(p), nil
}
