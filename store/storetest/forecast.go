package storetest

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/store"
)

// testForecast: the stored forecast round-trips whole and the later one replaces it; a
// forecast without a time or a JSON body is refused.
func testForecast(t *testing.T, e *env) {
	if _, ok, err := e.b.Forecast(e.ctx); ok || err != nil {
		t.Fatalf("before any forecast: %t %v", ok, err)
	}
	f := store.StoredForecast{At: e.now(), Customers: 60, Body: json.RawMessage(`{"total":"12.30","customers":[]}`)}
	must(t, "PutForecast", e.b.PutForecast(e.ctx, f))
	e.clk.Advance(24 * time.Hour)
	f2 := store.StoredForecast{At: e.now(), Customers: 61, Body: json.RawMessage(`{"total":"45.60"}`)}
	must(t, "PutForecast", e.b.PutForecast(e.ctx, f2))
	got, ok, err := e.b.Forecast(e.ctx)
	if err != nil || !ok || !got.At.Equal(f2.At) || got.Customers != 61 || string(got.Body) != `{"total":"45.60"}` {
		t.Fatalf("Forecast = %+v %t %v, want %+v", got, ok, err, f2)
	}
	if err := e.b.PutForecast(e.ctx, store.StoredForecast{Body: json.RawMessage(`{}`)}); err == nil {
		t.Error("a forecast without its time was accepted")
	}
	if err := e.b.PutForecast(e.ctx, store.StoredForecast{At: e.now(), Body: json.RawMessage(`{`)}); err == nil {
		t.Error("a forecast with a broken body was accepted")
	}
}

// testQuotes: a customer's quotes are replaced whole, read per customer (a customer whose id
// is a prefix of another's does not see the other's), and dropped per customer.
func testQuotes(t *testing.T, e *env) {
	q := func(res, period, amount string) store.CachedQuote {
		return store.CachedQuote{ResourceID: res, Period: period, Amount: amount, Currency: "CNY", At: e.now()}
	}
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-1", []store.CachedQuote{q("r-1", "1m", "432.10"), q("r-2", "1m", "10")}))
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-10", []store.CachedQuote{q("r-9", "1y", "1200")}))
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-1", []store.CachedQuote{q("r-2", "1m", "11.5"), q("r-3", "3m", "30")}))
	got, err := e.b.Quotes(e.ctx, []string{"c-1", "c-10", "c-2", ""})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]string{}
	for id, qs := range got {
		for _, q := range qs {
			if q.CustomerID != id || !q.At.Equal(e.now()) || q.Currency != "CNY" {
				t.Errorf("quote %+v under %s", q, id)
			}
			have[id+"/"+q.ResourceID+"/"+q.Period] = q.Amount
		}
	}
	want := map[string]string{"c-1/r-2/1m": "11.5", "c-1/r-3/3m": "30", "c-10/r-9/1y": "1200"}
	if len(have) != len(want) || len(got) != 2 {
		t.Fatalf("quotes %v, want %v", have, want)
	}
	for k, v := range want {
		if have[k] != v {
			t.Errorf("quote %s = %q, want %q", k, have[k], v)
		}
	}
	must(t, "DropQuotes", e.b.DropQuotes(e.ctx, []string{"c-1", "c-3"}))
	got, err = e.b.Quotes(e.ctx, []string{"c-1", "c-10"})
	if err != nil || len(got["c-1"]) != 0 || len(got["c-10"]) != 1 {
		t.Errorf("after dropping c-1: %v %v", got, err)
	}
	for _, bad := range []store.CachedQuote{q("", "1m", "1"), q("r", "", "1"), q("r", "1m", ""), q("r\x00x", "1m", "1")} {
		if err := e.b.PutQuotes(e.ctx, "c-1", []store.CachedQuote{bad}); err == nil {
			t.Errorf("quote %+v was accepted", bad)
		}
	}
	if err := e.b.PutQuotes(e.ctx, "", []store.CachedQuote{q("r", "1m", "1")}); err == nil {
		t.Error("quotes without a customer were accepted")
	}
}

// testQuotesMany: a customer with 300 quoted resources (more than one etcd Txn has
// operations) has its quotes replaced whole, by a set that overlaps the old one and then by a
// small one, and dropped.
func testQuotesMany(t *testing.T, e *env) {
	set := func(from, n int, amount string) []store.CachedQuote {
		qs := make([]store.CachedQuote, n)
		for i := range qs {
			qs[i] = store.CachedQuote{ResourceID: fmt.Sprintf("ecs-%04d", from+i), Period: "1m", Amount: amount, Currency: "CNY", At: e.now()}
		}
		return qs
	}
	check := func(step string, want []store.CachedQuote) {
		t.Helper()
		got, err := e.b.Quotes(e.ctx, []string{"c-big"})
		if err != nil {
			t.Fatalf("%s: Quotes: %v", step, err)
		}
		have := map[string]string{}
		for _, q := range got["c-big"] {
			have[q.ResourceID+"/"+q.Period] = q.Amount
		}
		if len(have) != len(want) || len(got["c-big"]) != len(want) {
			t.Fatalf("%s: %d quotes, want %d", step, len(got["c-big"]), len(want))
		}
		for _, q := range want {
			if have[q.ResourceID+"/"+q.Period] != q.Amount {
				t.Fatalf("%s: quote of %s = %q, want %q", step, q.ResourceID, have[q.ResourceID+"/"+q.Period], q.Amount)
			}
		}
	}
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-big", set(0, 300, "10")))
	check("first 300", set(0, 300, "10"))
	e.clk.Advance(time.Hour)
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-big", set(150, 300, "12.5")))
	check("300 replaced by 300, half of them the same resources", set(150, 300, "12.5"))
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-big", set(1000, 5, "7")))
	check("300 replaced by 5", set(1000, 5, "7"))
	must(t, "PutQuotes", e.b.PutQuotes(e.ctx, "c-big", set(0, 300, "10")))
	must(t, "DropQuotes", e.b.DropQuotes(e.ctx, []string{"c-big"}))
	check("dropped", nil)
}

