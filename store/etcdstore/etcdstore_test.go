package etcdstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/partnerbot/partnerbot/internal/etcdtest"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
	"github.com/partnerbot/partnerbot/store/etcdstore"
	"github.com/partnerbot/partnerbot/store/storetest"
)

// open opens a store on cli under prefix with the suite's fixed clock.
func open(t *testing.T, cli *clientv3.Client, prefix string, now func() time.Time) *etcdstore.Store {
	t.Helper()
	s, err := etcdstore.Open(context.Background(), cli, etcdstore.Options{Prefix: prefix, Now: now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func request(now time.Time, subjects ...string) store.Approval {
	return store.Approval{Action: "renew", CustomerID: "cust-7", Subjects: subjects, Needed: 1,
		Requester: store.Actor{Platform: "slack", UserID: "UREQ"}, ExpiresAt: now.Add(time.Hour)}
}

func announce(a store.Approval) []store.Notice {
	return []store.Notice{{Platform: "slack", UserID: a.Requester.UserID, Kind: "approval",
		Body: []byte(fmt.Sprintf(`{"id":%d,"state":%q}`, a.ID, a.State))}}
}

// TestReplicasRaceOneTransition: two replicas, each with its own client on its own member of a
// three-member cluster, race to approve and then to start one request, several goroutines
// each: exactly one approval and one start win, and the log holds one audit entry and one
// notice per transition made.
func TestReplicasRaceOneTransition(t *testing.T) {
	c := etcdtest.Start(t, 3)
	clk := fakeclock.New(storetest.Epoch)
	replicas := []*etcdstore.Store{open(t, c.Client(t, 0), "", clk.Now), open(t, c.Client(t, 1), "", clk.Now)}
	ctx := context.Background()
	for round := range 3 {
		a, err := replicas[0].CreateApproval(ctx, request(clk.Now(), fmt.Sprintf("r-%d", round)), announce)
		if err != nil {
			t.Fatal(err)
		}
		for _, step := range []string{"approve", "execute"} {
			var mu sync.Mutex
			won, lost := 0, 0
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range 8 {
				wg.Go(func() {
					<-start
					s := replicas[i%2]
					by := store.Actor{Platform: "slack", UserID: fmt.Sprintf("UAPP%d", i)}
					var err error
					if step == "approve" {
						_, err = s.Approve(ctx, a.ID, by, announce)
					} else {
						_, err = s.BeginExecution(ctx, a.ID, by, announce)
					}
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						won++
					case errors.Is(err, store.ErrWrongState):
						lost++
					default:
						t.Errorf("round %d, %s: %v", round, step, err)
					}
				})
			}
			close(start)
			wg.Wait()
			if won != 1 || lost != 7 {
				t.Errorf("round %d, %s: %d won and %d lost, want 1 and 7", round, step, won, lost)
			}
		}
		got, err := replicas[1].Approval(ctx, a.ID)
		if err != nil || got.State != store.StateExecuting || len(got.Approvals) != 1 {
			t.Errorf("round %d: stored %+v, %v", round, got, err)
		}
	}
	es, err := replicas[1].RecentAudit(ctx, store.MaxAuditLimit, store.AuditFilter{})
	if err != nil || len(es) != 9 {
		t.Errorf("%d audit entries (%v), want 3 rounds × request, approve, execute", len(es), err)
	}
	st, err := replicas[0].OutboxStats(ctx)
	if err != nil || st.Waiting != 9 {
		t.Errorf("%d notices (%v), want 9", st.Waiting, err)
	}
}

// TestFenceRefusesADeposedLeader: writes made under a fence go through while it holds; once
// the fencing key is gone or recreated (another leader), they are refused with ErrFenced and
// write nothing, while writes without the fence still go through.
func TestFenceRefusesADeposedLeader(t *testing.T) {
	c := etcdtest.Start(t, 1)
	cli := c.Client(t)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, cli, "/fence/", clk.Now)
	ctx := context.Background()
	put, err := cli.Put(ctx, "/election/leader", "me")
	if err != nil {
		t.Fatal(err)
	}
	leader := etcdstore.WithFence(ctx, clientv3.Compare(clientv3.CreateRevision("/election/leader"), "=", put.Header.Revision))
	notice := store.Notice{Platform: "slack", Channel: "C1", Kind: "alert"}
	if err := s.EnqueueNotices(leader, notice); err != nil {
		t.Fatalf("a write under a fence that holds: %v", err)
	}
	if _, err := cli.Delete(ctx, "/election/leader"); err != nil {
		t.Fatal(err)
	}
	if _, err := cli.Put(ctx, "/election/leader", "another"); err != nil {
		t.Fatal(err)
	}
	err = s.EnqueueNotices(leader, notice)
	if !errors.Is(err, etcdstore.ErrFenced) {
		t.Errorf("a deposed leader's write: %v, want ErrFenced", err)
	}
	_, err = s.AppendAudit(leader, store.AuditEntry{Platform: "system", UserID: "scan", Command: "late"})
	if !errors.Is(err, etcdstore.ErrFenced) {
		t.Errorf("a deposed leader's audit entry: %v, want ErrFenced", err)
	}
	if err := s.EnqueueNotices(ctx, notice); err != nil {
		t.Errorf("a write without a fence: %v", err)
	}
	st, err := s.OutboxStats(ctx)
	if err != nil || st.Waiting != 2 {
		t.Errorf("%d notices queued (%v), want the fenced write's first and the unfenced one", st.Waiting, err)
	}
	if es, err := s.RecentAudit(ctx, 10, store.AuditFilter{}); err != nil || len(es) != 0 {
		t.Errorf("audit log %+v (%v), want the fenced entry refused", es, err)
	}
}

// TestTransitionTooLargeIsRefused: a transition that cannot be one etcd transaction (too many
// operations, or too many bytes: a request on 200 subjects, a notice of 2 MiB) is refused whole
// with ErrTooLarge, and nothing is written.
func TestTransitionTooLargeIsRefused(t *testing.T) {
	c := etcdtest.Start(t, 1)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, c.Client(t), "/large/", clk.Now)
	ctx := context.Background()

	subjects := make([]string, 200) // one index key each: more than 128 operations
	for i := range subjects {
		subjects[i] = fmt.Sprintf("r-%03d", i)
	}
	_, err := s.CreateApproval(ctx, request(clk.Now(), subjects...), announce)
	if !errors.Is(err, etcdstore.ErrTooLarge) {
		t.Errorf("a request on 200 subjects: %v, want ErrTooLarge", err)
	}
	big := store.Notice{Platform: "slack", Channel: "C1", Body: []byte(`"` + strings.Repeat("x", 2<<20) + `"`)}
	if err := s.EnqueueNotices(ctx, big); !errors.Is(err, etcdstore.ErrTooLarge) {
		t.Errorf("a notice of 2 MiB: %v, want ErrTooLarge", err)
	}
	if l, err := s.ListApprovals(ctx, store.ApprovalFilter{}); err != nil || len(l) != 0 {
		t.Errorf("after the refusals: %d requests, %v", len(l), err)
	}
	if st, err := s.OutboxStats(ctx); err != nil || st.Waiting != 0 {
		t.Errorf("after the refusals: %d notices, %v", st.Waiting, err)
	}
	// Within the limits the same store takes them.
	if _, err := s.CreateApproval(ctx, request(clk.Now(), subjects[:50]...), announce); err != nil {
		t.Errorf("a request on 50 subjects: %v", err)
	}
}

