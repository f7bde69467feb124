package testenv_test

import (
	"context"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

// countingBSS counts the customer look-ups the router makes through it.
type countingBSS struct {
	commands.BSS
	n *int
}

func (b countingBSS) ListCustomers(ctx context.Context, f bss.CustomerFilter, offset, limit int) (*bss.CustomerPage, error) {
	*b.n++
	return b.BSS.ListCustomers(ctx, f, offset, limit)
}

// TestReopen: what was stored survives Reopen, the router and scanner are built anew on the
// reopened store, and WrapBSS stands between the new router and the client.
func TestReopen(t *testing.T) {
	e := testenv.New(t, testenv.Options{Router: commands.Options{DefaultRole: chat.RoleViewer}, Scanner: &alerts.Options{}})
	ctx := context.Background()
	if _, err := e.Store.AddSubscription(ctx, store.Subscription{Platform: "slack", Channel: "C1", Kind: "expiry",
		Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		t.Fatal(err)
	}
	before, router, scanner := e.Store, e.Router, e.Scanner
	var asked int
	e.WrapBSS = func(b commands.BSS) commands.BSS { return countingBSS{b, &asked} }
	e.Reopen(t)
	if e.Store == before || e.Router == router || e.Scanner == scanner {
		t.Fatal("Reopen kept the old store, router or scanner")
	}
	subs, err := e.Store.Subscriptions(ctx, "slack", "C1")
	if err != nil || len(subs) != 1 {
		t.Fatalf("after Reopen: %d subscriptions, %v; want the one stored before", len(subs), err)
	}
	zs := e.Customer(t, "zhangsan")
	rep, ok := e.Router.Handle(ctx, chat.Request{Platform: "console", UserID: "pat", Channel: "console", Text: "/customer zhangsan"})
	if !ok || rep.Error || !strings.Contains(rep.Title+rep.Text, zs.Name) || asked == 0 {
		t.Fatalf("/customer after Reopen: %+v, %d look-ups through WrapBSS", rep, asked)
	}
	if _, err := e.Scanner.Scan(ctx, alerts.KindExpiry); err != nil {
		t.Fatalf("the reopened scanner: %v", err)
	}
}

// TestScanCommand: ScanCommand is handed the scanner Env holds, to make the router's /scan of it.
func TestScanCommand(t *testing.T) {
	var handed *alerts.Scanner
	e := testenv.New(t, testenv.Options{Router: commands.Options{DefaultRole: chat.RoleAdmin}, Scanner: &alerts.Options{},
		ScanCommand: func(s *alerts.Scanner) commands.Scanner { handed = s; return nil }})
	if handed == nil || handed != e.Scanner {
		t.Fatalf("ScanCommand got %p, want Env.Scanner %p", handed, e.Scanner)
	}
}

// TestLookups: Customer and Resource find the demo data by name.
func TestLookups(t *testing.T) {
	e := testenv.New(t, testenv.Options{})
	zs := e.Customer(t, "zhangsan")
	if r := e.Resource(t, "zhangsan", "zhangsan-web-01"); r.CustomerID != zs.ID {
		t.Errorf("zhangsan-web-01 belongs to %q, want 张三's %q", r.CustomerID, zs.ID)
	}
	if r := e.Resource(t, "", "zhangsan-web-01"); r.CustomerID != zs.ID {
		t.Errorf("zhangsan-web-01 of any customer belongs to %q, want %q", r.CustomerID, zs.ID)
	}
}
