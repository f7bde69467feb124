// Package bot holds what the chat adapters share: the dispatcher that delivers the outbox's
// notices through them. Each adapter lives in its own sub-package (bot/console, ...).
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Target is where a notice goes on its platform: a channel, or a user directly when Channel
// is empty.
type Target struct {
	Channel string
	UserID  string
}

// Sender delivers a reply on one platform; each adapter implements it.
type Sender interface {
	Send(ctx context.Context, to Target, r chat.Reply) error
}

// LangSource tells the language ("zh", "en"; "" for none chosen) of a notice's recipient: the
// channel's when channel is set and has one, else the person's (*store.Store implements it).
type LangSource interface {
	NoticeLang(ctx context.Context, platform, channel, user string) (string, error)
}

// Outbox is what the dispatcher needs of the store.
type Outbox interface {
	DueNotices(ctx context.Context, now time.Time, limit int) ([]store.Notice, error)
	AckNotice(ctx context.Context, id uint64) error
	RetryNotice(ctx context.Context, id uint64, next time.Time, errText string) error
	PostponeNotice(ctx context.Context, id uint64, next time.Time) error
	ParkNotice(ctx context.Context, id uint64, reason string, notify ...store.Notice) error
}

// Dispatcher delivers due notices, each platform's one at a time (platforms side by side),
// acknowledging each in the store right after its platform accepted it and before sending the
// next of that platform, and retrying failures with exponential
// backoff. Because notices live in the store until acknowledged, a restart picks up where the
// last run left off: delivery is at least once, and a crash repeats at most one notice per
// platform, the one between its send and its ack (TestKillDuringDeliveryRepeatsAtMostOnePerPlatform).
// A notice sent whose ack the store refused is not sent again by this dispatcher: it retries
// the ack, and sends nothing more until the store takes it.
type Dispatcher struct {
	Outbox   Outbox
	Senders  map[string]Sender // by platform: "console", "slack", ...
	Now      func() time.Time
	Logger   *slog.Logger
	Interval time.Duration // how often to look for due notices; default 1s
	Backoff  time.Duration // first retry delay; default 2s, doubled per attempt
	MaxDelay time.Duration // longest retry delay; default 10m
	Batch    int           // notices per round; default 50
	// SendTimeout bounds one send; default 1m. Platforms are delivered side by side, so a
	// platform that hangs delays only its own notices.
	SendTimeout time.Duration
	// Hold, when set, says until when a notice must wait (quiet hours); a time after now
	// postpones it, including a retry that would otherwise fall inside the window.
	Hold func(ctx context.Context, n store.Notice, now time.Time) time.Time
	// Admins ("platform:user-id") are told, directly, when a notice is parked because its
	// platform said it can never be delivered as addressed.
	Admins []string
	// Observer, when set, is told of every delivery attempt (metrics).
	Observer DeliveryObserver
	// Langs, when set, say which language a notice's recipient reads (the channel's /lang, else
	// the person's): a notice rendered in several languages is sent in that one, and in its
	// default rendering when the recipient chose none or Langs cannot say.
	Langs LangSource
	// Lang is the bot's default language, of the notices the dispatcher writes itself to
	// recipients who chose none; zh when empty.
	Lang lang.Lang

	once sync.Once
	mu   sync.Mutex // one round at a time: a notice is never picked up twice concurrently
	// unacked holds the notices sent whose ack failed; guarded by unackedMu (a round's
	// platforms run side by side).
	unackedMu sync.Mutex
	unacked   map[uint64]bool
}

func (d *Dispatcher) defaults() { d.once.Do(d.setDefaults) }

func (d *Dispatcher) setDefaults() {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Interval <= 0 {
		d.Interval = time.Second
	}
	if d.Backoff <= 0 {
		d.Backoff = 2 * time.Second
	}
	if d.MaxDelay <= 0 {
		d.MaxDelay = 10 * time.Minute
	}
	if d.Batch <= 0 {
		d.Batch = 50
	}
	if d.SendTimeout <= 0 {
		d.SendTimeout = time.Minute
	}
}

// DeliveryObserver is told how each attempt to deliver a notice ended. It must not block.
type DeliveryObserver interface {
	// ObserveDelivery: outcome is "sent", "failed" (retried later), "throttled" (waits, not
	// a failure) or "parked" (can never be delivered as addressed).
	ObserveDelivery(n store.Notice, outcome string)
}

func (d *Dispatcher) observe(n store.Notice, outcome string) {
	if d.Observer != nil {
		d.Observer.ObserveDelivery(n, outcome)
	}
}

