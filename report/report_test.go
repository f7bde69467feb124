package report

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/forecast"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

var update = flag.Bool("update", false, "rewrite the golden PNGs in testdata/")

// testNow is the fixed clock of these tests: a Monday 09:00 in China.
var testNow = time.Date(2026, 12, 7, 9, 0, 0, 0, bss.ChinaTime)

func yuanAmount(t testing.TB, s string) bss.Amount {
	t.Helper()
	a, err := bss.ParseAmount(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// fixedInputs are a dozen customers (Chinese names with rare characters among them) over
// seven months, two in arrears, and a stored forecast with renewals over the next weeks.
func fixedInputs(t testing.TB) Inputs {
	t.Helper()
	names := []struct{ id, name, account, label string }{
		{"c01", "张喆", "zhangzhe", "vip"}, {"c02", "李昇", "lisheng", ""}, {"c03", "王堃", "wangkun", "vip"},
		{"c04", "赵玥", "zhaoyue", "edu"}, {"c05", "深圳智联数据有限公司", "sz-zhilian-data", ""},
		{"c06", "成都天府游戏", "cd-tianfu-games", "retail"}, {"c07", "Stark Industries", "stark-ind", "vip"},
		{"c08", "Hooli", "hooli", "startup"}, {"c09", "杭州西湖云计算", "hz-xihu", ""}, {"c10", "北京朝阳科技", "bj-chaoyang", ""},
		{"c11", "Pied Piper", "piedpiper", "startup"}, {"c12", "上海浦江物流", "sh-pujiang", "retail"},
	}
	in := Inputs{Now: testNow, Zone: bss.ChinaTime, Customers: map[string]bss.Customer{}, Bills: map[string][]bss.BillSum{}, Currency: "CNY"}
	for _, n := range names {
		in.Customers[n.id] = bss.Customer{ID: n.id, Name: n.name, AccountName: n.account, Label: n.label}
	}
	for m, cy := range Cycles(testNow) {
		for i, n := range names {
			period := int64((i+1)*1_000+m*370) * 100
			usage := int64((12-i)*420+m*95) * 100
			in.Bills[cy] = append(in.Bills[cy],
				bss.BillSum{CustomerID: n.id, ChargeMode: bss.ChargeModeYearlyMonthly, BillType: "0", Amount: bss.NewAmount(0, period*10_000)},
				bss.BillSum{CustomerID: n.id, ChargeMode: bss.ChargeModeOnDemand, BillType: "0", Amount: bss.NewAmount(0, usage*10_000)})
		}
		// A refund: left out of the month's consumption, deducted from the ranking.
		in.Bills[cy] = append(in.Bills[cy], bss.BillSum{CustomerID: "c12", ChargeMode: bss.ChargeModeYearlyMonthly, BillType: bss.BillUnsubscribe,
			Amount: yuanAmount(t, "-9000.00")})
	}
	in.HasBalances = true
	in.Balances = []store.CachedBalance{
		{CustomerID: "c05", Amount: "0", Debt: "3210.50", Currency: "CNY"},
		{CustomerID: "c06", Amount: "0", Debt: "880.00", Currency: "CNY", Label: "retail"},
		{CustomerID: "c01", Amount: "15800.00", Debt: "0", Currency: "CNY", Label: "vip"},
	}
	in.HasForecast = true
	fin := forecast.Input{Now: testNow.Add(-2 * time.Hour), From: testNow.Add(-2 * time.Hour), To: time.Date(2027, 2, 1, 0, 0, 0, 0, bss.ChinaTime)}
	day := 24 * time.Hour
	for i, n := range names {
		cu := forecast.Customer{ID: n.id, Name: n.name, Account: n.account, Label: n.label, Currency: "CNY", HasBalance: true,
			Balance: bss.NewAmount(int64(500+i*300), 0)}
		for k := 0; k < 1+i%3; k++ {
			cu.Renewals = append(cu.Renewals, forecast.Renewal{ResourceID: fmt.Sprintf("r-%s-%d", n.id, k),
				Expiry: testNow.Add(time.Duration((i*5+k*11)%29)*day + 3*time.Hour), AutoRenew: (i+k)%3 == 0,
				Quote: bss.NewAmount(int64(300+i*250+k*120), 0), Quoted: true})
		}
		fin.Customers = append(fin.Customers, cu)
	}
	in.Forecast = fin
	return in
}

func TestBuild(t *testing.T) {
	in := fixedInputs(t)
	d := Build(in, Scope{}, Week)
	if len(d.Months) != Months || d.Months[0].Cycle != "2026-06" || d.Months[6].Cycle != "2026-12" {
		t.Fatalf("months %+v", d.Months)
	}
	// December: yearly/monthly Σ(i·1000 + 6·370)·… for i = 1..12, refunds not deducted.
	if got, want := d.Months[6].Period.String(), "104640.00"; got != want {
		t.Errorf("this month's yearly/monthly %s, want %s", got, want)
	}
	if d.TopCycle != "2026-12" || len(d.Top) != TopN || d.Spenders != 12 {
		t.Fatalf("top %s %d of %d", d.TopCycle, len(d.Top), d.Spenders)
	}
	if d.Top[0].ID != "c12" && d.Top[0].Total.Cmp(d.Top[1].Total) < 0 {
		t.Errorf("top not sorted: %+v", d.Top[:2])
	}
	if d.Arrears.String() != "4090.50" || d.Debtors != 2 {
		t.Errorf("arrears %s over %d", d.Arrears, d.Debtors)
	}
	n, _, auto, _ := d.Renewals()
	if n != 24 || auto == 0 || auto == n {
		t.Errorf("renewals %d, auto %d", n, auto)
	}
	if Build(in, Scope{}, Month).TopCycle != "2026-11" {
		t.Error("a monthly report does not rank last month")
	}
	vip := Build(in, Scope{Label: "vip"}, Week)
	if vip.Spenders != 3 || vip.Debtors != 0 {
		t.Errorf("label:vip: %d spenders, %d debtors", vip.Spenders, vip.Debtors)
	}
	one := Build(in, Scope{CustomerID: "c05"}, Week)
	if one.Spenders != 1 || one.Debtors != 1 || one.Arrears.String() != "3210.50" {
		t.Errorf("c05: %d spenders, %d debtors, %s", one.Spenders, one.Debtors, one.Arrears)
	}
}

// decode reads a PNG.
func decode(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	return img
}

// differing is the share of pixels of a and b whose channels differ by more than 16 (of 255).
func differing(a, b image.Image) float64 {
	r := a.Bounds()
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, _ := a.At(x, y).RGBA()
			r2, g2, b2, _ := b.At(x, y).RGBA()
			if far(r1, r2) || far(g1, g2) || far(b1, b2) {
				n++
			}
		}
	}
	return float64(n) / float64(r.Dx()*r.Dy())
}

