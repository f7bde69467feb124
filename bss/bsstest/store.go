package bsstest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// store indexes a Dataset for the handlers. It is guarded by Server.mu: readers hold RLock,
// mutations hold Lock.
type store struct {
	currency string
	partner  []PartnerAccount

	customers  []*Customer // the partner's own, by AssociatedOn descending, then ID
	custByID   map[string]*Customer
	custByName map[string]*Customer
	// resellers by id, with their customers in the order of customers.
	resellers     map[string]*Reseller
	resellerCusts map[string][]*Customer

	res      map[string]*Resource   // by ResourceID
	byCust   map[string][]*Resource // per customer, by (ExpireTime, ResourceID)
	children map[string][]*Resource // attached resources by parent ResourceID
	history  map[string][]renewal   // paid renewals per main ResourceID, oldest first

	orders       []*Order // by (CreateTime, ID)
	orderByID    map[string]*Order
	ordersByCust map[string][]*Order

	quotas    []*Quota
	quotaByID map[string]*Quota

	prices map[priceKey]*Price

	ledger     []*LedgerEntry  // oldest first
	adjusts    []*AdjustRecord // oldest first
	coupons    []*Coupon       // oldest first
	couponByID map[string]*Coupon
	onDemand   map[string][]*OnDemandResource // per customer, in the data set's order

	rng *rand.Rand // ids of new orders and records
	src *rand.PCG  // rng's state, which a sandbox file keeps (persist.go)
}

type priceKey struct{ svc, res, spec, region string }

// renewal remembers the expiry a main resource had before a paid renewal, so that
// unsubscribe_type 2 can roll it back.
type renewal struct {
	prior   time.Time
	orderID string
}

func newStore(ds *Dataset, seed uint64) *store {
	src := rand.NewPCG(seed, 0x6273737465737421)
	st := &store{
		currency:      ds.Currency,
		partner:       ds.PartnerAccounts,
		custByID:      make(map[string]*Customer, len(ds.Customers)),
		custByName:    make(map[string]*Customer, len(ds.Customers)),
		res:           make(map[string]*Resource, len(ds.Resources)),
		byCust:        make(map[string][]*Resource, len(ds.Customers)),
		children:      make(map[string][]*Resource),
		history:       make(map[string][]renewal),
		orderByID:     make(map[string]*Order, len(ds.Orders)),
		ordersByCust:  make(map[string][]*Order, len(ds.Customers)),
		quotaByID:     make(map[string]*Quota, len(ds.Quotas)),
		prices:        make(map[priceKey]*Price, len(ds.Prices)),
		resellers:     make(map[string]*Reseller, len(ds.Resellers)),
		resellerCusts: make(map[string][]*Customer),
		couponByID:    make(map[string]*Coupon, len(ds.Coupons)),
		onDemand:      make(map[string][]*OnDemandResource),
		rng:           rand.New(src),
		src:           src,
	}
	if st.currency == "" {
		st.currency = "CNY"
	}
	st.customers = make([]*Customer, 0, len(ds.Customers))
	for i := range ds.Customers {
		c := &ds.Customers[i]
		if c.Currency == "" {
			c.Currency = st.currency
		}
		if c.IndirectPartnerID == "" {
			st.customers = append(st.customers, c)
		} else {
			st.resellerCusts[c.IndirectPartnerID] = append(st.resellerCusts[c.IndirectPartnerID], c)
		}
		st.custByID[c.ID] = c
		st.custByName[c.AccountName] = c
	}
	byAssociation := func(a, b *Customer) int {
		if c := b.AssociatedOn.Compare(a.AssociatedOn); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	}
	slices.SortStableFunc(st.customers, byAssociation)
	for _, list := range st.resellerCusts {
		slices.SortStableFunc(list, byAssociation)
	}
	for i := range ds.Resellers {
		st.resellers[ds.Resellers[i].ID] = &ds.Resellers[i]
	}
	for i := range ds.Ledger {
		st.ledger = append(st.ledger, &ds.Ledger[i])
	}
	slices.SortStableFunc(st.ledger, func(a, b *LedgerEntry) int { return a.Time.Compare(b.Time) })
	for i := range ds.AdjustRecords {
		st.adjusts = append(st.adjusts, &ds.AdjustRecords[i])
	}
	slices.SortStableFunc(st.adjusts, func(a, b *AdjustRecord) int { return a.Time.Compare(b.Time) })
	for i := range ds.Coupons {
		c := &ds.Coupons[i]
		st.coupons = append(st.coupons, c)
		st.couponByID[c.ID] = c
	}
	slices.SortStableFunc(st.coupons, func(a, b *Coupon) int { return a.CreateTime.Compare(b.CreateTime) })
	for i := range ds.OnDemand {
		r := &ds.OnDemand[i]
		if st.custByID[r.CustomerID] != nil {
			st.onDemand[r.CustomerID] = append(st.onDemand[r.CustomerID], r)
		}
	}
	for i := range ds.Resources {
		r := &ds.Resources[i]
		if _, dup := st.res[r.ResourceID]; dup || st.custByID[r.CustomerID] == nil {
			continue
		}
		st.res[r.ResourceID] = r
		st.byCust[r.CustomerID] = append(st.byCust[r.CustomerID], r)
		if !r.IsMain && r.ParentResourceID != "" {
			st.children[r.ParentResourceID] = append(st.children[r.ParentResourceID], r)
		}
	}
	for _, list := range st.byCust {
		slices.SortFunc(list, compareResources)
	}
	for i := range ds.Orders {
		o := &ds.Orders[i]
		if o.Currency == "" {
			o.Currency = st.currency
		}
		st.orders = append(st.orders, o)
		st.orderByID[o.ID] = o
		st.ordersByCust[o.CustomerID] = append(st.ordersByCust[o.CustomerID], o)
	}
	slices.SortFunc(st.orders, compareOrders)
	for _, list := range st.ordersByCust {
		slices.SortFunc(list, compareOrders)
	}
	for i := range ds.Quotas {
		q := &ds.Quotas[i]
		st.quotas = append(st.quotas, q)
		st.quotaByID[q.QuotaID] = q
	}
	for i := range ds.Prices {
		p := &ds.Prices[i]
		st.prices[priceKey{p.ServiceTypeCode, p.ResourceTypeCode, p.ResourceSpecCode, p.Region}] = p
	}
	return st
}