// ErrNoSender means no adapter of the notice's platform is running; the notice waits.
var ErrNoSender = errors.New("no adapter for this platform is running")

// RunOnce delivers what is due now. It returns how many notices were sent and how many failed.
// Each platform's notices go out in order, one at a time, while the platforms are served side
// by side: one that is slow or hangs does not hold back the others.
func (d *Dispatcher) RunOnce(ctx context.Context) (sent, failed int, err error) {
	d.defaults()
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.ackDelivered(ctx); err != nil {
		return 0, 0, err
	}
	now := d.Now()
	due, err := d.Outbox.DueNotices(ctx, now, d.Batch)
	if err != nil {
		return 0, 0, fmt.Errorf("dispatch: %w", err)
	}
	var order []string
	byPlatform := map[string][]store.Notice{}
	for _, n := range due {
		if _, ok := byPlatform[n.Platform]; !ok {
			order = append(order, n.Platform)
		}
		byPlatform[n.Platform] = append(byPlatform[n.Platform], n)
	}
	var (
		wg    sync.WaitGroup
		resMu sync.Mutex
	)
	for _, platform := range order {
		wg.Go(func() {
			s, f, perr := d.deliverAll(ctx, now, byPlatform[platform])
			resMu.Lock()
			defer resMu.Unlock()
			sent, failed = sent+s, failed+f
			if perr != nil && err == nil {
				err = perr
			}
		})
	}
	wg.Wait()
	return sent, failed, err
}

// deliverAll delivers one platform's due notices, oldest first.
func (d *Dispatcher) deliverAll(ctx context.Context, now time.Time, due []store.Notice) (sent, failed int, err error) {
	// A notice that fails holds back the later notices to the same place until its retry, so
	// that the parts of a split digest arrive in order.
	type place struct{ channel, user string }
	heldUntil := map[place]time.Time{}
	for _, n := range due {
		if ctx.Err() != nil {
			return sent, failed, ctx.Err()
		}
		to := place{n.Channel, n.UserID}
		if n.Channel != "" {
			to.user = "" // a channel notice mentioning a user goes to the channel
		}
		if until, held := heldUntil[to]; held {
			if err := d.Outbox.PostponeNotice(context.WithoutCancel(ctx), n.ID, until); err != nil {
				return sent, failed, fmt.Errorf("dispatch: %w", err)
			}
			continue
		}
		if d.Hold != nil {
			// Quiet hours hold this notice only: an approval request to the same channel
			// is not an alert and goes out.
			if until := d.Hold(ctx, n, now); until.After(now) {
				if err := d.Outbox.PostponeNotice(context.WithoutCancel(ctx), n.ID, until); err != nil {
					return sent, failed, fmt.Errorf("dispatch: %w", err)
				}
				continue
			}
		}
		err := d.deliver(ctx, n)
		if wait, throttled := RetryAfterOf(err); throttled {
			// The platform asked us to slow down: not a failure, and the place waits.
			until := now.Add(max(wait, time.Second))
			d.observe(n, "throttled")
			d.Logger.Info("platform is throttling; notice waits", "notice", n.ID, "platform", n.Platform, "until", until)
			if perr := d.Outbox.PostponeNotice(context.WithoutCancel(ctx), n.ID, until); perr != nil {
				return sent, failed, fmt.Errorf("dispatch: %w", perr)
			}
			heldUntil[to] = until
			continue
		}
		if errors.Is(err, ErrPermanent) {
			// Retrying cannot help, and must not hold back later notices to other places:
			// set it aside and tell the admins, once a day per place.
			failed++
			d.observe(n, "parked")
			d.Logger.Error("notice can never be delivered as addressed; parked", "notice", n.ID, "platform", n.Platform,
				"channel", n.Channel, "user", n.UserID, "error", err)
			if perr := d.Outbox.ParkNotice(context.WithoutCancel(ctx), n.ID, err.Error(), d.parkedNotices(n, err, now)...); perr != nil {
				return sent, failed, fmt.Errorf("dispatch: %w", perr)
			}
			continue
		}
		if err != nil {
			failed++
			d.observe(n, "failed")
			next := now.Add(d.delay(n.Attempts))
			d.Logger.Warn("notice not delivered; will retry", "notice", n.ID, "platform", n.Platform,
				"channel", n.Channel, "attempt", n.Attempts+1, "next", next, "error", err)
			if rerr := d.Outbox.RetryNotice(context.WithoutCancel(ctx), n.ID, next, err.Error()); rerr != nil {
				return sent, failed, fmt.Errorf("dispatch: %w", rerr)
			}
			heldUntil[to] = next
			continue
		}
		sent++
		d.observe(n, "sent")
		if err := d.Outbox.AckNotice(context.WithoutCancel(ctx), n.ID); err != nil {
			d.remember(n.ID)
			return sent, failed, fmt.Errorf("dispatch: notice %d was delivered but not recorded; it is not sent again: %w", n.ID, err)
		}
	}
	return sent, failed, nil
}

