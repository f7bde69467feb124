package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fakeclock"
	"github.com/partnerbot/partnerbot/store"
)

// byChannel answers each send as its channel says.
type byChannel map[string]error

func (b byChannel) Send(_ context.Context, to bot.Target, _ chat.Reply) error {
	return b[to.Channel]
}

type deliveries struct {
	mu  sync.Mutex
	got []string
}

func (d *deliveries) ObserveDelivery(n store.Notice, outcome string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, n.Platform+"|"+n.Channel+"|"+n.Kind+"|"+outcome)
}

func TestDispatcherObserver(t *testing.T) {
	ctx := context.Background()
	clk := fakeclock.New(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	st := openStore(t, filepath.Join(t.TempDir(), "bot.db"), clk)
	if err := st.EnqueueNotices(ctx,
		store.Notice{Platform: "slack", Channel: "OK", Kind: "alert:expiry", Body: body("a")},
		store.Notice{Platform: "slack", Channel: "DOWN", Kind: "alert:arrears", Body: body("b")},
		store.Notice{Platform: "slack", Channel: "GONE", Kind: "approval", Body: body("c")},
		store.Notice{Platform: "slack", Channel: "SLOW", Kind: "approval", Body: body("d")},
		store.Notice{Platform: "telegram", Channel: "T", Kind: "approval", Body: body("e")},
	); err != nil {
		t.Fatal(err)
	}
	obs := &deliveries{}
	d := &bot.Dispatcher{Outbox: st, Now: clk.Now, Observer: obs, Senders: map[string]bot.Sender{"slack": byChannel{
		"DOWN": errors.New("connection reset"),
		"GONE": bot.Permanent(errors.New("channel_not_found")),
		"SLOW": bot.Throttled(time.Minute, errors.New("ratelimited")),
	}}}
	if _, _, err := d.RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"slack|OK|alert:expiry|sent",
		"slack|DOWN|alert:arrears|failed",
		"slack|GONE|approval|parked",
		"slack|SLOW|approval|throttled",
		"telegram|T|approval|failed", // no adapter runs for it: it waits, counted as a failed attempt
	}
	// Platforms are delivered side by side: order holds within a platform, not across them.
	got := slices.Clone(obs.got)
	slices.SortStableFunc(got, func(a, b string) int { return strings.Compare(strings.Split(a, "|")[0], strings.Split(b, "|")[0]) })
	if !slices.Equal(got, want) {
		t.Errorf("observed\n%q\nwant\n%q", obs.got, want)
	}
}
