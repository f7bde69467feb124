package alerts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/testenv"
	"github.com/partnerbot/partnerbot/store"
)

const resourcesPath = "/v2/orders/suscriptions/resources/query"

// flowEnv is a scan and people's commands sharing one client against a sandbox with BSS's
// flow control (10 calls a second per API, 20 for ListCustomerOrders) and the client's default
// budgets (each API's documented rate; scans use all of it while no person waits).
type flowEnv struct {
	*testenv.Env
	person bsstest.Customer // a resale customer people ask about
}

func newFlowEnv(tb testing.TB, customers int) *flowEnv {
	tb.Helper()
	data := bsstest.Generate(bsstest.GenOptions{Customers: customers, Resources: 10 * customers, Seed: 5, Now: bsstest.TestTime})
	env := testenv.New(tb, testenv.Options{
		Sandbox: bsstest.Options{Data: data, RatePerSecond: 10},
		BSS: func(c *bss.Config) {
			c.RatePerSecond, c.OperationRate, c.Burst, c.MaxRetries = 0, 0, 0, -1 // the defaults
		},
		Router:  commands.Options{DefaultRole: chat.RoleViewer},
		Scanner: &alerts.Options{Delta: true, Concurrency: 8},
	})
	e := &flowEnv{Env: env}
	if _, err := env.Store.AddSubscription(context.Background(), store.Subscription{Platform: "slack", Channel: "C1",
		Kind: "expiry", Scope: "*", CreatedBy: store.Actor{Platform: "console", UserID: "admin"}}); err != nil {
		tb.Fatal(err)
	}
	for _, c := range env.Srv.Customers() {
		if c.AssociationType == "2" {
			e.person = c
			break
		}
	}
	return e
}

// personCalls is what one person's command did: its BSS calls, and how long at least one of
// them waited for flow control.
type personCalls struct {
	bss.OpStats
	Queued time.Duration
}

// customer runs /customer as a person and returns what its BSS calls did.
func (e *flowEnv) customer(tb testing.TB) personCalls {
	tb.Helper()
	u := &bss.Usage{}
	rep, ok := e.Router.Handle(bss.WithUsage(context.Background(), u), chat.Request{Platform: "console", UserID: "pat",
		Channel: "console", Text: "/customer " + e.person.AccountName})
	if !ok || rep.Error {
		tb.Fatalf("/customer: %+v", rep)
	}
	return personCalls{OpStats: u.Total(), Queued: u.Queued()}
}

// TestScanLeavesRoomForPeople: people's /customer during a scan, against BSS's flow control.
// What is certain is checked: no call is throttled, every call is made once, and a person's
// resource query is not queued behind the scan's — at most the scan call already on its way
// arrives first. How long people wait is in BenchmarkInteractiveDuringScan.
func TestScanLeavesRoomForPeople(t *testing.T) {
	e := newFlowEnv(t, 24)
	var (
		sum  alerts.Summary
		err  error
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		sum, err = e.Scanner.Scan(context.Background(), alerts.KindExpiry)
	}()
	scanned := func() int {
		n := 0
		for _, c := range e.Srv.Calls() {
			if c.Path == resourcesPath && !strings.Contains(string(c.Body), "expire_time_end") {
				n++
			}
		}
		return n
	}
	var issued []int // how many calls BSS had logged when each person's round began
	var calls int
	for round := 0; round < 3; round++ {
		for start := scanned(); scanned() < start+3; {
			time.Sleep(10 * time.Millisecond)
		}
		issued = append(issued, len(e.Srv.Calls()))
		calls += e.customer(t).Calls
	}
	<-done
	if err != nil {
		t.Fatal(err)
	}
	if sum.Customers != 24 || len(sum.Failed) != 0 || sum.Throttled != 0 || sum.ResourceQueries != 24 {
		t.Fatalf("scan %+v", sum)
	}
	log := e.Srv.Calls()
	for _, c := range log {
		if c.Status == 429 {
			t.Fatalf("BSS throttled %s %s", c.Method, c.Path)
		}
	}
	for op, s := range e.Client.FlowStats() {
		if s.Throttled != 0 {
			t.Errorf("%s: %d throttled", op, s.Throttled)
		}
	}
	// Every /customer made its calls once: two customer searches, the balance, the expiring count,
	// and this month's spend (three calls).
	if calls != 3*7 {
		t.Errorf("%d calls for 3 × /customer", calls)
	}
	// Ordering: a person's resource query (the one with an expiry window) has at most one
	// scan query, granted before it asked, arrive ahead of it after its round began; queued
	// behind the scan's eight workers it would have had several.
	round := 0
	for i, c := range log {
		if c.Path != resourcesPath || !strings.Contains(string(c.Body), "expire_time_end") {
			continue
		}
		ahead := 0
		for j, d := range log[:i] {
			if d.Path == resourcesPath && !strings.Contains(string(d.Body), "expire_time_end") && j >= issued[round] {
				ahead++
			}
		}
		t.Logf("round %d: %d scan queries ahead of the person's", round, ahead)
		if ahead > 2 {
			t.Errorf("round %d: %d scan queries arrived before the person's, after it asked", round, ahead)
		}
		round++
	}
	if round != 3 {
		t.Errorf("%d person's resource queries in the log", round)
	}
}
