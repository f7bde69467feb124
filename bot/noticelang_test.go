package bot_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// TestNoticeInTheRecipientsLanguage: a notice rendered in several languages goes out in the one
// its recipient chose (a channel's own, else the person's), in its default body otherwise; the
// dispatcher's own notice of a parked one reaches each admin in that admin's language only.
func TestNoticeInTheRecipientsLanguage(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.SetPrefs(ctx, "slack:UEN", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetChannelPrefs(ctx, "slack", "CEN", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	both := func(zh, en string) (json.RawMessage, map[string]json.RawMessage) {
		return body(zh), map[string]json.RawMessage{"zh": body(zh), "en": body(en)}
	}
	var ns []store.Notice
	for _, to := range []bot.Target{{UserID: "UEN"}, {Channel: "CEN"}, {Channel: "CZH", UserID: "UEN"}, {Channel: "CZH"}, {UserID: "UZH"}} {
		b, bs := both("中文 "+to.Channel+to.UserID, "English "+to.Channel+to.UserID)
		ns = append(ns, store.Notice{Platform: "slack", Channel: to.Channel, UserID: to.UserID, Kind: "approval", Body: b, Bodies: bs})
	}
	if err := st.EnqueueNotices(ctx, ns...); err != nil {
		t.Fatal(err)
	}
	s := &scripted{errs: map[string]error{"CGONE": bot.Permanent(errors.New("channel_not_found"))}}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": s}, Now: clk.Now, Langs: st,
		Admins: []string{"slack:UEN", "slack:UZH"}}
	if _, _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{"|UEN|English UEN", "CEN||English CEN", "CZH|UEN|English CZHUEN", "CZH||中文 CZH", "|UZH|中文 UZH"}
	if strings.Join(s.got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sent:\n%s\nwant:\n%s", strings.Join(s.got, "\n"), strings.Join(want, "\n"))
	}
	s.got = nil
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "CGONE", Kind: "alert", Body: body("gone")}); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if len(s.got) != 2 {
		t.Fatalf("admins told %d times, want 2:\n%s", len(s.got), strings.Join(s.got, "\n"))
	}
	for _, g := range s.got {
		en := strings.HasPrefix(g, "|UEN|")
		if hasHan := strings.ContainsFunc(g, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }); en == hasHan || en != strings.Contains(g, "Notice not delivered") {
			t.Errorf("parked notice not in its admin's language only:\n%s", g)
		}
	}
}
