package commands

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/chat"
)

func TestJoinerRunsIdenticalRequestsOnce(t *testing.T) {
	var j joiner
	release := make(chan struct{})
	runs := 0
	first := make(chan chat.Reply, 1)
	go func() {
		rep, _, _ := j.do(context.Background(), "k", func() (chat.Reply, error) {
			runs++
			<-release
			return chat.Reply{Text: "answer"}, nil
		})
		first <- rep
	}()
	// Wait until the first run is under way, then join it.
	waitUntil(t, func() bool { j.mu.Lock(); defer j.mu.Unlock(); return j.running["k"] != nil })
	var wg sync.WaitGroup
	var joinedRep chat.Reply
	var shared bool
	wg.Go(func() {
		joinedRep, _, shared = j.do(context.Background(), "k", func() (chat.Reply, error) {
			t.Error("the identical request ran again")
			return chat.Reply{}, nil
		})
	})
	waitUntil(t, func() bool { j.mu.Lock(); defer j.mu.Unlock(); return j.running["k"].waiting == 1 })
	// Another key runs at once, alongside.
	if rep, _, sh := j.do(context.Background(), "other", func() (chat.Reply, error) { return chat.Reply{Text: "other"}, nil }); rep.Text != "other" || sh {
		t.Errorf("another request: %+v shared %v", rep, sh)
	}
	close(release)
	wg.Wait()
	if rep := <-first; rep.Text != "answer" || joinedRep.Text != "answer" || !shared || runs != 1 {
		t.Errorf("first %+v, joined %+v (shared %v), runs %d", rep, joinedRep, shared, runs)
	}
	// Once done, the same request runs again.
	if rep, _, sh := j.do(context.Background(), "k", func() (chat.Reply, error) { return chat.Reply{Text: "again"}, nil }); rep.Text != "again" || sh {
		t.Errorf("after the first ended: %+v shared %v", rep, sh)
	}
}

// waitUntil polls cond until it holds, failing after 10 s (a hang, not a timing assertion).
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition never held")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestGroupDigits(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1200, "1,200"}, {10000, "10,000"}, {1234567, "1,234,567"}, {-1200, "-1,200"}}
	for _, tt := range tests {
		if got := groupDigits(tt.n); got != tt.want {
			t.Errorf("groupDigits(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}
