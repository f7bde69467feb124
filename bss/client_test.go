package bss_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// newPair starts the fake BSS and a client pointed at it; tweak adjusts the client's config.
func newPair(t *testing.T, opts bsstest.Options, tweak func(*bss.Config)) (*bsstest.Server, *bss.Client) {
	t.Helper()
	srv := bsstest.NewTestServer(t, opts)
	cfg := bss.Config{
		Endpoint:      srv.URL,
		IAMEndpoint:   srv.URL,
		Credentials:   bsstest.SandboxCredentials,
		AgencyName:    bsstest.SandboxAgency,
		RatePerSecond: 10000,
		Burst:         100,
		RetryBase:     time.Millisecond,
		RetryMax:      5 * time.Millisecond,
		Timeout:       5 * time.Second,
	}
	if tweak != nil {
		tweak(&cfg)
	}
	c, err := bss.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// zhangsan is the demo customer every test can count on.
func zhangsan(t *testing.T, c *bss.Client) bss.Customer {
	t.Helper()
	page, err := c.ListCustomers(context.Background(), bss.CustomerFilter{Name: "张三"}, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, cu := range page.Customers {
		if cu.Name == "张三" {
			return cu
		}
	}
	t.Fatalf("张三 not in the demo data: %+v", page)
	return bss.Customer{}
}

// lastBody decodes the body of the last call to path.
func lastBody(t *testing.T, srv *bsstest.Server, path string) map[string]any {
	t.Helper()
	calls := srv.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Path == path {
			if len(calls[i].Body) == 0 {
				return nil
			}
			var m map[string]any
			if err := json.Unmarshal(calls[i].Body, &m); err != nil {
				t.Fatalf("%s body %q: %v", path, calls[i].Body, err)
			}
			return m
		}
	}
	t.Fatalf("no call to %s", path)
	return nil
}

func lastCall(t *testing.T, srv *bsstest.Server, path string) bsstest.Call {
	t.Helper()
	calls := srv.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Path == path {
			return calls[i]
		}
	}
	t.Fatalf("no call to %s", path)
	return bsstest.Call{}
}

func jsonEq(t *testing.T, what string, got map[string]any, wantJSON string) {
	t.Helper()
	var want map[string]any
	if err := json.Unmarshal([]byte(wantJSON), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("%s body\n got %s\nwant %s", what, g, wantJSON)
	}
}

func TestSignatureAcceptedAndRejected(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	tests := []struct {
		name     string
		tweak    func(*bss.Config)
		wantKind error
	}{
		{"good", nil, nil},
		{"good with domain id signed", func(c *bss.Config) { c.UserAgent = "partnerbot-test/1" }, nil},
		{"wrong secret", func(c *bss.Config) { c.Credentials.SecretKey = "not-the-secret" }, bss.ErrAuth},
		{"unknown access key", func(c *bss.Config) { c.Credentials.AccessKey = "NOSUCHAK" }, bss.ErrAuth},
		{"stale date", func(c *bss.Config) { c.Now = func() time.Time { return now.Add(-time.Hour) } }, bss.ErrAuth},
		{"tampered body", func(c *bss.Config) { c.HTTPClient = &http.Client{Transport: tamper{}} }, bss.ErrAuth},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The account id is given, so that the first call is the one whose signature is checked.
			srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) {
				c.DomainID = bsstest.SandboxDomainID
				if tc.tweak != nil {
					tc.tweak(c)
				}
			})
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
			if tc.wantKind == nil {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.wantKind) {
				t.Fatalf("err = %v, want %v", err, tc.wantKind)
			}
			var be *bss.Error
			if !errors.As(err, &be) || be.HTTPStatus != 401 || be.Code == "" || be.RequestID == "" {
				t.Errorf("want a 401 with code and request id, got %#v", be)
			}
			if n := srv.CallCount("POST", "/v2/partners/sub-customers/query"); n != 1 {
				t.Errorf("a 4xx was retried: %d calls", n)
			}
		})
	}
}

// tamper changes the body after the client signed it.
type tamper struct{}

func (tamper) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil {
		return http.DefaultTransport.RoundTrip(r)
	}
	b, _ := io.ReadAll(r.Body)
	b = bytes.Replace(b, []byte(`"limit":10`), []byte(`"limit":11`), 1)
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	return http.DefaultTransport.RoundTrip(r)
}

