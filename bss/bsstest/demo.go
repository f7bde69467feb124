package bsstest

import (
	"fmt"
	"strings"
	"time"
)

type demoCustomer struct {
	name, account, label string
	person               bool
}

// demoCustomers are the 60 customers of Demo; the first is 张三 (account zhangsan).
var demoCustomers = []demoCustomer{
	{"张三", "zhangsan", "vip", true},
	{"李四", "lisi", "", true},
	{"王芳", "wangfang", "edu", true},
	{"赵敏", "zhaomin", "startup", true},
	{"刘洋", "liuyang", "", true},
	{"陈静", "chenjing", "retail", true},
	{"杨磊", "yanglei", "vip", true},
	{"黄丽", "huangli", "", true},
	{"周杰", "zhoujie", "startup", true},
	{"吴刚", "wugang", "", true},
	{"徐婷", "xuting", "edu", true},
	{"孙浩", "sunhao", "", true},
	{"马超", "machao", "retail", true},
	{"朱琳", "zhulin", "", true},
	{"胡军", "hujun", "gov", true},
	{"郭靖", "guojing", "vip", true},
	{"何敏", "hemin", "", true},
	{"高翔", "gaoxiang", "startup", true},
	{"林峰", "linfeng", "", true},
	{"罗娟", "luojuan", "retail", true},
	{"北京星河科技有限公司", "bj-xinghe-tech", "vip", false},
	{"上海云帆网络", "sh-yunfan-net", "startup", false},
	{"深圳智联数据", "sz-zhilian-data", "", false},
	{"杭州青松软件有限公司", "hz-qingsong-soft", "VIP大客户", false},
	{"广州南方物流有限公司", "gz-nanfang-logistics", "retail", false},
	{"成都天府游戏工作室", "cd-tianfu-games", "startup", false},
	{"武汉光谷生物科技", "wh-guanggu-bio", "", false},
	{"南京紫金教育科技", "nj-zijin-edu", "edu", false},
	{"西安古城文旅集团", "xa-gucheng-travel", "gov", false},
	{"苏州园林设计院", "sz-yuanlin-design", "", false},
	{"重庆山城餐饮连锁", "cq-shancheng-food", "retail", false},
	{"天津港湾贸易", "tj-gangwan-trade", "", false},
	{"厦门鹭岛电商", "xm-ludao-ecom", "retail", false},
	{"青岛海风啤酒销售", "qd-haifeng-beer", "", false},
	{"长沙星城传媒", "cs-xingcheng-media", "startup", false},
	{"郑州中原农业科技", "zz-zhongyuan-agri", "gov", false},
	{"合肥量子信息研究所", "hf-liangzi-lab", "edu", false},
	{"济南泉城医疗", "jn-quancheng-med", "vip", false},
	{"大连渔港水产", "dl-yugang-seafood", "", false},
	{"宁波甬江制造", "nb-yongjiang-mfg", "", false},
	{"ACME Ltd", "acme01", "vip", false},
	{"Globex Corporation", "globex", "", false},
	{"Initech", "initech", "startup", false},
	{"Umbrella Trading", "umbrella-trading", "retail", false},
	{"Stark Industries", "stark-ind", "vip", false},
	{"Wayne Enterprises", "wayne-ent", "", false},
	{"Hooli", "hooli", "startup", false},
	{"Pied Piper", "piedpiper", "startup", false},
	{"Vandelay Industries", "vandelay", "retail", false},
	{"Soylent Foods", "soylent", "", false},
	{"Cyberdyne Systems", "cyberdyne", "gov", false},
	{"Tyrell Corp", "tyrell", "", false},
	{"Wonka Confectionery", "wonka", "retail", false},
	{"Oceanic Airlines Asia", "oceanic-asia", "", false},
	{"Massive Dynamic", "massive-dynamic", "vip", false},
	{"Aperture Labs", "aperture", "edu", false},
	{"Black Mesa Research", "blackmesa", "edu", false},
	{"Dunder Mifflin Paper", "dundermifflin", "retail", false},
	{"Los Pollos Hermanos", "lospollos", "", false},
	{"Gringotts Wealth", "gringotts", "vip", false},
}

