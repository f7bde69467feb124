package slack

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
)

// BenchmarkAck drives the receive path over loopback while BSS takes 2 s to answer every call:
// b.N slash commands ("/pb customer 张三", four BSS calls each) arrive and the time from
// sending each to its acknowledgement is reported (p50, p99, max). Acknowledging never waits
// for BSS: the commands queue for the workers.
//
//   - socket-1000/s: Socket Mode envelopes at 1,000 a second (Slack's Events API allows an app
//     30,000 events an hour per workspace, about 8 a second);
//   - socket-burst: all b.N envelopes written back to back, as fast as the fake can;
//   - http: signed slash-command POSTs, 32 in flight at once.
func BenchmarkAck(b *testing.B) {
	for _, mode := range []string{"socket-1000/s", "socket-burst", "http"} {
		b.Run(mode, func(b *testing.B) {
			m := ModeSocket
			if mode == "http" {
				m = ModeHTTP
			}
			e := newEnv(b, envOptions{mode: m, bss: bsstest.Options{Latency: 2 * time.Second},
				adapter: func(o *Options) { o.Workers, o.Queue, o.Logger = 8, 1<<16, nil }})
			lat := make([]time.Duration, b.N)
			b.ResetTimer()
			if m == ModeSocket {
				sent := make(map[string]time.Time, b.N)
				tick := time.NewTicker(time.Millisecond)
				for i := 0; i < b.N; i++ {
					if mode == "socket-1000/s" {
						<-tick.C
					}
					id, at := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/pb", "customer 张三", "COPS", alice, "bench-"+strconv.Itoa(i)), true)
					sent[id] = at
				}
				tick.Stop()
				e.fake.WaitFor("every ack", func() bool { return e.fake.AckCount() >= b.N })
				b.StopTimer()
				i := 0
				acks := e.fake.Acks()
				for id, at := range sent {
					lat[i] = acks[id].At.Sub(at)
					i++
				}
			} else {
				var wg sync.WaitGroup
				sem := make(chan struct{}, 32) // Slack's deliveries in flight at once
				for i := 0; i < b.N; i++ {
					sem <- struct{}{}
					wg.Go(func() {
						defer func() { <-sem }()
						start := time.Now()
						body := e.slashForm("/pb", "customer 张三", "COPS", alice, "bench-"+strconv.Itoa(i))
						resp, _ := e.request(PathCommands, formType, body, e.secret, time.Time{}, nil)
						lat[i] = time.Since(start)
						if resp.StatusCode != http.StatusOK {
							b.Errorf("status %d", resp.StatusCode)
						}
					})
				}
				wg.Wait()
				b.StopTimer()
			}
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ack-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ack-ms")
			b.ReportMetric(ms(lat[len(lat)-1]), "max-ack-ms")
		})
	}
}

// BenchmarkReplies renders a reply and sends it to the fake Slack over loopback, the way a
// worker answers (chat.postMessage, pacing off), and reports replies per second.
func BenchmarkReplies(b *testing.B) {
	in := inbound{kind: kindMessage, channel: "D" + alice, im: true, req: chat.Request{Platform: platform, UserID: alice, Channel: "D" + alice}}
	for _, s := range samples.All() {
		if s.Name != "cjk_table" && s.Name != "many_sections" && s.Name != "long_list" {
			continue
		}
		b.Run(s.Name, func(b *testing.B) {
			f := slacktest.New(b)
			a, err := New(Options{APIURL: f.APIURL(), BotToken: f.BotToken, AppToken: f.AppToken, ChannelRate: -1})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := a.answer(context.Background(), in, s.Reply); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "replies/s")
			b.ReportMetric(float64(len(Render(s.Reply))), "messages/reply")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// TestAckDoesNotWaitForBSS is the receive path's promise without timing: with BSS hanging,
// every envelope is still acknowledged. One person sends more than the pool holds for them, so
// the only answers before BSS answers are "busy" (the fair pool's share; see flood_test.go).
func TestAckDoesNotWaitForBSS(t *testing.T) {
	e := newEnv(t, envOptions{bss: bsstest.Options{Latency: time.Hour}})
	var ids []string
	for i := range 20 {
		id, _ := e.fake.Envelope("slash_commands", e.fake.SlashPayload("/pb", "customer 张三", "COPS", alice, fmt.Sprint("hang-", i)), true)
		ids = append(ids, id)
	}
	for _, id := range ids {
		checkAck(t, e.fake.WaitAck(id))
	}
	for _, p := range e.fake.Posts() {
		if text := p.Text + "\n" + slacktest.BlockText(p.Blocks); !strings.Contains(text, "busy") && !strings.Contains(text, "正忙") {
			t.Errorf("an answer before BSS answered: %s", text)
		}
	}
	if strings.Contains(e.logs.String(), "panic") {
		t.Error("panic logged")
	}
}
