package bsstest

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// Reseller is a tier-2 reseller (云经销商) of the partner, which the fake treats as a tier-1
// distributor: calls carrying the reseller's id as indirect_partner_id list and act on the
// reseller's customers, ledger and balances (bss-money.md, "indirect_partner_id").
type Reseller struct {
	ID          string // indirect_partner_id
	AccountName string
	Name        string
	Accounts    []PartnerAccount // what the reseller allocates from
}

// Balance types of the partner's ledger (ListPartnerAccountChangeRecords balance_type).
const (
	BalanceTypeDebit  = "BALANCE_TYPE_DEBIT"
	BalanceTypeCredit = "BALANCE_TYPE_CREDIT"
)

// Adjust-record operation types (ListPartnerAdjustRecords operation_type), which are also the
// ledger's trade_detail_type of the same operations.
const (
	OpAllocate = "SOURCE_OPERATION_BEADJUST"
	OpRetrieve = "SOURCE_OPERATION_BERETRIEVE"
	OpUnbind   = "SOURCE_OPERATION_BEUNBIND"
)

// LedgerEntry is one record of a partner's (or a reseller's) account change records
// (ListPartnerAccountChangeRecords, bss-money.md §3).
type LedgerEntry struct {
	ID                string // account_change_id
	IndirectPartnerID string // the reseller whose ledger it is; "" = the partner's
	AccountID         string // the account that changed
	BalanceType       string // BalanceTypeDebit or BalanceTypeCredit
	TradeType         string // RECHARGE, BEADJUST, BERETRIEVE, ... (the trade_type filter)
	DetailType        string // trade_detail_type, e.g. SOURCE_OPERATION_BEADJUST
	TradeID           string // the order or transaction; for allocations the adjust record's trans_id
	Time              time.Time
	Change            Money // positive; Income says the direction
	BalanceAfter      Money
	Income            bool   // type "1" income, else "2" expense
	CustomerID        string // allocations and reclaims only
	AccountName       string // the customer's account name, allocations and reclaims only
}

// AdjustRecord is one allocation to or reclaim from a customer (ListPartnerAdjustRecords).
type AdjustRecord struct {
	TransID           string
	IndirectPartnerID string // the reseller who made it; "" = the partner
	CustomerID        string
	CustomerName      string
	OperationType     string // OpAllocate, OpRetrieve or OpUnbind
	Amount            Money  // positive
	Time              time.Time
	ApplyScene        string
}

// Coupon statuses (ListIssuedPartnerCoupons status) and types.
const (
	CouponInactive  = 1
	CouponUsable    = 2
	CouponUsed      = 3
	CouponExpired   = 4
	CouponReclaimed = 5

	CouponTypeCash          = 1 // 代金券, issued from a quota of type 0
	CouponTypeFlexiPurchase = 4 // 现金券, issued from a quota of type 1
)

// Coupon is a partner coupon issued to a customer (bss-money.md §7).
type Coupon struct {
	ID                string
	CustomerID        string
	QuotaID           string
	IndirectPartnerID string // issued by a reseller from its quota; "" = by the partner
	Type              int    // CouponTypeCash or CouponTypeFlexiPurchase
	FaceValue         Money
	Balance           Money
	Status            int // CouponInactive … CouponReclaimed
	CreateTime        time.Time
	EffectiveTime     time.Time
	ExpireTime        time.Time
	LastUsedTime      time.Time
	Memo              string
	Limits            []CouponLimit
}

// CouponLimit is one use_limits[] entry of a coupon: every field is a string on the wire.
type CouponLimit struct {
	Key, Value1, Value2, Unit, Type string
}

func (c Coupon) clone() Coupon {
	c.Limits = slices.Clone(c.Limits)
	return c
}

// On-demand resource statuses (ListCustomerOnDemandResources status).
const (
	OnDemandNormal   = 1
	OnDemandGrace    = 2
	OnDemandFrozen   = 3
	OnDemandChanging = 4
	OnDemandClosing  = 5
	OnDemandClosed   = 6
)

// OnDemandResource is a customer's pay-per-use (按需) resource (bss-money.md §8).
type OnDemandResource struct {
	CustomerID       string
	RegionCode       string
	AvailabilityZone string
	ServiceTypeCode  string
	ResourceTypeCode string
	ResourceID       string
	Name             string
	SpecCode         string
	ProductSpecDesc  string
	SpecSize         int64 // GB of a disk, "" resource_info when 0
	Status           int
	EffectiveTime    time.Time
	ExpireTime       time.Time // zero while it runs; when it was closed otherwise
	Hourly           Money     // price of an hour, from which the on-demand bills are computed
}

// cst is China Standard Time: bill cycles and ledger dates are counted in it (bss-money.md §3).
var cst = time.FixedZone("CST", 8*3600)

