package bsstest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// openFake serves the sandbox file at path on the fixed clock, as NewTestServer serves memory.
func openFake(t *testing.T, path string) *Server {
	return openFakeWith(t, path, Options{Now: fixedNow})
}

// openFakeWith serves the sandbox file at path with o, closed when the test ends.
func openFakeWith(t *testing.T, path string, o Options) *Server {
	t.Helper()
	s, err := Open(path, o, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	s.URL = ts.URL
	t.Cleanup(func() {
		s.Close()
		ts.Close()
	})
	return s
}

// balanceOf is a customer's balance as ListCustomersBalancesDetail answers it.
func balanceOf(t *testing.T, s *Server, customerID string) string {
	t.Helper()
	var bal struct {
		CustomerBalances []struct {
			Amount json.Number `json:"amount"`
		} `json:"customer_balances"`
	}
	partner(t, s).post(pathBalances, `{"customer_infos":[{"customer_id":"`+customerID+`"}]}`).want(t, 200, "").into(t, &bal)
	if len(bal.CustomerBalances) != 1 {
		t.Fatalf("balances of %s: %+v", customerID, bal)
	}
	return bal.CustomerBalances[0].Amount.String()
}

// TestSandboxFileIsOneWorld: two servers on one sandbox file (as two processes are) see each
// other's money moves and orders; the first server's answer waited for its change to be on disk.
func TestSandboxFileIsOneWorld(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	a, b := openFake(t, path), openFake(t, path)
	zs := findCustomer(t, a, "zhangsan")
	before := balanceOf(t, b, zs.ID)

	partner(t, a).post(pathAdjust, `{"customer_id":"`+zs.ID+`","amount":"123.45"}`).want(t, 200, "")
	want := (MustMoney(before) + MustMoney("123.45")).String()
	if got := balanceOf(t, b, zs.ID); got != want {
		t.Errorf("the other server shows balance %s after a top-up of 123.45 from %s, want %s", got, before, want)
	}
	if got := balanceOf(t, a, zs.ID); got != want {
		t.Errorf("the server that topped up shows %s, want %s", got, want)
	}

	// A renewal on b is an order a lists, and a third server opened afterwards sees both.
	web := findResource(t, b, zs.ID, "zhangsan-web-01")
	var renewed struct {
		OrderIDs []string `json:"order_ids"`
	}
	customer(t, b, "zhangsan").post(pathRenew, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2,
		"period_num": 1, "is_auto_pay": 1}).want(t, 200, "").into(t, &renewed)
	if len(renewed.OrderIDs) != 1 {
		t.Fatalf("renewal answered %+v", renewed)
	}
	partner(t, a).get(pathOrderDetails+renewed.OrderIDs[0]).want(t, 200, "")
	c := openFake(t, path)
	partner(t, c).get(pathOrderDetails+renewed.OrderIDs[0]).want(t, 200, "")
	if got := balanceOf(t, c, zs.ID); MustMoney(got) >= MustMoney(want) {
		t.Errorf("a server opened later shows balance %s, want less than %s after the paid renewal", got, want)
	}
}

