package bsstest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		fault  Fault
		status int
		code   string
		bad    bool // body is not valid JSON
	}{
		{"500 default code", "POST", pathSubCustomers, Fault{Status: 500}, 500, "CBC.0999", false},
		{"429 default code", "", pathSubCustomers, Fault{Status: 429}, 429, "CBC.0250", false},
		{"503 custom code", "POST", pathSubCustomers, Fault{Status: 503, ErrorCode: "APIG.0201"}, 503, "APIG.0201", false},
		{"prefix", "", "/v2/partners/*", Fault{Status: 502}, 502, "CBC.0999", false},
		{"malformed", "POST", pathSubCustomers, Fault{Malformed: true}, 200, "", true},
		{"200 with an error body", "POST", pathSubCustomers, Fault{OKWithError: true}, 200, "CBC.0999", false},
		{"200 with a chosen error code", "POST", pathSubCustomers, Fault{OKWithError: true, ErrorCode: "CBC.0151"}, 200, "CBC.0151", false},
		{"200 with empty order_ids", "POST", pathSubCustomers, Fault{EmptyOrderIDs: true}, 200, "", false},
		{"other method does not match", "GET", pathSubCustomers, Fault{Status: 500}, 200, "", false},
		{"other path does not match", "POST", pathBalances, Fault{Status: 500}, 200, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t, Options{})
			p := partner(t, s)
			s.Inject(tc.method, tc.path, tc.fault)
			r := p.post(pathSubCustomers, `{}`)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.code != "" {
				r.want(t, tc.status, tc.code)
			}
			if json.Valid(r.body) == tc.bad {
				t.Errorf("body validity = %v, want %v: %s", json.Valid(r.body), !tc.bad, r.body)
			}
			calls := s.Calls()
			if last := calls[len(calls)-1]; last.Status != tc.status || last.ErrorCode != tc.code {
				t.Errorf("call recorded as %d %q", last.Status, last.ErrorCode)
			}
			s.ClearFaults()
			p.post(pathSubCustomers, `{}`).want(t, 200, "")
		})
	}
}

func TestFaultRetryAfter(t *testing.T) {
	s := newFake(t, Options{})
	s.Inject("POST", pathSubCustomers, Fault{Status: 429, RetryAfter: time.Hour})
	r := partner(t, s).post(pathSubCustomers, `{}`).want(t, 429, "CBC.0250")
	if got := r.header.Get("Retry-After"); got != "3600" {
		t.Errorf("Retry-After = %q, want 3600", got)
	}
}

func TestFaultTimes(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	s.Inject("POST", pathSubCustomers, Fault{Status: 500, Times: 2})
	for i, want := range []int{500, 500, 200, 200} {
		if r := p.post(pathSubCustomers, `{}`); r.status != want {
			t.Errorf("call %d: status %d, want %d", i, r.status, want)
		}
	}
	// The fault injected last wins; when it is used up the older one applies again.
	s.Inject("", "/v2/*", Fault{Status: 502})
	s.Inject("POST", pathSubCustomers, Fault{Status: 429, Times: 1})
	p.post(pathSubCustomers, `{}`).want(t, 429, "CBC.0250")
	p.post(pathSubCustomers, `{}`).want(t, 502, "")
}

func TestFaultDoesNotExecute(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	zs := findCustomer(t, s, "zhangsan")
	web := findResource(t, s, zs.ID, "zhangsan-web-01")
	s.Inject("POST", pathRenew, Fault{Status: 500, Times: 1})
	c.post(pathRenew, map[string]any{"resource_ids": []string{web.ResourceID}, "period_type": 2, "period_num": 1, "is_auto_pay": 1}).want(t, 500, "CBC.0999")
	if r, _ := s.Resource(web.ResourceID); !r.ExpireTime.Equal(web.ExpireTime) {
		t.Error("a faulted renew changed the data")
	}
}

