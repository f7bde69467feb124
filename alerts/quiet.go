package alerts

import (
	"context"
	"strings"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// QuietHoursReader is what QuietHold reads of the store: a channel's quiet hours.
type QuietHoursReader interface {
	QuietHours(ctx context.Context, platform, channel string) (*store.QuietHours, error)
}

// QuietHold is the outbox dispatcher's hold (bot.Dispatcher.Hold) for alerts: a notice of an
// alert kind, or the scheduled report (KindReport), to a channel waits until the end of that
// channel's quiet hours, read in loc (the bot's zone), retries included. Other notices (replies, approvals) and alerts sent to a person
// are not held, nor is a notice whose channel's quiet hours cannot be read.
func QuietHold(st QuietHoursReader, loc *time.Location) func(ctx context.Context, n store.Notice, now time.Time) time.Time {
	return func(ctx context.Context, n store.Notice, now time.Time) time.Time {
		if !(strings.HasPrefix(n.Kind, "alert") || n.Kind == KindReport) || n.Channel == "" {
			return now
		}
		q, err := st.QuietHours(ctx, n.Platform, n.Channel)
		if err != nil {
			return now
		}
		return QuietEnd(q, loc, now)
	}
}
