package bsstest

import (
	"reflect"
	"regexp"
	"runtime"
	"testing"
	"time"
)

func TestMoney(t *testing.T) {
	tests := []struct {
		in   string
		want Money
		out  string
		err  bool
	}{
		{"0", 0, "0.00", false},
		{"1200.5", 120050, "1200.50", false},
		{"1200.50", 120050, "1200.50", false},
		{"0.07", 7, "0.07", false},
		{".5", 50, "0.50", false},
		{"-3", -300, "-3.00", false},
		{"-0.05", -5, "-0.05", false},
		{"+12", 1200, "12.00", false},
		{"1.234", 0, "", true},
		{"1.", 0, "", true},
		{"", 0, "", true},
		{"abc", 0, "", true},
		{"1e3", 0, "", true},
		{"99999999999999999999", 0, "", true},
	}
	for _, tc := range tests {
		got, err := ParseMoney(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseMoney(%q) error %v", tc.in, err)
			continue
		}
		if tc.err {
			continue
		}
		if got != tc.want || got.String() != tc.out {
			t.Errorf("ParseMoney(%q) = %d %q, want %d %q", tc.in, got, got.String(), tc.want, tc.out)
		}
		if b, _ := got.MarshalJSON(); string(b) != tc.out {
			t.Errorf("MarshalJSON = %s", b)
		}
	}
	if got := MustMoney("100.00").percent(15); got != MustMoney("15.00") {
		t.Errorf("percent = %v", got)
	}
	if got := MustMoney("0.03").percent(50); got != MustMoney("0.02") {
		t.Errorf("percent rounding = %v", got)
	}
	if got := MustMoney("10.00").scale(1, 3); got != MustMoney("3.33") {
		t.Errorf("scale = %v", got)
	}
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"2026-01-31T10:00:00Z", 1, "2026-02-28T10:00:00Z"},
		{"2028-01-31T10:00:00Z", 1, "2028-02-29T10:00:00Z"},
		{"2026-11-25T00:00:00Z", 12, "2027-11-25T00:00:00Z"},
		{"2026-03-31T00:00:00Z", -1, "2026-02-28T00:00:00Z"},
		{"2026-12-15T00:00:00Z", 2, "2027-02-15T00:00:00Z"},
		{"2026-10-31T16:00:00Z", 1, "2026-11-30T16:00:00Z"},
		{"2024-02-29T16:00:00Z", 36, "2027-02-28T16:00:00Z"},
		{"2026-08-31T00:00:00Z", 6, "2027-02-28T00:00:00Z"},
		{"2026-05-31T00:00:00Z", 11, "2027-04-30T00:00:00Z"},
	} {
		in, _ := time.Parse(timeLayout, tc.in)
		if got := addMonths(in, tc.n).Format(timeLayout); got != tc.want {
			t.Errorf("addMonths(%s, %d) = %s, want %s", tc.in, tc.n, got, tc.want)
		}
	}
}

