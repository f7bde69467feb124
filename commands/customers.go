package commands

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// maxMatches is how many customer matches a reply lists.
const maxMatches = 10

var customerIDPattern = regexp.MustCompile(`^[0-9a-fA-F]{32}$`)

// findCustomers looks a customer up by id (32 hex digits), by real-name name and by account
// name. It returns at most maxMatches customers and whether there are more than those.
func (c *Call) findCustomers(ctx context.Context, q string) ([]bss.Customer, bool, error) {
	if err := c.checkText("customer", q); err != nil {
		return nil, false, err
	}
	q = strings.TrimSpace(q)
	// Money commands name a tier-2 reseller's customers with --reseller (checked by them).
	reseller, _ := c.Flag("reseller")
	var filters []bss.CustomerFilter
	if customerIDPattern.MatchString(q) {
		filters = append(filters, bss.CustomerFilter{CustomerID: q, IndirectPartnerID: reseller})
	}
	// BSS's name filters take no spaces: a name with spaces is searched by a part without
	// them, and matched whole here (spacedNames).
	term := bss.NameSearchTerm(q)
	if term == q && len([]rune(q)) <= 64 {
		filters = append(filters, bss.CustomerFilter{Name: q, IndirectPartnerID: reseller},
			bss.CustomerFilter{AccountName: q, IndirectPartnerID: reseller})
	}
	var out []bss.Customer
	more := false
	seen := map[string]bool{}
	for _, f := range filters {
		p, err := c.r.bss.ListCustomers(ctx, f, 0, maxMatches)
		if err != nil {
			return nil, false, c.bssError(err)
		}
		if p.Count > len(p.Customers) {
			more = true
		}
		for _, cu := range p.Customers {
			if !seen[cu.ID] {
				seen[cu.ID] = true
				out = append(out, cu)
			}
		}
		if f.CustomerID != "" && len(out) > 0 {
			break // an id is exact: no need to search names
		}
	}
	if term != q && term != "" && len([]rune(term)) <= 64 {
		var over bool
		var err error
		if out, over, err = c.spacedNames(ctx, q, term, reseller, out, seen); err != nil {
			return nil, false, err
		}
		more = more || over
	}
	if len(out) > maxMatches {
		out, more = out[:maxMatches], true
	}
	return out, more, nil
}

// spacedNames finds the customers whose real-name name contains q, a name with spaces, by
// listing those whose name contains term (a part of q without spaces, which BSS can search by)
// and keeping those that contain all of q. It stops at the first match past maxMatches.
func (c *Call) spacedNames(ctx context.Context, q, term, reseller string, out []bss.Customer, seen map[string]bool) ([]bss.Customer, bool, error) {
	for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{Name: term, IndirectPartnerID: reseller}) {
		if err != nil {
			return nil, false, c.bssError(err)
		}
		if seen[cu.ID] || !bss.NameContains(cu.Name, q) {
			continue
		}
		if len(out) >= maxMatches {
			return out, true, nil
		}
		seen[cu.ID] = true
		out = append(out, cu)
	}
	return out, false, nil
}

// oneCustomer resolves q to exactly one customer. Several matches are fine when exactly one of
// them is an exact match of id, name or account; otherwise the user is shown the list.
func (c *Call) oneCustomer(ctx context.Context, q string) (bss.Customer, error) {
	ms, more, err := c.findCustomers(ctx, q)
	if err != nil {
		return bss.Customer{}, err
	}
	switch len(ms) {
	case 0:
		return bss.Customer{}, &userError{text: c.Lang.T("err.no_customer", q), result: "not-found"}
	case 1:
		return ms[0], nil
	}
	var exact []bss.Customer
	for _, m := range ms {
		if m.ID == q || sameName(m.Name, q) || strings.EqualFold(m.AccountName, q) {
			exact = append(exact, m)
		}
	}
	if len(exact) == 1 {
		return exact[0], nil
	}
	rep := chat.Reply{Text: c.Lang.T("err.ambiguous", q, len(ms))}
	t := &chat.Table{Columns: []string{c.Lang.T("expiring.col.cust"), c.Lang.T("lbl.account"), c.Lang.T("lbl.customer_id")}}
	for _, m := range ms {
		t.Rows = append(t.Rows, []string{m.Name, m.AccountName, m.ID})
	}
	rep.Table = t
	if more {
		rep.Footer = c.Lang.T("lbl.more_matches", len(ms))
	}
	return bss.Customer{}, &userError{text: rep.Text, result: "invalid", extra: &rep}
}

