package bss

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSignKnownAnswers checks the signer against the worked examples of bss-api.md §11 and the
// two vectors of the Huawei Cloud SDK's own signer_test.go.
func TestSignKnownAnswers(t *testing.T) {
	date := time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	sdkDate := time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		method     string
		url        string
		body       string
		headers    map[string]string
		cred       Credentials
		when       time.Time
		wantSigned string
		wantSig    string
		wantSTS    string // hash line of the string to sign, when the sheet gives it
	}{
		{
			name: "fact sheet: x-sdk-date only", method: "POST",
			url:  "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query",
			body: `{"offset":0,"limit":10}`, cred: Credentials{AccessKey: "AKEXAMPLE", SecretKey: "SKEXAMPLE"}, when: date,
			wantSigned: "x-sdk-date",
			wantSig:    "a951ed9761a3e6ffa8e30acdad5c15a955ec232aff1f5574eca7a34f88793ba7",
			wantSTS:    "2007e38e61dc2358989c7b1651556161eefe9148b13410172994599c0f0e609e",
		},
		{
			name: "fact sheet: host signed", method: "POST",
			url:  "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query",
			body: `{"offset":0,"limit":10}`, headers: map[string]string{"Host": "bss.myhuaweicloud.com"},
			cred: Credentials{AccessKey: "AKEXAMPLE", SecretKey: "SKEXAMPLE"}, when: date,
			wantSigned: "host;x-sdk-date",
			wantSig:    "f0d3a61f50b7e58cbc3d1bae5d61c3b20de40609bc9812a9098e49f8853e62d2",
			wantSTS:    "e3e0cf368be37479faf175d812f1ca537a80f52157991c3207c7649ac51841ea",
		},
		{
			name: "fact sheet: domain id signed", method: "POST",
			url:  "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query",
			body: `{"offset":0,"limit":10}`, headers: map[string]string{"X-Domain-Id": "DOMAINEXAMPLE"},
			cred: Credentials{AccessKey: "AKEXAMPLE", SecretKey: "SKEXAMPLE"}, when: date,
			wantSigned: "x-domain-id;x-sdk-date",
			wantSig:    "d0b95d934462bee423abc29d425d4b29ad5df66b67daa29e0336d69abecf3b00",
		},
		{
			name: "SDK vector: GET with query", method: "GET",
			url:  "https://example.huaweicloud.com/path?limit=1",
			cred: Credentials{AccessKey: "AccessKey", SecretKey: "SecretKey"}, when: sdkDate,
			wantSigned: "x-sdk-date",
			wantSig:    "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
		},
		{
			name: "SDK vector: POST with body and query", method: "POST",
			url: "https://example.huaweicloud.com/path?key=value", body: "{\"Name\":\"test\",\"Id\":1}\n",
			cred: Credentials{AccessKey: "AccessKey", SecretKey: "SecretKey"}, when: sdkDate,
			wantSigned: "x-sdk-date",
			wantSig:    "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, tc.url, bytes.NewReader([]byte(tc.body)))
			if err != nil {
				t.Fatal(err)
			}
			req.Header = http.Header{}
			if tc.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			Sign(req, []byte(tc.body), tc.cred, tc.when)
			want := "SDK-HMAC-SHA256 Access=" + tc.cred.AccessKey + ", SignedHeaders=" + tc.wantSigned + ", Signature=" + tc.wantSig
			if got := req.Header.Get("Authorization"); got != want {
				t.Errorf("Authorization\n got %s\nwant %s", got, want)
			}
			if tc.wantSTS != "" {
				signed := SignedHeaderNames(req.Header)
				sts := StringToSign(req.Header.Get(HeaderSdkDate), CanonicalRequest(req.Method, req.URL, req.Header, signed, PayloadHash(req.Header, []byte(tc.body))))
				if !strings.HasSuffix(sts, "\n"+tc.wantSTS) {
					t.Errorf("string to sign = %q, want hash %s", sts, tc.wantSTS)
				}
			}
		})
	}
}

func TestCanonicalRequestShape(t *testing.T) {
	req, _ := http.NewRequest("POST", "https://bss.myhuaweicloud.com/v2/partners/sub-customers/query", nil)
	req.Header = http.Header{"X-Sdk-Date": {"20261125T000000Z"}}
	got := CanonicalRequest("POST", req.URL, req.Header, []string{"x-sdk-date"}, "b5c53d67e1245b97d4d565f432208d66ba0954db9080f93743021cda5f34eafa")
	want := "POST\n/v2/partners/sub-customers/query/\n\nx-sdk-date:20261125T000000Z\n\nx-sdk-date\nb5c53d67e1245b97d4d565f432208d66ba0954db9080f93743021cda5f34eafa"
	if got != want {
		t.Errorf("canonical request\n got %q\nwant %q", got, want)
	}
}

func TestCanonicalEncoding(t *testing.T) {
	req, _ := http.NewRequest("GET", "https://h/v2/orders/customer-orders/details/A%20B?b=2&a=x+y&a=%E5%BC%A0&c=", nil)
	if got, want := canonicalURI(req.URL), "/v2/orders/customer-orders/details/A%20B/"; got != want {
		t.Errorf("uri = %q, want %q", got, want)
	}
	if got, want := canonicalQuery(req.URL), "a=x%20y&a=%E5%BC%A0&b=2&c="; got != want {
		t.Errorf("query = %q, want %q", got, want)
	}
}

func TestVerify(t *testing.T) {
	now := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	cred := Credentials{AccessKey: "AK", SecretKey: "SK"}
	body := []byte(`{"offset":0}`)
	mk := func() *http.Request {
		r, _ := http.NewRequest("POST", "http://127.0.0.1:1/v2/partners/sub-customers/query?x=1", bytes.NewReader(body))
		r.Header.Set("User-Agent", "partnerbot")
		r.Header.Set("X-Domain-Id", "D1")
		Sign(r, body, cred, now)
		return r
	}
	check := func(r *http.Request, b []byte, at time.Time) error {
		a, err := ParseAuthorization(r.Header.Get("Authorization"))
		if err != nil {
			return err
		}
		return Verify(r, b, a, cred.SecretKey, at, 15*time.Minute)
	}
	if err := check(mk(), body, now.Add(time.Minute)); err != nil {
		t.Fatalf("good signature rejected: %v", err)
	}
	tampered := []byte(`{"offset":1}`)
	if err := check(mk(), tampered, now); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("tampered body: err = %v", err)
	}
	r := mk()
	r.Header.Set("X-Domain-Id", "D2")
	if err := check(r, body, now); !errors.Is(err, ErrSignatureMismatch) {
		t.Errorf("tampered header: err = %v", err)
	}
	if err := check(mk(), body, now.Add(time.Hour)); !errors.Is(err, ErrSignatureStale) {
		t.Errorf("stale: err = %v", err)
	}
	if _, err := ParseAuthorization("Bearer x"); !errors.Is(err, ErrBadAuthorization) {
		t.Errorf("bad header: err = %v", err)
	}
	if s := (Credentials{AccessKey: "AK", SecretKey: "topsecret"}).String(); strings.Contains(s, "topsecret") {
		t.Errorf("credentials print their secret: %s", s)
	}
}
