package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// KindHealth is the scan of what Huawei tells only the customer (or only the partner's own
// console): data about to be deleted after expiry, unverified customers whose renewals will
// fail, coupons and coupon quotas lapsing unused, the partner's own funds running low, and
// orders waiting for payment.
const KindHealth = "health"

// ReleasePeriod is how many days a resource stays in its grace period (宽限期: still usable)
// and then in its retention period (保留期: frozen, data kept) after it expired, before its
// data is deleted.
type ReleasePeriod struct {
	Grace     int `json:"grace"`
	Retention int `json:"retention"`
}

// DefaultRelease is the release period Huawei documents as its example (a V3 customer: 7 days
// of grace, then 7 of retention); the real table by customer level is not confirmed in any
// source we trust, so it is configuration (ReleaseTable).
var DefaultRelease = ReleasePeriod{Grace: 7, Retention: 7}

// ReleaseTable is the release period by customer level ("V0".."V5", customer_level of
// ListSubCustomers); the key "default" covers levels not listed, DefaultRelease when absent.
type ReleaseTable map[string]ReleasePeriod

// For is the release period of a customer of level.
func (t ReleaseTable) For(level string) ReleasePeriod {
	if p, ok := t[strings.ToUpper(strings.TrimSpace(level))]; ok {
		return p
	}
	if p, ok := t["default"]; ok {
		return p
	}
	return DefaultRelease
}

// longest is the longest grace plus retention of the table, in days.
func (t ReleaseTable) longest() int {
	n := DefaultRelease.Grace + DefaultRelease.Retention
	for _, p := range t {
		n = max(n, p.Grace+p.Retention)
	}
	return n
}

// Deletion is when the data of r, a main resource of a customer of level, will be deleted
// after its expiry, by its expire policy (bss-api.md §3): into the grace period and then the
// retention period (0, and 3 when auto-renew failed); straight into retention (4 freeze, 5
// delete from retention); deleted at expiry (2). A resource converted to pay-per-use at expiry
// (1) is not deleted: ok is false.
func (t ReleaseTable) Deletion(r bss.Resource, level string) (at time.Time, ok bool) {
	exp := r.ExpireTime.Time
	if exp.IsZero() {
		return time.Time{}, false
	}
	p := t.For(level)
	switch r.ExpirePolicy {
	case bss.ExpirePolicyOnDemand:
		return time.Time{}, false
	case bss.ExpirePolicyDelete:
		return exp, true
	case bss.ExpirePolicyFreeze, bss.ExpirePolicyRelease:
		return exp.AddDate(0, 0, p.Retention), true
	}
	return exp.AddDate(0, 0, p.Grace+p.Retention), true
}

// PartnerForecaster is the partner's expected spend over the next 30 days, which the
// forecast fills in (*Forecaster, from the stored forecast); ok is false while no forecast is
// known.
type PartnerForecaster interface {
	PartnerForecast(ctx context.Context) (amount bss.Amount, ok bool, err error)
}

// HealthOptions configure the health scan.
type HealthOptions struct {
	// Schedule is when the scan runs (a cron spec, in the scanner's zone); default "30 9 * * *".
	Schedule string
	// Release is the grace and retention table by customer level.
	Release ReleaseTable
	// ReleaseDays are the thresholds before deletion, descending; default 7, 3, 1.
	ReleaseDays []int
	// UnverifiedDays: an unverified customer is named when it has a resource expiring within
	// this many days; default 30.
	UnverifiedDays int
	// CouponDays: a usable coupon or coupon quota with a balance is named when it expires within
	// this many days; default 15.
	CouponDays int
	// PartnerMin: the partner's balance plus remaining credit below this is alerted; zero = off.
	PartnerMin bss.Amount
	// PartnerForecastPercent: ... or below this percentage of the next 30 days' forecast
	// (Forecast); 0 = off.
	PartnerForecastPercent int
	Forecast               PartnerForecaster
}

func (o *HealthOptions) defaults() {
	if o.Schedule == "" {
		o.Schedule = "30 9 * * *"
	}
	if len(o.ReleaseDays) == 0 {
		o.ReleaseDays = []int{7, 3, 1}
	}
	sort.Sort(sort.Reverse(sort.IntSlice(o.ReleaseDays)))
	if o.UnverifiedDays <= 0 {
		o.UnverifiedDays = 30
	}
	if o.CouponDays <= 0 {
		o.CouponDays = 15
	}
}

