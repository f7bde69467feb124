package chat

import (
	"reflect"
	"testing"
)

func TestNoticeRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		r    Reply
	}{
		{"empty", Reply{}},
		{"text", Reply{Title: "到期提醒", Text: "line 1\n\nline 2 <b>&</b>"}},
		{"full", Reply{
			Title:    "t",
			Fields:   []Field{{Label: "余额", Value: "¥1,000.00"}},
			Table:    &Table{Columns: []string{"a", "b"}, Rows: [][]string{{"1", "2"}}, Head: []int{1}},
			Sections: []Section{{Title: "s", Fields: []Field{{Label: "l", Value: "v"}}, Lines: []string{"x"}}},
			Buttons:  []Button{{Label: "批准", Command: "/approve 12", Style: StylePrimary, Decides: true}},
			Footer:   "第 1/2 页", Error: true, Ephemeral: true,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeNotice(EncodeNotice(tt.r))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.r) {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.r)
			}
		})
	}
}

// The field names are the store's format: notices written by an older version still read.
func TestDecodeNoticeStoredFormat(t *testing.T) {
	got, err := DecodeNotice([]byte(`{"title":"T","text":"x","buttons":[{"label":"L","command":"/renew r1"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Reply{Title: "T", Text: "x", Buttons: []Button{{Label: "L", Command: "/renew r1"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if string(EncodeNotice(want)) != `{"title":"T","text":"x","buttons":[{"label":"L","command":"/renew r1"}]}` {
		t.Errorf("encoding changed: %s", EncodeNotice(want))
	}
}

func TestDecodeNoticeUnreadable(t *testing.T) {
	got, err := DecodeNotice([]byte("plain words"))
	if err == nil {
		t.Fatal("no error for a body that is not JSON")
	}
	if got.Text != "plain words" {
		t.Errorf("fallback = %+v, want the body as text", got)
	}
}