// demoArrears are the resale customers in arrears; the first of them (initech) is frozen.
var demoArrears = []string{"initech", "lisi", "sz-zhilian-data", "cd-tianfu-games", "umbrella-trading", "zhaomin"}

// Demo returns the deterministic demo data set: 60 customers (张三 / zhangsan among them),
// a few hundred resources whose expiry is relative to now, orders in every common state,
// a price table and coupon quotas. The same now and seed always give the same data, and the
// same seed the same customers, resources, coupons and pay-per-use resources at every now:
// only their times move with it (what tests count does not depend on the day they run).
func Demo(now time.Time, seed int64) *Dataset {
	g := newGen(seed, now)
	g.withPO = true
	ds := g.ds
	for _, d := range demoCustomers {
		c := g.customer(d.account, d.name, d.person)
		c.Label = d.label
		ds.Customers = append(ds.Customers, c)
	}
	byAccount := map[string]*Customer{}
	for i := range ds.Customers {
		byAccount[ds.Customers[i].AccountName] = &ds.Customers[i]
		ds.Customers[i].Discounts = demoDiscounts(i)
	}
	zs := &ds.Customers[0]
	zs.AssociationType, zs.VerifiedStatus, zs.CustomerType = "2", "2", 0
	zs.XAccountType, zs.XAccountID = SandboxAgency, g.hex(32)
	zs.Balance = MustMoney("1580.00")
	zs.Projects = []Project{{Region: "cn-north-4", ID: g.hex(32)}, {Region: "cn-east-3", ID: g.hex(32)}}
	for i, acct := range demoArrears {
		c := byAccount[acct]
		c.AssociationType = "2"
		c.Balance = 0
		c.Debt = Money(1000 + g.rng.Int64N(499_000)) // 10.00 – 5,000.00
		if i == 0 {
			c.IsFrozen = 2
		}
	}

	// 张三's resources, fixed so tests can rely on them.
	day := 24 * time.Hour
	g.addGroup(zs, groupSpec{kind: kindECS, name: "zhangsan-web-01", spec: "s6.large.2.linux", attached: 2}, g.now.Add(3*day-2*time.Hour), 0, 0)
	g.addGroup(zs, groupSpec{kind: kindECS, name: "zhangsan-app-02", spec: "c7.xlarge.4.linux", attached: 1}, g.now.Add(60*day), 3, 0)
	g.addGroup(zs, groupSpec{kind: kindBandwidth, name: "zhangsan-bw-01", attached: 2}, g.now.Add(7*day-3*time.Hour), 0, 0)
	g.addGroup(zs, groupSpec{kind: kindRDS, name: "zhangsan-mysql-01", spec: "rds.mysql.n1.large.2"}, g.now.Add(120*day), 0, 0)
	g.addGroup(zs, groupSpec{kind: kindOBS, name: "zhangsan-obs-pkg", spec: "obs.standard.package.1tb"}, g.now.Add(-5*day), 0, 0)

	n := 0
	for i := 1; i < len(ds.Customers); i++ {
		cu := &ds.Customers[i]
		groups := 2 + g.rng.IntN(4)
		for j := 0; j < groups; j++ {
			k := g.randomKind()
			name := fmt.Sprintf("%s-%s-%02d", kindPrefix[k], cu.AccountName, j+1)
			g.addGroup(cu, groupSpec{kind: k, name: name, attached: -1}, g.expiryPlan(n), g.randomPolicy(), 0)
			n++
		}
	}
	frozen := byAccount[demoArrears[0]].ID
	for i := range ds.Resources {
		if r := &ds.Resources[i]; r.CustomerID == frozen && r.Status == 2 {
			r.Status, r.ExpirePolicy = 4, 0
		}
	}
	g.demoOrders()
	g.demoAgentPay(byAccount)
	g.demoQuotas()
	ds.PartnerAccounts = []PartnerAccount{
		{ID: "PA" + g.hex(30), Type: 1, Amount: MustMoney("125000.00")},
		{ID: "PA" + g.hex(30), Type: 2, Amount: MustMoney("480000.00"), CreditAmount: MustMoney("500000.00")},
		{ID: "PA" + g.hex(30), Type: 5, Amount: MustMoney("3000.00")},
		{ID: "PA" + g.hex(30), Type: 8, Amount: MustMoney("60000.00"), DesignatedAmount: MustMoney("5000.00"), Memo: "可拨款账户"},
	}
	g.demoMoney(seed)
	g.demoHealth(byAccount)
	return ds
}

