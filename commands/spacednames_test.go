package commands_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestCustomerNamesWithSpaces: bss-api.md Corrections, "ListSubCustomers customer" — the real-name
// filter takes no spaces (SDK model_query_sub_customer_list_req.go: 不支持携带空格查询), and the
// sandbox refuses them as BSS does. A name with spaces is searched by its longest part without
// spaces and matched whole on our side.
func TestCustomerNamesWithSpaces(t *testing.T) {
	e := newEnv(t, nil)
	lumen := e.Srv.AddCustomer(bsstest.Customer{Name: "Lumen Data GmbH", AccountName: "lumen-data", AssociationType: "2"})
	e.Srv.AddCustomer(bsstest.Customer{Name: "Lumen Data GmbH Berlin", AccountName: "lumen-berlin", AssociationType: "2"})
	e.Srv.AddCustomer(bsstest.Customer{Name: "Lumen Analytics AG", AccountName: "lumen-ai", AssociationType: "2"})
	e.Srv.AddCustomer(bsstest.Customer{Name: "Data GmbH Lumen", AccountName: "dgl", AssociationType: "2"})
	e.Srv.ResetCalls()

	for _, tc := range []struct {
		cmd       string
		want, not []string
	}{
		// One customer contains it whole: that one (the others share words only).
		{"/customer Lumen Data GmbH Berlin", []string{"lumen-berlin"}, []string{"lumen-ai", "dgl", lumen.ID}},
		// Two contain it: both listed, no others.
		{"/customer Lumen Data GmbH", []string{lumen.ID, "lumen-berlin", "2"}, []string{"lumen-ai", "dgl"}},
		{"/customer lumen   data", []string{lumen.ID, "lumen-berlin"}, []string{"lumen-ai", "dgl"}},
		// A demo customer with spaces in its name.
		{"/customer Los Pollos Hermanos", []string{"lospollos"}, nil},
		{"/customer Pollos Hermanos", []string{"lospollos"}, nil},
	} {
		rep, text, _ := e.say(t, "console:admin", tc.cmd)
		if rep.Error {
			t.Errorf("%s: refused:\n%s", tc.cmd, text)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the answer lacks %q:\n%s", tc.cmd, w, text)
			}
		}
		for _, w := range tc.not {
			if strings.Contains(text, w) {
				t.Errorf("%s: the answer names %q:\n%s", tc.cmd, w, text)
			}
		}
	}
	if rep, text, _ := e.say(t, "console:admin", "/customer Lumen Data AG"); !rep.Error || !strings.Contains(text, "没有找到") {
		t.Errorf("a name no customer has whole:\n%s", text)
	}

	// No search sent BSS a space, and none was refused.
	searches := 0
	for _, c := range e.Srv.Calls() {
		if c.Path != "/v2/partners/sub-customers/query" {
			continue
		}
		searches++
		var body map[string]any
		if err := json.Unmarshal(c.Body, &body); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"customer", "account_name", "label"} {
			if v, _ := body[k].(string); strings.ContainsFunc(v, unicode.IsSpace) {
				t.Errorf("%s %q sent to BSS", k, v)
			}
		}
		if c.Status != 200 {
			t.Errorf("a customer search answered %d %s: %s", c.Status, c.ErrorCode, c.Body)
		}
	}
	if searches == 0 {
		t.Error("no customer search reached the sandbox")
	}
}
