package bss_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestNameSearch: bss-api.md Corrections, "ListSubCustomers customer" — the customer filter
// takes no spaces (SDK model_query_sub_customer_list_req.go: 不支持携带空格查询), so a name with
// spaces is searched by its longest part without them and matched whole on our side.
func TestNameSearch(t *testing.T) {
	for _, tc := range []struct{ name, term string }{
		{"Lumen Data GmbH", "Lumen"},
		{"ACME Ltd", "ACME"},
		{"  Los Pollos Hermanos ", "Hermanos"},
		{"北京\u3000星河科技有限公司", "星河科技有限公司"},
		{"A\tBC", "BC"},
		{"张三", "张三"},
		{"ab cd", "ab"}, // the first of equally long parts
		{"   ", ""},
	} {
		if got := bss.NameSearchTerm(tc.name); got != tc.term {
			t.Errorf("NameSearchTerm(%q) = %q, want %q", tc.name, got, tc.term)
		}
	}
	for _, tc := range []struct {
		name, query string
		want        bool
	}{
		{"Lumen Data GmbH", "Lumen Data GmbH", true},
		{"Lumen Data GmbH", "lumen data gmbh", true},
		{"Lumen  Data GmbH", "Lumen Data", true},
		{"Lumen Data GmbH", "Data  GmbH", true},
		{"Lumen Data GmbH Berlin", "Lumen Data GmbH", true},
		{"Data GmbH Lumen", "Lumen Data", false},
		{"Lumen Analytics", "Lumen Data", false},
		{"Lumen Data GmbH", "", false},
	} {
		if got := bss.NameContains(tc.name, tc.query); got != tc.want {
			t.Errorf("NameContains(%q, %q) = %v", tc.name, tc.query, got)
		}
	}
}

// TestCustomerFilterRefusesSpaces: a filter BSS would refuse for its spaces is refused before
// any call, naming the field (bss-api.md Corrections, "ListSubCustomers customer").
func TestCustomerFilterRefusesSpaces(t *testing.T) {
	clock := func() time.Time { return time.Date(2026, 11, 25, 1, 0, 0, 0, time.UTC) }
	srv, c := newPair(t, bsstest.Options{Now: clock}, func(cfg *bss.Config) { cfg.Now = clock })
	for _, tc := range []struct {
		f   bss.CustomerFilter
		arg string
	}{
		{bss.CustomerFilter{Name: "Lumen Data GmbH"}, "customer"},
		{bss.CustomerFilter{Name: "北京\u3000星河"}, "customer"},
		{bss.CustomerFilter{AccountName: "zhang san"}, "account_name"},
		{bss.CustomerFilter{Label: "big fish"}, "label"},
	} {
		_, err := c.ListCustomers(context.Background(), tc.f, 0, 10)
		var ae *bss.ArgumentError
		if !errors.As(err, &ae) || ae.Arg != tc.arg || !errors.Is(err, bss.ErrInvalid) {
			t.Errorf("%+v: err = %v", tc.f, err)
		}
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls made with spaces in a filter", n)
	}
	if p, err := c.ListCustomers(context.Background(), bss.CustomerFilter{Name: bss.NameSearchTerm("Los Pollos Hermanos")}, 0, 10); err != nil || p.Count != 1 {
		t.Errorf("searching by a part: %+v, %v", p, err)
	}
}
