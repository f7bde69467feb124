package bss_test

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
)

// BenchmarkSign measures signing one typical partner request (a 120-byte JSON body).
func BenchmarkSign(b *testing.B) {
	body := []byte(`{"customer_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","only_main_resource":1,"status_list":[2],"offset":0,"limit":100}`)
	cred := bss.Credentials{AccessKey: "AKEXAMPLE", SecretKey: "SKEXAMPLE"}
	now := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	req, _ := http.NewRequest("POST", "https://bss.myhuaweicloud.com/v2/orders/suscriptions/resources/query", bytes.NewReader(body))
	b.ReportAllocs()
	for b.Loop() {
		req.Header = http.Header{"Content-Type": {"application/json"}, "User-Agent": {"partnerbot"}, "X-Domain-Id": {"D"}}
		bss.Sign(req, body, cred, now)
	}
}

func TestMain(m *testing.M) {
	bsstest.ServeChildIfAsked()
	os.Exit(m.Run())
}

// BenchmarkListAllResources lists every yearly/monthly resource of 10,000 customers
// (200,000 resources) from the fake over loopback HTTP, paging customers and resources at 100
// (the API's maximum), as an expiry scan without a server-side window would.
func BenchmarkListAllResources(b *testing.B) {
	const customers, resources = 10_000, 200_000
	// The fake runs in a child process so that the heap figures are the client's alone.
	url := bsstest.StartChild(b, bsstest.ChildSpec{Customers: customers, Resources: resources})
	c, err := bss.New(bss.Config{Endpoint: url, IAMEndpoint: url, Credentials: bsstest.SandboxCredentials,
		RatePerSecond: 1e6, Burst: 1000, PageSize: 100})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	b.ReportAllocs()
	b.ResetTimer()
	stopPeak := benchutil.HeapPeak()
	var got, calls int
	for b.Loop() {
		got, calls = 0, 0
		var custs []bss.Customer
		for cu, err := range c.Customers(ctx, bss.CustomerFilter{}) {
			if err != nil {
				b.Fatal(err)
			}
			custs = append(custs, cu)
		}
		calls += (len(custs) + 99) / 100
		for _, cu := range custs {
			n := 0
			for _, err := range c.Resources(ctx, bss.ResourceFilter{CustomerID: cu.ID}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			got += n
			calls += max(1, (n+99)/100)
		}
	}
	peak := stopPeak()
	b.StopTimer()
	if got != resources {
		b.Fatalf("listed %d resources, want %d", got, resources)
	}
	b.ReportMetric(float64(got), "resources/op")
	b.ReportMetric(float64(calls), "calls/op")
	b.ReportMetric(float64(got)/(b.Elapsed().Seconds()/float64(b.N)), "resources/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(base.HeapAlloc)/(1<<20), "start-heap-MiB")
}
