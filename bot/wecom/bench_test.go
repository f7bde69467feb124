package wecom_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/chat"
)

// BenchmarkReceive drives the callback over loopback HTTP with encrypted, signed messages
// (/customer 张三, which makes four BSS calls) while the BSS sandbox answers every call after
// 2 s. It reports the time until WeCom's request is acknowledged: the command runs afterwards,
// so the acknowledgement does not wait for BSS; past the pool and its queue the
// acknowledgement carries the "busy" passive reply instead.
//
//	go test -run '^$' -bench BenchmarkReceive -benchtime 2000x ./bot/wecom/
func BenchmarkReceive(b *testing.B) {
	e := newEnv(b, 2*time.Second)
	h := start(b, setup{handler: bot.NewHandler(e.router),
		opts: func(o *wecom.Options) { o.Grace = 100 * time.Millisecond }})
	// Seal the messages beforehand: the benchmark measures the adapter, not the test's cipher.
	type req struct{ url, body string }
	reqs := make([]req, b.N)
	for i := range reqs {
		q, body := seal(b, h.c, h.text(fmt.Sprintf("user%d", i%500), "/customer 张三"), time.Now().Unix())
		reqs[i] = req{h.url + "?" + q.Encode(), body}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var (
		mu    sync.Mutex
		lat   = make([]time.Duration, 0, b.N)
		next  atomic.Int64
		busy  atomic.Int64
		fails atomic.Int64
	)
	b.ResetTimer()
	b.SetParallelism(4) // 4 × GOMAXPROCS concurrent callbacks, as WeCom spreads them
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := reqs[next.Add(1)-1]
			t0 := time.Now()
			resp, err := client.Post(r.url, "text/xml", strings.NewReader(r.body))
			d := time.Since(t0)
			if err != nil {
				fails.Add(1)
				continue
			}
			if resp.ContentLength > 0 {
				busy.Add(1)
			}
			if resp.StatusCode != http.StatusOK {
				fails.Add(1)
			}
			resp.Body.Close()
			mu.Lock()
			lat = append(lat, d)
			mu.Unlock()
		}
	})
	b.StopTimer()
	if fails.Load() > 0 {
		b.Fatalf("%d callbacks failed", fails.Load())
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) float64 {
		return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
	b.ReportMetric(float64(busy.Load())/float64(b.N)*100, "busy-%")
}

// BenchmarkSend renders the shared sample replies (CJK table, 12 sections, a decision with its
// template card, a 120-row list that splits into several messages...) and sends them to a
// member through the fake WeCom over loopback HTTP, pacing lifted.
//
//	go test -run '^$' -bench BenchmarkSend -benchtime 2000x ./bot/wecom/
func BenchmarkSend(b *testing.B) {
	h := start(b, setup{opts: func(o *wecom.Options) { o.UserRate = 1 << 30 }})
	var replies []chat.Reply
	for _, s := range samples.All() {
		replies = append(replies, s.Reply)
	}
	ctx := context.Background()
	h.fake.Reset()
	b.ResetTimer()
	t0 := time.Now()
	for i := 0; i < b.N; i++ {
		if err := h.a.Send(ctx, bot.Target{Channel: "user:alice"}, replies[i%len(replies)]); err != nil {
			b.Fatal(err)
		}
	}
	el := time.Since(t0).Seconds()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/el, "replies/s")
	b.ReportMetric(float64(len(h.fake.Calls("/cgi-bin/message/send")))/el, "api-calls/s")
}
