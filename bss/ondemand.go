package bss

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"strings"
	"time"
)

// OpListCustomerOnDemandResources lists a resale customer's pay-per-use resources
// (bss-money.md §8). Unlike the other money APIs it exists on the international site too.
const (
	OpListCustomerOnDemandResources = "ListCustomerOnDemandResources"
	pathOnDemand                    = "/v2/partners/sub-customers/on-demand-resources/query"
)

// On-demand resource statuses.
const (
	OnDemandNormal   = 1
	OnDemandGrace    = 2
	OnDemandFrozen   = 3
	OnDemandChanging = 4
	OnDemandClosing  = 5
	OnDemandClosed   = 6
)

// OnDemandFilter narrows ListCustomerOnDemandResources. CustomerID is required.
type OnDemandFilter struct {
	CustomerID                   string
	RegionCode                   string
	ServiceTypeCode              string
	ResourceIDs                  []string // at most 50
	EffectiveBegin, EffectiveEnd time.Time
	Status                       int // 0 = any; OnDemandNormal … OnDemandClosed
	IndirectPartnerID            string
}

type onDemandBody struct {
	CustomerID         string   `json:"customer_id"`
	RegionCode         string   `json:"region_code,omitempty"`
	ServiceTypeCode    string   `json:"service_type_code,omitempty"`
	ResourceIDs        []string `json:"resource_ids,omitempty"`
	EffectiveTimeBegin string   `json:"effective_time_begin,omitempty"`
	EffectiveTimeEnd   string   `json:"effective_time_end,omitempty"`
	Offset             int      `json:"offset"`
	Limit              int      `json:"limit"`
	Status             int      `json:"status,omitempty"`
	IndirectPartnerID  string   `json:"indirect_partner_id,omitempty"`
}

// OnDemandResource is one pay-per-use (按需) resource (SDK CustomerOnDemandResource).
type OnDemandResource struct {
	CustomerID           string `json:"customer_id"`
	RegionCode           string `json:"region_code"`
	AvailabilityZoneCode string `json:"availability_zone_code"`
	ServiceTypeCode      string `json:"service_type_code"`
	ResourceTypeCode     string `json:"resource_type_code"`
	ServiceTypeName      string `json:"service_type_name"`
	ResourceTypeName     string `json:"resource_type_name"`
	ResourceID           string `json:"resource_id"`
	ResourceName         string `json:"resource_name"`
	EffectiveTime        Time   `json:"effective_time"`
	ExpireTime           Time   `json:"expire_time"`
	Status               int    `json:"status"`
	ResourceSpecCode     string `json:"resource_spec_code"`
	// ResourceInfo is a string that holds JSON, e.g. "{\"specSize\":40.0}".
	ResourceInfo    string `json:"resource_info"`
	ProductSpecDesc string `json:"product_spec_desc"`
}

// SpecSize is the size resource_info names (specSize, e.g. GB of a disk); ok is false when it
// names none or is not JSON.
func (r OnDemandResource) SpecSize() (Amount, bool) {
	if strings.TrimSpace(r.ResourceInfo) == "" {
		return Amount{}, false
	}
	var info struct {
		SpecSize *Amount `json:"specSize"`
	}
	if json.Unmarshal([]byte(r.ResourceInfo), &info) != nil || info.SpecSize == nil {
		return Amount{}, false
	}
	return *info.SpecSize, true
}

// OnDemandPage is one page of ListCustomerOnDemandResources.
type OnDemandPage struct {
	TotalCount int                `json:"total_count"`
	Resources  []OnDemandResource `json:"resources"`
}

// ListOnDemandResources returns one page of a resale customer's pay-per-use resources
// (POST /v2/partners/sub-customers/on-demand-resources/query), with names in the language of
// the context (WithLanguage). The data lags by a per-service delay.
func (c *Client) ListOnDemandResources(ctx context.Context, f OnDemandFilter, offset, limit int) (*OnDemandPage, error) {
	ck := checker{op: OpListCustomerOnDemandResources}
	ck.id("customer_id", f.CustomerID)
	ck.optID("region_code", f.RegionCode)
	ck.optID("service_type_code", f.ServiceTypeCode)
	if len(f.ResourceIDs) > 0 {
		ck.ids("resource_ids", f.ResourceIDs, 1, MaxQueryResources)
	}
	if !f.EffectiveBegin.IsZero() && !f.EffectiveEnd.IsZero() && f.EffectiveEnd.Before(f.EffectiveBegin) {
		ck.fail("effective_time_end", "must not be before effective_time_begin", "不能早于 effective_time_begin")
	}
	if f.Status != 0 {
		ck.between("status", f.Status, OnDemandNormal, OnDemandClosed)
	}
	ck.optID("indirect_partner_id", f.IndirectPartnerID)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var page OnDemandPage
	if err := c.do(ctx, request{op: OpListCustomerOnDemandResources, method: http.MethodPost, path: pathOnDemand,
		lang: languageOf(ctx), out: &page,
		body: onDemandBody{CustomerID: f.CustomerID, RegionCode: f.RegionCode, ServiceTypeCode: f.ServiceTypeCode,
			ResourceIDs: f.ResourceIDs, EffectiveTimeBegin: formatTime(f.EffectiveBegin), EffectiveTimeEnd: formatTime(f.EffectiveEnd),
			Offset: offset, Limit: limit, Status: f.Status, IndirectPartnerID: f.IndirectPartnerID}}); err != nil {
		return nil, err
	}
	return &page, nil
}

// OnDemandResources iterates over every matching pay-per-use resource.
func (c *Client) OnDemandResources(ctx context.Context, f OnDemandFilter) iter.Seq2[OnDemandResource, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]OnDemandResource, int, error) {
		p, err := c.ListOnDemandResources(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Resources, p.TotalCount, nil
	})
}
