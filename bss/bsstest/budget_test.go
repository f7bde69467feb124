package bsstest

import (
	"net/http"
	"testing"
)

// TestBudgetWireFormat: the international sandbox refuses a budget body the SDK would never
// send (budget_amount as a string, a third decimal, cancel_partner_frozen other than "0"/"1")
// with BSS's 400 error body, and the China sandbox has no budget API at all.
func TestBudgetWireFormat(t *testing.T) {
	s := newFake(t, Options{International: true})
	p := partner(t, s)
	zs := findCustomer(t, s, "zhangsan")
	const path = "/v2/partners/sub-customers/budget"
	for _, tc := range []struct{ name, body, code string }{
		{"amount as a string", `{"customer_id":"` + zs.ID + `","budget_amount":"100.00"}`, "CBC.0100"},
		{"no amount", `{"customer_id":"` + zs.ID + `"}`, "CBC.0100"},
		{"three decimals", `{"customer_id":"` + zs.ID + `","budget_amount":1.005}`, "CBC.0101"},
		{"negative", `{"customer_id":"` + zs.ID + `","budget_amount":-1}`, "CBC.0101"},
		{"bad unfreeze flag", `{"customer_id":"` + zs.ID + `","budget_amount":1,"cancel_partner_frozen":1}`, ""},
		{"unknown field", `{"customer_id":"` + zs.ID + `","budget_amount":1,"budget":1}`, ""},
		{"not a customer", `{"customer_id":"nobody","budget_amount":1}`, "CBC.99000035"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.post(path, tc.body).want(t, http.StatusBadRequest, tc.code)
		})
	}
	if got, _ := s.Customer(zs.ID); got.Budget != nil {
		t.Errorf("a refused body set a budget: %v", *got.Budget)
	}
	p.post(path, `{"customer_id":"`+zs.ID+`","budget_amount":12.5,"cancel_partner_frozen":"0"}`).want(t, http.StatusOK, "")
	var out budgetResp
	p.get(path+"?customer_id="+zs.ID).want(t, http.StatusOK, "").into(t, &out)
	if out.BudgetAmount == nil || string(*out.BudgetAmount) != "12.50" {
		t.Errorf("read back %+v", out)
	}

	china := newFake(t, Options{})
	partner(t, china).get(path+"?customer_id="+zs.ID).want(t, http.StatusNotFound, "APIG.0101")
}
