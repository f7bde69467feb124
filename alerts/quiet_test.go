package alerts_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/store"
)

// quietStore holds quiet hours by "platform:channel"; any other channel fails to read.
type quietStore map[string]*store.QuietHours

func (q quietStore) QuietHours(_ context.Context, platform, channel string) (*store.QuietHours, error) {
	h, ok := q[platform+":"+channel]
	if !ok {
		return nil, errors.New("no such channel")
	}
	return h, nil
}

// TestQuietHold: the dispatcher holds an alert or a scheduled report for a channel until its
// quiet hours end, in the bot's zone; replies, approvals, alerts to a person and channels whose hours cannot be read
// go at once.
func TestQuietHold(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	at := func(h, m int) time.Time { return time.Date(2026, 11, 25, h, m, 0, 0, loc) }
	hold := alerts.QuietHold(quietStore{
		"slack:C1": {Start: "22:00", End: "08:00"},
		"slack:C2": nil, // no quiet hours
	}, loc)
	for _, tt := range []struct {
		name string
		n    store.Notice
		now  time.Time
		want time.Time
	}{
		{"alert in the window", store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:expiry"}, at(23, 0), at(8, 0).AddDate(0, 0, 1)},
		{"alert after the window", store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:arrears"}, at(9, 0), at(9, 0)},
		{"alert in UTC time, the window in the bot's zone", store.Notice{Platform: "slack", Channel: "C1", Kind: "alert:expiry"}, at(7, 0).UTC(), at(8, 0)},
		{"channel without quiet hours", store.Notice{Platform: "slack", Channel: "C2", Kind: "alert:expiry"}, at(23, 0), at(23, 0)},
		{"channel unreadable", store.Notice{Platform: "slack", Channel: "C9", Kind: "alert:expiry"}, at(23, 0), at(23, 0)},
		{"scheduled report in the window, a retry included", store.Notice{Platform: "slack", Channel: "C1", Kind: alerts.KindReport, Attempts: 1}, at(23, 0), at(8, 0).AddDate(0, 0, 1)},
		{"scheduled report after the window", store.Notice{Platform: "slack", Channel: "C1", Kind: alerts.KindReport}, at(9, 0), at(9, 0)},
		{"approval", store.Notice{Platform: "slack", Channel: "C1", Kind: "approval"}, at(23, 0), at(23, 0)},
		{"alert to a person", store.Notice{Platform: "slack", UserID: "U1", Kind: "alert:expiry"}, at(23, 0), at(23, 0)},
	} {
		if got := hold(context.Background(), tt.n, tt.now); !got.Equal(tt.want) {
			t.Errorf("%s: held until %v, want %v", tt.name, got, tt.want)
		}
	}
}
