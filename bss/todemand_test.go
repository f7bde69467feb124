package bss_test

import (
	"context"
	"errors"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const pathToOnDemand = "/v2/orders/subscriptions/resources/to-on-demand"

// TestUpdatePeriodToOnDemand sends UpdatePeriodToOnDemand over real HTTP to the sandbox, signed
// with the customer's agency credentials: the SDK's body (operation, resource_ids), the change
// of expire policy it makes, the per-resource failures of a 200 answer and the refusals of a
// malformed body.
func TestUpdatePeriodToOnDemand(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{bss.StatusInUse}})
	if err != nil {
		t.Fatal(err)
	}
	var plain []bss.Resource
	for _, r := range mains {
		if r.ExpirePolicy != bss.ExpirePolicyOnDemand && r.ExpirePolicy != bss.ExpirePolicyAutoRenew {
			plain = append(plain, r)
		}
	}
	if len(plain) < 2 {
		t.Fatalf("need two main resources of 张三 without auto-renew, have %d", len(plain))
	}
	r := plain[0]

	t.Run("set up", func(t *testing.T) {
		res, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, []string{r.ResourceID})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "to-on-demand", lastBody(t, srv, pathToOnDemand), `{"operation":"SET_UP","resource_ids":["`+r.ResourceID+`"]}`)
		if len(res.Failed) != 0 {
			t.Errorf("failed %+v", res.Failed)
		}
		if got, _ := srv.Resource(r.ResourceID); got.ExpirePolicy != bss.ExpirePolicyOnDemand {
			t.Errorf("expire policy %d after setting", got.ExpirePolicy)
		}
	})
	t.Run("a resource already set fails alone", func(t *testing.T) {
		other := plain[1]
		res, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, []string{r.ResourceID, other.ResourceID, "no-such-resource"})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Failed) != 2 || res.Failed[0].ID != r.ResourceID || res.Failed[0].ErrorCode != "CBC.99003605" || res.Failed[1].ID != "no-such-resource" {
			t.Errorf("failed %+v", res.Failed)
		}
		if ok := res.Succeeded([]string{r.ResourceID, other.ResourceID, "no-such-resource"}); len(ok) != 1 || ok[0] != other.ResourceID {
			t.Errorf("succeeded %v", ok)
		}
		if got, _ := srv.Resource(other.ResourceID); got.ExpirePolicy != bss.ExpirePolicyOnDemand {
			t.Errorf("expire policy of the other %d", got.ExpirePolicy)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		res, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandCancel, []string{r.ResourceID})
		if err != nil || len(res.Failed) != 0 {
			t.Fatalf("%v %+v", err, res)
		}
		if got, _ := srv.Resource(r.ResourceID); got.ExpirePolicy != bss.ExpirePolicyGrace {
			t.Errorf("expire policy %d after cancelling", got.ExpirePolicy)
		}
	})
	t.Run("auto-renew must be cancelled first", func(t *testing.T) {
		if err := srv.SetAutoRenew(r.ResourceID, true); err != nil {
			t.Fatal(err)
		}
		defer srv.SetAutoRenew(r.ResourceID, false)
		res, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, []string{r.ResourceID})
		if err != nil || len(res.Failed) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
	})
	t.Run("arguments checked before sending", func(t *testing.T) {
		before := srv.CallCount("POST", pathToOnDemand)
		var ae *bss.ArgumentError
		if _, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), "NOW", []string{r.ResourceID}); !errors.As(err, &ae) || ae.Arg != "operation" {
			t.Errorf("bad operation: %v", err)
		}
		if _, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, nil); !errors.As(err, &ae) || ae.Arg != "resource_ids" {
			t.Errorf("no ids: %v", err)
		}
		if n := srv.CallCount("POST", pathToOnDemand); n != before {
			t.Errorf("%d calls sent", n-before)
		}
	})
	t.Run("an error body is a bss.Error with its code", func(t *testing.T) {
		srv.Inject("POST", pathToOnDemand, bsstest.Fault{Status: 400, ErrorCode: "CBC.0101", Times: 1})
		_, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, []string{r.ResourceID})
		var be *bss.Error
		if !errors.As(err, &be) || be.Code != "CBC.0101" || errors.Is(err, bss.ErrUnknownOutcome) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("an answer naming a resource not asked for is an unknown outcome", func(t *testing.T) {
		srv.Inject("POST", pathToOnDemand, bsstest.Fault{Body: `{"error_details":[{"error_code":"CBC.0101","error_msg":"x","id":"someone-else"}]}`, Times: 1})
		_, err := c.UpdatePeriodToOnDemand(ctx, zs.Ref(), bss.ToOnDemandSet, []string{r.ResourceID})
		if !errors.Is(err, bss.ErrUnknownOutcome) {
			t.Errorf("err = %v", err)
		}
	})
}

// TestToOnDemandBlock: the one rule /to-ondemand and the release countdown's button follow.
func TestToOnDemandBlock(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    bss.Resource
		want string
	}{
		{"in use, grace policy", bss.Resource{IsMainResource: 1, Status: bss.StatusInUse, ExpirePolicy: bss.ExpirePolicyGrace}, ""},
		{"in its grace period", bss.Resource{IsMainResource: 1, Status: bss.StatusExpired, ExpirePolicy: bss.ExpirePolicyGrace}, ""},
		{"delete at expiry", bss.Resource{IsMainResource: 1, Status: bss.StatusInUse, ExpirePolicy: bss.ExpirePolicyDelete}, ""},
		{"attached", bss.Resource{IsMainResource: 0, Status: bss.StatusInUse}, bss.ToOnDemandAttached},
		{"already set", bss.Resource{IsMainResource: 1, Status: bss.StatusInUse, ExpirePolicy: bss.ExpirePolicyOnDemand}, bss.ToOnDemandAlready},
		{"auto-renew", bss.Resource{IsMainResource: 1, Status: bss.StatusInUse, ExpirePolicy: bss.ExpirePolicyAutoRenew}, bss.ToOnDemandAutoRenew},
		{"frozen", bss.Resource{IsMainResource: 1, Status: bss.StatusFrozen}, bss.ToOnDemandStatus},
		{"closed", bss.Resource{IsMainResource: 1, Status: bss.StatusClosed}, bss.ToOnDemandStatus},
	} {
		if got := tc.r.ToOnDemandBlock(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}
