package bss

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// Signing constants of the SDK-HMAC-SHA256 scheme (bss-api.md §11, SDK core/auth/signer/signer.go).
const (
	SignAlgorithm    = "SDK-HMAC-SHA256"
	HeaderSdkDate    = "X-Sdk-Date"
	HeaderAuth       = "Authorization"
	HeaderDomainID   = "X-Domain-Id"
	HeaderToken      = "X-Security-Token"
	HeaderContentSHA = "X-Sdk-Content-Sha256"
	HeaderRequestID  = "X-Request-Id"
	SdkDateLayout    = "20060102T150405Z"
)

// Credentials are an access key pair, optionally temporary (with a security token).
// String and GoString never print the secret.
type Credentials struct {
	AccessKey     string
	SecretKey     string
	SecurityToken string // temporary credentials only
}

// String shows the access key only.
func (c Credentials) String() string {
	if c.AccessKey == "" {
		return "Credentials{}"
	}
	return "Credentials{AK:" + c.AccessKey + ", SK:***}"
}

// GoString keeps %#v from printing the secret.
func (c Credentials) GoString() string { return c.String() }

// Valid reports whether both halves of the key pair are present.
func (c Credentials) Valid() bool { return c.AccessKey != "" && c.SecretKey != "" }

// Sign signs req in place: it sets X-Sdk-Date (and X-Security-Token for temporary credentials)
// and the Authorization header. body must be exactly the bytes that will be sent. Every header
// present at signing time is signed except Content-Type and names containing '_', as the SDK does.
func Sign(req *http.Request, body []byte, cred Credentials, now time.Time) {
	req.Header.Set(HeaderSdkDate, now.UTC().Format(SdkDateLayout))
	if cred.SecurityToken != "" {
		req.Header.Set(HeaderToken, cred.SecurityToken)
	}
	signed := SignedHeaderNames(req.Header)
	canonical := CanonicalRequest(req.Method, req.URL, req.Header, signed, PayloadHash(req.Header, body))
	sig := Signature(cred.SecretKey, StringToSign(req.Header.Get(HeaderSdkDate), canonical))
	req.Header.Set(HeaderAuth, fmt.Sprintf("%s Access=%s, SignedHeaders=%s, Signature=%s",
		SignAlgorithm, cred.AccessKey, strings.Join(signed, ";"), sig))
}

// SignedHeaderNames lists the lower-cased names of the headers to sign, sorted.
func SignedHeaderNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, "content-type") || strings.Contains(lk, "_") || lk == "authorization" {
			continue
		}
		names = append(names, lk)
	}
	sort.Strings(names)
	return names
}

// PayloadHash is the lower-case hex SHA-256 of body, or the X-Sdk-Content-Sha256 header when set.
func PayloadHash(h http.Header, body []byte) string {
	if v := h.Get(HeaderContentSHA); v != "" {
		return v
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// CanonicalRequest builds METHOD\nURI\nQUERY\nHEADERS\nSIGNED\nHEXBODY.
func CanonicalRequest(method string, u *url.URL, h http.Header, signed []string, payloadHash string) string {
	var b strings.Builder
	b.Grow(256)
	b.WriteString(method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(u))
	b.WriteByte('\n')
	b.WriteString(canonicalQuery(u))
	b.WriteByte('\n')
	for _, name := range signed {
		b.WriteString(name)
		b.WriteByte(':')
		if name == "host" && h.Get("Host") == "" {
			b.WriteString(u.Host)
		} else {
			b.WriteString(strings.TrimSpace(strings.Join(h.Values(name), ",")))
		}
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(payloadHash)
	return b.String()
}

// StringToSign is SDK-HMAC-SHA256\n<date>\n<hex sha256(canonical request)>.
func StringToSign(sdkDate, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return SignAlgorithm + "\n" + sdkDate + "\n" + hex.EncodeToString(sum[:])
}

// Signature is hex(HMAC-SHA256(SK, stringToSign)).
func Signature(secretKey, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secretKey))
	m.Write([]byte(stringToSign))
	return hex.EncodeToString(m.Sum(nil))
}

// canonicalURI percent-encodes each path segment and always ends with '/'.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if un, err := url.PathUnescape(s); err == nil {
			s = un
		}
		segs[i] = escape(s)
	}
	out := strings.Join(segs, "/")
	if !strings.HasSuffix(out, "/") {
		out += "/"
	}
	return out
}