// demoHealth adds what the health alerts find (README "Alerts"), without drawing on the random
// source, so that everything else stays as it was: a coupon of umbrella-trading lapsing in 5
// days with a balance, a coupon quota of the partner's own lapsing in 10 with a little left, and — unless a customer the generator left unverified already has one — the first
// customer after 张三 and 李四 with a resource in use expiring within 30 days made unverified.
// Resources in their grace or retention period and orders waiting for payment are already
// there (张三's OBS package expired 5 days ago; web-01's renewal waits for payment).
func (g *gen) demoHealth(byAccount map[string]*Customer) {
	ds := g.ds
	day := 24 * time.Hour
	var own []*Quota
	for i := range ds.Quotas {
		if q := &ds.Quotas[i]; q.IndirectPartnerID == "" && q.QuotaType == 0 && q.QuotaStatus == 0 {
			own = append(own, q)
		}
	}
	// A flexi-purchase (现金券) quota of the partner's own lapsing in 10 days with 80.00 left,
	// appended last, so that the cash-coupon quotas that /coupon and the tests issue from, and
	// their order, stay as they were.
	created := g.now.Add(-355 * day).Truncate(time.Hour)
	ds.Quotas = append(ds.Quotas, Quota{QuotaID: "Q1157230914", QuotaType: 1, QuotaValue: Yuan(1000), Balance: MustMoney("80.00"),
		CreateTime: created, LastUpdateTime: created.Add(day), EffectiveTime: created, ExpireTime: g.now.Add(10*day - 5*time.Hour).Truncate(time.Hour),
		Records: []QuotaRecord{{ID: "4ea1705e0d" + strings.Repeat("0", 22), OperationType: "10", Amount: Yuan(1000), Time: created, Result: "0"}}})
	if cu := byAccount["umbrella-trading"]; cu != nil && len(own) > 0 {
		q := own[0]
		created := g.now.Add(-85 * day).Truncate(time.Hour)
		ds.Coupons = append(ds.Coupons, Coupon{ID: fmt.Sprintf("CP%04d%s", len(ds.Coupons)+1, "4ea1705e0d"), CustomerID: cu.ID,
			QuotaID: q.QuotaID, Type: couponTypeOf(q), FaceValue: MustMoney("300.00"), Balance: MustMoney("180.00"),
			Status: CouponUsable, CreateTime: created, EffectiveTime: created, LastUsedTime: created.Add(30 * day),
			ExpireTime: g.now.Add(5*day - 3*time.Hour).Truncate(time.Hour), Limits: couponLimits(q.Limits, nil)})
	}
	soon := func(cu *Customer) bool {
		for _, r := range ds.Resources {
			if r.CustomerID == cu.ID && r.IsMain && r.Status == 2 && r.ExpireTime.After(g.now) && !r.ExpireTime.After(g.now.Add(30*day)) {
				return true
			}
		}
		return false
	}
	for i := 2; i < len(ds.Customers); i++ {
		if cu := &ds.Customers[i]; cu.VerifiedStatus != "2" && soon(cu) {
			return
		}
	}
	for i := 2; i < len(ds.Customers); i++ {
		if cu := &ds.Customers[i]; soon(cu) && cu.IsFrozen == 0 {
			cu.VerifiedStatus, cu.CustomerType = "-1", -1
			return
		}
	}
}

