package telegramtest

import (
	"bytes"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// upload posts a multipart sendPhoto/sendDocument as a client does and returns the answer.
func upload(t *testing.T, f *Fake, method, field string, file []byte, caption string) (int, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("chat_id", "-100")
	mw.WriteField("caption", caption)
	mw.WriteField("parse_mode", "HTML")
	if file != nil {
		w, _ := mw.CreateFormFile(field, "report.png")
		w.Write(file)
	}
	mw.Close()
	resp, err := http.Post(f.URL+"/bot"+Token+"/"+method, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ans struct {
		Description string `json:"description"`
	}
	json.NewDecoder(resp.Body).Decode(&ans)
	return resp.StatusCode, ans.Description
}

// TestFakeSendPhoto: the fake checks photos and documents as the Bot API documents them.
func TestFakeSendPhoto(t *testing.T) {
	f := New(t)
	f.AddGroup(-100, "supergroup", "ops")
	tests := []struct {
		name, method, field string
		file                []byte
		caption             string
		status              int
		desc                string
	}{
		{"a photo", "sendPhoto", "photo", pngOf(t, 40, 20), "<b>weekly</b>", 200, ""},
		{"no file", "sendPhoto", "photo", nil, "x", 400, "there is no photo in the request"},
		{"not an image", "sendPhoto", "photo", []byte("hello, world"), "", 400, "IMAGE_PROCESS_FAILED"},
		{"sides over 10000", "sendPhoto", "photo", pngOf(t, 9000, 1200), "", 400, "PHOTO_INVALID_DIMENSIONS"},
		{"ratio over 20", "sendPhoto", "photo", pngOf(t, 2100, 100), "", 400, "PHOTO_INVALID_DIMENSIONS"},
		{"caption too long", "sendPhoto", "photo", pngOf(t, 40, 20), strings.Repeat("x", 1025), 400, "message caption is too long"},
		{"a document of any shape", "sendDocument", "document", pngOf(t, 2100, 100), "weekly", 200, ""},
	}
	for _, tt := range tests {
		status, desc := upload(t, f, tt.method, tt.field, tt.file, tt.caption)
		if status != tt.status || !strings.Contains(desc, tt.desc) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, status, desc, tt.status, tt.desc)
		}
	}
	msgs := f.Messages(-100)
	if len(msgs) != 2 || msgs[0].Photo == nil || msgs[0].Text != "weekly" || msgs[1].Document == nil || msgs[1].FileName != "report.png" {
		for _, m := range msgs {
			t.Logf("message %d: photo %d bytes, document %d bytes, file %q, caption %q", m.ID, len(m.Photo), len(m.Document), m.FileName, m.Text)
		}
		t.Error("want the photo with its parsed caption, then the document")
	}
}
