package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"sync"
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