func TestFaultLatency(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	s.Inject("POST", pathSubCustomers, Fault{Latency: 150 * time.Millisecond})
	start := time.Now()
	p.post(pathSubCustomers, `{}`).want(t, 200, "")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Errorf("answered in %v, want ≥ 150ms", d)
	}
	// Latency respects the request context.
	s.Inject("POST", pathSubCustomers, Fault{Latency: 10 * time.Second})
	p.hc = &http.Client{Timeout: 100 * time.Millisecond}
	req := p.request("POST", pathSubCustomers, []byte(`{}`))
	start = time.Now()
	if _, err := p.hc.Do(req); err == nil {
		t.Fatal("expected a client timeout")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestOptionsLatency(t *testing.T) {
	s := newFake(t, Options{Latency: 50 * time.Millisecond})
	start := time.Now()
	partner(t, s).post(pathSubCustomers, `{}`).want(t, 200, "")
	if d := time.Since(start); d < 50*time.Millisecond {
		t.Errorf("answered in %v", d)
	}
}

func TestFaultHang(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	s.Inject("", pathSubCustomers, Fault{Hang: true, Times: 1})

	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req := p.request("POST", pathSubCustomers, []byte(`{}`)).WithContext(ctx)
	start := time.Now()
	_, err := http.DefaultClient.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want a deadline error, got %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("client gave up after %v", d)
	}
	// The fault was used up; the server still answers.
	p.post(pathSubCustomers, `{}`).want(t, 200, "")
	waitFor(t, func() bool { return s.Calls()[0].Status == 0 && len(s.Calls()) == 2 })
}

func TestFaultHangReleasedByClose(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	s.Inject("", pathSubCustomers, Fault{Hang: true})
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(p.request("POST", pathSubCustomers, []byte(`{}`)))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, func() bool { return s.CallCount("POST", pathSubCustomers) == 1 })
	s.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Error("want a connection error when the server drops a hanging call")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("hanging call not released by Close")
	}
}

func TestRateLimit(t *testing.T) {
	s := newFake(t, Options{RatePerSecond: 3})
	p := partner(t, s)
	statuses := make([]int, 5)
	for i := range statuses {
		statuses[i] = p.post(pathSubCustomers, `{}`).status
	}
	if statuses[0] != 200 || statuses[2] != 200 || statuses[4] != 429 {
		t.Errorf("statuses %v: want 3 successes then 429", statuses)
	}
	p.post(pathSubCustomers, `{}`).want(t, 429, "CBC.0250")
	// Another API has its own bucket.
	p.get(pathPartnerBal).want(t, 200, "")
	time.Sleep(400 * time.Millisecond)
	p.post(pathSubCustomers, `{}`).want(t, 200, "")
}

func TestCalls(t *testing.T) {
	s := newFake(t, Options{})
	p := partner(t, s)
	p.post(pathSubCustomers, `{"limit":1}`)
	p.post(pathSubCustomers, `{"limit":0}`)
	p.get(pathOrders + "?limit=1")
	bad := partner(t, s)
	bad.cred.SecretKey = "wrong"
	bad.post(pathSubCustomers, `{}`)

	calls := s.Calls()
	if len(calls) != 4 {
		t.Fatalf("%d calls", len(calls))
	}
	want := []struct {
		method, path, query string
		status              int
		code                string
	}{
		{"POST", pathSubCustomers, "", 200, ""},
		{"POST", pathSubCustomers, "", 400, "CBC.0101"},
		{"GET", pathOrders, "limit=1", 200, ""},
		{"POST", pathSubCustomers, "", 401, "APIG.0301"},
	}
	for i, w := range want {
		c := calls[i]
		if c.Method != w.method || c.Path != w.path || c.RawQuery != w.query || c.Status != w.status || c.ErrorCode != w.code ||
			c.AccessKey != SandboxCredentials.AccessKey || !c.At.Equal(testNow) {
			t.Errorf("call %d = %+v, want %+v", i, c, w)
		}
	}
	if string(calls[0].Body) != `{"limit":1}` {
		t.Errorf("body %q", calls[0].Body)
	}
	if n := s.CallCount("POST", pathSubCustomers); n != 3 {
		t.Errorf("CallCount = %d", n)
	}
	if n := s.CallCount("", pathOrders); n != 1 {
		t.Errorf("CallCount any method = %d", n)
	}
	s.ResetCalls()
	if len(s.Calls()) != 0 || s.CallCount("POST", pathSubCustomers) != 0 {
		t.Error("ResetCalls kept calls")
	}
}