func TestSignedHeaders(t *testing.T) {
	srv, c := newPair(t, bsstest.Options{DomainID: "PARTNERDOMAIN"}, func(c *bss.Config) { c.DomainID = "PARTNERDOMAIN" })
	if _, err := c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 10); err != nil {
		t.Fatal(err)
	}
	call := lastCall(t, srv, "/v2/partners/sub-customers/query")
	if call.AccessKey != bsstest.SandboxCredentials.AccessKey || call.DomainID != "PARTNERDOMAIN" {
		t.Errorf("access key and account id seen by BSS: %q %q", call.AccessKey, call.DomainID)
	}
	if n := srv.CallCount("GET", "/v3/auth/domains"); n != 0 {
		t.Errorf("the configured account id was looked up %d times", n)
	}
	// A configured account id that is not the key's is refused by the gateway.
	_, c2 := newPair(t, bsstest.Options{DomainID: "PARTNERDOMAIN"}, func(c *bss.Config) { c.DomainID = "SOMEONEELSE" })
	if _, err := c2.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 10); !errors.Is(err, bss.ErrAuth) {
		t.Errorf("wrong X-Domain-Id: err = %v", err)
	}
}

func TestOperationsWireFormat(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)

	t.Run("ListSubCustomers", func(t *testing.T) {
		page, err := c.ListCustomers(ctx, bss.CustomerFilter{AccountName: "zhang", Label: zs.Label, AssociationType: "2"}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"account_name":"zhang","association_type":"2","offset":0,"limit":10`
		if zs.Label != "" {
			want += `,"label":"` + zs.Label + `"`
		}
		jsonEq(t, "sub-customers", lastBody(t, srv, "/v2/partners/sub-customers/query"), want+"}")
		if page.Count < 1 || page.Customers[0].ID == "" || page.Customers[0].AccountName == "" || page.Customers[0].AssociatedOn.IsZero() {
			t.Errorf("answer %+v", page)
		}
	})
	t.Run("ListCustomersBalancesDetail", func(t *testing.T) {
		bals, err := c.CustomerBalances(ctx, []string{zs.ID})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "balances", lastBody(t, srv, "/v2/accounts/customer-accounts/balances/batch-query"), `{"customer_infos":[{"customer_id":"`+zs.ID+`"}]}`)
		if len(bals) != 1 || bals[0].CustomerID != zs.ID || bals[0].Currency == "" {
			t.Errorf("answer %+v", bals)
		}
	})
	t.Run("ListPartnerBalances", func(t *testing.T) {
		bals, err := c.PartnerBalances(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(bals) == 0 || bals[0].Currency == "" {
			t.Errorf("answer %+v", bals)
		}
		if call := lastCall(t, srv, "/v2/accounts/partner-accounts/balances"); call.Method != "GET" || len(call.Body) != 0 {
			t.Errorf("call %+v", call)
		}
	})
	var vm bss.Resource
	t.Run("ListPayPerUseCustomerResources", func(t *testing.T) {
		begin := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		_, err := c.ListResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2},
			ExpireBegin: begin, ExpireEnd: begin.AddDate(0, 1, 0)}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "resources", lastBody(t, srv, "/v2/orders/suscriptions/resources/query"),
			`{"customer_id":"`+zs.ID+`","only_main_resource":1,"status_list":[2],"expire_time_begin":"2026-11-01T00:00:00Z","expire_time_end":"2026-12-01T00:00:00Z","offset":0,"limit":10}`)
		all, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range all {
			if r.IsMain() && r.ResourceTypeCode == "hws.resource.type.vm" {
				vm = r
			}
		}
		if vm.ResourceID == "" || vm.ExpireTime.IsZero() || vm.RegionCode == "" {
			t.Fatalf("no ECS for 张三 in %+v", all)
		}
		groups := bss.GroupResources(all)
		found := false
		for _, g := range groups {
			if g.Main.ResourceID == vm.ResourceID {
				found = len(g.Attached) > 0
			}
		}
		if !found {
			t.Errorf("ECS %s has no attached disks in %+v", vm.ResourceID, groups)
		}
	})
	t.Run("ListCustomerOrders", func(t *testing.T) {
		page, err := c.ListOrders(ctx, bss.OrderFilter{CustomerID: zs.ID, OrderBy: "-createTime"}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		call := lastCall(t, srv, "/v2/orders/customer-orders")
		if call.Method != "GET" || call.RawQuery != "customer_id="+zs.ID+"&limit=10&offset=0&order_by=-createTime" {
			t.Errorf("query %q", call.RawQuery)
		}
		if page.TotalCount == 0 || page.Orders[0].OrderID == "" || page.Orders[0].Currency == "" {
			t.Fatalf("answer %+v", page)
		}
		d, err := c.OrderDetail(ctx, page.Orders[0].OrderID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Order.OrderID != page.Orders[0].OrderID || len(d.LineItems) != d.TotalCount || d.TotalCount == 0 {
			t.Errorf("detail %+v", d)
		}
		if _, err := c.OrderDetail(ctx, "CS0000000000NONE"); !errors.Is(err, bss.ErrNotFound) {
			t.Errorf("unknown order: err = %v", err)
		}
	})
	t.Run("ListQuotaCoupons", func(t *testing.T) {
		page, err := c.ListQuotas(ctx, bss.QuotaFilter{Statuses: []int{0}}, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "quotas", lastBody(t, srv, "/v2/partners/coupon-quotas/query"), `{"quota_status_list":[0],"offset":0,"limit":10}`)
		if page.TotalCount == 0 || page.Quotas[0].QuotaID == "" {
			t.Errorf("answer %+v", page)
		}
		restricted := false
		for _, q := range page.Quotas {
			for _, l := range q.LimitInfos {
				restricted = true
				if l.Key == "" || len(l.Values) == 0 || l.Values[0].Value1 == "" {
					t.Errorf("quota %s: restriction %+v", q.QuotaID, l)
				}
				if l.Key == "cloudServiceType" && !strings.Contains(l.String(), "(hws.service.type.") {
					t.Errorf("quota %s: restriction reads %q", q.QuotaID, l.String())
				}
			}
		}
		if !restricted {
			t.Error("no restricted quota among the demo quotas")
		}
	})
	t.Run("ListRenewRateOnPeriod", func(t *testing.T) {
		p, err := c.RenewPrice(ctx, zs.Ref(), bss.RenewPriceRequest{ResourceIDs: []string{vm.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}, IncludeRelatives: true})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "renew-rate", lastBody(t, srv, "/v2/bills/ratings/period-resources/renew-rate"),
			`{"resource_ids":["`+vm.ResourceID+`"],"period_type":2,"period_num":1,"include_relative_resources":true}`)
		if p.Official.Amount.Sign() <= 0 || len(p.Results) != 1 || p.Best().Cmp(p.Official.Amount) > 0 {
			t.Errorf("answer %+v", p)
		}
		if ak := lastCall(t, srv, "/v2/bills/ratings/period-resources/renew-rate").AccessKey; ak == bsstest.SandboxCredentials.AccessKey {
			t.Error("a customer-only API was signed with the partner's key")
		}
	})
	t.Run("ListRateOnPeriodDetail", func(t *testing.T) {
		p, err := c.PeriodPrice(ctx, zs.Ref(), bss.PeriodPriceRequest{ProjectID: vm.ProjectID, Products: []bss.PeriodProduct{{
			ID: "1", CloudServiceType: vm.ServiceTypeCode, ResourceType: vm.ResourceTypeCode, ResourceSpec: vm.ResourceSpecCode,
			Region: vm.RegionCode, PeriodType: bss.PeriodYear, PeriodNum: 1, SubscriptionNum: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "subscribe-rate", lastBody(t, srv, "/v2/bills/ratings/period-resources/subscribe-rate"),
			`{"project_id":"`+vm.ProjectID+`","product_infos":[{"id":"1","cloud_service_type":"`+vm.ServiceTypeCode+`","resource_type":"`+vm.ResourceTypeCode+
				`","resource_spec":"`+vm.ResourceSpecCode+`","region":"`+vm.RegionCode+`","period_type":3,"period_num":1,"subscription_num":1}]}`)
		if p.Official.Amount.Sign() <= 0 || p.Currency == "" || p.Best().Cmp(p.Official.Amount) > 0 {
			t.Errorf("answer %+v", p)
		}
	})
	t.Run("CreateTemporaryAccessKeyByAgency", func(t *testing.T) {
		body := lastBody(t, srv, "/v3.0/OS-CREDENTIAL/securitytokens")
		jsonEq(t, "securitytokens", body, `{"auth":{"identity":{"methods":["assume_role"],"assume_role":{"domain_name":"`+zs.AccountName+
			`","agency_name":"`+bsstest.SandboxAgency+`","duration_seconds":3600}}}}`)
		if n := srv.CallCount("POST", "/v3.0/OS-CREDENTIAL/securitytokens"); n != 1 {
			t.Errorf("temporary credentials fetched %d times, want 1 (cached)", n)
		}
	})
}

func TestMutations(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	zs := zhangsan(t, c)
	mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2}})
	if err != nil || len(mains) < 2 {
		t.Fatalf("need two main resources of 张三: %v %d", err, len(mains))
	}
	r := mains[0]

	t.Run("Renew", func(t *testing.T) {
		res, err := c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{r.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 3}, AutoPay: true})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "renew", lastBody(t, srv, "/v2/orders/subscriptions/resources/renew"),
			`{"resource_ids":["`+r.ResourceID+`"],"period_type":2,"period_num":3,"is_auto_pay":1}`)
		if len(res.OrderIDs) != 1 || len(res.Failed) != 0 {
			t.Errorf("answer %+v", res)
		}
		after, _ := srv.Resource(r.ResourceID)
		if !after.ExpireTime.After(r.ExpireTime.Time.AddDate(0, 2, 27)) {
			t.Errorf("expiry %v did not move 3 months from %v", after.ExpireTime, r.ExpireTime)
		}
		if n := srv.CallCount("POST", "/v2/orders/subscriptions/resources/renew"); n != 1 {
			t.Errorf("renew reached BSS %d times", n)
		}
	})
	t.Run("AutoRenew on without a count sends no body", func(t *testing.T) {
		r := mains[0]
		if err := c.EnableAutoRenew(ctx, zs.Ref(), r.ResourceID, nil); err != nil {
			t.Fatal(err)
		}
		call := lastCall(t, srv, "/v2/orders/subscriptions/resources/autorenew/"+r.ResourceID)
		if call.Method != "POST" || len(call.Body) != 0 || call.Status != 200 {
			t.Errorf("call %+v, body %q", call, call.Body)
		}
		if got, _ := srv.Resource(r.ResourceID); got.ExpirePolicy != bss.ExpirePolicyAutoRenew {
			t.Errorf("expire policy %d after enabling", got.ExpirePolicy)
		}
		if err := c.DisableAutoRenew(ctx, zs.Ref(), r.ResourceID); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("AutoRenew on and off", func(t *testing.T) {
		times := 0
		if err := c.EnableAutoRenew(ctx, zs.Ref(), r.ResourceID, &times); err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "autorenew", lastBody(t, srv, "/v2/orders/subscriptions/resources/autorenew/"+r.ResourceID), `{"auto_renew_times":0}`)
		if got, _ := srv.Resource(r.ResourceID); got.ExpirePolicy != bss.ExpirePolicyAutoRenew {
			t.Errorf("expire policy %d after enabling", got.ExpirePolicy)
		}
		if err := c.DisableAutoRenew(ctx, zs.Ref(), r.ResourceID); err != nil {
			t.Fatal(err)
		}
		if call := lastCall(t, srv, "/v2/orders/subscriptions/resources/autorenew/"+r.ResourceID); call.Method != "DELETE" || len(call.Body) != 0 {
			t.Errorf("cancel call %+v", call)
		}
		if got, _ := srv.Resource(r.ResourceID); got.ExpirePolicy == bss.ExpirePolicyAutoRenew {
			t.Error("auto-renew still on")
		}
		err := c.DisableAutoRenew(ctx, zs.Ref(), r.ResourceID)
		var be *bss.Error
		if !errors.As(err, &be) || be.Code != "CBC.99003605" {
			t.Errorf("cancelling twice: err = %v", err)
		}
	})
	t.Run("Unsubscribe", func(t *testing.T) {
		victim := mains[1]
		res, err := c.Unsubscribe(ctx, zs.Ref(), bss.UnsubscribeRequest{ResourceIDs: []string{victim.ResourceID}, Type: bss.UnsubscribeResource, ReasonType: 5, Reason: "project ended"})
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "unsubscribe", lastBody(t, srv, "/v2/orders/subscriptions/resources/unsubscribe"),
			`{"resource_ids":["`+victim.ResourceID+`"],"unsubscribe_type":1,"unsubscribe_reason_type":5,"unsubscribe_reason":"project ended"}`)
		if len(res.OrderIDs) != 1 {
			t.Errorf("answer %+v", res)
		}
		if _, ok := srv.Resource(victim.ResourceID); ok {
			t.Error("unsubscribed resource is still there")
		}
		for _, left := range srv.Resources(zs.ID) {
			if left.ParentResourceID == victim.ResourceID {
				t.Errorf("attached resource %s stayed after its main resource left", left.ResourceID)
			}
		}
	})
	t.Run("ReclaimCouponQuotas", func(t *testing.T) {
		var id string
		for _, q := range srv.Quotas() {
			if q.QuotaStatus == 0 && q.Balance.Sign() > 0 && q.IndirectPartnerID != "" {
				id = q.QuotaID
			}
		}
		if id == "" {
			t.Fatal("no reclaimable quota in the demo data")
		}
		remark := "year-end reclaim"
		res, err := c.ReclaimQuotas(ctx, []string{id, "Q-NO-SUCH"}, &remark)
		if err != nil {
			t.Fatal(err)
		}
		jsonEq(t, "reclaim", lastBody(t, srv, "/v2/partners/coupon-quotas/indirect-partner-reclaim"),
			`{"quota_ids":["`+id+`","Q-NO-SUCH"],"remark":"year-end reclaim"}`)
		if len(res.Reclaimed) != 1 || !res.Reclaimed[0].Balance.IsZero() || len(res.Errors) != 1 || res.Errors[0].ID != "Q-NO-SUCH" {
			t.Errorf("answer %+v", res)
		}
	})
	t.Run("partner credentials refused on customer-only APIs", func(t *testing.T) {
		// Without an agency the fake refuses the IAM call: explained as "not authorised".
		_, c2 := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.AgencyName = "no_such_agency" })
		_, err := c2.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{r.ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
		if !errors.Is(err, bss.ErrNoAgency) {
			t.Errorf("err = %v, want ErrNoAgency", err)
		}
		if !strings.Contains(bss.Explain(err, "en"), "not authorised") {
			t.Errorf("explanation %q", bss.Explain(err, "en"))
		}
	})
}