// sameName compares names as people type them: letters in any case, any run of spaces as one.
func sameName(a, b string) bool {
	return strings.EqualFold(strings.Join(strings.Fields(a), " "), strings.Join(strings.Fields(b), " "))
}

// expiringCounts is the number of main resources of each of ms that expire within 30 days,
// with where it comes from: the expiry index unless live or the index lacks the customer. The
// customers the index cannot answer for are asked about side by side. It does not record BSS
// errors (Call.bssError): it runs beside the answer's other parts.
func (c *Call) expiringCounts(ctx context.Context, live bool, ms []bss.Customer) (map[string]string, error) {
	from, to := c.now, c.now.Add(30*24*time.Hour)
	st, indexed, err := c.indexState(ctx)
	if err != nil {
		return nil, err
	}
	entries := map[string]store.IndexedCustomer{}
	if indexed && !live {
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.ID
		}
		if entries, err = c.r.opts.ExpiryIndex.IndexedCustomers(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make(map[string]string, len(ms))
	asked := make([]*bss.ResourcePage, len(ms))
	errs := make([]error, len(ms))
	var wg sync.WaitGroup
	for i, m := range ms {
		if e, ok := entries[m.ID]; ok {
			n := 0
			for _, r := range e.Resources {
				if r.Main && !r.Expiry.Before(from) && !r.Expiry.After(to) {
					n++
				}
			}
			out[m.ID] = strconvItoa(n) + " · " + c.freshness(st.At, st.Customers)
			continue
		}
		wg.Go(func() {
			asked[i], errs[i] = c.r.bss.ListResources(ctx, bss.ResourceFilter{CustomerID: m.ID, OnlyMain: true, ExpireBegin: from, ExpireEnd: to}, 0, 1)
		})
	}
	wg.Wait()
	note := c.Lang.T("fresh.live")
	if !indexed && !live {
		note = c.Lang.T("fresh.no_index")
	}
	for i, m := range ms {
		if errs[i] != nil {
			return nil, errs[i] // the first that failed, in the order of ms
		}
		if asked[i] != nil {
			out[m.ID] = strconvItoa(asked[i].TotalCount) + " · " + note
		}
	}
	return out, nil
}

func runCustomer(ctx context.Context, c *Call) (chat.Reply, error) {
	q := c.Arg(0)
	live, err := c.wantsLive()
	if err != nil {
		return chat.Reply{}, err
	}
	ms, more, err := c.findCustomers(ctx, q)
	if err != nil {
		return chat.Reply{}, err
	}
	if len(ms) == 0 {
		return chat.Reply{}, &userError{text: c.Lang.T("err.no_customer", q), result: "not-found"}
	}
	var resale []string
	for _, m := range ms {
		if m.AssociationType == bss.AssociationResale {
			resale = append(resale, m.ID)
		}
	}
	// The answer's parts — balances, expiring counts, this month's spend — come from different
	// BSS APIs: ask them side by side, so that a person waits for the slowest rather than for
	// all in a row. The answer is made in the order it was before, errors included.
	var (
		wg               sync.WaitGroup
		bs               []bss.CustomerBalance
		counts           map[string]string
		spend            *bss.BillSumPage
		balErr, countErr error
		spendErr         error
		wantSpend        = len(ms) == 1 && c.wantsSpend(ms[0])
	)
	if len(resale) > 0 {
		wg.Go(func() { bs, balErr = c.r.bss.CustomerBalances(ctx, resale) })
	}
	wg.Go(func() { counts, countErr = c.expiringCounts(ctx, live, ms) })
	if wantSpend {
		// This month's spend, beside the balance: three BSS calls (one per charge mode), so
		// only for the one customer asked about, not for every match of a search.
		wg.Go(func() { spend, spendErr = c.fetchSpend(ctx, ms[0]) })
	}
	wg.Wait()
	balances := map[string]bss.CustomerBalance{}
	noBalances := false // the international site has no balance API: the field is left out
	switch {
	case errors.Is(balErr, bss.ErrUnavailable):
		noBalances = true
	case balErr != nil:
		return chat.Reply{}, c.bssError(balErr)
	}
	for _, b := range bs {
		balances[b.CustomerID] = b
	}
	rep := chat.Reply{}
	if len(ms) == 1 {
		rep.Title = c.Lang.T("customer.title", lang.CustomerName(ms[0]))
	} else {
		rep.Title = c.Lang.T("customer.matches", q, len(ms))
	}
	if countErr != nil {
		return chat.Reply{}, c.bssError(countErr)
	}
	for _, m := range ms {
		sec := chat.Section{Title: lang.CustomerName(m), Fields: []chat.Field{
			{Label: c.Lang.T("lbl.customer_id"), Value: m.ID},
			{Label: c.Lang.T("lbl.account"), Value: orDash(m.AccountName)},
			{Label: c.Lang.T("lbl.association"), Value: c.enumS("assoc", m.AssociationType) + " · " + c.date(m.AssociatedOn.Time)},
			{Label: c.Lang.T("lbl.label"), Value: orDash(m.Label)},
			c.verifiedField(m),
			c.frozenField(m),
		}}
		if !noBalances {
			sec.Fields = append(sec.Fields, c.balanceField(m, balances))
		}
		if wantSpend {
			sec.Fields = append(sec.Fields, c.spendOf(m, spend, spendErr))
		}
		sec.Fields = append(sec.Fields, chat.Field{Label: c.Lang.T("lbl.expiring30"), Value: counts[m.ID]})
		if len(ms) == 1 {
			sec.Title = "" // the reply's title already names the customer
		}
		rep.Sections = append(rep.Sections, sec)
	}
	if more {
		rep.Footer = c.Lang.T("lbl.more_matches", len(ms))
	}
	if len(ms) == 1 {
		id := ms[0].ID
		rep.Buttons = []chat.Button{
			{Label: c.Lang.T("btn.resources"), Command: "/resources " + id},
			{Label: c.Lang.T("btn.orders"), Command: "/orders " + id},
		}
		if !noBalances {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("btn.balance"), Command: "/balance " + id})
		}
		if c.wantsSpend(ms[0]) {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("btn.spend"), Command: "/spend " + id})
		}
	}
	return rep, nil
}

