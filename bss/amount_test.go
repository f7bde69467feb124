package bss

import (
	"encoding/json"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      string
		micros  int64
		str     string
		wantErr bool
	}{
		{"1200.5", 1_200_500_000, "1200.50", false},
		{"0", 0, "0.00", false},
		{"-3", -3_000_000, "-3.00", false},
		{"0.000001", 1, "0.00", false},
		{"0.0000005", 1, "0.00", false}, // rounds half away from zero at the 7th decimal
		{"432.10", 432_100_000, "432.10", false},
		{"0.005", 5000, "0.01", false},
		{"-0.005", -5000, "-0.01", false},
		{"1e2", 100_000_000, "100.00", false},
		{"+7.25", 7_250_000, "7.25", false},
		{"", 0, "", true},
		{"abc", 0, "", true},
		{"1.2.3", 0, "", true},
		{".", 0, "", true},
		{"99999999999999999999", 0, "", true},
	}
	for _, tc := range tests {
		a, err := ParseAmount(tc.in)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseAmount(%q) err = %v", tc.in, err)
			continue
		}
		if tc.wantErr {
			continue
		}
		if a.Micros() != tc.micros || a.String() != tc.str {
			t.Errorf("ParseAmount(%q) = %d %s, want %d %s", tc.in, a.Micros(), a, tc.micros, tc.str)
		}
	}
}

func TestAmountJSON(t *testing.T) {
	var v struct {
		A Amount `json:"a"`
		B Amount `json:"b"`
		C Amount `json:"c"`
		D Amount `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"a":432.1,"b":"432.10","c":null,"d":""}`), &v); err != nil {
		t.Fatal(err)
	}
	if v.A != v.B || v.A.String() != "432.10" || !v.C.IsZero() || !v.D.IsZero() {
		t.Errorf("decoded %+v", v)
	}
	out, _ := json.Marshal(v)
	if string(out) != `{"a":432.1,"b":432.1,"c":0,"d":0}` {
		t.Errorf("encoded %s", out)
	}
	if err := json.Unmarshal([]byte(`{"a":"x"}`), &v); err == nil {
		t.Error("bad amount accepted")
	}
	if got := (Money{MustAmount("62"), "CNY"}).String(); got != "CNY 62.00" {
		t.Errorf("Money = %s", got)
	}
	if MustAmount("1.10").Add(MustAmount("2.205")).Sub(MustAmount("0.3")).Mul(2).String() != "6.01" {
		t.Error("arithmetic")
	}
}

func TestTimeAndIntJSON(t *testing.T) {
	var v struct {
		T1, T2, T3, T4 Time
		N1, N2, N3     Int
	}
	in := `{"T1":"2026-11-25T00:00:00Z","T2":"2026-11-25T08:00:00.123+08:00","T3":"","T4":null,"N1":605,"N2":"606","N3":""}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	if v.T1.Format(TimeLayout) != "2026-11-25T00:00:00Z" || v.T2.UTC().Hour() != 0 || !v.T3.IsZero() || !v.T4.IsZero() {
		t.Errorf("times %+v", v)
	}
	if v.N1 != 605 || v.N2 != 606 || v.N3 != 0 {
		t.Errorf("ints %+v", v)
	}
	if err := json.Unmarshal([]byte(`{"T1":"yesterday"}`), &v); err == nil {
		t.Error("bad time accepted")
	}
}

func TestParseAmountEdges(t *testing.T) {
	tests := []struct {
		in     string
		micros int64
		ok     bool
	}{
		{"9223372036854", 9_223_372_036_854_000_000, true},
		{"9223372036855", 0, false}, // would overflow int64 micro-units
		{"-9223372036855", 0, false},
		{"1.1234567abc", 0, false},
		{"5e-7", 1, true}, // as 0.0000005: rounds half away from zero
		{"0.0000005", 1, true},
		{"-5e-7", -1, true},
		{"1.5e3", 1_500_000_000, true},
		{"0x1Ep4", 0, false},
		{"1/3", 0, false},
		{"--1", 0, false},
		{"e", 0, false},
		{"123456789012.1234565", 123_456_789_012_123_457, true},
	}
	for _, tc := range tests {
		a, err := ParseAmount(tc.in)
		if (err == nil) != tc.ok || tc.ok && a.Micros() != tc.micros {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d ok=%v", tc.in, a.Micros(), err, tc.micros, tc.ok)
		}
	}
}
