// Package storetest is the shared test suite of the store contract ([store.Backend]): every
// backend (bbolt today, etcd later) runs the same cases through the interface only, so that what
// the bot relies on — one transition with its audit entry and notices or none of it, one winner
// of a race for a request, a notice acknowledged once, the expiry index keeping the later
// listing — holds on each of them.
//
// A backend's test calls [Run] with a function that opens a fresh, empty backend on the clock it
// is given and closes it when the test ends. The suite's clock stands still at [Epoch] until a
// case moves it; no case reads the wall clock. [RunCopy] checks that a whole store moves from
// one backend to another ([store.Portable]), record for record.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// Epoch is the time the suite's clock shows when a case starts: bsstest.TestTime (Wednesday
// 18 November 2026, 10:30 in Shanghai) in UTC.
var Epoch = time.Date(2026, 11, 18, 2, 30, 0, 0, time.UTC)

// Opener opens a fresh, empty backend whose clock is now, and closes it when t ends.
type Opener func(t *testing.T, now func() time.Time) store.Backend

// testCase is one behaviour of the contract.
type testCase struct {
	name string
	run  func(t *testing.T, e *env)
}

// cases are the suite, the transactional invariants first.
var cases = []testCase{
	// Approvals: transitions are atomic with their audit entry and notices, and exactly once.
	{"ApprovalRaceOneWinner", testApprovalRace},
	{"ApprovalDecisionRaceOneWinner", testApprovalDecisionRace},
	{"ApprovalExpiryRace", testApprovalExpiryRace},
	{"ApprovalTransitionRollsBackWithNotices", testApprovalRollback},
	{"ApprovalLifecycle", testApprovalLifecycle},
	{"ApprovalExpiry", testApprovalExpiry},
	{"ApprovalDuplicateRefused", testApprovalDuplicate},
	{"ApprovalActionAuditOneRow", testActionAudit},
	{"ApprovalActionAuditAfterRollback", testActionAuditAfterRollback},
	// Outbox: queued until acknowledged, delivered once, retried, parked.
	{"OutboxDeliveredOnce", testOutboxDeliveredOnce},
	{"OutboxDedupe", testOutboxDedupe},
	{"OutboxRetryPostponePark", testOutboxRetry},
	{"OutboxRefusesAWholeBatch", testOutboxValidation},
	{"OutboxKeepsLargeBodies", testOutboxLargeBody},
	// Alerts: the ledger and its notices together; channel settings with their audit.
	{"AlertLedgerAndOutboxAtomic", testLedgerAtomic},
	{"AlertCommitRaceOneNotice", testAlertCommitRace},
	{"Subscriptions", testSubscriptions},
	{"Snoozes", testSnoozes},
	{"QuietHours", testQuietHours},
	// The expiry index and the balance cache.
	{"ExpiryIndex", testExpiryIndex},
	{"ExpiryIndexKeepsTheLaterListing", testExpiryIndexLaterListing},
	{"ExpiryIndexLargeBatch", testExpiryIndexLargeBatch},
	{"BalanceCache", testBalanceCache},
	// The forecast, its quote cache and the budgets.
	{"Forecast", testForecast},
	{"ForecastLargerThanATxn", testForecastLarge},
	{"ForecastQuotes", testQuotes},
	{"ForecastQuotesOfALargeCustomer", testQuotesMany},
	{"Budgets", testBudgets},
	// Buttons, inbound dedupe, preferences, owners, the audit log, cancelled contexts.
	{"Buttons", testButtons},
	{"InboundDedupe", testInbound},
	{"InboundDedupeConcurrent", testInboundConcurrent},
	{"Prefs", testPrefs},
	{"Owners", testOwners},
	{"AuditLog", testAudit},
	{"Prune", testPrune},
	{"Backup", testBackup},
	{"CancelledContext", testCancelled},
}

// Run runs every case of the suite, each on a fresh backend from open.
func Run(t *testing.T, open Opener) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := fakeclock.New(Epoch)
			b := open(t, clk.Now)
			if b == nil {
				t.Fatal("open returned no backend")
			}
			c.run(t, &env{ctx: context.Background(), b: b, clk: clk})
		})
	}
}

// env is what a case works with: the backend under test and the clock it reads.
type env struct {
	ctx context.Context
	b   store.Backend
	clk *fakeclock.Clock
}

func (e *env) now() time.Time { return e.clk.Now() }

// audit is the whole audit log, newest first.
func (e *env) audit(t *testing.T) []store.AuditEntry {
	t.Helper()
	es, err := e.b.RecentAudit(e.ctx, store.MaxAuditLimit, store.AuditFilter{})
	if err != nil {
		t.Fatalf("RecentAudit: %v", err)
	}
	return es
}

// outbox is the number of notices not delivered, parked ones included.
func (e *env) outbox(t *testing.T) int {
	t.Helper()
	st, err := e.b.OutboxStats(e.ctx)
	if err != nil {
		t.Fatalf("OutboxStats: %v", err)
	}
	return st.Waiting + st.Parked
}

// due is every notice due now, oldest first.
func (e *env) due(t *testing.T) []store.Notice {
	t.Helper()
	ns, err := e.b.DueNotices(e.ctx, e.now(), store.DefaultNoticeLimit)
	if err != nil {
		t.Fatalf("DueNotices: %v", err)
	}
	return ns
}

// enqueue queues ns and fails the test if the backend refuses.
func (e *env) enqueue(t *testing.T, ns ...store.Notice) {
	t.Helper()
	if err := e.b.EnqueueNotices(e.ctx, ns...); err != nil {
		t.Fatalf("EnqueueNotices: %v", err)
	}
}

// wantErr fails the test unless err matches target.
func wantErr(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one matching %q", what, err, target)
	}
}

// must fails the test on err.
func must(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// ids are the ids of ns, in order.
func ids(ns []store.Notice) []uint64 {
	out := make([]uint64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// race runs f(i) for i in [0, n) at once and returns how many returned nil; every other error
// must match allowed.
func race(t *testing.T, n int, allowed error, f func(i int) error) int {
	t.Helper()
	start := make(chan struct{})
	errs := make(chan error, n)
	for i := range n {
		go func() {
			<-start
			errs <- f(i)
		}()
	}
	close(start)
	won := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			won++
		case !errors.Is(err, allowed):
			t.Errorf("a loser's error %v does not match %q", err, allowed)
		}
	}
	return won
}

// slackNotice is a notice to a Slack channel with body text.
func slackNotice(channel, kind, text string) store.Notice {
	return store.Notice{Platform: "slack", Channel: channel, Kind: kind, Body: []byte(fmt.Sprintf("%q", text))}
}