// TestConcurrentUse hammers reads and writes at once; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := newFake(t, Options{})
	zs := findCustomer(t, s, "zhangsan")
	app := findResource(t, s, zs.ID, "zhangsan-app-02")
	c := customer(t, s, "zhangsan")
	p := partner(t, s)
	// Requests are built here and sent from the goroutines, which report with t.Error only.
	build := func(i int) *http.Request {
		switch i % 3 {
		case 0:
			return p.request("POST", pathResources, body(t, map[string]any{"customer_id": zs.ID}))
		case 1:
			return p.request("GET", pathOrders, nil)
		default:
			return c.request("POST", pathRenew, body(t, map[string]any{"resource_ids": []string{app.ResourceID}, "period_type": 2, "period_num": 1}))
		}
	}
	var reqs [8][]*http.Request
	for i := range reqs {
		for j := 0; j < 15; j++ {
			reqs[i] = append(reqs[i], build(i+j))
		}
	}
	var wg sync.WaitGroup
	for i := range reqs {
		wg.Add(1)
		go func(list []*http.Request) {
			defer wg.Done()
			for _, req := range list {
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("%s: status %d", req.URL.Path, resp.StatusCode)
				}
				_ = s.Resources(zs.ID)
				_ = s.Calls()
			}
		}(reqs[i])
	}
	wg.Wait()
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestFaultBody: a Body fault answers exactly the body given, in place of the operation's —
// doing nothing, or, with AfterWork, after the work was done.
func TestFaultBody(t *testing.T) {
	for _, afterWork := range []bool{false, true} {
		s := newFake(t, Options{})
		p := partner(t, s)
		zs := findCustomer(t, s, "zhangsan")
		records := len(s.AdjustRecords())
		const body = `{"transfer_id":" "}`
		s.Inject("POST", pathAdjust, Fault{Body: body, AfterWork: afterWork, Times: 1})
		r := p.post(pathAdjust, `{"customer_id":"`+zs.ID+`","amount":"10.00"}`)
		if r.status != 200 || string(r.body) != body || r.header.Get("X-Request-Id") == "" {
			t.Errorf("after work %v: answer %d %s", afterWork, r.status, r.body)
		}
		moved := len(s.AdjustRecords()) - records
		if afterWork != (moved == 1) || moved > 1 {
			t.Errorf("after work %v: %d transfers made", afterWork, moved)
		}
		if calls := s.Calls(); calls[len(calls)-1].Status != 200 {
			t.Errorf("call recorded as %d", calls[len(calls)-1].Status)
		}
	}
	s := newFake(t, Options{})
	s.Inject("POST", pathSubCustomers, Fault{Body: `{"count":0}`, Status: 201})
	if r := partner(t, s).post(pathSubCustomers, `{}`); r.status != 201 || string(r.body) != `{"count":0}` {
		t.Errorf("with a status: %d %s", r.status, r.body)
	}
}

// TestFaultEchoCredentials: the fault quotes the credentials of the call, the partner's or a
// customer's temporary ones.
func TestFaultEchoCredentials(t *testing.T) {
	s := newFake(t, Options{})
	s.Inject("", "/v2/*", Fault{EchoCredentials: true})
	r := partner(t, s).post(pathSubCustomers, `{}`).want(t, 400, "CBC.0100")
	msg, _ := r.obj(t)["error_msg"].(string)
	if !strings.Contains(msg, "Access="+SandboxCredentials.AccessKey) || !strings.Contains(msg, SandboxCredentials.SecretKey) {
		t.Errorf("error_msg %q", msg)
	}
}
