package wecomtest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
)

func post(t *testing.T, url, contentType string, body []byte) map[string]any {
	t.Helper()
	resp, err := http.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFakeImages: media/upload takes a PNG in the form field "media" and answers a media_id
// that image messages may name; a robot's image must carry the md5 of its bytes.
func TestFakeImages(t *testing.T) {
	f := New(t, Options{Users: []string{"bob"}, RobotKeys: []string{"k"}})
	var img bytes.Buffer
	png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4)))
	resp, err := http.Get(f.URL + "/cgi-bin/gettoken?corpid=" + f.CorpID + "&corpsecret=" + f.CorpSecret)
	if err != nil {
		t.Fatal(err)
	}
	var token struct {
		AccessToken string `json:"access_token"`
	}
	json.NewDecoder(resp.Body).Decode(&token)
	resp.Body.Close()
	tok := token.AccessToken

	upload := func(field string, data []byte) map[string]any {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		w, _ := mw.CreateFormFile(field, "r.png")
		w.Write(data)
		mw.Close()
		return post(t, f.URL+"/cgi-bin/media/upload?type=image&access_token="+tok, mw.FormDataContentType(), body.Bytes())
	}
	if got := upload("file", img.Bytes()); got["errcode"] != float64(41005) {
		t.Errorf("upload in the wrong field: %v", got)
	}
	if got := upload("media", []byte("not an image")); got["errcode"] != float64(40005) {
		t.Errorf("upload of text: %v", got)
	}
	got := upload("media", img.Bytes())
	id, _ := got["media_id"].(string)
	if got["errcode"] != float64(0) || id == "" || got["type"] != "image" {
		t.Fatalf("upload: %v", got)
	}
	send := func(mediaID string) map[string]any {
		b, _ := json.Marshal(map[string]any{"touser": "bob", "agentid": f.AgentID, "msgtype": "image", "image": map[string]string{"media_id": mediaID}})
		return post(t, f.URL+"/cgi-bin/message/send?access_token="+tok, "application/json", b)
	}
	if got := send("nope"); got["errcode"] != float64(40007) {
		t.Errorf("image message naming no upload: %v", got)
	}
	if got := send(id); got["errcode"] != float64(0) {
		t.Errorf("image message: %v", got)
	}

	robot := func(sum string) map[string]any {
		b, _ := json.Marshal(map[string]any{"msgtype": "image", "image": map[string]string{"base64": base64.StdEncoding.EncodeToString(img.Bytes()), "md5": sum}})
		return post(t, f.URL+"/cgi-bin/webhook/send?key=k", "application/json", b)
	}
	if got := robot(strings.Repeat("0", 32)); got["errcode"] == float64(0) {
		t.Errorf("robot image with a wrong md5 accepted")
	}
	sum := md5.Sum(img.Bytes())
	if got := robot(hex.EncodeToString(sum[:])); got["errcode"] != float64(0) {
		t.Errorf("robot image: %v", got)
	}
	if imgs := f.Images("/cgi-bin/webhook/send"); len(imgs) != 1 || !bytes.Equal(imgs[0], img.Bytes()) {
		t.Errorf("robot images %d", len(imgs))
	}
	if imgs := f.Images("/cgi-bin/message/send"); len(imgs) != 1 || !bytes.Equal(imgs[0], img.Bytes()) {
		t.Errorf("app images %d", len(imgs))
	}
}
