package bsstest

import (
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/internal/fakeclock"
)

var timeType = reflect.TypeFor[time.Time]()

// fillTimes gives every time.Time reachable in v (structs, slices, maps, pointers) a distinct,
// non-zero value from next and every other leaf a non-zero value, so that a field shift leaves
// alone shows. Slices and maps get one element. It returns the paths of the time fields.
func fillTimes(v reflect.Value, path string, next func() time.Time) []string {
	switch {
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(next()))
		return []string{path}
	}
	var paths []string
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			paths = append(paths, fillTimes(v.Field(i), path+"."+f.Name, next)...)
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		paths = fillTimes(v.Index(0), path+"[0]", next)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fillTimes(k, path, next)
		paths = fillTimes(e, path+"[k]", next)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		paths = fillTimes(v.Elem(), path, next)
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(7)
	}
	return paths
}

// timeAt returns the time.Time at a path fillTimes reported.
func timeAt(v reflect.Value, path string) time.Time {
	for _, part := range strings.Split(strings.TrimPrefix(path, "."), ".") {
		name, idx := part, ""
		if i := strings.IndexByte(part, '['); i >= 0 {
			name, idx = part[:i], part[i:]
		}
		if v.Kind() == reflect.Pointer {
			v = v.Elem()
		}
		if name != "" {
			v = v.FieldByName(name)
		}
		for ; idx != ""; idx = idx[strings.IndexByte(idx, ']')+1:] {
			switch v.Kind() {
			case reflect.Slice:
				v = v.Index(0)
			case reflect.Map:
				v = v.MapIndex(v.MapKeys()[0])
			}
		}
	}
	return v.Interface().(time.Time)
}

// TestShiftMovesEveryTime: a pause moves every time the sandbox file keeps — of resources,
// orders and their lines, quotas and their records, the ledger, adjust records, coupons,
// pay-per-use resources, customers and the renewals unsubscribe can roll back — by the pause,
// and nothing else. The state is filled by reflection, so a time field added to the data later
// and forgotten in shift fails here.
func TestShiftMovesEveryTime(t *testing.T) {
	fill := func() (*savedState, []string) {
		var sv savedState
		base := testNow
		paths := fillTimes(reflect.ValueOf(&sv).Elem(), "", func() time.Time {
			base = base.Add(time.Hour + time.Second)
			return base
		})
		return &sv, paths
	}
	before, paths := fill()
	after, _ := fill()
	const pause = 40 * 24 * time.Hour
	after.shift(pause)
	if len(paths) < 23 { // the 23 of issue #21: the walk itself must not lose any
		t.Fatalf("found only %d time fields: %v", len(paths), paths)
	}
	for _, p := range paths {
		b, a := timeAt(reflect.ValueOf(before).Elem(), p), timeAt(reflect.ValueOf(after).Elem(), p)
		if got := a.Sub(b); got != pause {
			t.Errorf("%s moved by %v, want %v (shift in shift.go does not move it)", p, got, pause)
		}
	}
	after.shift(-pause)
	if !reflect.DeepEqual(before, after) {
		t.Errorf("shifting forth and back changed more than the times:\n%+v\n%+v", before, after)
	}

	// A time kept in another type (a date string, Unix seconds) would not move: there is none.
	timeish := regexp.MustCompile(`(Time|Date|Day|Cycle|At|On)$`)
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(ty reflect.Type) {
		for ty.Kind() == reflect.Slice || ty.Kind() == reflect.Pointer || ty.Kind() == reflect.Map {
			if ty.Kind() == reflect.Map {
				walk(ty.Key())
			}
			ty = ty.Elem()
		}
		if ty.Kind() != reflect.Struct || ty == timeType || seen[ty] {
			return
		}
		seen[ty] = true
		for i := range ty.NumField() {
			f := ty.Field(i)
			if timeish.MatchString(f.Name) && f.Type != timeType {
				t.Errorf("%s.%s is a %v: keep times as time.Time, so that shift can move them", ty.Name(), f.Name, f.Type)
			}
			walk(f.Type)
		}
	}
	walk(reflect.TypeFor[savedState]())
}

