package commands

import "time"

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
// error. The client honours Retry-After in its own retries, but its *bss.Error does not carry
// the hint out in this version, so there is none to read and callers wait the default minute.
func bssRetryAfter(error) time.Duration { return 0 }

// ceilSeconds is d in whole seconds, rounded up, at least one.
func ceilSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
