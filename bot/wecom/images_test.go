package wecom_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bot"
	"github.com/partnerbot/partnerbot/bot/internal/samples"
	"github.com/partnerbot/partnerbot/bot/wecom/wecomtest"
	"github.com/partnerbot/partnerbot/bss/bsstest"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

const pathUpload = "/cgi-bin/media/upload"

func imageReply(png []byte, text string) chat.Reply {
	return chat.Reply{Title: "本周续费", Text: text, Lang: "zh",
		Images: []chat.Image{{Name: "report.png", Alt: "本周 12 位客户续费", PNG: png}}}
}

// TestReplyWithImage: a member's command answered with a picture gets it once through the app,
// uploaded as temporary material (media/upload) and sent as an image message, with the reply's
// text after it as its caption.
func TestReplyWithImage(t *testing.T) {
	png := samples.PNG(64, 32, false)
	h := start(t, setup{handler: func(context.Context, chat.Request) (chat.Reply, bool) {
		return imageReply(png, "12 位客户，应付 ¥ 34,500。").Sanitized(), true
	}})
	h.post(h.text("zhangsan", "/report"))
	calls := wait(t, h.fake, pathSend, 2)
	if calls[0].Body["msgtype"] != "image" || calls[0].Body["touser"] != "zhangsan" {
		t.Fatalf("first message %v, want the image to zhangsan", calls[0].Body)
	}
	if md := markdownOf(calls[1]); !strings.Contains(md, "12 位客户") {
		t.Errorf("caption = %q", md)
	}
	imgs := h.fake.Images(pathSend)
	if len(imgs) != 1 || !bytes.Equal(imgs[0], png) {
		t.Errorf("%d images delivered, want the PNG once", len(imgs))
	}
	if n := len(h.fake.Delivered(pathUpload)); n != 1 {
		t.Errorf("%d uploads, want 1", n)
	}
}

// TestRobotAndChatImages: a group robot gets msgtype image with the PNG in base64 and its md5,
// then the caption; one over 2 MB is not sent, and the group reads why; an app chat gets the
// uploaded image.
func TestRobotAndChatImages(t *testing.T) {
	small := samples.PNG(64, 32, false)
	large := samples.PNG(900, 900, true) // noise does not compress: about 2.4 MB
	if len(large) <= 2<<20 {
		t.Fatalf("the large PNG is %d bytes, want over 2 MB", len(large))
	}
	ctx := context.Background()
	h := start(t, setup{})
	if err := h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, imageReply(small, "12 位客户。")); err != nil {
		t.Fatalf("robot: %v", err)
	}
	calls := h.fake.Delivered(pathWebhook)
	if len(calls) != 2 || calls[0].Body["msgtype"] != "image" || !strings.Contains(markdownOf(calls[1]), "12 位客户") {
		t.Fatalf("robot got %+v, want the image then the caption", calls)
	}
	if imgs := h.fake.Images(pathWebhook); len(imgs) != 1 || !bytes.Equal(imgs[0], small) {
		t.Errorf("robot images %d, want the PNG once", len(imgs))
	}

	h.fake.Reset()
	if err := h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, imageReply(large, "12 位客户。")); err != nil {
		t.Fatalf("robot, large image: %v", err)
	}
	calls = h.fake.Delivered(pathWebhook)
	if len(calls) != 2 || calls[0].Body["msgtype"] != "markdown" || !strings.Contains(markdownOf(calls[0]), "2 MB") {
		t.Fatalf("robot got %+v, want a line saying the image is over 2 MB, then the caption", calls)
	}
	if len(h.fake.Calls(pathWebhook)) != 2 {
		t.Errorf("the over-size image was tried anyway: %+v", h.fake.Calls(pathWebhook))
	}

	if err := h.a.Send(ctx, bot.Target{Channel: "opschat"}, imageReply(small, "12 位客户。")); err != nil {
		t.Fatalf("app chat: %v", err)
	}
	if imgs := h.fake.Images(pathChat); len(imgs) != 1 || !bytes.Equal(imgs[0], small) {
		t.Errorf("app chat images %d, want the PNG once", len(imgs))
	}
}