// The parts of a health digest, in the order it shows them; each is its ledger keys' second
// field ("hl|<part>|<channel>|<id>").
const (
	partRelease    = "rel"
	partUnverified = "unv"
	partOrder      = "ord"
	partCoupon     = "cpn"
	partQuota      = "quota"
	partPartner    = "partner"
)

var healthParts = []string{partPartner, partRelease, partUnverified, partOrder, partCoupon, partQuota}

// healthMark is a health ledger entry: the date the item was alerted for (deletion, expiry,
// order creation), the smallest threshold alerted (release), and the customer (so that a
// customer whose query failed keeps its marks).
type healthMark struct {
	At       time.Time `json:"at"`
	Level    int       `json:"level,omitempty"`
	Customer string    `json:"c,omitempty"`
}

func healthKey(part string, ch *channel, id string) string {
	return "hl|" + part + "|" + ch.key() + "|" + id
}

// healthItem is one line of a health digest.
type healthItem struct {
	part     string
	id       string // ledger id: resource, customer, coupon, quota or order id
	customer bss.Customer
	partner  bool // about the partner itself, not a customer
	at       time.Time
	level    int
	line     func(l lang.Lang, now time.Time) string
	renew    string // resource id a renew button is for
	ondemand string // resource id a switch-to-pay-per-use button is for (where its policy allows)
	name     string // its name, on the button
}

// healthFacts is what one health scan learnt from BSS, before any channel's ledger.
type healthFacts struct {
	custs    []bss.Customer
	failed   map[string]bool // customers whose resources could not be read
	items    []healthItem
	complete map[string]bool // parts whose listing succeeded (their unseen marks may go)
}

func (s *Scanner) scanHealth(ctx context.Context, sum *Summary) error {
	now := s.opts.Now()
	chans, err := s.channels(ctx, KindHealth)
	if err != nil || len(chans) == 0 {
		return err
	}
	ledger, err := s.store.LedgerPrefix(ctx, "hl|")
	if err != nil {
		return err
	}
	f, err := s.healthFacts(ctx, chans, now, sum)
	if err != nil {
		return err
	}
	sum.Customers = len(f.custs)
	sum.Found = len(f.items)
	for _, ch := range chans {
		if err := s.healthDigest(ctx, ch, ledger, f, now, sum); err != nil {
			return fmt.Errorf("channel %s: %w", ch.key(), err)
		}
	}
	return nil
}