func canonicalQuery(u *url.URL) string {
	q := u.Query()
	if len(q) == 0 {
		return ""
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		vs := append([]string(nil), q[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			parts = append(parts, escape(k)+"="+escape(v))
		}
	}
	return strings.Join(parts, "&")
}

// escape percent-encodes everything but the unreserved set A-Z a-z 0-9 - _ . ~ (upper-case hex).
func escape(s string) string {
	const hexdig = "0123456789ABCDEF"
	n := 0
	for i := 0; i < len(s); i++ {
		if !unreserved(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	b := make([]byte, 0, len(s)+2*n)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexdig[c>>4], hexdig[c&15])
	}
	return string(b)
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// Authorization is a parsed Authorization header.
type Authorization struct {
	AccessKey     string
	SignedHeaders []string
	Signature     string
}

// ErrBadAuthorization is returned by ParseAuthorization for a malformed header.
var ErrBadAuthorization = errors.New("malformed SDK-HMAC-SHA256 Authorization header")

// ParseAuthorization parses "SDK-HMAC-SHA256 Access=AK, SignedHeaders=a;b, Signature=hex".
func ParseAuthorization(v string) (Authorization, error) {
	rest, ok := strings.CutPrefix(v, SignAlgorithm+" ")
	if !ok {
		return Authorization{}, ErrBadAuthorization
	}
	var a Authorization
	for _, part := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return Authorization{}, ErrBadAuthorization
		}
		switch k {
		case "Access":
			a.AccessKey = val
		case "SignedHeaders":
			a.SignedHeaders = strings.Split(val, ";")
		case "Signature":
			a.Signature = val
		}
	}
	if a.AccessKey == "" || a.Signature == "" || len(a.SignedHeaders) == 0 {
		return Authorization{}, ErrBadAuthorization
	}
	return a, nil
}

// Verification failures, for servers (the fake BSS) that check signatures.
var (
	ErrSignatureMismatch = errors.New("signature does not match")
	ErrSignatureStale    = errors.New("X-Sdk-Date is missing or outside the allowed clock skew")
	ErrDateNotSigned     = errors.New("x-sdk-date is not among the signed headers")
)

// Verify checks a signed request received by a server: the date is present, signed and within
// maxSkew of now, and the signature matches the one computed with secretKey over body.
func Verify(r *http.Request, body []byte, auth Authorization, secretKey string, now time.Time, maxSkew time.Duration) error {
	date := r.Header.Get(HeaderSdkDate)
	t, err := time.Parse(SdkDateLayout, date)
	if err != nil || t.Sub(now) > maxSkew || now.Sub(t) > maxSkew {
		return ErrSignatureStale
	}
	if !sort.StringsAreSorted(auth.SignedHeaders) {
		return ErrSignatureMismatch
	}
	found := false
	h := r.Header.Clone()
	for _, n := range auth.SignedHeaders {
		if n == "x-sdk-date" {
			found = true
		}
		if n == "host" && h.Get("Host") == "" {
			h.Set("Host", r.Host)
		}
	}
	if !found {
		return ErrDateNotSigned
	}
	canonical := CanonicalRequest(r.Method, r.URL, h, auth.SignedHeaders, PayloadHash(h, body))
	want := Signature(secretKey, StringToSign(date, canonical))
	if !hmac.Equal([]byte(want), []byte(auth.Signature)) {
		return ErrSignatureMismatch
	}
	return nil
}
