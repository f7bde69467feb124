package bsstest

import (
	"strconv"
	"time"
)

// GenOptions size a generated data set.
type GenOptions struct {
	Customers int       // number of customers (≥1; 0 = 100)
	Resources int       // total resources, main and attached (0 = 20 per customer)
	Seed      int64     // same seed, same data
	Now       time.Time // zero = time.Now()
	// Spread lays expiries out evenly from 20 days ago to a year ahead, as in a book of
	// monthly and yearly subscriptions, instead of the expiry plan that puts a third of the
	// resources on the alert thresholds (the worst case of a first scan).
	Spread bool
}

var (
	genCities   = []string{"北京", "上海", "深圳", "杭州", "广州", "成都", "武汉", "南京", "西安", "苏州", "重庆", "天津"}
	genWords    = []string{"星河", "云帆", "智联", "青松", "南方", "天府", "光谷", "紫金", "古城", "园林", "海风", "量子"}
	genSuffixes = []string{"科技有限公司", "网络", "数据", "软件有限公司", "贸易", "传媒", "医疗", "教育科技"}
	genEnglish  = []string{"Apex", "Blue", "Crest", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Jade"}
	genEnNouns  = []string{"Systems", "Trading", "Labs", "Foods", "Logistics", "Media", "Holdings", "Works"}
	genLabels   = []string{"", "", "vip", "edu", "gov", "startup", "retail"}
)

// Generate builds a large synthetic data set for benchmarks: o.Customers customers and
// exactly o.Resources resources spread over them, one purchase order per customer, the demo
// price table and the demo coupon quotas. 10,000 customers and 200,000 resources build in
// well under a few seconds.
func Generate(o GenOptions) *Dataset {
	if o.Customers <= 0 {
		o.Customers = 100
	}
	if o.Resources < 0 {
		o.Resources = 0
	} else if o.Resources == 0 {
		o.Resources = 20 * o.Customers
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	g := newGen(o.Seed, o.Now)
	ds := g.ds
	ds.Customers = make([]Customer, 0, o.Customers)
	ds.Resources = make([]Resource, 0, o.Resources)
	for i := 0; i < o.Customers; i++ {
		var name string
		switch g.rng.IntN(3) {
		case 0:
			name = pick(g.rng, genCities) + pick(g.rng, genWords) + pick(g.rng, genSuffixes)
		case 1:
			name = pick(g.rng, genEnglish) + " " + pick(g.rng, genEnNouns) + " " + strconv.Itoa(i)
		default:
			name = pick(g.rng, genCities) + pick(g.rng, genWords) + strconv.Itoa(i)
		}
		c := g.customer("cust"+pad6(i), name, false)
		c.Label = pick(g.rng, genLabels)
		c.Discounts = demoDiscounts(i)
		if c.AssociationType == "2" && g.rng.IntN(10) == 0 {
			c.Balance, c.Debt = 0, Money(1000+g.rng.Int64N(499_000))
		}
		ds.Customers = append(ds.Customers, c)
	}
	// Every customer gets a first group (with a purchase order) while resources last;
	// the rest are spread at random.
	n := 0
	for i := 0; len(ds.Resources) < o.Resources; i++ {
		var cu *Customer
		if i < len(ds.Customers) {
			cu = &ds.Customers[i]
			g.withPO = true
		} else {
			cu = &ds.Customers[g.rng.IntN(len(ds.Customers))]
			g.withPO = false
		}
		k := g.randomKind()
		name := kindPrefix[k] + "-" + cu.AccountName + "-" + strconv.Itoa(n)
		expire := g.expiryPlan(n)
		if o.Spread {
			expire = g.now.Add(time.Duration(g.rng.Int64N(int64(385*24*time.Hour/time.Second)))*time.Second - 20*24*time.Hour)
		}
		g.addGroup(cu, groupSpec{kind: k, name: name, attached: -1}, expire, g.randomPolicy(), o.Resources-len(ds.Resources))
		n++
	}
	g.withPO = false
	g.demoQuotas()
	ds.PartnerAccounts = []PartnerAccount{{ID: "PA" + g.hex(30), Type: 1, Amount: MustMoney("1000000.00")}}
	return ds
}

func pad6(i int) string {
	s := strconv.Itoa(i)
	for len(s) < 6 {
		s = "0" + s
	}
	return s
}
