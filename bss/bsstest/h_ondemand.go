package bsstest

import (
	"fmt"
	"net/http"
	"slices"
)

// ---- ListCustomerOnDemandResources: POST /v2/partners/sub-customers/on-demand-resources/query (§8)

type onDemandReq struct {
	CustomerID         string   `json:"customer_id"`
	RegionCode         *string  `json:"region_code"`
	ServiceTypeCode    *string  `json:"service_type_code"`
	ResourceIDs        []string `json:"resource_ids"`
	EffectiveTimeBegin *string  `json:"effective_time_begin"`
	EffectiveTimeEnd   *string  `json:"effective_time_end"`
	Offset             *int     `json:"offset"`
	Limit              *int     `json:"limit"`
	Status             *int     `json:"status"`
	IndirectPartnerID  *string  `json:"indirect_partner_id"`
}

type onDemandResp struct {
	TotalCount int            `json:"total_count"`
	Resources  []onDemandJSON `json:"resources"`
}

type onDemandJSON struct {
	CustomerID           string `json:"customer_id"`
	RegionCode           string `json:"region_code"`
	AvailabilityZoneCode string `json:"availability_zone_code,omitempty"`
	ServiceTypeCode      string `json:"service_type_code"`
	ResourceTypeCode     string `json:"resource_type_code"`
	ServiceTypeName      string `json:"service_type_name"`
	ResourceTypeName     string `json:"resource_type_name"`
	ResourceID           string `json:"resource_id"`
	ResourceName         string `json:"resource_name"`
	EffectiveTime        string `json:"effective_time"`
	ExpireTime           string `json:"expire_time,omitempty"`
	Status               int    `json:"status"`
	ResourceSpecCode     string `json:"resource_spec_code"`
	ResourceInfo         string `json:"resource_info,omitempty"`
	ProductSpecDesc      string `json:"product_spec_desc,omitempty"`
}

func handleOnDemandResources(c *reqCtx) {
	var req onDemandReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if req.CustomerID == "" || len(req.CustomerID) > 64 {
		c.fail(errParam("customer_id is required (at most 64 characters)"))
		return
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"region_code", req.RegionCode}, {"service_type_code", req.ServiceTypeCode}} {
		if e := maxLen(f.name, f.v, 64); e != nil {
			c.fail(e)
			return
		}
	}
	if len(req.ResourceIDs) > 50 {
		c.fail(errInvalid("resource_ids holds %d ids; at most 50 are allowed", len(req.ResourceIDs)))
		return
	}
	tr := timeRange{name: "effective_time", begin: req.EffectiveTimeBegin, end: req.EffectiveTimeEnd}
	if e := tr.parse(); e != nil {
		c.fail(e)
		return
	}
	if e := oneOf("status", req.Status, 1, 2, 3, 4, 5, 6); e != nil {
		c.fail(e)
		return
	}
	off, lim, e := paging(req.Offset, req.Limit, 100, 1<<31-1)
	if e != nil {
		c.fail(e)
		return
	}
	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	reseller, e := st.resellerOf(req.IndirectPartnerID)
	if e != nil {
		c.fail(e)
		return
	}
	cu := st.customerOf(req.CustomerID, reseller)
	if cu == nil || cu.AssociationType != "2" {
		c.fail(errCode(http.StatusBadRequest, "CBC.99000035", "customer %s is not a resale customer of this partner", req.CustomerID))
		return
	}
	resp := onDemandResp{Resources: []onDemandJSON{}}
	for _, r := range st.onDemand[cu.ID] {
		switch {
		case str(req.RegionCode) != "" && r.RegionCode != *req.RegionCode,
			str(req.ServiceTypeCode) != "" && r.ServiceTypeCode != *req.ServiceTypeCode,
			len(req.ResourceIDs) > 0 && !slices.Contains(req.ResourceIDs, r.ResourceID),
			req.Status != nil && r.Status != *req.Status,
			!tr.contains(r.EffectiveTime):
			continue
		}
		if resp.TotalCount >= off && resp.TotalCount < off+lim {
			j := onDemandJSON{CustomerID: r.CustomerID, RegionCode: r.RegionCode, AvailabilityZoneCode: r.AvailabilityZone,
				ServiceTypeCode: r.ServiceTypeCode, ResourceTypeCode: r.ResourceTypeCode,
				ServiceTypeName: displayName(r.ServiceTypeCode, r.ServiceTypeCode, c.lang), ResourceTypeName: displayName(r.ResourceTypeCode, r.ResourceTypeCode, c.lang),
				ResourceID: r.ResourceID, ResourceName: r.Name, EffectiveTime: fmtTime(r.EffectiveTime), ExpireTime: fmtTime(r.ExpireTime),
				Status: r.Status, ResourceSpecCode: r.SpecCode, ProductSpecDesc: r.ProductSpecDesc}
			if r.SpecSize > 0 {
				// A string holding JSON, as upstream: "{\"specSize\":40.0}".
				j.ResourceInfo = fmt.Sprintf(`{"specSize":%d.0}`, r.SpecSize)
			}
			resp.Resources = append(resp.Resources, j)
		}
		resp.TotalCount++
	}
	c.json(http.StatusOK, resp)
}
