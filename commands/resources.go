package commands

import (
	"context"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
)

func runResources(ctx context.Context, c *Call) (chat.Reply, error) {
	days, err := c.IntFlag("expiring", 0, 1, 3650)
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	cu, err := c.oneCustomer(ctx, c.Arg(0))
	if err != nil {
		return chat.Reply{}, err
	}
	f := bss.ResourceFilter{CustomerID: cu.ID}
	title := c.Lang.T("resources.title", lang.CustomerName(cu))
	if days > 0 {
		f.ExpireBegin, f.ExpireEnd = c.now, c.now.Add(time.Duration(days)*24*time.Hour)
		title = c.Lang.T("resources.title_exp", lang.CustomerName(cu), days)
	}
	rs, err := c.r.bss.AllResources(ctx, f)
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	c.remember(ctx, cu.ID, rs)
	// An attached resource whose main resource is outside the expiry window becomes a group
	// of its own in GroupResources, so nothing is hidden.
	groups := bss.GroupResources(rs)
	sort.SliceStable(groups, func(i, j int) bool {
		return groups[i].Main.ExpireTime.Before(groups[j].Main.ExpireTime.Time)
	})
	rep := chat.Reply{Title: title}
	if len(groups) == 0 {
		rep.Text = c.Lang.T("resources.none")
		return rep, nil
	}
	lo, hi, pages, err := c.pageRange(len(groups), page)
	if err != nil {
		return chat.Reply{}, err
	}
	for _, g := range groups[lo:hi] {
		m := g.Main
		sec := chat.Section{Title: lang.DescribeIn(c.Lang, m), Fields: []chat.Field{
			{Label: "ID", Value: m.ResourceID},
			{Label: c.Lang.T("resources.expires"), Value: c.when(m.ExpireTime.Time)},
			{Label: c.Lang.T("resources.status"), Value: c.enum("res.status", m.Status)},
			{Label: c.Lang.T("resources.policy"), Value: c.enum("policy", m.ExpirePolicy)},
			{Label: c.Lang.T("resources.region"), Value: orDash(m.RegionCode)},
		}}
		for _, a := range g.Attached {
			sec.Lines = append(sec.Lines, c.Lang.T("resources.attached", lang.DescribeIn(c.Lang, a)+" ("+a.ResourceID+")"))
		}
		rep.Sections = append(rep.Sections, sec)
	}
	base := "/resources " + cu.ID
	if days > 0 {
		base += " --expiring " + strconvItoa(days)
	}
	c.pager(&rep, base, page, pages, len(groups))
	return rep, nil
}

// expiringRow is one line of /expiring.
type expiringRow struct {
	customer bss.Customer
	res      bss.Resource
	desc     string // lang.Describe(res); from the index, as the scan saw it
}

func runExpiring(ctx context.Context, c *Call) (chat.Reply, error) {
	days, scope, err := c.expiringArgs()
	if err != nil {
		return chat.Reply{}, err
	}
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	live, err := c.wantsLive()
	if err != nil {
		return chat.Reply{}, err
	}
	end := c.now.Add(time.Duration(days) * 24 * time.Hour)
	rows, failed, note, scoped, err := c.expiringRows(ctx, live, c.now, end, scope)
	if err != nil {
		return chat.Reply{}, err
	}
	rep := chat.Reply{Title: c.Lang.T("expiring.title", days), Text: note}
	switch {
	case len(scope.Customers) > 0:
		rep.Title = c.Lang.T("expiring.title_scope", days, c.scopeText(scope, scoped))
	case len(scope.Labels) > 0:
		rep.Title = c.Lang.T("expiring.title_label", days, strings.Join(scope.Labels, ", "))
	}
	if len(failed) > 0 {
		rep.Text += "\n⚠ " + c.Lang.T("expiring.failed", len(failed), strings.Join(failed, ", "))
	}
	if len(rows) == 0 {
		rep.Text += "\n" + c.Lang.T("expiring.none", days)
		return rep, nil
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].res.ExpireTime.Time, rows[j].res.ExpireTime.Time
		if !a.Equal(b) {
			return a.Before(b)
		}
		return rows[i].res.ResourceID < rows[j].res.ResourceID
	})
	lo, hi, pages, err := c.pageRange(len(rows), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("expiring.col.when"), c.Lang.T("expiring.col.cust"), c.Lang.T("expiring.col.res"), c.Lang.T("expiring.col.auto")}}
	for _, r := range rows[lo:hi] {
		auto := c.Lang.T("no")
		if r.res.AutoRenew() {
			auto = c.Lang.T("yes")
		}
		res := r.res.ResourceID
		if r.desc != "" {
			res = lang.LocalDesc(c.Lang, r.desc) + " (" + res + ")"
		}
		t.Rows = append(t.Rows, []string{c.when(r.res.ExpireTime.Time), lang.CustomerName(r.customer), res, auto})
	}
	t.Head = []int{2, 1} // a compact entry: the resource and its customer, then expiry and auto-renew
	rep.Table = t
	base := "/expiring"
	if days != 30 || !scope.All() {
		base = cmdline.Expiring(days, scope)
	}
	if live {
		base += " --live"
	}
	c.pager(&rep, base, page, pages, len(rows))
	return rep, nil
}

