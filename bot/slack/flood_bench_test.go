package slack

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bss/bsstest"
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
	for _, flood := range []bool{false, true} {
		name := "quiet"
		if flood {
			name = "flood"
		}
		b.Run(name, func(b *testing.B) { benchFlood(b, flood) })
	}
}

func benchFlood(b *testing.B, flood bool) {
	e := newEnv(b, envOptions{bss: bsstest.Options{Latency: 20 * time.Millisecond}, adapter: func(o *Options) {
		o.Workers, o.Logger = 8, nil
		o.Gate = bot.NewGate(bot.GateOptions{})
	}})
	const flooder = "UFLOODER"
	stop, flooded := make(chan struct{}), make(chan int, 1)
	go func() {
		tick := time.NewTicker(12 * time.Millisecond)
		defer tick.Stop()
		n := 0
		defer func() { flooded <- n }()
		for flood {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			e.fake.envelope("events_api", eventPayload(fmt.Sprint("EvFlood", n), dmEvent(flooder, "customer 张三", fmt.Sprintf("1700001000.%06d", n))), false)
			n++
		}
	}()
	var once sync.Once
	sent := 0
	finish := func() {
		once.Do(func() { close(stop); sent = <-flooded })
	}
	defer finish()
	if flood {
		time.Sleep(time.Second) // the flood's burst holds its share of the workers, and its rate is spent
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		user := fmt.Sprintf("UOTHER%04d", i)
		start := time.Now()
		e.fake.envelope("events_api", eventPayload("EvOther"+user, dmEvent(user, "customer 张三", "1700002000.000100")), false)
		e.fake.waitFor("the answer to "+user, func() bool { return len(e.postsTo("D"+user)) > 0 })
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	finish()
	slices.Sort(lat)
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	if flood {
		b.ReportMetric(float64(sent), "flood-sent")
		b.ReportMetric(float64(len(e.postsTo("D"+flooder))), "flood-answers")
	}
}