// healthFacts asks BSS: every customer in scope's resources around the release window (and,
// for an unverified one, expiring within UnverifiedDays), then the partner-wide lists.
func (s *Scanner) healthFacts(ctx context.Context, chans []*channel, now time.Time, sum *Summary) (*healthFacts, error) {
	h := s.opts.Health
	f := &healthFacts{failed: map[string]bool{}, complete: map[string]bool{partRelease: true, partUnverified: true}}
	var mu sync.Mutex
	day := 24 * time.Hour
	back := time.Duration(h.Release.longest()+1) * day
	skip, err := s.healthSkips(ctx, now.Add(-back), now.Add(time.Duration(h.ReleaseDays[0])*day),
		now.Add(time.Duration(h.UnverifiedDays)*day))
	if err != nil {
		return nil, err
	}
	custs, failed, err := s.stream(ctx, KindHealth, chans, bss.CustomerFilter{}, func(ctx context.Context, cu bss.Customer) error {
		if skip(cu) {
			return nil
		}
		ahead := h.ReleaseDays[0]
		unverified := cu.Unverified()
		if unverified {
			ahead = max(ahead, h.UnverifiedDays)
		}
		rs, err := s.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID, OnlyMain: true,
			ExpireBegin: now.Add(-back), ExpireEnd: now.Add(time.Duration(ahead) * day)})
		if err != nil {
			return err
		}
		var items []healthItem
		expiring := 0
		var soonest time.Time
		for _, r := range rs {
			if !r.IsMain() || r.Status == bss.StatusClosed {
				continue
			}
			exp := r.ExpireTime.Time
			if unverified && exp.After(now) && !exp.After(now.Add(time.Duration(h.UnverifiedDays)*day)) {
				expiring++
				if soonest.IsZero() || exp.Before(soonest) {
					soonest = exp
				}
			}
			del, ok := h.Release.Deletion(r, cu.Level)
			if !ok || !del.After(now) {
				continue
			}
			lvl := level(h.ReleaseDays, now, del)
			if lvl <= 0 {
				continue
			}
			items = append(items, s.releaseItem(cu, r, del, lvl))
		}
		if expiring > 0 {
			items = append(items, unverifiedItem(cu, expiring, soonest, s.opts.Location))
		}
		mu.Lock()
		defer mu.Unlock()
		f.items = append(f.items, items...)
		return nil
	})
	for _, cu := range failed {
		f.failed[cu.ID] = true
		sum.Failed = append(sum.Failed, lang.CustomerName(cu))
	}
	if err != nil {
		return nil, err
	}
	f.custs = custs
	byID := make(map[string]bss.Customer, len(custs))
	for _, cu := range custs {
		byID[cu.ID] = cu
	}
	// The partner-wide lists: a failure leaves that part out of this scan (its marks stay),
	// and is logged; the other parts go on.
	parts := []struct {
		name, op string // op names the listing in the scan's summary
		fn       func() ([]healthItem, error)
	}{
		{partOrder, "ListCustomerOrders", func() ([]healthItem, error) { return s.pendingOrders(ctx, byID) }},
		{partCoupon, bss.OpListIssuedPartnerCoupons, func() ([]healthItem, error) { return s.lapsingCoupons(ctx, byID, now) }},
		{partQuota, bss.OpListQuotaCoupons, func() ([]healthItem, error) { return s.lapsingQuotas(ctx, now) }},
		{partPartner, bss.OpListPartnerBalances, func() ([]healthItem, error) { return s.partnerFunds(ctx) }},
	}
	for _, p := range parts {
		items, err := p.fn()
		switch {
		case errors.Is(err, bss.ErrUnavailable): // not on this site (bssintl): nothing to say
			f.complete[p.name] = true
			continue
		case err != nil:
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.opts.Logger.WarnContext(ctx, "health scan: a listing failed; its part is left out of this scan", "part", p.name, "error", err)
			sum.Failed = append(sum.Failed, p.op)
			continue
		}
		f.complete[p.name] = true
		f.items = append(f.items, items...)
	}
	return f, nil
}

// healthSkips says which customers the health scan need not ask BSS about: with delta scans
// (Options.Delta) and an expiry index, those the index lists in full with no main resource
// expiring in [from, to] (the release window) nor, for a customer not real-name verified, in
// [now, unverifiedTo]. A resource's expiry changes only with an order, which the delta scans
// catch, so the index knows; what is alerted is still what BSS answers now. Customers the
// index does not know (not in an expiry subscription's scope), or whose listing failed, are
// asked. Without an index every customer is asked.
func (s *Scanner) healthSkips(ctx context.Context, from, to, unverifiedTo time.Time) (func(bss.Customer) bool, error) {
	none := func(bss.Customer) bool { return false }
	if !s.opts.Delta {
		return none, nil
	}
	if _, ok, err := s.store.ExpiryScanState(ctx); err != nil || !ok {
		return none, err
	}
	indexed, err := s.store.ExpiryCustomers(ctx)
	if err != nil {
		return nil, err
	}
	end := to
	if unverifiedTo.After(end) {
		end = unverifiedTo
	}
	rs, err := s.store.ExpiringIndexed(ctx, from, end)
	if err != nil {
		return nil, err
	}
	release, soon := map[string]bool{}, map[string]bool{}
	now := s.opts.Now()
	for _, r := range rs {
		exp := r.Resource.Expiry
		if !exp.After(to) {
			release[r.Customer] = true
		}
		if exp.After(now) && !exp.After(unverifiedTo) {
			soon[r.Customer] = true
		}
	}
	return func(cu bss.Customer) bool {
		sum, ok := indexed[cu.ID]
		return ok && !sum.Retry && !release[cu.ID] && (!cu.Unverified() || !soon[cu.ID])
	}, nil
}

