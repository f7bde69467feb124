package commands

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/internal/fuzzy"
	"github.com/partnerbot/partnerbot/lang"
)

// service is a product family people name in /price, with its BSS codes.
type service struct {
	cloudServiceType string
	resourceType     string
	sizeMeasure      int // 17 GB, 15 Mbit/s; 0 = not a linear product
}

var services = map[string]service{
	"ecs":       {"hws.service.type.ec2", "hws.resource.type.vm", 0},
	"evs":       {"hws.service.type.ebs", "hws.resource.type.volume", 17},
	"disk":      {"hws.service.type.ebs", "hws.resource.type.volume", 17},
	"bandwidth": {"hws.service.type.vpc", "hws.resource.type.bandwidth", 15},
	"eip":       {"hws.service.type.vpc", "hws.resource.type.ip", 0},
	"rds":       {"hws.service.type.rds", "hws.resource.type.rds.vm", 0},
	"obs":       {"hws.service.type.obs", "hws.resource.type.obs.package", 0},
	"dcs":       {"hws.service.type.dcs", "hws.resource.type.dcs.redis", 0},
	"云服务器":      {"hws.service.type.ec2", "hws.resource.type.vm", 0},
	"云硬盘":       {"hws.service.type.ebs", "hws.resource.type.volume", 17},
	"带宽":        {"hws.service.type.vpc", "hws.resource.type.bandwidth", 15},
	"数据库":       {"hws.service.type.rds", "hws.resource.type.rds.vm", 0},
}

var periodPattern = regexp.MustCompile(`^(\d{1,2})\s*(m|mo|month|months|月|个月|y|yr|year|years|年)$`)

// ParsePeriod reads "1m", "3m", "1y", "3个月", "1年" into a BSS period (months 1–11, years 1–3).
func ParsePeriod(s string) (bss.Period, bool) {
	m := periodPattern.FindStringSubmatch(strings.ToLower(strings.TrimSpace(s)))
	if m == nil {
		return bss.Period{}, false
	}
	n, _ := strconv.Atoi(m[1])
	switch m[2] {
	case "y", "yr", "year", "years", "年":
		if n >= 1 && n <= 3 {
			return bss.Period{Type: bss.PeriodYear, Num: n}, true
		}
	default:
		if n == 12 {
			return bss.Period{Type: bss.PeriodYear, Num: 1}, true
		}
		if n >= 1 && n <= 11 {
			return bss.Period{Type: bss.PeriodMonth, Num: n}, true
		}
	}
	return bss.Period{}, false
}

// periodText shows a period in the user's language.
func (c *Call) periodText(p bss.Period) string {
	return c.Lang.T("period."+strconv.Itoa(p.Type), p.Num)
}

