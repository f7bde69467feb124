package benchutil

import "time"

// Scaled is a clock that runs Factor times faster than the real one: a benchmark of the flow
// control at BSS's real rates (10 calls a second per API), against a fake BSS whose rates and
// latency are sped up as much, takes 1/Factor of the real time and reports its times in the
// clock's. It implements bss.Clock. The client's own CPU time counts Factor times over, so a
// measured time is an upper bound of the real one.
type Scaled struct {
	start  time.Time // real
	origin time.Time // the clock's time at start
	factor float64
}

// NewScaled returns a clock showing origin now and running factor times faster.
func NewScaled(origin time.Time, factor float64) *Scaled {
	return &Scaled{start: time.Now(), origin: origin, factor: factor}
}

// Now is the clock's time.
func (s *Scaled) Now() time.Time {
	return s.origin.Add(time.Duration(float64(time.Since(s.start)) * s.factor))
}

// After fires once d of the clock's time has passed.
func (s *Scaled) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(time.Duration(float64(d) / s.factor))
	return t.C, func() { t.Stop() }
}

// Since is the clock's time since t.
func (s *Scaled) Since(t time.Time) time.Duration { return s.Now().Sub(t) }
