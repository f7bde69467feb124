package slack

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/slack/slacktest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

func imageReply(png []byte, text string) chat.Reply {
	return chat.Reply{Title: "Renewals this week", Text: text,
		Images: []chat.Image{{Name: "report.png", Alt: "12 customers renew this week", PNG: png}}}
}

// captionPosts counts the posts that show want.
func captionPosts(f *slacktest.Fake, want string) int {
	n := 0
	for _, p := range f.Posts() {
		if strings.Contains(p.Shown(), want) {
			n++
		}
	}
	return n
}

// TestReplyWithImage: a command answered with a picture shares it in the conversation and thread
// it was asked in (the three-step external upload), with the reply's text beside it, once.
func TestReplyWithImage(t *testing.T) {
	png := samples.PNG(64, 32, false)
	e := newEnv(t, envOptions{handler: func(context.Context, chat.Request) (chat.Reply, bool) {
		return imageReply(png, "12 customers, ¥ 34,500 due.").Sanitized(), true
	}})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvImg1",
		slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> report", "1700000002.000100", "1700000000.000050")), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitFor("the caption", func() bool { return captionPosts(e.fake, "12 customers") > 0 })
	ups := e.fake.Uploads()
	if len(ups) != 1 {
		t.Fatalf("%d files shared, want 1", len(ups))
	}
	u := ups[0]
	if !bytes.Equal(u.Bytes, png) || u.Name != "report.png" || u.Channel != "CGENERAL" || u.ThreadTS != "1700000000.000050" || u.AltText == "" {
		t.Errorf("shared %q (%d bytes) in %s thread %q alt %q; want report.png in CGENERAL's thread with its alt text",
			u.Name, len(u.Bytes), u.Channel, u.ThreadTS, u.AltText)
	}
	if n := captionPosts(e.fake, "12 customers"); n != 1 {
		t.Errorf("the caption was posted %d times", n)
	}
}

// TestImageNotice: a notice's image is shared in the channel and acknowledged only once
// files.info shows the share (Slack shares asynchronously); its text follows, once.
func TestImageNotice(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	a.sharePoll = time.Millisecond
	f.SetShareLag(2)
	png := samples.PNG(64, 32, false)
	if err := a.Send(context.Background(), bot.Target{Channel: "COPS"}, imageReply(png, "Weekly report.")); err != nil {
		t.Fatalf("Send: %v", err)
	}
	ups := f.Uploads()
	if len(ups) != 1 || ups[0].Channel != "COPS" || !bytes.Equal(ups[0].Bytes, png) {
		t.Fatalf("uploads %+v, want the PNG shared in COPS once", ups)
	}
	if n := f.CallCount("files.info"); n != 3 {
		t.Errorf("files.info asked %d times, want 3 (until the share showed)", n)
	}
	if n := captionPosts(f, "Weekly report."); n != 1 {
		t.Errorf("caption posted %d times, want once", n)
	}
}

// TestImageNoticeShareNotShown: when the share does not show within the wait, the notice
// fails (to be retried) and the retry looks at the same upload again instead of uploading the
// image twice.
func TestImageNoticeShareNotShown(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	a.sharePoll, a.shareWait = time.Millisecond, 20*time.Millisecond
	f.SetShareLag(1 << 30)
	rep := imageReply(samples.PNG(64, 32, false), "Weekly report.")
	ctx := context.Background()
	err := a.Send(ctx, bot.Target{Channel: "COPS"}, rep)
	if err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("Send with the share not shown = %v, want a transient error", err)
	}
	if n := captionPosts(f, "Weekly report."); n != 0 {
		t.Errorf("the caption went before the image was confirmed")
	}
	f.SetShareLag(0)
	if err := a.Send(ctx, bot.Target{Channel: "COPS"}, rep); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if n := f.CallCount("files.getUploadURLExternal"); n != 1 {
		t.Errorf("%d uploads started, want 1: the retry must not upload again", n)
	}
	if n := captionPosts(f, "Weekly report."); n != 1 {
		t.Errorf("caption posted %d times, want once", n)
	}
}