func TestPagination(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.PageSize = 7 })
	all, err := c.AllCustomers(ctx, bss.CustomerFilter{})
	if err != nil {
		t.Fatal(err)
	}
	want := len(srv.Customers())
	if len(all) != want || want < 50 {
		t.Fatalf("got %d customers, want %d", len(all), want)
	}
	seen := map[string]bool{}
	for _, cu := range all {
		if seen[cu.ID] {
			t.Errorf("customer %s twice", cu.ID)
		}
		seen[cu.ID] = true
	}
	if got, pages := srv.CallCount("POST", "/v2/partners/sub-customers/query"), (want+6)/7; got != pages {
		t.Errorf("%d calls for %d customers at 7 a page, want %d", got, want, pages)
	}
	// Early stop: breaking out of the loop makes no further call.
	srv.ResetCalls()
	n := 0
	for _, err := range c.Customers(ctx, bss.CustomerFilter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 3 {
			break
		}
	}
	if got := srv.CallCount("POST", "/v2/partners/sub-customers/query"); got != 1 {
		t.Errorf("early stop made %d calls", got)
	}
	// Balances are batched at 100 customers.
	ids := make([]string, 0, 250)
	for i := 0; i < 250; i++ {
		ids = append(ids, all[i%len(all)].ID)
	}
	srv.ResetCalls()
	if _, err := c.CustomerBalances(ctx, ids); err != nil {
		t.Fatal(err)
	}
	if got := srv.CallCount("POST", "/v2/accounts/customer-accounts/balances/batch-query"); got != 3 {
		t.Errorf("250 balances took %d calls, want 3", got)
	}
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	const custPath = "/v2/partners/sub-customers/query"
	const renewPath = "/v2/orders/subscriptions/resources/renew"
	tests := []struct {
		name      string
		path      string
		fault     bsstest.Fault
		mutation  bool
		wantCalls int
		wantErr   error // nil = success
	}{
		{"5xx read retried until success", custPath, bsstest.Fault{Status: 500, Times: 2}, false, 3, nil},
		{"503 read retried until success", custPath, bsstest.Fault{Status: 503, Times: 1}, false, 2, nil},
		{"throttled read retried", custPath, bsstest.Fault{Status: 429, Times: 2}, false, 3, nil},
		{"APIG throttling code retried", custPath, bsstest.Fault{Status: 429, ErrorCode: "APIG.0308", Times: 1}, false, 2, nil},
		{"malformed JSON retried", custPath, bsstest.Fault{Malformed: true, Times: 1}, false, 2, nil},
		{"5xx read gives up after retries", custPath, bsstest.Fault{Status: 500}, false, 4, bss.ErrServer},
		{"4xx never retried", custPath, bsstest.Fault{Status: 400, ErrorCode: "CBC.0101"}, false, 1, bss.ErrInvalid},
		{"403 never retried", custPath, bsstest.Fault{Status: 403, ErrorCode: "CBC.0151"}, false, 1, bss.ErrForbidden},
		{"throttled mutation retried (refused before it ran)", renewPath, bsstest.Fault{Status: 429, Times: 1}, true, 2, nil},
		{"5xx mutation not retried: outcome unknown", renewPath, bsstest.Fault{Status: 502}, true, 1, bss.ErrUnknownOutcome},
		{"hung mutation not re-sent: outcome unknown", renewPath, bsstest.Fault{Hang: true}, true, 1, bss.ErrUnknownOutcome},
		{"malformed answer to a mutation: outcome unknown", renewPath, bsstest.Fault{Malformed: true}, true, 1, bss.ErrUnknownOutcome},
		{"4xx mutation not retried", renewPath, bsstest.Fault{Status: 400, ErrorCode: "CBC.99003651"}, true, 1, bss.ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.Timeout = 300 * time.Millisecond })
			zs := zhangsan(t, c)
			mains, err := c.AllResources(ctx, bss.ResourceFilter{CustomerID: zs.ID, OnlyMain: true, Statuses: []int{2}})
			if err != nil || len(mains) == 0 {
				t.Fatal(err)
			}
			srv.ResetCalls()
			srv.Inject("POST", tc.path, tc.fault)
			if tc.mutation {
				_, err = c.Renew(ctx, zs.Ref(), bss.RenewRequest{ResourceIDs: []string{mains[0].ResourceID}, Period: bss.Period{Type: bss.PeriodMonth, Num: 1}})
			} else {
				_, err = c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
			}
			if tc.wantErr == nil && err != nil || tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if got := srv.CallCount("POST", tc.path); got != tc.wantCalls {
				t.Errorf("%d calls, want %d", got, tc.wantCalls)
			}
		})
	}
}

