package alerts_test

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestLongDigestIsSummarised: the sandbox's first expiry digest for every customer (82
// resources, once a single message of about 20,000 characters) is one message that fits a
// phone: counts per threshold and per customer, the 10 soonest, and a button whose command
// pages through them all.
func TestLongDigestIsSummarised(t *testing.T) {
	full := newEnv(t, func(o *alerts.Options) { o.DigestScreen = -1; o.MaxChars = map[string]int{"slack": 1 << 20} })
	full.subscribe("slack:C1", "expiry", "*", 30, 15, 7, 3, 1)
	full.scan(alerts.KindExpiry)
	fullChars := 0
	for _, n := range full.drain() {
		fullChars += utf8.RuneCountInString(console.Render(reply(t, n)))
	}

	e := newEnv(t, nil)
	e.subscribe("slack:C1", "expiry", "*", 30, 15, 7, 3, 1)
	sum := e.scan(alerts.KindExpiry)
	if sum.Alerted != 82 {
		t.Fatalf("the sandbox digest has %d resources, want 82 (%+v)", sum.Alerted, sum)
	}
	ns := e.drain()
	if len(ns) != 1 {
		t.Fatalf("%d notices, want one summary", len(ns))
	}
	r := reply(t, ns[0])
	counted := 0
	for _, f := range r.Fields {
		n, err := strconv.Atoi(f.Value)
		if err != nil {
			t.Fatalf("threshold count %q: %v", f.Value, err)
		}
		counted += n
	}
	if counted != 82 {
		t.Errorf("the counts per threshold add up to %d, want 82: %+v", counted, r.Fields)
	}
	if len(r.Sections) < 2 || !strings.HasPrefix(r.Sections[0].Title, "按客户") {
		t.Fatalf("no per-customer counts: %+v", r.Sections)
	}
	perCustomer := 0
	for _, f := range r.Sections[0].Fields {
		n, _ := strconv.Atoi(f.Value)
		perCustomer += n
	}
	if perCustomer != 82 {
		t.Errorf("the counts per customer add up to %d, want 82", perCustomer)
	}
	listed := 0
	for _, s := range r.Sections[1:] {
		listed += len(s.Lines)
	}
	if listed != alerts.DigestSoonest || !strings.HasPrefix(r.Sections[1].Title, "最早到期的 10 个") {
		t.Errorf("the summary lists %d resources under %q, want the %d soonest", listed, r.Sections[1].Title, alerts.DigestSoonest)
	}
	if len(r.Buttons) == 0 || r.Buttons[0].Command != "/expiring 30" || !strings.Contains(r.Buttons[0].Label, "82") {
		t.Errorf("the first button is %+v, want one paging through all 82 with /expiring 30", r.Buttons)
	}
	shown := console.Render(r)
	for i, l := range strings.Split(shown, "\n") {
		if w := console.Width(l); w > 60 {
			t.Errorf("line %d is %d columns: %q", i+1, w, l)
		}
	}
	chars := utf8.RuneCountInString(shown)
	if chars > 2*alerts.DigestScreenChars {
		t.Errorf("the summary is %d characters", chars)
	}
	t.Logf("the full digest is %d characters on the console, the summary %d:\n%s", fullChars, chars, shown)
}

// TestShortDigestStaysInFull: a digest of one customer's few resources lists every one.
func TestShortDigestStaysInFull(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	e.subscribe("slack:C1", "expiry", zs.ID, 30)
	sum := e.scan(alerts.KindExpiry)
	ns := e.drain()
	if len(ns) != 1 {
		t.Fatalf("%d notices", len(ns))
	}
	r := reply(t, ns[0])
	lines := 0
	for _, s := range r.Sections {
		lines += len(s.Lines)
	}
	if lines != sum.Alerted || len(r.Fields) != 0 {
		t.Errorf("a %d-resource digest lists %d lines and %d counts", sum.Alerted, lines, len(r.Fields))
	}
}

