package forecast

import (
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// now is bsstest.TestTime: Wednesday 18 November 2026, 10:30 in Shanghai. BSS's month to date
// runs to 24:00 on the 17th, so 17 days have elapsed; December has 31 days.
var now = time.Date(2026, 11, 18, 2, 30, 0, 0, time.UTC)

func yuan(s string) bss.Amount { return bss.MustAmount(s) }

func TestElapsedDaysAndWindows(t *testing.T) {
	from, to := NextMonth(now)
	if want := time.Date(2026, 12, 1, 0, 0, 0, 0, bss.ChinaTime); !from.Equal(want) || !to.Equal(want.AddDate(0, 1, 0)) {
		t.Fatalf("NextMonth = %v – %v", from, to)
	}
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"elapsed on the 18th", Elapsed(now), 17},
		{"elapsed on the 1st (China time, 00:30)", Elapsed(time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC)), 0},
		{"days of December", Days(from, to), 31},
		{"days of 10 days and an hour", Days(now, now.Add(10*24*time.Hour+time.Hour)), 11},
		{"days of an empty window", Days(now, now), 0},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if f, to, err := Month("2027-02"); err != nil || Days(f, to) != 28 {
		t.Errorf("Month(2027-02) = %v – %v, %v", f, to, err)
	}
	if _, _, err := Month("2027-13"); err == nil {
		t.Error("Month(2027-13) accepted")
	}
}

func TestPace(t *testing.T) {
	tests := []struct {
		amount        string
		elapsed, days int
		want          string
	}{
		{"170", 17, 31, "310.00"},      // 10.00 a day
		{"100", 17, 31, "182.35"},      // 100 × 31 ÷ 17 = 182.3529…
		{"0.01", 2, 1, "0.01"},         // 0.005 rounds up
		{"100", 0, 31, "0.00"},         // the 1st: nothing elapsed, no pace
		{"-20", 17, 31, "0.00"},        // refunds larger than the spend
		{"1234.56", 30, 30, "1234.56"}, // the same number of days
		{"3.333333", 3, 3, "3.33"},     // cents first
		{"1000000", 1, 31, "31000000.00"},
	}
	for _, tc := range tests {
		if got := Pace(yuan(tc.amount), tc.elapsed, tc.days); got.String() != tc.want {
			t.Errorf("Pace(%s, %d, %d) = %s, want %s", tc.amount, tc.elapsed, tc.days, got, tc.want)
		}
	}
}

