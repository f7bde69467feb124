package alerts_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/console"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// platform is a chat platform that refuses its first fail sends, then records what it gets.
type platform struct {
	mu     sync.Mutex
	fail   int
	failed int
	got    []delivery
}

type delivery struct {
	to   bot.Target
	text string
	at   time.Time
}

var errPlatformDown = errors.New("platform is down")

func (p *platform) sender(now func() time.Time) bot.Sender {
	return senderFunc(func(ctx context.Context, to bot.Target, r chat.Reply) error {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.fail > 0 {
			p.fail--
			p.failed++
			return errPlatformDown
		}
		p.got = append(p.got, delivery{to: to, text: render(r), at: now()})
		return nil
	})
}

func (p *platform) delivered() []delivery {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]delivery(nil), p.got...)
}

type senderFunc func(ctx context.Context, to bot.Target, r chat.Reply) error

func (f senderFunc) Send(ctx context.Context, to bot.Target, r chat.Reply) error {
	return f(ctx, to, r)
}

// render is a reply as text, the same for a notice's body and what a sender got: what the
// console shows (bot/console's plain renderer, unwrapped), buttons with their commands.
func render(r chat.Reply) string { return console.RenderWidth(r, 0) }

func renderNotice(t *testing.T, n store.Notice) string {
	t.Helper()
	var r chat.Reply
	if err := json.Unmarshal(n.Body, &r); err != nil {
		t.Fatalf("notice %d body: %v", n.ID, err)
	}
	return render(r)
}

// queued is every notice in the outbox, however far in the future it is due.
func (e *env) queued() []store.Notice {
	e.t.Helper()
	ns, err := e.Store.DueNotices(context.Background(), e.Clock.Now().Add(10*365*24*time.Hour), 10000)
	if err != nil {
		e.t.Fatal(err)
	}
	return ns
}

func (e *env) pending() int {
	e.t.Helper()
	n, err := e.Store.PendingNotices(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// deliverAll runs the dispatcher round after round, moving the clock to the next attempt
// whenever nothing is due, until the outbox is empty. It returns the rounds run.
func (e *env) deliverAll(d *bot.Dispatcher) int {
	e.t.Helper()
	ctx := context.Background()
	for round := 1; round <= 200; round++ {
		sent, failed, err := d.RunOnce(ctx)
		if err != nil {
			e.t.Fatalf("round %d: %v", round, err)
		}
		if sent > 0 || failed > 0 {
			continue
		}
		ns := e.queued()
		if len(ns) == 0 {
			return round
		}
		next := ns[0].NextAttempt
		for _, n := range ns {
			if n.NextAttempt.Before(next) {
				next = n.NextAttempt
			}
		}
		if !next.After(e.Clock.Now()) {
			e.t.Fatalf("round %d: %d notices due at %v but none was tried", round, len(ns), next)
		}
		e.Clock.Advance(next.Sub(e.Clock.Now()))
	}
	e.t.Fatalf("the outbox did not empty: %d notices left", e.pending())
	return 0
}

// checkExactlyOnce asserts that every queued notice (by rendered text) reached its channel
// exactly once and nothing else was delivered.
func checkExactlyOnce(t *testing.T, queued []store.Notice, got []delivery) {
	t.Helper()
	want := map[string]int{}
	for _, n := range queued {
		want[n.Channel+"\x00"+renderNotice(t, n)]++
	}
	have := map[string]int{}
	for _, d := range got {
		have[d.to.Channel+"\x00"+d.text]++
	}
	for k, n := range want {
		if have[k] != n {
			ch, body, _ := strings.Cut(k, "\x00")
			t.Errorf("%s got a part %d times, want %d:\n%.300s", ch, have[k], n, body)
		}
	}
	for k, n := range have {
		if want[k] == 0 {
			ch, body, _ := strings.Cut(k, "\x00")
			t.Errorf("%s got %d unexpected messages:\n%.300s", ch, n, body)
		}
	}
	if len(got) != len(queued) {
		t.Errorf("%d deliveries of %d notices", len(got), len(queued))
	}
}

func TestFlakyPlatformGetsEachAlertExactlyOnce(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.MaxChars = map[string]int{"slack": 1500}; o.DigestScreen = -1 })
	e.subscribe("slack:C1", "expiry", "*", 30)
	e.subscribe("slack:C2", "all", "*", 7)
	sum := e.scan(alerts.KindExpiry)
	queued := e.queued()
	if sum.Channels != 2 || sum.Notices != len(queued) || len(queued) < 3 {
		t.Fatalf("scan %+v queued %d notices; want a digest split in several parts for each of 2 channels", sum, len(queued))
	}

	p := &platform{fail: 3}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": p.sender(e.Clock.Now)}, Now: e.Clock.Now,
		Backoff: time.Second, MaxDelay: 8 * time.Second, Batch: 2}
	start := e.Clock.Now()
	rounds := e.deliverAll(d)
	got := p.delivered()
	checkExactlyOnce(t, queued, got)
	if p.failed != 3 || e.pending() != 0 {
		t.Errorf("%d failed sends, %d pending after %d rounds", p.failed, e.pending(), rounds)
	}
	if e.Clock.Now().Sub(start) < time.Second {
		t.Errorf("delivered without waiting for a retry: clock moved %v", e.Clock.Now().Sub(start))
	}
	// Every alerted resource is in what the channel got, once.
	lines := map[string]int{}
	for _, dl := range got {
		_, body, _ := strings.Cut(dl.text, "\n") // the title starts with ⏰ too
		lines[dl.to.Channel] += strings.Count(body, "\n  - ⏰ ") + strings.Count(body, "\n  - ⚠ ") + strings.Count(body, "\n  - 🛑 ")
	}
	for _, ch := range []struct {
		name string
		days int
	}{{"C1", 30}, {"C2", 7}} {
		if n, want := lines[ch.name], e.expectedMains(ch.days, ""); n != want {
			t.Errorf("%s got %d alert lines, want %d", ch.name, n, want)
		}
	}

	// A second scan adds nothing, and the dispatcher sends nothing more.
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 || sum.Notices != 0 {
		t.Errorf("second scan %+v", sum)
	}
	if e.pending() != 0 {
		t.Errorf("%d notices queued after the second scan", e.pending())
	}
	if sent, failed, err := d.RunOnce(context.Background()); sent != 0 || failed != 0 || err != nil {
		t.Errorf("another round: sent %d failed %d err %v", sent, failed, err)
	}
	if len(p.delivered()) != len(got) {
		t.Errorf("more was delivered: %d, then %d", len(got), len(p.delivered()))
	}

	// Arrears go the same way to the channel that wants them, once.
	sum = e.scan(alerts.KindArrears)
	queued = e.queued()
	if sum.Channels != 1 || len(queued) != 1 || queued[0].Channel != "C2" {
		t.Fatalf("arrears scan %+v queued %+v", sum, queued)
	}
	p.mu.Lock()
	p.fail, p.got = 2, nil
	p.mu.Unlock()
	e.deliverAll(d)
	checkExactlyOnce(t, queued, p.delivered())
	if sum := e.scan(alerts.KindArrears); sum.Alerted != 0 || e.pending() != 0 {
		t.Errorf("second arrears scan %+v, %d pending", sum, e.pending())
	}
}