func (s *Scanner) releaseItem(cu bss.Customer, r bss.Resource, del time.Time, lvl int) healthItem {
	loc := s.opts.Location
	desc := lang.Describe(r)
	policy := r.ExpirePolicy
	var ondemand string
	if r.ToOnDemandBlock() == "" {
		ondemand = r.ResourceID
	}
	return healthItem{part: partRelease, id: r.ResourceID, customer: cu, at: del, level: lvl, renew: r.ResourceID, ondemand: ondemand, name: name(r),
		line: func(l lang.Lang, now time.Time) string {
			mark := "⏰"
			if lvl <= 3 {
				mark = "🛑"
			}
			line := mark + " " + l.T("alert.health.release_line", lang.CustomerName(cu), lang.LocalDesc(l, desc), r.ResourceID,
				r.ExpireTime.In(loc).Format("2006-01-02"), lang.When(l, loc, now, del))
			if policy == bss.ExpirePolicyOnDemand {
				return line
			}
			line += " · " + l.T("alert.expiry.how_renew", r.ResourceID)
			if ondemand != "" {
				line += " · " + l.T("alert.health.how_ondemand", r.ResourceID)
			}
			return line
		}}
}

func unverifiedItem(cu bss.Customer, n int, soonest time.Time, loc *time.Location) healthItem {
	status := cu.VerifiedStatus
	// Once per customer while it stays unverified with something expiring: its soonest expiry
	// moving on is no news.
	return healthItem{part: partUnverified, id: cu.ID, customer: cu,
		line: func(l lang.Lang, now time.Time) string {
			return l.T("alert.health.unverified_line", lang.CustomerName(cu), cu.ID, lang.VerifiedText(l, status), n,
				lang.When(l, loc, now, soonest))
		}}
}

// pendingOrders lists the orders waiting for payment (ListCustomerOrders status 6) of every
// customer, without customer_id and method (bss-api.md Corrections), and keeps those of
// customers in scope.
func (s *Scanner) pendingOrders(ctx context.Context, byID map[string]bss.Customer) ([]healthItem, error) {
	var out []healthItem
	loc := s.opts.Location
	for o, err := range s.bss.Orders(ctx, bss.OrderFilter{Status: bss.OrderPendingPayment}) {
		if err != nil {
			return nil, err
		}
		cu, ok := byID[o.CustomerID]
		if !ok || o.Status != bss.OrderPendingPayment {
			continue
		}
		o := o
		out = append(out, healthItem{part: partOrder, id: o.OrderID, customer: cu, at: o.CreateTime.Time,
			line: func(l lang.Lang, now time.Time) string {
				line := l.T("alert.health.order_line", lang.CustomerName(cu), o.OrderID, otype(l, o.OrderType),
					lang.Money(o.AmountAfterDiscount, o.Currency), lang.When(l, loc, now, o.CreateTime.Time))
				if !o.PendingPaymentEnd.IsZero() {
					line += " · " + l.T("alert.health.order_pay_by", lang.When(l, loc, now, o.PendingPaymentEnd.Time))
				}
				return line
			}})
	}
	return out, nil
}

func otype(l lang.Lang, t int) string {
	if k := fmt.Sprintf("otype.%d", t); l.Has(k) {
		return l.T(k)
	}
	return fmt.Sprint(t)
}

// lapsingCoupons lists the usable coupons issued to customers in scope that expire within
// CouponDays with a balance left (ListIssuedPartnerCoupons).
func (s *Scanner) lapsingCoupons(ctx context.Context, byID map[string]bss.Customer, now time.Time) ([]healthItem, error) {
	end := now.Add(time.Duration(s.opts.Health.CouponDays) * 24 * time.Hour)
	var out []healthItem
	loc := s.opts.Location
	for cp, err := range s.bss.Coupons(ctx, bss.CouponFilter{Status: bss.CouponUsable, ExpireBegin: now, ExpireEnd: end}) {
		if err != nil {
			return nil, err
		}
		cu, ok := byID[cp.CustomerID]
		exp := cp.ExpireTime.Time
		if !ok || cp.Status != bss.CouponUsable || cp.Balance.Sign() <= 0 || !exp.After(now) || exp.After(end) {
			continue
		}
		cp := cp
		out = append(out, healthItem{part: partCoupon, id: cp.CouponID, customer: cu, at: exp,
			line: func(l lang.Lang, now time.Time) string {
				return l.T("alert.health.coupon_line", lang.CustomerName(cu), cp.CouponID, lang.Money(cp.Balance, ""),
					lang.Money(cp.FaceValue, ""), lang.When(l, loc, now, exp))
			}})
	}
	return out, nil
}