func TestErrorMapping(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		status int
		code   string
		want   error
		zh, en string
	}{
		{401, "APIG.0301", bss.ErrAuth, "凭证", "credentials"},
		{403, "CBC.0155", bss.ErrForbidden, "没有权限", "Access denied"},
		{400, "CBC.0101", bss.ErrInvalid, "参数", "invalid parameter"},
		{429, "CBC.0250", bss.ErrThrottled, "限流", "throttling"},
		{400, "CBC.99000035", bss.ErrNotSubCustomer, "子客户", "not one of this partner's customers"},
		{404, "APIG.0101", bss.ErrNotFound, "未找到", "Not found"},
		{500, "CBC.0999", bss.ErrServer, "暂时出错", "internal error"},
	}
	for _, tc := range tests {
		t.Run(tc.code, func(t *testing.T) {
			srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.MaxRetries = -1 })
			srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Status: tc.status, ErrorCode: tc.code})
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var be *bss.Error
			if !errors.As(err, &be) || be.HTTPStatus != tc.status || be.Code != tc.code || be.RequestID == "" || be.Message == "" {
				t.Errorf("error fields %+v", be)
			}
			if zh := bss.Explain(err, "zh"); !strings.Contains(zh, tc.zh) || !strings.Contains(zh, tc.code) {
				t.Errorf("zh explanation %q", zh)
			}
			if en := bss.Explain(err, "en"); !strings.Contains(en, tc.en) || !strings.Contains(en, be.RequestID) {
				t.Errorf("en explanation %q", en)
			}
			if !strings.Contains(err.Error(), be.RequestID) {
				t.Errorf("Error() lacks the request id: %s", err)
			}
		})
	}
}

