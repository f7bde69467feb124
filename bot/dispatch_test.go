package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// flaky fails its first n sends, then records what it delivers.
type flaky struct {
	mu   sync.Mutex
	fail int
	got  []string
}

func (f *flaky) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail > 0 {
		f.fail--
		return errors.New("platform is down")
	}
	f.got = append(f.got, to.Channel+"|"+to.UserID+"|"+r.Text)
	return nil
}

func openStore(t *testing.T, path string, clk *fakeclock.Clock) *store.Store {
	t.Helper()
	st, err := store.Open(path, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func body(text string) json.RawMessage {
	b, _ := json.Marshal(chat.Reply{Text: text})
	return b
}

func TestDispatcherRetriesUntilDeliveredOnce(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "bot.db")
	st := openStore(t, path, clk)
	if err := st.EnqueueNotices(ctx,
		store.Notice{Platform: "slack", Channel: "C1", Kind: "alert", Body: body("first")},
		store.Notice{Platform: "slack", UserID: "U1", Kind: "alert", Body: body("second")},
	); err != nil {
		t.Fatal(err)
	}
	f := &flaky{fail: 3}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now, Backoff: time.Second, MaxDelay: 8 * time.Second}
	var delays []time.Duration
	for round := 0; round < 10; round++ {
		sent, failed, err := d.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if sent == 0 && failed == 0 {
			// Nothing due: move the clock to the next attempt.
			ns, _ := st.DueNotices(ctx, clk.Now().Add(time.Hour), 10)
			if len(ns) == 0 {
				break
			}
			delays = append(delays, ns[0].NextAttempt.Sub(clk.Now()))
			clk.Set(ns[0].NextAttempt)
		}
		if round == 1 {
			// A restart in the middle: the outbox is in the store, not in memory.
			st.Close()
			st = openStore(t, path, clk)
			d = &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now, Backoff: time.Second, MaxDelay: 8 * time.Second}
		}
	}
	slices.Sort(f.got)
	if !slices.Equal(f.got, []string{"C1||first", "|U1|second"}) {
		t.Errorf("delivered %q, want each notice exactly once", f.got)
	}
	if n, _ := st.PendingNotices(ctx); n != 0 {
		t.Errorf("%d notices left in the outbox", n)
	}
	for i := 1; i < len(delays); i++ {
		if delays[i] < delays[i-1] {
			t.Errorf("backoff shrank: %v", delays)
		}
	}
}

func TestDispatcherWaitsForAMissingPlatform(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "wecom", Channel: "G1", Body: body("hi")}); err != nil {
		t.Fatal(err)
	}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{}, Now: clk.Now}
	if _, failed, err := d.RunOnce(ctx); err != nil || failed != 1 {
		t.Fatalf("failed=%d err=%v", failed, err)
	}
	ns, _ := st.DueNotices(ctx, clk.Now().Add(time.Hour), 10)
	if len(ns) != 1 || ns[0].Attempts != 1 || ns[0].LastError == "" {
		t.Errorf("notice after a failed round: %+v", ns)
	}
	// The platform comes up: the notice goes out.
	f := &flaky{}
	d = &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"wecom": f}, Now: func() time.Time { return clk.Now().Add(time.Hour) }}
	if sent, _, err := d.RunOnce(ctx); err != nil || sent != 1 || len(f.got) != 1 {
		t.Errorf("sent=%d err=%v got=%v", sent, err, f.got)
	}
}

func TestDispatcherConcurrentRoundsSendOnce(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	for i := 0; i < 20; i++ {
		if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C", Body: body("n")}); err != nil {
			t.Fatal(err)
		}
	}
	f := &flaky{}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now}
	var wg sync.WaitGroup
	for i := 0; i < 5; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _, _, _ = d.RunOnce(ctx) }()
	}
	wg.Wait()
	if len(f.got) != 20 {
		t.Errorf("%d deliveries of 20 notices", len(f.got))
	}
}

func TestDispatcherHoldsInQuietHours(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 23, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:expiry", Body: body("wake up")},
		store.Notice{Platform: "slack", Channel: "C1", Kind: "approval", Body: body("please approve #7")}); err != nil {
		t.Fatal(err)
	}
	morning := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	f := &flaky{}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now,
		Hold: func(ctx context.Context, n store.Notice, now time.Time) time.Time {
			if n.Kind == "alert:expiry" && now.Before(morning) {
				return morning
			}
			return now
		}}
	// The alert waits; the approval request to the same channel does not wait behind it.
	if sent, _, err := d.RunOnce(ctx); err != nil || sent != 1 || len(f.got) != 1 || f.got[0] != "C1||please approve #7" {
		t.Fatalf("during quiet hours: sent=%d err=%v got=%q", sent, err, f.got)
	}
	f.got = nil
	if ns, _ := st.DueNotices(ctx, morning, 10); len(ns) != 1 || ns[0].Attempts != 0 {
		t.Errorf("a quiet-hours hold counted as a failed attempt: %+v", ns)
	}
	clk.Set(morning.Add(-time.Second))
	if sent, _, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatal("delivered a second before the window ended")
	}
	clk.Set(morning)
	if sent, _, err := d.RunOnce(ctx); err != nil || sent != 1 || len(f.got) != 1 {
		t.Errorf("not delivered when the window ended: sent=%d err=%v", sent, err)
	}
}

