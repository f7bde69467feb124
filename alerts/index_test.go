package alerts_test

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/store"
)

// indexRouter is a router over the env's sandbox and store, as cli wires it.
func (e *env) indexRouter(liveMax int) func(user, text string) chat.Reply {
	e.t.Helper()
	r := commands.New(e.Client, e.Store, commands.Options{Now: e.Clock.Now, PageSize: 50, LiveMaxCustomers: liveMax,
		ExpiryIndex:      alerts.NewIndex(e.Client, e.Store, e.Clock.Now),
		ApprovalsChannel: "console:console", ActionChannels: []string{"console:*"},
		Roles: map[string]chat.Role{"console:alice": chat.RoleOperator, "console:bob": chat.RoleApprover,
			"console:victor": chat.RoleViewer}})
	return func(user, text string) chat.Reply {
		e.t.Helper()
		rep, _ := r.Handle(context.Background(), chat.Request{Platform: "console", UserID: strings.TrimPrefix(user, "console:"), Channel: "console", Text: text})
		return rep
	}
}

func TestExpiringFromTheIndex(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Delta = true })
	e.subscribe("slack:C1", "expiry", "*")
	say := e.indexRouter(200)

	before := say("console:alice", "/expiring 60")
	if before.Error || !strings.Contains(before.Text, "尚无到期扫描") || before.Table == nil {
		t.Fatalf("before any scan, /expiring should read BSS and say so: %+v", before)
	}
	e.scan(alerts.KindExpiry)
	e.Clock.Advance(3*time.Hour + 10*time.Minute)

	indexed := say("console:victor", "/expiring 60")
	live := say("console:alice", "/expiring 60 --live")
	if indexed.Error || live.Error {
		t.Fatalf("index %+v\nlive %+v", indexed, live)
	}
	if !strings.Contains(indexed.Text, "扫描，3 小时前") || !strings.Contains(live.Text, "实时查询 BSS") {
		t.Errorf("freshness: index %q, live %q", indexed.Text, live.Text)
	}
	if indexed.Table == nil || len(indexed.Table.Rows) == 0 || !reflect.DeepEqual(indexed.Table.Rows, live.Table.Rows) {
		t.Errorf("the index answer differs from the live one:\nindex %v\nlive  %v", indexed.Table, live.Table)
	}
	if indexed.Footer != live.Footer {
		t.Errorf("footers: index %q, live %q", indexed.Footer, live.Footer)
	}

	zs := e.Customer(e.t, "zhangsan")
	fromIndex := say("console:victor", "/customer "+zs.ID)
	fresh := say("console:alice", "/customer "+zs.ID+" --live")
	count := func(r chat.Reply) (n, note string) {
		t.Helper()
		for _, f := range r.Fields {
			if f.Label == "30 天内到期资源" {
				n, note, _ = strings.Cut(f.Value, " · ")
				return n, note
			}
		}
		for _, s := range r.Sections {
			for _, f := range s.Fields {
				if f.Label == "30 天内到期资源" {
					n, note, _ = strings.Cut(f.Value, " · ")
					return n, note
				}
			}
		}
		t.Fatalf("no expiring count in %+v", r)
		return "", ""
	}
	n1, note1 := count(fromIndex)
	n2, note2 := count(fresh)
	if n1 != n2 || !strings.Contains(note1, "3 小时前") || note2 != "实时查询 BSS" {
		t.Errorf("/customer counts: index %s (%s), live %s (%s)", n1, note1, n2, note2)
	}
}

func TestLiveIsBounded(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Delta = true })
	e.subscribe("slack:C1", "expiry", "*")
	say := e.indexRouter(1)
	tests := []struct {
		user, text, want string
	}{
		{"console:victor", "/expiring --live", "--live 需要"},
		{"console:alice", "/expiring --live", "/scan expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			rep := say(tt.user, tt.text)
			if !rep.Error || !strings.Contains(rep.Text+rep.Title, tt.want) {
				t.Errorf("%s by %s: %+v, want a refusal with %q", tt.text, tt.user, rep, tt.want)
			}
		})
	}
}