func far(a, b uint32) bool {
	if a > b {
		a, b = b, a
	}
	return b-a > 16<<8
}

func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name  string
		scope Scope
		l     lang.Lang
		empty bool
	}{
		{"week-all-zh", Scope{}, lang.Zh, false},
		{"week-all-en", Scope{}, lang.En, false},
		{"week-fresh-zh", Scope{}, lang.Zh, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := fixedInputs(t)
			if tc.empty {
				in = Inputs{Now: testNow, Zone: bss.ChinaTime}
			}
			got, err := Render(Build(in, tc.scope, Week), tc.l)
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tc.name+".png")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./report -run TestGolden -update)", err)
			}
			gi, wi := decode(t, got), decode(t, want)
			if gi.Bounds() != wi.Bounds() {
				t.Fatalf("size %v, golden %v", gi.Bounds(), wi.Bounds())
			}
			if d := differing(gi, wi); d > 0.002 {
				os.WriteFile(filepath.Join(t.TempDir(), "got.png"), got, 0o644)
				t.Errorf("%.2f%% of the pixels differ from %s (tolerance 0.2%%)", d*100, path)
			}
		})
	}
}

func TestSizeGuard(t *testing.T) {
	got, err := Render(Build(fixedInputs(t), Scope{}, Week), lang.Zh)
	if err != nil {
		t.Fatal(err)
	}
	img := decode(t, got)
	if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height || Width != 1200 || Height != 1500 {
		t.Errorf("size %v, want 1200×1500", b)
	}
	if len(got) >= MaxBytes {
		t.Errorf("%d bytes, want < %d", len(got), MaxBytes)
	}
}

func TestCaptionHasEveryNumber(t *testing.T) {
	d := Build(fixedInputs(t), Scope{}, Week)
	for _, l := range []lang.Lang{lang.Zh, lang.En} {
		c := Caption(d, l)
		want := []string{lang.Money(d.Arrears, "CNY"), lang.Money(d.Gap, "CNY"), "2026-06", lang.Money(d.Months[6].Total(), "CNY"),
			lang.Money(d.Months[6].OnDemand, "CNY"), d.Top[9].Name, lang.Money(d.Top[9].Total, "CNY")}
		n, amount, auto, autoAmount := d.Renewals()
		want = append(want, fmt.Sprint(n), lang.Money(amount, "CNY"), fmt.Sprint(auto), lang.Money(autoAmount, "CNY"))
		for _, w := range want {
			if !strings.Contains(c, w) {
				t.Errorf("%s caption lacks %q:\n%s", l, w, c)
			}
		}
		img, caption, err := Image(d, l)
		if err != nil || img.Alt != caption || caption != c || img.Name != "report-week-2026-12-07.png" {
			t.Errorf("image %q alt %q, err %v", img.Name, img.Alt, err)
		}
	}
}
