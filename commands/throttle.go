package commands

import (
	"errors"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// retryMinutes is how many minutes a throttled caller is asked to wait: what BSS asked for,
// rounded up, or one minute when it did not say.
func retryMinutes(err error) int {
	if d := bssRetryAfter(err); d > 0 {
		return int((d + time.Minute - 1) / time.Minute)
	}
	return 1
}

// bssRetryAfter is how long BSS asked us to wait before calling again (its Retry-After or
// throttling hint), or 0 when it did not say. It is the one place that reads that hint off an
// error: the client carries the server's hint out uncapped in bss.Error.RetryAfter, even when
// it refused to wait that long itself.
func bssRetryAfter(err error) time.Duration {
	var be *bss.Error
	if errors.As(err, &be) {
		return be.RetryAfter
	}
	return 0
}

// ceilSeconds is d in whole seconds, rounded up, at least one.
func ceilSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
