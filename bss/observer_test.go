package bss_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// recorder is a bss.Observer keeping every attempt.
type recorder struct {
	mu       sync.Mutex
	attempts []bss.Attempt
}

func (r *recorder) ObserveAttempt(_ context.Context, a bss.Attempt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attempts = append(r.attempts, a)
}

func (r *recorder) take() []bss.Attempt {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.attempts
	r.attempts = nil
	return out
}

// TestObserverSeesEveryAttempt: the observer is told of each HTTP attempt over real HTTP,
// retries included, with the status, how it ended and whether it says BSS is failing.
func TestObserverSeesEveryAttempt(t *testing.T) {
	const custPath = "/v2/partners/sub-customers/query"
	type want struct {
		status    int
		retry     int
		outcome   string
		failed    bool
		throttled bool
	}
	tests := []struct {
		name  string
		fault *bsstest.Fault
		want  []want
	}{
		{"success", nil, []want{{200, 0, "ok", false, false}}},
		{"5xx then success", &bsstest.Fault{Status: 503, Times: 1},
			[]want{{503, 0, "server", true, false}, {200, 1, "ok", false, false}}},
		{"throttled then success", &bsstest.Fault{Status: 429, Times: 1},
			[]want{{429, 0, "throttled", false, true}, {200, 1, "ok", false, false}}},
		{"credentials refused", &bsstest.Fault{Status: 401, ErrorCode: "APIG.0301"},
			[]want{{401, 0, "auth", true, false}}},
		{"invalid parameter: BSS works", &bsstest.Fault{Status: 400, ErrorCode: "CBC.0101"},
			[]want{{400, 0, "invalid", false, false}}},
		{"unreadable answer", &bsstest.Fault{Malformed: true},
			[]want{{200, 0, "bad-response", true, false}, {200, 1, "bad-response", true, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.Observer = rec; c.MaxRetries = 1 })
			if _, err := c.ResolveDomainID(context.Background()); err != nil {
				t.Fatal(err)
			}
			rec.take() // the look-up of the partner's account id
			if tc.fault != nil {
				srv.Inject("POST", custPath, *tc.fault)
			}
			_, _ = c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 10)
			got := rec.take()
			if len(got) != len(tc.want) {
				t.Fatalf("%d attempts observed, want %d: %+v", len(got), len(tc.want), got)
			}
			for i, w := range tc.want {
				a := got[i]
				if a.Op != "ListSubCustomers" || a.Status != w.status || a.Retry != w.retry || a.Outcome() != w.outcome ||
					a.Failed() != w.failed || a.Throttled() != w.throttled || a.Took <= 0 {
					t.Errorf("attempt %d = {op %s status %d retry %d outcome %s failed %v throttled %v took %v}, want %+v",
						i, a.Op, a.Status, a.Retry, a.Outcome(), a.Failed(), a.Throttled(), a.Took, w)
				}
			}
		})
	}
}

// TestObserverCancelledAttempt: a caller that gives up is not BSS failing.
func TestObserverCancelledAttempt(t *testing.T) {
	rec := &recorder{}
	srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.Observer = rec })
	if _, err := c.ResolveDomainID(context.Background()); err != nil {
		t.Fatal(err)
	}
	rec.take()
	srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
		done <- err
	}()
	for srv.CallCount("POST", "/v2/partners/sub-customers/query") == 0 {
		select {
		case err := <-done:
			t.Fatalf("returned before the call arrived: %v", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	got := rec.take()
	if len(got) != 1 || !got[0].Cancelled || got[0].Status != 0 || got[0].Outcome() != "cancelled" || got[0].Failed() {
		t.Errorf("attempts = %+v, want one cancelled attempt that is not a BSS failure", got)
	}
}
