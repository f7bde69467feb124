package bss

import (
	"encoding/json"
	"testing"
)

func TestLimitValue(t *testing.T) {
	tests := []struct {
		json string
		want LimitValue
		text string
	}{
		{`{"value1":"hws.service.type.ec2","value2":"弹性云服务器"}`, LimitValue{"hws.service.type.ec2", "弹性云服务器"}, "弹性云服务器 (hws.service.type.ec2)"},
		{`{"value1":"cn-north-4"}`, LimitValue{Value1: "cn-north-4"}, "cn-north-4"},
		{`{"value2":"华北-北京四"}`, LimitValue{Value2: "华北-北京四"}, "华北-北京四"},
		{`{"value1":"x","value2":"x"}`, LimitValue{"x", "x"}, "x"},
		{`"hws.service.type.ebs"`, LimitValue{Value1: "hws.service.type.ebs"}, "hws.service.type.ebs"},
	}
	for _, tc := range tests {
		var v LimitValue
		if err := json.Unmarshal([]byte(tc.json), &v); err != nil {
			t.Fatalf("%s: %v", tc.json, err)
		}
		if v != tc.want || v.String() != tc.text {
			t.Errorf("%s: got %+v %q, want %+v %q", tc.json, v, v.String(), tc.want, tc.text)
		}
	}
	var info LimitInfo
	if err := json.Unmarshal([]byte(`{"limit_key":"cloudServiceType","limit_values":[{"value1":"hws.service.type.ec2","value2":"弹性云服务器"},{"value1":"hws.service.type.ebs","value2":"云硬盘"}]}`), &info); err != nil {
		t.Fatal(err)
	}
	if got, want := info.String(), "cloudServiceType: 弹性云服务器 (hws.service.type.ec2), 云硬盘 (hws.service.type.ebs)"; got != want {
		t.Errorf("LimitInfo.String() = %q, want %q", got, want)
	}
	if err := json.Unmarshal([]byte(`[1]`), &LimitValue{}); err == nil {
		t.Error("an array decoded as a limit value")
	}
}
