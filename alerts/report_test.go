package alerts_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// TestScheduledReport: the reporter queues one notice per report subscription (not to "all"
// subscribers), each carrying the picture in its body with the caption as text and alt, in the
// channel's language, held to the end of the channel's quiet hours; run again the same day it
// queues nothing more.
func TestScheduledReport(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	e.subscribe("slack:C1", alerts.KindReport, "*")
	e.subscribe("telegram:T1", alerts.KindReport, "label:vip")
	e.subscribe("wecom:W1", "all", "*")
	if err := e.Store.SetChannelPrefs(ctx, "telegram", "T1", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Store.SetQuietHours(ctx, "slack", "C1", &store.QuietHours{Start: "00:00", End: "23:59"}, store.Actor{Platform: "console", UserID: "admin"}); err != nil {
		t.Fatal(err)
	}
	r := e.scanner.Reporter(e.Client, e.Store)
	n, err := r.Send(ctx)
	if err != nil || n != 2 {
		t.Fatalf("queued %d, %v; want 2", n, err)
	}
	ns := e.drain()
	if len(ns) != 2 {
		t.Fatalf("%d notices due, want 2", len(ns))
	}
	for _, nt := range ns {
		if nt.Kind != alerts.KindReport || nt.Platform == "wecom" {
			t.Errorf("notice %s:%s kind %q", nt.Platform, nt.Channel, nt.Kind)
		}
		rep, err := chat.DecodeNotice(nt.Body)
		if err != nil || len(rep.Images) != 1 || rep.Images[0].Alt != rep.Text {
			t.Fatalf("body of %s: %v, %d images", nt.Platform, err, len(rep.Images))
		}
		if c, err := png.DecodeConfig(bytes.NewReader(rep.Images[0].PNG)); err != nil || c.Width != 1200 || c.Height != 1500 {
			t.Errorf("%s: png %dx%d %v", nt.Platform, c.Width, c.Height, err)
		}
		switch nt.Platform {
		case "slack":
			if !strings.HasPrefix(rep.Text, "合作伙伴周报 · 全部客户") || !nt.NextAttempt.After(e.Clock.Now()) {
				t.Errorf("slack: next attempt %v (quiet all day), text:\n%s", nt.NextAttempt, rep.Text)
			}
		case "telegram":
			if !strings.HasPrefix(rep.Text, "Partner weekly report · label vip") || nt.NextAttempt.After(e.Clock.Now()) {
				t.Errorf("telegram: next attempt %v, text:\n%s", nt.NextAttempt, rep.Text)
			}
		}
	}
	e.Clock.Advance(time.Hour)
	if n, err := r.Send(ctx); err != nil || len(e.drain()) != 0 {
		t.Errorf("again the same day: %d queued (%v), some delivered twice", n, err)
	}
}

// TestReportSchedule: a report schedule that does not parse stops the start.
func TestReportSchedule(t *testing.T) {
	e := newEnv(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := e.scanner.Start(ctx, alerts.Schedule{Report: "every monday", Reporter: e.scanner.Reporter(e.Client, e.Store)})
	if err == nil || !strings.Contains(err.Error(), "report schedule") {
		t.Errorf("err %v", err)
	}
	if _, err := e.scanner.Start(ctx, alerts.Schedule{Reporter: e.scanner.Reporter(e.Client, e.Store)}); err != nil {
		t.Errorf("default schedule: %v", err)
	}
}

// txnLimited is a report store whose every EnqueueNotices is one transaction of at most max
// bytes of notice bodies, as etcd's (store/etcdstore.MaxTxnBytes, 1.5 MiB less framing); it
// refuses a larger one whole, as etcdstore does (ErrTooLarge), and records the largest body.
type txnLimited struct {
	alerts.ReportStore
	max, largest int
	refuse       string // a channel whose notices are refused
}

func (s *txnLimited) EnqueueNotices(ctx context.Context, ns ...store.Notice) error {
	total := 0
	for _, n := range ns {
		total += len(n.Body)
		s.largest = max(s.largest, len(n.Body))
		if n.Channel == s.refuse {
			return fmt.Errorf("refused for %s", n.Channel)
		}
	}
	if total > s.max {
		return fmt.Errorf("%d notices of %d bytes: write too large for one etcd transaction", len(ns), total)
	}
	return s.ReportStore.EnqueueNotices(ctx, ns...)
}

// TestScheduledReportFitsEtcd: the sandbox's report notice, in Chinese and in English, fits
// one etcd transaction with room to spare, and the reporter queues each channel's notice in a
// transaction of its own, so that many subscribed channels do not add up past etcd's limit
// (with one transaction for all, eight channels' reports were refused together), nor one
// channel's refused notice keep the others from theirs.
func TestScheduledReportFitsEtcd(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	const channels = 8
	for i := range channels {
		e.subscribe(fmt.Sprintf("slack:C%d", i), alerts.KindReport, "*")
	}
	if err := e.Store.SetChannelPrefs(ctx, "slack", "C1", store.Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	const etcdTxn = 1536*1024 - 16*1024 // store/etcdstore.MaxTxnBytes
	st := &txnLimited{ReportStore: e.Store, max: etcdTxn}
	r := e.scanner.Reporter(e.Client, e.Store)
	r.Store = st
	if n, err := r.Send(ctx); err != nil || n != channels {
		t.Fatalf("queued %d, %v; want %d", n, err, channels)
	}
	if len(e.drain()) != channels {
		t.Errorf("not every channel's report was queued")
	}
	// Two languages' bodies together still fit one transaction (a notice with Bodies).
	if 2*st.largest > etcdTxn {
		t.Errorf("the largest report notice is %d bytes: two languages of it do not fit one etcd transaction", st.largest)
	}
	t.Logf("largest report notice body: %d bytes (etcd transaction: %d)", st.largest, etcdTxn)

	// The next day one channel's notice is refused: the others are queued all the same.
	e.Clock.Advance(24 * time.Hour)
	st.refuse = "C3"
	if n, err := r.Send(ctx); err == nil || n != channels-1 || !strings.Contains(err.Error(), "C3") {
		t.Errorf("with C3 refused: queued %d, %v; want %d and C3's error", n, err, channels-1)
	}
	if got := len(e.drain()); got != channels-1 {
		t.Errorf("%d notices due with C3 refused, want %d", got, channels-1)
	}
}