// pausedFake serves the sandbox file at path on clk, as a process started at clk's time does.
// Its callers sign at testNow (AuthNow), so that the data's clock can move alone.
func pausedFake(t *testing.T, path string, clk *fakeclock.Clock) *Server {
	t.Helper()
	return openFakeWith(t, path, Options{Now: clk.Now, AuthNow: fixedNow})
}

var wireTime = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ`)

// backBy rewrites every wire time in body d earlier.
func backBy(body []byte, d time.Duration) string {
	return wireTime.ReplaceAllStringFunc(string(body), func(s string) string {
		at, err := time.Parse(timeLayout, s)
		if err != nil {
			return s
		}
		return fmtTime(at.Add(-d))
	})
}

// worldReads are the answers that show the world's times: resources, orders, the ledger,
// allocations, coupons, quotas and pay-per-use resources.
func worldReads(zs, lisi string) []struct{ method, path, as, body string } {
	return []struct{ method, path, as, body string }{
		{"POST", pathSubCustomers, "", `{"limit":100}`},
		{"POST", pathBalances, "", `{"customer_infos":[{"customer_id":"` + zs + `"},{"customer_id":"` + lisi + `"}]}`},
		{"GET", pathPartnerBal, "", ""},
		{"POST", pathResources, "zhangsan", `{"limit":100}`},
		{"POST", pathResources, "lisi", `{"limit":100}`},
		{"GET", pathOrders + "?limit=100", "", ""},
		{"GET", pathOrders + "?customer_id=" + zs + "&limit=100", "", ""},
		{"GET", pathCoupons + "?customer_id=" + zs, "", ""},
		{"GET", pathChangeRecords + "?balance_type=BALANCE_TYPE_DEBIT&limit=100", "", ""},
		{"GET", pathAdjustRecords + "?limit=100", "", ""},
		{"GET", pathIssuedQuotas + "?limit=100", "", ""},
		{"POST", pathQuotas, "", `{"limit":100}`},
		{"POST", pathOnDemand, "", `{"customer_id":"` + zs + `","limit":100}`},
	}
}

func readWorld(t *testing.T, s *Server, reads []struct{ method, path, as, body string }) []reply {
	t.Helper()
	var out []reply
	for _, rd := range reads {
		c := partner(t, s)
		if rd.as != "" {
			c = customer(t, s, rd.as)
		}
		var payload any
		if rd.body != "" {
			payload = rd.body
		}
		r := c.do(rd.method, rd.path, payload)
		if r.status != 200 {
			t.Fatalf("%s %s answered %d %s", rd.method, rd.path, r.status, r.body)
		}
		out = append(out, r)
	}
	return out
}

// TestSandboxFileAfterAPause: a world used at T (a top-up and a renewal), closed, and opened
// by another process 40 days later reads as it did at T with every time 40 days later: what
// expired in 3 days still does, the top-up and the renewal are where they were among the
// records, and balances are unchanged. Before, the file kept T's dates and the demo's soon-
// expiring resources had expired.
func TestSandboxFileAfterAPause(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	clk := fakeclock.New(testNow)
	s := pausedFake(t, path, clk)
	zs, lisi := findCustomer(t, s, "zhangsan"), findCustomer(t, s, "lisi")
	partner(t, s).post(pathAdjust, `{"customer_id":"`+zs.ID+`","amount":"123.45"}`).want(t, 200, "")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	var renewed struct {
		OrderIDs []string `json:"order_ids"`
	}
	customer(t, s, "zhangsan").post(pathRenew, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2,
		"period_num": 1, "is_auto_pay": 1}).want(t, 200, "").into(t, &renewed)
	reads := worldReads(zs.ID, lisi.ID)
	atT := readWorld(t, s, reads)
	webAtT := findResource(t, s, zs.ID, "zhangsan-web-01")

	const pause = 40 * 24 * time.Hour
	clk.Advance(pause)
	later := pausedFake(t, path, clk) // another process, 40 days on
	for i, r := range readWorld(t, later, reads) {
		if got, want := backBy(r.body, pause), string(atT[i].body); got != want {
			t.Errorf("%s %s 40 days later, times moved back by 40 days:\n%.3000s\nat T:\n%.3000s", reads[i].method, reads[i].path, got, want)
		}
	}
	webLater := findResource(t, later, zs.ID, "zhangsan-web-01")
	if got, want := webLater.ExpireTime.Sub(clk.Now()), webAtT.ExpireTime.Sub(testNow); got != want {
		t.Errorf("web-01 expires in %v after the pause, want %v as at T", got, want)
	}
	if got, want := balanceOf(t, later, zs.ID), balanceOf(t, s, zs.ID); got != want {
		t.Errorf("张三's balance after the pause is %s, want %s", got, want)
	}
	if o := later.Orders(zs.ID); !slicesContainsFunc(o, func(o Order) bool { return o.ID == renewed.OrderIDs[0] && o.CreateTime.Equal(testNow.Add(pause)) }) {
		t.Errorf("the renewal %s is not among 张三's orders, made at the reopening's T", renewed.OrderIDs[0])
	}
	topup := false
	for _, e := range later.Ledger() {
		topup = topup || (e.CustomerID == zs.ID && e.Change == MustMoney("123.45") && e.Time.Equal(testNow.Add(pause)))
	}
	if !topup {
		t.Error("the top-up of 123.45 is not in the ledger at T + 40 days")
	}
	// The first server, which had the world in memory, serves the moved world at its next request.
	if got := findResourceWire(t, s, "zhangsan", web.ResourceID); got != fmtTime(webLater.ExpireTime) {
		t.Errorf("the server opened at T shows web-01 expiring %s after the other moved the world, want %s", got, fmtTime(webLater.ExpireTime))
	}
}

func slicesContainsFunc[T any](s []T, f func(T) bool) bool {
	for _, x := range s {
		if f(x) {
			return true
		}
	}
	return false
}

// findResourceWire is a resource's expire_time as the customer's resource list answers it.
func findResourceWire(t *testing.T, s *Server, account, resourceID string) string {
	t.Helper()
	var out struct {
		Data []struct {
			ResourceID string `json:"resource_id"`
			ExpireTime string `json:"expire_time"`
		} `json:"data"`
	}
	customer(t, s, account).post(pathResources, `{"limit":100}`).want(t, 200, "").into(t, &out)
	for _, r := range out.Data {
		if r.ResourceID == resourceID {
			return r.ExpireTime
		}
	}
	t.Fatalf("%s has no resource %s", account, resourceID)
	return ""
}

// TestSandboxFileTimeRunsWhileUsed: while a process keeps using the world, even only reading,
// nothing moves: resources expire as in BSS. Two processes read it in turns every 20 hours for
// four days, then one of them after three more days (a server with the file open never moves
// it); web-01, due in 3 days less 2 hours at the start, has then expired, in both and in a
// process opened afterwards.
func TestSandboxFileTimeRunsWhileUsed(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	clk := fakeclock.New(testNow)
	a, b := pausedFake(t, path, clk), pausedFake(t, path, clk)
	zs := findCustomer(t, a, "zhangsan")
	web := findResource(t, a, zs.ID, "zhangsan-web-01")
	for i := range 5 {
		clk.Advance(20 * time.Hour)
		partner(t, []*Server{a, b}[i%2]).get(pathPartnerBal).want(t, 200, "")
	}
	clk.Advance(3 * 24 * time.Hour)
	partner(t, a).get(pathPartnerBal).want(t, 200, "")
	if !web.ExpireTime.Before(clk.Now()) {
		t.Fatalf("web-01 expires %v, after the clock's %v: the test proves nothing", web.ExpireTime, clk.Now())
	}
	c := pausedFake(t, path, clk)
	for name, s := range map[string]*Server{"a": a, "b": b, "opened later": c} {
		if got := findResourceWire(t, s, "zhangsan", web.ResourceID); got != fmtTime(web.ExpireTime) {
			t.Errorf("%s: web-01 expires %s after a week of use, want %s as laid out", name, got, fmtTime(web.ExpireTime))
		}
	}
}

// TestSandboxFileMovesWholeDays: the world moves by the whole days it stood unused; a pause
// shorter than a day moves nothing, the hours beyond the last whole day pass, and a clock
// behind the last use moves nothing.
func TestSandboxFileMovesWholeDays(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		pause, moved time.Duration
	}{
		{23*time.Hour + 59*time.Minute, 0},
		{day, day},
		{2*day + 23*time.Hour, 2 * day},
		{40*day + 5*time.Hour, 40 * day},
		{-3 * day, 0},
	} {
		t.Run(fmt.Sprint(tc.pause), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bot.sandbox.db")
			clk := fakeclock.New(testNow)
			s := pausedFake(t, path, clk)
			zs := findCustomer(t, s, "zhangsan")
			web := findResource(t, s, zs.ID, "zhangsan-web-01")
			clk.Advance(tc.pause)
			later := pausedFake(t, path, clk)
			if got := findResource(t, later, zs.ID, "zhangsan-web-01").ExpireTime.Sub(web.ExpireTime); got != tc.moved {
				t.Errorf("after a pause of %v web-01's expiry moved by %v, want %v", tc.pause, got, tc.moved)
			}
		})
	}
}

// TestResetFileAt: a world reset at T and first used a week later is moved by the week;
// ResetFile's world counts from its first use.
func TestResetFileAt(t *testing.T) {
	week := 7 * 24 * time.Hour
	for _, tc := range []struct {
		name  string
		reset func(path string) error
		moved time.Duration
	}{
		{"ResetFileAt", func(path string) error { return ResetFileAt(path, Demo(testNow, 1), testNow, time.Second) }, week},
		{"ResetFile", func(path string) error { return ResetFile(path, Demo(testNow, 1), time.Second) }, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bot.sandbox.db")
			clk := fakeclock.New(testNow.Add(-30 * 24 * time.Hour))
			s := pausedFake(t, path, clk) // a file last used a month before the reset
			zs := findCustomer(t, s, "zhangsan")
			if err := tc.reset(path); err != nil {
				t.Fatal(err)
			}
			web := findResource(t, New(Options{Now: fixedNow}), zs.ID, "zhangsan-web-01")
			clk.Set(testNow.Add(week))
			later := pausedFake(t, path, clk)
			if got := findResource(t, later, zs.ID, "zhangsan-web-01").ExpireTime.Sub(web.ExpireTime); got != tc.moved {
				t.Errorf("web-01's expiry moved by %v, want %v", got, tc.moved)
			}
		})
	}
}

// BenchmarkSandboxOpen measures what a process pays to open the demo's sandbox file: "used"
// when the world was in use less than a day ago (the state is read and indexed), "paused"
// when it stood unused for 40 days (every time moved and the state written back, fsync
// included); "shift" is the moving of the times alone. Both build the demo first, as a
// process does before it opens the file (Options.Data nil).
func BenchmarkSandboxOpen(b *testing.B) {
	state, err := encodeState(storeOf(Demo(testNow, 1)))
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		pause time.Duration
	}{{"used", time.Hour}, {"paused", 40 * 24 * time.Hour}} {
		b.Run(tc.name, func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "sandbox.db")
			later := func() time.Time { return testNow.Add(tc.pause) }
			for b.Loop() {
				b.StopTimer()
				db, err := openFile(path, time.Second)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := writeState(db, state, testNow); err != nil {
					b.Fatal(err)
				}
				if err := db.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				if _, err := Open(path, Options{Now: later}, time.Second); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("shift", func(b *testing.B) {
		sv, err := decodeSaved(state)
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			sv.shift(24 * time.Hour)
		}
	})
}
