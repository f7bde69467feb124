package commands

import (
	"context"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/store"
)

// Cross-customer answers come from the alert scanner's expiry index (package store) rather
// than from one BSS query per customer: at ten thousand customers those queries take most of
// half an hour of the shared BSS budget. Every such answer says how fresh it is; --live asks
// BSS instead, for partners small enough (Options.LiveMaxCustomers).

// IndexedResource is r as the expiry index keeps it, listed at at.
func IndexedResource(r bss.Resource, at time.Time) store.IndexedResource {
	return store.IndexedResource{ID: r.ResourceID, Main: r.IsMain(), Parent: r.ParentResourceID, Status: r.Status,
		Expiry: r.ExpireTime.Time, Policy: r.ExpirePolicy, Confirmed: at, Desc: Describe(r)}
}

// indexState is the last expiry scan's record; ok is false when there is none (no scan yet, or
// no store), and the answer must be read live.
func (c *Call) indexState(ctx context.Context) (store.ExpiryScanState, bool, error) {
	if c.r.store == nil {
		return store.ExpiryScanState{}, false, nil
	}
	st, ok, err := c.r.store.ExpiryScanState(ctx)
	if err != nil {
		return store.ExpiryScanState{}, false, err
	}
	return st, ok, nil
}

// freshness is the line that says where an answer comes from: the scan of at (n customers),
// or BSS just now.
func (c *Call) freshness(at time.Time, customers int) string {
	return c.Lang.T("fresh.index", c.clock(at, "01-02 15:04"), c.ago(at), customers)
}

// ago is how long before now t was, in minutes, hours or days.
func (c *Call) ago(t time.Time) string {
	d := max(c.now.Sub(t), 0)
	switch {
	case d < time.Hour:
		return c.Lang.T("fresh.ago_min", int(d/time.Minute))
	case d < 48*time.Hour:
		return c.Lang.T("fresh.ago_h", int(d/time.Hour))
	}
	return c.Lang.T("fresh.ago_d", int(d/(24*time.Hour)))
}

// wantsLive reports whether the caller asked for --live, refusing it below the operator role.
func (c *Call) wantsLive() (bool, error) {
	if _, ok := c.Flag("live"); !ok {
		return false, nil
	}
	if !c.Role.Allows(chat.RoleOperator) {
		return false, c.fail("err.live_role", chat.RoleOperator, c.Role)
	}
	return true, nil
}

// liveCustomers lists the customers a live cross-customer answer would query, refusing more
// than Options.LiveMaxCustomers with a hint to run a scan instead.
func (c *Call) liveCustomers(ctx context.Context) ([]bss.Customer, error) {
	var custs []bss.Customer
	for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{}) {
		if err != nil {
			return nil, c.bssError(err)
		}
		custs = append(custs, cu)
		if len(custs) > c.r.opts.LiveMaxCustomers {
			return nil, c.fail("err.live_too_many", c.r.opts.LiveMaxCustomers)
		}
	}
	return custs, nil
}

// refreshIndex lists again, after an approved action ran, the resources of the customer it
// touched, so that the index answers with the change rather than with the last scan. A
// customer the index does not know is left to the next scan.
func (r *Router) refreshIndex(ctx context.Context, customerID string) {
	if r.store == nil || customerID == "" {
		return
	}
	known, err := r.store.IndexedCustomers(ctx, []string{customerID})
	if err != nil {
		r.log.WarnContext(ctx, "could not read the expiry index after an action", "customer", customerID, "error", err)
		return
	}
	entry, ok := known[customerID]
	if !ok {
		return
	}
	rs, err := r.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: customerID})
	if err != nil {
		r.log.WarnContext(ctx, "could not refresh the expiry index after an action; the next scan will", "customer", customerID, "error", err)
		return
	}
	now := r.opts.Now()
	entry.Refreshed = now
	entry.Resources = make([]store.IndexedResource, len(rs))
	for i, res := range rs {
		entry.Resources[i] = IndexedResource(res, now)
	}
	if err := r.store.CommitExpiryIndex(ctx, store.ExpiryIndexUpdate{Put: []store.IndexedCustomer{entry}}); err != nil {
		r.log.WarnContext(ctx, "could not refresh the expiry index after an action; the next scan will", "customer", customerID, "error", err)
	}
}
