package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/chat"
)

// Adapter is one chat platform. Every adapter receives until its context ends, handing each
// inbound message to the handler, and sends notices (approval requests, results, alerts)
// through Sender. What only some platforms can do is asked for with the optional interfaces
// below, never by comparing platform names.
type Adapter interface {
	// Platform is the adapter's name in "platform:id" keys: "console", "slack", "telegram", "wecom".
	Platform() string
	// Run receives messages until ctx ends, answering each through h in the platform's idiom.
	// It returns nil when ctx ended, an error when the platform cannot be reached at all.
	Run(ctx context.Context, h Handler) error
	Sender
}

// Handler answers one inbound message: ok is false when the text is not a command for this bot
// (plain chat, a command for another bot); the adapter then says nothing. The reply it returns
// is already sanitized (chat.Reply.Sanitized).
type Handler func(ctx context.Context, req chat.Request) (reply chat.Reply, ok bool)

// Router is what a Handler is made from; *commands.Router implements it.
type Router interface {
	Handle(ctx context.Context, req chat.Request) (chat.Reply, bool)
}

// NewHandler makes the Handler every adapter is given: it runs the router and sanitizes the
// reply once, here, so no platform shows a raw control character or bidi override from a chat
// line or from BSS data.
func NewHandler(r Router) Handler {
	return func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		rep, ok := r.Handle(ctx, req)
		return rep.Sanitized(), ok
	}
}

// MessageLimiter is an adapter whose platform caps the size of one message. Alerts split their
// digests below it; adapters split replies at it themselves, never cutting one.
type MessageLimiter interface {
	// MaxMessageChars is the longest message, in characters, worth composing for the platform.
	MaxMessageChars() int
}

// Editor is an adapter that can replace a message it sent (Slack chat.update, Telegram
// editMessageText), e.g. to show who decided an approval or to update progress.
type Editor interface {
	Edit(ctx context.Context, ref MessageRef, r chat.Reply) error
}

// MessageRef names a message an adapter sent, in the adapter's own terms.
type MessageRef struct {
	Channel string
	ID      string // Slack ts, Telegram message id
}

// DirectMessenger is an adapter that can message a user directly (Target with only UserID).
type DirectMessenger interface {
	CanMessageUsers() bool
	// IsDirect reports whether channel already is the direct conversation with user, where a
	// message to the channel and one to the user would arrive twice.
	IsDirect(channel, user string) bool
}

// Ready is an adapter that knows whether it is connected now, for health checks.
type Ready interface {
	Connected() bool
}

// PollGate tells a pulling adapter when it may pull. When the bot runs as one replica of a
// cluster only the leader may (Telegram answers a second getUpdates poller with 409 Conflict);
// the service gives its gate to every adapter that is a GatedPoller before running it.
type PollGate interface {
	// Term waits until this replica may pull and returns a context that ends when it no longer
	// may (the leadership term is over). It returns ctx's error when ctx ends first.
	Term(ctx context.Context) (context.Context, error)
}

// GatedPoller is an adapter that pulls its messages (Telegram's long polling) and can make its
// pulling wait on a PollGate. An adapter that is pushed its messages (a webhook, a socket)
// takes the gate and ignores it: every replica serves those.
type GatedPoller interface {
	// GatePolling makes the adapter pull only during the gate's terms; call it before Run.
	GatePolling(g PollGate)
}

// Foreground is an adapter whose end ends the bot: the console, where /quit or the end of
// standard input means the person at the terminal is done.
type Foreground interface {
	Foreground() bool
}

// Serve runs every adapter until ctx ends. An adapter whose Run fails is restarted with
// backoff (1 s doubling to 1 min), so one platform being down never stops the others. When a
// Foreground adapter returns, Serve stops the others and returns what it returned.
func Serve(ctx context.Context, adapters []Adapter, h Handler, log *slog.Logger) error {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for _, a := range adapters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			alog := log.With("platform", a.Platform())
			if f, ok := a.(Foreground); ok && f.Foreground() {
				err := runSafely(ctx, a, h)
				once.Do(func() { firstErr = err })
				cancel()
				return
			}
			runWithRestart(ctx, a, h, alog)
		}()
	}
	wg.Wait()
	return firstErr
}

// runWithRestart runs a until ctx ends, restarting it when it fails or returns early.
func runWithRestart(ctx context.Context, a Adapter, h Handler, log *slog.Logger) {
	delay := time.Second
	for {
		started := time.Now()
		err := runSafely(ctx, a, h)
		if ctx.Err() != nil {
			return
		}
		if time.Since(started) > 5*time.Minute {
			delay = time.Second // it ran fine for a while: a new failure starts the backoff over
		}
		log.Error("adapter stopped; restarting", "error", err, "in", delay)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Minute)
	}
}

// runSafely turns a panic in an adapter into an error, so it is restarted, not the process killed.
func runSafely(ctx context.Context, a Adapter, h Handler) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("adapter panicked: %v", p)
		}
	}()
	return a.Run(ctx, h)
}

// Send errors, classified by what the dispatcher should do with the notice.
var (
	// ErrPermanent: the notice can never be delivered as addressed (channel not found, the
	// bot was removed from it or blocked by the user). The dispatcher parks it and tells the
	// admins instead of retrying it forever.
	ErrPermanent = errors.New("permanent delivery failure")
	// ErrThrottled: the platform asked us to slow down; wait RetryAfter, not counted as a failure.
	ErrThrottled = errors.New("platform is throttling")
)

// SendError is a classified send failure; adapters return it from Send.
type SendError struct {
	Kind       error         // ErrPermanent, ErrThrottled, or nil for a transient failure
	RetryAfter time.Duration // for ErrThrottled: how long the platform asked us to wait
	Err        error         // the platform's own error
}

func (e *SendError) Error() string {
	switch {
	case e.Kind == nil:
		return e.Err.Error()
	case e.RetryAfter > 0:
		return fmt.Sprintf("%v (retry after %s): %v", e.Kind, e.RetryAfter, e.Err)
	}
	return fmt.Sprintf("%v: %v", e.Kind, e.Err)
}

func (e *SendError) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.Err}
	}
	return []error{e.Kind, e.Err}
}

// Permanent wraps err as a permanent send failure.
func Permanent(err error) error { return &SendError{Kind: ErrPermanent, Err: err} }

// Throttled wraps err as a throttling answer asking to wait after.
func Throttled(after time.Duration, err error) error {
	return &SendError{Kind: ErrThrottled, RetryAfter: after, Err: err}
}

// RetryAfterOf returns how long a throttled send asked to wait, and whether it was throttled.
func RetryAfterOf(err error) (time.Duration, bool) {
	var se *SendError
	if errors.As(err, &se) && se.Kind == ErrThrottled {
		return se.RetryAfter, true
	}
	return 0, false
}

// Detach returns h with each command running on a context that the end of the adapter's
// context does not cancel, so that a shutdown can be done in two steps: the adapters' context
// ends and they take no new messages, while the commands they already took run on, are
// answered, and are waited for by their adapter's Run. A command still ends at its own
// deadline, and every one ends when abort does (the shutdown timeout). The context keeps the
// values of the adapter's.
func Detach(h Handler, abort context.Context) Handler {
	return func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		dctx := context.WithoutCancel(ctx)
		var cancel context.CancelFunc
		if deadline, ok := ctx.Deadline(); ok {
			dctx, cancel = context.WithDeadline(dctx, deadline)
		} else {
			dctx, cancel = context.WithCancel(dctx)
		}
		defer cancel()
		stop := context.AfterFunc(abort, cancel)
		defer stop()
		return h(dctx, req)
	}
}
