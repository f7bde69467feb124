package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"sort"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// BenchmarkWebhookReceive drives the receive path as Telegram does in webhook mode: b.N
// updates ("/balance" from 200 users, each in their private chat) POSTed over loopback by up
// to 40 connections at once (setWebhook's default max_connections), while BSS answers every
// call in 2 s. It reports the time to Telegram's acknowledgement (the webhook's 200) and the
// replies per second delivered to the fake Bot API, which Telegram's overall pace (30 messages
// a second) bounds. Run it with a fixed count: -benchtime 300x.
func BenchmarkWebhookReceive(b *testing.B) {
	e := newEnv(b)
	e.srv.Inject("", "/*", bsstest.Fault{Latency: 2 * time.Second})
	const users = 200
	for i := range users {
		e.fake.AddPrivate(telegramtest.User{ID: int64(20000 + i), FirstName: fmt.Sprint("user", i)})
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	hook := "http://" + ln.Addr().String() + "/hook"
	const secret = "bench-secret"
	opts := e.options()
	opts.Mode, opts.WebhookURL, opts.WebhookPath, opts.WebhookSecret, opts.Listener = ModeWebhook, hook, "/hook", secret, ln
	opts.Workers, opts.Queue = 64, 1<<16
	e.start(opts, nil)
	e.fake.WaitCalls("setWebhook", 1)

	bodies := make([][]byte, b.N)
	for i := range bodies {
		uid := 20000 + i%users
		bodies[i], _ = json.Marshal(map[string]any{"update_id": 100000 + i, "message": map[string]any{
			"message_id": i + 1, "date": 1, "text": "/balance",
			"from": map[string]any{"id": uid, "is_bot": false, "first_name": "u"},
			"chat": map[string]any{"id": uid, "type": "private"}}})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 40}}
	sentBefore := len(e.fake.OKCalls("sendMessage"))
	acks := make([]time.Duration, b.N)
	sem := make(chan struct{}, 40)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			req, _ := telegramtest.WebhookRequest(hook, secret, bodies[i])
			t0 := time.Now()
			resp, err := client.Do(req)
			acks[i] = time.Since(t0)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Errorf("update %d: %v %v", i, err, resp)
				return
			}
			resp.Body.Close()
		}()
	}
	wg.Wait()
	e.fake.WaitCallsFor("sendMessage", sentBefore+b.N, time.Duration(b.N)*time.Second/10+30*time.Second)
	elapsed := time.Since(start)
	b.StopTimer()
	sort.Slice(acks, func(i, j int) bool { return acks[i] < acks[j] })
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(acks[len(acks)/2]), "ack-p50-ms")
	b.ReportMetric(ms(acks[min(len(acks)-1, len(acks)*99/100)]), "ack-p99-ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "replies/s")
}

// BenchmarkRenderSend measures what the adapter itself costs per reply: rendering a sample,
// saving its buttons' tokens in the store, and sendMessage to the fake over loopback, with
// Telegram's pace lifted (with it, 30 a second is the ceiling by design).
func BenchmarkRenderSend(b *testing.B) {
	e := newEnv(b)
	const chats = 100
	for i := range chats {
		e.fake.AddPrivate(telegramtest.User{ID: int64(30000 + i), FirstName: "u"})
	}
	a := e.start(e.options(), nil, func(a *Adapter) {
		a.pace.all = rate.NewLimiter(rate.Inf, 1)
		a.pace.chatLimit, a.pace.groupLimit = rate.Inf, rate.Inf
	})
	all := samples.All()
	ctx := context.Background()
	parts := 0
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		s := all[i%len(all)]
		parts += len(Render(s.Reply, 0).Parts)
		if err := a.Send(ctx, bot.Target{Channel: fmt.Sprint(30000 + i%chats)}, s.Reply); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "replies/s")
	b.ReportMetric(float64(parts)/float64(b.N), "messages/reply")
}

// BenchmarkRender is the renderer alone, over the shared samples.
func BenchmarkRender(b *testing.B) {
	all := samples.All()
	for i := 0; b.Loop(); i++ {
		Render(all[i%len(all)].Reply, 0)
	}
}
