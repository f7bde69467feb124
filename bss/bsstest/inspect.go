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