func TestNoSenderWaitsForItsPlatform(t *testing.T) {
	e := newEnv(t, nil)
	e.subscribe("telegram:-100", "expiry", "*", 7)
	e.subscribe("slack:C1", "expiry", "*", 7)
	e.scan(alerts.KindExpiry)
	queued := e.queued()
	slack := &platform{}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": slack.sender(e.Clock.Now)}, Now: e.Clock.Now,
		Backoff: time.Second, MaxDelay: 4 * time.Second}
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(5 * time.Second)
	}
	// The telegram digest waits in the outbox; it is delivered once its adapter runs.
	var tg []store.Notice
	for _, n := range queued {
		if n.Platform == "telegram" {
			tg = append(tg, n)
		}
	}
	if len(tg) == 0 || e.pending() != len(tg) {
		t.Fatalf("%d telegram notices, %d pending", len(tg), e.pending())
	}
	telegram := &platform{}
	d2 := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": slack.sender(e.Clock.Now), "telegram": telegram.sender(e.Clock.Now)},
		Now: e.Clock.Now, Backoff: time.Second, MaxDelay: 4 * time.Second}
	e.deliverAll(d2)
	checkExactlyOnce(t, tg, telegram.delivered())
	if n := len(slack.delivered()); n != len(queued)-len(tg) {
		t.Errorf("slack got %d, want %d", n, len(queued)-len(tg))
	}
}