// TestSandboxFileKeepsTheWire: the same business done on a sandbox in memory and on one in a
// file, then served by a server that loads the file afresh, gives byte-identical answers, and
// the next order gets the same id (the generator of ids is in the file too).
func TestSandboxFileKeepsTheWire(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	mem, file := newFake(t, Options{}), openFake(t, path)
	zs := findCustomer(t, mem, "zhangsan")
	lisi := findCustomer(t, mem, "lisi")
	web := findResource(t, mem, zs.ID, "zhangsan-web-01")
	var quota Quota
	for _, q := range mem.Quotas() {
		if q.IndirectPartnerID == "" && q.QuotaType == 0 && len(q.Limits) == 0 {
			quota = q
		}
	}
	business := []struct {
		method, path, as string
		body             any
	}{
		{"POST", pathAdjust, "", `{"customer_id":"` + lisi.ID + `","amount":"10000.5"}`},
		{"POST", pathReclaimBal, "", map[string]any{"customer_id": zs.ID, "amount": 20.25}},
		{"POST", pathCoupons, "", map[string]any{"quota_id": quota.QuotaID, "customer_ids": []string{zs.ID}, "face_value": "88.80"}},
		{"POST", pathRenew, "zhangsan", map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 3, "is_auto_pay": 1}},
		{"POST", pathAutoRenew + web.ResourceID, "zhangsan", nil},
	}
	do := func(s *Server, method, path, as string, payload any) reply {
		t.Helper()
		c := partner(t, s)
		if as != "" {
			c = customer(t, s, as)
		}
		return c.do(method, path, payload)
	}
	for _, op := range business {
		m, f := do(mem, op.method, op.path, op.as, op.body), do(file, op.method, op.path, op.as, op.body)
		if m.status != http.StatusOK || m.status != f.status || !bytes.Equal(m.body, f.body) {
			t.Errorf("%s %s: memory answered %d %s, the file %d %s", op.method, op.path, m.status, m.body, f.status, f.body)
		}
	}

	fresh := openFake(t, path)
	reads := []struct{ method, path, as, body string }{
		{"POST", pathSubCustomers, "", `{"limit":100}`},
		{"POST", pathBalances, "", `{"customer_infos":[{"customer_id":"` + zs.ID + `"},{"customer_id":"` + lisi.ID + `"}]}`},
		{"GET", pathPartnerBal, "", ""},
		{"POST", pathResources, "zhangsan", `{"limit":100}`},
		{"POST", pathResources, "lisi", `{"limit":100}`},
		{"GET", pathOrders + "?limit=100", "", ""},
		{"GET", pathOrders + "?customer_id=" + zs.ID + "&limit=100", "", ""},
		{"GET", pathCoupons + "?customer_id=" + zs.ID, "", ""},
		{"GET", pathChangeRecords + "?balance_type=BALANCE_TYPE_DEBIT&limit=100", "", ""},
		{"GET", pathChangeRecords + "?balance_type=BALANCE_TYPE_CREDIT&limit=100", "", ""},
		{"GET", pathAdjustRecords + "?limit=100", "", ""},
		{"GET", pathIssuedQuotas + "?limit=100", "", ""},
		{"POST", pathQuotas, "", `{"limit":100}`},
		{"POST", pathOnDemand, "", `{"customer_id":"` + zs.ID + `","limit":100}`},
		{"GET", pathMonthly + "?charge_mode=1&cycle=" + cycleOf(testNow), "", ""},
	}
	for _, rd := range reads {
		var payload any
		if rd.body != "" {
			payload = rd.body
		}
		m, f := do(mem, rd.method, rd.path, rd.as, payload), do(fresh, rd.method, rd.path, rd.as, payload)
		if m.status != http.StatusOK || m.status != f.status || !bytes.Equal(m.body, f.body) {
			t.Errorf("%s %s: memory answered %d\n%.2000s\nthe reloaded file %d\n%.2000s", rd.method, rd.path, m.status, m.body, f.status, f.body)
		}
	}
	// Unsubscribing the renewal (type 2) rolls back to the expiry the file remembers, and the
	// next order's id comes from the same generator state.
	app := findResource(t, mem, zs.ID, "zhangsan-app-02")
	for _, op := range []struct {
		path string
		body any
	}{
		{pathUnsubscribe, map[string]any{"resource_ids": []string{web.ResourceID}, "unsubscribe_type": 2}},
		{pathResources, `{"limit":100}`},
		{pathRenew, map[string]any{"resource_ids": []string{app.ResourceID}, "period_type": 2, "period_num": 1, "is_auto_pay": 1}},
	} {
		m, f := do(mem, "POST", op.path, "zhangsan", op.body), do(fresh, "POST", op.path, "zhangsan", op.body)
		if m.status != 200 || !bytes.Equal(m.body, f.body) {
			t.Errorf("POST %s after the reload: memory answered %d\n%.2000s\nthe reloaded file %d\n%.2000s", op.path, m.status, m.body, f.status, f.body)
		}
	}
}

// TestResetFile: a reset gives every server on the file the new data at its next request.
func TestResetFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	s := openFake(t, path)
	zs := findCustomer(t, s, "zhangsan")
	before := balanceOf(t, s, zs.ID)
	partner(t, s).post(pathAdjust, `{"customer_id":"`+zs.ID+`","amount":"1"}`).want(t, 200, "")
	if got := balanceOf(t, s, zs.ID); got == before {
		t.Fatalf("balance %s did not move", got)
	}
	if err := ResetFile(path, Demo(testNow, 1), time.Second); err != nil {
		t.Fatal(err)
	}
	if got := balanceOf(t, s, zs.ID); got != before {
		t.Errorf("after the reset the running server shows %s, want the demo's %s", got, before)
	}
}