func TestDispatcherKeepsOrderPerTarget(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	for _, text := range []string{"part 1/3", "part 2/3", "part 3/3"} {
		if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:expiry", Body: body(text)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C2", Body: body("other channel")}); err != nil {
		t.Fatal(err)
	}
	f := &flaky{fail: 1} // the first part fails once
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now, Backoff: time.Minute}
	for i := 0; i < 5; i++ {
		if _, _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Set(clk.Now().Add(time.Minute))
	}
	want := []string{"C2||other channel", "C1||part 1/3", "C1||part 2/3", "C1||part 3/3"}
	if !slices.Equal(f.got, want) {
		t.Errorf("delivered %q, want %q", f.got, want)
	}
}

// crashingOutbox is the store as a process sees it that dies in the middle of AckNotice: after
// acks successful acks, the next one never happens and the process is gone (every later call
// fails too).
type crashingOutbox struct {
	*store.Store
	acks int
	dead bool
}

var errCrashed = errors.New("process killed")

func (o *crashingOutbox) AckNotice(ctx context.Context, id uint64) error {
	if o.dead || o.acks == 0 {
		o.dead = true
		return errCrashed
	}
	o.acks--
	return o.Store.AckNotice(ctx, id)
}

func (o *crashingOutbox) DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error) {
	if o.dead {
		return nil, errCrashed
	}
	return o.Store.DueNotices(ctx, now, limit)
}

// TestDispatcherCrashRepeatsAtMostTheLastNotice kills the dispatcher between a send and its ack,
// at every position of a batch, then restarts it: every notice arrives, and only the one whose
// ack the crash prevented arrives twice.
func TestDispatcherCrashRepeatsAtMostTheLastNotice(t *testing.T) {
	const n = 6
	for crashAfter := 0; crashAfter < n; crashAfter++ {
		t.Run(fmt.Sprintf("killed before ack %d", crashAfter+1), func(t *testing.T) {
			ctx := context.Background()
			clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
			path := filepath.Join(t.TempDir(), "bot.db")
			st := openStore(t, path, clk)
			for i := range n {
				if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Body: body(fmt.Sprint(i))}); err != nil {
					t.Fatal(err)
				}
			}
			f := &flaky{}
			d := &bot.Dispatcher{Outbox: &crashingOutbox{Store: st, acks: crashAfter}, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now}
			if _, _, err := d.RunOnce(ctx); !errors.Is(err, errCrashed) {
				t.Fatalf("RunOnce = %v, want the crash", err)
			}
			// Restart: a new process, the same file.
			st.Close()
			st = openStore(t, path, clk)
			d = &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now}
			if _, _, err := d.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			count := map[string]int{}
			for _, g := range f.got {
				count[g]++
			}
			for i := range n {
				want := 1
				if i == crashAfter {
					want = 2 // sent, killed before its ack, sent again
				}
				if got := count["C1||"+fmt.Sprint(i)]; got != want {
					t.Errorf("notice %d delivered %d times, want %d (deliveries %q)", i, got, want, f.got)
				}
			}
			if left, _ := st.PendingNotices(ctx); left != 0 {
				t.Errorf("%d notices left", left)
			}
		})
	}
}

// failingAcks is a store whose writes fail for a while (a full disk, a damaged page): the first
// fail AckNotice calls fail.
type failingAcks struct {
	*store.Store
	fail int
}

func (o *failingAcks) AckNotice(ctx context.Context, id uint64) error {
	if o.fail > 0 {
		o.fail--
		return errors.New("store: ack notice: disk full")
	}
	return o.Store.AckNotice(ctx, id)
}

// TestDispatcherDoesNotResendWhatItCouldNotAck: a notice the platform accepted but the store
// could not record was sent again at every round while the store failed. It is sent once; the
// dispatcher retries recording it, and sends nothing else until it can.
func TestDispatcherDoesNotResendWhatItCouldNotAck(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	for _, text := range []string{"first", "second"} {
		if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Body: body(text)}); err != nil {
			t.Fatal(err)
		}
	}
	f := &flaky{}
	d := &bot.Dispatcher{Outbox: &failingAcks{Store: st, fail: 3}, Senders: map[string]bot.Sender{"slack": f}, Now: clk.Now}
	for round := 0; round < 6; round++ {
		_, _, err := d.RunOnce(ctx)
		if round < 3 && err == nil {
			t.Errorf("round %d: a failed ack was not reported", round)
		}
		clk.Set(clk.Now().Add(time.Second))
	}
	if want := []string{"C1||first", "C1||second"}; !slices.Equal(f.got, want) {
		t.Errorf("delivered %q, want %q", f.got, want)
	}
	if left, _ := st.PendingNotices(ctx); left != 0 {
		t.Errorf("%d notices left in the outbox", left)
	}
}
