package bss_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
)

// TestErrorBodiesOverHTTP sends error answers of the shapes BSS, the API gateway and IAM use
// through a real HTTP round trip and checks what the client makes of them.
func TestErrorBodiesOverHTTP(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		body       string
		kind       error
		code, msg  string
		authMsg    string
		details    int
		adminShows bool
	}{
		{"BSS parameter error with details", 400,
			`{"error_code":"CBC.0100","error_msg":"Parameter error.","details":[{"error_code":"CBC.0101","error_msg":"limit must be at most 100"}]}`,
			bss.ErrInvalid, "CBC.0100", "Parameter error.", "", 1, false},
		{"gateway signature failure", 401,
			`{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"882e6b14"}`,
			bss.ErrAuth, "APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail", "", 0, false},
		{"IAM keystone refusal, numeric code", 403,
			`{"error":{"code":403,"message":"You are not authorized to perform the requested action.","title":"Forbidden"}}`,
			bss.ErrForbidden, "403", "You are not authorized to perform the requested action.", "", 0, false},
		{"fine-grained policy denial", 403,
			`{"error_msg":"User: iam::0a1b:user:ops is not authorized to perform: bss:order:view","error_code":"PAP5.0001","request_id":"c0ffee","encoded_authorization_message":"EgAAAHoKeQdEZWNvZGU"}`,
			bss.ErrForbidden, "PAP5.0001", "User: iam::0a1b:user:ops is not authorized to perform: bss:order:view", "EgAAAHoKeQdEZWNvZGU", 0, true},
		{"HTML from a proxy", 502,
			"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>",
			bss.ErrServer, "", "502 Bad Gateway 502 Bad Gateway", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("X-Request-Id", "req-"+tc.code)
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(tc.body))
			}))
			defer ts.Close()
			c, err := bss.New(bss.Config{Endpoint: ts.URL, IAMEndpoint: ts.URL, Credentials: bss.Credentials{AccessKey: "AK", SecretKey: "SK"},
				DomainID: "D1", MaxRetries: -1, RatePerSecond: 1000, Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 10)
			var be *bss.Error
			if !errors.Is(err, tc.kind) || !errors.As(err, &be) {
				t.Fatalf("err = %v, want %v", err, tc.kind)
			}
			if be.HTTPStatus != tc.status || be.Code != tc.code || be.Message != tc.msg || be.AuthorizationMessage != tc.authMsg ||
				len(be.Details) != tc.details || be.RequestID != "req-"+tc.code {
				t.Errorf("error fields %+v", be)
			}
			if shown := strings.Contains(bss.ExplainFor(err, "en", true), "EgAAAHoK"); shown != tc.adminShows {
				t.Errorf("admin explanation shows the authorization message: %v", shown)
			}
		})
	}
}
