package bot

import (
	"context"
	"sync"

	"github.com/partnerbot/partnerbot/chat"
)

// ProgressMessage shows one request's progress as a single message: the first report is
// posted, later ones edit it, and the answer replaces it (Replace). An adapter that can edit
// makes one per request and puts its Report in the request's context (chat.WithProgress).
type ProgressMessage struct {
	post func(ctx context.Context, r chat.Reply) (MessageRef, error)
	edit func(ctx context.Context, ref MessageRef, r chat.Reply) error

	mu     sync.Mutex
	ref    MessageRef
	posted bool
	broken bool // posting or editing failed: report no more, answer as usual
}

// NewProgressMessage makes a ProgressMessage that posts with post and edits with edit.
func NewProgressMessage(post func(ctx context.Context, r chat.Reply) (MessageRef, error),
	edit func(ctx context.Context, ref MessageRef, r chat.Reply) error) *ProgressMessage {
	return &ProgressMessage{post: post, edit: edit}
}

// Report posts r, or edits the message posted with it; it is a chat.ProgressFunc.
func (p *ProgressMessage) Report(ctx context.Context, r chat.Reply) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.broken {
		return
	}
	rep := r.Sanitized()
	if !p.posted {
		ref, err := p.post(ctx, rep)
		if err != nil {
			p.broken = true
			return
		}
		p.ref, p.posted = ref, true
		return
	}
	if err := p.edit(ctx, p.ref, rep); err != nil {
		p.broken = true
	}
}

// Replace edits the progress message into the answer r. It returns false when no progress
// message stands (none was posted, or editing failed), and the adapter must send r as usual.
func (p *ProgressMessage) Replace(ctx context.Context, r chat.Reply) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.posted {
		return false
	}
	p.broken = true // no report after the answer
	return p.edit(ctx, p.ref, r) == nil
}
