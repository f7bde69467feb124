package bss

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrorDetail is one entry of the details[] some Huawei Cloud services add to an error answer.
type ErrorDetail struct {
	Code    string
	Message string
}

// errorBody is what an error answer says, read the way the SDK's core/sdkerr does.
type errorBody struct {
	code, msg string
	authMsg   string // encoded_authorization_message
	details   []ErrorDetail
}

// Bounds of what is kept of an answer's text.
const (
	maxRawMessage = 512  // bytes of an unparseable body kept as the message
	maxMessage    = 2000 // bytes of error_msg kept
	maxDetails    = 20
	maxNesting    = 4
)

// parseErrorBody reads an error answer as the SDK's core/sdkerr does: error_code + error_msg when
// both are present, else code + message, else the first nested object that has either pair (IAM
// answers {"error":{"code":403,"message":..,"title":..}}, with a numeric code). Codes may be
// strings or numbers. encoded_authorization_message and details[] are kept. A body that is not a
// JSON object, or names no message, gives its own text (bounded, sanitized) as the message.
func parseErrorBody(data []byte) errorBody {
	fields, ok := objectFields(data)
	if !ok {
		return errorBody{msg: rawMessage(data)}
	}
	eb, found := readErrorObject(fields, 0)
	if !found {
		// Keep a lone code (e.g. {"error_code":"CBC.0100"}), and the body as the message.
		eb.code = firstScalar(fields, "error_code", "code")
		eb.msg = firstScalar(fields, "error_msg", "message")
	}
	if eb.msg == "" {
		eb.msg = rawMessage(data)
	}
	eb.msg = bound(eb.msg, maxMessage)
	return eb
}

// field is one member of a JSON object, in document order.
type field struct {
	key string
	raw json.RawMessage
}

// objectFields splits a JSON object into its members in order; ok is false for anything else.
func objectFields(data []byte) (fields []field, ok bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, false
		}
		fields = append(fields, field{key, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, false
	}
	return fields, true
}

// readErrorObject finds a code and message pair in an object or, failing that, in the first
// nested object that has one.
func readErrorObject(fields []field, depth int) (eb errorBody, found bool) {
	eb.authMsg = firstScalar(fields, "encoded_authorization_message")
	eb.details = readDetails(fields)
	for _, pair := range [][2]string{{"error_code", "error_msg"}, {"code", "message"}} {
		code, msg := firstScalar(fields, pair[0]), firstScalar(fields, pair[1])
		if code != "" && msg != "" {
			eb.code, eb.msg = code, msg
			return eb, true
		}
	}
	if depth >= maxNesting {
		return eb, false
	}
	for _, f := range fields {
		sub, ok := objectFields(f.raw)
		if !ok {
			continue
		}
		if inner, found := readErrorObject(sub, depth+1); found {
			if inner.authMsg == "" {
				inner.authMsg = eb.authMsg
			}
			if inner.details == nil {
				inner.details = eb.details
			}
			return inner, true
		}
	}
	return eb, false
}

// firstScalar returns the first of the named members that is a non-empty string or a number,
// as text.
func firstScalar(fields []field, names ...string) string {
	for _, name := range names {
		for _, f := range fields {
			if f.key == name {
				if s := scalar(f.raw); s != "" {
					return s
				}
			}
		}
	}
	return ""
}

// scalar renders a JSON string or number as text; anything else is "".
func scalar(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return ""
	}
	switch c := raw[0]; {
	case c == '"':
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return strings.TrimSpace(s)
		}
	case c == '-' || c >= '0' && c <= '9':
		var n json.Number
		if json.Unmarshal(raw, &n) == nil {
			return n.String()
		}
	}
	return ""
}

// readDetails reads details[]: objects with either code/message pair, or plain strings.
func readDetails(fields []field) []ErrorDetail {
	var raws []json.RawMessage
	for _, f := range fields {
		if f.key == "details" {
			if json.Unmarshal(f.raw, &raws) != nil {
				return nil
			}
			break
		}
	}
	var out []ErrorDetail
	for _, raw := range raws {
		if len(out) == maxDetails {
			break
		}
		var d ErrorDetail
		if sub, ok := objectFields(raw); ok {
			d.Code = firstScalar(sub, "error_code", "code")
			d.Message = bound(firstScalar(sub, "error_msg", "message"), maxMessage)
		} else {
			d.Message = bound(scalar(raw), maxMessage)
		}
		if d.Code != "" || d.Message != "" {
			out = append(out, d)
		}
	}
	return out
}

// rawMessage turns an answer that is not a readable error object into a short, printable
// message: HTML tags dropped, control characters and runs of white space folded into one
// space, invalid UTF-8 replaced, at most maxRawMessage bytes.
func rawMessage(data []byte) string {
	s := string(bytes.TrimSpace(data))
	if strings.HasPrefix(s, "<") {
		s = stripTags(s)
	}
	var b strings.Builder
	space := false
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		if b.Len() > 4*maxRawMessage {
			break
		}
	}
	return bound(b.String(), maxRawMessage)
}

// stripTags removes <...> markup, keeping the text between tags.
func stripTags(s string) string {
	var b strings.Builder
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
			b.WriteByte(' ')
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// bound cuts s to at most n bytes on a rune boundary, marking the cut with "…".
func bound(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
