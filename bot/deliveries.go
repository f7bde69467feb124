package bot

import (
	"context"
	"log/slog"
	"time"
)

// Deliveries remembers the inbound deliveries an adapter took (a Telegram update_id, a WeCom
// MsgId, a Slack event_id) for the platform's retry window, across restarts, so that a delivery
// the platform repeats after a restart runs once; *store.Store implements it.
type Deliveries interface {
	// FirstDeliveries records ids and reports, for each, whether it is its first delivery
	// within ttl.
	FirstDeliveries(ctx context.Context, platform string, ids []string, ttl time.Duration) ([]bool, error)
}

// FirstDeliveries asks d which of ids are delivered for the first time. Without d every id is;
// when d fails (logged) too: the store that cannot record an id cannot record much else, and a
// command that might be repeated after a restart is better than one dropped now.
func FirstDeliveries(ctx context.Context, d Deliveries, log *slog.Logger, platform string, ids []string, ttl time.Duration) []bool {
	if d != nil && len(ids) > 0 {
		first, err := d.FirstDeliveries(context.WithoutCancel(ctx), platform, ids, ttl)
		if err == nil && len(first) == len(ids) {
			return first
		}
		if log != nil {
			log.Error("could not record inbound deliveries; handling them, though a restart may handle them again",
				"platform", platform, "deliveries", len(ids), "error", err)
		}
	}
	first := make([]bool, len(ids))
	for i := range first {
		first[i] = true
	}
	return first
}
