package bss

import (
	"context"
	"net/http"
	"strconv"
)

// PeriodProduct is one product line of a yearly/monthly price inquiry (bss-api.md §8).
type PeriodProduct struct {
	ID               string `json:"id"` // unique per request; echoed back
	CloudServiceType string `json:"cloud_service_type"`
	ResourceType     string `json:"resource_type"`
	ResourceSpec     string `json:"resource_spec"`
	Region           string `json:"region"`
	AvailableZone    string `json:"available_zone,omitempty"`
	ResourceSize     int    `json:"resource_size,omitempty"`
	SizeMeasureID    int    `json:"size_measure_id,omitempty"`
	PeriodType       int    `json:"period_type"` // 0 day, 2 month, 3 year, 4 hour
	PeriodNum        int    `json:"period_num"`
	SubscriptionNum  int    `json:"subscription_num"`
}

// PeriodPriceRequest asks the price of new yearly/monthly products in a customer's project.
type PeriodPriceRequest struct {
	ProjectID string // the customer's project in the target region
	Products  []PeriodProduct
}

type periodPriceBody struct {
	ProjectID    string          `json:"project_id"`
	ProductInfos []PeriodProduct `json:"product_infos"`
}

// PeriodPrice is the answer of ListRateOnPeriodDetail.
type PeriodPrice struct {
	Currency  string           `json:"currency"`
	Official  OfficialRating   `json:"official_website_rating_result"`
	Discounts []DiscountRating `json:"optional_discount_rating_results"`
}

// OfficialRating is the list price.
type OfficialRating struct {
	Amount    Amount          `json:"official_website_amount"`
	MeasureID int             `json:"measure_id"`
	Products  []ProductRating `json:"product_rating_results"`
}

// ProductRating is the price of one product line.
type ProductRating struct {
	ID             string `json:"id"`
	ProductID      string `json:"product_id"`
	OfficialAmount Amount `json:"official_website_amount"`
	Amount         Amount `json:"amount"`
	DiscountAmount Amount `json:"discount_amount"`
	MeasureID      int    `json:"measure_id"`
}

// DiscountRating is one discount option; BestOffer 1 marks the cheapest.
type DiscountRating struct {
	DiscountID     string          `json:"discount_id"`
	DiscountType   Int             `json:"discount_type"`
	DiscountName   string          `json:"discount_name"`
	BestOffer      Int             `json:"best_offer"`
	Amount         Amount          `json:"amount"` // official − discount
	OfficialAmount Amount          `json:"official_website_amount"`
	DiscountAmount Amount          `json:"discount_amount"`
	MeasureID      Int             `json:"measure_id"`
	Products       []ProductRating `json:"product_rating_results"`
}

// Best returns the best discounted amount, or the official amount when no discount applies.
func (p *PeriodPrice) Best() Amount {
	return bestOf(p.Official.Amount, p.Discounts)
}

// bestOf is the best offer: the one BSS marks best, else the cheapest. A discount with no
// amount (renew-rate may send "") is not an offer of zero.
func bestOf(official Amount, ds []DiscountRating) Amount {
	best := official
	for _, d := range ds {
		if d.Amount.IsZero() && official.Sign() > 0 {
			continue
		}
		if d.BestOffer == 1 {
			return d.Amount
		}
		if d.Amount.Cmp(best) < 0 {
			best = d.Amount
		}
	}
	return best
}