// balanceField shows a resale customer's balance, or its arrears in their place.
func (c *Call) balanceField(m bss.Customer, balances map[string]bss.CustomerBalance) chat.Field {
	b, ok := balances[m.ID]
	switch {
	case m.AssociationType != bss.AssociationResale:
		return chat.Field{Label: c.Lang.T("lbl.balance"), Value: c.Lang.T("lbl.hidden")}
	case !ok:
		return chat.Field{Label: c.Lang.T("lbl.balance"), Value: c.Lang.T("lbl.unknown")}
	case b.InArrears():
		return chat.Field{Label: "⚠ " + c.Lang.T("lbl.debt"), Value: lang.Money(b.Debt, b.Currency)}
	}
	return chat.Field{Label: c.Lang.T("lbl.balance"), Value: lang.Money(b.Amount, b.Currency)}
}

// verifiedField is the customer's real-name (实名) status: Huawei renews only for verified
// customers, so anything else is marked.
func (c *Call) verifiedField(m bss.Customer) chat.Field {
	v := lang.VerifiedText(c.Lang, m.VerifiedStatus)
	if m.Unverified() {
		v = "⚠ " + v
	}
	return chat.Field{Label: c.Lang.T("lbl.verified"), Value: v}
}

// frozenField is the customer's is_frozen (0 no, 1 account, 2 account and resources).
func (c *Call) frozenField(m bss.Customer) chat.Field {
	v := c.enumS("frozen", strconv.Itoa(m.IsFrozen))
	if m.IsFrozen != 0 {
		v = "🧊 " + v
	}
	return chat.Field{Label: c.Lang.T("lbl.frozen"), Value: v}
}