// TestImageNoticeRetriedAfterFailedUpload: through the outbox, a failed upload leaves the notice
// queued; the retry delivers it and it is acknowledged then.
func TestImageNoticeRetriedAfterFailedUpload(t *testing.T) {
	f := slacktest.New(t)
	a := newSender(t, f)
	a.sharePoll = time.Millisecond
	st, err := store.Open(t.TempDir()+"/bot.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	ctx := context.Background()
	png := samples.PNG(80, 40, false)
	if err := st.EnqueueNotices(ctx, store.Notice{Platform: platform, Channel: "COPS", Kind: "report",
		Body: chat.EncodeNotice(imageReply(png, "Weekly report."))}); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	d := &bot.Dispatcher{Outbox: st, Senders: map[string]bot.Sender{platform: a}, Now: func() time.Time { return now }}
	f.Inject("files.completeUploadExternal", slacktest.Fault{Status: 500, Times: 1})
	if sent, failed, err := d.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
		t.Fatalf("first round: sent %d, failed %d, %v; want the failed upload counted", sent, failed, err)
	}
	if p, _ := st.PendingNotices(ctx); p != 1 {
		t.Fatalf("%d notices pending after a failed upload, want it still queued", p)
	}
	now = now.Add(time.Hour)
	if sent, failed, err := d.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
		t.Fatalf("retry: sent %d, failed %d, %v", sent, failed, err)
	}
	if p, _ := st.PendingNotices(ctx); p != 0 {
		t.Errorf("%d notices pending after delivery", p)
	}
	if ups := f.Uploads(); len(ups) != 1 || !bytes.Equal(ups[0].Bytes, png) {
		t.Errorf("%d files shared, want the PNG once", len(ups))
	}
	if n := captionPosts(f, "Weekly report."); n != 1 {
		t.Errorf("caption posted %d times, want once", n)
	}
}

// TestReplyImageRefused: when Slack will not take an answer's picture (here the app lacks
// files:write), the asker still gets the text, with a line naming the image in its place.
func TestReplyImageRefused(t *testing.T) {
	e := newEnv(t, envOptions{handler: func(context.Context, chat.Request) (chat.Reply, bool) {
		return imageReply(samples.PNG(64, 32, false), "12 customers, ¥ 34,500 due.").Sanitized(), true
	}})
	e.fake.Inject("files.getUploadURLExternal", slacktest.Fault{Error: "missing_scope"})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvImg2",
		slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> report", "1700000002.000200", "")), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitFor("the caption", func() bool { return captionPosts(e.fake, "12 customers") > 0 })
	if n := captionPosts(e.fake, "report.png"); n != 1 {
		t.Errorf("the answer does not name the image it could not share:%s", e.fake.DescribePosts())
	}
}

// TestProgressThenImage: a command that showed its progress ends with the answer in that
// message and its picture shared after it, in the same thread, once.
func TestProgressThenImage(t *testing.T) {
	png := samples.PNG(64, 32, false)
	e := newEnv(t, envOptions{handler: func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		if p := chat.Progress(ctx); p != nil {
			p(ctx, chat.Reply{Text: "drawing the report…"})
		}
		return imageReply(png, "12 customers, ¥ 34,500 due.").Sanitized(), true
	}})
	id, _ := e.fake.Envelope("events_api", slacktest.EventPayload("EvImg3",
		slacktest.MentionEvent("CGENERAL", alice, "<@UBOT> report", "1700000002.000300", "1700000000.000070")), false)
	checkAck(t, e.fake.WaitAck(id))
	e.fake.WaitFor("the image", func() bool { return len(e.fake.Uploads()) > 0 })
	if ups := e.fake.Uploads(); len(ups) != 1 || ups[0].ThreadTS != "1700000000.000070" || !bytes.Equal(ups[0].Bytes, png) {
		t.Errorf("%d uploads, want the PNG once in the thread", len(ups))
	}
	if n := captionPosts(e.fake, "12 customers"); n != 1 {
		t.Errorf("the answer shows %d times:%s", n, e.fake.DescribePosts())
	}
}
