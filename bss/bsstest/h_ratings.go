package bsstest

import (
	"net/http"
	"unicode/utf8"
)

// The optional discounts of the demo customers: the partner's 15% (type 607) and a contract
// business discount of 10% (type 605).
var (
	partnerDiscount = OptionalDiscount{ID: "PD607PARTNERBOT15", Type: 607,
		NameZH: "合作伙伴授予折扣（85折）", NameEN: "Partner discount (15% off)", Percent: partnerDiscountPercent}
	contractDiscount = OptionalDiscount{ID: "CD605CONTRACT10", Type: 605,
		NameZH: "合同商务折扣（9折）", NameEN: "Contract business discount (10% off)", Percent: 10}
)

func (d OptionalDiscount) name(lang string) string {
	if lang == "en_US" {
		return d.NameEN
	}
	return d.NameZH
}

// bestDiscount is the index of the discount BSS marks best_offer: the largest saving, ties
// going to contract business discounts (605, 606) before the partner's (607), as the SDK's
// model comment orders them. -1 when there is none.
func bestDiscount(ds []OptionalDiscount, saving func(OptionalDiscount) Money) int {
	best := -1
	for i, d := range ds {
		if best < 0 || saving(d) > saving(ds[best]) || saving(d) == saving(ds[best]) && d.Type < ds[best].Type {
			best = i
		}
	}
	return best
}

// ---- ListRateOnPeriodDetail: POST /v2/bills/ratings/period-resources/subscribe-rate (§8)

type subscribeRateReq struct {
	ProjectID    *string             `json:"project_id"`
	ProductInfos []periodProductInfo `json:"product_infos" bss:"nonnull"`
}

type periodProductInfo struct {
	ID                 *string `json:"id"`
	CloudServiceType   *string `json:"cloud_service_type"`
	ResourceType       *string `json:"resource_type"`
	ResourceSpec       *string `json:"resource_spec"`
	Region             *string `json:"region"`
	AvailableZone      *string `json:"available_zone"`
	ResourceSize       *int    `json:"resource_size"`
	SizeMeasureID      *int    `json:"size_measure_id"`
	PeriodType         *int    `json:"period_type"`
	PeriodNum          *int    `json:"period_num"`
	SubscriptionNum    *int    `json:"subscription_num"`
	FeeInstallmentMode *string `json:"fee_installment_mode"`
}

type subscribeRateResp struct {
	Currency                      string           `json:"currency"`
	OfficialWebsiteRatingResult   officialRating   `json:"official_website_rating_result"`
	OptionalDiscountRatingResults []discountRating `json:"optional_discount_rating_results,omitempty"`
}

type officialRating struct {
	OfficialWebsiteAmount Money           `json:"official_website_amount"`
	MeasureID             int             `json:"measure_id"`
	ProductRatingResults  []productRating `json:"product_rating_results"`
}

type productRating struct {
	ID                    string `json:"id"`
	ProductID             string `json:"product_id"`
	OfficialWebsiteAmount Money  `json:"official_website_amount"`
	MeasureID             int    `json:"measure_id"`
}

type discountRating struct {
	DiscountID            string                  `json:"discount_id"`
	DiscountType          int                     `json:"discount_type"`
	DiscountName          string                  `json:"discount_name"`
	BestOffer             int                     `json:"best_offer"`
	Amount                Money                   `json:"amount"`
	OfficialWebsiteAmount Money                   `json:"official_website_amount"`
	DiscountAmount        Money                   `json:"discount_amount"`
	MeasureID             int                     `json:"measure_id"`
	ProductRatingResults  []discountProductRating `json:"product_rating_results"`
}

type discountProductRating struct {
	ID                    string `json:"id"`
	ProductID             string `json:"product_id"`
	Amount                Money  `json:"amount"`
	OfficialWebsiteAmount Money  `json:"official_website_amount"`
	DiscountAmount        Money  `json:"discount_amount"`
	MeasureID             int    `json:"measure_id"`
}