// lapsingQuotas lists the partner's own normal coupon quotas, of both types, that expire
// within CouponDays with a balance left (ListQuotaCoupons).
func (s *Scanner) lapsingQuotas(ctx context.Context, now time.Time) ([]healthItem, error) {
	end := now.Add(time.Duration(s.opts.Health.CouponDays) * 24 * time.Hour)
	var out []healthItem
	loc := s.opts.Location
	for _, typ := range []int{bss.QuotaTypeCashCoupon, bss.QuotaTypeFlexiPurchase} {
		for q, err := range s.bss.Quotas(ctx, bss.QuotaFilter{Statuses: []int{bss.QuotaNormal}, QuotaType: &typ, ExpireBegin: now, ExpireEnd: end}) {
			if err != nil {
				return nil, err
			}
			exp := q.ExpireTime.Time
			if q.QuotaStatus != bss.QuotaNormal || q.Balance.Sign() <= 0 || !exp.After(now) || exp.After(end) {
				continue
			}
			q := q
			out = append(out, healthItem{part: partQuota, id: q.QuotaID, partner: true, at: exp,
				line: func(l lang.Lang, now time.Time) string {
					return l.T("alert.health.quota_line", q.QuotaID, lang.Money(q.Balance, q.Currency), lang.Money(q.QuotaValue, q.Currency),
						lang.When(l, loc, now, exp))
				}})
		}
	}
	return out, nil
}

// PartnerThreshold is what the partner's funds are held against: the amount, or the percentage
// of the forecast when that is more.
func (s *Scanner) partnerThreshold(ctx context.Context) (bss.Amount, error) {
	h := s.opts.Health
	floor := h.PartnerMin
	if h.PartnerForecastPercent > 0 && h.Forecast != nil {
		f, ok, err := h.Forecast.PartnerForecast(ctx)
		if err != nil {
			return floor, fmt.Errorf("partner forecast: %w", err)
		}
		if pct := bss.NewAmount(0, f.Micros()/100*int64(h.PartnerForecastPercent)); ok && pct.Cmp(floor) > 0 {
			floor = pct
		}
	}
	return floor, nil
}

// partnerFunds reads the partner's own accounts (ListPartnerBalances) and names the partner
// when its balance plus remaining credit is below the threshold.
func (s *Scanner) partnerFunds(ctx context.Context) ([]healthItem, error) {
	threshold, err := s.partnerThreshold(ctx)
	if err != nil {
		return nil, err
	}
	if threshold.Sign() <= 0 {
		return nil, nil
	}
	accts, err := s.bss.PartnerBalances(ctx, "")
	if err != nil {
		return nil, err
	}
	var balance, credit bss.Amount
	currency := ""
	for _, a := range accts {
		switch a.AccountType {
		case 1:
			balance = balance.Add(a.Amount)
		case 2:
			credit = credit.Add(a.Amount)
		default:
			continue
		}
		if currency == "" {
			currency = a.Currency
		}
	}
	funds := balance.Add(credit)
	if funds.Cmp(threshold) >= 0 {
		return nil, nil
	}
	return []healthItem{{part: partPartner, id: "funds", partner: true,
		line: func(l lang.Lang, _ time.Time) string {
			return l.T("alert.health.partner_line", lang.Money(balance, currency), lang.Money(credit, currency),
				lang.Money(funds, currency), lang.Money(threshold, currency))
		}}}, nil
}