// demoDiscounts gives the i-th customer its optional discounts without drawing on the random
// source: 张三 (i = 0) both, a third of the others the partner's, a third a contract discount,
// a third none.
func demoDiscounts(i int) []OptionalDiscount {
	switch {
	case i == 0:
		return []OptionalDiscount{contractDiscount, partnerDiscount}
	case i%3 == 1:
		return []OptionalDiscount{partnerDiscount}
	case i%3 == 2:
		return []OptionalDiscount{contractDiscount}
	}
	return nil
}

var kindPrefix = map[kind]string{kindECS: "ecs", kindBandwidth: "bw", kindRDS: "rds", kindOBS: "obs", kindDCS: "redis"}

// demoOrders adds orders beyond the purchase orders: completed and pending renewals,
// cancelled and processing purchases, and unsubscribe (refund) orders.
func (g *gen) demoOrders() {
	ds := g.ds
	custByID := map[string]*Customer{}
	for i := range ds.Customers {
		custByID[ds.Customers[i].ID] = &ds.Customers[i]
	}
	var mains []int
	for i := range ds.Resources {
		if ds.Resources[i].IsMain {
			mains = append(mains, i)
		}
	}
	group := func(mainIdx int) []*Resource {
		out := []*Resource{&ds.Resources[mainIdx]}
		for j := mainIdx + 1; j < len(ds.Resources) && !ds.Resources[j].IsMain; j++ {
			out = append(out, &ds.Resources[j])
		}
		return out
	}
	newOrder := func(cu *Customer, main *Resource, orderType, status int, created time.Time) *Order {
		o := &Order{ID: g.orderID(created), CustomerID: cu.ID, UserName: cu.AccountName, ServiceTypeCode: main.ServiceTypeCode,
			ServiceTypeName: main.ServiceTypeName, SourceType: 1 + g.rng.IntN(2), Status: status, OrderType: orderType,
			Currency: "CNY", CreateTime: created}
		switch status {
		case 5:
			o.PaymentTime = created.Add(time.Duration(60+g.rng.IntN(3600)) * time.Second)
		case 6:
			o.PendingPaymentEndTime = created.Add(15 * 24 * time.Hour)
		}
		return o
	}
	finish := func(o *Order) {
		o.AmountAfterDiscount = 0
		for _, li := range o.LineItems {
			o.AmountAfterDiscount += li.AmountAfterDiscount
		}
		o.DiscountAmount = o.OfficialAmount - o.AmountAfterDiscount
		ds.Orders = append(ds.Orders, *o)
	}
	pending := 0
	for k, mi := range mains {
		m := &ds.Resources[mi]
		cu := custByID[m.CustomerID]
		untilExpiry := m.ExpireTime.Sub(g.now)
		switch {
		case k == 0 || (pending < 8 && m.Status == 2 && untilExpiry < 31*24*time.Hour && g.rng.IntN(3) == 0):
			// A renewal waiting for payment (张三's web-01 is always one of them).
			pending++
			created := g.now.Add(-time.Duration(1+g.rng.IntN(72)) * time.Hour)
			o := newOrder(cu, m, 2, 6, created)
			for _, r := range group(mi) {
				o.addLine(r, 2, 1, m.ExpireTime, addMonths(m.ExpireTime, 1), r.MonthlyPrice)
			}
			finish(o)
		case m.Status == 2 && m.ExpireTime.Sub(m.EffectiveTime) > 60*24*time.Hour && g.rng.IntN(4) == 0:
			// A completed renewal that led to the current expiry.
			from := addMonths(m.ExpireTime, -1)
			ahead := time.Duration(3+g.rng.IntN(10)) * 24 * time.Hour
			created := from.Add(-ahead)
			if created.After(g.now) {
				// Renewed in advance: which renewals start after now depends on the lengths of
				// the months around it, and the demo must have the same orders on every date.
				created = g.now.Add(-ahead)
			}
			o := newOrder(cu, m, 2, 5, created)
			for _, r := range group(mi) {
				o.addLine(r, 2, 1, from, m.ExpireTime, r.MonthlyPrice)
			}
			finish(o)
		}
	}
	// Cancelled and processing purchases, and refunds of resources long gone.
	for i := 0; i < 14; i++ {
		cu := &ds.Customers[g.rng.IntN(len(ds.Customers))]
		p := pick(g.rng, cu.Projects)
		r := g.newResource(cu, p, svcECS, resVM, pick(g.rng, ecsSpecs), 0, "")
		r.ResourceID = ""
		var o *Order
		switch {
		case i < 5:
			o = newOrder(cu, &r, 1, 4, g.now.Add(-time.Duration(1+g.rng.IntN(60))*24*time.Hour))
			o.addLine(&r, 2, 1, time.Time{}, time.Time{}, r.MonthlyPrice)
		case i < 9:
			o = newOrder(cu, &r, 1, 3, g.now.Add(-time.Duration(1+g.rng.IntN(5))*time.Hour))
			o.addLine(&r, 3, 1, time.Time{}, time.Time{}, r.MonthlyPrice*10)
		default:
			created := g.now.Add(-time.Duration(2+g.rng.IntN(90)) * 24 * time.Hour)
			o = newOrder(cu, &r, 4, 5, created)
			refund := r.MonthlyPrice.scale(int64(5+g.rng.IntN(25)), 30)
			o.LineItems = append(o.LineItems, OrderLineItem{ID: o.ID + "-1", ServiceTypeCode: r.ServiceTypeCode,
				ProductID: r.ProductID, ProductSpecDesc: r.ProductSpecDesc, CategoryCode: r.ResourceTypeCode,
				PeriodType: 5, PeriodNum: 1, SubscriptionNum: 1, EffectiveTime: created, ExpireTime: created,
				OfficialAmount: refund, AmountAfterDiscount: refund})
			o.OfficialAmount = refund
		}
		finish(o)
	}
}

