package bss_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestSuccessWithoutEvidence is issue #10: a 2xx answer is success only when it shows it.
func TestSuccessWithoutEvidence(t *testing.T) {
	ctx := context.Background()
	const (
		custPath  = "/v2/partners/sub-customers/query"
		renewPath = "/v2/orders/subscriptions/resources/renew"
		unsubPath = "/v2/orders/subscriptions/resources/unsubscribe"
		autoPath  = "/v2/orders/subscriptions/resources/autorenew/"
	)
	tests := []struct {
		name     string
		path     string // fault path
		fault    bsstest.Fault
		call     func(c *bss.Client, zs bss.Customer, resourceID string) error
		wantKind error
		wantCode string
	}{
		{"read answered 200 with an error is that error, not an empty page", custPath,
			bsstest.Fault{OKWithError: true, ErrorCode: "CBC.0151"},
			func(c *bss.Client, _ bss.Customer, _ string) error {
				page, err := c.ListCustomers(ctx, bss.CustomerFilter{Name: "张三"}, 0, 10)
				if err == nil && page != nil && len(page.Customers) == 0 {
					t.Error("the error looked like 'no customer found'")
				}
				return err
			}, bss.ErrForbidden, "CBC.0151"},
		{"iterator over a read answered 200 with an error", custPath,
			bsstest.Fault{OKWithError: true, ErrorCode: "CBC.0999"},
			func(c *bss.Client, _ bss.Customer, _ string) error {
				_, err := c.AllCustomers(ctx, bss.CustomerFilter{})
				return err
			}, bss.ErrServer, "CBC.0999"},
		{"renew answered 200 with an error: outcome unknown", renewPath,
			bsstest.Fault{OKWithError: true, ErrorCode: "CBC.99003651"},
			func(c *bss.Client, zs bss.Customer, id string) error {
				_, err := c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{id}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
				return err
			}, bss.ErrUnknownOutcome, "CBC.99003651"},
		{"renew answered 200 with no order_ids: outcome unknown", renewPath,
			bsstest.Fault{EmptyOrderIDs: true},
			func(c *bss.Client, zs bss.Customer, id string) error {
				_, err := c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{id}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
				return err
			}, bss.ErrUnknownOutcome, ""},
		{"unsubscribe answered 200 with no order_ids: outcome unknown", unsubPath,
			bsstest.Fault{EmptyOrderIDs: true},
			func(c *bss.Client, zs bss.Customer, id string) error {
				_, err := c.Unsubscribe(ctx, zs.Ref(), bss.UnsubscribeRequest{ResourceIDs: []string{id}, Type: bss.UnsubscribeResource})
				return err
			}, bss.ErrUnknownOutcome, ""},
		{"unsubscribe answered 200 with an error: outcome unknown", unsubPath,
			bsstest.Fault{OKWithError: true, ErrorCode: "CBC.3185"},
			func(c *bss.Client, zs bss.Customer, id string) error {
				_, err := c.Unsubscribe(ctx, zs.Ref(), bss.UnsubscribeRequest{ResourceIDs: []string{id}, Type: bss.UnsubscribeResource})
				return err
			}, bss.ErrUnknownOutcome, "CBC.3185"},
		{"auto-renew answered 200 with an error: outcome unknown", autoPath + "*",
			bsstest.Fault{OKWithError: true, ErrorCode: "CBC.99003602"},
			func(c *bss.Client, zs bss.Customer, id string) error {
				return c.EnableAutoRenew(ctx, zs.Ref(), id, nil)
			}, bss.ErrUnknownOutcome, "CBC.99003602"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, nil)
			zs := zhangsan(t, c)
			mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2}})
			if err != nil || len(mains) == 0 {
				t.Fatal(err)
			}
			before, _ := srv.Resource(mains[0].ResourceID)
			srv.ResetCalls()
			srv.Inject("", tc.path, tc.fault)
			err = tc.call(c, zs, mains[0].ResourceID)
			var be *bss.Error
			if !errors.Is(err, tc.wantKind) || !errors.As(err, &be) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			if be.HTTPStatus != http.StatusOK || be.Code != tc.wantCode || be.RequestID == "" {
				t.Errorf("error fields %+v", be)
			}
			if tc.wantCode != "" && be.Message == "" {
				t.Errorf("message lost: %+v", be)
			}
			if after, _ := srv.Resource(mains[0].ResourceID); !after.ExpireTime.Equal(before.ExpireTime) || after.ExpirePolicy != before.ExpirePolicy {
				t.Error("the faulted call changed the resource")
			}
		})
	}
}

// TestSuccessCodeInBody: error_code CBC.0000 in a 2xx answer is success, as some pages send it.
func TestSuccessCodeInBody(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"error_code":"CBC.0000","error_msg":"success","count":1,"customer_infos":[{"customer_id":"c1","account_name":"a1"}]}`))
	}))
	defer ts.Close()
	c, err := bss.New(bss.Config{Endpoint: ts.URL, IAMEndpoint: ts.URL, Credentials: bss.Credentials{AccessKey: "AK", SecretKey: "SK"},
		DomainID: "D1", RatePerSecond: 1000, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 10)
	if err != nil || page.Count != 1 || page.Customers[0].ID != "c1" {
		t.Fatalf("page %+v, err %v", page, err)
	}
}
