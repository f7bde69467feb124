package bot_test

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// keeper records the replies it is given.
type keeper struct {
	mu  sync.Mutex
	got []chat.Reply
}

func (k *keeper) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.got = append(k.got, r)
	return nil
}

// TestDispatcherDeliversImages: a notice carrying a picture survives the outbox, a restart of
// the store between queueing and delivery, and quiet hours, and reaches the sender with its
// PNG, name and alt text intact.
func TestDispatcherDeliversImages(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 22, 0, 0, 0, time.UTC))
	path := filepath.Join(t.TempDir(), "bot.db")
	png := make([]byte, 300<<10) // a report's size; every byte value, so no encoding may lose one
	for i := range png {
		png[i] = byte(i * 7)
	}
	img := chat.Image{Name: "report.png", Alt: "12 customers renew this week", PNG: png}
	st, err := store.Open(path, store.Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:report",
		Body: chat.EncodeNotice(chat.Reply{Text: "Weekly report.", Images: []chat.Image{img}})}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openStore(t, path, clk)

	morning := time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)
	k := &keeper{}
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{"slack": k}, Now: clk.Now,
		Hold: func(ctx context.Context, n store.Notice, now time.Time) time.Time {
			if now.Before(morning) {
				return morning
			}
			return now
		}}
	if sent, _, err := d.RunOnce(ctx); err != nil || sent != 0 || len(k.got) != 0 {
		t.Fatalf("during quiet hours: sent %d, %v", sent, err)
	}
	clk.Set(morning)
	if sent, _, err := d.RunOnce(ctx); err != nil || sent != 1 {
		t.Fatalf("after quiet hours: sent %d, %v", sent, err)
	}
	if len(k.got) != 1 || len(k.got[0].Images) != 1 {
		t.Fatalf("delivered %+v, want the notice with its image", k.got)
	}
	got := k.got[0].Images[0]
	if got.Name != img.Name || got.Alt != img.Alt || !bytes.Equal(got.PNG, png) || k.got[0].Text != "Weekly report." {
		t.Errorf("the image came out as %q/%q with %d bytes, want it as queued", got.Name, got.Alt, len(got.PNG))
	}
}

func TestWithoutImages(t *testing.T) {
	r := chat.Reply{Text: "Weekly report.", Lang: "en", Images: []chat.Image{{Name: "report.png", PNG: make([]byte, 2048)}}}
	got := bot.WithoutImages(r)
	if len(got.Images) != 0 || got.Text != "Weekly report.\nimage: report.png, 2 KB (cannot be shown here; use /report --out FILE)" {
		t.Errorf("WithoutImages = %q with %d images", got.Text, len(got.Images))
	}
	if got := bot.WithoutImages(chat.Reply{Text: "x"}); got.Text != "x" {
		t.Errorf("a reply without images changed: %q", got.Text)
	}
}
