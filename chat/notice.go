package chat

import (
	"encoding/json"
	"fmt"
)

// EncodeNotice is the outbox body of a notice that says r (store.Notice.Body, and each of
// Bodies): r as JSON, with the field names of Reply. Every writer of the outbox (the command
// router, the alert scanner, the dispatcher telling admins of a parked notice) encodes with it
// and the dispatcher decodes with DecodeNotice, so the format is written in one place.
func EncodeNotice(r Reply) json.RawMessage {
	b, err := json.Marshal(r)
	if err != nil {
		// A Reply holds only strings, ints, bools and bytes (an Image's PNG, base64 in the
		// JSON): Marshal cannot fail on it. Should the type ever grow something that can, say
		// so rather than store an empty body.
		return json.RawMessage(fmt.Sprintf(`{"text":%q,"error":true}`, "notice not encodable: "+err.Error()))
	}
	return b
}

// DecodeNotice reads an outbox body written by EncodeNotice. A body that cannot be read will
// never become readable, so with the error it returns what can still be said: the body as text.
func DecodeNotice(body []byte) (Reply, error) {
	var r Reply
	if err := json.Unmarshal(body, &r); err != nil {
		return Reply{Text: string(body)}, fmt.Errorf("decode notice body: %w", err)
	}
	return r, nil
}
