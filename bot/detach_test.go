package bot

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/chat"
)

type ctxKey struct{}

// TestDetach: a command taken before the adapter's context ended runs on and is answered; its
// own deadline and the abort context still end it; the adapter's values reach it.
func TestDetach(t *testing.T) {
	type seen struct {
		err      error
		deadline bool
		value    any
	}
	run := func(t *testing.T, adapterCtx func() (context.Context, context.CancelFunc), abort context.Context,
		during func(cancelAdapter context.CancelFunc)) seen {
		t.Helper()
		started := make(chan struct{})
		got := make(chan seen, 1)
		h := Detach(func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
			close(started)
			s := seen{value: ctx.Value(ctxKey{})}
			_, s.deadline = ctx.Deadline()
			select {
			case <-ctx.Done():
				s.err = ctx.Err()
			case <-time.After(200 * time.Millisecond): // the command's work
			}
			got <- s
			return chat.Reply{Text: "done"}, true
		}, abort)
		ctx, cancel := adapterCtx()
		defer cancel()
		ctx = context.WithValue(ctx, ctxKey{}, "v")
		replied := make(chan chat.Reply, 1)
		go func() {
			rep, _ := h(ctx, chat.Request{Text: "/x"})
			replied <- rep
		}()
		<-started
		during(cancel)
		if rep := <-replied; rep.Text != "done" {
			t.Errorf("reply %q", rep.Text)
		}
		return <-got
	}
	background := func() (context.Context, context.CancelFunc) { return context.WithCancel(context.Background()) }

	t.Run("adapter stops: the command runs on", func(t *testing.T) {
		s := run(t, background, context.Background(), func(cancel context.CancelFunc) { cancel() })
		if s.err != nil || s.value != "v" || s.deadline {
			t.Errorf("got %+v, want the command to finish with the adapter's values and no deadline", s)
		}
	})
	t.Run("its own deadline still ends it", func(t *testing.T) {
		s := run(t, func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, context.Background(), func(context.CancelFunc) {})
		if !errors.Is(s.err, context.DeadlineExceeded) || !s.deadline {
			t.Errorf("got %+v, want the adapter's deadline kept", s)
		}
	})
	t.Run("abort ends it", func(t *testing.T) {
		abort, stop := context.WithCancel(context.Background())
		s := run(t, background, abort, func(cancel context.CancelFunc) { cancel(); stop() })
		if !errors.Is(s.err, context.Canceled) {
			t.Errorf("got %+v, want the command cancelled by abort", s)
		}
	})
}
