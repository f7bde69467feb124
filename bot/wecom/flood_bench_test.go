package wecom_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/wecom"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
)

// BenchmarkFlood is issue #20 §5's measure on WeCom: one member floods the app ("/customer
// 张三", 83 a second: the 1,000 in 12 s of the report) while, one after another, b.N other
// members each send the same command once; BSS answers every call after 20 ms. It reports the
// others' time from sending the callback to their answer arriving at the fake WeCom (p50 and
// max; the target is under 1 s) and how many of the flood's messages were sent and answered.
// The adapter runs as in production: 8 workers, a member's pace of 30 messages a minute, and
// the gate at its defaults (30 commands a minute per person, bursts of 10). "quiet" is the
// same without the flood, for comparison.
//
//	go test -run '^$' -bench BenchmarkFlood -benchtime 20x ./bot/wecom/
func BenchmarkFlood(b *testing.B) {
	benchutil.Bench(b, func(b *testing.B) benchutil.Flood {
		e := newEnv(b, 20*time.Millisecond)
		others := make([]string, b.N)
		for i := range others {
			others[i] = fmt.Sprintf("other%04d", i)
		}
		h := start(b, setup{handler: bot.NewHandler(e.router),
			opts: func(o *wecom.Options) { o.Workers, o.Logger, o.Gate = 8, nil, bot.NewGate(bot.GateOptions{}) },
			fake: func(o *wecomtest.Options) { o.Users = append(o.Users, others...) }})
		var seq sync.Mutex
		id := 0
		text := func(from string) string { // h.text is not safe from two goroutines
			seq.Lock()
			defer seq.Unlock()
			id++
			return fmt.Sprintf(`<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[%s]]></FromUserName><CreateTime>%d</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[/customer 张三]]></Content><MsgId>%d</MsgId><AgentID>%d</AgentID></xml>`,
				corpID, from, time.Now().Unix(), 8000000000+id, agentID)
		}
		return benchutil.Flood{
			Flood: func(int) { h.post(text("eve")) },
			Ask: func(i int) {
				u := others[i]
				if status, body := h.post(text(u)); status != 200 || body != "" {
					b.Fatalf("%s's command was acknowledged with %d %q, want taken", u, status, h.passive(body))
				}
				for deadline := time.Now().Add(30 * time.Second); len(h.sentTo(u)) == 0; time.Sleep(time.Millisecond) {
					if time.Now().After(deadline) {
						b.Fatalf("%s was not answered", u)
					}
				}
			},
			Answers: func() int { return len(h.sentTo("eve")) },
		}
	})
}