func (c *Call) enumS(prefix, v string) string {
	if c.Lang.Has(prefix + "." + v) {
		return c.Lang.T(prefix + "." + v)
	}
	return orDash(v)
}

func runBalance(ctx context.Context, c *Call) (chat.Reply, error) {
	q := c.Arg(0)
	if q == "" {
		return c.partnerBalances(ctx)
	}
	cu, err := c.oneCustomer(ctx, q)
	if err != nil {
		return chat.Reply{}, err
	}
	if cu.AssociationType != bss.AssociationResale {
		return chat.Reply{}, c.fail("err.not_resale", lang.CustomerName(cu))
	}
	bs, err := c.r.bss.CustomerBalances(ctx, []string{cu.ID})
	if err != nil {
		return chat.Reply{}, c.bssError(err)
	}
	rep := chat.Reply{Title: c.Lang.T("balance.title", lang.CustomerName(cu))}
	if len(bs) == 0 {
		rep.Text = c.Lang.T("balance.none")
		return rep, nil
	}
	b := bs[0]
	rep.Fields = []chat.Field{
		{Label: c.Lang.T("lbl.balance"), Value: lang.Money(b.Amount, b.Currency)},
		{Label: c.Lang.T("lbl.debt"), Value: lang.Money(b.Debt, b.Currency)},
	}
	if b.InArrears() {
		rep.Text = "⚠ " + c.Lang.T("balance.in_arrears", lang.Money(b.Debt, b.Currency))
	}
	rep.Buttons = []chat.Button{{Label: c.Lang.T("btn.resources"), Command: "/resources " + cu.ID}}
	if b.InArrears() && c.mayTopUp() {
		rep.Buttons = append(rep.Buttons, topUpButton(c.Lang, cu, b.Debt, b.Currency))
	}
	return rep, nil
}

// balances are the resale customers' balances: from the arrears scan's cache once a scan has
// filled it, else from BSS; note says which.
func (c *Call) balances(ctx context.Context) (bs []bss.CustomerBalance, byID map[string]bss.Customer, note string, err error) {
	if c.r.store != nil {
		st, cached, ok, err := c.r.store.BalanceCache(ctx)
		if err != nil {
			return nil, nil, "", err
		}
		if ok {
			byID = make(map[string]bss.Customer, len(cached))
			bs = make([]bss.CustomerBalance, 0, len(cached))
			for _, cb := range cached {
				amount, err1 := bss.ParseAmount(cb.Amount)
				debt, err2 := bss.ParseAmount(cb.Debt)
				if err := errors.Join(err1, err2); err != nil {
					return nil, nil, "", fmt.Errorf("cached balance of %s: %w", cb.CustomerID, err)
				}
				byID[cb.CustomerID] = bss.Customer{ID: cb.CustomerID, Name: cb.Name, AccountName: cb.Account, Label: cb.Label}
				bs = append(bs, bss.CustomerBalance{CustomerID: cb.CustomerID, Amount: amount, Debt: debt, Currency: cb.Currency, MeasureID: cb.MeasureID})
			}
			return bs, byID, c.Lang.T("fresh.balances", c.clock(st.At, "01-02 15:04"), c.ago(st.At), st.Customers), nil
		}
	}
	var custs []bss.Customer
	for cu, err := range c.r.bss.Customers(ctx, bss.CustomerFilter{AssociationType: bss.AssociationResale}) {
		if err != nil {
			return nil, nil, "", c.bssError(err)
		}
		custs = append(custs, cu)
	}
	ids := make([]string, len(custs))
	byID = make(map[string]bss.Customer, len(custs))
	for i, cu := range custs {
		ids[i] = cu.ID
		byID[cu.ID] = cu
	}
	if bs, err = c.r.bss.CustomerBalances(ctx, ids); err != nil {
		return nil, nil, "", c.bssError(err)
	}
	return bs, byID, c.Lang.T("fresh.no_balances"), nil
}

