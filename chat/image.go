package chat

// Image is a picture a reply or notice carries (issue #26's report): PNG bytes, a file name,
// and its alt text, which says the same facts as the reply's caption, for screen readers and
// for chats where images are blocked. Each adapter uploads it its platform's way; a reply's
// text is its caption.
type Image struct {
	Name string `json:"name"`
	Alt  string `json:"alt"`
	PNG  []byte `json:"png"`
}
