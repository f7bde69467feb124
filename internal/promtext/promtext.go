// Package promtext reads samples out of the Prometheus text exposition format, for tests that
// scrape /metrics over HTTP and check values.
package promtext

import (
	"strconv"
	"strings"
)

// Value is the value of the sample of metric name whose labels include every pair of labels
// ("key", "value", ...), and whether there is one. With several such samples it is their sum,
// so that a label left out adds up over it.
func Value(text, name string, labels ...string) (float64, bool) {
	var sum float64
	found := false
	for _, line := range strings.Split(text, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		if sp < 0 {
			continue
		}
		series, raw := line[:sp], line[sp+1:]
		metric, have := parseSeries(series)
		if metric != name || !matches(have, labels) {
			continue
		}
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			continue
		}
		sum += v
		found = true
	}
	return sum, found
}

// parseSeries splits `name{k="v",...}` into the name and its labels.
func parseSeries(s string) (string, map[string]string) {
	name, rest, ok := strings.Cut(s, "{")
	labels := map[string]string{}
	if !ok {
		return s, labels
	}
	rest = strings.TrimSuffix(rest, "}")
	for rest != "" {
		k, after, ok := strings.Cut(rest, `="`)
		if !ok {
			break
		}
		var v strings.Builder
		i := 0
		for ; i < len(after); i++ {
			if after[i] == '\\' && i+1 < len(after) {
				i++
				v.WriteByte(after[i])
				continue
			}
			if after[i] == '"' {
				break
			}
			v.WriteByte(after[i])
		}
		labels[strings.TrimPrefix(k, ",")] = v.String()
		rest = strings.TrimPrefix(after[min(i+1, len(after)):], ",")
	}
	return name, labels
}

func matches(have map[string]string, want []string) bool {
	for i := 0; i+1 < len(want); i += 2 {
		if have[want[i]] != want[i+1] {
			return false
		}
	}
	return true
}
