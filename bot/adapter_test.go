package bot

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/chat"
)

// fakeAdapter runs script: each Run call takes the next step (an error, a panic, or blocking
// until ctx ends).
type fakeAdapter struct {
	name       string
	foreground bool
	runs       atomic.Int32
	steps      []func(ctx context.Context) error
}

func (f *fakeAdapter) Platform() string { return f.name }
func (f *fakeAdapter) Foreground() bool { return f.foreground }
func (f *fakeAdapter) Send(context.Context, Target, chat.Reply) error {
	return nil
}
func (f *fakeAdapter) Run(ctx context.Context, h Handler) error {
	i := int(f.runs.Add(1)) - 1
	if i < len(f.steps) {
		return f.steps[i](ctx)
	}
	<-ctx.Done()
	return nil
}

func TestServeRestartsAFailedAdapterAndKeepsTheOthers(t *testing.T) {
	flaky := &fakeAdapter{name: "slack", steps: []func(context.Context) error{
		func(context.Context) error { return errors.New("connect: refused") },
		func(context.Context) error { panic("boom") },
	}}
	steady := &fakeAdapter{name: "telegram"}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, []Adapter{flaky, steady}, nil, nil) }()
	deadline := time.Now().Add(4 * time.Second)
	for flaky.runs.Load() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := flaky.runs.Load(); n < 3 {
		t.Fatalf("the failing adapter ran %d times, want a restart after the error and after the panic", n)
	}
	if n := steady.runs.Load(); n != 1 {
		t.Fatalf("the healthy adapter ran %d times, want 1 (untouched by the other's failures)", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve = %v, want nil when its context ends", err)
	}
}

func TestServeEndsWithItsForegroundAdapter(t *testing.T) {
	quitErr := errors.New("stdin: read error")
	con := &fakeAdapter{name: "console", foreground: true, steps: []func(context.Context) error{
		func(context.Context) error { time.Sleep(50 * time.Millisecond); return quitErr },
	}}
	other := &fakeAdapter{name: "slack"}
	err := Serve(context.Background(), []Adapter{con, other}, nil, nil)
	if !errors.Is(err, quitErr) {
		t.Fatalf("Serve = %v, want the console's own error", err)
	}
}

type routerFunc func(ctx context.Context, req chat.Request) (chat.Reply, bool)

func (f routerFunc) Handle(ctx context.Context, req chat.Request) (chat.Reply, bool) {
	return f(ctx, req)
}

func TestNewHandlerSanitizesEveryReply(t *testing.T) {
	h := NewHandler(routerFunc(func(_ context.Context, req chat.Request) (chat.Reply, bool) {
		return chat.Reply{Title: "客户 \x1b]0;owned\x07", Table: &chat.Table{Rows: [][]string{{"web\u202e01"}}}}, true
	}))
	rep, ok := h(context.Background(), chat.Request{Text: "/customer x"})
	if !ok || rep.Title != `客户 \x1b]0;owned\x07` || rep.Table.Rows[0][0] != `web\u202e01` {
		t.Fatalf("reply not sanitized: %+v", rep)
	}
}