// expiringArgs reads /expiring's arguments, in any order: the days (default 30) and any number
// of label:NAME and customer:ID, written as a subscription's scope is; a customer with any of
// the labels, or named by id, counts.
func (c *Call) expiringArgs() (days int, sc cmdline.ExpiringScope, err error) {
	days = 30
	seenDays := false
	for _, a := range c.Inv.Args {
		if label, ok := strings.CutPrefix(a, "label:"); ok {
			if label == "" || strings.TrimSpace(label) != label || utf8.RuneCountInString(label) > 64 || slices.Contains(sc.Labels, label) {
				return 0, sc, c.fail("err.bad_label", a)
			}
			if err := c.checkText("label", label); err != nil {
				return 0, sc, err
			}
			if sc.Labels = append(sc.Labels, label); len(sc.Labels) > cmdline.MaxExpiringLabels {
				return 0, sc, c.fail("err.too_many_labels", cmdline.MaxExpiringLabels)
			}
			continue
		}
		if id, ok := strings.CutPrefix(a, "customer:"); ok {
			if !customerIDPattern.MatchString(id) || slices.Contains(sc.Customers, id) {
				return 0, sc, c.fail("err.bad_customer_scope", a)
			}
			if sc.Customers = append(sc.Customers, id); len(sc.Customers) > cmdline.MaxExpiringCustomers {
				return 0, sc, c.fail("err.too_many_scoped", cmdline.MaxExpiringCustomers)
			}
			continue
		}
		if seenDays {
			return 0, sc, &userError{text: c.Lang.T("err.too_many_args", c.cmd.Name) + "\n" + c.Lang.T("err.usage", c.cmd.usageIn(c.Lang)), result: "invalid"}
		}
		n, err := parseInt(a)
		if err != nil || n < 1 || n > 365 {
			return 0, sc, c.fail("err.arg_int", "days", 1, 365, a)
		}
		days, seenDays = n, true
	}
	return days, sc, nil
}

// scopeText names a scope with customers in a title: its labels, then its customers by name
// (custs are those found), or how many when they are more than three.
func (c *Call) scopeText(sc cmdline.ExpiringScope, custs []bss.Customer) string {
	var parts []string
	if len(sc.Labels) > 0 {
		parts = append(parts, c.Lang.T("expiring.scope_label", strings.Join(sc.Labels, ", ")))
	}
	if len(sc.Customers) > 3 {
		parts = append(parts, c.Lang.T("expiring.scope_customers", len(sc.Customers)))
	} else {
		for _, id := range sc.Customers {
			for _, cu := range custs {
				if cu.ID == id {
					parts = append(parts, lang.CustomerName(cu))
					break
				}
			}
		}
	}
	sep := ", "
	if c.Lang == lang.Zh {
		sep = "，"
	}
	return strings.Join(parts, sep)
}

// scoped are the customers of a scope: those whose label is one of its labels, as BSS lists
// them (its label filter matches part of a label, so each is checked whole), and those named by
// id. A label no customer has, or an id of no customer, is refused.
func (c *Call) scoped(ctx context.Context, sc cmdline.ExpiringScope) ([]bss.Customer, error) {
	var out []bss.Customer
	seen := map[string]bool{}
	for _, id := range sc.Customers {
		p, err := c.r.bss.ListCustomers(ctx, bss.CustomerFilter{CustomerID: id}, 0, 1)
		if err != nil {
			return nil, c.bssError(err)
		}
		if len(p.Customers) == 0 || p.Customers[0].ID != id {
			return nil, c.fail("err.no_such_customer_id", id)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, p.Customers[0])
		}
	}
	for _, label := range sc.Labels {
		f := bss.CustomerFilter{}
		if !strings.ContainsFunc(label, cmdline.IsSpace) {
			f.Label = label // BSS refuses a filter with spaces: such a label is found among all
		}
		n := 0
		for cu, err := range c.r.bss.Customers(ctx, f) {
			if err != nil {
				return nil, c.bssError(err)
			}
			if cu.Label != label {
				continue
			}
			n++
			if !seen[cu.ID] {
				seen[cu.ID] = true
				out = append(out, cu)
			}
		}
		if n == 0 {
			return nil, c.fail("err.no_such_label", label)
		}
	}
	return out, nil
}

