package bss_test

import (
	"context"
	"errors"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const pathBudget = "/v2/partners/sub-customers/budget"

// TestSubCustomerBudget reads and sets a resale customer's budget on the international site over
// real HTTP: the query of the read, the SDK's body of the write (budget_amount a number, not a
// string), the budget read back, and BSS's error bodies.
func TestSubCustomerBudget(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{International: true}, func(cfg *bss.Config) { cfg.Site = bss.SiteInternational })
	zs := zhangsan(t, c)

	b, err := c.SubCustomerBudget(ctx, zs.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.BudgetAmount != nil {
		t.Errorf("a budget before any was set: %+v", b)
	}
	if call := lastCall(t, srv, pathBudget); call.Method != "GET" || call.RawQuery != "customer_id="+zs.ID {
		t.Errorf("read call %+v", call)
	}

	if err := c.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: zs.ID, Amount: bss.MustAmount("5000.5")}); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, "budget", lastBody(t, srv, pathBudget), `{"customer_id":"`+zs.ID+`","budget_amount":5000.50}`)
	if raw := string(lastCall(t, srv, pathBudget).Body); raw != `{"customer_id":"`+zs.ID+`","budget_amount":5000.50}` {
		t.Errorf("wire body %s: budget_amount must be a JSON number", raw)
	}
	b, err = c.SubCustomerBudget(ctx, zs.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.BudgetAmount == nil || b.BudgetAmount.Exact() != "5000.5" || b.UsedAmount == nil || b.MeasureID != 1 {
		t.Errorf("budget read back %+v", b)
	}

	if err := c.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: zs.ID, Amount: bss.MustAmount("0"), Unfreeze: true}); err != nil {
		t.Fatal(err)
	}
	jsonEq(t, "budget", lastBody(t, srv, pathBudget), `{"customer_id":"`+zs.ID+`","budget_amount":0.00,"cancel_partner_frozen":"1"}`)

	t.Run("error bodies", func(t *testing.T) {
		err := c.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: "not-a-customer", Amount: bss.MustAmount("1")})
		var be *bss.Error
		if !errors.As(err, &be) || be.Code != "CBC.99000035" || be.HTTPStatus != 400 {
			t.Errorf("unknown customer: %v", err)
		}
		_, err = c.SubCustomerBudget(ctx, "not-a-customer", "")
		if !errors.As(err, &be) || be.Code != "CBC.99000035" {
			t.Errorf("unknown customer read: %v", err)
		}
	})
	t.Run("arguments checked before sending", func(t *testing.T) {
		before := srv.CallCount("POST", pathBudget)
		var ae *bss.ArgumentError
		for _, a := range []string{"-1", "1.005"} {
			if err := c.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: zs.ID, Amount: bss.MustAmount(a)}); !errors.As(err, &ae) || ae.Arg != "budget_amount" {
				t.Errorf("%s: %v", a, err)
			}
		}
		if n := srv.CallCount("POST", pathBudget); n != before {
			t.Errorf("%d calls sent", n-before)
		}
	})
}

// On the China site the budget APIs do not exist: the client refuses them without calling, and
// the sandbox in China mode answers the gateway's 404.
func TestSubCustomerBudgetChinaSite(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	if c.Supports(bss.OpShowSubCustomerBudget) || c.Supports(bss.OpUpdateSubCustomerBudget) {
		t.Error("the China site claims the budget APIs")
	}
	if _, err := c.SubCustomerBudget(ctx, zs.ID, ""); !errors.Is(err, bss.ErrUnavailable) {
		t.Errorf("read: %v", err)
	}
	if err := c.UpdateSubCustomerBudget(ctx, bss.BudgetUpdate{CustomerID: zs.ID, Amount: bss.MustAmount("1")}); !errors.Is(err, bss.ErrUnavailable) {
		t.Errorf("write: %v", err)
	}
	if n := srv.CallCount("", pathBudget); n != 0 {
		t.Errorf("%d calls", n)
	}
}
