package resume

import (
	"fmt"
	"testing"
	"time"
)

func TestParts(t *testing.T) {
	var p Parts
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	k := Key("slack:C1", "part 1", "part 2", "part 3")
	if k == Key("slack:C2", "part 1", "part 2", "part 3") || k == Key("slack:C1", "part 1", "part 2") {
		t.Fatal("keys of different places or renderings collide")
	}
	if n := p.Sent(k, now); n != 0 {
		t.Fatalf("a new notice has %d parts sent", n)
	}
	p.Record(k, 2, now)
	if n := p.Sent(k, now.Add(time.Hour)); n != 2 {
		t.Fatalf("Sent = %d, want 2", n)
	}
	if n := p.Sent(k, now.Add(TTL+time.Minute)); n != 0 {
		t.Fatalf("remembered past its TTL: %d", n)
	}
	p.Record(k, 0, now)
	if n := p.Sent(k, now); n != 0 {
		t.Fatalf("a finished notice is still remembered: %d", n)
	}
	for i := range MaxEntries + 10 {
		p.Record(fmt.Sprint(i), 1, now.Add(time.Duration(i)*time.Second))
	}
	if len(p.m) > MaxEntries {
		t.Fatalf("%d entries kept, at most %d", len(p.m), MaxEntries)
	}
	if p.Sent("0", now.Add(time.Hour)) != 0 || p.Sent(fmt.Sprint(MaxEntries+9), now.Add(time.Hour)) != 1 {
		t.Fatal("the oldest entries should go first")
	}
}
