package bsstest

import (
	"fmt"
	"runtime"
	"testing"
)

// benchServer is a fake over a generated data set of 10,000 customers and 200,000 resources.
func benchServer(b *testing.B) (*Server, []Customer) {
	b.Helper()
	s := New(Options{Now: fixedNow, Data: Generate(GenOptions{Customers: 10_000, Resources: 200_000, Seed: 3, Now: testNow})})
	return s, s.Customers()
}

func BenchmarkListResources(b *testing.B) {
	s, customers := benchServer(b)
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = []byte(fmt.Sprintf(`{"customer_id":%q,"only_main_resource":1,"status_list":[2],"expire_time_begin":"2026-11-25T00:00:00Z","expire_time_end":"2026-12-25T00:00:00Z","limit":100}`,
			customers[i*97%len(customers)].ID))
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if rec := serve(s, SandboxCredentials, "POST", pathResources, bodies[i%len(bodies)]); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

func BenchmarkListSubCustomers(b *testing.B) {
	s, _ := benchServer(b)
	body := []byte(`{"label":"vip","offset":100,"limit":100}`)
	for b.Loop() {
		if rec := serve(s, SandboxCredentials, "POST", pathSubCustomers, body); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

func BenchmarkListOrders(b *testing.B) {
	s, _ := benchServer(b)
	for b.Loop() {
		if rec := serveQuery(s, SandboxCredentials, "GET", pathOrders, "status=5&limit=100&offset=5000", nil); rec.Code != 200 {
			b.Fatal(rec.Code, rec.Body)
		}
	}
}

// BenchmarkGenerate builds the 10,000-customer / 200,000-resource data set and a fake over it,
// reporting the live heap it keeps.
func BenchmarkGenerate(b *testing.B) {
	var heap float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := New(Options{Now: fixedNow, Data: Generate(GenOptions{Customers: 10_000, Resources: 200_000, Seed: 7, Now: testNow})})
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		runtime.KeepAlive(s)
	}
	b.ReportMetric(heap, "heap-MiB")
}
