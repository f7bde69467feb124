package bsstest

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// gen builds data sets deterministically from a seed.
type gen struct {
	rng    *rand.Rand
	now    time.Time
	ds     *Dataset
	prices map[priceKey]*Price
	orders map[string]bool
	withPO bool // create a purchase order for every group
}

func newGen(seed int64, now time.Time) *gen {
	ds := &Dataset{Currency: "CNY", Prices: demoPrices()}
	g := &gen{
		rng:    rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15)),
		now:    now.UTC().Truncate(time.Second),
		ds:     ds,
		prices: make(map[priceKey]*Price, len(ds.Prices)),
		orders: make(map[string]bool),
	}
	for i := range ds.Prices {
		p := &ds.Prices[i]
		g.prices[priceKey{p.ServiceTypeCode, p.ResourceTypeCode, p.ResourceSpecCode, p.Region}] = p
	}
	return g
}

var regions = []string{"cn-north-4", "cn-east-3", "cn-south-1"}

var (
	ecsSpecs = []string{"s6.small.1.linux", "s6.medium.2.linux", "s6.large.2.linux", "s6.xlarge.2.linux",
		"c7.large.2.linux", "c7.xlarge.4.linux", "m6.large.8.linux", "s6.large.2.win"}
	diskSpecs = []string{"SAS", "SSD", "GPSSD"}
	rdsSpecs  = []string{"rds.mysql.n1.large.2", "rds.mysql.n1.xlarge.4.ha", "rds.pg.n1.large.2"}
	obsSpecs  = []string{"obs.standard.package.1tb", "obs.standard.package.5tb"}
	dcsSpecs  = []string{"redis.ha.xu1.large.r2.2", "redis.single.xu1.large.4"}
)

type kind int

const (
	kindECS kind = iota
	kindBandwidth
	kindRDS
	kindOBS
	kindDCS
)

// randomKind draws a product kind: ECS 45%, bandwidth 15%, RDS 15%, DCS 15%, OBS 10%.
func (g *gen) randomKind() kind {
	switch n := g.rng.IntN(100); {
	case n < 45:
		return kindECS
	case n < 60:
		return kindBandwidth
	case n < 75:
		return kindRDS
	case n < 90:
		return kindDCS
	default:
		return kindOBS
	}
}

func pick[T any](rng *rand.Rand, v []T) T { return v[rng.IntN(len(v))] }

func (g *gen) hex(n int) string { return randHex(g.rng, n) }

func (g *gen) orderID(t time.Time) string {
	for {
		id := fmt.Sprintf("CS%s%08X", t.UTC().Format("060102"), g.rng.Uint32())
		if !g.orders[id] {
			g.orders[id] = true
			return id
		}
	}
}

// customer fills the generated parts of a customer.
func (g *gen) customer(account, name string, person bool) Customer {
	c := Customer{
		ID: g.hex(32), AccountName: account, Name: name, AssociationType: "2",
		AssociatedOn: g.now.Add(-time.Duration(30+g.rng.IntN(900)) * 24 * time.Hour).Add(-time.Duration(g.rng.IntN(86400)) * time.Second),
		Telephone:    pick(g.rng, []string{"138", "139", "186", "177", "150"}) + "****" + fmt.Sprintf("%04d", g.rng.IntN(10000)),
		CountryCode:  "0086", VerifiedStatus: "2", CustomerType: 1, CustomerLevel: fmt.Sprintf("V%d", g.rng.IntN(6)),
		Currency: "CNY",
	}
	if person {
		c.CustomerType = 0
	}
	short := account
	if len(short) > 3 {
		short = short[:3]
	}
	c.Email = short + "***@" + pick(g.rng, []string{"example.com", "example.cn", "mail.example.org"})
	switch n := g.rng.IntN(20); {
	case n == 0:
		c.VerifiedStatus, c.CustomerType = "-1", -1
	case n == 1:
		c.VerifiedStatus = "0"
	}
	if g.rng.IntN(5) == 0 {
		c.AssociationType = "1"
	}
	if g.rng.IntN(3) > 0 {
		c.XAccountType = SandboxAgency
		c.XAccountID = g.hex(32)
	}
	if g.rng.IntN(2) == 0 {
		c.AccountManager = fmt.Sprintf("pb_sales%02d", 1+g.rng.IntN(4))
	}
	c.Balance = Money(g.rng.Int64N(5_000_000)) // up to 50,000.00
	for _, r := range g.rng.Perm(len(regions))[:1+g.rng.IntN(len(regions))] {
		c.Projects = append(c.Projects, Project{Region: regions[r], ID: g.hex(32)})
	}
	return c
}