// TestImageNoticeDelivered: a notice with a picture waits in the outbox while the upload
// fails, is retried, and is acknowledged once WeCom took the image; it arrives once.
func TestImageNoticeDelivered(t *testing.T) {
	e := newEnv(t, 0)
	h := start(t, setup{})
	png := samples.PNG(80, 40, false)
	ctx := context.Background()
	n := store.Notice{Platform: "wecom", Channel: "user:bob", Kind: "report", Body: chat.EncodeNotice(imageReply(png, "周报。"))}
	if err := e.st.EnqueueNotices(ctx, n); err != nil {
		t.Fatal(err)
	}
	now := bsstest.TestTime
	disp := &bot.Dispatcher{Outbox: e.st, Senders: map[string]bot.Sender{"wecom": h.a}, Now: func() time.Time { return now }}
	h.fake.Inject(pathUpload, wecomtest.Fault{ErrCode: -1, ErrMsg: "system busy", Times: 1})
	if sent, failed, err := disp.RunOnce(ctx); err != nil || sent != 0 || failed != 1 {
		t.Fatalf("first round: sent %d, failed %d, %v; want the failed upload counted", sent, failed, err)
	}
	if p, _ := e.st.PendingNotices(ctx); p != 1 {
		t.Fatalf("%d notices pending after a failed upload, want it still queued", p)
	}
	now = now.Add(time.Hour)
	if sent, failed, err := disp.RunOnce(ctx); err != nil || sent != 1 || failed != 0 {
		t.Fatalf("retry: sent %d, failed %d, %v; calls %+v", sent, failed, err, h.fake.Calls(""))
	}
	if p, _ := e.st.PendingNotices(ctx); p != 0 {
		t.Errorf("%d notices pending after delivery", p)
	}
	if imgs := h.fake.Images(pathSend); len(imgs) != 1 || !bytes.Equal(imgs[0], png) {
		t.Errorf("%d images delivered to bob, want the PNG once", len(imgs))
	}
	msgs := h.fake.Delivered(pathSend)
	if len(msgs) != 2 || !strings.Contains(markdownOf(msgs[1]), "周报") {
		t.Errorf("bob got %d messages, want the image and its caption", len(msgs))
	}
}

// TestImageNoticeResumes: a notice whose image went out but whose caption failed sends only the
// caption when retried: the image does not arrive twice.
func TestImageNoticeResumes(t *testing.T) {
	h := start(t, setup{})
	ctx := context.Background()
	rep := imageReply(samples.PNG(64, 32, false), "12 位客户。")
	h.fake.Inject(pathWebhook, wecomtest.Fault{ErrCode: -1, ErrMsg: "system busy", Skip: 1, Times: 1})
	if err := h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, rep); err == nil {
		t.Fatal("Send with the caption refused succeeded")
	}
	if err := h.a.Send(ctx, bot.Target{Channel: "robot:ops"}, rep); err != nil {
		t.Fatalf("retry: %v", err)
	}
	calls := h.fake.Delivered(pathWebhook)
	if len(calls) != 2 || calls[0].Body["msgtype"] != "image" || !strings.Contains(markdownOf(calls[1]), "12 位客户") {
		t.Fatalf("robot got %+v, want the image and the caption once each", calls)
	}
}

// TestReplyImageRefused: when WeCom will not take an answer's picture, the asker still gets the
// text, with a line naming the image in its place.
func TestReplyImageRefused(t *testing.T) {
	png := samples.PNG(64, 32, false)
	h := start(t, setup{handler: func(context.Context, chat.Request) (chat.Reply, bool) {
		return imageReply(png, "12 位客户。").Sanitized(), true
	}})
	h.fake.Inject(pathUpload, wecomtest.Fault{ErrCode: 40005, ErrMsg: "invalid file type"})
	h.post(h.text("zhangsan", "/report"))
	calls := wait(t, h.fake, pathSend, 1)
	if md := markdownOf(calls[0]); !strings.Contains(md, "12 位客户") || !strings.Contains(md, "report.png") {
		t.Errorf("answer = %q, want the text and a line naming the image", md)
	}
}