// remember notes that notice id was delivered but its ack failed.
func (d *Dispatcher) remember(id uint64) {
	d.unackedMu.Lock()
	defer d.unackedMu.Unlock()
	if d.unacked == nil {
		d.unacked = map[uint64]bool{}
	}
	d.unacked[id] = true
}

// ackDelivered records the deliveries whose ack failed before. Until it succeeds nothing else is
// sent: the store could not record that either. A notice no longer in the outbox needs no ack.
func (d *Dispatcher) ackDelivered(ctx context.Context) error {
	d.unackedMu.Lock()
	defer d.unackedMu.Unlock()
	for id := range d.unacked {
		err := d.Outbox.AckNotice(context.WithoutCancel(ctx), id)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("dispatch: notice %d was delivered but not recorded: %w", id, err)
		}
		delete(d.unacked, id)
	}
	return nil
}

func (d *Dispatcher) deliver(ctx context.Context, n store.Notice) error {
	s, ok := d.Senders[n.Platform]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSender, n.Platform)
	}
	body := n.Body
	if len(n.Bodies) > 0 && d.Langs != nil {
		l, err := d.Langs.NoticeLang(ctx, n.Platform, n.Channel, n.UserID)
		if err != nil {
			d.Logger.Warn("the language of a notice's recipient is unknown; sending the default", "notice", n.ID, "error", err)
		}
		if b, ok := n.Bodies[l]; ok && err == nil {
			body = b
		}
	}
	rep, err := chat.DecodeNotice(body)
	if err != nil {
		// It will never become readable: deliver what can be said.
		d.Logger.Warn("a notice's body is unreadable; sending it as text", "notice", n.ID, "error", err)
	}
	// Sanitized here, once, for every adapter: alert digests carry BSS data.
	sctx, cancel := context.WithTimeout(ctx, d.SendTimeout)
	defer cancel()
	return s.Send(sctx, Target{Channel: n.Channel, UserID: n.UserID}, rep.Sanitized())
}

// kindParked is the kind of the notices telling admins of a parked notice; one of those that
// cannot be delivered either is parked without telling anyone again.
const kindParked = "system.parked"

// parkedNotices tells each admin, directly, that notice n was parked and how to resend it.
func (d *Dispatcher) parkedNotices(n store.Notice, cause error, now time.Time) []store.Notice {
	if n.Kind == kindParked {
		return nil
	}
	place := n.Platform + ":" + n.Channel
	if n.Channel == "" {
		place = n.Platform + ":@" + n.UserID
	}
	bodies := map[string]json.RawMessage{}
	for _, l := range []lang.Lang{lang.Zh, lang.En} {
		rep := chat.Reply{
			Title:   l.T("notices.parked_title", n.ID),
			Text:    l.T("notices.parked", place, n.ID, cause, n.ID),
			Buttons: []chat.Button{{Label: cmdline.Resend(n.ID), Command: cmdline.Resend(n.ID)}},
			Lang:    string(l),
		}
		bodies[string(l)] = chat.EncodeNotice(rep)
	}
	def := d.Lang
	if def != lang.En {
		def = lang.Zh
	}
	body := bodies[string(def)]
	delete(bodies, string(def))
	var out []store.Notice
	for _, admin := range d.Admins {
		platform, user, ok := strings.Cut(admin, ":")
		if !ok || user == "" || (n.Channel == "" && platform == n.Platform && user == n.UserID) {
			continue
		}
		out = append(out, store.Notice{Platform: platform, UserID: user, Kind: kindParked, Body: body, Bodies: bodies,
			DedupeKey: fmt.Sprintf("parked:%s:%s", place, now.UTC().Format("2006-01-02")) + ":" + admin})
	}
	return out
}

func (d *Dispatcher) delay(attempts int) time.Duration {
	delay := d.Backoff
	for i := 0; i < attempts && delay < d.MaxDelay; i++ {
		delay *= 2
	}
	return min(delay, d.MaxDelay)
}

// Run delivers notices until ctx ends.
func (d *Dispatcher) Run(ctx context.Context) {
	d.defaults()
	t := time.NewTicker(d.Interval)
	defer t.Stop()
	for {
		if _, _, err := d.RunOnce(ctx); err != nil && ctx.Err() == nil {
			d.Logger.Error("dispatching notices", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
