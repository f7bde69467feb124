package bsstest

import (
	"net/http"
	"testing"
)

// TestToOnDemandRefusesMalformedBodies: the sandbox answers a body BSS would refuse with BSS's
// 400 error body, changes nothing, and refuses the partner's own credentials (the call is the
// customer's).
func TestToOnDemandRefusesMalformedBodies(t *testing.T) {
	s := newFake(t, Options{})
	c := customer(t, s, "zhangsan")
	const path = "/v2/orders/subscriptions/resources/to-on-demand"
	for _, tc := range []struct{ name, body, code string }{
		{"no operation", `{"resource_ids":["a"]}`, "CBC.0100"},
		{"unknown operation", `{"operation":"NOW","resource_ids":["a"]}`, "CBC.0101"},
		{"no ids", `{"operation":"SET_UP","resource_ids":[]}`, "CBC.0100"},
		{"more than 100 ids", `{"operation":"SET_UP","resource_ids":[` + manyIDs(101) + `]}`, "CBC.0101"},
		{"ids as numbers", `{"operation":"SET_UP","resource_ids":[1]}`, ""},
		{"unknown field", `{"operation":"SET_UP","resource_ids":["a"],"is_instant":1}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c.post(path, tc.body).want(t, http.StatusBadRequest, tc.code)
		})
	}
	t.Run("partner credentials", func(t *testing.T) {
		r := partner(t, s).post(path, `{"operation":"SET_UP","resource_ids":["a"]}`)
		if r.status == http.StatusOK {
			t.Fatalf("the partner's own call was served: %s", r.body)
		}
	})
	t.Run("a resource of another customer fails by id", func(t *testing.T) {
		var out toOnDemandResp
		c.post(path, `{"operation":"SET_UP","resource_ids":["not-hers"]}`).want(t, http.StatusOK, "").into(t, &out)
		if len(out.ErrorDetails) != 1 || out.ErrorDetails[0].ID != "not-hers" || out.ErrorDetails[0].ErrorCode != "CBC.99000000" {
			t.Errorf("answer %+v", out)
		}
	})
}

func manyIDs(n int) string {
	s := ""
	for i := range n {
		if i > 0 {
			s += ","
		}
		s += `"id` + string(rune('a'+i%26)) + `"`
	}
	return s
}