func handleSubscribeRate(c *reqCtx) {
	var req subscribeRateReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if str(req.ProjectID) == "" {
		c.fail(errParam("project_id is required"))
		return
	}
	if e := maxLen("project_id", req.ProjectID, 64); e != nil {
		c.fail(e)
		return
	}
	if len(req.ProductInfos) == 0 {
		c.fail(errParam("product_infos is required and must hold 1 to 100 products"))
		return
	}
	if len(req.ProductInfos) > 100 {
		c.fail(errInvalid("product_infos holds %d products; at most 100 are allowed", len(req.ProductInfos)))
		return
	}
	seen := map[string]bool{}
	for i, p := range req.ProductInfos {
		field := func(name string) string { return "product_infos[" + itoa(i) + "]." + name }
		for _, f := range []struct {
			name string
			v    *string
		}{{"id", p.ID}, {"cloud_service_type", p.CloudServiceType}, {"resource_type", p.ResourceType},
			{"resource_spec", p.ResourceSpec}, {"region", p.Region}} {
			if str(f.v) == "" {
				c.fail(errParam("%s is required", field(f.name)))
				return
			}
			if utf8.RuneCountInString(*f.v) > 64 {
				c.fail(errInvalid("%s is longer than 64 characters", field(f.name)))
				return
			}
		}
		if seen[*p.ID] {
			c.fail(errInvalid("%s %q is not unique in the request", field("id"), *p.ID))
			return
		}
		seen[*p.ID] = true
		if _, _, e := checkPeriod(p.PeriodType, p.PeriodNum); e != nil {
			e.msg = "product_infos[" + itoa(i) + "]: " + e.msg
			c.fail(e)
			return
		}
		if p.SubscriptionNum == nil {
			c.fail(errParam("%s is required", field("subscription_num")))
			return
		}
		if *p.SubscriptionNum < 1 || *p.SubscriptionNum > 1000 {
			c.fail(errInvalid("%s must be between 1 and 1000", field("subscription_num")))
			return
		}
	}

	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	cu := st.custByID[c.customerID]
	if cu == nil || !cu.hasProject(*req.ProjectID) {
		c.fail(errInvalid("project_id %q is not a project of this customer", *req.ProjectID))
		return
	}
	resp := subscribeRateResp{Currency: cu.Currency}
	resp.OfficialWebsiteRatingResult.MeasureID = 1
	resp.OfficialWebsiteRatingResult.ProductRatingResults = []productRating{}
	discs := make([]discountRating, len(cu.Discounts))
	for i, d := range cu.Discounts {
		discs[i] = discountRating{DiscountID: d.ID, DiscountType: d.Type, DiscountName: d.name(c.lang), MeasureID: 1,
			ProductRatingResults: []discountProductRating{}}
	}
	for i, p := range req.ProductInfos {
		price := st.price(*p.CloudServiceType, *p.ResourceType, *p.ResourceSpec, *p.Region)
		if price == nil {
			c.fail(errInvalid("product_infos[%d].resource_spec %q has no price for cloud_service_type %q, resource_type %q in region %q",
				i, *p.ResourceSpec, *p.CloudServiceType, *p.ResourceType, *p.Region))
			return
		}
		unit := price.Monthly
		if price.SizeMeasureID != 0 {
			if p.ResourceSize == nil || *p.ResourceSize < 1 {
				c.fail(errParam("product_infos[%d].resource_size is required for %s (a linear product)", i, *p.ResourceSpec))
				return
			}
			if p.SizeMeasureID == nil || *p.SizeMeasureID != price.SizeMeasureID {
				c.fail(errInvalid("product_infos[%d].size_measure_id must be %d for %s", i, price.SizeMeasureID, *p.ResourceSpec))
				return
			}
			unit *= Money(*p.ResourceSize)
		}
		_, priceMonths, _ := checkPeriod(p.PeriodType, p.PeriodNum)
		official := unit * Money(priceMonths) * Money(*p.SubscriptionNum)
		resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount += official
		resp.OfficialWebsiteRatingResult.ProductRatingResults = append(resp.OfficialWebsiteRatingResult.ProductRatingResults,
			productRating{ID: *p.ID, ProductID: price.ProductID, OfficialWebsiteAmount: official, MeasureID: 1})
		for j, d := range cu.Discounts {
			discount := official.percent(d.Percent)
			discs[j].OfficialWebsiteAmount += official
			discs[j].DiscountAmount += discount
			discs[j].Amount += official - discount
			discs[j].ProductRatingResults = append(discs[j].ProductRatingResults, discountProductRating{ID: *p.ID,
				ProductID: price.ProductID, Amount: official - discount, OfficialWebsiteAmount: official,
				DiscountAmount: discount, MeasureID: 1})
		}
	}
	if b := bestDiscount(cu.Discounts, func(d OptionalDiscount) Money {
		return resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount.percent(d.Percent)
	}); b >= 0 {
		discs[b].BestOffer = 1
	}
	resp.OptionalDiscountRatingResults = discs
	c.json(http.StatusOK, resp)
}

// ---- ListRenewRateOnPeriod: POST /v2/bills/ratings/period-resources/renew-rate (§8)
// Every amount of this response is a JSON string.

