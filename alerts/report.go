package alerts

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/report"
	"github.com/partnerbot/partnerbot/store"
)

// KindReport is the subscription kind of the scheduled partner report (issue #26): not part
// of "all", since it is a picture of some hundred kilobytes rather than an alert.
const KindReport = "report"

// ReportStore is what the scheduled report needs of the store: the subscriptions, each
// channel's quiet hours and language, and the outbox.
type ReportStore interface {
	Subscriptions(ctx context.Context, platform, channel string) ([]store.Subscription, error)
	QuietHours(ctx context.Context, platform, channel string) (*store.QuietHours, error)
	ChannelPrefs(ctx context.Context, platform, channel string) (store.Prefs, error)
	EnqueueNotices(ctx context.Context, ns ...store.Notice) error
}

// Reporter queues the partner report, as a notice carrying its picture (chat.Reply.Images,
// inside the notice's body) and its caption, to every channel subscribed to kind report, once a
// day at most per channel and scope (the notice's dedupe key names the day).
type Reporter struct {
	Gatherer *report.Gatherer
	Store    ReportStore
	Now      func() time.Time
	Location *time.Location // bot.timezone: quiet hours and the day of the dedupe key
	Lang     lang.Lang      // of channels that chose none
	Period   report.Period  // default week
	Logger   *slog.Logger
}

// Send gathers the report's inputs once, builds and draws one report per subscription, and
// queues each in a store write of its own; it returns how many notices it queued, and the
// errors of those it could not queue.
func (r *Reporter) Send(ctx context.Context) (int, error) {
	subs, err := r.Store.Subscriptions(ctx, "", "")
	if err != nil {
		return 0, fmt.Errorf("report: subscriptions: %w", err)
	}
	var mine []store.Subscription
	for _, s := range subs {
		if s.Kind == KindReport {
			mine = append(mine, s)
		}
	}
	if len(mine) == 0 {
		return 0, nil
	}
	now := r.Now()
	loc := r.Location
	if loc == nil {
		loc = time.Local
	}
	period := r.Period
	if period == "" {
		period = report.Week
	}
	in, err := r.Gatherer.Gather(ctx, now, report.Scope{})
	if err != nil {
		return 0, err
	}
	var notices []store.Notice
	for _, s := range mine {
		l := r.Lang
		if p, err := r.Store.ChannelPrefs(ctx, s.Platform, s.Channel); err != nil {
			return 0, fmt.Errorf("report: channel %s: %w", s.ChannelKey(), err)
		} else if pl, ok := lang.ParseLang(p.Lang); ok {
			l = pl
		}
		q, err := r.Store.QuietHours(ctx, s.Platform, s.Channel)
		if err != nil {
			return 0, fmt.Errorf("report: channel %s: %w", s.ChannelKey(), err)
		}
		scope := report.Scope{Name: s.ScopeName}
		switch {
		case strings.HasPrefix(s.Scope, "label:"):
			scope.Label = strings.TrimPrefix(s.Scope, "label:")
		case s.Scope != "*" && s.Scope != "":
			scope.CustomerID = s.Scope
		}
		img, caption, err := report.Image(report.Build(in, scope, period), l)
		if err != nil {
			return 0, err
		}
		notices = append(notices, store.Notice{Platform: s.Platform, Channel: s.Channel, Kind: KindReport,
			Body:        chat.EncodeNotice(chat.Reply{Text: caption, Images: []chat.Image{img}}),
			DedupeKey:   "report:" + s.ChannelKey() + ":" + s.Scope + ":" + now.In(loc).Format("2006-01-02"),
			NextAttempt: QuietEnd(q, loc, now), CreatedAt: now})
	}
	// Each channel's notice in a write of its own: a picture of some hundred kilobytes each,
	// they would soon add up past one etcd transaction (1.5 MiB) and be refused together. A
	// channel whose notice is refused does not keep the others from theirs; the dedupe key
	// keeps a second run from queueing again those already queued.
	queued := 0
	var errs []error
	for _, n := range notices {
		if err := r.Store.EnqueueNotices(ctx, n); err != nil {
			errs = append(errs, fmt.Errorf("report: enqueue for %s:%s: %w", n.Platform, n.Channel, err))
			continue
		}
		queued++
	}
	if r.Logger != nil {
		r.Logger.Info("reports queued", "notices", queued, "failed", len(errs), "period", string(period))
	}
	return queued, errors.Join(errs...)
}

// Reporter is the scheduled report of this scanner's bot: its clock, zone, language, logger
// and forecaster, over b (the monthly bills) and st (the balance cache and the outbox).
func (s *Scanner) Reporter(b report.BSS, st interface {
	ReportStore
	report.Balances
}) *Reporter {
	g := &report.Gatherer{BSS: b, Balances: st, Zone: s.opts.Location}
	if s.opts.Forecaster != nil {
		g.Forecasts = s.opts.Forecaster
	}
	return &Reporter{Gatherer: g, Store: st, Now: s.opts.Now, Location: s.opts.Location, Lang: s.opts.Lang,
		Logger: s.opts.Logger.With("component", "report")}
}
