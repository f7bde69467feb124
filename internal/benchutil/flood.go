package benchutil

import (
	"slices"
	"testing"
	"time"
)

// Flood is the measure the adapters' BenchmarkFlood share (issue #20 §5): one person floods
// the bot at Every (12 ms: the report's 1,000 commands in 12 s) while, one after another, b.N
// other people each send one command; it reports the others' time from sending to their answer
// (p50-ms and max-ms; the target is under 1 s) and, with the flood on, how many of the flood's
// messages were sent (flood-sent) and answered (flood-answers). Each adapter says only how its
// platform carries a message.
type Flood struct {
	Every   time.Duration // between the flooder's messages; 0 = 12 ms
	Flood   func(n int)   // sends the flooder's n-th message (from its own goroutine)
	Ask     func(i int)   // sends the i-th other person's command and returns once it is answered
	Answers func() int    // how many answers the flooder has had
}

// Bench runs "quiet" (no flood, for comparison) and "flood" as sub-benchmarks; setup builds a
// fresh bot and the Flood that drives it for each.
func Bench(b *testing.B, setup func(b *testing.B) Flood) {
	for _, flood := range []bool{false, true} {
		name := "quiet"
		if flood {
			name = "flood"
		}
		b.Run(name, func(b *testing.B) { setup(b).run(b, flood) })
	}
}

func (f Flood) run(b *testing.B, flood bool) {
	every := f.Every
	if every == 0 {
		every = 12 * time.Millisecond
	}
	stop, flooded := make(chan struct{}), make(chan int, 1)
	go func() {
		tick := time.NewTicker(every)
		defer tick.Stop()
		n := 0
		defer func() { flooded <- n }()
		for flood {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			f.Flood(n)
			n++
		}
	}()
	stopped, sent := false, 0
	finish := func() {
		if !stopped {
			stopped = true
			close(stop)
			sent = <-flooded
		}
	}
	defer finish()
	if flood {
		time.Sleep(time.Second) // the flood's burst holds its share of the workers, and its rate is spent
	}
	lat := make([]time.Duration, b.N)
	b.ResetTimer()
	for i := range b.N {
		start := time.Now()
		f.Ask(i)
		lat[i] = time.Since(start)
	}
	b.StopTimer()
	finish()
	slices.Sort(lat)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
	b.ReportMetric(ms(lat[len(lat)-1]), "max-ms")
	if flood {
		b.ReportMetric(float64(sent), "flood-sent")
		b.ReportMetric(float64(f.Answers()), "flood-answers")
	}
}
