package lang

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		amount, currency, want string
	}{
		{"12345.6", "CNY", "CNY 12,345.60"},
		{"-1234567.891", "USD", "USD -1,234,567.89"},
		{"0", "", "CNY 0.00"}, // no currency: the bot's
		{"999.5", "CNY", "CNY 999.50"},
	}
	for _, tt := range tests {
		if got := Money(bss.MustAmount(tt.amount), tt.currency); got != tt.want {
			t.Errorf("Money(%s, %q) = %q, want %q", tt.amount, tt.currency, got, tt.want)
		}
	}
}

func TestWhen(t *testing.T) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	loc := time.FixedZone("CST", 8*3600)
	tests := []struct {
		t      time.Time
		zh, en string
	}{
		{time.Time{}, "-", "-"},
		{now.Add(50 * time.Hour), "2026-11-28 10:00 (2 天后)", "2026-11-28 10:00 (in 2 days)"},
		{now.Add(3 * time.Hour), "2026-11-26 11:00 (3 小时后)", "2026-11-26 11:00 (in 3 hours)"},
		{now.Add(-30 * time.Minute), "2026-11-26 07:30 (今天)", "2026-11-26 07:30 (today)"},
		{now.Add(-5 * time.Hour), "2026-11-26 03:00 (5 小时前)", "2026-11-26 03:00 (5 hours ago)"},
		{now.Add(-49 * time.Hour), "2026-11-24 07:00 (2 天前)", "2026-11-24 07:00 (2 days ago)"},
	}
	for _, tt := range tests {
		if got := When(Zh, loc, now, tt.t); got != tt.zh {
			t.Errorf("When(zh, %v) = %q, want %q", tt.t, got, tt.zh)
		}
		if got := When(En, loc, now, tt.t); got != tt.en {
			t.Errorf("When(en, %v) = %q, want %q", tt.t, got, tt.en)
		}
	}
}

func TestZoneName(t *testing.T) {
	at := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	load := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skipf("no zone data for %s: %v", name, err)
		}
		return loc
	}
	tests := []struct {
		loc    *time.Location
		zh, en string
	}{
		{load("Asia/Shanghai"), "北京时间 (UTC+8)", "Beijing time (UTC+8)"},
		{time.FixedZone("CST", 8*3600), "北京时间 (UTC+8)", "Beijing time (UTC+8)"},
		{time.UTC, "UTC", "UTC"},
		{load("Asia/Kolkata"), "Asia/Kolkata (UTC+5:30)", "Asia/Kolkata (UTC+5:30)"},
		{load("Europe/Berlin"), "Europe/Berlin (UTC+2)", "Europe/Berlin (UTC+2)"}, // summer time on 1 July
		{load("America/Sao_Paulo"), "America/Sao_Paulo (UTC-3)", "America/Sao_Paulo (UTC-3)"},
	}
	for _, tc := range tests {
		if got := ZoneName(Zh, tc.loc, at); got != tc.zh {
			t.Errorf("ZoneName(zh, %s) = %q, want %q", tc.loc, got, tc.zh)
		}
		if got := ZoneName(En, tc.loc, at); got != tc.en {
			t.Errorf("ZoneName(en, %s) = %q, want %q", tc.loc, got, tc.en)
		}
	}
}
