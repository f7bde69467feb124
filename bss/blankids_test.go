package bss_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestBlankIDsAreUnknownOutcomes is issue #20 §5 at the client: an id that is blank after
// trimming is no id, so a 2xx answer that names its result only by one is ErrUnknownOutcome —
// not success, and not a failure either (fail_resource_infos [{}]).
func TestBlankIDsAreUnknownOutcomes(t *testing.T) {
	ctx := context.Background()
	const (
		renewPath    = "/v2/orders/subscriptions/resources/renew"
		unsubPath    = "/v2/orders/subscriptions/resources/unsubscribe"
		allocatePath = "/v2/accounts/partner-accounts/adjust-amount"
		reclaimPath  = "/v2/accounts/partner-accounts/reclaim"
	)
	renew := func(c *bss.Client, zs bss.Customer, id string) error {
		_, err := c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{id}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
		return err
	}
	unsubscribe := func(c *bss.Client, zs bss.Customer, id string) error {
		_, err := c.Unsubscribe(ctx, zs.Ref(), bss.UnsubscribeRequest{ResourceIDs: []string{id}, Type: bss.UnsubscribeResource})
		return err
	}
	allocate := func(c *bss.Client, zs bss.Customer, _ string) error {
		_, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")})
		return err
	}
	reclaim := func(c *bss.Client, zs bss.Customer, _ string) error {
		_, err := c.ReclaimBalance(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")})
		return err
	}
	tests := []struct {
		name, path, body string
		call             func(c *bss.Client, zs bss.Customer, id string) error
	}{
		{"renew order_ids [\"\"]", renewPath, `{"order_ids":[""]}`, renew},
		{"renew order_ids [\" \"]", renewPath, `{"order_ids":[" "]}`, renew},
		{"renew a real order and a blank one", renewPath, `{"order_ids":["CS2612060000ABCD","\u00a0"]}`, renew},
		{"renew fail_resource_infos [{}]", renewPath, `{"fail_resource_infos":[{}]}`, renew},
		{"unsubscribe order_ids [\"\"]", unsubPath, `{"order_ids":[""]}`, unsubscribe},
		{"unsubscribe order_ids [\"\\t\"]", unsubPath, `{"order_ids":["\t"]}`, unsubscribe},
		{"unsubscribe fail_resource_infos [{}]", unsubPath, `{"order_ids":[],"fail_resource_infos":[{"error_code":"CBC.3185"}]}`, unsubscribe},
		{"allocate transfer_id \" \"", allocatePath, `{"transfer_id":" "}`, allocate},
		{"allocate transfer_id \"\"", allocatePath, `{"transfer_id":""}`, allocate},
		{"reclaim trans_id \" \"", reclaimPath, `{"trans_id":" "}`, reclaim},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, nil)
			zs := zhangsan(t, c)
			mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2}})
			if err != nil || len(mains) == 0 {
				t.Fatal(err)
			}
			srv.Inject("POST", tc.path, bsstest.Fault{Body: tc.body})
			err = tc.call(c, zs, mains[0].ResourceID)
			var be *bss.Error
			if !errors.Is(err, bss.ErrUnknownOutcome) || !errors.As(err, &be) || be.RequestID == "" {
				t.Fatalf("err = %v, want ErrUnknownOutcome with the request id", err)
			}
			if n := srv.CallCount("POST", tc.path); n != 1 {
				t.Errorf("%d calls, want exactly 1", n)
			}
		})
	}
}

// TestOrderIDsAreTrimmed: an id with white space around it is that id.
func TestOrderIDsAreTrimmed(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	srv.Inject("POST", "/v2/orders/subscriptions/resources/renew", bsstest.Fault{Body: `{"order_ids":[" CS2612060000ABCD\n"]}`})
	res, err := c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{"r-1"}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
	if err != nil || !slices.Equal(res.OrderIDs, []string{"CS2612060000ABCD"}) {
		t.Fatalf("%+v, %v", res, err)
	}
	srv.Inject("POST", "/v2/accounts/partner-accounts/adjust-amount", bsstest.Fault{Body: `{"transfer_id":" AD1 "}`})
	tr, err := c.Allocate(ctx, bss.TransferRequest{CustomerID: zs.ID, Amount: bss.MustAmount("1")})
	if err != nil || tr.TransID != "AD1" {
		t.Fatalf("%+v, %v", tr, err)
	}
}