// expiringRows are the main resources expiring in [from, to] of every customer (with a scope,
// of the customers in it: scoped): from the expiry index when a scan has filled it, unless
// live; else from BSS. note says which.
func (c *Call) expiringRows(ctx context.Context, live bool, from, to time.Time, scope cmdline.ExpiringScope) (rows []expiringRow, failed []string, note string, scoped []bss.Customer, err error) {
	var only map[string]bool // with a scope: the customers in it
	var custs []bss.Customer
	if !scope.All() {
		if custs, err = c.scoped(ctx, scope); err != nil {
			return nil, nil, "", nil, err
		}
		only = make(map[string]bool, len(custs))
		for _, cu := range custs {
			only[cu.ID] = true
		}
	}
	st, indexed, err := c.indexState(ctx)
	if err != nil {
		return nil, nil, "", nil, err
	}
	if indexed && !live {
		hits, err := c.r.opts.ExpiryIndex.ExpiringIndexed(ctx, from, to)
		if err != nil {
			return nil, nil, "", nil, err
		}
		rows = make([]expiringRow, 0, len(hits))
		for _, h := range hits {
			if only != nil && !only[h.Customer] {
				continue
			}
			rows = append(rows, expiringRow{
				customer: bss.Customer{ID: h.Customer, Name: h.Name, AccountName: h.Account},
				res: bss.Resource{ResourceID: h.Resource.ID, Status: h.Resource.Status, ExpirePolicy: h.Resource.Policy,
					ExpireTime: bss.Time{Time: h.Resource.Expiry}, IsMainResource: 1},
				desc: h.Resource.Desc,
			})
		}
		return rows, nil, c.freshness(st.At, st.Customers), custs, nil
	}
	switch {
	case live:
		note = c.Lang.T("fresh.live")
		if only != nil && len(custs) > c.r.opts.LiveMaxCustomers {
			return nil, nil, "", nil, c.fail("err.live_too_many", c.r.opts.LiveMaxCustomers)
		}
		if only == nil {
			if custs, err = c.liveCustomers(ctx); err != nil {
				return nil, nil, "", nil, err
			}
		}
	default:
		note = c.Lang.T("fresh.no_index")
		if only == nil {
			for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{}) {
				if err != nil {
					return nil, nil, "", nil, c.bssError(err)
				}
				custs = append(custs, cu)
			}
		}
	}
	rows, failed, err = c.scanExpiring(ctx, custs, from, to)
	return rows, failed, note, custs, err
}

// scanExpiring asks each of custs for main resources expiring in [from, to], with a bounded
// number of concurrent queries. A customer whose query fails is named in failed; the scan goes on.
func (c *Call) scanExpiring(ctx context.Context, custs []bss.Customer, from, to time.Time) (rows []expiringRow, failed []string, err error) {
	var mu sync.Mutex
	var wg sync.WaitGroup
	done := 0
	owned := map[string][]bss.Resource{}
	var lastErr error
	sem := make(chan struct{}, c.r.opts.Concurrency)
	for _, cu := range custs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			rs, err := c.r.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID, OnlyMain: true, ExpireBegin: from, ExpireEnd: to})
			mu.Lock()
			done++
			n := done
			mu.Unlock()
			chat.ReportProgress(ctx, n, len(custs))
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				lastErr = c.bssError(err)
				failed = append(failed, lang.CustomerName(cu))
				return
			}
			for _, r := range rs {
				rows = append(rows, expiringRow{cu, r, lang.Describe(r)})
			}
			owned[cu.ID] = rs
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	for id, rs := range owned {
		c.remember(ctx, id, rs)
	}
	if len(failed) == len(custs) && len(custs) > 0 {
		return nil, nil, lastErr // every query failed: explain BSS's error
	}
	sort.Strings(failed)
	return rows, failed, nil
}
