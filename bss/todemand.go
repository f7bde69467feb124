package bss

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// UpdatePeriodToOnDemand sets (or cancels) "convert to pay-per-use at expiry" on yearly/monthly
// main resources (bss-api.md §6 "Related"; SDK BssClient.UpdatePeriodToOnDemand, body
// PeriodToOnDemandReq, answer UpdatePeriodToOnDemandResponse). It is the customer's own call,
// made with the agency credentials like a renewal.
const (
	OpUpdatePeriodToOnDemand = "UpdatePeriodToOnDemand"
	pathPeriodToOnDemand     = "/v2/orders/subscriptions/resources/to-on-demand"

	// MaxToOnDemandResources bounds resource_ids (the SDK: "最多可设置100个资源ID").
	MaxToOnDemandResources = 100
)

// Operations of UpdatePeriodToOnDemand (PeriodToOnDemandReq.operation).
const (
	ToOnDemandSet    = "SET_UP"
	ToOnDemandCancel = "CANCEL"
)

type toOnDemandBody struct {
	Operation   string   `json:"operation"`
	ResourceIDs []string `json:"resource_ids"`
}

// ToOnDemandResult is what UpdatePeriodToOnDemand answers: on HTTP 200 only the resources that
// failed (error_details, each naming the resource by id); none when all succeeded.
type ToOnDemandResult struct {
	Failed []ItemError `json:"error_details"`
}

// Succeeded are the ids asked for that the answer does not name as failed.
func (r *ToOnDemandResult) Succeeded(asked []string) []string {
	var ok []string
	for _, id := range asked {
		if !slices.ContainsFunc(r.Failed, func(e ItemError) bool { return e.ID == id }) {
			ok = append(ok, id)
		}
	}
	return ok
}

// UpdatePeriodToOnDemand sets (operation ToOnDemandSet) or cancels (ToOnDemandCancel) the
// conversion to pay-per-use at expiry of 1–100 main resources of the customer (their attached
// resources go with them), POST /v2/orders/subscriptions/resources/to-on-demand. It is a
// mutation: never retried once sent. An answer that names a failed resource by an id not asked
// for, or by a blank id, or the same one twice, proves nothing about the rest: the outcome is
// unknown (ErrUnknownOutcome), to be settled from the resources' expire policy.
func (c *Client) UpdatePeriodToOnDemand(ctx context.Context, customer CustomerRef, operation string, resourceIDs []string) (*ToOnDemandResult, error) {
	ck := checker{op: OpUpdatePeriodToOnDemand}
	if operation != ToOnDemandSet && operation != ToOnDemandCancel {
		ck.fail("operation", "SET_UP or CANCEL", "只能是 SET_UP 或 CANCEL")
	}
	ck.ids("resource_ids", resourceIDs, 1, MaxToOnDemandResources)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res ToOnDemandResult
	var ans answer
	r := request{op: OpUpdatePeriodToOnDemand, method: http.MethodPost, path: pathPeriodToOnDemand,
		body: toOnDemandBody{Operation: operation, ResourceIDs: resourceIDs}, out: &res, mutation: true, answer: &ans}
	if err := c.asCustomer(ctx, customer, r); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, e := range res.Failed {
		id := strings.TrimSpace(e.ID)
		if id == "" || seen[id] || !slices.Contains(resourceIDs, id) {
			return nil, &Error{Op: r.op, Method: r.method, Path: r.path, HTTPStatus: ans.status, RequestID: ans.requestID,
				Kind: KindUnknownOutcome, Err: fmt.Errorf("error_details names %q, not one of the resources asked for once", id)}
		}
		seen[id] = true
		res.Failed[i].ID = id
	}
	return &res, nil
}

// Why a resource cannot be set to switch to pay-per-use at expiry (Resource.ToOnDemandBlock).
const (
	ToOnDemandAttached  = "attached"  // an attached resource follows its main resource
	ToOnDemandAlready   = "already"   // expire_policy is already 1
	ToOnDemandAutoRenew = "autorenew" // auto-renew must be cancelled first (one expire policy)
	ToOnDemandStatus    = "status"    // closed, or frozen in its retention period
)

// ToOnDemandBlock says why the resource cannot be set to switch to pay-per-use at expiry, or ""
// when it can: a main resource, in use or in its grace period, whose expire policy is neither
// already that nor auto-renew. The /to-ondemand command and the release-countdown alert's
// button follow this one rule.
func (r Resource) ToOnDemandBlock() string {
	switch {
	case !r.IsMain():
		return ToOnDemandAttached
	case r.ExpirePolicy == ExpirePolicyOnDemand:
		return ToOnDemandAlready
	case r.ExpirePolicy == ExpirePolicyAutoRenew:
		return ToOnDemandAutoRenew
	case r.Status == StatusClosed || r.Status == StatusFrozen:
		return ToOnDemandStatus
	}
	return ""
}