// cycleOf is the bill cycle ("2026-11") of t.
func cycleOf(t time.Time) string { return t.In(cst).Format("2006-01") }

// demoMoney adds the money side of the demo: a tier-2 reseller with two customers of its own,
// pay-per-use resources, the partner's ledger history with its allocations and reclaims, and
// partner coupons. Bills are not stored: the monthly-sum API computes them from paid orders and
// on-demand usage. It draws on a random source of its own, seeded by seed alone, so that the
// rest of the demo is unchanged by it and it is the same whatever the rest drew (which can
// depend on the lengths of the months around now).
func (g *gen) demoMoney(seed int64) {
	g.rng = rand.New(rand.NewPCG(uint64(seed), 0x6d6f6e6579)) // "money"
	ds := g.ds
	day := 24 * time.Hour
	rs := Reseller{ID: ds.Quotas[4].IndirectPartnerID, AccountName: "xingyun-dist", Name: "星云云经销商",
		Accounts: []PartnerAccount{{ID: "PA" + g.hex(30), Type: 1, Amount: MustMoney("20000.00")}}}
	ds.Resellers = append(ds.Resellers, rs)
	for _, d := range []struct{ account, name, debt string }{{"yunduan-shop", "云端小铺", ""}, {"northwind", "Northwind Traders", "88.00"}} {
		c := g.customer(d.account, d.name, false)
		c.AssociationType, c.IndirectPartnerID = "2", rs.ID
		if d.debt != "" {
			c.Balance, c.Debt = 0, MustMoney(d.debt)
		}
		ds.Customers = append(ds.Customers, c)
	}

	for i := range ds.Customers {
		cu := &ds.Customers[i]
		if cu.AssociationType != "2" {
			continue
		}
		switch cu.AccountName {
		case "zhangsan":
			g.zhangsanOnDemand(cu)
			continue
		case "lisi":
			g.lisiOnDemand(cu)
			continue
		}
		for j, n := 0, g.rng.IntN(5); j < n; j++ {
			g.onDemand(cu, j)
		}
	}

	// The partner's ledger: allocations to and reclaims from resale customers over the last
	// 90 days, and a few recharges; the funding account holds what they leave.
	var resale []*Customer
	for i := range ds.Customers {
		if c := &ds.Customers[i]; c.AssociationType == "2" && c.IndirectPartnerID == "" {
			resale = append(resale, c)
		}
	}
	fund := fundingAccount(ds.PartnerAccounts)
	type event struct {
		at     time.Time
		trade  string
		amount Money
		cu     *Customer
	}
	var events []event
	for i := 0; i < 14; i++ {
		at := g.now.Add(-time.Duration(1+g.rng.IntN(90))*day - time.Duration(g.rng.IntN(86400))*time.Second)
		switch {
		case i < 3:
			events = append(events, event{at, "RECHARGE", Yuan(int64(5000 * (1 + g.rng.IntN(5)))), nil})
		case i < 11:
			events = append(events, event{at, "BEADJUST", Yuan(int64(100 * (1 + g.rng.IntN(30)))), pick(g.rng, resale)})
		default:
			events = append(events, event{at, "BERETRIEVE", Yuan(int64(50 * (1 + g.rng.IntN(10)))), pick(g.rng, resale)})
		}
	}
	slices.SortFunc(events, func(a, b event) int { return a.at.Compare(b.at) }) // oldest first
	// Forward from a balance 90 days ago, so that no balance after a change is negative; the
	// account holds what the history leaves.
	running := Yuan(30000)
	var entries []LedgerEntry
	for _, ev := range events {
		e := LedgerEntry{ID: g.hex(32), AccountID: fund.ID, BalanceType: BalanceTypeDebit, TradeType: ev.trade,
			Time: ev.at, Change: ev.amount}
		switch ev.trade {
		case "RECHARGE":
			e.DetailType, e.Income, e.TradeID = "SOURCE_OPERAIION_RECHARGE", true, "RC"+g.hex(18)
		case "BEADJUST", "BERETRIEVE":
			op, prefix := OpAllocate, "AD"
			if ev.trade == "BERETRIEVE" {
				op, prefix, e.Income = OpRetrieve, "RE", true
			}
			e.DetailType, e.TradeID = op, prefix+ev.at.In(cst).Format("060102150405")+g.hex(6)
			e.CustomerID, e.AccountName = ev.cu.ID, ev.cu.AccountName
			ds.AdjustRecords = append(ds.AdjustRecords, AdjustRecord{TransID: e.TradeID, CustomerID: ev.cu.ID,
				CustomerName: ev.cu.Name, OperationType: op, Amount: ev.amount, Time: ev.at})
		}
		if e.Income {
			running += ev.amount
		} else {
			running -= ev.amount
		}
		e.BalanceAfter = running
		entries = append(entries, e)
	}
	fund.Amount = running
	ds.Ledger = append(ds.Ledger, entries...)
	slices.SortFunc(ds.AdjustRecords, func(a, b AdjustRecord) int { return a.Time.Compare(b.Time) })

	// Partner coupons: 张三 holds a usable and an expired one; a few others (never 张三 or 李四,
	// whose coupons tests count) hold some.
	own := func(qtype int) *Quota {
		for i := range ds.Quotas {
			if q := &ds.Quotas[i]; q.IndirectPartnerID == "" && q.QuotaType == qtype && q.QuotaStatus == 0 {
				return q
			}
		}
		return nil
	}
	cash := own(0)
	issue := func(cu *Customer, q *Quota, face, balance Money, status int, created time.Time, days int) {
		// BSS documents a coupon id as an id (优惠券ID) and nothing more, so the demo's are the
		// same on every date: examples and tests can name them.
		c := Coupon{ID: fmt.Sprintf("CP%04d%s", len(ds.Coupons)+1, g.hex(10)), CustomerID: cu.ID, QuotaID: q.QuotaID,
			Type: couponTypeOf(q), FaceValue: face, Balance: balance, Status: status, CreateTime: created,
			EffectiveTime: created, ExpireTime: created.Add(time.Duration(days) * day), Limits: couponLimits(q.Limits, nil)}
		if balance < face {
			c.LastUsedTime = created.Add(time.Duration(1+g.rng.IntN(days)) * day / 2)
		}
		ds.Coupons = append(ds.Coupons, c)
	}
	zs := &ds.Customers[0]
	issue(zs, cash, MustMoney("500.00"), MustMoney("320.50"), CouponUsable, g.now.Add(-20*day).Truncate(time.Hour), 90)
	issue(zs, cash, MustMoney("200.00"), MustMoney("200.00"), CouponExpired, g.now.Add(-200*day).Truncate(time.Hour), 60)
	var holders []*Customer
	for _, c := range resale {
		if c.AccountName != "zhangsan" && c.AccountName != "lisi" {
			holders = append(holders, c)
		}
	}
	for i := 0; i < 6; i++ {
		cu := pick(g.rng, holders)
		face := Yuan(int64(50 * (1 + g.rng.IntN(20))))
		created := g.now.Add(-time.Duration(1+g.rng.IntN(120)) * day).Truncate(time.Hour)
		status, balance := CouponUsable, face.scale(int64(g.rng.IntN(101)), 100)
		switch i % 3 {
		case 1:
			status, balance = CouponUsed, 0
		case 2:
			if g.rng.IntN(2) == 0 {
				status, balance = CouponReclaimed, 0
			}
		}
		issue(cu, cash, face, balance, status, created, 180)
	}
}