func reply(t *testing.T, n store.Notice) chat.Reply {
	t.Helper()
	var r chat.Reply
	if err := json.Unmarshal(n.Body, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLabelDigestButtonListsTheLabelled: a channel subscribed to the customers labelled vip
// gets a summarised digest whose button, clicked (run over the router as a person would), lists
// the vip customers' resources and no one else's — the digest's own resources, save those
// already expired, which /expiring (from now on) does not list — from BSS before the first
// index and from the index after a delta scan.
func TestLabelDigestButtonListsTheLabelled(t *testing.T) {
	for _, delta := range []bool{false, true} {
		t.Run(map[bool]string{false: "from BSS", true: "from the index"}[delta], func(t *testing.T) {
			e := newEnv(t, func(o *alerts.Options) { o.DigestScreen = 3; o.Delta = delta })
			e.subscribe("slack:C1", "expiry", "label:vip", 30, 7, 1)
			sum := e.scan(alerts.KindExpiry)
			ns := e.drain()
			if len(ns) != 1 {
				t.Fatalf("%d notices, want one summary", len(ns))
			}
			r := reply(t, ns[0])
			if len(r.Buttons) == 0 || r.Buttons[0].Command != "/expiring 30 label:vip" {
				t.Fatalf("the first button is %+v, want /expiring 30 label:vip", r.Buttons)
			}
			expired := 0
			for _, f := range r.Fields {
				if f.Label == "已过期" {
					expired, _ = strconv.Atoi(f.Value)
				}
			}
			labelOf := map[string]string{} // resource id → its customer's label
			for _, c := range e.Srv.Customers() {
				for _, res := range e.Srv.Resources(c.ID) {
					labelOf[res.ResourceID] = c.Label
				}
			}
			rep := e.indexRouter(200)("console:victor", r.Buttons[0].Command)
			if rep.Error || rep.Table == nil {
				t.Fatalf("%s: %+v", r.Buttons[0].Command, rep)
			}
			for _, row := range rep.Table.Rows {
				id := row[2][strings.LastIndex(row[2], "(")+1 : len(row[2])-1]
				if labelOf[id] != "vip" {
					t.Errorf("%s lists %s of %s, whose label is %q", r.Buttons[0].Command, id, row[1], labelOf[id])
				}
			}
			if len(rep.Table.Rows) != sum.Alerted-expired || !strings.Contains(rep.Footer, "1/1") {
				t.Errorf("%s lists %d resources, the digest %d of which %d expired", r.Buttons[0].Command, len(rep.Table.Rows), sum.Alerted, expired)
			}
		})
	}
}

// TestCustomerDigestButtonListsTheSubscribed: a channel subscribed to several customers by id
// (not by label) gets a summarised digest whose button carries those customers (customer:ID),
// so that clicking it lists their resources and no one else's — the digest's own, save those
// already expired — from BSS before the first index and from the index after a delta scan.
func TestCustomerDigestButtonListsTheSubscribed(t *testing.T) {
	for _, delta := range []bool{false, true} {
		t.Run(map[bool]string{false: "from BSS", true: "from the index"}[delta], func(t *testing.T) {
			e := newEnv(t, func(o *alerts.Options) { o.DigestScreen = 3; o.Delta = delta })
			custs := e.Srv.Customers()
			sort.Slice(custs, func(i, j int) bool { return len(e.Srv.Resources(custs[i].ID)) > len(e.Srv.Resources(custs[j].ID)) })
			var ids []string
			for _, c := range custs[:3] {
				ids = append(ids, c.ID)
				e.subscribe("slack:C1", "expiry", c.ID, 30, 7, 1)
			}
			sort.Strings(ids)
			want := "/expiring 30 customer:" + strings.Join(ids, " customer:")
			sum := e.scan(alerts.KindExpiry)
			ns := e.drain()
			if len(ns) != 1 {
				t.Fatalf("%d notices, want one summary", len(ns))
			}
			r := reply(t, ns[0])
			if len(r.Buttons) == 0 || r.Buttons[0].Command != want {
				t.Fatalf("the first button is %+v, want %s", r.Buttons, want)
			}
			expired := 0
			for _, f := range r.Fields {
				if f.Label == "已过期" {
					expired, _ = strconv.Atoi(f.Value)
				}
			}
			ownerOf := map[string]string{} // resource id → its customer
			for _, c := range e.Srv.Customers() {
				for _, res := range e.Srv.Resources(c.ID) {
					ownerOf[res.ResourceID] = c.ID
				}
			}
			rep := e.indexRouter(200)("console:victor", r.Buttons[0].Command)
			if rep.Error || rep.Table == nil {
				t.Fatalf("%s: %+v", r.Buttons[0].Command, rep)
			}
			for _, row := range rep.Table.Rows {
				id := row[2][strings.LastIndex(row[2], "(")+1 : len(row[2])-1]
				if !slices.Contains(ids, ownerOf[id]) {
					t.Errorf("%s lists %s of %s, who is not subscribed", r.Buttons[0].Command, id, row[1])
				}
			}
			if len(rep.Table.Rows) != sum.Alerted-expired || !strings.Contains(rep.Footer, "1/1") {
				t.Errorf("%s lists %d resources, the digest %d of which %d expired", r.Buttons[0].Command, len(rep.Table.Rows), sum.Alerted, expired)
			}
		})
	}
}

// TestDigestSaysItsLanguage: an expiry digest says the language it was rendered in (the
// channel's /lang, else the bot's), so that an adapter words what it adds (Slack's line under
// a long table) in it rather than guessing from the digest's content.
func TestDigestSaysItsLanguage(t *testing.T) {
	e := newEnv(t, nil)
	if err := e.Store.SetChannelPrefs(context.Background(), "slack", "CEN", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	e.subscribe("slack:CZH", "expiry", "*", 30, 7, 1)
	e.subscribe("slack:CEN", "expiry", "*", 30, 7, 1)
	e.scan(alerts.KindExpiry)
	seen := map[string]bool{}
	for _, n := range e.drain() {
		want := map[string]string{"CZH": "zh", "CEN": "en"}[n.Channel]
		if got := reply(t, n).Lang; got != want {
			t.Errorf("a digest to %s says it is in %q, want %q", n.Channel, got, want)
		}
		seen[n.Channel] = true
	}
	if !seen["CZH"] || !seen["CEN"] {
		t.Errorf("digests went to %v, want CZH and CEN", seen)
	}
}
