// Package floodtest has what the adapters' flood tests share: a handler that holds one
// person's commands while counting everyone's, so a test can fill that person's share of the
// workers and see whether anyone else is still answered.
package floodtest

import (
	"context"
	"sync"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/chat"
)

// Handler runs Next (or answers "done <text>") for every command, holding those of the user
// with id Flooder until Free is called, and counts what it was asked per user id.
type Handler struct {
	flooder string
	next    bot.Handler
	release chan struct{}
	once    sync.Once
	mu      sync.Mutex
	calls   map[string]int
}

// New is a Handler holding the commands of user id flooder; next may be nil.
func New(flooder string, next bot.Handler) *Handler {
	return &Handler{flooder: flooder, next: next, release: make(chan struct{}), calls: map[string]int{}}
}

// Handle is the bot.Handler.
func (f *Handler) Handle(ctx context.Context, req chat.Request) (chat.Reply, bool) {
	f.mu.Lock()
	f.calls[req.UserID]++
	f.mu.Unlock()
	if req.UserID == f.flooder {
		select {
		case <-f.release:
		case <-ctx.Done():
		}
	}
	if f.next != nil {
		return f.next(ctx, req)
	}
	return chat.Reply{Text: "done " + req.Text}, true
}

// Free lets the flooder's held commands (and all later ones) run.
func (f *Handler) Free() { f.once.Do(func() { close(f.release) }) }

// CallsOf is how many commands user id user sent that reached the handler.
func (f *Handler) CallsOf(user string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[user]
}
