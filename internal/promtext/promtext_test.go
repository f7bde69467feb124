package promtext

import "testing"

func TestValue(t *testing.T) {
	text := `# HELP x_total things
# TYPE x_total counter
x_total{a="1",b="q\"uote"} 2
x_total{a="1",b="other"} 3
x_total{a="2",b="other"} 5
y 1.5
`
	tests := []struct {
		name   string
		labels []string
		want   float64
		found  bool
	}{
		{"x_total", []string{"a", "1", "b", `q"uote`}, 2, true},
		{"x_total", []string{"a", "1"}, 5, true},
		{"x_total", nil, 10, true},
		{"x_total", []string{"a", "3"}, 0, false},
		{"y", nil, 1.5, true},
		{"z", nil, 0, false},
	}
	for _, tc := range tests {
		got, found := Value(text, tc.name, tc.labels...)
		if got != tc.want || found != tc.found {
			t.Errorf("Value(%s, %q) = %v, %v; want %v, %v", tc.name, tc.labels, got, found, tc.want, tc.found)
		}
	}
}
