package config

import (
	"strings"
	"testing"
)

func TestAlertsHealthKeys(t *testing.T) {
	cfg, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	h := cfg.Alerts.Health
	if h.Schedule != "30 9 * * *" || len(h.ReleaseDays) != 3 || h.ReleaseDays[0] != 7 || h.UnverifiedDays != 30 || h.CouponDays != 15 ||
		h.PartnerMinBalance != 0 || h.PartnerForecastPercent != 0 || len(h.Release) != 0 {
		t.Errorf("defaults: %+v", h)
	}
	cfg, err = Parse([]byte("alerts:\n  health:\n    release_days: [5, 2]\n    release:\n      V0: {grace: 1, retention: 2}\n" +
		"      default: {grace: 15, retention: 15}\n    coupon_days: 7\n    partner_min_balance: 20000\n    partner_forecast_percent: 120\n" +
		"  subscriptions:\n    - {channel: \"slack:C1\", kind: health, scope: \"*\"}\n"))
	if err != nil {
		t.Fatal(err)
	}
	h = cfg.Alerts.Health
	if len(h.ReleaseDays) != 2 || h.Release["V0"] != (ReleaseDays{1, 2}) || h.Release["default"] != (ReleaseDays{15, 15}) ||
		h.CouponDays != 7 || h.PartnerMinBalance != 20000 || h.PartnerForecastPercent != 120 || h.UnverifiedDays != 30 {
		t.Errorf("overrides: %+v", h)
	}
	_, err = Parse([]byte("alerts:\n  health:\n    schedule: daily\n    release_days: [0]\n    release:\n      V9: {grace: 1, retention: 400}\n" +
		"    coupon_days: 0\n    partner_min_balance: -1\n"))
	for _, want := range []string{"alerts.health.schedule", "alerts.health.release_days", "alerts.health.release.V9 ",
		"alerts.health.release.V9.retention", "alerts.health.coupon_days", "alerts.health.partner_min_balance"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
