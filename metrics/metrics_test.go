package metrics_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
	"github.com/partnerbot/partnerbot/internal/promtext"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/store"
)

// Metrics is the command router's Observer, checked here so that package metrics need not import commands.
var _ commands.Observer = (*metrics.Metrics)(nil)

func scrape(t *testing.T, m *metrics.Metrics) string {
	t.Helper()
	srv := httptest.NewServer(m.Handler(nil))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestScansAndDeliveries: scans count what they found and alerted and when one last
// succeeded; deliveries of alert digests count as alerts sent or failed, besides notices.
func TestScansAndDeliveries(t *testing.T) {
	m := metrics.New()
	ctx := context.Background()
	ended := time.Date(2026, 11, 25, 9, 0, 30, 0, time.UTC)
	m.ObserveScan(ctx, alerts.Summary{Kind: alerts.KindExpiry, Started: ended.Add(-30 * time.Second), Took: 30 * time.Second,
		Found: 12, Alerted: 5, Failed: []string{"c1"}}, nil)
	m.ObserveScan(ctx, alerts.Summary{Kind: alerts.KindExpiry, Started: ended.Add(time.Hour), Took: time.Second, Found: 3},
		errors.New("list customers: throttled"))
	for _, d := range []struct {
		kind, outcome string
	}{{"alert:expiry", "sent"}, {"alert:expiry", "failed"}, {"alert:arrears", "parked"}, {"approval", "sent"}, {"alert:expiry", "throttled"}} {
		m.ObserveDelivery(store.Notice{Platform: "slack", Kind: d.kind}, d.outcome)
	}
	m.ObserveAttempt(ctx, bss.Attempt{Op: "ListSubCustomers", Cancelled: true, Err: &bss.Error{Kind: bss.KindNetwork}})
	if _, _, ok := m.LastBSS(); ok {
		t.Error("a cancelled attempt was taken as the last BSS call")
	}
	m.ObserveCommand(ctx, "", "unknown", time.Millisecond)

	text := scrape(t, m)
	for _, tc := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"partnerbot_scans_total", []string{"kind", "expiry", "outcome", "ok"}, 1},
		{"partnerbot_scans_total", []string{"kind", "expiry", "outcome", "error"}, 1},
		{"partnerbot_scan_duration_seconds_count", []string{"kind", "expiry"}, 2},
		{"partnerbot_scan_duration_seconds_sum", []string{"kind", "expiry"}, 31},
		{"partnerbot_scan_last_success_timestamp_seconds", []string{"kind", "expiry"}, float64(ended.Unix())},
		{"partnerbot_alerts_found_total", []string{"kind", "expiry"}, 15},
		{"partnerbot_alerts_new_total", []string{"kind", "expiry"}, 5},
		{"partnerbot_scan_failed_customers_total", []string{"kind", "expiry"}, 1},
		{"partnerbot_alerts_sent_total", []string{"kind", "expiry"}, 1},
		{"partnerbot_alerts_failed_total", []string{"kind", "expiry"}, 1},
		{"partnerbot_alerts_failed_total", []string{"kind", "arrears"}, 1},
		{"partnerbot_notices_total", []string{"platform", "slack", "kind", "approval", "outcome", "sent"}, 1},
		{"partnerbot_notices_total", []string{"kind", "alert:expiry", "outcome", "throttled"}, 1},
		{"partnerbot_bss_requests_total", []string{"op", "ListSubCustomers", "status", "none", "outcome", "cancelled"}, 1},
		{"partnerbot_commands_total", []string{"command", "none", "outcome", "unknown"}, 1},
	} {
		got, ok := promtext.Value(text, tc.name, tc.labels...)
		if !ok || got != tc.want {
			t.Errorf("%s%q = %v (found %v), want %v", tc.name, tc.labels, got, ok, tc.want)
		}
	}
}
