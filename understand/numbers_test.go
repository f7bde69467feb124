package understand

import "testing"

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"12", 12, true}, {"1,000", 1000, true}, {"十", 10, true}, {"十二", 12, true}, {"二十", 20, true},
		{"二十五", 25, true}, {"一百", 100, true}, {"一百五", 150, true}, {"一千二", 1200, true},
		{"一千零五", 1005, true}, {"三百零五", 305, true}, {"两万", 20000, true}, {"三万五", 35000, true},
		{"一万二千", 12000, true}, {"两", 2, true}, {"一", 1, true}, {"零", 0, true},
		{"一二", 0, false}, {"abc", 0, false}, {"", 0, false}, {"99999999999", 0, false},
	}
	for _, tc := range tests {
		got, ok := parseNumber(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("parseNumber(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}