type renewRateReq struct {
	ResourceIDs              []string `json:"resource_ids" bss:"nonnull"`
	PeriodType               *int     `json:"period_type"`
	PeriodNum                *int     `json:"period_num"`
	IncludeRelativeResources *bool    `json:"include_relative_resources"`
}

type renewRateResp struct {
	Currency                      string                `json:"currency"`
	RenewInquiryResults           []renewInquiryResult  `json:"renew_inquiry_results"`
	OfficialWebsiteRatingResult   renewOfficialRating   `json:"official_website_rating_result"`
	OptionalDiscountRatingResults []renewDiscountRating `json:"optional_discount_rating_results,omitempty"`
	FailResourceInfos             []failResource        `json:"fail_resource_infos,omitempty"`
}

type renewInquiryResult struct {
	ResourceID string      `json:"resource_id"`
	Amount     moneyString `json:"amount"`
}

type renewOfficialRating struct {
	OfficialWebsiteAmount moneyString `json:"official_website_amount"`
}

type renewDiscountRating struct {
	DiscountID            string      `json:"discount_id"`
	Amount                moneyString `json:"amount"`
	OfficialWebsiteAmount moneyString `json:"official_website_amount"`
	DiscountAmount        moneyString `json:"discount_amount"`
	DiscountType          int         `json:"discount_type"`
	DiscountName          string      `json:"discount_name"`
	BestOffer             int         `json:"best_offer"`
}

func handleRenewRate(c *reqCtx) {
	var req renewRateReq
	if e := decodeStrict(c.body, &req); e != nil {
		c.fail(e)
		return
	}
	if e := checkIDs("resource_ids", req.ResourceIDs, 10); e != nil {
		c.fail(e)
		return
	}
	_, priceMonths, e := checkPeriod(req.PeriodType, req.PeriodNum)
	if e != nil {
		c.fail(e)
		return
	}
	withRelatives := req.IncludeRelativeResources != nil && *req.IncludeRelativeResources

	c.s.mu.RLock()
	defer c.s.mu.RUnlock()
	st := c.s.st
	cu := st.custByID[c.customerID]
	if cu == nil {
		c.fail(errCode(http.StatusBadRequest, "CBC.99000000", "the customer of these credentials no longer exists"))
		return
	}
	resp := renewRateResp{Currency: cu.Currency, RenewInquiryResults: []renewInquiryResult{}}
	var official, charged Money
	for _, id := range dedupe(req.ResourceIDs) {
		r, e := c.owned(id)
		switch {
		case e != nil:
			resp.FailResourceInfos = append(resp.FailResourceInfos, failResource{id, e.code, e.msg})
			continue
		case !r.IsMain:
			resp.FailResourceInfos = append(resp.FailResourceInfos, failResource{id, "CBC.0101",
				"resource " + id + " is an attached resource; price its main resource " + r.ParentResourceID})
			continue
		}
		// The renewal amount of the main resource, with its attached ones when asked: what the
		// renewal order will charge, line by line with the partner discount the fake's orders
		// apply (addLine), as in the fact sheet's example (amount "432.10" of an official
		// "480.11"). The optional discounts are offered on the official total below.
		group := []*Resource{r}
		if withRelatives {
			group = st.group(r)
		}
		var charge Money
		for _, g := range group {
			line := g.MonthlyPrice * Money(priceMonths)
			official += line
			charge += line - line.percent(partnerDiscountPercent)
		}
		charged += charge
		resp.RenewInquiryResults = append(resp.RenewInquiryResults, renewInquiryResult{ResourceID: id, Amount: moneyString(charge)})
	}
	resp.OfficialWebsiteRatingResult.OfficialWebsiteAmount = moneyString(official)
	if len(resp.RenewInquiryResults) > 0 {
		// An optional discount, chosen when the customer pays, comes on top of what the renewal
		// amount already takes off: amount = the charge less the discount's percent, and
		// discount_amount = official − amount, so amount + discount_amount = official.
		for _, d := range cu.Discounts {
			amount := charged - charged.percent(d.Percent)
			resp.OptionalDiscountRatingResults = append(resp.OptionalDiscountRatingResults, renewDiscountRating{
				DiscountID: d.ID, Amount: moneyString(amount), OfficialWebsiteAmount: moneyString(official),
				DiscountAmount: moneyString(official - amount), DiscountType: d.Type, DiscountName: d.name(c.lang)})
		}
		if b := bestDiscount(cu.Discounts, func(d OptionalDiscount) Money { return charged.percent(d.Percent) }); b >= 0 {
			resp.OptionalDiscountRatingResults[b].BestOffer = 1
		}
	}
	c.json(http.StatusOK, resp)
}