// TestIDsNeverRepeat: notices queued at once from two replicas get distinct, gapless ids (the
// counter is a compare-and-swap).
func TestIDsNeverRepeat(t *testing.T) {
	c := etcdtest.Start(t, 1)
	clk := fakeclock.New(storetest.Epoch)
	a, b := open(t, c.Client(t), "/ids/", clk.Now), open(t, c.Client(t), "/ids/", clk.Now)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			s := a
			if i%2 == 1 {
				s = b
			}
			if err := s.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: fmt.Sprintf("C%d", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	ns, err := a.DueNotices(ctx, clk.Now(), 100)
	if err != nil || len(ns) != 20 {
		t.Fatalf("%d notices, %v", len(ns), err)
	}
	for i, n := range ns {
		if n.ID != uint64(i+1) {
			t.Errorf("notice %d has id %d, want %d", i, n.ID, i+1)
		}
	}
}

// TestCommitAlertsLargerThanATxn: a whole scan's commit (600 ledger entries, 300 notices of
// 8 KiB) is written in chunks, notices first; committed again (a scan rerun after a crash
// between the chunks) its notices are not queued twice; an invalid notice anywhere in it is
// refused before anything is written.
func TestCommitAlertsLargerThanATxn(t *testing.T) {
	c := etcdtest.Start(t, 1)
	clk := fakeclock.New(storetest.Epoch)
	s := open(t, c.Client(t), "/alerts/", clk.Now)
	ctx := context.Background()
	puts := map[string]json.RawMessage{}
	var deletes []string
	for i := range 600 {
		puts[fmt.Sprintf("exp|slack:C1|r-%03d", i)] = json.RawMessage(`{"days":7}`)
		deletes = append(deletes, fmt.Sprintf("exp|slack:C1|r-%03d", i%50), fmt.Sprintf("gone-%03d", i))
	}
	var notices []store.Notice
	for i := range 300 {
		notices = append(notices, store.Notice{Platform: "slack", Channel: "C1", Kind: "alert", DedupeKey: fmt.Sprintf("exp|r-%03d|7", i),
			Body: []byte(`"` + strings.Repeat("x", 8<<10) + `"`)})
	}
	bad := append(slices.Clone(notices), store.Notice{Kind: "nowhere"})
	if err := s.CommitAlerts(ctx, puts, deletes, bad); err == nil {
		t.Fatal("a commit with an undeliverable notice succeeded")
	}
	if l, _ := s.LedgerPrefix(ctx, ""); len(l) != 0 {
		t.Fatalf("the refused commit wrote %d ledger entries", len(l))
	}
	for round := range 2 {
		if err := s.CommitAlerts(ctx, puts, deletes, notices); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		l, err := s.LedgerPrefix(ctx, "")
		if err != nil || len(l) != 600 {
			t.Errorf("round %d: %d ledger entries (%v), want 600 (deleted, then put)", round, len(l), err)
		}
		st, err := s.OutboxStats(ctx)
		if err != nil || st.Waiting != 300 {
			t.Errorf("round %d: %d notices queued (%v), want 300", round, st.Waiting, err)
		}
	}
}
