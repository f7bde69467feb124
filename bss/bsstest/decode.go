package bsstest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// timeLayout is the UTC time format of every BSS time field (bss-api.md §0).
const timeLayout = "2006-01-02T15:04:05Z"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

var rawMessageType = reflect.TypeFor[json.RawMessage]()

// decodeStrict decodes a JSON object body into v (a pointer to a struct) the way a strict
// Java backend would: the body must be one JSON object, every key must be a known field
// spelled exactly (case-sensitive), fields tagged `bss:"nonnull"` refuse null, and every
// value must have the right type. Errors name the offending field.
func decodeStrict(body []byte, v any) *apiError {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return errParam("the request body is empty; send a JSON object (e.g. {})")
	}
	if trimmed[0] != '{' || !json.Valid(trimmed) {
		return errParam("the request body is not a JSON object")
	}
	if e := checkKeys(trimmed, reflect.TypeOf(v).Elem(), ""); e != nil {
		return e
	}
	if err := json.Unmarshal(trimmed, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" {
				field = "request body"
			}
			return errParam("invalid value for %s: expected %s, got JSON %s", field, jsonKind(te.Type), te.Value)
		}
		return errParam("the request body cannot be decoded: %v", err)
	}
	return nil
}

func jsonKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// checkKeys walks raw along type t and reports unknown or wrongly-cased keys and nulls in
// non-nullable fields. Type mismatches are left to json.Unmarshal.
func checkKeys(raw []byte, t reflect.Type, path string) *apiError {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == rawMessageType {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		if len(raw) == 0 || raw[0] != '{' {
			return nil
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for key, val := range obj {
			f, ok := fieldByTag(t, key)
			name := key
			if path != "" {
				name = path + "." + key
			}
			if !ok {
				return errParam("unknown field %q in the request body", name)
			}
			if string(bytes.TrimSpace(val)) == "null" {
				if f.Tag.Get("bss") == "nonnull" {
					return errParam("%s must not be null", name)
				}
				continue
			}
			if e := checkKeys(bytes.TrimSpace(val), f.Type, name); e != nil {
				return e
			}
		}
	case reflect.Slice, reflect.Array:
		if len(raw) == 0 || raw[0] != '[' {
			return nil
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return nil
		}
		for i, it := range items {
			if e := checkKeys(bytes.TrimSpace(it), t.Elem(), path+"["+strconv.Itoa(i)+"]"); e != nil {
				return e
			}
		}
	}
	return nil
}

func fieldByTag(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == key && name != "-" {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// paging validates offset and limit (limit 1..maxLimit, default 10; offset 0..maxOffset).
func paging(offset, limit *int, maxLimit, maxOffset int) (int, int, *apiError) {
	off, lim := 0, 10
	if offset != nil {
		off = *offset
		if off < 0 || off > maxOffset {
			return 0, 0, errInvalid("offset must be between 0 and %d", maxOffset)
		}
	}
	if limit != nil {
		lim = *limit
		if lim < 1 || lim > maxLimit {
			return 0, 0, errInvalid("limit must be between 1 and %d", maxLimit)
		}
	}
	return off, lim, nil
}

// page returns the [off, off+lim) window of n items as slice bounds.
func page(n, off, lim int) (int, int) {
	if off >= n {
		return n, n
	}
	end := off + lim
	if end > n || end < off {
		end = n
	}
	return off, end
}

// optTime parses an optional time filter; "" is refused when emptyOK is false.
func optTime(name string, v *string, emptyOK bool) (time.Time, bool, *apiError) {
	if v == nil {
		return time.Time{}, false, nil
	}
	if *v == "" {
		if emptyOK {
			return time.Time{}, false, nil
		}
		return time.Time{}, false, errInvalid("%s must not be an empty string", name)
	}
	t, err := time.Parse(timeLayout, *v)
	if err != nil {
		return time.Time{}, false, errInvalid("%s must be a UTC time like 2026-11-25T00:00:00Z", name)
	}
	return t, true, nil
}

// maxLen checks the length of an optional string, counted in characters.
func maxLen(name string, v *string, n int) *apiError {
	if v != nil && utf8.RuneCountInString(*v) > n {
		return errInvalid("%s is longer than %d characters", name, n)
	}
	return nil
}

func str(v *string) string {
	if v == nil {
		return ""
	}
	return *v
}

// oneOf checks an optional integer against a set of allowed values.
func oneOf(name string, v *int, allowed ...int) *apiError {
	if v == nil {
		return nil
	}
	for _, a := range allowed {
		if *v == a {
			return nil
		}
	}
	return errInvalid("%s must be one of %s", name, joinInts(allowed))
}

func joinInts(v []int) string {
	parts := make([]string, len(v))
	for i, n := range v {
		parts[i] = strconv.Itoa(n)
	}
	return strings.Join(parts, ", ")
}

// query helpers for GET operations.

// queryPaging reads and checks the offset and limit query parameters of a GET listing.
func queryPaging(q url.Values) (offset, limit int, e *apiError) {
	off, e := queryInt(q, "offset")
	if e != nil {
		return 0, 0, e
	}
	lim, e := queryInt(q, "limit")
	if e != nil {
		return 0, 0, e
	}
	return paging(off, lim, 100, 1<<31-1)
}

func queryInt(q url.Values, name string) (*int, *apiError) {
	if !q.Has(name) {
		return nil, nil
	}
	n, err := strconv.Atoi(q.Get(name))
	if err != nil {
		return nil, errInvalid("%s must be an integer", name)
	}
	return &n, nil
}

func queryStr(q url.Values, name string) *string {
	if !q.Has(name) {
		return nil
	}
	v := q.Get(name)
	return &v
}

// dedupe keeps the first occurrence of each string.
func dedupe(in []string) []string {
	seen := make(map[string]bool, len(in))
	out := in[:0:0]
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// checkIDs validates a required list of ids: 1..max entries, each non-empty and ≤64 characters.
func checkIDs(name string, ids []string, max int) *apiError {
	if len(ids) == 0 {
		return errParam("%s is required and must hold 1 to %d ids", name, max)
	}
	if len(ids) > max {
		return errInvalid("%s holds %d ids; at most %d are allowed", name, len(ids), max)
	}
	for _, id := range ids {
		if id == "" || utf8.RuneCountInString(id) > 64 {
			return errInvalid("%s contains an empty or over-long id", name)
		}
	}
	return nil
}