// testBudgets: budgets are set, replaced, listed by customer and removed once.
func testBudgets(t *testing.T, e *env) {
	if bs, err := e.b.Budgets(e.ctx); err != nil || len(bs) != 0 {
		t.Fatalf("before any budget: %v %v", bs, err)
	}
	must(t, "SetBudget", e.b.SetBudget(e.ctx, store.Budget{CustomerID: "c-2", Name: "李四", Amount: "300", By: "slack:U1", At: e.now()}))
	must(t, "SetBudget", e.b.SetBudget(e.ctx, store.Budget{CustomerID: "c-1", Name: "张三", Amount: "5000", Currency: "CNY", By: "slack:U1", At: e.now()}))
	must(t, "SetBudget", e.b.SetBudget(e.ctx, store.Budget{CustomerID: "c-2", Name: "李四", Amount: "350.5", By: "slack:U2", At: e.now()}))
	bs, err := e.b.Budgets(e.ctx)
	if err != nil || len(bs) != 2 || bs[0].CustomerID != "c-1" || bs[0].Amount != "5000" || bs[0].Name != "张三" ||
		bs[1].CustomerID != "c-2" || bs[1].Amount != "350.5" || bs[1].By != "slack:U2" || !bs[1].At.Equal(e.now()) {
		t.Fatalf("Budgets = %+v %v", bs, err)
	}
	if ok, err := e.b.RemoveBudget(e.ctx, "c-1"); !ok || err != nil {
		t.Errorf("RemoveBudget(c-1) = %t %v", ok, err)
	}
	if ok, err := e.b.RemoveBudget(e.ctx, "c-1"); ok || err != nil {
		t.Errorf("RemoveBudget(c-1) again = %t %v", ok, err)
	}
	if bs, _ := e.b.Budgets(e.ctx); len(bs) != 1 || bs[0].CustomerID != "c-2" {
		t.Errorf("after removing c-1: %+v", bs)
	}
	for _, bad := range []store.Budget{{Amount: "1"}, {CustomerID: "c-3"}} {
		if err := e.b.SetBudget(e.ctx, bad); err == nil {
			t.Errorf("budget %+v was accepted", bad)
		}
	}
}

// ForecastBody is the body of a forecast of n customers, each with a gap and a few renewals,
// as compact JSON: about 340 bytes a customer, so 10,000 of them (a large partner) make some
// 3.4 MiB, as the real forecast's do. tag makes two bodies of one n differ. Generated, for the
// suite and the backends' benchmarks.
func ForecastBody(n int, tag string) json.RawMessage {
	var b strings.Builder
	b.WriteString(`{"total":"` + tag + `","customers":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"cust-%05d","name":"客户 %d %s","balance":"%d.50","gap":"%d.25","renewals":[`, i, i, tag, i*7%10000, i*13%5000)
		for j := range 3 {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"resource":"ecs-%05d-%02d","expiry":"2026-12-%02dT00:00:00Z","quote":"%d.10","auto":%t}`, i, j, 1+(i+j)%28, 100+i%900, j%2 == 0)
		}
		b.WriteString(`]}`)
	}
	b.WriteString(`]}`)
	return json.RawMessage(b.String())
}

// testForecastLarge: a forecast of 10,000 customers, larger than one etcd transaction
// (1.5 MiB), is stored and read back byte for byte; a second one replaces it whole, and a
// small third one replaces that.
func testForecastLarge(t *testing.T, e *env) {
	for i, body := range []json.RawMessage{ForecastBody(10000, "A"), ForecastBody(10000, "B"), ForecastBody(3, "C")} {
		f := store.StoredForecast{At: e.now(), Customers: 10000 + i, Body: body}
		if i == 0 && len(body) <= 3<<20 {
			t.Fatalf("the large forecast's body is %d bytes, want more than 3 MiB", len(body))
		}
		must(t, "PutForecast", e.b.PutForecast(e.ctx, f))
		got, ok, err := e.b.Forecast(e.ctx)
		if err != nil || !ok || !got.At.Equal(f.At) || got.Customers != f.Customers || string(got.Body) != string(body) {
			t.Fatalf("forecast %d of %d bytes: read back %d bytes, customers %d, at %v, %t, %v", i, len(body), len(got.Body), got.Customers, got.At, ok, err)
		}
		e.clk.Advance(24 * time.Hour)
	}
}
