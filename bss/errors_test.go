package bss

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		status int
		code   string
		path   string
		want   Kind
	}{
		{401, "", "/v1.0/P123/partner/customer-mgr/query", KindNotPartner},
		{401, "", "/v2/partners/sub-customers/query", KindAuth},
		{401, "APIG.0301", "/v2/partners/sub-customers/query", KindAuth},
		{401, "APIGW.0301", "/v2/partners/sub-customers/query", KindAuth},
		{400, "APIGW.0308", "/v2/x", KindThrottled},
		{403, "CBC.0154", "/v2/x", KindAuth},
		{403, "CBC.0151", "/v2/x", KindForbidden},
		{403, "", "/v2/x", KindForbidden},
		{400, "CBC.0100", "/v2/x", KindInvalid},
		{404, "CBC.0101", "/v2/x", KindNotFound},
		{400, "CBC.99000037", "/v2/x", KindNotSubCustomer},
		{400, "CBC.99007197", "/v2/x", KindThrottled},
		{429, "APIG.0308", "/v2/x", KindThrottled},
		{429, "", "/v2/x", KindThrottled},
		{400, "CBC.99003651", "/v2/x", KindInvalid},
		{500, "CBC.0999", "/v2/x", KindServer},
		{200, "CBC.0999", "/v2/x", KindServer},
		{200, "CBC.0151", "/v2/x", KindForbidden},
		{502, "", "/v2/x", KindServer},
		{418, "", "/v2/x", KindOther},
	}
	for _, tc := range tests {
		if got := classify(tc.status, tc.code, tc.path); got != tc.want {
			t.Errorf("classify(%d, %q, %q) = %v, want %v", tc.status, tc.code, tc.path, got, tc.want)
		}
	}
}

func TestExplainEveryKind(t *testing.T) {
	for k := range kindNames {
		e := &Error{Kind: k, Code: "CBC.0000", RequestID: "req-1"}
		zh, en := Explain(e, "zh"), Explain(e, "en")
		if zh == "" || en == "" || zh == en || !strings.Contains(en, "req-1") {
			t.Errorf("kind %v: zh %q en %q", k, zh, en)
		}
		if !errors.Is(fmt.Errorf("wrapped: %w", e), kindError(k)) {
			t.Errorf("kind %v does not match its sentinel through wrapping", k)
		}
	}
	if got := Explain(errors.New("boom"), "en"); !strings.Contains(got, "boom") {
		t.Errorf("plain error: %q", got)
	}
	if got := (&Error{Kind: KindUnknownOutcome, Op: "RenewalResources"}).Error(); !strings.Contains(got, "check the resource before retrying") {
		t.Errorf("unknown outcome message: %q", got)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 25, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		v    string
		want time.Duration
		ok   bool
	}{
		{"3600", time.Hour, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, false},
		{"-3", 0, false},
		{"Wed, 25 Nov 2026 08:02:00 GMT", 2 * time.Minute, true},
		{"Wednesday, 25-Nov-26 09:00:00 GMT", time.Hour, true},
		{"Wed, 25 Nov 2026 07:00:00 GMT", 0, false}, // in the past
		{"soon", 0, false},
		{"", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseRetryAfter(tc.v, now)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tc.v, got, ok, tc.want, tc.ok)
		}
	}
}

func TestWaitText(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		en, zh string
	}{
		{30 * time.Second, "30 s", "30秒"},
		{90 * time.Second, "2 min", "2分钟"},
		{time.Hour, "1 h", "1小时"},
		{95 * time.Minute, "1 h 35 min", "1小时35分钟"},
	} {
		if en, zh := waitText(tc.d, "en"), waitText(tc.d, "zh"); en != tc.en || zh != tc.zh {
			t.Errorf("%v: %q %q", tc.d, en, zh)
		}
	}
}