func TestActionRefreshesTheIndex(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Delta = true })
	e.subscribe("slack:C1", "expiry", "*")
	say := e.indexRouter(200)
	e.scan(alerts.KindExpiry)
	web := e.resource("zhangsan-web-01")
	ctx := context.Background()
	expiry := func() time.Time {
		t.Helper()
		got, err := e.Store.IndexedCustomers(ctx, []string{web.CustomerID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got[web.CustomerID].Resources {
			if r.ID == web.ResourceID {
				return r.Expiry
			}
		}
		t.Fatalf("%s is not in the index", web.ResourceID)
		return time.Time{}
	}
	was := expiry()
	if rep := say("console:alice", "/renew "+web.ResourceID+" 3m --autopay"); rep.Error {
		t.Fatalf("renew: %+v", rep)
	}
	as, err := e.Store.ListApprovals(ctx, store.ApprovalFilter{})
	if err != nil || len(as) != 1 {
		t.Fatalf("requests %+v, %v", as, err)
	}
	if rep := say("console:bob", fmt.Sprintf("/approve %d", as[0].ID)); rep.Error {
		t.Fatalf("approve: %+v", rep)
	}
	now := expiry()
	if !now.After(was.AddDate(0, 2, 0)) {
		t.Errorf("the index still has %s expiring %v after a 3-month renewal (was %v)", web.ResourceID, now, was)
	}
	exp := say("console:victor", "/expiring 365")
	for _, row := range exp.Table.Rows {
		if strings.Contains(row[2], web.ResourceID) && !strings.Contains(row[0], now.In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")) {
			t.Errorf("/expiring shows %v, want the renewed expiry %v", row, now)
		}
	}
}

func TestArrearsFromTheCache(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("slack:C1", "arrears", "*")
	say := e.indexRouter(200)

	live := say("console:victor", "/arrears")
	if live.Error || !strings.Contains(live.Text, "尚无欠费扫描") || live.Table == nil {
		t.Fatalf("before any scan, /arrears should read BSS and say so: %+v", live)
	}
	e.scan(alerts.KindArrears)
	e.Clock.Advance(3 * time.Hour)
	cached := say("console:victor", "/arrears")
	if !strings.Contains(cached.Text, "欠费扫描，3 小时前") {
		t.Errorf("freshness: %q", cached.Text)
	}
	_, liveTotal, _ := strings.Cut(live.Text, "\n")
	_, cachedTotal, _ := strings.Cut(cached.Text, "\n")
	if cached.Table == nil || !reflect.DeepEqual(cached.Table.Rows, live.Table.Rows) || liveTotal != cachedTotal {
		t.Errorf("the cached answer differs from the live one:\ncache %q %v\nlive  %q %v", cachedTotal, cached.Table, liveTotal, live.Table)
	}

	// A debt paid since the scan: /arrears says what the scan saw, /balance asks BSS.
	lisi := e.Customer(e.t, "lisi")
	e.Srv.SetBalance(lisi.ID, "10", "0")
	if rep := say("console:victor", "/arrears"); !strings.Contains(fmt.Sprint(rep.Table.Rows), "lisi") {
		t.Errorf("/arrears no longer shows the scan's debt of lisi: %v", rep.Table.Rows)
	}
	if rep := say("console:victor", "/balance "+lisi.ID); rep.Error || !strings.Contains(fmt.Sprint(rep), "10.00") {
		t.Errorf("/balance is not live: %+v", rep)
	}
	e.scan(alerts.KindArrears)
	if rep := say("console:victor", "/arrears"); rep.Table != nil && strings.Contains(fmt.Sprint(rep.Table.Rows), "lisi") {
		t.Errorf("after the next scan /arrears still shows lisi: %v", rep.Table.Rows)
	}
}