// newResource builds one resource priced from the table.
func (g *gen) newResource(cu *Customer, p Project, svc, rtype, spec string, size int64, name string) Resource {
	r := Resource{
		ID: g.hex(32), ResourceID: randUUID(g.rng), Name: name, CustomerID: cu.ID, RegionCode: p.Region,
		ServiceTypeCode: svc, ServiceTypeName: zhName(svc), ResourceTypeCode: rtype, ResourceTypeName: zhName(rtype),
		ResourceSpecCode: spec, ProjectID: p.ID, Status: 2, EnterpriseProjectID: "0", EnterpriseProjectName: "default",
	}
	price := g.prices[priceKey{svc, rtype, spec, p.Region}]
	if price == nil {
		price = g.prices[priceKey{svc, rtype, spec, ""}]
	}
	if price != nil {
		r.ProductID, r.ProductSpecDesc, r.MonthlyPrice = price.ProductID, price.ProductSpecDesc, price.Monthly
		if price.SizeMeasureID != 0 {
			r.SpecSize, r.SpecSizeMeasureID = size, price.SizeMeasureID
			r.MonthlyPrice = price.Monthly * Money(size)
		}
	}
	return r
}

// groupSpec describes a main resource and its attached resources before they are dated.
type groupSpec struct {
	kind     kind
	name     string
	spec     string // "" = random
	attached int    // -1 = random
}

// addGroup appends a main resource and its attached resources expiring at expire.
// It returns the index of the main resource in ds.Resources.
func (g *gen) addGroup(cu *Customer, gs groupSpec, expire time.Time, policy int, maxResources int) int {
	group := g.buildGroup(cu, gs)
	if maxResources > 0 && len(group) > maxResources {
		group = group[:maxResources]
	}
	// Date the group: a period that started in the past and ends at expire.
	months, periodType, periodNum := g.period(expire)
	effective := addMonths(expire, -months)
	status := 2
	if !expire.After(g.now) {
		status, policy = 5, 0
	}
	g.date(group, effective, expire, status, policy)
	main := &group[0]
	if g.withPO {
		priceMonths := periodNum
		if periodType == 3 {
			priceMonths = 10 * periodNum
		}
		created := effective.Add(-time.Duration(1+g.rng.IntN(30)) * time.Minute)
		o := Order{ID: g.orderID(created), CustomerID: cu.ID, UserName: cu.AccountName, ServiceTypeCode: main.ServiceTypeCode,
			ServiceTypeName: main.ServiceTypeName, SourceType: 1, Status: 5, OrderType: 1, Currency: "CNY",
			CreateTime: created, PaymentTime: created.Add(time.Duration(30+g.rng.IntN(600)) * time.Second)}
		for i := range group {
			group[i].OrderID = o.ID
			o.addLine(&group[i], periodType, periodNum, effective, expire, group[i].MonthlyPrice*Money(priceMonths))
		}
		o.AmountAfterDiscount = 0
		for _, li := range o.LineItems {
			o.AmountAfterDiscount += li.AmountAfterDiscount
		}
		o.DiscountAmount = o.OfficialAmount - o.AmountAfterDiscount
		g.ds.Orders = append(g.ds.Orders, o)
	} else {
		id := g.orderID(effective)
		for i := range group {
			group[i].OrderID = id
		}
	}
	idx := len(g.ds.Resources)
	g.ds.Resources = append(g.ds.Resources, group...)
	return idx
}

