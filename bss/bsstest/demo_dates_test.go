package bsstest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestDemoSameAtAnyDate: the demo has the same customers, resources, orders, coupons and
// pay-per-use resources, with the same statuses, on every date — only their times move with
// now. It was not so: which renewals were dropped, and so everything drawn after them, hung
// on the lengths of the months around now, and 李四's pay-per-use resources and 张三's coupons
// changed at a month boundary.
func TestDemoSameAtAnyDate(t *testing.T) {
	shape := func(ds *Dataset) string {
		acct := map[string]string{}
		for _, c := range ds.Customers {
			acct[c.ID] = c.AccountName
		}
		var lines []string
		add := func(kind, owner string, status int) {
			lines = append(lines, fmt.Sprintf("%s %s %d", kind, acct[owner], status))
		}
		for _, r := range ds.Resources {
			add("resource "+r.Name, r.CustomerID, r.Status)
		}
		for _, o := range ds.Orders {
			add(fmt.Sprintf("order type %d", o.OrderType), o.CustomerID, o.Status)
		}
		for _, c := range ds.Coupons {
			add(fmt.Sprintf("coupon %v/%v", c.FaceValue, c.Balance), c.CustomerID, c.Status)
		}
		for _, r := range ds.OnDemand {
			add("on-demand "+r.Name, r.CustomerID, r.Status)
		}
		for _, c := range ds.Customers {
			lines = append(lines, fmt.Sprintf("customer %s debt %v", c.AccountName, c.Debt))
		}
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	cst := time.FixedZone("CST", 8*3600)
	var dates []time.Time
	for m := time.Month(11); m <= 12+12+3; m++ { // the 1st and the last day of each month, Nov 2026 – Mar 2028
		first := time.Date(2026, m, 1, 0, 30, 0, 0, cst)
		dates = append(dates, first, first.AddDate(0, 1, -1).Add(23*time.Hour))
	}
	dates = append(dates, time.Date(2028, 2, 29, 12, 0, 0, 0, cst), time.Date(2026, 12, 6, 14, 0, 0, 0, cst))
	want := shape(Demo(dates[0], 1))
	for _, at := range dates[1:] {
		if got := shape(Demo(at, 1)); got != want {
			t.Errorf("the demo at %s differs from the demo at %s", at.Format(time.DateTime), dates[0].Format(time.DateTime))
		}
	}
	if n := strings.Count(want, "on-demand lisi-"); n != 3 {
		t.Errorf("李四 has %d pay-per-use resources, want 3", n)
	}
	zsCoupons := 0
	for _, l := range strings.Split(want, "\n") {
		if strings.HasPrefix(l, "coupon ") && strings.Contains(l, " zhangsan ") {
			zsCoupons++
		}
	}
	if zsCoupons != 2 {
		t.Errorf("张三 holds %d coupons, want 2", zsCoupons)
	}
}
