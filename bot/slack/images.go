package slack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/partnerbot/partnerbot/chat"
)

// Images reach Slack through the external upload (files.upload is retired): slack-go's
// UploadFileContext asks files.getUploadURLExternal for an upload URL, posts the PNG to it, and
// files.completeUploadExternal shares the file to the conversation (and thread) with its alt
// text. The bot token needs the files:write scope. The reply's text goes beside the image as
// the usual messages, after it.
//
// Completion shares asynchronously: completeUploadExternal answers before the file shows in the
// conversation. A notice is acknowledged only once files.info lists the conversation among the
// file's shares (a bounded wait); an upload whose share has not shown is remembered, so that
// the dispatcher's retry looks again rather than uploading the image a second time.

// Defaults of the share confirmation: first pause between looks, doubled up to maxSharePoll,
// and the longest wait for one file (the dispatcher's send timeout is a minute).
const (
	defaultSharePoll = 250 * time.Millisecond
	maxSharePoll     = 2 * time.Second
	defaultShareWait = 30 * time.Second
	// pendingShareTTL is how long an upload whose share never showed is waited for across
	// retries; after it the image is uploaded again.
	pendingShareTTL = 10 * time.Minute
	maxAltText      = 1000 // files.getUploadURLExternal's alt_txt
)

// shares remembers uploads of notices whose share was not confirmed yet, by step.
type shares struct {
	mu sync.Mutex
	m  map[string]pendingShare
}

type pendingShare struct {
	file string
	at   time.Time
}

func (s *shares) get(step string, now time.Time) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.m[step]
	if !ok || now.Sub(p.at) > pendingShareTTL {
		delete(s.m, step)
		return "", false
	}
	return p.file, true
}

func (s *shares) put(step, file string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]pendingShare{}
	}
	for k, p := range s.m { // forget the stale, so the map stays small
		if now.Sub(p.at) > pendingShareTTL {
			delete(s.m, k)
		}
	}
	s.m[step] = pendingShare{file, now}
}

func (s *shares) done(step string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, step)
}

func imageName(img chat.Image) string {
	if img.Name == "" {
		return "image.png"
	}
	return img.Name
}

// imageKeys name a reply's images in the resume key of a notice.
func imageKeys(r chat.Reply) []string {
	var keys []string
	for _, img := range r.Images {
		sum := sha256.Sum256(img.PNG)
		keys = append(keys, "image:"+hex.EncodeToString(sum[:]))
	}
	return keys
}

// upload shares img to channel (in thread when set) and returns the file's id; a 429 is
// waited out.
func (a *Adapter) upload(ctx context.Context, channel, thread string, img chat.Image) (string, error) {
	alt := strings.TrimSpace(img.Alt)
	if r := []rune(alt); len(r) > maxAltText {
		alt = string(r[:maxAltText-1]) + "…"
	}
	var id string
	err := a.retry(ctx, func() error {
		if err := a.pacer.wait(ctx, channel); err != nil {
			return err
		}
		f, err := a.api.UploadFileContext(ctx, slackapi.UploadFileParameters{
			Reader: bytes.NewReader(img.PNG), FileSize: len(img.PNG), Filename: imageName(img), Title: imageName(img),
			AltTxt: alt, Channel: channel, ThreadTimestamp: thread,
		})
		if err != nil {
			return err
		}
		if f == nil || f.ID == "" {
			return errors.New("slack: files.completeUploadExternal named no file")
		}
		id = f.ID
		return nil
	})
	return id, err
}

// confirmShare waits, up to a.shareWait, until files.info shows file shared in channel.
func (a *Adapter) confirmShare(ctx context.Context, channel, file string) error {
	deadline := time.Now().Add(a.shareWait)
	pause := a.sharePoll
	for {
		f, _, _, err := a.api.GetFileInfoContext(ctx, file, 0, 0)
		if err == nil && sharedIn(f, channel) {
			return nil
		}
		if err != nil {
			if _, throttled := retryAfterOf(err); !throttled {
				return fmt.Errorf("slack: files.info %s: %w", file, err)
			}
		}
		if time.Now().Add(pause).After(deadline) {
			return fmt.Errorf("slack: file %s not shared in %s yet after %s", file, channel, a.shareWait)
		}
		t := time.NewTimer(pause)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		pause = min(2*pause, maxSharePoll)
	}
}

// retryAfterOf reports a 429 from the Web API.
func retryAfterOf(err error) (time.Duration, bool) {
	var rl *slackapi.RateLimitedError
	if errors.As(err, &rl) {
		return rl.RetryAfter, true
	}
	return 0, false
}

// sharedIn reports whether files.info's file lists channel among its shares.
func sharedIn(f *slackapi.File, channel string) bool {
	if f == nil {
		return false
	}
	if slices.Contains(f.Channels, channel) || slices.Contains(f.Groups, channel) || slices.Contains(f.IMs, channel) {
		return true
	}
	_, pub := f.Shares.Public[channel]
	_, priv := f.Shares.Private[channel]
	return pub || priv
}

// sendImage delivers one image of a notice, step naming it in the notice's resume key: an
// upload whose share did not show yet is looked at again instead of uploaded twice.
func (a *Adapter) sendImage(ctx context.Context, channel, step string, img chat.Image) error {
	file, pending := a.shares.get(step, time.Now())
	if !pending {
		var err error
		if file, err = a.upload(ctx, channel, "", img); err != nil {
			return err
		}
		a.shares.put(step, file, time.Now())
	}
	if err := a.confirmShare(ctx, channel, file); err != nil {
		return err
	}
	a.shares.done(step)
	return nil
}

// postImages shares a reply's images in a conversation (in thread when set), for answers, and
// returns those Slack did not take (logged): the answer says so in their place.
func (a *Adapter) postImages(ctx context.Context, channel, thread string, images []chat.Image) (failed []chat.Image) {
	for _, img := range images {
		if _, err := a.upload(ctx, channel, thread, img); err != nil {
			a.log.Warn("slack: image not delivered", "channel", channel, "image", imageName(img), "error", redactURL(err))
			failed = append(failed, img)
		}
	}
	return failed
}
