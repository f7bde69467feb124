package bss

import (
	"errors"
	"fmt"
	"strings"
	"testing"
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
