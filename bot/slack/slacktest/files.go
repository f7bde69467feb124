package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// File is one external upload, as the method reference describes the three steps:
//
//   - files.getUploadURLExternal (filename and length required, alt_txt at most 1000
//     characters) answers an upload_url and a file_id;
//   - the app POSTs the file's bytes to upload_url (raw or as multipart/form-data), answered
//     200 "OK - <length>";
//   - files.completeUploadExternal (files: a JSON array of {id, title}; channel_id, optional
//     thread_ts, initial_comment or blocks) finishes the upload and shares each file to the
//     channel. It answers before the share is done: files.info lists the channel in the file's
//     channels and shares only from the ShareLag'th call after completion.
//
// A file not uploaded, or whose bytes differ in length from the length announced, cannot be
// completed (file_not_found / invalid_arguments); a channel is checked as chat.postMessage
// checks it (channel_not_found, not_in_channel, is_archived).
type File struct {
	ID             string
	Name           string
	Title          string
	AltText        string
	Length         int
	Bytes          []byte // what was posted to the upload URL; nil before
	Completed      bool
	Channel        string
	ThreadTS       string
	InitialComment string
	TS             string // the share's message ts
	lookups        int    // files.info calls since completion
}

// SetShareLag sets how many files.info calls after completion see the file not shared yet
// (default 1); a large number is a share that never shows.
func (f *Fake) SetShareLag(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.shareLag = n
}

// Uploads returns the completed uploads, in order: the files shared.
func (f *Fake) Uploads() []File {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []File
	for i := 1; i <= f.fileSeq; i++ {
		if file := f.files[fileID(i)]; file != nil && file.Completed {
			out = append(out, *file)
		}
	}
	return out
}

func fileID(i int) string { return fmt.Sprintf("F0FAKE%04d", i) }

func (f *Fake) getUploadURL(w http.ResponseWriter, form url.Values) {
	name := form.Get("filename")
	length, err := strconv.Atoi(form.Get("length"))
	if name == "" || err != nil || length <= 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	if len([]rune(form.Get("alt_txt"))) > 1000 {
		reply(w, map[string]any{"ok": false, "error": "alt_txt_too_long"})
		return
	}
	f.mu.Lock()
	f.fileSeq++
	id := fileID(f.fileSeq)
	f.files[id] = &File{ID: id, Name: name, AltText: form.Get("alt_txt"), Length: length}
	f.mu.Unlock()
	reply(w, map[string]any{"ok": true, "upload_url": f.srv.URL + "/upload/" + id, "file_id": id})
}

// uploadTo is the upload URL: the file's bytes, raw or in a multipart form.
func (f *Fake) uploadTo(w http.ResponseWriter, r *http.Request) {
	defer f.notify()
	id := strings.TrimPrefix(r.URL.Path, "/upload/")
	if r.Method != http.MethodPost {
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	var data []byte
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				break
			}
			if p.FileName() != "" {
				data, _ = io.ReadAll(p)
			}
		}
	} else {
		data, _ = io.ReadAll(r.Body)
	}
	f.mu.Lock()
	file := f.files[id]
	if file != nil && !file.Completed {
		file.Bytes = data
	}
	f.mu.Unlock()
	if file == nil {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "OK - %d", len(data))
}

func (f *Fake) completeUpload(w http.ResponseWriter, form url.Values) {
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(form.Get("files")), &list); err != nil || len(list) == 0 {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	ch, thread := form.Get("channel_id"), form.Get("thread_ts")
	if thread != "" && ch == "" {
		reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if ch != "" {
		state, known := f.channels[ch]
		if !known && !strings.HasPrefix(ch, "D") {
			state = "channel_not_found"
		}
		if state != "" {
			reply(w, map[string]any{"ok": false, "error": state})
			return
		}
	}
	var out []map[string]any
	for _, it := range list {
		file := f.files[it.ID]
		switch {
		case file == nil || file.Bytes == nil || file.Completed:
			reply(w, map[string]any{"ok": false, "error": "file_not_found"})
			return
		case len(file.Bytes) != file.Length:
			reply(w, map[string]any{"ok": false, "error": "invalid_arguments"})
			return
		}
		out = append(out, map[string]any{"id": file.ID, "title": it.Title})
	}
	for _, it := range list {
		file := f.files[it.ID]
		file.Completed, file.Title, file.Channel, file.ThreadTS = true, it.Title, ch, thread
		file.InitialComment = form.Get("initial_comment")
		f.ts++
		file.TS = fmt.Sprintf("1700000000.%06d", f.ts)
	}
	reply(w, map[string]any{"ok": true, "files": out})
}

func (f *Fake) fileInfo(w http.ResponseWriter, form url.Values) {
	f.mu.Lock()
	defer f.mu.Unlock()
	file := f.files[form.Get("file")]
	if file == nil || !file.Completed {
		reply(w, map[string]any{"ok": false, "error": "file_not_found"})
		return
	}
	file.lookups++
	obj := map[string]any{"id": file.ID, "name": file.Name, "title": file.Title, "mimetype": "image/png", "filetype": "png",
		"size": len(file.Bytes), "user": BotUserID, "channels": []string{}, "groups": []string{}, "ims": []string{},
		"shares": map[string]any{}}
	if file.Channel != "" && file.lookups > f.shareLag {
		share := map[string]any{file.Channel: []map[string]any{{"ts": file.TS, "thread_ts": file.ThreadTS, "channel_name": strings.ToLower(file.Channel), "team_id": TeamID}}}
		if strings.HasPrefix(file.Channel, "D") {
			obj["ims"] = []string{file.Channel}
			obj["shares"] = map[string]any{"private": share}
		} else {
			obj["channels"] = []string{file.Channel}
			obj["shares"] = map[string]any{"public": share}
		}
	}
	reply(w, map[string]any{"ok": true, "file": obj, "comments": []any{}, "paging": map[string]any{"count": 0, "total": 0, "page": 1, "pages": 0}})
}