// healthDigest decides the channel's side against its ledger and commits its digest.
func (s *Scanner) healthDigest(ctx context.Context, ch *channel, ledger map[string]json.RawMessage, f *healthFacts, now time.Time, sum *Summary) error {
	puts := map[string]json.RawMessage{}
	seen := map[string]bool{}
	var items []healthItem
	wantsAll := ch.wantsAll(KindHealth)
	for _, it := range f.items {
		if it.partner {
			if !wantsAll {
				continue // the partner's own matters go to channels subscribed to every customer
			}
		} else if _, ok := ch.matches(KindHealth, it.customer); !ok {
			continue
		}
		key := healthKey(it.part, ch, it.id)
		seen[key] = true
		if ch.snoozed[it.id] || (!it.partner && ch.snoozed[it.customer.ID]) {
			continue
		}
		var prev healthMark
		had := false
		if raw, ok := ledger[key]; ok && json.Unmarshal(raw, &prev) == nil {
			had = true
		}
		if had && !prev.At.Equal(it.at) {
			had = false // renewed, postponed or another order: start over
		}
		if had && (it.part != partRelease || it.level >= prev.Level) {
			continue
		}
		raw, _ := json.Marshal(healthMark{At: it.at, Level: it.level, Customer: it.customer.ID})
		puts[key] = raw
		items = append(items, it)
	}
	// Marks of what is no longer there go, so that it is alerted again when it comes back —
	// unless this scan could not look (a failed customer or listing).
	var deletes []string
	prefix := func(part string) string { return "hl|" + part + "|" + ch.key() + "|" }
	for key, raw := range ledger {
		if seen[key] {
			continue
		}
		for _, part := range healthParts {
			if !strings.HasPrefix(key, prefix(part)) {
				continue
			}
			var m healthMark
			_ = json.Unmarshal(raw, &m)
			if f.complete[part] && !((part == partRelease || part == partUnverified) && f.failed[m.Customer]) {
				deletes = append(deletes, key)
			}
		}
	}
	var notices []store.Notice
	if len(items) > 0 {
		notices = s.notices(ch, KindHealth, s.renderHealth(ch.lang, items, now), now)
		sum.Alerted += len(items)
		sum.Notices += len(notices)
		sum.Channels++
	}
	if len(puts) == 0 && len(deletes) == 0 {
		return nil
	}
	return s.store.CommitAlerts(ctx, puts, dedupe(deletes), notices)
}

// wantsAll reports whether some kind subscription of the channel is to every customer.
func (c *channel) wantsAll(kind string) bool {
	for _, sub := range c.subs {
		if wants(sub.Kind, kind) && (sub.Scope == "*" || sub.Scope == "") {
			return true
		}
	}
	return false
}

// renderHealth builds one channel's health digest: a section per part, soonest first.
func (s *Scanner) renderHealth(l lang.Lang, items []healthItem, now time.Time) chat.Reply {
	sort.SliceStable(items, func(i, j int) bool {
		if !items[i].at.Equal(items[j].at) {
			return items[i].at.Before(items[j].at)
		}
		return items[i].id < items[j].id
	})
	rep := chat.Reply{Title: l.T("alert.health.title", len(items))}
	for _, part := range healthParts {
		sec := chat.Section{Title: l.T("alert.health." + part)}
		for _, it := range items {
			if it.part == part {
				sec.Lines = append(sec.Lines, it.line(l, now))
			}
		}
		if len(sec.Lines) == 0 {
			continue
		}
		switch part {
		case partPartner:
			sec.Lines = append(sec.Lines, "⚠ "+l.T("alert.health.partner_frozen"))
		case partUnverified:
			sec.Lines = append(sec.Lines, l.T("alert.health.unverified_note"))
		}
		rep.Sections = append(rep.Sections, sec)
	}
	rep.Footer = l.T("alert.expiry.as_of", now.In(s.opts.Location).Format("01-02 15:04")) + " · " + lang.ZoneNote(l, s.opts.Location, now)
	for _, it := range items {
		if it.renew != "" && len(rep.Buttons) < maxTopUpButtons {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: l.T("alert.btn.renew", it.name), Command: cmdline.Renew(it.renew), Style: "primary"})
		}
		if it.ondemand != "" && len(rep.Buttons) < maxTopUpButtons {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: l.T("alert.btn.ondemand", it.name), Command: cmdline.ToOnDemand(it.ondemand)})
		}
	}
	return rep
}
