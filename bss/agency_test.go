package bss_test

import (
	"context"
	"errors"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestCheckAgency: CheckAgency asks IAM for the customer's temporary credentials afresh each
// time and calls no BSS API with them; a customer without the agency is ErrNoAgency.
func TestCheckAgency(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	before := len(srv.Calls())
	for range 2 {
		if err := c.CheckAgency(ctx, zs.Ref()); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.CallCount("POST", "/v3.0/OS-CREDENTIAL/securitytokens"); n != 2 {
		t.Errorf("%d IAM calls, want 2 (fresh credentials each time)", n)
	}
	if n := len(srv.Calls()) - before; n != 2 {
		t.Errorf("%d calls in all, want only the 2 IAM calls", n)
	}
	_, c2 := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.AgencyName = "no_such_agency" })
	if err := c2.CheckAgency(ctx, zs.Ref()); !errors.Is(err, bss.ErrNoAgency) {
		t.Errorf("without the agency: %v, want ErrNoAgency", err)
	}
}
