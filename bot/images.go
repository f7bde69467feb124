package bot

import (
	"strings"

	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
)

// WithoutImages is r with its images replaced by a line each naming it and its size, in r's
// language: what an adapter answers when the platform would not take an answer's picture, so
// that the asker still gets the text and learns that there was an image (never a silent drop).
func WithoutImages(r chat.Reply) chat.Reply {
	if len(r.Images) == 0 {
		return r
	}
	l := lang.Of(r.Lang)
	lines := []string{strings.TrimRight(r.Text, "\n")}
	if lines[0] == "" {
		lines = lines[:0]
	}
	for _, img := range r.Images {
		name := chat.Clean(img.Name, false)
		if name == "" {
			name = "image.png"
		}
		lines = append(lines, l.ImageFile(name, (len(img.PNG)+1023)/1024))
	}
	out := r
	out.Images = nil
	out.Text = strings.Join(lines, "\n")
	return out
}
