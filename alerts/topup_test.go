package alerts_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestArrearsDigestOffersTheTopUp: a customer falling into arrears comes with the top-up of its
// debt, prefilled, as a button and as the command to type; a recovered one does not. Clicking
// the button files the request for an operator and is refused to a viewer, since a click runs
// as the person who clicked.
func TestArrearsDigestOffersTheTopUp(t *testing.T) {
	e := newEnv(t, nil)
	zs := e.Customer(e.t, "zhangsan")
	lisi := e.Customer(e.t, "lisi")
	e.subscribe("console:console", "arrears", "*")
	e.Srv.SetBalance(zs.ID, "0", "1234.5")
	e.scan(alerts.KindArrears)
	ns := e.drain()
	if len(ns) != 1 {
		t.Fatalf("%d notices", len(ns))
	}
	var rep chat.Reply
	if err := json.Unmarshal(ns[0].Body, &rep); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{zs.ID: "/topup " + zs.ID + " 1234.50", lisi.ID: "/topup " + lisi.ID + " " + lisi.Debt.String()}
	found := map[string]bool{}
	for _, b := range rep.Buttons {
		for id, cmd := range want {
			if b.Command == cmd {
				found[id] = true
			}
		}
	}
	if !found[zs.ID] || !found[lisi.ID] || len(rep.Buttons) > 5 {
		t.Errorf("buttons %+v, want the top-ups %v", rep.Buttons, want)
	}
	if body := text(ns[0]); !strings.Contains(body, "拨款 "+want[zs.ID]) {
		t.Errorf("the line does not say how to top up:\n%s", body)
	}

	click := func(user string) (chat.Reply, bool) {
		r, ok := e.Router.Handle(context.Background(), chat.Request{Platform: "console", UserID: user, Channel: "console", Text: want[zs.ID]})
		return r, ok
	}
	if r, _ := click("victor"); !r.Error {
		t.Errorf("a viewer's click filed a top-up: %+v", r)
	}
	if r, _ := click("alice"); r.Error || !strings.Contains(r.Title, "拨款") {
		t.Fatalf("an operator's click: %+v", r)
	}
	as, err := e.Store.ListApprovals(context.Background(), store.ApprovalFilter{})
	if err != nil || len(as) != 1 || as[0].Action != "topup" || as[0].CustomerID != zs.ID {
		t.Fatalf("requests %+v, %v", as, err)
	}

	// Recovered: no top-up offered for it.
	e.drain()
	e.Srv.SetBalance(zs.ID, "10", "0")
	e.scan(alerts.KindArrears)
	for _, n := range e.drain() {
		var r chat.Reply
		_ = json.Unmarshal(n.Body, &r)
		for _, b := range r.Buttons {
			if strings.HasPrefix(b.Command, "/topup "+zs.ID) {
				t.Errorf("a recovered customer is offered a top-up: %+v", b)
			}
		}
	}
}
