package commands_test

import (
	"context"
	"testing"

	"github.com/partnerbot/partnerbot/chat"
)

// BenchmarkSpend measures the spend commands end to end against the sandbox over loopback
// HTTP: one customer's month (a customer search and three monthly-sum calls, one per charge
// mode) and the month's ranking of every resale customer (the monthly sums of all of them,
// paged, and the customer list for their names), each with its audit record.
func BenchmarkSpend(b *testing.B) {
	for _, bc := range []struct{ name, text string }{{"customer", "/spend 张三"}, {"top", "/spend"}} {
		b.Run(bc.name, func(b *testing.B) {
			e := newEnv(b, nil)
			ctx := context.Background()
			req := chat.Request{Platform: "console", UserID: "admin", Text: bc.text}
			b.ReportAllocs()
			for b.Loop() {
				if rep, ok := e.Router.Handle(ctx, req); !ok || rep.Error {
					b.Fatal(rep)
				}
			}
			b.ReportMetric(float64(len(e.Srv.Calls()))/float64(b.N), "bss-calls/op")
		})
	}
}
