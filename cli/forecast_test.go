package cli

import (
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/alerts"
	"github.com/partnerbot/partnerbot/config"
)

// TestExecForecast: with the alert scans on, the bot's /forecast reads the forecast the expiry
// scan stored (it said "not enabled" when the router was not given the forecaster), over the
// next 30 days as well.
func TestExecForecast(t *testing.T) {
	cfg := writeConfig(t)
	runCLI(t, "", "exec", "-config", cfg, "/forecast").check(t, exitOK, []string{"尚无预测"}, nil)
	runCLI(t, "", "exec", "-config", cfg, "/scan expiry").check(t, exitOK, []string{"扫描结果"}, nil)
	for _, args := range [][]string{{"/forecast"}, {"/forecast", "--days", "30"}} {
		r := runCLI(t, "", append([]string{"exec", "-config", cfg}, args...)...)
		r.check(t, exitOK, []string{"续费与欠费预测", "预计 CNY "}, nil)
		if strings.Contains(r.stdout, "预测未启用") {
			t.Errorf("%v: the forecast is not wired:\n%s", args, r.stdout)
		}
	}
}

// TestHealthOptionsHoldFundsAgainstTheForecast: alerts.health.partner_forecast_percent needs
// the forecaster as the health scan's PartnerForecaster; without one the percentage does
// nothing.
func TestHealthOptionsHoldFundsAgainstTheForecast(t *testing.T) {
	fc := alerts.NewForecaster(nil, nil, nil, nil, 1)
	o := healthOptions(config.AlertsHealth{PartnerForecastPercent: 80}, fc)
	if o.Forecast != alerts.PartnerForecaster(fc) || o.PartnerForecastPercent != 80 {
		t.Errorf("health options %+v: want the forecaster and 80%%", o)
	}
	if o := healthOptions(config.AlertsHealth{PartnerForecastPercent: 80}, nil); o.Forecast != nil {
		t.Errorf("without a forecaster, Forecast = %#v, want nil", o.Forecast)
	}
}
