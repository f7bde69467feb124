package bsstest

import (
	"net/http"
)

// ---- UpdatePeriodToOnDemand: POST /v2/orders/subscriptions/resources/to-on-demand (customer)

type toOnDemandReq struct {
	Operation   *string  `json:"operation"`
	ResourceIDs []string `json:"resource_ids"`
}

type toOnDemandResp struct {
	ErrorDetails []errorDetail `json:"error_details,omitempty"`
}

// errorDetail is the SDK's ErrorDetail: a failed item of a 200 answer.
type errorDetail struct {
	ErrorCode string `json:"error_code"`
	ErrorMsg  string `json:"error_msg"`
	ID        string `json:"id"`
}

// handleToOnDemand sets (SET_UP) or cancels (CANCEL) the conversion of main resources to
// pay-per-use at expiry (expire_policy 1), with their attached resources. A malformed body is
// refused whole (400 CBC.0100/CBC.0101); each resource that cannot be changed is named in
// error_details of a 200 answer, and the others are changed: a resource of another customer,
// an attached resource, a closed or frozen one (in its retention period), one already set to
// convert (SET_UP) or not set to (CANCEL), and one with auto-renew on (SET_UP: auto-renew must
// be cancelled first). All succeeded: the answer is {}.
func handleToOnDemand(c *reqCtx) {
	var req toOnDemandReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if req.Operation == nil {
		c.fail(errParam("operation is required"))
		return
	}
	op := *req.Operation
	if op != "SET_UP" && op != "CANCEL" {
		c.fail(errInvalid("operation must be SET_UP or CANCEL, not %q", op))
		return
	}
	if e := checkIDs("resource_ids", req.ResourceIDs, 100); e != nil {
		c.fail(e)
		return
	}
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	var resp toOnDemandResp
	for _, id := range dedupe(req.ResourceIDs) {
		r, e := c.owned(id)
		switch {
		case e != nil:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{e.code, e.msg, id})
		case !r.IsMain:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{"CBC.0101",
				"resource " + id + " is an attached resource; set its main resource " + r.ParentResourceID, id})
		case r.Status == 3 || r.Status == 4:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{"CBC.99003602",
				"resource " + id + " is closed or frozen; its expire policy cannot be changed", id})
		case op == "SET_UP" && r.ExpirePolicy == 1:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{"CBC.99003605",
				"resource " + id + " is already set to convert to pay-per-use at expiry", id})
		case op == "SET_UP" && r.ExpirePolicy == 3:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{"CBC.99003605",
				"resource " + id + " renews automatically; cancel auto-renew first", id})
		case op == "CANCEL" && r.ExpirePolicy != 1:
			resp.ErrorDetails = append(resp.ErrorDetails, errorDetail{"CBC.99003605",
				"resource " + id + " is not set to convert to pay-per-use at expiry", id})
		default:
			policy := 1
			if op == "CANCEL" {
				policy = 0
			}
			for _, g := range c.s.st.group(r) {
				g.ExpirePolicy, g.AutoRenewTimes, g.UpdateTime = policy, 0, c.now
			}
		}
	}
	c.json(http.StatusOK, resp)
}
