package bss_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestRetryAfterCap is issue #10: a Retry-After of an hour must not freeze the bot. The call
// returns at once, throttled, with the server's hint in Error.RetryAfter.
func TestRetryAfterCap(t *testing.T) {
	const path = "/v2/partners/sub-customers/query"
	tests := []struct {
		name       string
		fault      bsstest.Fault
		timeout    time.Duration // of the caller's context; 0 = none
		tweak      func(*bss.Config)
		wantErr    error
		wantCalls  int
		wantAfter  time.Duration
		atMost     time.Duration
		atLeast    time.Duration
		wantInText string
	}{
		{name: "an hour is beyond MaxWait: no sleep",
			fault: bsstest.Fault{Status: 429, RetryAfter: time.Hour}, wantErr: bss.ErrThrottled, wantCalls: 1,
			wantAfter: time.Hour, atMost: time.Second, wantInText: "wait 1 h before"},
		{name: "beyond a lowered MaxWait",
			fault: bsstest.Fault{Status: 429, RetryAfter: 2 * time.Second}, tweak: func(c *bss.Config) { c.MaxWait = time.Second },
			wantErr: bss.ErrThrottled, wantCalls: 1, wantAfter: 2 * time.Second, atMost: time.Second},
		{name: "beyond the context's deadline",
			fault: bsstest.Fault{Status: 429, RetryAfter: 5 * time.Second}, timeout: 2 * time.Second,
			wantErr: bss.ErrThrottled, wantCalls: 1, wantAfter: 5 * time.Second, atMost: time.Second},
		{name: "a short hint is honoured, then the call succeeds",
			fault: bsstest.Fault{Status: 429, RetryAfter: time.Second, Times: 1}, wantCalls: 2, atLeast: time.Second, atMost: 3 * time.Second},
		{name: "a backoff longer than the deadline is not slept",
			fault: bsstest.Fault{Status: 503}, timeout: 300 * time.Millisecond,
			tweak:   func(c *bss.Config) { c.RetryBase, c.RetryMax = 5*time.Second, 5*time.Second },
			wantErr: bss.ErrServer, wantCalls: 1, atMost: 250 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, tc.tweak)
			ctx := context.Background()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			srv.Inject("POST", path, tc.fault)
			start := time.Now()
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
			took := time.Since(start)
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if took > tc.atMost || took < tc.atLeast {
				t.Errorf("took %v, want between %v and %v", took, tc.atLeast, tc.atMost)
			}
			if n := srv.CallCount("POST", path); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
			if err == nil {
				return
			}
			var be *bss.Error
			if !errors.As(err, &be) || be.RetryAfter != tc.wantAfter {
				t.Errorf("RetryAfter = %v, want %v (%v)", be.RetryAfter, tc.wantAfter, err)
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("the call waited for the deadline: %v", err)
			}
			if tc.wantInText != "" && !strings.Contains(bss.Explain(err, "en"), tc.wantInText) {
				t.Errorf("explanation %q lacks %q", bss.Explain(err, "en"), tc.wantInText)
			}
		})
	}
}