// TestComputeByHand: the forecast of next month (December, 31 days) on 18 November (17 days
// elapsed), against this hand computation:
//
//	A 张三  balance 1000.00; auto r1 432.10, manual r2 300.00; pay-per-use 170.00 so far
//	        run rate 170.00 ÷ 17 × 31 = 310.00; total 432.10 + 300.00 + 310.00 = 1042.10; gap 42.10
//	B 李四  balance 50.00; auto r3 800.00, auto r4 not quoted; no pay-per-use
//	        total 800.00; gap 750.00; 1 unquoted
//	C 王五  balance 5000.00; pay-per-use 34.00 → 34.00 ÷ 17 × 31 = 62.00; total 62.00; no gap
//	D 赵六  no balance (referral): manual r5 99.99; total 99.99; no gap
//	E 孙七  nothing in December (200.00 of yearly/monthly spend this month): not listed
//
//	auto-renew 432.10 + 800.00 = 1232.10; manual 300.00 + 99.99 = 399.99; run rate 310.00 + 62.00 = 372.00
//	total 1232.10 + 399.99 + 372.00 = 2004.09; balance 1000 + 50 + 5000 = 6050.00
//	gap 750.00 + 42.10 = 792.10 over 2 customers
//	this month 1000 + 500 + 34 + 0 + 200 = 1734.00 → 1734.00 ÷ 17 × 31 = 3162.00
//	change (2004.09 − 3162.00) ÷ 3162.00 = −36.6 % → −37 %
//	partner: allocatable 500.00 + credit 200.00 against 792.10 → short 92.10
func TestComputeByHand(t *testing.T) {
	from, to := NextMonth(now)
	exp := from.Add(5 * 24 * time.Hour)
	in := Input{Now: now, From: from, To: to, Partner: Partner{Known: true, Allocatable: yuan("500"), Credit: yuan("200")},
		Customers: []Customer{
			{ID: "a", Name: "张三", Currency: "CNY", Balance: yuan("1000"), HasBalance: true, MonthToDate: yuan("1000"), OnDemandToDate: yuan("170"),
				Renewals: []Renewal{{ResourceID: "r1", Expiry: exp, AutoRenew: true, Quote: yuan("432.10"), Quoted: true},
					{ResourceID: "r2", Expiry: exp, Quote: yuan("300"), Quoted: true}}},
			{ID: "b", Name: "李四", Currency: "CNY", Balance: yuan("50"), HasBalance: true, MonthToDate: yuan("500"),
				Renewals: []Renewal{{ResourceID: "r3", Expiry: exp, AutoRenew: true, Quote: yuan("800"), Quoted: true},
					{ResourceID: "r4", Expiry: exp, AutoRenew: true}}},
			{ID: "c", Name: "王五", Currency: "CNY", Balance: yuan("5000"), HasBalance: true, MonthToDate: yuan("34"), OnDemandToDate: yuan("34")},
			{ID: "d", Name: "赵六", Currency: "CNY",
				Renewals: []Renewal{{ResourceID: "r5", Expiry: exp, Quote: yuan("99.99"), Quoted: true}}},
			{ID: "e", Name: "孙七", Currency: "CNY", Balance: yuan("10"), HasBalance: true, MonthToDate: yuan("200")},
		}}
	r := Compute(in)
	sums := []struct {
		name string
		got  bss.Amount
		want string
	}{
		{"auto-renew", r.AutoRenew, "1232.10"}, {"manual", r.Manual, "399.99"}, {"run rate", r.RunRate, "372.00"},
		{"total", r.Total, "2004.09"}, {"balance", r.Balance, "6050.00"}, {"gap", r.Gap, "792.10"},
		{"baseline", r.Baseline, "3162.00"}, {"partner gaps", r.Partner.Gaps, "792.10"}, {"partner shortfall", r.Partner.Shortfall, "92.10"},
	}
	for _, s := range sums {
		if s.got.String() != s.want {
			t.Errorf("%s = %s, want %s", s.name, s.got, s.want)
		}
	}
	if pct, ok := r.Change(); !ok || pct != -37 {
		t.Errorf("Change = %d %v, want -37", pct, ok)
	}
	if r.GapCustomers != 2 || r.Unquoted != 1 || r.Renewals != 5 || r.Days != 31 || r.Elapsed != 17 || r.Currency != "CNY" {
		t.Errorf("counts: gap customers %d, unquoted %d, renewals %d, days %d, elapsed %d, currency %q",
			r.GapCustomers, r.Unquoted, r.Renewals, r.Days, r.Elapsed, r.Currency)
	}
	wantOrder := []struct{ id, total, gap string }{{"b", "800.00", "750.00"}, {"a", "1042.10", "42.10"}, {"d", "99.99", "0.00"}, {"c", "62.00", "0.00"}}
	if len(r.Customers) != len(wantOrder) {
		t.Fatalf("customers: %d, want %d", len(r.Customers), len(wantOrder))
	}
	for i, w := range wantOrder {
		c := r.Customers[i]
		if c.ID != w.id || c.Total.String() != w.total || c.Gap.String() != w.gap {
			t.Errorf("customer %d = %s total %s gap %s, want %s %s %s", i, c.ID, c.Total, c.Gap, w.id, w.total, w.gap)
		}
	}

	// Only one customer: its own totals and pace (500.00 ÷ 17 × 31 = 911.76).
	b := Compute(in.Select(func(c Customer) bool { return c.ID == "b" }))
	if b.Total.String() != "800.00" || b.Gap.String() != "750.00" || b.Baseline.String() != "911.76" || b.GapCustomers != 1 ||
		b.Partner.Shortfall.String() != "50.00" || b.Balance.String() != "50.00" {
		t.Errorf("Select(b) = total %s gap %s baseline %s gap customers %d shortfall %s balance %s",
			b.Total, b.Gap, b.Baseline, b.GapCustomers, b.Partner.Shortfall, b.Balance)
	}
}

