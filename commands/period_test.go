package commands

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// TestRenewedExpiry: a renewal adds calendar months or years to the previous expiry, clamped
// to the end of a shorter month, and always counts from that expiry — also when it has passed
// (grace or retention period: 续费周期的开始时间为资源的原到期时间).
func TestRenewedExpiry(t *testing.T) {
	month := func(n int) bss.Period { return bss.Period{Type: bss.PeriodMonth, Num: n} }
	year := func(n int) bss.Period { return bss.Period{Type: bss.PeriodYear, Num: n} }
	at := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cst := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name string
		prev time.Time
		p    bss.Period
		want time.Time
	}{
		{"plain month", at("2026-01-15T10:30:00Z"), month(1), at("2026-02-15T10:30:00Z")},
		{"31 January + 1 month is 28 February", at("2026-01-31T08:00:00Z"), month(1), at("2026-02-28T08:00:00Z")},
		{"in a leap year, 29 February", at("2028-01-31T08:00:00Z"), month(1), at("2028-02-29T08:00:00Z")},
		{"30 January + 1 month", at("2026-01-30T23:59:59Z"), month(1), at("2026-02-28T23:59:59Z")},
		{"31 March + 1 month is 30 April", at("2026-03-31T00:00:00Z"), month(1), at("2026-04-30T00:00:00Z")},
		{"31 August + 6 months across the year", at("2026-08-31T12:00:00Z"), month(6), at("2027-02-28T12:00:00Z")},
		{"31 December + 2 months", at("2026-12-31T15:59:59Z"), month(2), at("2027-02-28T15:59:59Z")},
		{"30 November + 3 months", at("2026-11-30T00:00:00Z"), month(3), at("2027-02-28T00:00:00Z")},
		{"28 February + 1 month stays on the 28th", at("2026-02-28T08:00:00Z"), month(1), at("2026-03-28T08:00:00Z")},
		{"11 months", at("2026-01-15T10:30:00Z"), month(11), at("2026-12-15T10:30:00Z")},
		{"one year", at("2026-11-25T08:59:09Z"), year(1), at("2027-11-25T08:59:09Z")},
		{"29 February + 1 year is 28 February", at("2028-02-29T08:00:00Z"), year(1), at("2029-02-28T08:00:00Z")},
		{"29 February + 3 years", at("2028-02-29T08:00:00Z"), year(3), at("2031-02-28T08:00:00Z")},
		{"29 February + 4 years is a leap day again", at("2024-02-29T08:00:00Z"), year(4), at("2028-02-29T08:00:00Z")},
		{"the zone of the time is kept", time.Date(2026, 1, 31, 23, 59, 59, 0, cst), month(1), time.Date(2026, 2, 28, 23, 59, 59, 0, cst)},
		{"nanoseconds are kept", at("2026-05-31T10:00:00.5Z"), month(1), at("2026-06-30T10:00:00.5Z")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := renewedExpiry(tc.prev, tc.p); !got.Equal(tc.want) || got.Location() != tc.want.Location() {
				t.Errorf("renewedExpiry(%v, %+v) = %v, want %v", tc.prev, tc.p, got, tc.want)
			}
		})
	}
}
