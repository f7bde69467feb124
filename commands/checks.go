package commands

import (
	"context"
	"slices"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
)

// The checks the command handlers share, each in one place so that a refusal reads the same
// wherever it is met: the --page of a listing, what the site's BSS offers (the international
// site lacks most money APIs), and the --reseller whose customer a money command is about.

// maxPageNumber is the largest --page a listing accepts.
const maxPageNumber = 10000

// pageNumber is the --page flag of a paged listing: 1 when absent. Handlers read it before
// asking BSS, so that a bad page costs no call.
func (c *Call) pageNumber() (int, error) { return c.IntFlag("page", 1, 1, maxPageNumber) }

// pageRange cuts n items (or a BSS listing of n in all) into pages of Options.PageSize and
// returns the bounds of page p; a page past the last is refused.
func (c *Call) pageRange(n, p int) (lo, hi, pages int, err error) {
	lo, hi, pages = pageOf(n, c.r.opts.PageSize, p)
	if p > pages {
		return 0, 0, pages, c.fail("err.page_out_of_range", p, pages)
	}
	return lo, hi, pages, nil
}

// unavailable is the error of a money API the site lacks, said without calling BSS.
func unavailable(op string) error { return &bss.Error{Op: op, Kind: bss.KindUnavailable} }

// requireSite refuses at once, without calling BSS, a command whose API the site lacks.
func (c *Call) requireSite(ops ...string) error {
	for _, op := range ops {
		if !c.r.bss.Supports(op) {
			return c.bssError(unavailable(op))
		}
	}
	return nil
}

// mayRequest reports whether the caller may file a request that runs op, and the site has it:
// whether an answer offers the button that files it.
func (c *Call) mayRequest(op string) bool {
	return c.Role.Allows(chat.RoleOperator) && c.r.bss.Supports(op)
}

// resellerID is the --reseller flag: the tier-2 reseller (indirect_partner_id) whose customer
// a money command is about; "" for the partner's own customers.
func (c *Call) resellerID() (string, error) {
	v, ok := c.Flag("reseller")
	if !ok {
		return "", nil
	}
	if err := c.checkID("reseller", v); err != nil {
		return "", err
	}
	return v, nil
}

// resaleTarget is the customer a money command is about, q, and the reseller it is looked up
// under (--reseller, checked before BSS is asked; "" for the partner's own customers): for
// /spend of one customer, /ondemand, /coupons, /topup and /reclaim-balance.
func (c *Call) resaleTarget(ctx context.Context, q string) (cu bss.Customer, reseller string, err error) {
	if reseller, err = c.resellerID(); err != nil {
		return bss.Customer{}, "", err
	}
	if cu, err = c.resaleCustomer(ctx, q); err != nil {
		return bss.Customer{}, "", err
	}
	return cu, reseller, nil
}

// resaleTargets is resaleTarget for a command about several customers: 1 to most of them, each
// once, looked up in the order given after --reseller and their count are checked. The
// too-many refusal speaks of a coupon request: /coupon is the one command about several.
func (c *Call) resaleTargets(ctx context.Context, qs []string, most int) (custs []bss.Customer, reseller string, err error) {
	if reseller, err = c.resellerID(); err != nil {
		return nil, "", err
	}
	if len(qs) == 0 {
		return nil, "", c.fail("err.too_few_args", c.cmd.Name)
	}
	if len(qs) > most {
		return nil, "", c.fail("err.too_many_customers", most, len(qs))
	}
	for _, q := range qs {
		cu, err := c.resaleCustomer(ctx, q)
		if err != nil {
			return nil, "", err
		}
		if slices.ContainsFunc(custs, func(x bss.Customer) bool { return x.ID == cu.ID }) {
			return nil, "", c.fail("err.duplicate", cu.ID)
		}
		custs = append(custs, cu)
	}
	return custs, reseller, nil
}