func TestDemo(t *testing.T) {
	a, b := Demo(testNow, 1), Demo(testNow, 1)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Demo is not deterministic")
	}
	if c := Demo(testNow, 2); reflect.DeepEqual(a.Customers[0].ID, c.Customers[0].ID) {
		t.Error("different seeds give the same ids")
	}
	if len(a.Customers) != 62 || len(a.Resellers) != 1 {
		t.Errorf("%d customers, %d resellers: want 60 of the partner's own and 2 of one reseller", len(a.Customers), len(a.Resellers))
	}
	if n := len(a.Resources); n < 200 || n > 900 {
		t.Errorf("%d resources, want a few hundred", n)
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	orderID := regexp.MustCompile(`^CS\d{6}[0-9A-F]{8}$`)
	names, accounts := map[string]bool{}, map[string]bool{}
	resale, arrears, referral := 0, 0, 0
	for _, c := range a.Customers {
		if !hex32.MatchString(c.ID) {
			t.Errorf("customer id %q", c.ID)
		}
		names[c.Name] = true
		if accounts[c.AccountName] {
			t.Errorf("duplicate account %s", c.AccountName)
		}
		accounts[c.AccountName] = true
		switch {
		case c.AssociationType == "2":
			resale++
		case c.AssociationType == "1":
			referral++
		}
		if c.Debt > 0 && c.IndirectPartnerID == "" {
			arrears++
			if c.Balance != 0 || c.AssociationType != "2" {
				t.Errorf("arrears customer %s: balance %v, type %s", c.AccountName, c.Balance, c.AssociationType)
			}
		}
		if len(c.Projects) == 0 {
			t.Errorf("%s has no project", c.AccountName)
		}
	}
	for _, n := range []string{"张三", "李四", "王芳", "北京星河科技有限公司", "上海云帆网络", "深圳智联数据", "ACME Ltd", "Globex Corporation", "Initech", "Umbrella Trading"} {
		if !names[n] {
			t.Errorf("no customer %s", n)
		}
	}
	if a.Customers[0].Name != "张三" || a.Customers[0].AccountName != "zhangsan" {
		t.Error("张三 is not account zhangsan")
	}
	if arrears != 6 || resale < 40 || referral == 0 {
		t.Errorf("resale %d, referral %d, arrears %d", resale, referral, arrears)
	}

	priced := map[priceKey]bool{}
	for _, p := range a.Prices {
		priced[priceKey{p.ServiceTypeCode, p.ResourceTypeCode, p.ResourceSpecCode, ""}] = true
	}
	byID := map[string]Resource{}
	for _, r := range a.Resources {
		byID[r.ResourceID] = r
	}
	bins := map[int]int{}
	expired, autoRenew, mains := 0, 0, 0
	for _, r := range a.Resources {
		if !hex32.MatchString(r.ID) || !uuid.MatchString(r.ResourceID) {
			t.Errorf("ids %q / %q", r.ID, r.ResourceID)
		}
		if !priced[priceKey{r.ServiceTypeCode, r.ResourceTypeCode, r.ResourceSpecCode, ""}] {
			t.Errorf("no price for %s %s %s", r.ServiceTypeCode, r.ResourceTypeCode, r.ResourceSpecCode)
		}
		if r.MonthlyPrice <= 0 || !r.EffectiveTime.Before(r.ExpireTime) || r.EffectiveTime.After(testNow) {
			t.Errorf("resource %s: price %v, %v → %v", r.Name, r.MonthlyPrice, r.EffectiveTime, r.ExpireTime)
		}
		if !r.IsMain {
			m, ok := byID[r.ParentResourceID]
			if !ok || !m.IsMain || !m.ExpireTime.Equal(r.ExpireTime) || m.CustomerID != r.CustomerID {
				t.Errorf("attached %s does not share a main resource's expiry", r.Name)
			}
			continue
		}
		mains++
		if r.ExpirePolicy == 3 {
			autoRenew++
		}
		left := r.ExpireTime.Sub(testNow)
		if left <= 0 {
			expired++
			if r.Status != 5 {
				t.Errorf("expired %s has status %d", r.Name, r.Status)
			}
			continue
		}
		for _, d := range []int{1, 3, 7, 15, 30} {
			if left <= time.Duration(d)*24*time.Hour && left > time.Duration(d)*24*time.Hour-7*time.Hour {
				bins[d]++
			}
		}
	}
	for _, d := range []int{1, 3, 7, 15, 30} {
		if bins[d] < 3 {
			t.Errorf("only %d main resources expire in %d days", bins[d], d)
		}
	}
	if expired < 5 {
		t.Errorf("only %d expired", expired)
	}
	if pct := 100 * autoRenew / mains; pct < 10 || pct > 30 {
		t.Errorf("%d%% of main resources on auto-renew", pct)
	}
	for _, o := range a.Orders {
		if !orderID.MatchString(o.ID) || len(o.LineItems) == 0 {
			t.Errorf("order %q with %d lines", o.ID, len(o.LineItems))
		}
	}
}

func TestDemoZhangsan(t *testing.T) {
	s := New(Options{Now: fixedNow})
	zs, ok := s.Customer(s.Customers()[0].ID)
	for _, c := range s.Customers() {
		if c.AccountName == "zhangsan" {
			zs, ok = c, true
		}
	}
	if !ok {
		t.Fatal("no zhangsan")
	}
	var ecsSoon, autoRenew, disks bool
	for _, r := range s.Resources(zs.ID) {
		if r.IsMain && r.ServiceTypeCode == svcECS && r.ExpireTime.Sub(testNow) < 7*24*time.Hour && r.Status == 2 {
			ecsSoon = len(attachedOf(s, r)) > 0
			for _, d := range attachedOf(s, r) {
				disks = disks || d.ResourceTypeCode == resVolume
			}
		}
		autoRenew = autoRenew || r.IsMain && r.ExpirePolicy == 3
	}
	if !ecsSoon || !disks || !autoRenew {
		t.Errorf("张三: ECS with disks within 7 days %v/%v, auto-renew %v", ecsSoon, disks, autoRenew)
	}
	pending := false
	for _, o := range s.Orders(zs.ID) {
		pending = pending || o.Status == 6 && o.OrderType == 2
	}
	if !pending {
		t.Error("张三 has no pending renewal order")
	}
}

func TestGenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("large data set")
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	ds := Generate(GenOptions{Customers: 10_000, Resources: 200_000, Seed: 7, Now: testNow})
	s := New(Options{Now: fixedNow, Data: ds})
	took := time.Since(start)
	runtime.GC()
	runtime.ReadMemStats(&after)
	if len(ds.Customers) != 10_000 || len(ds.Resources) != 200_000 {
		t.Fatalf("%d customers, %d resources", len(ds.Customers), len(ds.Resources))
	}
	// Time and memory are measured by BenchmarkGenerate (docs/benchmarks.md), not asserted here:
	// a loaded CI machine must not fail a correctness test.
	t.Logf("Generate+New: %v, live heap ≈ %d MiB", took, (after.HeapAlloc-before.HeapAlloc)>>20)
	n := 0
	for _, c := range s.Customers() {
		n += len(s.Resources(c.ID))
	}
	if n != 200_000 {
		t.Errorf("server indexes %d resources", n)
	}
	small := Generate(GenOptions{Customers: 5, Resources: 7, Seed: 1, Now: testNow})
	if len(small.Customers) != 5 || len(small.Resources) != 7 {
		t.Errorf("small: %d customers, %d resources", len(small.Customers), len(small.Resources))
	}
	runtime.KeepAlive(s)
}
