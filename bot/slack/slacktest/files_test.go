package slacktest

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestFakeExternalUpload: the three steps of the external upload, and files.info showing the
// share only after the lag, as Slack shares asynchronously.
func TestFakeExternalUpload(t *testing.T) {
	f := New(t)
	f.SetShareLag(1)
	if got := call(t, f, "files.getUploadURLExternal", url.Values{"filename": {"r.png"}}); got["ok"] != false || got["error"] != "invalid_arguments" {
		t.Errorf("without length: %v", got)
	}
	got := call(t, f, "files.getUploadURLExternal", url.Values{"filename": {"r.png"}, "length": {"5"}, "alt_txt": {"a chart"}})
	id, _ := got["file_id"].(string)
	upURL, _ := got["upload_url"].(string)
	if got["ok"] != true || id == "" || !strings.HasPrefix(upURL, f.srv.URL) {
		t.Fatalf("getUploadURLExternal = %v", got)
	}
	files := `[{"id":"` + id + `","title":"r.png"}]`
	if got := call(t, f, "files.completeUploadExternal", url.Values{"files": {files}, "channel_id": {"COPS"}}); got["error"] != "file_not_found" {
		t.Errorf("complete before the upload: %v, want file_not_found", got)
	}
	resp, err := http.Post(upURL, "application/octet-stream", strings.NewReader("12345"))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("upload: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := call(t, f, "files.completeUploadExternal", url.Values{"files": {files}, "channel_id": {"CNOWHERE"}}); got["error"] != "channel_not_found" {
		t.Errorf("complete to an unknown channel: %v", got)
	}
	if got := call(t, f, "files.completeUploadExternal", url.Values{"files": {files}, "channel_id": {"COPS"}, "thread_ts": {"1.2"}}); got["ok"] != true {
		t.Fatalf("complete: %v", got)
	}
	shared := func() bool {
		info := call(t, f, "files.info", url.Values{"file": {id}})
		file, _ := info["file"].(map[string]any)
		chans, _ := file["channels"].([]any)
		return len(chans) == 1 && chans[0] == "COPS"
	}
	if shared() {
		t.Error("files.info showed the share at once; Slack shares asynchronously")
	}
	if !shared() {
		t.Error("files.info does not show the share after the lag")
	}
	ups := f.Uploads()
	if len(ups) != 1 || string(ups[0].Bytes) != "12345" || ups[0].ThreadTS != "1.2" || ups[0].AltText != "a chart" {
		t.Errorf("uploads %+v", ups)
	}
}
