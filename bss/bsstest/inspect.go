package bsstest

import "fmt"

// The methods below let tests look at (and nudge) the fake's data. They return copies and
// are safe to call while the server is serving.

// Customers returns every customer, in the order ListSubCustomers lists them.
func (s *Server) Customers() []Customer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Customer, len(s.st.customers))
	for i, c := range s.st.customers {
		out[i] = c.clone()
	}
	return out
}

// Customer returns one customer by id.
func (s *Server) Customer(id string) (Customer, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := s.st.custByID[id]
	if c == nil {
		return Customer{}, false
	}
	return c.clone(), true
}

// Resources returns the resources of a customer in expiry order (as the query API orders them).
func (s *Server) Resources(customerID string) []Resource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.st.byCust[customerID]
	out := make([]Resource, len(list))
	for i, r := range list {
		out[i] = *r
	}
	return out
}

// Resource returns one resource by resource id.
func (s *Server) Resource(resourceID string) (Resource, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	r := s.st.res[resourceID]
	if r == nil {
		return Resource{}, false
	}
	return *r, true
}

// Orders returns a customer's orders, oldest first; customerID "" returns every order.
func (s *Server) Orders(customerID string) []Order {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.st.orders
	if customerID != "" {
		list = s.st.ordersByCust[customerID]
	}
	out := make([]Order, len(list))
	for i, o := range list {
		out[i] = o.clone()
	}
	return out
}

// Quotas returns every coupon quota with its records.
func (s *Server) Quotas() []Quota {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Quota, len(s.st.quotas))
	for i, q := range s.st.quotas {
		out[i] = q.clone()
	}
	return out
}

// SetBalance sets a customer's available amount and debt, given as decimal yuan strings
// ("1200.50"); an empty string leaves that value unchanged. It panics on an unknown customer
// or a malformed amount, which are mistakes in the test.
func (s *Server) SetBalance(customerID string, amount, debt string) {
	var a, d Money
	var err error
	if amount != "" {
		if a, err = ParseMoney(amount); err != nil {
			panic(fmt.Sprintf("bsstest: SetBalance(%q): %v", customerID, err))
		}
	}
	if debt != "" {
		if d, err = ParseMoney(debt); err != nil {
			panic(fmt.Sprintf("bsstest: SetBalance(%q): %v", customerID, err))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.st.custByID[customerID]
	if c == nil {
		panic(fmt.Sprintf("bsstest: SetBalance: unknown customer %q", customerID))
	}
	if amount != "" {
		c.Balance = a
	}
	if debt != "" {
		c.Debt = d
	}
}

// PartnerAccounts returns the accounts of the partner (reseller "") or of a reseller.
func (s *Server) PartnerAccounts(reseller string) []PartnerAccount {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return append([]PartnerAccount(nil), s.st.accounts(reseller)...)
}

// Resellers returns the partner's tier-2 resellers.
func (s *Server) Resellers() []Reseller {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]Reseller, 0, len(s.st.resellers))
	for _, r := range s.st.resellers {
		c := *r
		c.Accounts = append([]PartnerAccount(nil), r.Accounts...)
		out = append(out, c)
	}
	return out
}

// ResellerCustomers returns a reseller's customers, in the order ListSubCustomers lists them.
func (s *Server) ResellerCustomers(reseller string) []Customer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.st.resellerCusts[reseller]
	out := make([]Customer, len(list))
	for i, c := range list {
		out[i] = c.clone()
	}
	return out
}

// Ledger returns every account change record of the partner and its resellers, oldest first.
func (s *Server) Ledger() []LedgerEntry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]LedgerEntry, len(s.st.ledger))
	for i, l := range s.st.ledger {
		out[i] = *l
	}
	return out
}

// AdjustRecords returns every allocation and reclaim, oldest first.
func (s *Server) AdjustRecords() []AdjustRecord {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]AdjustRecord, len(s.st.adjusts))
	for i, a := range s.st.adjusts {
		out[i] = *a
	}
	return out
}

// Coupons returns the partner coupons a customer holds ("" = every customer's), oldest first,
// with their status as stored (a usable coupon past its expiry is listed as expired).
func (s *Server) Coupons(customerID string) []Coupon {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []Coupon
	for _, c := range s.st.coupons {
		if customerID == "" || c.CustomerID == customerID {
			out = append(out, c.clone())
		}
	}
	return out
}

// OnDemand returns a customer's pay-per-use resources.
func (s *Server) OnDemand(customerID string) []OnDemandResource {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]OnDemandResource, len(s.st.onDemand[customerID]))
	for i, r := range s.st.onDemand[customerID] {
		out[i] = *r
	}
	return out
}