// TestCouponAnswersAreMatchedToTheRequest: each customer asked for is issued, failed or
// unknown by its own entries; entries naming anyone else are anomalies, nobody's success.
func TestCouponAnswersAreMatchedToTheRequest(t *testing.T) {
	ctx := context.Background()
	const a, b, x = "0000000000000000000000000000000a", "0000000000000000000000000000000b", "000000000000000000000000000000ff"
	tests := []struct {
		name      string
		body      string
		issued    []string // customers with a coupon
		failed    []string
		unknown   []string
		anomalies int
	}{
		{"both issued", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"},{"id":" ` + b + `","coupon_id":"CP2 "}]}`, []string{a, b}, nil, nil, 0},
		{"one issued, one failed", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"}],"error_details":[{"id":"` + b + `","error_code":"CBC.99005003"}]}`, []string{a}, []string{b}, nil, 0},
		{"one left out", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"}],"error_details":[]}`, []string{a}, nil, []string{b}, 0},
		{"blank coupon id", `{"coupon_infos":[{"id":"` + a + `","coupon_id":""},{"id":"` + b + `","coupon_id":"CP2"}]}`, []string{b}, nil, []string{a}, 0},
		{"coupon_infos [{}]", `{"coupon_infos":[{}]}`, nil, nil, []string{a, b}, 1},
		{"named twice", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"},{"id":"` + a + `","coupon_id":"CP3"},{"id":"` + b + `","coupon_id":"CP2"}]}`, []string{b}, nil, []string{a}, 0},
		{"issued and failed", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"},{"id":"` + b + `","coupon_id":"CP2"}],"error_details":[{"id":"` + a + `"}]}`, []string{b}, nil, []string{a}, 0},
		{"someone else too", `{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"},{"id":"` + b + `","coupon_id":"CP2"},{"id":"` + x + `","coupon_id":"CP9"}],"error_details":[{"id":"` + x + `"},{"id":""}]}`, []string{a, b}, nil, nil, 3},
		{"nothing", `{"coupon_infos":[],"error_details":[]}`, nil, nil, []string{a, b}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, nil)
			srv.Inject("POST", "/v2/promotions/benefits/partner-coupons", bsstest.Fault{Body: tc.body})
			res, err := c.IssueCoupons(ctx, bss.CouponIssue{QuotaID: "Q1", CustomerIDs: []string{a, b}, FaceValue: bss.MustAmount("10")})
			if (len(tc.unknown) > 0) != errors.Is(err, bss.ErrUnknownOutcome) || res == nil {
				t.Fatalf("res %+v, err %v", res, err)
			}
			var issued, failed []string
			for _, ic := range res.Issued {
				issued = append(issued, ic.CustomerID)
				if ic.CouponID == "" || ic.CouponID[len(ic.CouponID)-1] == ' ' {
					t.Errorf("coupon id %q", ic.CouponID)
				}
			}
			for _, ie := range res.Errors {
				failed = append(failed, ie.ID)
			}
			if !slices.Equal(issued, tc.issued) || !slices.Equal(failed, tc.failed) || !slices.Equal(res.Unknown, tc.unknown) ||
				len(res.Anomalies) != tc.anomalies || res.RequestID == "" {
				t.Errorf("issued %v failed %v unknown %v anomalies %+v", issued, failed, res.Unknown, res.Anomalies)
			}
		})
	}
}

// TestCouponAnomaliesAreBounded: an answer naming many customers not asked for, with long ids,
// is described in bounded text.
func TestCouponAnomaliesAreBounded(t *testing.T) {
	const a = "0000000000000000000000000000000a"
	var b strings.Builder
	b.WriteString(`{"coupon_infos":[{"id":"` + a + `","coupon_id":"CP1"}`)
	for i := range 50 {
		fmt.Fprintf(&b, `,{"id":"%s%d","coupon_id":"CP%d"}`, strings.Repeat("x", 5000), i, i)
	}
	b.WriteString(`]}`)
	srv, c := newPair(t, bsstest.Options{}, nil)
	srv.Inject("POST", "/v2/promotions/benefits/partner-coupons", bsstest.Fault{Body: b.String()})
	res, err := c.IssueCoupons(context.Background(), bss.CouponIssue{QuotaID: "Q1", CustomerIDs: []string{a}, FaceValue: bss.MustAmount("10")})
	if err != nil || len(res.Issued) != 1 || len(res.Anomalies) != 10 || res.MoreAnomalies != 40 {
		t.Fatalf("%d anomalies and %d more, %v", len(res.Anomalies), res.MoreAnomalies, err)
	}
	n := 0
	for _, an := range res.Anomalies {
		n += len(an.List + an.CustomerID + an.CouponID + an.ErrorCode + an.ErrorMsg)
	}
	if n > 2000 {
		t.Errorf("anomalies take %d bytes", n)
	}
	// Facts, not words: what the answer named, for commands to word in each reader's language.
	if an := res.Anomalies[0]; an.List != "coupon_infos" || an.CouponID != "CP0" || !strings.HasPrefix(an.CustomerID, "xxxx") || !strings.HasSuffix(an.CustomerID, "…") {
		t.Errorf("the first anomaly is %+v", an)
	}
}
