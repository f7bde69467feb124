package bss

import (
	"fmt"
	"strings"
)

// Site is the Huawei Cloud site a client talks to. The international site (bss-intl) has the
// same paths and fields as the Chinese one but lacks some partner APIs (SDK
// services/bssintl/v2/bssintl_meta.go).
type Site string

// The two sites.
const (
	SiteChina         Site = "china"
	SiteInternational Site = "international"
)

// Operations the international site does not have; on it they fail with ErrUnavailable
// without calling.
const (
	OpListCustomersBalancesDetail = "ListCustomersBalancesDetail"
	OpListPartnerBalances         = "ListPartnerBalances"
	OpListQuotaCoupons            = "ListQuotaCoupons"
	OpReclaimCouponQuotas         = "ReclaimCouponQuotas"
)

var chinaOnly = map[string]bool{
	OpListCustomersBalancesDetail: true,
	OpListPartnerBalances:         true,
	OpListQuotaCoupons:            true,
	OpReclaimCouponQuotas:         true,
	// The partner money APIs: the international site funds customers with budgets instead
	// (bss-money.md); of them only ListCustomerOnDemandResources exists there.
	OpUpdateCustomerAccountAmount:     true,
	OpReclaimToPartnerAccount:         true,
	OpListPartnerAccountChangeRecords: true,
	OpListPartnerAdjustRecords:        true,
	OpListSubcustomerMonthlyBills:     true,
	OpCreatePartnerCoupons:            true,
	OpListIssuedPartnerCoupons:        true,
	OpReclaimPartnerCoupons:           true,
	OpListIssuedCouponQuotas:          true,
}

// siteOf resolves Config.Site: explicit, else international for EndpointInternational.
func siteOf(cfg Config) (Site, error) {
	switch cfg.Site {
	case SiteChina, SiteInternational:
		return cfg.Site, nil
	case "":
		if strings.TrimRight(cfg.Endpoint, "/") == EndpointInternational {
			return SiteInternational, nil
		}
		return SiteChina, nil
	}
	return "", fmt.Errorf("bss: unknown site %q (want %q or %q)", cfg.Site, SiteChina, SiteInternational)
}

// Site is the site the client talks to.
func (c *Client) Site() Site { return c.site }

// Supports reports whether the client's site has the operation, named as in the SDK (e.g.
// OpListQuotaCoupons, "ListSubCustomers").
func (c *Client) Supports(op string) bool {
	if intlOnly[op] {
		return c.site == SiteInternational
	}
	return c.site != SiteInternational || !chinaOnly[op]
}

// unavailable is the error of an operation the site lacks, or nil.
func (c *Client) unavailable(op, method, path string) error {
	if c.Supports(op) {
		return nil
	}
	return &Error{Op: op, Method: method, Path: path, Kind: KindUnavailable}
}
