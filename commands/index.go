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

// ExpiryIndex is what cross-customer answers read of the alert scanner's expiry index, and the
// refresh they ask of it after an approved action changed a customer's resources (see
// Router.refreshIndex); *alerts.Index implements it. Package alerts is the index's one writer:
// the commands never write it themselves.
type ExpiryIndex interface {
	ExpiryScanState(ctx context.Context) (store.ExpiryScanState, bool, error)
	ExpiringIndexed(ctx context.Context, from, to time.Time) ([]store.TimedResource, error)
	IndexedCustomers(ctx context.Context, ids []string) (map[string]store.IndexedCustomer, error)
	// Refresh lists the customer's resources again; a customer the index does not know is
	// left to the next scan.
	Refresh(ctx context.Context, customerID string) error
}

// indexState is the last expiry scan's record; ok is false when there is none (no scan yet, or
// no index wired), and the answer must be read live.
func (c *Call) indexState(ctx context.Context) (store.ExpiryScanState, bool, error) {
	if c.r.opts.ExpiryIndex == nil {
		return store.ExpiryScanState{}, false, nil
	}
	st, ok, err := c.r.opts.ExpiryIndex.ExpiryScanState(ctx)
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

// refreshIndex asks the expiry index to list again, after an approved action ran, the resources
// of the customer it touched, so that the index answers with the change rather than with the
// last scan.
func (r *Router) refreshIndex(ctx context.Context, customerID string) {
	if r.opts.ExpiryIndex == nil || customerID == "" {
		return
	}
	if err := r.opts.ExpiryIndex.Refresh(ctx, customerID); err != nil {
		r.log.WarnContext(ctx, "could not refresh the expiry index after an action; the next scan will", "customer", customerID, "error", err)
	}
}