func compareResources(a, b *Resource) int {
	if c := a.ExpireTime.Compare(b.ExpireTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ResourceID, b.ResourceID)
}

func compareOrders(a, b *Order) int {
	if c := a.CreateTime.Compare(b.CreateTime); c != 0 {
		return c
	}
	return cmp.Compare(a.ID, b.ID)
}

// accounts are the accounts of the partner (reseller "") or of a reseller.
func (st *store) accounts(reseller string) []PartnerAccount {
	if reseller == "" {
		return st.partner
	}
	if r := st.resellers[reseller]; r != nil {
		return r.Accounts
	}
	return nil
}

// price finds the price of a spec, preferring a region-specific entry.
func (st *store) price(svc, res, spec, region string) *Price {
	if p := st.prices[priceKey{svc, res, spec, region}]; p != nil {
		return p
	}
	return st.prices[priceKey{svc, res, spec, ""}]
}

// group returns a main resource followed by its attached resources.
func (st *store) group(main *Resource) []*Resource {
	out := make([]*Resource, 0, 1+len(st.children[main.ResourceID]))
	out = append(out, main)
	return append(out, st.children[main.ResourceID]...)
}

// groupMonthly is the monthly official price of a main resource and its attached resources.
func (st *store) groupMonthly(main *Resource) Money {
	var sum Money
	for _, r := range st.group(main) {
		sum += r.MonthlyPrice
	}
	return sum
}

// resortCustomer restores the expiry order of one customer's resources after a change.
func (st *store) resortCustomer(customerID string) {
	slices.SortFunc(st.byCust[customerID], compareResources)
}

// removeGroup removes a main resource and its attached resources from every index.
func (st *store) removeGroup(main *Resource) {
	gone := make(map[string]bool)
	for _, r := range st.group(main) {
		gone[r.ResourceID] = true
		delete(st.res, r.ResourceID)
	}
	delete(st.children, main.ResourceID)
	delete(st.history, main.ResourceID)
	if main.ParentResourceID != "" {
		st.children[main.ParentResourceID] = slices.DeleteFunc(st.children[main.ParentResourceID],
			func(r *Resource) bool { return gone[r.ResourceID] })
	}
	st.byCust[main.CustomerID] = slices.DeleteFunc(st.byCust[main.CustomerID],
		func(r *Resource) bool { return gone[r.ResourceID] })
}

// addOrder inserts a new order in creation order.
func (st *store) addOrder(o *Order) {
	i, _ := slices.BinarySearchFunc(st.orders, o, compareOrders)
	st.orders = slices.Insert(st.orders, i, o)
	list := st.ordersByCust[o.CustomerID]
	j, _ := slices.BinarySearchFunc(list, o, compareOrders)
	st.ordersByCust[o.CustomerID] = slices.Insert(list, j, o)
	st.orderByID[o.ID] = o
}

// newOrderID returns an unused id like CS2611250000ABCD.
func (st *store) newOrderID(now time.Time) string {
	for {
		id := fmt.Sprintf("CS%s%08X", now.UTC().Format("060102"), st.rng.Uint32())
		if st.orderByID[id] == nil {
			return id
		}
	}
}

func (st *store) newHexID(n int) string { return randHex(st.rng, n) }

// randHex returns n lower-case hex digits.
func randHex(rng *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	var v uint64
	for i := range b {
		if i%16 == 0 {
			v = rng.Uint64()
		}
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

// randUUID returns a uuid-shaped random id (8-4-4-4-12 hex).
func randUUID(rng *rand.Rand) string {
	h := randHex(rng, 32)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// addMonths adds n calendar months, clamping the day to the end of the target month
// (Jan 31 + 1 month = Feb 28/29, where time.AddDate would give Mar 3), as billing periods do.
func addMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return first.AddDate(0, 0, d-1)
}