// TestSandboxFileBusy: a request that cannot take the file in time is answered 503 CBC.0999
// naming the file, not served from stale data.
func TestSandboxFileBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	s, err := Open(path, Options{Now: fixedNow}, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	s.URL = ts.URL
	holder, err := openFile(path, time.Second) // another process's turn, as far as s can tell
	if err != nil {
		t.Fatal(err)
	}
	r := partner(t, s).get(pathPartnerBal).want(t, http.StatusServiceUnavailable, "CBC.0999")
	if !contains(string(r.body), "in use by another process") || !contains(string(r.body), "bot.sandbox.db") {
		t.Errorf("busy answer %s", r.body)
	}
	if err := holder.Close(); err != nil {
		t.Fatal(err)
	}
	partner(t, s).get(pathPartnerBal).want(t, http.StatusOK, "")
}

// TestSandboxFileOfAnotherFormat: a file that is not a sandbox file is refused at Open with the
// way out.
func TestSandboxFileOfAnotherFormat(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	db, err := openFile(path, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeState(db, []byte("not gob"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{Now: fixedNow}, time.Second)
	if err == nil || !contains(err.Error(), "partnerbot sandbox reset") {
		t.Errorf("Open of a damaged file: %v, want the advice to reset", err)
	}
}

// TestSandboxFileTakesTurns: top-ups sent at once through two servers on one file (two
// processes, as far as the file's lock can tell) all count: none is lost to a stale copy.
func TestSandboxFileTakesTurns(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bot.sandbox.db")
	servers := []*Server{openFake(t, path), openFake(t, path)}
	lisi := findCustomer(t, servers[0], "lisi")
	before := MustMoney(balanceOf(t, servers[0], lisi.ID))
	const each = 8
	var wg sync.WaitGroup
	for _, s := range servers {
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range each / 2 {
					r := partner(t, s).send(partner(t, s).request("POST", pathAdjust, []byte(`{"customer_id":"`+lisi.ID+`","amount":"1"}`)))
					if r.status != 200 {
						t.Errorf("top-up answered %d %s", r.status, r.body)
					}
				}
			}()
		}
	}
	wg.Wait()
	// lisi is in arrears: a top-up pays the debt first; balance minus debt is what moved.
	var bal struct {
		CustomerBalances []struct {
			Amount     json.Number `json:"amount"`
			DebtAmount json.Number `json:"debt_amount"`
		} `json:"customer_balances"`
	}
	for _, s := range servers {
		partner(t, s).post(pathBalances, `{"customer_infos":[{"customer_id":"`+lisi.ID+`"}]}`).want(t, 200, "").into(t, &bal)
		got := MustMoney(bal.CustomerBalances[0].Amount.String()) - MustMoney(bal.CustomerBalances[0].DebtAmount.String())
		want := before - lisi.Debt + Yuan(int64(len(servers)*each))
		if got != want {
			t.Errorf("balance less debt %v after %d top-ups of 1, want %v", got, len(servers)*each, want)
		}
	}
}

// BenchmarkSandboxFile measures what keeping the demo sandbox in a file costs a request: a read
// (the partner's balances) and a top-up (written through, fsync included), against the same
// sandbox in memory. state-KiB is the size of the state each write stores, file-KiB the file's
// size after the top-ups (bbolt reuses the pages each write frees).
func BenchmarkSandboxFile(b *testing.B) {
	for _, where := range []string{"memory", "file"} {
		s, path := New(Options{Now: fixedNow}), ""
		if where == "file" {
			var err error
			path = filepath.Join(b.TempDir(), "sandbox.db")
			if s, err = Open(path, Options{Now: fixedNow}, 0); err != nil {
				b.Fatal(err)
			}
		}
		zs := s.Customers()[0].ID
		s.mu.RLock()
		state, err := encodeState(s.st)
		s.mu.RUnlock()
		if err != nil {
			b.Fatal(err)
		}
		b.Run("read/"+where, func(b *testing.B) {
			for b.Loop() {
				if rec := serve(s, SandboxCredentials, "GET", pathPartnerBal, nil); rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body)
				}
			}
		})
		b.Run("topup/"+where, func(b *testing.B) {
			body := []byte(`{"customer_id":"` + zs + `","amount":"0.01"}`)
			for b.Loop() {
				if rec := serve(s, SandboxCredentials, "POST", pathAdjust, body); rec.Code != 200 {
					b.Fatal(rec.Code, rec.Body)
				}
			}
			b.ReportMetric(float64(len(state))/1024, "state-KiB")
			if path != "" {
				fi, err := os.Stat(path)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(fi.Size())/1024, "file-KiB")
			}
		})
	}
}