// demoQuotas adds ten coupon quotas: four of the partner's own and six issued to resellers
// (four reclaimable, one invalid, one frozen).
func (g *gen) demoQuotas() {
	day := 24 * time.Hour
	for i := 0; i < 10; i++ {
		created := g.now.Add(-time.Duration(10+g.rng.IntN(200)) * day).Truncate(time.Hour)
		value := Yuan(int64(1000 * (1 + g.rng.IntN(20))))
		q := Quota{
			// BSS documents a quota id as an id (额度ID) and nothing more, so the demo's are the
			// same on every date: examples and tests can name them.
			QuotaID: fmt.Sprintf("Q%02d%08d", i+1, g.rng.IntN(100_000_000)), QuotaType: 0, QuotaValue: value,
			Balance: value.scale(int64(20+g.rng.IntN(80)), 100), QuotaStatus: 0, CreateTime: created,
			LastUpdateTime: created.Add(day), EffectiveTime: created, ExpireTime: created.Add(365 * day),
			Limits: []QuotaLimit{{Key: "cloudServiceType", Values: []LimitValue{
				{Value1: svcECS, Value2: zhName(svcECS)}, {Value1: svcEVS, Value2: zhName(svcEVS)}}}},
		}
		switch i % 4 {
		case 1: // databases only, in two regions
			q.Limits = []QuotaLimit{
				{Key: "cloudServiceType", Values: []LimitValue{{Value1: svcRDS, Value2: zhName(svcRDS)}}},
				{Key: "regionCode", Values: []LimitValue{{Value1: "cn-north-4", Value2: "华北-北京四"}, {Value1: "cn-east-3", Value2: "华东-上海一"}}},
			}
		case 2: // any service
			q.Limits = nil
		case 3:
			q.QuotaType = 1
			q.Limits = nil
		}
		if i >= 4 {
			q.IndirectPartnerID = "IP" + g.hex(30)
			q.ParentQuotaID = g.ds.Quotas[i%4].QuotaID
			switch i {
			case 8:
				q.QuotaStatus = 3
			case 9:
				q.QuotaStatus = 5
			}
		}
		q.Records = []QuotaRecord{{ID: g.hex(32), OperationType: "10", Amount: value, Time: created, Result: "0"}}
		g.ds.Quotas = append(g.ds.Quotas, q)
	}
}
