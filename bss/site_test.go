package bss_test

import (
	"context"
	"errors"
	"testing"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/bss/bsstest"
)

// TestInternationalSite: on the international site the four APIs it lacks fail with
// ErrUnavailable without any call; the others work.
func TestInternationalSite(t *testing.T) {
	ctx := context.Background()
	srv, c := newPair(t, bsstest.Options{International: true}, func(c *bss.Config) { c.Site = bss.SiteInternational })
	if c.Site() != bss.SiteInternational {
		t.Fatalf("site %q", c.Site())
	}
	remark := "r"
	calls := map[string]func() error{
		bss.OpListCustomersBalancesDetail: func() error { _, err := c.CustomerBalances(ctx, []string{"c1"}); return err },
		bss.OpListPartnerBalances:         func() error { _, err := c.PartnerBalances(ctx, ""); return err },
		bss.OpListQuotaCoupons:            func() error { _, err := c.ListQuotas(ctx, bss.QuotaFilter{}, 0, 10); return err },
		bss.OpReclaimCouponQuotas:         func() error { _, err := c.ReclaimQuotas(ctx, []string{"Q1"}, &remark); return err },
		"iterator over quotas": func() error {
			for _, err := range c.Quotas(ctx, bss.QuotaFilter{}) {
				return err
			}
			return nil
		},
	}
	for op, call := range calls {
		t.Run(op, func(t *testing.T) {
			err := call()
			var be *bss.Error
			if !errors.Is(err, bss.ErrUnavailable) || !errors.As(err, &be) || be.HTTPStatus != 0 {
				t.Fatalf("err = %v, want ErrUnavailable without an answer", err)
			}
			if op != "iterator over quotas" && c.Supports(op) {
				t.Errorf("Supports(%s) = true", op)
			}
		})
	}
	if n := len(srv.Calls()); n != 0 {
		t.Errorf("%d calls were made for APIs the site lacks", n)
	}
	if got := bss.Explain(bss.ErrUnavailable, "en"); got == "" {
		t.Error("no explanation")
	}
	if _, err := c.ListCustomers(ctx, bss.CustomerFilter{}, 0, 10); err != nil || !c.Supports("ListSubCustomers") {
		t.Errorf("ListSubCustomers on the international site: %v", err)
	}
	_, err := c.ListQuotas(ctx, bss.QuotaFilter{}, 0, 10)
	if zh, en := bss.Explain(err, "zh"), bss.Explain(err, "en"); zh != "国际站没有此功能（华为云国际站不提供该 API）。" ||
		en != "Not available on the international site (Huawei Cloud's international site has no such API)." {
		t.Errorf("explanations %q / %q", zh, en)
	}

	// A client that believes it is on the Chinese site gets the gateway's 404 from bss-intl.
	_, china := newPair(t, bsstest.Options{International: true}, nil)
	if _, err := china.ListQuotas(ctx, bss.QuotaFilter{}, 0, 10); !errors.Is(err, bss.ErrNotFound) {
		t.Errorf("Chinese-site client on bss-intl: err = %v", err)
	}
}

func TestSiteFromConfig(t *testing.T) {
	cred := bss.Credentials{AccessKey: "AK", SecretKey: "SK"}
	for _, tc := range []struct {
		cfg  bss.Config
		want bss.Site
	}{
		{bss.Config{}, bss.SiteChina},
		{bss.Config{Endpoint: bss.EndpointChina}, bss.SiteChina},
		{bss.Config{Endpoint: bss.EndpointInternational}, bss.SiteInternational},
		{bss.Config{Endpoint: bss.EndpointInternational + "/"}, bss.SiteInternational},
		{bss.Config{Endpoint: "https://gw.example.com", Site: bss.SiteInternational}, bss.SiteInternational},
		{bss.Config{Endpoint: bss.EndpointInternational, Site: bss.SiteChina}, bss.SiteChina},
	} {
		tc.cfg.Credentials = cred
		c, err := bss.New(tc.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if c.Site() != tc.want || c.Supports(bss.OpListQuotaCoupons) != (tc.want == bss.SiteChina) {
			t.Errorf("%+v: site %q", tc.cfg.Endpoint, c.Site())
		}
	}
	if _, err := bss.New(bss.Config{Credentials: cred, Site: "mars"}); err == nil {
		t.Error("an unknown site was accepted")
	}
}