// buildGroup makes a main resource (first) and its attached resources, undated.
func (g *gen) buildGroup(cu *Customer, gs groupSpec) []Resource {
	p := pick(g.rng, cu.Projects)
	var group []Resource
	switch gs.kind {
	case kindECS:
		spec := gs.spec
		if spec == "" {
			spec = pick(g.rng, ecsSpecs)
		}
		group = append(group, g.newResource(cu, p, svcECS, resVM, spec, 0, gs.name))
		n := gs.attached
		if n < 0 {
			n = 1 + g.rng.IntN(3)
		}
		for i := 0; i < n; i++ {
			size := int64(40)
			disk := pick(g.rng, []string{"SSD", "GPSSD"})
			if i > 0 {
				size = int64(100 * (1 + g.rng.IntN(10)))
				disk = pick(g.rng, diskSpecs)
			}
			group = append(group, g.newResource(cu, p, svcEVS, resVolume, disk, size, fmt.Sprintf("%s-volume-%04d", gs.name, i)))
		}
	case kindBandwidth:
		group = append(group, g.newResource(cu, p, svcVPC, resBandwidth, "19_bgp", int64(5*(1+g.rng.IntN(20))), gs.name))
		n := gs.attached
		if n < 0 {
			n = 1 + g.rng.IntN(3)
		}
		for i := 0; i < n; i++ {
			group = append(group, g.newResource(cu, p, svcVPC, resIP, "5_bgp", 0,
				fmt.Sprintf("eip-%d.%d.%d.%d", 100+g.rng.IntN(100), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))))
		}
	case kindRDS:
		group = append(group, g.newResource(cu, p, svcRDS, resRDS, orRandom(g, gs.spec, rdsSpecs), 0, gs.name))
	case kindOBS:
		group = append(group, g.newResource(cu, p, svcOBS, resOBS, orRandom(g, gs.spec, obsSpecs), 0, gs.name))
	case kindDCS:
		group = append(group, g.newResource(cu, p, svcDCS, resDCS, orRandom(g, gs.spec, dcsSpecs), 0, gs.name))
	}
	return group
}

// date sets the period, status and expiry policy of a group whose first resource is the main one.
func (g *gen) date(group []Resource, effective, expire time.Time, status, policy int) {
	main := &group[0]
	main.IsMain = true
	for i := range group {
		r := &group[i]
		r.EffectiveTime, r.ExpireTime, r.Status = effective, expire, status
		r.UpdateTime = effective.Add(time.Duration(g.rng.IntN(30*86400)) * time.Second)
		if r.UpdateTime.After(g.now) {
			r.UpdateTime = g.now
		}
		r.ExpirePolicy = policy
		if i > 0 {
			r.ParentResourceID = main.ResourceID
		}
	}
}

func orRandom(g *gen, spec string, specs []string) string {
	if spec != "" {
		return spec
	}
	return pick(g.rng, specs)
}

// period picks the purchase period of a resource expiring at expire, so that it started
// at least a day ago: months, and the order line's period type (2 month, 3 year) and number.
// A period qualifies when even months of 28 days would have started it a day ago, so that the
// choice does not depend on the lengths of the months around now.
func (g *gen) period(expire time.Time) (months, periodType, periodNum int) {
	cands := []int{1, 3, 6, 12, 24, 36}
	var ok []int
	for _, m := range cands {
		if expire.Sub(g.now)+24*time.Hour <= time.Duration(m)*28*24*time.Hour {
			ok = append(ok, m)
		}
	}
	if len(ok) == 0 {
		months = 48
	} else {
		months = ok[g.rng.IntN(min(2, len(ok)))]
	}
	if months%12 == 0 {
		return months, 3, months / 12
	}
	return months, 2, months
}

// expiryPlan returns the expiry of the n-th group: bins at 1, 3, 7, 15 and 30 days (a few
// hours short of the full day count, so "within N days" holds and "within N-1 days" does not),
// some already expired (1–20 days ago) and the rest 45–365 days out.
func (g *gen) expiryPlan(n int) time.Time {
	day := 24 * time.Hour
	jitter := time.Duration(1+g.rng.IntN(5))*time.Hour + time.Duration(g.rng.IntN(3600))*time.Second
	switch n % 16 {
	case 0:
		return g.now.Add(1*day - jitter)
	case 1:
		return g.now.Add(3*day - jitter)
	case 2:
		return g.now.Add(7*day - jitter)
	case 3:
		return g.now.Add(15*day - jitter)
	case 4:
		return g.now.Add(30*day - jitter)
	case 5, 6:
		return g.now.Add(-time.Duration(1+g.rng.IntN(20))*day - jitter)
	default:
		return g.now.Add(time.Duration(45+g.rng.IntN(321))*day - jitter)
	}
}

// randomPolicy: 20% auto-renew (3), 5% convert to pay-per-use (1), the rest grace period (0).
func (g *gen) randomPolicy() int {
	switch n := g.rng.IntN(100); {
	case n < 20:
		return 3
	case n < 25:
		return 1
	default:
		return 0
	}
}