func runArrears(ctx context.Context, c *Call) (chat.Reply, error) {
	page, err := c.pageNumber()
	if err != nil {
		return chat.Reply{}, err
	}
	bs, byID, note, err := c.balances(ctx)
	if err != nil {
		return chat.Reply{}, err
	}
	var debtors []bss.CustomerBalance
	totals := map[string]bss.Amount{}
	for _, b := range bs {
		if b.InArrears() {
			debtors = append(debtors, b)
			totals[b.Currency] = totals[b.Currency].Add(b.Debt)
		}
	}
	rep := chat.Reply{Title: c.Lang.T("arrears.title")}
	if len(debtors) == 0 {
		rep.Text = note + "\n" + c.Lang.T("arrears.none")
		return rep, nil
	}
	sort.Slice(debtors, func(i, j int) bool {
		if d := debtors[i].Debt.Cmp(debtors[j].Debt); d != 0 {
			return d > 0
		}
		return debtors[i].CustomerID < debtors[j].CustomerID
	})
	var sums []string
	for _, cur := range sortedKeys(totals) {
		sums = append(sums, lang.Money(totals[cur], cur))
	}
	rep.Text = note + "\n" + c.Lang.T("arrears.total", len(debtors), strings.Join(sums, " + "))
	lo, hi, pages, err := c.pageRange(len(debtors), page)
	if err != nil {
		return chat.Reply{}, err
	}
	t := &chat.Table{Columns: []string{c.Lang.T("arrears.col.cust"), c.Lang.T("arrears.col.acct"), c.Lang.T("arrears.col.label"), c.Lang.T("arrears.col.debt")}}
	for _, b := range debtors[lo:hi] {
		cu := byID[b.CustomerID]
		t.Rows = append(t.Rows, []string{orDash(cu.Name), orDash(cu.AccountName), orDash(cu.Label), lang.Money(b.Debt, b.Currency)})
		if c.mayTopUp() { // one per debtor on the page (see README, /arrears)
			rep.Buttons = append(rep.Buttons, topUpButton(c.Lang, cu, b.Debt, b.Currency))
		}
	}
	rep.Table = t
	c.pager(&rep, "/arrears", page, pages, len(debtors))
	return rep, nil
}

// mayTopUp reports whether the caller may request a top-up (an operator or an admin) and the
// site has the API: only then are top-up buttons offered.
func (c *Call) mayTopUp() bool {
	return c.mayRequest(bss.OpUpdateCustomerAccountAmount)
}

// pager sets the footer and the previous/next page buttons of a paged listing.
func (c *Call) pager(rep *chat.Reply, base string, page, pages, items int) {
	rep.Footer = c.Lang.T("lbl.page", page, pages, items)
	if page > 1 {
		rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("lbl.prev_page"), Command: base + " --page " + strconvItoa(page-1)})
	}
	if page < pages {
		rep.Buttons = append(rep.Buttons, chat.Button{Label: c.Lang.T("lbl.next_page"), Command: base + " --page " + strconvItoa(page+1)})
	}
}
