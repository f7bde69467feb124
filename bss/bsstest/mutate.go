package bsstest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"
)

// The hooks below change the fake's data as business outside the partner's bot does: customers
// join and leave, buy, renew (by hand or by auto-renew), pay late. Each one that BSS records as
// an order creates that order, created (and paid) at the server's now, as the real service does;
// switching auto-renew creates none (bss-api.md §6: it is a setting, not a purchase). They are
// safe to call while the server is serving.

// ErrNotFound is returned by a hook given an unknown customer, resource or order.
var ErrNotFound = errors.New("bsstest: no such customer, resource or order")

// AddCustomer associates a new customer now. Empty fields are filled in: the id (32 hex), the
// account name ("new" + the first 8 hex of the id), resale association, verified, a project in
// cn-north-4, the sandbox agency; AssociatedOn is now. It returns the customer as stored. New
// customers are listed first by ListSubCustomers, as the newest association.
func (s *Server) AddCustomer(c Customer) Customer {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := s.now().UTC()
	if c.ID == "" {
		for c.ID == "" || st.custByID[c.ID] != nil {
			c.ID = st.newHexID(32)
		}
	}
	if c.AccountName == "" {
		c.AccountName = "new" + c.ID[:8]
	}
	if c.Name == "" {
		c.Name = c.AccountName
	}
	if c.AssociationType == "" {
		c.AssociationType = "2"
	}
	if c.VerifiedStatus == "" {
		c.VerifiedStatus = "2"
	}
	if c.Currency == "" {
		c.Currency = st.currency
	}
	if c.XAccountType == "" {
		c.XAccountType = SandboxAgency
	}
	if len(c.Projects) == 0 {
		c.Projects = []Project{{Region: "cn-north-4", ID: st.newHexID(32)}}
	}
	c.AssociatedOn = now
	st.addCustomer(&c)
	return c.clone()
}