// zhangsanOnDemand gives 张三 a fixed set of twelve pay-per-use resources, more than one page.
func (g *gen) zhangsanOnDemand(cu *Customer) {
	day := 24 * time.Hour
	p := cu.Projects[0]
	for i := 1; i <= 8; i++ {
		r := g.onDemandResource(cu, p, svcECS, resVM, "s6.xlarge.2.linux", 0, fmt.Sprintf("zhangsan-batch-%02d", i))
		r.EffectiveTime = g.now.Add(-time.Duration(10+i) * day)
		if i == 8 {
			r.Status, r.ExpireTime = OnDemandClosed, g.now.Add(-2*day)
		}
		g.ds.OnDemand = append(g.ds.OnDemand, r)
	}
	for i, size := range []int64{100, 500} {
		r := g.onDemandResource(cu, p, svcEVS, resVolume, "SSD", size, fmt.Sprintf("zhangsan-batch-data-%d", i+1))
		r.EffectiveTime = g.now.Add(-40 * day)
		g.ds.OnDemand = append(g.ds.OnDemand, r)
	}
	ip := g.onDemandResource(cu, p, svcVPC, resIP, "5_bgp", 0, "eip-zhangsan-batch")
	ip.EffectiveTime = g.now.Add(-40 * day)
	obs := g.onDemandResource(cu, cu.Projects[len(cu.Projects)-1], svcOBS, resOBSBucket, "obs.standard", 0, "zhangsan-logs")
	obs.EffectiveTime = g.now.Add(-300 * day)
	g.ds.OnDemand = append(g.ds.OnDemand, ip, obs)
}

