package slack

import (
	"fmt"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/internal/benchutil"
)

// BenchmarkFlood is issue #20 §5's measure on Slack: one person floods the bot with direct
// messages ("customer 张三", 83 a second: the 1,000 in 12 s of the report) while, one after
// another, b.N other people each send the same command once; BSS answers every call after
// 20 ms. It reports the others' time from sending to their answer (p50 and max; the target is
// under 1 s) and how many of the flood's messages were sent and answered. The adapter runs as
// in production: 8 workers and the gate at its defaults (30 commands a minute per person,
// bursts of 10). "quiet" is the same without the flood, for comparison.
//
//	go test -run '^$' -bench BenchmarkFlood -benchtime 20x ./bot/slack/
func BenchmarkFlood(b *testing.B) {
	benchutil.Bench(b, func(b *testing.B) benchutil.Flood {
		e := newEnv(b, envOptions{bss: bsstest.Options{Latency: 20 * time.Millisecond}, adapter: func(o *Options) {
			o.Workers, o.Logger = 8, nil
			o.Gate = bot.NewGate(bot.GateOptions{})
		}})
		const flooder = "UFLOODER"
		return benchutil.Flood{
			Flood: func(n int) {
				e.fake.Envelope("events_api", slacktest.EventPayload(fmt.Sprint("EvFlood", n), slacktest.DMEvent(flooder, "customer 张三", fmt.Sprintf("1700001000.%06d", n))), false)
			},
			Ask: func(i int) {
				user := fmt.Sprintf("UOTHER%04d", i)
				e.fake.Envelope("events_api", slacktest.EventPayload("EvOther"+user, slacktest.DMEvent(user, "customer 张三", "1700002000.000100")), false)
				e.fake.WaitFor("the answer to "+user, func() bool { return len(e.postsTo("D"+user)) > 0 })
			},
			Answers: func() int { return len(e.postsTo("D" + flooder)) },
		}
	})
}