// PeriodPrice asks the yearly/monthly price of new products
// (POST /v2/bills/ratings/period-resources/subscribe-rate), with the customer's agency credentials.
func (c *Client) PeriodPrice(ctx context.Context, customer CustomerRef, req PeriodPriceRequest) (*PeriodPrice, error) {
	ck := checker{op: "ListRateOnPeriodDetail"}
	ck.id("project_id", req.ProjectID)
	if len(req.Products) == 0 || len(req.Products) > MaxProducts {
		ck.fail("product_infos", "1 to 100 products", "1 到 100 个产品")
	}
	ids := make(map[string]bool)
	for i, p := range req.Products {
		arg := "product_infos[" + strconv.Itoa(i) + "]"
		ck.id(arg+".id", p.ID)
		if ids[p.ID] {
			ck.fail(arg+".id", "ids must be unique within a request", "同一请求内 id 不能重复")
		}
		ids[p.ID] = true
		ck.id(arg+".cloud_service_type", p.CloudServiceType)
		ck.id(arg+".resource_type", p.ResourceType)
		ck.id(arg+".resource_spec", p.ResourceSpec)
		ck.id(arg+".region", p.Region)
		switch p.PeriodType {
		case 0, 4:
			ck.between(arg+".period_num", p.PeriodNum, 1, 1000)
		case PeriodMonth:
			ck.between(arg+".period_num", p.PeriodNum, 1, 11)
		case PeriodYear:
			ck.between(arg+".period_num", p.PeriodNum, 1, 3)
		default:
			ck.fail(arg+".period_type", "0 (day), 2 (month), 3 (year) or 4 (hour)", "只能是 0（天）、2（月）、3（年）、4（小时）")
		}
		ck.between(arg+".subscription_num", p.SubscriptionNum, 1, 1000)
	}
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res PeriodPrice
	if err := c.asCustomer(ctx, customer, request{
		op: "ListRateOnPeriodDetail", method: http.MethodPost, path: "/v2/bills/ratings/period-resources/subscribe-rate",
		body: periodPriceBody{ProjectID: req.ProjectID, ProductInfos: req.Products}, out: &res,
	}); err != nil {
		return nil, err
	}
	return &res, nil
}

// RenewPriceRequest asks what renewing main resources would cost.
type RenewPriceRequest struct {
	ResourceIDs      []string // 1–10 main resource ids
	Period           Period
	IncludeRelatives bool // price the attached disks / EIPs with their main resource
}

type renewPriceBody struct {
	ResourceIDs              []string `json:"resource_ids"`
	PeriodType               int      `json:"period_type"`
	PeriodNum                int      `json:"period_num"`
	IncludeRelativeResources bool     `json:"include_relative_resources"`
}

// RenewPrice is the answer of ListRenewRateOnPeriod. BSS sends its amounts as JSON strings;
// Amount decodes both forms. Discounts are there only when the customer has optional discounts
// (one per discount, Amount = official − DiscountAmount, BestOffer 1 on the best).
type RenewPrice struct {
	Currency  string           `json:"currency"`
	Results   []RenewInquiry   `json:"renew_inquiry_results"`
	Official  RenewOfficial    `json:"official_website_rating_result"`
	Discounts []DiscountRating `json:"optional_discount_rating_results"`
	Failed    []FailedResource `json:"fail_resource_infos"`
}

// RenewInquiry is one main resource's renewal amount ("主资源（包含从资源）续订金额"): with
// IncludeRelatives, that of its attached resources too. BSS sends it as a JSON string in yuan.
type RenewInquiry struct {
	ResourceID string `json:"resource_id"`
	Amount     Amount `json:"amount"`
}

// AmountOf is the renewal amount BSS gave for one resource.
func (p *RenewPrice) AmountOf(resourceID string) (Amount, bool) {
	for _, r := range p.Results {
		if r.ResourceID == resourceID {
			return r.Amount, true
		}
	}
	return Amount{}, false
}

// RenewOfficial is the list price of a renewal.
type RenewOfficial struct {
	Amount                Amount `json:"official_website_amount"`
	InstallmentAmount     Amount `json:"installment_official_website_amount"`
	InstallmentPeriodType Int    `json:"installment_period_type"`
}

// Best returns the best discounted amount, or the official amount when no discount applies.
func (p *RenewPrice) Best() Amount { return bestOf(p.Official.Amount, p.Discounts) }

// RenewPrice asks the renewal price (POST /v2/bills/ratings/period-resources/renew-rate), with
// the customer's agency credentials.
func (c *Client) RenewPrice(ctx context.Context, customer CustomerRef, req RenewPriceRequest) (*RenewPrice, error) {
	ck := checker{op: "ListRenewRateOnPeriod"}
	ck.ids("resource_ids", req.ResourceIDs, 1, MaxActionResources)
	req.Period.check(&ck)
	if err := ck.result(); err != nil {
		return nil, err
	}
	var res RenewPrice
	if err := c.asCustomer(ctx, customer, request{
		op: "ListRenewRateOnPeriod", method: http.MethodPost, path: "/v2/bills/ratings/period-resources/renew-rate",
		body: renewPriceBody{ResourceIDs: req.ResourceIDs, PeriodType: req.Period.Type, PeriodNum: req.Period.Num,
			IncludeRelativeResources: req.IncludeRelatives},
		out: &res,
	}); err != nil {
		return nil, err
	}
	return &res, nil
}
