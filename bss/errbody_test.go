package bss

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestParseErrorBody reads error answers in the shapes Huawei Cloud services send, as the SDK's
// core/sdkerr reads them.
func TestParseErrorBody(t *testing.T) {
	long := strings.Repeat("x\x00y\t", 400)
	tests := []struct {
		name string
		body string
		want errorBody
	}{
		{"BSS", `{"error_code":"CBC.0101","error_msg":"Invalid parameter."}`,
			errorBody{code: "CBC.0101", msg: "Invalid parameter."}},
		{"API gateway", `{"error_msg":"Incorrect IAM authentication information: verify aksk signature fail","error_code":"APIGW.0301","request_id":"882e6b1449702d09629402496089a284"}`,
			errorBody{code: "APIGW.0301", msg: "Incorrect IAM authentication information: verify aksk signature fail"}},
		{"IAM keystone, numeric code", `{"error":{"code":403,"message":"You are not authorized to perform the requested action: identity:list_domains.","title":"Forbidden"}}`,
			errorBody{code: "403", msg: "You are not authorized to perform the requested action: identity:list_domains."}},
		{"IAM, string code", `{"error":{"code":"IAM.0001","message":"The agency does not exist.","title":"Forbidden"}}`,
			errorBody{code: "IAM.0001", msg: "The agency does not exist."}},
		{"IAM5 denial with encoded authorization message", `{"error_msg":"User: iam::0a1b:user:ops is not authorized to perform: bss:renewal:update","error_code":"PAP5.0001","request_id":"c0ffee","encoded_authorization_message":"EgAAAHoKeQdEZWNvZGU"}`,
			errorBody{code: "PAP5.0001", msg: "User: iam::0a1b:user:ops is not authorized to perform: bss:renewal:update", authMsg: "EgAAAHoKeQdEZWNvZGU"}},
		{"code and message", `{"code":"CBC.0999","message":"System error."}`,
			errorBody{code: "CBC.0999", msg: "System error."}},
		{"error_code wins over code", `{"code":"X.1","message":"m1","error_code":"CBC.0100","error_msg":"m2"}`,
			errorBody{code: "CBC.0100", msg: "m2"}},
		{"details", `{"error_code":"CBC.0100","error_msg":"Parameter error.","details":[{"error_code":"CBC.0101","error_msg":"limit must be at most 100"},{"code":"X","message":"second"},"third"]}`,
			errorBody{code: "CBC.0100", msg: "Parameter error.", details: []ErrorDetail{{"CBC.0101", "limit must be at most 100"}, {"X", "second"}, {"", "third"}}}},
		{"numeric error_code", `{"error_code":401,"error_msg":"Unauthorized"}`,
			errorBody{code: "401", msg: "Unauthorized"}},
		{"first nested object with a pair", `{"request_id":"r1","result":{"info":"none"},"fault":{"error_code":"CBC.99000035","error_msg":"not a sub-customer"}}`,
			errorBody{code: "CBC.99000035", msg: "not a sub-customer"}},
		{"nested keeps outer authorization message", `{"encoded_authorization_message":"ENC","error":{"code":"IAM.0002","message":"denied"}}`,
			errorBody{code: "IAM.0002", msg: "denied", authMsg: "ENC"}},
		{"lone code: the body is the message", `{"error_code":"CBC.0100"}`,
			errorBody{code: "CBC.0100", msg: `{"error_code":"CBC.0100"}`}},
		{"mismatched pair", `{"error_code":"CBC.0100","message":"bad limit"}`,
			errorBody{code: "CBC.0100", msg: "bad limit"}},
		{"object without error", `{"foo":1}`, errorBody{msg: `{"foo":1}`}},
		{"HTML from a proxy", "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>",
			errorBody{msg: "502 Bad Gateway 502 Bad Gateway nginx"}},
		{"plain text", "upstream connect error\n or disconnect/reset before headers", errorBody{msg: "upstream connect error or disconnect/reset before headers"}},
		{"JSON that is not an object", `["CBC.0100"]`, errorBody{msg: `["CBC.0100"]`}},
		{"truncated JSON", `{"error_code":"CBC.01`, errorBody{msg: `{"error_code":"CBC.01`}},
		{"empty", "", errorBody{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseErrorBody([]byte(tc.body)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	t.Run("long garbage is bounded and printable", func(t *testing.T) {
		got := parseErrorBody([]byte(long + "\xff\xfe")).msg
		if len(got) > maxRawMessage+len("…") || !utf8.ValidString(got) || strings.ContainsAny(got, "\x00\t\n") {
			t.Errorf("message %d bytes: %q", len(got), got)
		}
	})
	t.Run("long message is bounded", func(t *testing.T) {
		got := parseErrorBody([]byte(`{"error_code":"CBC.0100","error_msg":"` + strings.Repeat("参数", 2000) + `"}`)).msg
		if len(got) > maxMessage+len("…") || !utf8.ValidString(got) {
			t.Errorf("message of %d bytes", len(got))
		}
	})
}

func TestExplainForAdmin(t *testing.T) {
	e := &Error{Kind: KindForbidden, Code: "PAP5.0001", Message: "not authorized", AuthorizationMessage: "EgAAAHoK", RequestID: "r1"}
	for _, lang := range []string{"zh", "en"} {
		if got := Explain(e, lang); strings.Contains(got, "EgAAAHoK") {
			t.Errorf("%s: the authorization message shows outside the admin view: %q", lang, got)
		}
		if got := ExplainFor(e, lang, true); !strings.Contains(got, "EgAAAHoK") || !strings.Contains(got, "r1") {
			t.Errorf("%s: admin view %q", lang, got)
		}
	}
	if got := (&Error{Op: "X", Code: "CBC.0100", Message: "m", Details: []ErrorDetail{{"CBC.0101", "limit"}}}).Error(); !strings.Contains(got, `CBC.0101 "limit"`) {
		t.Errorf("Error() leaves out the details: %q", got)
	}
}
