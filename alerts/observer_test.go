package alerts_test

import (
	"context"
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/internal/logging"
)

type scans struct {
	mu   sync.Mutex
	sums []alerts.Summary
	errs []error
	ids  []string
}

func (s *scans) ObserveScan(ctx context.Context, sum alerts.Summary, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sums = append(s.sums, sum)
	s.errs = append(s.errs, err)
	s.ids = append(s.ids, logging.RequestID(ctx))
}

// TestScanObserver: each scan that ran is observed with its summary and a request id of its
// own; one given by the caller (the /scan command's) is kept.
func TestScanObserver(t *testing.T) {
	obs := &scans{}
	e := newEnv(t, func(o *alerts.Options) { o.Observer = obs })
	e.subscribe("slack:C1", "all", "*")
	first := e.scan(alerts.KindExpiry)
	if _, err := e.scanner.Scan(logging.WithRequestID(context.Background(), "from-command"), alerts.KindArrears); err != nil {
		t.Fatal(err)
	}
	if len(obs.sums) != 2 {
		t.Fatalf("%d scans observed, want 2", len(obs.sums))
	}
	if s := obs.sums[0]; s.Kind != alerts.KindExpiry || s.Found != first.Found || s.Found == 0 || s.Alerted == 0 || obs.errs[0] != nil {
		t.Errorf("first scan observed as %+v (err %v), summary %+v", s, obs.errs[0], first)
	}
	if len(obs.ids[0]) != 16 || obs.ids[1] != "from-command" {
		t.Errorf("request ids %q", obs.ids)
	}
}