func TestCancellation(t *testing.T) {
	srv, c := newPair(t, bsstest.Options{}, nil)
	srv.Inject("", "/v2/partners/sub-customers/query", bsstest.Fault{Hang: true})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10)
		done <- err
	}()
	for srv.CallCount("POST", "/v2/partners/sub-customers/query") == 0 {
		time.Sleep(time.Millisecond)
	}
	cancel()
	err := <-done
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	// An iterator over a cancelled context yields the error and stops.
	srv.ClearFaults()
	n := 0
	for _, err := range c.Customers(ctx, bss.CustomerFilter{}) {
		n++
		if !errors.Is(err, context.Canceled) {
			t.Errorf("iterator err = %v", err)
		}
	}
	if n != 1 {
		t.Errorf("iterator yielded %d times after cancel", n)
	}
}

func TestRateLimit(t *testing.T) {
	// The calls' arrival times measure real elapsed time: the sandbox runs on the real clock.
	srv, c := newPair(t, bsstest.Options{Now: time.Now}, func(c *bss.Config) { c.RatePerSecond = 50; c.Burst = 1 })
	var wg sync.WaitGroup
	for i := 0; i < 11; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.ListCustomers(context.Background(), bss.CustomerFilter{}, 0, 1); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	var calls []bsstest.Call
	for _, call := range srv.Calls() {
		if call.Path == "/v2/partners/sub-customers/query" {
			calls = append(calls, call)
		}
	}
	if len(calls) != 11 {
		t.Fatalf("%d calls", len(calls))
	}
	// 11 calls at 50/s with a burst of 1 cannot arrive within less than 10 intervals of 20ms.
	if span := calls[10].At.Sub(calls[0].At); span < 180*time.Millisecond {
		t.Errorf("11 calls arrived within %v; the client limit is 50/s", span)
	}
}