// addCustomer indexes a new customer, in the listing order (newest association first).
func (st *store) addCustomer(cu *Customer) {
	i, _ := slices.BinarySearchFunc(st.customers, cu, func(a, b *Customer) int {
		if c := b.AssociatedOn.Compare(a.AssociatedOn); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	st.customers = slices.Insert(st.customers, i, cu)
	st.custByID[cu.ID] = cu
	st.custByName[cu.AccountName] = cu
}

// RemoveCustomer ends a customer's association: it leaves the customer list, and its resources
// and orders are no longer the partner's to see. It reports whether the customer existed.
func (s *Server) RemoveCustomer(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.removeCustomer(id)
}

func (st *store) removeCustomer(id string) bool {
	cu := st.custByID[id]
	if cu == nil {
		return false
	}
	st.customers = slices.DeleteFunc(st.customers, func(c *Customer) bool { return c.ID == id })
	delete(st.custByID, id)
	if st.custByName[cu.AccountName] == cu {
		delete(st.custByName, cu.AccountName)
	}
	for _, r := range st.byCust[id] {
		delete(st.res, r.ResourceID)
		delete(st.children, r.ResourceID)
		delete(st.history, r.ResourceID)
	}
	delete(st.byCust, id)
	for _, o := range st.ordersByCust[id] {
		delete(st.orderByID, o.ID)
	}
	delete(st.ordersByCust, id)
	st.orders = slices.DeleteFunc(st.orders, func(o *Order) bool { return o.CustomerID == id })
	return true
}

// Purchase is a new yearly/monthly purchase.
type Purchase struct {
	Kind      string // ecs (with disks), bandwidth (with EIPs), rds, dcs or obs; "" = ecs
	Name      string // "" = generated
	Attached  int    // disks or EIPs; negative = 1 to 3 at random
	Months    int    // period: 1–11 months, or 12, 24, 36 (years); 0 = 1
	AutoRenew bool
}

var purchaseKinds = map[string]kind{"": kindECS, "ecs": kindECS, "bandwidth": kindBandwidth, "rds": kindRDS, "dcs": kindDCS, "obs": kindOBS}

// Buy makes customerID buy p now: new resources that start now and expire p.Months later, and a
// paid order of type 1 (new purchase) created now. It returns the main resource's id and the
// order's.
func (s *Server) Buy(customerID string, p Purchase) (resourceID, orderID string, err error) {
	k, ok := purchaseKinds[p.Kind]
	if !ok {
		return "", "", fmt.Errorf("bsstest: Buy: kind %q is not ecs, bandwidth, rds, dcs or obs", p.Kind)
	}
	if p.Months == 0 {
		p.Months = 1
	}
	if p.Months < 1 || p.Months > 11 && p.Months%12 != 0 || p.Months > 36 {
		return "", "", fmt.Errorf("bsstest: Buy: %d months is not a period BSS sells", p.Months)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cu := s.st.custByID[customerID]
	if cu == nil {
		return "", "", fmt.Errorf("%w: customer %q", ErrNotFound, customerID)
	}
	main, o := s.st.buy(cu, k, p, s.now().UTC())
	return main.ResourceID, o.ID, nil
}

func (st *store) buy(cu *Customer, k kind, p Purchase, now time.Time) (*Resource, *Order) {
	g := &gen{rng: st.rng, now: now, prices: st.prices, ds: &Dataset{}}
	name := p.Name
	if name == "" {
		name = kindPrefix[k] + "-" + cu.AccountName + "-" + st.newHexID(6)
	}
	if len(cu.Projects) == 0 {
		cu.Projects = []Project{{Region: "cn-north-4", ID: st.newHexID(32)}}
	}
	group := g.buildGroup(cu, groupSpec{kind: k, name: name, attached: p.Attached})
	policy := 0
	if p.AutoRenew {
		policy = 3
	}
	expire := addMonths(now, p.Months)
	g.date(group, now, expire, 2, policy)
	periodType, periodNum, priceMonths := 2, p.Months, p.Months
	if p.Months%12 == 0 {
		periodType, periodNum, priceMonths = 3, p.Months/12, 10*(p.Months/12)
	}
	o := st.newOrder(cu, 1, group[0].ServiceTypeCode, now)
	var main *Resource
	for i := range group {
		r := &group[i]
		r.OrderID, r.UpdateTime = o.ID, now
		o.addLine(r, periodType, periodNum, now, expire, r.MonthlyPrice*Money(priceMonths))
		st.res[r.ResourceID] = r
		st.byCust[cu.ID] = append(st.byCust[cu.ID], r)
		if r.IsMain {
			main = r
		} else {
			st.children[r.ParentResourceID] = append(st.children[r.ParentResourceID], r)
		}
	}
	st.resortCustomer(cu.ID)
	// Bought and paid at once (an unpaid purchase provisions nothing, so it would not show).
	o.settle(cu, false, now)
	o.Status, o.PaymentTime, o.PendingPaymentEndTime = 5, now, time.Time{}
	st.addOrder(o)
	return main, o
}

// Renew renews a main resource by months (1–11, or 12, 24, 36) now, as the customer does in
// the console: one renewal order created now, paid from the balance when pay is set and the
// balance suffices (the expiry moves), otherwise left pending payment (PayOrder pays it). It
// returns the order's id.
func (s *Server) Renew(resourceID string, months int, pay bool) (string, error) {
	if months < 1 || months > 11 && months%12 != 0 || months > 36 {
		return "", fmt.Errorf("bsstest: Renew: %d months is not a period BSS sells", months)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	m := st.res[resourceID]
	if m == nil || !m.IsMain {
		return "", fmt.Errorf("%w: main resource %q", ErrNotFound, resourceID)
	}
	periodType, periodNum, priceMonths := 2, months, months
	if months%12 == 0 {
		periodType, periodNum, priceMonths = 3, months/12, 10*(months/12)
	}
	o := st.renewGroups(st.custByID[m.CustomerID], []*Resource{m}, periodType, periodNum, months, priceMonths, pay, s.now().UTC())
	return o.ID, nil
}

// PayOrder pays a renewal order pending payment now, from the customer's balance: the order is
// completed with payment time now (its creation time stays) and the resources' expiry moves by
// its period.
func (s *Server) PayOrder(orderID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	o := st.orderByID[orderID]
	if o == nil {
		return fmt.Errorf("%w: order %q", ErrNotFound, orderID)
	}
	if o.Status != 6 || o.OrderType != 2 {
		return fmt.Errorf("bsstest: PayOrder: order %s is not a renewal pending payment (type %d, status %d)", orderID, o.OrderType, o.Status)
	}
	cu := st.custByID[o.CustomerID]
	if cu.Balance < o.AmountAfterDiscount {
		return fmt.Errorf("bsstest: PayOrder: the balance %s does not cover %s", cu.Balance, o.AmountAfterDiscount)
	}
	now := s.now().UTC()
	cu.Balance -= o.AmountAfterDiscount
	o.Status, o.PaymentTime, o.PendingPaymentEndTime = 5, now, time.Time{}
	st.applyRenewal(o, now)
	return nil
}

// SetAutoRenew switches auto-renew of a main resource (and its attached ones) as the customer
// does in the console. No order is created.
func (s *Server) SetAutoRenew(resourceID string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.st.res[resourceID]
	if m == nil || !m.IsMain {
		return fmt.Errorf("%w: main resource %q", ErrNotFound, resourceID)
	}
	s.st.setAutoRenew(m, on, s.now().UTC())
	return nil
}

func (st *store) setAutoRenew(m *Resource, on bool, now time.Time) {
	policy := 0
	if on {
		policy = 3
	}
	for _, r := range st.group(m) {
		r.ExpirePolicy, r.AutoRenewTimes, r.UpdateTime = policy, 0, now
	}
}

// Unsubscribe cancels a main resource and its attached ones now, as the customer does in the
// console: they leave, and an unsubscribe order (type 4) is created now. It returns the order's id.
func (s *Server) Unsubscribe(resourceID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	m := st.res[resourceID]
	if m == nil || !m.IsMain {
		return "", fmt.Errorf("%w: main resource %q", ErrNotFound, resourceID)
	}
	return st.unsubscribeGroups(st.custByID[m.CustomerID], []*Resource{m}, 1, s.now().UTC()).ID, nil
}

// autoRenewLead is how long before expiry BSS charges an auto-renewal (bss-api.md §6: at 03:00,
// 7 days before expiry, retried daily).
const autoRenewLead = 7 * 24 * time.Hour

// RunAutoRenewals does what BSS's daily auto-renew run does: every main resource in use with
// auto-renew on that expires within 7 days is renewed by one month, in a renewal order created
// and paid now from the customer's balance (source 8, system). When the balance does not cover
// it nothing happens; the next run tries again. It returns the orders created.
func (s *Server) RunAutoRenewals() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := s.now().UTC()
	var due []*Resource
	for _, r := range st.res {
		if r.IsMain && r.Status == 2 && r.ExpirePolicy == 3 && r.ExpireTime.After(now) && !r.ExpireTime.After(now.Add(autoRenewLead)) {
			due = append(due, r)
		}
	}
	slices.SortFunc(due, compareResources)
	var ids []string
	for _, m := range due {
		cu := st.custByID[m.CustomerID]
		if cu.Balance < st.groupMonthly(m)-st.groupMonthly(m).percent(partnerDiscountPercent) {
			continue
		}
		o := st.renewGroups(cu, []*Resource{m}, 2, 1, 1, 1, true, now)
		o.SourceType = 8
		if m.AutoRenewTimes > 0 {
			for _, r := range st.group(m) {
				r.AutoRenewTimes--
				if r.AutoRenewTimes == 0 {
					r.ExpirePolicy = 0
				}
			}
		}
		ids = append(ids, o.ID)
	}
	return ids
}

// ChurnReport says what Churn did.
type ChurnReport struct {
	Changed     int // existing customers that did something
	Orders      int // orders created
	Renewals    int
	Purchases   int
	Unsubscribe int
	Changes     int // spec changes (order type 3; the expiry stays)
	AutoRenew   int // auto-renew switched, either way (no order)
	Joined      int // new customers, each with a purchase
	Left        int // customers whose association ended
}

// Churn plays one day of business: frac of the customers (at least one) each renew (a month or
// a year), buy, switch auto-renew, unsubscribe or change a spec; a tenth as many new customers
// join and buy; a fiftieth as many leave. The same seed on the same data does the same things.
func (s *Server) Churn(frac float64, seed uint64) ChurnReport {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	now := s.now().UTC()
	rng := rand.New(rand.NewPCG(seed, 0x636875726e))
	var rep ChurnReport
	n := max(1, int(frac*float64(len(st.customers))+0.5))
	ids := make([]string, len(st.customers))
	for i, c := range st.customers {
		ids[i] = c.ID
	}
	slices.Sort(ids) // the listing order moves as customers join; the draw must not
	perm := rng.Perm(len(ids))
	leave := n / 50
	for _, i := range perm[:min(len(perm), n+leave)] {
		cu := st.custByID[ids[i]]
		if leave > 0 {
			leave--
			st.removeCustomer(cu.ID)
			rep.Left++
			continue
		}
		var mains []*Resource
		for _, r := range st.byCust[cu.ID] {
			if r.IsMain && r.Status != 3 {
				mains = append(mains, r)
			}
		}
		rep.Changed++
		action := rng.IntN(100)
		if len(mains) == 0 {
			action = 40 // nothing to renew or switch: a purchase
		}
		switch {
		case action < 35:
			m := mains[rng.IntN(len(mains))]
			months := []int{1, 1, 3, 12}[rng.IntN(4)]
			periodType, periodNum, priceMonths := 2, months, months
			if months == 12 {
				periodType, periodNum, priceMonths = 3, 1, 10
			}
			cu.Balance += st.groupMonthly(m) * Money(priceMonths)
			st.renewGroups(cu, []*Resource{m}, periodType, periodNum, months, priceMonths, true, now)
			rep.Renewals++
			rep.Orders++
		case action < 60:
			st.buy(cu, pick(rng, []kind{kindECS, kindECS, kindBandwidth, kindRDS, kindDCS, kindOBS}),
				Purchase{Attached: -1, Months: []int{1, 3, 6, 12}[rng.IntN(4)], AutoRenew: rng.IntN(5) == 0}, now)
			rep.Purchases++
			rep.Orders++
		case action < 80:
			m := mains[rng.IntN(len(mains))]
			st.setAutoRenew(m, m.ExpirePolicy != 3, now)
			rep.AutoRenew++
		case action < 90:
			st.unsubscribeGroups(cu, []*Resource{mains[rng.IntN(len(mains))]}, 1, now)
			rep.Unsubscribe++
			rep.Orders++
		default:
			st.changeSpec(cu, mains[rng.IntN(len(mains))], now)
			rep.Changes++
			rep.Orders++
		}
	}
	for i := 0; i < n/10; i++ {
		id := st.newHexID(32)
		cu := &Customer{ID: id, AccountName: "new" + id[:8], Name: "新客户" + id[:4], AssociationType: "2", VerifiedStatus: "2",
			Currency: st.currency, XAccountType: SandboxAgency, AssociatedOn: now, Balance: MustMoney("1000.00"),
			Projects: []Project{{Region: "cn-north-4", ID: st.newHexID(32)}}}
		st.addCustomer(cu)
		st.buy(cu, kindECS, Purchase{Attached: 1, Months: []int{1, 12}[rng.IntN(2)]}, now)
		rep.Joined++
		rep.Orders++
	}
	return rep
}

// changeSpec changes a main resource's spec (a change order, type 3, created and paid now);
// the expiry stays.
func (st *store) changeSpec(cu *Customer, m *Resource, now time.Time) {
	o := st.newOrder(cu, 3, m.ServiceTypeCode, now)
	o.addLine(m, 5, 1, now, m.ExpireTime, m.MonthlyPrice)
	o.settle(cu, false, now)
	o.Status, o.PaymentTime, o.PendingPaymentEndTime = 5, now, time.Time{}
	m.ProductSpecDesc += " (changed)"
	m.UpdateTime = now
	st.addOrder(o)
}
