package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// scripted answers each send to a channel with the error given for it (nil = delivered) and
// records what it delivered.
type scripted struct {
	mu   sync.Mutex
	errs map[string]error // by channel ("" = direct messages)
	got  []string
}

func (s *scripted) Send(_ context.Context, to bot.Target, r chat.Reply) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.errs[to.Channel]; err != nil {
		return err
	}
	s.got = append(s.got, to.Channel+"|"+to.UserID+"|"+r.Title+r.Text)
	return nil
}

// TestDispatcherClassifiesSendErrors: a permanent failure (channel gone, bot removed) parks
// the notice and tells the admins instead of retrying it forever, and does not hold back other
// places; a throttled send waits the platform's Retry-After without counting as a failure.
func TestDispatcherClassifiesSendErrors(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	gone := errors.New("channel_not_found")
	slow := errors.New("ratelimited")
	s := &scripted{errs: map[string]error{"CGONE": bot.Permanent(gone), "CBUSY": bot.Throttled(30*time.Second, slow)}}
	if err := st.EnqueueNotices(ctx,
		store.Notice{Platform: "slack", Channel: "CGONE", Kind: "alert", Body: body("gone 1")},
		store.Notice{Platform: "slack", Channel: "CGONE", Kind: "alert", Body: body("gone 2")},
		store.Notice{Platform: "slack", Channel: "CBUSY", Kind: "alert", Body: body("busy")},
		store.Notice{Platform: "slack", Channel: "COK", Kind: "alert", Body: body("ok")},
	); err != nil {
		t.Fatal(err)
	}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": s}, Now: clk.Now,
		Admins: []string{"slack:UADMIN", "console:admin"}}
	sent, failed, err := d.RunOnce(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sent != 1 || failed != 2 {
		t.Fatalf("sent %d failed %d, want 1 sent (COK) and 2 parked; a throttle is not a failure", sent, failed)
	}
	parked, err := st.ParkedNotices(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(parked) != 2 || !strings.Contains(parked[0].LastError, "channel_not_found") {
		t.Fatalf("parked %+v, want both CGONE notices with the platform's reason", parked)
	}
	// The admins are told once per place (not once per notice), directly, with /resend.
	d.Senders["console"] = s
	if _, _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	told := 0
	for _, g := range s.got {
		if strings.Contains(g, "/resend") && strings.Contains(g, "slack:CGONE") {
			told++
		}
	}
	if told != 2 {
		t.Fatalf("admins told %d times, want once each (2):\n%s", told, strings.Join(s.got, "\n"))
	}
	// The throttled notice waits 30 s, counted as no attempt, then goes out.
	s.errs["CBUSY"] = nil
	clk.Advance(29 * time.Second)
	if sent, _, _ := d.RunOnce(ctx); sent != 0 {
		t.Fatalf("sent %d before the platform's Retry-After", sent)
	}
	clk.Advance(2 * time.Second)
	if sent, _, _ := d.RunOnce(ctx); sent != 1 {
		t.Fatalf("sent %d after Retry-After, want the throttled notice", sent)
	}
	// An admin resends a parked notice once the channel is fixed.
	s.errs["CGONE"] = nil
	if err := st.RequeueNotice(ctx, parked[0].ID); err != nil {
		t.Fatal(err)
	}
	if sent, _, _ := d.RunOnce(ctx); sent != 1 {
		t.Fatalf("sent %d after requeue, want 1", sent)
	}
}

// TestDispatcherSanitizesNotices: what an adapter is handed has no raw control characters,
// whatever the notice body (alert digests carry BSS data).
func TestDispatcherSanitizesNotices(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Kind: "alert", Body: body("客户 \x1b[2J\u202eEvil")}); err != nil {
		t.Fatal(err)
	}
	s := &scripted{}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": s}, Now: clk.Now}
	if _, _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.got) != 1 || strings.ContainsAny(s.got[0], "\x1b\u202e") {
		t.Fatalf("delivered %q", s.got)
	}
}

// hanging never answers until its context ends.
type hanging struct{ calls atomic.Int32 }

func (h *hanging) Send(ctx context.Context, _ bot.Target, _ chat.Reply) error {
	h.calls.Add(1)
	<-ctx.Done()
	return ctx.Err()
}

// TestDispatcherAPlatformThatHangsHoldsOnlyItself: a platform that never answers delays only
// its own notices (each send has a deadline, and is retried later); the others go out at once.
func TestDispatcherAPlatformThatHangsHoldsOnlyItself(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.EnqueueNotices(ctx,
		store.Notice{Platform: "telegram", Channel: "-100", Kind: "alert", Body: body("tg")},
		store.Notice{Platform: "slack", Channel: "C1", Kind: "alert", Body: body("slack")},
		store.Notice{Platform: "wecom", Channel: "robot:ops", Kind: "alert", Body: body("wecom")},
	); err != nil {
		t.Fatal(err)
	}
	tg := &hanging{}
	ok := &scripted{}
	d := &bot.Dispatcher{Outbox: st, Now: clk.Now, SendTimeout: 300 * time.Millisecond,
		Senders: map[string]bot.Sender{"telegram": tg, "slack": ok, "wecom": ok}}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sent, failed, err := d.RunOnce(ctx)
		if err != nil || sent != 2 || failed != 1 {
			t.Errorf("RunOnce = %d sent, %d failed, %v; want 2, 1 (the hanging one retried later)", sent, failed, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a hanging platform held the round past its send deadline")
	}
	if len(ok.got) != 2 || tg.calls.Load() != 1 {
		t.Fatalf("delivered %q, telegram tried %d times", ok.got, tg.calls.Load())
	}
	if due, _ := st.DueNotices(ctx, clk.Now().Add(time.Hour), 10); len(due) != 1 || due[0].Platform != "telegram" {
		t.Fatalf("the hanging platform's notice is not kept for a retry: %+v", due)
	}
}