func TestBadInputRefusedBeforeAnyCall(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, nil)
	long := strings.Repeat("x", 65)
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "Q" + string(rune('a'+i))
	}
	remark := strings.Repeat("备", 257)
	ref := bss.CustomerRef{ID: "c1", AccountName: "acct"}
	month := bss.Period{Type: bss.PeriodMonth, Num: 1}
	tests := []struct {
		name string
		arg  string
		call func() error
	}{
		{"customer id too long", "customer_id", func() error {
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{CustomerID: long}, 0, 10)
			return err
		}},
		{"account name with a space", "account_name", func() error {
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{AccountName: "a b"}, 0, 10)
			return err
		}},
		{"limit above 100", "limit", func() error { _, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 101); return err }},
		{"negative offset", "offset", func() error { _, err := c.ListCustomers(ctx, bss.CustomerFilter{}, -1, 10); return err }},
		{"bad association type", "association_type", func() error {
			_, err := c.ListCustomers(ctx, bss.CustomerFilter{AssociationType: "3"}, 0, 10)
			return err
		}},
		{"resources without customer", "customer_id", func() error {
			_, err := c.ListResources(ctx, bss.ResourceFilter{}, 0, 10)
			return err
		}},
		{"51 resource ids", "resource_ids", func() error {
			_, err := c.ListResources(ctx, bss.ResourceFilter{CustomerID: "c", ResourceIDs: make([]string, 51)}, 0, 10)
			return err
		}},
		{"bad status", "status_list", func() error {
			_, err := c.ListResources(ctx, bss.ResourceFilter{CustomerID: "c", Statuses: []int{7}}, 0, 10)
			return err
		}},
		{"11 quota ids", "quota_ids", func() error { _, err := c.ReclaimQuotas(ctx, eleven, nil); return err }},
		{"257-character remark", "remark", func() error { _, err := c.ReclaimQuotas(ctx, []string{"Q1"}, &remark); return err }},
		{"duplicate quota ids", "quota_ids", func() error { _, err := c.ReclaimQuotas(ctx, []string{"Q1", "Q1"}, nil); return err }},
		{"renew nothing", "resource_ids", func() error {
			_, err := c.Renew(ctx, ref, bss.RenewRequest{Period: month})
			return err
		}},
		{"renew 12 months", "period_num", func() error {
			_, err := c.Renew(ctx, ref, bss.RenewRequest{ResourceIDs: []string{"r"}, Period: bss.Period{Type: bss.PeriodMonth, Num: 12}})
			return err
		}},
		{"renew 4 years", "period_num", func() error {
			_, err := c.Renew(ctx, ref, bss.RenewRequest{ResourceIDs: []string{"r"}, Period: bss.Period{Type: bss.PeriodYear, Num: 4}})
			return err
		}},
		{"renew by week", "period_type", func() error {
			_, err := c.Renew(ctx, ref, bss.RenewRequest{ResourceIDs: []string{"r"}, Period: bss.Period{Type: 1, Num: 1}})
			return err
		}},
		{"unsubscribe type 3", "unsubscribe_type", func() error {
			_, err := c.Unsubscribe(ctx, ref, bss.UnsubscribeRequest{ResourceIDs: []string{"r"}, Type: 3})
			return err
		}},
		{"auto-renew 100 times", "auto_renew_times", func() error {
			n := 100
			return c.EnableAutoRenew(ctx, ref, "r", &n)
		}},
		{"auto-renew id too long", "resource_id", func() error { return c.DisableAutoRenew(ctx, ref, long) }},
		{"customer unknown for an action", "customer", func() error {
			_, err := c.Renew(ctx, bss.CustomerRef{}, bss.RenewRequest{ResourceIDs: []string{"r"}, Period: month})
			return err
		}},
		{"order id missing", "order_id", func() error { _, err := c.OrderDetail(ctx, ""); return err }},
		{"order window over a year", "create_time_end", func() error {
			b := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
			_, err := c.ListOrders(ctx, bss.OrderFilter{CreateBegin: b, CreateEnd: b.AddDate(1, 1, 0)}, 0, 10)
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ae *bss.ArgumentError
			if !errors.As(err, &ae) || ae.Arg != tc.arg {
				t.Fatalf("err = %v, want an argument error naming %s", err, tc.arg)
			}
			if !errors.Is(err, bss.ErrInvalid) {
				t.Error("argument errors should match ErrInvalid")
			}
			if en := bss.Explain(err, "en"); !strings.Contains(en, tc.arg) {
				t.Errorf("explanation %q does not name %s", en, tc.arg)
			}
			if zh := bss.Explain(err, "zh"); !strings.Contains(zh, tc.arg) || !strings.Contains(zh, "参数") {
				t.Errorf("zh explanation %q", zh)
			}
		})
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("bad input reached BSS %d times", n)
	}
}

