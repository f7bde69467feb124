package telegram

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/telegram/telegramtest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// imageReply is a reply carrying one picture, its text the caption.
func imageReply(png []byte, text string) chat.Reply {
	return chat.Reply{Title: "Renewals this week", Text: text,
		Images: []chat.Image{{Name: "report.png", Alt: "12 customers renew this week", PNG: png}}}
}

// fixed answers every command with rep.
func fixed(rep chat.Reply) bot.Handler {
	return func(ctx context.Context, req chat.Request) (chat.Reply, bool) { return rep.Sanitized(), true }
}

// filesIn returns the bot's photo and document messages in chat.
func filesIn(f *telegramtest.Fake, chat int64) (photos, docs []telegramtest.Message) {
	for _, m := range f.Messages(chat) {
		switch {
		case m.Photo != nil:
			photos = append(photos, m)
		case m.Document != nil:
			docs = append(docs, m)
		}
	}
	return photos, docs
}

// TestReplyWithImage: a reply with a picture reaches the chat once, as a photo (sendPhoto,
// multipart) whose caption is the reply; a reply too long for a caption arrives as the photo
// with its title as caption and the text after it.
func TestReplyWithImage(t *testing.T) {
	png := samples.PNG(64, 32, false)
	for _, tc := range []struct {
		name, text  string
		wantCaption string
		wantTexts   int
	}{
		{"short", "12 customers, ¥ 34,500 due.", "12 customers, ¥ 34,500 due.", 0},
		{"long", strings.Repeat("zhangsan-web-01 renews on 2026-12-09.\n", 40), "Renewals this week", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.start(e.options(), fixed(imageReply(png, tc.text)))
			e.fake.Say(alice.ID, alice, "/report")
			e.fake.WaitCalls("sendPhoto", 1)
			if tc.wantTexts > 0 {
				e.waitMsg(alice.ID, "zhangsan-web-01")
			}
			photos, docs := filesIn(e.fake, alice.ID)
			if len(photos) != 1 || len(docs) != 0 {
				t.Fatalf("%d photos, %d documents, want one photo; calls:%s", len(photos), len(docs), e.fake.DescribeCalls())
			}
			p := photos[0]
			if !bytes.Equal(p.Photo, png) || p.FileName != "report.png" {
				t.Errorf("photo %q of %d bytes, want report.png of %d", p.FileName, len(p.Photo), len(png))
			}
			if !strings.Contains(p.Text, tc.wantCaption) {
				t.Errorf("caption %q, want it to show %q", p.Text, tc.wantCaption)
			}
			if texts := len(e.fake.Messages(alice.ID)) - 1; texts != tc.wantTexts {
				t.Errorf("%d text messages beside the photo, want %d", texts, tc.wantTexts)
			}
		})
	}
}

// TestPhotoFallsBackToDocument: an image Telegram refuses as a photo (PHOTO_INVALID_DIMENSIONS),
// or one outside the documented photo limits, is sent as a document with its caption.
func TestPhotoFallsBackToDocument(t *testing.T) {
	for _, tc := range []struct {
		name      string
		png       []byte
		fault     bool
		wantPhoto int // sendPhoto calls
	}{
		{"refused", samples.PNG(64, 32, false), true, 1},
		{"too narrow", samples.PNG(2100, 100, false), false, 0}, // sides 21:1, over 20
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			a := e.start(e.options(), nil)
			if tc.fault {
				e.fake.Inject(telegramtest.Fault{Method: "sendPhoto", Status: 400, Desc: "Bad Request: PHOTO_INVALID_DIMENSIONS", Times: 1})
			}
			to := bot.Target{Channel: fmt.Sprint(opsGroup)}
			if err := a.Send(context.Background(), to, imageReply(tc.png, "12 customers.")); err != nil {
				t.Fatalf("Send: %v; calls:%s", err, e.fake.DescribeCalls())
			}
			photos, docs := filesIn(e.fake, opsGroup)
			if len(photos) != 0 || len(docs) != 1 {
				t.Fatalf("%d photos, %d documents, want one document; calls:%s", len(photos), len(docs), e.fake.DescribeCalls())
			}
			if !bytes.Equal(docs[0].Document, tc.png) || !strings.Contains(docs[0].Text, "12 customers.") {
				t.Errorf("document %d bytes with caption %q", len(docs[0].Document), docs[0].Text)
			}
			if n := len(e.fake.CallsOf("sendPhoto")); n != tc.wantPhoto {
				t.Errorf("%d sendPhoto calls, want %d", n, tc.wantPhoto)
			}
		})
	}
}

