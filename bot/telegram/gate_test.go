package telegram

import (
	"context"
	"strings"
	"testing"
	"time"
)

// termGate is a bot.PollGate whose terms the test hands out.
type termGate struct{ terms chan context.Context }

func (g *termGate) Term(ctx context.Context) (context.Context, error) {
	select {
	case t := <-g.terms:
		return t, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestPollingOnlyDuringTerms: an adapter given a gate (one replica of a cluster) polls only
// while its replica leads: nothing is asked of getUpdates before the first term or between
// terms, so a message waits for the next term, and the adapter counts as connected meanwhile.
func TestPollingOnlyDuringTerms(t *testing.T) {
	e := newEnv(t)
	g := &termGate{terms: make(chan context.Context)}
	a := e.start(e.options(), nil, func(a *Adapter) { a.GatePolling(g) })
	waitLog := func(what string, n int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for strings.Count(e.logs.String(), what) < n {
			if time.Now().After(deadline) {
				t.Fatalf("the log never said %q %d times:\n%s", what, n, e.logs)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	e.fake.Say(alice.ID, alice, "/help")
	time.Sleep(300 * time.Millisecond) // a poller would have taken it by now
	if n := len(e.fake.CallsOf("getUpdates")); n != 0 {
		t.Fatalf("%d getUpdates before the first term", n)
	}
	if !a.Connected() {
		t.Error("standing by, the adapter is not counted connected")
	}

	term, end := context.WithCancel(context.Background())
	g.terms <- term
	e.waitMsg(alice.ID, "/customer") // the message that waited is answered in the term
	end()
	waitLog("polling stopped, standing by", 1)
	polls := len(e.fake.CallsOf("getUpdates"))

	e.fake.Say(bob.ID, bob, "/help")
	time.Sleep(300 * time.Millisecond)
	if n := len(e.fake.CallsOf("getUpdates")); n != polls {
		t.Fatalf("%d getUpdates between terms", n-polls)
	}
	if len(e.fake.Messages(bob.ID)) != 0 {
		t.Fatal("a message was answered between terms")
	}
	term2, end2 := context.WithCancel(context.Background())
	defer end2()
	g.terms <- term2
	e.waitMsg(bob.ID, "/customer")
}
