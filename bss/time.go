package bss

import (
	"bytes"
	"fmt"
	"strconv"
	"time"
)

// TimeLayout is the UTC format BSS uses in filters and answers (bss-api.md §0).
const TimeLayout = "2006-01-02T15:04:05Z"

// Time is a BSS timestamp. It decodes the documented layout and the variants seen in answers
// (fractional seconds, an offset), and an empty string or null as the zero time.
type Time struct{ time.Time }

var timeLayouts = []string{TimeLayout, time.RFC3339Nano, "2006-01-02T15:04:05.000Z", "2006-01-02 15:04:05"}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*t = Time{}
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if err != nil {
		return fmt.Errorf("time: %s is not a string", b)
	}
	if s == "" {
		*t = Time{}
		return nil
	}
	for _, l := range timeLayouts {
		if v, err := time.Parse(l, s); err == nil {
			*t = Time{v.UTC()}
			return nil
		}
	}
	return fmt.Errorf("time: cannot parse %q", s)
}

// MarshalJSON writes the documented UTC layout, or "" for the zero time.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return []byte(`"` + t.UTC().Format(TimeLayout) + `"`), nil
}

// formatTime renders a filter value; the zero time means "no filter" and yields "".
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// Int is an integer that BSS sometimes sends as a JSON string ("605") and sometimes as a number.
type Int int

// UnmarshalJSON accepts 605, "605", "" and null.
func (n *Int) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*n = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		var err error
		if s, err = strconv.Unquote(s); err != nil {
			return fmt.Errorf("int: %w", err)
		}
		if s == "" {
			*n = 0
			return nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return fmt.Errorf("int: cannot parse %q", s)
	}
	*n = Int(v)
	return nil
}