// TestImageNoticeDelivered: a notice with a picture goes through the outbox; a failed upload
// leaves it queued and is retried, and it is acknowledged once Telegram accepted the photo,
// which arrives once.
func TestImageNoticeDelivered(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	png := samples.PNG(80, 40, false)
	ctx := context.Background()
	n := store.Notice{Platform: Platform, Channel: fmt.Sprint(opsGroup), Kind: "report", Body: chat.EncodeNotice(imageReply(png, "Weekly report."))}
	if err := e.st.EnqueueNotices(ctx, n); err != nil {
		t.Fatal(err)
	}
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{Platform: a}, Now: e.clock.Now}
	e.fake.Inject(telegramtest.Fault{Method: "sendPhoto", Status: 500, Desc: "Internal Server Error", Times: 1})
	if sent, failed, err := disp.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
		t.Fatalf("first round: sent %d, failed %d, %v; want the failed upload counted", sent, failed, err)
	}
	if p, _ := e.st.PendingNotices(ctx); p != 1 {
		t.Fatalf("%d notices pending after a failed upload, want it still queued", p)
	}
	e.clock.Advance(time.Hour)
	if sent, failed, err := disp.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
		t.Fatalf("retry: sent %d, failed %d, %v; calls:%s", sent, failed, err, e.fake.DescribeCalls())
	}
	if p, _ := e.st.PendingNotices(ctx); p != 0 {
		t.Errorf("%d notices pending after delivery", p)
	}
	photos, _ := filesIn(e.fake, opsGroup)
	if len(photos) != 1 || !bytes.Equal(photos[0].Photo, png) || !strings.Contains(photos[0].Text, "Weekly report.") {
		t.Fatalf("photos in the group: %d, want the report once with its caption", len(photos))
	}
}

// TestImageNoticeResumes: a notice whose photo went out but whose text failed sends only the
// text when retried: the photo does not arrive twice.
func TestImageNoticeResumes(t *testing.T) {
	e := newEnv(t)
	a := e.start(e.options(), nil)
	rep := imageReply(samples.PNG(64, 32, false), strings.Repeat("zhangsan-web-01 renews on 2026-12-09.\n", 40))
	to := bot.Target{Channel: fmt.Sprint(opsGroup)}
	e.fake.Inject(telegramtest.Fault{Method: "sendMessage", Status: 500, Desc: "Internal Server Error", Times: 1})
	if err := a.Send(context.Background(), to, rep); err == nil || errors.Is(err, bot.ErrPermanent) {
		t.Fatalf("Send with the text failing = %v, want a transient error", err)
	}
	if err := a.Send(context.Background(), to, rep); err != nil {
		t.Fatalf("retry: %v", err)
	}
	photos, _ := filesIn(e.fake, opsGroup)
	if len(photos) != 1 || len(e.fake.Messages(opsGroup)) != 2 {
		t.Fatalf("%d photos, %d messages, want the photo and the text once each; calls:%s", len(photos), len(e.fake.Messages(opsGroup)), e.fake.DescribeCalls())
	}
}

// TestReplyImageRefused: when Telegram will not take an answer's picture, the asker still gets
// the text, with a line naming the image in its place.
func TestReplyImageRefused(t *testing.T) {
	e := newEnv(t)
	e.start(e.options(), fixed(imageReply(samples.PNG(64, 32, false), "12 customers.")))
	e.fake.Inject(telegramtest.Fault{Method: "sendPhoto", Status: 400, Desc: "Bad Request: IMAGE_PROCESS_FAILED"})
	e.fake.Say(alice.ID, alice, "/report")
	m := e.waitMsg(alice.ID, "report.png")
	if !strings.Contains(m.Text, "12 customers.") {
		t.Errorf("answer = %q, want the text beside the line naming the image", m.Text)
	}
}

// TestProgressThenImage: a command that showed its progress ends with the answer in that
// message, and its picture after it (a text message cannot become a photo), once.
func TestProgressThenImage(t *testing.T) {
	png := samples.PNG(64, 32, false)
	e := newEnv(t)
	e.start(e.options(), func(ctx context.Context, req chat.Request) (chat.Reply, bool) {
		if p := chat.Progress(ctx); p != nil {
			p(ctx, chat.Reply{Text: "drawing the report…"})
		}
		return imageReply(png, "12 customers.").Sanitized(), true
	})
	e.fake.Say(alice.ID, alice, "/report")
	e.fake.WaitCalls("sendPhoto", 1)
	msgs := e.fake.Messages(alice.ID)
	if len(msgs) != 2 || !strings.Contains(msgs[0].Text, "12 customers.") || !bytes.Equal(msgs[1].Photo, png) {
		t.Fatalf("%d messages; want the progress message edited into the answer, then the photo; calls:%s", len(msgs), e.fake.DescribeCalls())
	}
	if !strings.Contains(msgs[1].Text, "12 customers renew") {
		t.Errorf("photo caption %q, want its alt text", msgs[1].Text)
	}
}
