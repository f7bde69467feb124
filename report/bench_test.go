package report

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/internal/benchutil"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// scaledInputs are n customers with two bill lines a month each over the report's seven
// months, every tenth in arrears, and a stored forecast with two renewals each.
func scaledInputs(n int) Inputs {
	in := Inputs{Now: testNow, Zone: bss.ChinaTime, Customers: make(map[string]bss.Customer, n), Bills: map[string][]bss.BillSum{},
		Currency: "CNY", HasBalances: true, HasForecast: true}
	in.Forecast = forecast.Input{Now: testNow, From: testNow, To: testNow.AddDate(0, 2, 0)}
	cycles := Cycles(testNow)
	for i := range n {
		id := fmt.Sprintf("c%05d", i)
		in.Customers[id] = bss.Customer{ID: id, Name: fmt.Sprintf("客户%05d", i), AccountName: id, Label: []string{"vip", "edu", ""}[i%3]}
		for m, cy := range cycles {
			in.Bills[cy] = append(in.Bills[cy],
				bss.BillSum{CustomerID: id, ChargeMode: bss.ChargeModeYearlyMonthly, BillType: "0", Amount: bss.NewAmount(int64(100+i%977+m*7), 0)},
				bss.BillSum{CustomerID: id, ChargeMode: bss.ChargeModeOnDemand, BillType: "0", Amount: bss.NewAmount(int64(10+i%313), 0)})
		}
		debt := "0"
		if i%10 == 0 {
			debt = fmt.Sprintf("%d.50", 100+i%500)
		}
		in.Balances = append(in.Balances, store.CachedBalance{CustomerID: id, Amount: "50.00", Debt: debt, Currency: "CNY"})
		cu := forecast.Customer{ID: id, Name: fmt.Sprintf("客户%05d", i), HasBalance: true, Balance: bss.NewAmount(50, 0)}
		for k := range 2 {
			cu.Renewals = append(cu.Renewals, forecast.Renewal{ResourceID: fmt.Sprintf("%s-%d", id, k),
				Expiry: testNow.Add(time.Duration((i*7+k*13)%40) * 24 * time.Hour), AutoRenew: (i+k)%4 == 0,
				Quote: bss.NewAmount(int64(200+i%700), 0), Quoted: true})
		}
		in.Forecast.Customers = append(in.Forecast.Customers, cu)
	}
	return in
}

// BenchmarkReport10k: building and drawing one report of every customer among 10,000 (the
// bills, balances and forecast already fetched): time per report, peak heap, PNG size.
func BenchmarkReport10k(b *testing.B) {
	in := scaledInputs(10_000)
	if _, err := Render(Build(in, Scope{}, Week), lang.Zh); err != nil { // the font, parsed once
		b.Fatal(err)
	}
	runtime.GC()
	stop := benchutil.HeapPeak()
	var size int
	b.ResetTimer()
	for b.Loop() {
		png, err := Render(Build(in, Scope{}, Week), lang.Zh)
		if err != nil {
			b.Fatal(err)
		}
		size = len(png)
	}
	b.StopTimer()
	peak := stop()
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/report")
	b.ReportMetric(float64(peak)/(1<<20), "MiB-peak-heap")
	b.ReportMetric(float64(size)/1024, "KiB-png")
}
