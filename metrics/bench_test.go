package metrics_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/metrics"
	"github.com/partnerbot/partnerbot/store"
)

// BenchmarkObserve is the cost a BSS attempt and a command pay for being measured.
func BenchmarkObserve(b *testing.B) {
	m := metrics.New()
	ctx := context.Background()
	a := bss.Attempt{Op: "ListSubCustomers", Status: 200, Took: 40 * time.Millisecond}
	b.ReportAllocs()
	for b.Loop() {
		m.ObserveAttempt(ctx, a)
		m.ObserveCommand(ctx, "customer", "ok", 120*time.Millisecond)
	}
}

// BenchmarkScrape is one /metrics answer with a store of 10,000 requests and 1,000 notices
// waiting, which are counted at every scrape.
func BenchmarkScrape(b *testing.B) {
	ctx := context.Background()
	st, err := store.Open(filepath.Join(b.TempDir(), "bot.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	actor := store.Actor{Platform: "console", UserID: "alice"}
	for i := range 10_000 {
		_, err := st.CreateApproval(ctx, store.Approval{Action: "renew", Subjects: []string{"r-" + strconv.Itoa(i)},
			Requester: actor, Needed: 1, ExpiresAt: time.Now().Add(time.Hour)}, func(a store.Approval) []store.Notice {
			if a.ID%10 != 0 {
				return nil
			}
			return []store.Notice{{Platform: "slack", Channel: "C1", Kind: "approval", Body: []byte(`{"text":"x"}`)}}
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	m := metrics.New()
	m.Watch(st, nil)
	h := m.Handler(nil)
	b.ReportAllocs()
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds())/float64(b.N), "ms/scrape")
}
