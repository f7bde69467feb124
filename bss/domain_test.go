package bss_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

const pathDomains = "/v3/auth/domains"

// TestDomainIDLookedUpOnce: without a configured account id, the client asks IAM once, even
// under concurrent first calls, and every BSS call carries the answer in X-Domain-Id.
func TestDomainIDLookedUpOnce(t *testing.T) {
	srv, c := newPair(t, bsstest.Options{}, nil)
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := srv.CallCount("GET", pathDomains); n != 1 {
		t.Errorf("account id looked up %d times, want 1", n)
	}
	for _, call := range srv.Calls() {
		if call.Path != pathDomains && call.DomainID != bsstest.SandboxDomainID {
			t.Errorf("%s carried X-Domain-Id %q", call.Path, call.DomainID)
		}
		if call.Path == pathDomains && call.DomainID != "" {
			t.Errorf("the look-up itself carried X-Domain-Id %q", call.DomainID)
		}
	}
	id, err := c.ResolveDomainID(context.Background())
	if err != nil || id != bsstest.SandboxDomainID {
		t.Errorf("ResolveDomainID = %q, %v", id, err)
	}
	if n := srv.CallCount("GET", pathDomains); n != 1 {
		t.Errorf("ResolveDomainID looked it up again (%d calls)", n)
	}
}

// TestResolveDomainIDAtStart is the start-up step: one IAM call, none afterwards.
func TestResolveDomainIDAtStart(t *testing.T) {
	srv, c := newPair(t, bsstest.Options{DomainID: "P1", DomainName: "partner-one"}, nil)
	id, err := c.ResolveDomainID(context.Background())
	if err != nil || id != "P1" {
		t.Fatalf("ResolveDomainID = %q, %v", id, err)
	}
	if _, err := c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 1); err != nil {
		t.Fatal(err)
	}
	if n := srv.CallCount("GET", pathDomains); n != 1 {
		t.Errorf("%d look-ups, want 1", n)
	}
	_, c2 := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.DomainID = "CONFIGURED" })
	if id, err := c2.ResolveDomainID(context.Background()); err != nil || id != "CONFIGURED" {
		t.Errorf("configured id: %q, %v", id, err)
	}
}

// TestDomainIDOfCustomerCalls: calls signed with a customer's agency credentials carry that
// customer's account id; when only the account name is known, IAM is asked with those
// credentials, once.
func TestDomainIDOfCustomerCalls(t *testing.T) {
	ctx := context.Background()
	const ratePath = "/v2/bills/ratings/period-resources/renew-rate"
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2}})
	if err != nil || len(mains) == 0 {
		t.Fatal(err)
	}
	req := bss.RenewPriceRequest{ResourceIDs: []string{mains[0].ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}}
	for _, tc := range []struct {
		name    string
		ref     bss.CustomerRef
		lookups int // IAM look-ups signed with the customer's credentials
	}{
		{"known by id", zs.Ref(), 0},
		{"known by account name only", bss.CustomerRef{AccountName: zs.AccountName, XAccountType: zs.XAccountType}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetCalls()
			for i := 0; i < 2; i++ {
				if _, err := c.RenewPrice(ctx, tc.ref, req); err != nil {
					t.Fatal(err)
				}
			}
			call := lastCall(t, srv, ratePath)
			if call.DomainID != zs.ID || call.AccessKey == bsstest.SandboxCredentials.AccessKey {
				t.Errorf("renew-rate signed by %s with X-Domain-Id %q, want the customer's %q", call.AccessKey, call.DomainID, zs.ID)
			}
			if iam := lastCall(t, srv, "/v3.0/OS-CREDENTIAL/securitytokens"); iam.DomainID != bsstest.SandboxDomainID {
				t.Errorf("the agency call carried X-Domain-Id %q, want the partner's", iam.DomainID)
			}
			n := 0
			for _, call := range srv.Calls() {
				if call.Path == pathDomains && call.AccessKey != bsstest.SandboxCredentials.AccessKey {
					n++
				}
			}
			if n != tc.lookups {
				t.Errorf("%d look-ups with the customer's credentials, want %d", n, tc.lookups)
			}
		})
	}
}

// TestDomainIDRefused: when IAM will not tell the account id, the error says why in words,
// no BSS call is made, and a later call tries again.
func TestDomainIDRefused(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		fault    bsstest.Fault
		want     error
		errText  string
		zh, en   string
		statusIs int
	}{
		{"401: the key is refused", bsstest.Fault{Status: 401}, bss.ErrAuth, "AK/SK is wrong or disabled",
			"华为云拒绝了凭证（向 IAM 查询合作伙伴账号 ID 时）", "while looking up the partner's account id", 401},
		{"403: the key may not read its account", bsstest.Fault{Status: 403}, bss.ErrForbidden, "set bss.domain_id",
			"bss.domain_id", "Set bss.domain_id", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, nil)
			srv.Inject("GET", pathDomains, tc.fault)
			_, err := c.ResolveDomainID(ctx)
			var be *bss.Error
			if !errors.Is(err, tc.want) || !errors.As(err, &be) || be.HTTPStatus != tc.statusIs || be.Code != "" && be.Code != "401" && be.Code != "403" {
				t.Fatalf("err = %v (%+v), want %v", err, be, tc.want)
			}
			if !strings.Contains(err.Error(), tc.errText) {
				t.Errorf("error %q lacks %q", err, tc.errText)
			}
			if zh := bss.Explain(err, "zh"); !strings.Contains(zh, tc.zh) {
				t.Errorf("zh: %q", zh)
			}
			if en := bss.Explain(err, "en"); !strings.Contains(en, tc.en) {
				t.Errorf("en: %q", en)
			}
			if _, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 1); !errors.Is(err, tc.want) {
				t.Errorf("a BSS call without an account id: err = %v", err)
			}
			if n := srv.CallCount("POST", "/v2/partners/sub-customers/query"); n != 0 {
				t.Errorf("%d BSS calls were made without an account id", n)
			}
			srv.ClearFaults()
			if _, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 1); err != nil {
				t.Errorf("the look-up was not tried again: %v", err)
			}
		})
	}
	t.Run("no account in the answer", func(t *testing.T) {
		iam := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"domains":[],"links":{"self":"https://iam.myhuaweicloud.com/v3/auth/domains"}}`))
		}))
		defer iam.Close()
		_, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.IAMEndpoint = iam.URL })
		_, err := c.ResolveDomainID(ctx)
		if !errors.Is(err, bss.ErrBadResponse) || !strings.Contains(err.Error(), "bss.domain_id") {
			t.Errorf("err = %v", err)
		}
	})
}