// lisiOnDemand gives 李四 (in arrears) three pay-per-use resources in their grace period, one
// page, started well before the month began so that every month shows some of their usage.
func (g *gen) lisiOnDemand(cu *Customer) {
	day := 24 * time.Hour
	p := cu.Projects[0]
	vm := g.onDemandResource(cu, p, svcECS, resVM, "s6.medium.2.linux", 0, "lisi-ondemand-01")
	disk := g.onDemandResource(cu, p, svcEVS, resVolume, "SSD", 100, "lisi-ondemand-02")
	bucket := g.onDemandResource(cu, p, svcOBS, resOBSBucket, "obs.standard", 0, "lisi-ondemand-03")
	for i, r := range []*OnDemandResource{&vm, &disk, &bucket} {
		r.EffectiveTime = g.now.Add(-time.Duration(45+30*i) * day)
		r.Status = OnDemandGrace
	}
	g.ds.OnDemand = append(g.ds.OnDemand, vm, disk, bucket)
}

// onDemand adds the j-th random pay-per-use resource of a customer.
func (g *gen) onDemand(cu *Customer, j int) {
	p := pick(g.rng, cu.Projects)
	name := fmt.Sprintf("%s-ondemand-%02d", cu.AccountName, j+1)
	var r OnDemandResource
	switch g.rng.IntN(4) {
	case 0, 1:
		r = g.onDemandResource(cu, p, svcECS, resVM, pick(g.rng, ecsSpecs), 0, name)
	case 2:
		r = g.onDemandResource(cu, p, svcEVS, resVolume, pick(g.rng, diskSpecs), int64(50*(1+g.rng.IntN(10))), name)
	default:
		r = g.onDemandResource(cu, p, svcOBS, resOBSBucket, "obs.standard", 0, name)
	}
	r.EffectiveTime = g.now.Add(-time.Duration(1+g.rng.IntN(200))*24*time.Hour - time.Duration(g.rng.IntN(86400))*time.Second)
	switch {
	case cu.IsFrozen != 0:
		r.Status = OnDemandFrozen
	case cu.Debt > 0:
		r.Status = OnDemandGrace
	case g.rng.IntN(8) == 0:
		r.Status, r.ExpireTime = OnDemandClosed, g.now.Add(-time.Duration(1+g.rng.IntN(20))*24*time.Hour)
		if r.ExpireTime.Before(r.EffectiveTime) {
			r.ExpireTime = r.EffectiveTime.Add(time.Hour)
		}
	}
	g.ds.OnDemand = append(g.ds.OnDemand, r)
}

// onDemandResource builds a running pay-per-use resource priced by the hour: the price table's
// monthly price over 720 hours (OBS buckets, which the table lacks, 0.10 an hour).
func (g *gen) onDemandResource(cu *Customer, p Project, svc, rtype, spec string, size int64, name string) OnDemandResource {
	r := OnDemandResource{CustomerID: cu.ID, RegionCode: p.Region, AvailabilityZone: p.Region + "a", ServiceTypeCode: svc,
		ResourceTypeCode: rtype, ResourceID: randUUID(g.rng), Name: name, SpecCode: spec, SpecSize: size,
		Status: OnDemandNormal, Hourly: MustMoney("0.10"), ProductSpecDesc: "标准存储 | 按需"}
	if price := g.prices[priceKey{svc, rtype, spec, ""}]; price != nil {
		monthly := price.Monthly
		if price.SizeMeasureID != 0 {
			monthly *= Money(size)
		}
		r.Hourly, r.ProductSpecDesc = max(1, monthly.scale(1, 720)), price.ProductSpecDesc
	}
	if size > 0 {
		r.ProductSpecDesc = fmt.Sprintf("%s|%d.0GB", r.ProductSpecDesc, size)
	}
	return r
}

// couponTypeOf is the type of coupons a quota issues: cash coupons (代金券) from a quota of
// type 0, flexi-purchase coupons (现金券) from one of type 1.
func couponTypeOf(q *Quota) int {
	if q.QuotaType == 1 {
		return CouponTypeFlexiPurchase
	}
	return CouponTypeCash
}

// couponLimits are the use_limits of a coupon: the services it was issued for, else the
// quota's restrictions.
func couponLimits(quota []QuotaLimit, services []string) []CouponLimit {
	var out []CouponLimit
	if len(services) > 0 {
		for _, s := range services {
			out = append(out, CouponLimit{Key: "cloudServiceType", Value1: s, Value2: zhName(s), Type: "1"})
		}
		return out
	}
	for _, l := range quota {
		for _, v := range l.Values {
			out = append(out, CouponLimit{Key: l.Key, Value1: v.Value1, Value2: v.Value2, Type: "1"})
		}
	}
	return out
}

// fundingAccount is the account allocations draw on and reclaims return to: the allocatable
// account (type 8, 可拨款账户) when there is one, else the balance account (type 1). Which of
// the two the real service uses is not documented; both are debit (BALANCE_TYPE_DEBIT) accounts.
func fundingAccount(accts []PartnerAccount) *PartnerAccount {
	var bal *PartnerAccount
	for i := range accts {
		switch accts[i].Type {
		case 8:
			return &accts[i]
		case 1:
			if bal == nil {
				bal = &accts[i]
			}
		}
	}
	return bal
}