func TestQuietHoursHoldDeliveryUntilTheirEnd(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.Location = time.UTC })
	ctx := context.Background()
	e.subscribe("slack:C1", "expiry", "*", 30)
	e.subscribe("slack:C2", "expiry", "*", 30) // no quiet hours
	now := e.Clock.Now().UTC()
	start, end := now.Add(-time.Hour).Format("15:04"), now.Add(2*time.Hour).Format("15:04")
	windowEnd := now.Add(2 * time.Hour).Truncate(time.Minute)
	if err := e.Store.SetQuietHours(ctx, "slack", "C1", &store.QuietHours{Start: start, End: end},
		store.Actor{Platform: "slack", UserID: "U1"}); err != nil {
		t.Fatal(err)
	}
	sum := e.scan(alerts.KindExpiry)
	queued := e.queued()
	var quiet, loud []store.Notice
	for _, n := range queued {
		if n.Channel == "C1" {
			quiet = append(quiet, n)
		} else {
			loud = append(loud, n)
		}
	}
	if sum.Channels != 2 || len(quiet) == 0 || len(loud) == 0 {
		t.Fatalf("scan %+v: %d quiet, %d loud notices", sum, len(quiet), len(loud))
	}
	p := &platform{}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": p.sender(e.Clock.Now)}, Now: e.Clock.Now}
	// During the quiet hours only the other channel gets its digest.
	for _, step := range []time.Duration{0, time.Hour, windowEnd.Sub(e.Clock.Now()) - time.Second - time.Hour} {
		e.Clock.Advance(step)
		if _, _, err := d.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		for _, dl := range p.delivered() {
			if dl.to.Channel == "C1" {
				t.Fatalf("delivered to C1 at %v, during its quiet hours (until %v)", dl.at, windowEnd)
			}
		}
	}
	checkExactlyOnce(t, loud, p.delivered())
	if e.pending() != len(quiet) {
		t.Fatalf("%d pending, want the %d quiet ones", e.pending(), len(quiet))
	}
	// Right when the window ends, everything goes out in one round.
	e.Clock.Advance(windowEnd.Sub(e.Clock.Now()))
	sent, failed, err := d.RunOnce(ctx)
	if err != nil || sent != len(quiet) || failed != 0 {
		t.Fatalf("at the end of the quiet hours: sent %d failed %d err %v, want %d sent", sent, failed, err, len(quiet))
	}
	checkExactlyOnce(t, queued, p.delivered())
	for _, dl := range p.delivered() {
		if dl.to.Channel == "C1" && !dl.at.Equal(windowEnd) {
			t.Errorf("C1 got a part at %v, want %v", dl.at, windowEnd)
		}
	}
	if e.pending() != 0 {
		t.Errorf("%d pending", e.pending())
	}
}

func TestKilledBetweenScanAndDeliveryLosesNothing(t *testing.T) {
	e := newEnv(t, func(o *alerts.Options) { o.MaxChars = map[string]int{"slack": 1500} })
	e.subscribe("slack:C1", "all", "*", 15, 3)
	e.scan(alerts.KindExpiry)
	e.scan(alerts.KindArrears)
	queued := e.queued()
	if len(queued) < 2 {
		t.Fatalf("%d notices queued", len(queued))
	}
	// The process dies before any delivery and starts again.
	e.restart()
	if n := e.pending(); n != len(queued) {
		t.Fatalf("%d notices after the restart, want %d", n, len(queued))
	}
	// The restarted process scans again (nothing new) and its dispatcher delivers everything,
	// through a platform that fails at first.
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 || sum.Notices != 0 {
		t.Errorf("scan after the restart %+v", sum)
	}
	if sum := e.scan(alerts.KindArrears); sum.Alerted != 0 || sum.Notices != 0 {
		t.Errorf("arrears scan after the restart %+v", sum)
	}
	p := &platform{fail: 1}
	d := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": p.sender(e.Clock.Now)}, Now: e.Clock.Now,
		Backoff: time.Second, MaxDelay: 8 * time.Second}
	e.deliverAll(d)
	checkExactlyOnce(t, queued, p.delivered())

	// Killed again, halfway through delivery (after some acks): the rest is delivered once.
	e.subscribe("slack:C2", "expiry", "*", 30)
	e.scan(alerts.KindExpiry)
	queued = e.queued()
	if len(queued) < 2 {
		t.Fatalf("%d notices queued for C2", len(queued))
	}
	p2 := &platform{}
	half := &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": p2.sender(e.Clock.Now)}, Now: e.Clock.Now, Batch: 1}
	if sent, _, err := half.RunOnce(context.Background()); sent != 1 || err != nil {
		t.Fatalf("first part: sent %d err %v", sent, err)
	}
	e.restart()
	d = &bot.Dispatcher{Outbox: e.Store, Senders: map[string]bot.Sender{"slack": p2.sender(e.Clock.Now)}, Now: e.Clock.Now}
	e.deliverAll(d)
	checkExactlyOnce(t, queued, p2.delivered())
	if sum := e.scan(alerts.KindExpiry); sum.Alerted != 0 || e.pending() != 0 {
		t.Errorf("scan after delivery %+v, %d pending", sum, e.pending())
	}
}