func TestNewRefusesMissingCredentials(t *testing.T) {
	if _, err := bss.New(bss.Config{}); err == nil {
		t.Error("a client without credentials was built")
	}
	if _, err := bss.New(bss.Config{Credentials: bsstest.SandboxCredentials, Endpoint: "ftp://x"}); err == nil {
		t.Error("a non-http endpoint was accepted")
	}
	t.Setenv(bss.EnvAccessKey, "AK")
	t.Setenv(bss.EnvSecretKey, "")
	if _, err := bss.CredentialsFromEnv(); err == nil {
		t.Error("half a key pair accepted")
	}
	t.Setenv(bss.EnvSecretKey, "SK")
	if c, err := bss.CredentialsFromEnv(); err != nil || c.AccessKey != "AK" {
		t.Errorf("from env: %v %v", c, err)
	}
}

func TestPathAndQueryEscaping(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{}, func(c *bss.Config) { c.MaxRetries = -1 })
	_, err := c.OrderDetail(ctx, "CS 1/x")
	if !errors.Is(err, bss.ErrNotFound) {
		t.Fatalf("err = %v (a signature failure would mean the path was signed one way and sent another)", err)
	}
	if call := lastCall(t, srv, "/v2/orders/customer-orders/details/CS 1/x"); call.Method != "GET" {
		t.Errorf("call %+v", call)
	}
	if _, err := c.ListOrders(ctx, bss.OrderFilter{ServiceTypeCode: "a b"}, 0, 10); err != nil {
		t.Fatal(err)
	}
	if q := lastCall(t, srv, "/v2/orders/customer-orders").RawQuery; !strings.Contains(q, "service_type_code=a%20b") {
		t.Errorf("query %q: a space must be %%20 on the wire, as in the signature", q)
	}
}