func runPrice(ctx context.Context, c *Call) (chat.Reply, error) {
	svcName := strings.ToLower(c.Arg(1))
	svc, ok := services[svcName]
	if !ok {
		names := make([]string, 0, len(services))
		for n := range services {
			if n[0] < 0x80 {
				names = append(names, n)
			}
		}
		sort.Strings(names)
		return chat.Reply{}, c.fail("err.bad_service", c.Arg(1), strings.Join(names, ", "))
	}
	spec := c.Arg(2)
	region := "cn-north-4"
	if v, ok := c.Flag("region"); ok {
		region = strings.TrimSpace(v)
	}
	period := bss.Period{Type: bss.PeriodMonth, Num: 1}
	if v, ok := c.Flag("period"); ok {
		if period, ok = ParsePeriod(v); !ok {
			return chat.Reply{}, c.fail("err.bad_period", v)
		}
	}
	qty, err := c.IntFlag("qty", 1, 1, 1000)
	if err != nil {
		return chat.Reply{}, err
	}
	size, err := c.IntFlag("size", 0, 1, 100000)
	if err != nil {
		return chat.Reply{}, err
	}
	cu, err := c.oneCustomer(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	// The inquiry is made in the customer's project of the region: take it from the customer's
	// resources there.
	rs, err := c.r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: cu.ID, OnlyMain: true}, 0, 100)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	project := ""
	for _, r := range rs.Resources {
		if r.RegionCode == region && r.ProjectID != "" {
			project = r.ProjectID
			break
		}
	}
	if project == "" {
		return chat.Reply{}, c.fail("err.no_project", lang.CustomerName(cu), region)
	}
	prod := bss.PeriodProduct{ID: "1", CloudServiceType: svc.cloudServiceType, ResourceType: svc.resourceType,
		ResourceSpec: spec, Region: region, PeriodType: period.Type, PeriodNum: period.Num, SubscriptionNum: qty}
	if svc.sizeMeasure != 0 {
		if size == 0 {
			size = 40
			if svc.sizeMeasure == 15 {
				size = 5
			}
		}
		prod.ResourceSize, prod.SizeMeasureID = size, svc.sizeMeasure
	}
	p, err := c.r.bss.PeriodPrice(ctx, cu.Ref(), bss.PeriodPriceRequest{ProjectID: project, Products: []bss.PeriodProduct{prod}})
	if err != nil {
		var be *bss.Error
		if errors.As(c.bssError(err), &be) && be.Code == "CBC.0101" {
			return chat.Reply{}, c.unknownSpec(svcName, svc, spec, region, rs.Resources)
		}
		return chat.Reply{}, err
	}
	what := spec
	if prod.ResourceSize > 0 {
		what += " " + strconv.Itoa(prod.ResourceSize)
		if svc.sizeMeasure == 17 {
			what += "GB"
		} else {
			what += "Mbit/s"
		}
	}
	rep := chat.Reply{Title: c.Lang.T("price.title", svcName, what), Fields: []chat.Field{
		{Label: c.Lang.T("price.customer"), Value: lang.CustomerName(cu)},
		{Label: c.Lang.T("price.region"), Value: region},
		{Label: c.Lang.T("price.period"), Value: c.periodText(period)},
		{Label: c.Lang.T("price.qty"), Value: strconv.Itoa(qty)},
		{Label: c.Lang.T("price.official"), Value: lang.Money(p.Official.Amount, p.Currency)},
	}}
	for _, d := range p.Discounts {
		name := c.Lang.DiscountName(int(d.DiscountType), firstNonEmpty(d.DiscountName, d.DiscountID))
		rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("price.discount", name), Value: lang.Money(d.Amount, p.Currency)})
	}
	rep.Fields = append(rep.Fields, chat.Field{Label: c.Lang.T("price.best"), Value: lang.Money(p.Best(), p.Currency)})
	return rep, nil
}

// commonSpecs are widely sold spec codes of each resource type (Huawei Cloud's codes, as the
// price inquiry takes them): what /price offers, with the customer's own, when BSS refuses a
// spec it does not know.
var commonSpecs = map[string][]string{
	"hws.resource.type.vm": {"s6.small.1.linux", "s6.medium.2.linux", "s6.large.2.linux", "s6.xlarge.2.linux",
		"s6.large.2.win", "c7.large.2.linux", "c7.xlarge.4.linux", "m6.large.8.linux"},
	"hws.resource.type.volume":      {"SAS", "SSD", "GPSSD"},
	"hws.resource.type.bandwidth":   {"19_bgp"},
	"hws.resource.type.ip":          {"5_bgp"},
	"hws.resource.type.rds.vm":      {"rds.mysql.n1.large.2", "rds.mysql.n1.xlarge.4.ha", "rds.pg.n1.large.2"},
	"hws.resource.type.obs.package": {"obs.standard.package.1tb", "obs.standard.package.5tb"},
	"hws.resource.type.dcs.redis":   {"redis.ha.xu1.large.r2.2", "redis.single.xu1.large.4"},
}

// maxSpecSuggestions is how many specs an unknown spec's reply offers.
const maxSpecSuggestions = 5

// unknownSpec is the reply to a spec BSS refused (CBC.0101): the nearest specs of the customer's
// own resources of that type and of commonSpecs, instead of BSS's raw error.
func (c *Call) unknownSpec(svcName string, svc service, spec, region string, own []bss.Resource) error {
	seen := map[string]bool{}
	var cands []string
	add := func(s string) {
		if s != "" && !seen[s] {
			seen[s] = true
			cands = append(cands, s)
		}
	}
	for _, r := range own {
		if r.ResourceTypeCode == svc.resourceType {
			add(r.ResourceSpecCode)
		}
	}
	for _, s := range commonSpecs[svc.resourceType] {
		add(s)
	}
	if len(cands) == 0 {
		return c.fail("err.unknown_spec_none", svcName, spec, region)
	}
	want := strings.ToLower(spec)
	dist := make(map[string]int, len(cands))
	for _, s := range cands {
		dist[s] = fuzzy.Distance(want, strings.ToLower(s))
	}
	sort.SliceStable(cands, func(i, j int) bool { return dist[cands[i]] < dist[cands[j]] })
	if len(cands) > maxSpecSuggestions {
		cands = cands[:maxSpecSuggestions]
	}
	return c.fail("err.unknown_spec", svcName, spec, region, strings.Join(cands, ", "))
}
