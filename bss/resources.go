package bss

import (
	"context"
	"iter"
	"net/http"
	"time"
)

// Resource statuses (bss-api.md §3).
const (
	StatusInUse   = 2
	StatusClosed  = 3
	StatusFrozen  = 4
	StatusExpired = 5
)

// Expiry policies; only ExpirePolicyAutoRenew means auto-renew is on.
const (
	ExpirePolicyGrace     = 0
	ExpirePolicyOnDemand  = 1
	ExpirePolicyDelete    = 2
	ExpirePolicyAutoRenew = 3
	ExpirePolicyFreeze    = 4
	ExpirePolicyRelease   = 5
)

// ResourceFilter narrows a customer's yearly/monthly resource query. CustomerID is required.
type ResourceFilter struct {
	CustomerID      string
	ResourceIDs     []string // at most 50
	OrderID         string
	OnlyMain        bool // main resources only (attached ones are left out)
	Statuses        []int
	ExpireBegin     time.Time // expiry window; zero = open
	ExpireEnd       time.Time
	ServiceTypeCode string // e.g. hws.service.type.ebs
}

// Resource is one yearly/monthly (包年/包月) resource.
type Resource struct {
	ID                string            `json:"id"`
	ResourceID        string            `json:"resource_id"`
	Name              string            `json:"resource_name"`
	RegionCode        string            `json:"region_code"`
	ServiceTypeCode   string            `json:"service_type_code"`
	ServiceTypeName   string            `json:"service_type_name"`
	ResourceTypeCode  string            `json:"resource_type_code"`
	ResourceTypeName  string            `json:"resource_type_name"`
	ResourceSpecCode  string            `json:"resource_spec_code"`
	ProjectID         string            `json:"project_id"`
	ProductID         string            `json:"product_id"`
	ParentResourceID  string            `json:"parent_resource_id"`
	IsMainResource    int               `json:"is_main_resource"`
	Status            int               `json:"status"`
	EffectiveTime     Time              `json:"effective_time"`
	ExpireTime        Time              `json:"expire_time"`
	UpdateTime        Time              `json:"update_time"`
	ExpirePolicy      int               `json:"expire_policy"`
	ProductSpecDesc   string            `json:"product_spec_desc"`
	SpecSize          Amount            `json:"spec_size"`
	SpecSizeMeasureID int               `json:"spec_size_measure_id"`
	EnterpriseProject EnterpriseProject `json:"enterprise_project"`
}

// EnterpriseProject is the enterprise project a resource belongs to.
type EnterpriseProject struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IsMain reports whether this is a main resource (an ECS, a shared bandwidth) rather than an attached one.
func (r Resource) IsMain() bool { return r.IsMainResource == 1 }

// AutoRenew reports whether auto-renew is on.
func (r Resource) AutoRenew() bool { return r.ExpirePolicy == ExpirePolicyAutoRenew }

// ResourcePage is one page of the resource query.
type ResourcePage struct {
	TotalCount int        `json:"total_count"`
	Resources  []Resource `json:"data"`
}

type listResourcesBody struct {
	CustomerID       string   `json:"customer_id"`
	ResourceIDs      []string `json:"resource_ids,omitempty"`
	OrderID          string   `json:"order_id,omitempty"`
	OnlyMainResource int      `json:"only_main_resource"`
	StatusList       []int    `json:"status_list,omitempty"`
	ExpireTimeBegin  string   `json:"expire_time_begin,omitempty"`
	ExpireTimeEnd    string   `json:"expire_time_end,omitempty"`
	ServiceTypeCode  string   `json:"service_type_code,omitempty"`
	Offset           int      `json:"offset"`
	Limit            int      `json:"limit"`
}

func (f ResourceFilter) check(c *checker) {
	c.id("customer_id", f.CustomerID)
	if len(f.ResourceIDs) > 0 {
		c.ids("resource_ids", f.ResourceIDs, 1, MaxQueryResources)
	}
	c.optID("order_id", f.OrderID)
	if len(f.Statuses) > MaxStatuses {
		c.fail("status_list", "at most 10 statuses", "最多 10 个状态")
	}
	for _, s := range f.Statuses {
		if s < StatusInUse || s > StatusExpired {
			c.fail("status_list", "statuses are 2 (in use), 3 (closed), 4 (frozen) or 5 (expired)", "状态只能是 2（使用中）、3（已关闭）、4（已冻结）、5（已过期）")
		}
	}
	if !f.ExpireBegin.IsZero() && !f.ExpireEnd.IsZero() && f.ExpireEnd.Before(f.ExpireBegin) {
		c.fail("expire_time_end", "must not be before expire_time_begin", "不能早于 expire_time_begin")
	}
	c.optID("service_type_code", f.ServiceTypeCode)
}

// ListResources returns one page of a customer's yearly/monthly resources
// (POST /v2/orders/suscriptions/resources/query — the path's spelling is BSS's own).
func (c *Client) ListResources(ctx context.Context, f ResourceFilter, offset, limit int) (*ResourcePage, error) {
	ck := checker{op: "ListPayPerUseCustomerResources"}
	f.check(&ck)
	ck.page(offset, limit)
	if err := ck.result(); err != nil {
		return nil, err
	}
	body := listResourcesBody{
		CustomerID: f.CustomerID, ResourceIDs: f.ResourceIDs, OrderID: f.OrderID, StatusList: f.Statuses,
		ExpireTimeBegin: formatTime(f.ExpireBegin), ExpireTimeEnd: formatTime(f.ExpireEnd),
		ServiceTypeCode: f.ServiceTypeCode, Offset: offset, Limit: limit,
	}
	if f.OnlyMain {
		body.OnlyMainResource = 1
	}
	var page ResourcePage
	if err := c.do(ctx, request{
		op: "ListPayPerUseCustomerResources", method: http.MethodPost,
		path: "/v2/orders/suscriptions/resources/query", body: body, out: &page,
	}); err != nil {
		return nil, err
	}
	return &page, nil
}

// Resources iterates over every matching resource of one customer.
func (c *Client) Resources(ctx context.Context, f ResourceFilter) iter.Seq2[Resource, error] {
	return paginate(ctx, c.cfg.PageSize, func(ctx context.Context, offset, limit int) ([]Resource, int, error) {
		p, err := c.ListResources(ctx, f, offset, limit)
		if err != nil {
			return nil, 0, err
		}
		return p.Resources, p.TotalCount, nil
	})
}

// AllResources collects Resources into a slice.
func (c *Client) AllResources(ctx context.Context, f ResourceFilter) ([]Resource, error) {
	return collect(c.Resources(ctx, f))
}

// Group is a main resource with the resources attached to it (an ECS and its EVS disks, a
// shared bandwidth and its EIPs). BSS renews and unsubscribes them together.
type Group struct {
	Main     Resource
	Attached []Resource
}

// GroupResources groups attached resources under their main resource, keeping the input order
// of main resources. An attached resource whose main resource is not in the input becomes a
// group of its own (its Main is the attached resource itself) so nothing is lost.
func GroupResources(rs []Resource) []Group {
	index := make(map[string]int)
	var groups []Group
	for _, r := range rs {
		if r.IsMain() {
			index[r.ResourceID] = len(groups)
			groups = append(groups, Group{Main: r})
		}
	}
	for _, r := range rs {
		if r.IsMain() {
			continue
		}
		if i, ok := index[r.ParentResourceID]; ok {
			groups[i].Attached = append(groups[i].Attached, r)
			continue
		}
		groups = append(groups, Group{Main: r})
	}
	return groups
}