// TestWindow: inputs gathered from now to the end of December answer the next 10 days too:
// only r6 (expiring on 20 November) is in them; the run rate is 10 days at this month's pace.
//
//	A: auto r6 120.00 on 11-20, auto r7 50.00 on 12-05; pay-per-use 170.00 over 17 days
//	next 10 days: 120.00 + 170.00 ÷ 17 × 10 = 120.00 + 100.00 = 220.00; balance 200.00 → gap 20.00
//	December: 50.00 + 10.00 × 31 = 360.00 → gap 160.00
func TestWindow(t *testing.T) {
	_, end := NextMonth(now)
	in := Input{Now: now, From: now, To: end, Customers: []Customer{{ID: "a", Balance: yuan("200"), HasBalance: true,
		MonthToDate: yuan("170"), OnDemandToDate: yuan("170"), Renewals: []Renewal{
			{ResourceID: "r6", Expiry: now.Add(2 * 24 * time.Hour), AutoRenew: true, Quote: yuan("120"), Quoted: true},
			{ResourceID: "r7", Expiry: time.Date(2026, 12, 5, 0, 0, 0, 0, bss.ChinaTime), AutoRenew: true, Quote: yuan("50"), Quoted: true}}}}}
	tests := []struct {
		name       string
		from, to   time.Time
		total, gap string
		renewals   int
		covered    bool
	}{
		{"next 10 days", now, now.Add(10 * 24 * time.Hour), "220.00", "20.00", 1, true},
		{"December", time.Date(2026, 12, 1, 0, 0, 0, 0, bss.ChinaTime), end, "360.00", "160.00", 1, true},
	}
	for _, tc := range tests {
		if got := in.Covers(tc.from, tc.to); got != tc.covered {
			t.Errorf("%s: Covers = %t", tc.name, got)
		}
		r := Compute(in.Window(tc.from, tc.to))
		if r.Total.String() != tc.total || r.Gap.String() != tc.gap || r.Renewals != tc.renewals {
			t.Errorf("%s: total %s gap %s renewals %d, want %s %s %d", tc.name, r.Total, r.Gap, r.Renewals, tc.total, tc.gap, tc.renewals)
		}
	}
	if in.Covers(now, end.Add(time.Hour)) || in.Covers(now.Add(-time.Hour), end) {
		t.Error("a window past the inputs' is covered")
	}
	if len(in.Customers[0].Renewals) != 2 {
		t.Error("Window changed the inputs it was given")
	}
}

func TestCeilCents(t *testing.T) {
	for in, want := range map[string]string{"12.34": "12.34", "12.340001": "12.35", "0.000001": "0.01", "7": "7.00"} {
		if got := CeilCents(yuan(in)); got.String() != want || got.Cents()*10_000 != got.Micros() {
			t.Errorf("CeilCents(%s) = %s (%d micros), want %s", in, got, got.Micros(), want)
		}
	}
}

func TestChangeWithoutBaseline(t *testing.T) {
	first := time.Date(2026, 11, 30, 16, 30, 0, 0, time.UTC) // 1 December, 00:30 in Shanghai
	from, to := NextMonth(first)
	r := Compute(Input{Now: first, From: from, To: to, Customers: []Customer{
		{ID: "a", Balance: yuan("1"), HasBalance: true, MonthToDate: yuan("10"), OnDemandToDate: yuan("10"),
			Renewals: []Renewal{{ResourceID: "r", AutoRenew: true, Quote: yuan("5"), Quoted: true}}}}})
	if _, ok := r.Change(); ok {
		t.Error("a change against nothing elapsed")
	}
	if r.RunRate.Sign() != 0 || r.Gap.String() != "4.00" || r.Partner.Shortfall.Sign() != 0 {
		t.Errorf("run rate %s gap %s shortfall %s (partner unknown)", r.RunRate, r.Gap, r.Partner.Shortfall)
	}
}
