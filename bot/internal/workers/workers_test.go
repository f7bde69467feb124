package workers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

func TestPoolRefusesWhenFullAndRunsWhatItTook(t *testing.T) {
	release := make(chan struct{})
	var ran atomic.Int32
	p := New(1, 1, nil)
	block := func(context.Context) { <-release; ran.Add(1) }
	if !p.Try(block) {
		t.Fatal("the first job was refused")
	}
	// The worker may not have picked the first job up yet: fill until refused.
	took := 1
	for took < 3 && p.Try(block) {
		took++
	}
	if p.Try(block) {
		t.Fatal("a full pool took another job")
	}
	close(release)
	p.Close(5 * time.Second)
	if int(ran.Load()) != took {
		t.Fatalf("ran %d jobs, took %d", ran.Load(), took)
	}
	if p.Try(block) {
		t.Fatal("a closed pool took a job")
	}
	p.Close(time.Second) // twice is safe
}

func TestPoolSurvivesPanicsAndCancelsAfterGrace(t *testing.T) {
	var panics atomic.Int32
	p := New(2, 4, func(v any, stack []byte) {
		if v != "boom" || len(stack) == 0 {
			t.Errorf("onPanic(%v, %d bytes)", v, len(stack))
		}
		panics.Add(1)
	})
	p.Try(func(context.Context) { panic("boom") })
	cancelled := make(chan struct{})
	p.Try(func(ctx context.Context) { <-ctx.Done(); close(cancelled) })
	start := time.Now()
	p.Close(100 * time.Millisecond)
	select {
	case <-cancelled:
	default:
		t.Fatal("a job outliving the grace was not cancelled")
	}
	if time.Since(start) > 5*time.Second {
		t.Fatal("Close did not return after its grace")
	}
	if panics.Load() != 1 {
		t.Fatalf("%d panics reported", panics.Load())
	}
}
