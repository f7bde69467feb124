package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// expiryMark is the ledger entry of one resource in one channel: the expiry it was alerted
// for and the smallest threshold crossed. A renewal (a new expiry) resets it.
type expiryMark struct {
	Expiry time.Time `json:"expiry"`
	Level  int       `json:"level"` // days of the smallest threshold alerted; 0 = expired
}

func expiryKey(ch *channel, resourceID string) string {
	return "exp|" + ch.key() + "|" + resourceID
}

// level is the smallest threshold (in days) that an expiry at exp has crossed, or -1 for none.
// Thresholds are sorted descending; an expired resource is level 0.
func level(days []int, now, exp time.Time) int {
	left := exp.Sub(now)
	if left <= 0 {
		return 0
	}
	lvl := -1
	for _, d := range days {
		if left <= time.Duration(d)*24*time.Hour {
			lvl = d
		}
	}
	return lvl
}

// expiring is one main resource, with its attached ones, that a channel is told about. It
// keeps only what the digest shows, so that a large scan holds little in memory.
type expiring struct {
	customerID, customerName string
	resourceID, name, desc   string
	expiry                   time.Time
	autoRenew                bool
	attached                 int
	level                    int
	resale                   bool
	shortBalance             func(lang.Lang) string // with auto-renew on: why the balance may not cover it
}

// expiryState is one channel's side of a scan: its ledger as read before the scan, and what
// the scan decided.
type expiryState struct {
	ch      *channel
	ledger  map[string]json.RawMessage
	seen    map[string]bool
	puts    map[string]json.RawMessage
	deletes []string
	items   []expiring
}

func (s *Scanner) scanExpiry(ctx context.Context, sum *Summary) error {
	now := s.opts.Now()
	chans, err := s.channels(ctx, KindExpiry)
	if err != nil || len(chans) == 0 {
		return err
	}
	states := make([]*expiryState, len(chans))
	for i, ch := range chans {
		ledger, err := s.store.LedgerPrefix(ctx, "exp|"+ch.key()+"|")
		if err != nil {
			return err
		}
		states[i] = &expiryState{ch: ch, ledger: ledger, seen: map[string]bool{}, puts: map[string]json.RawMessage{}}
	}
	var mu sync.Mutex
	owners := newOwnerWriter(ctx, s)
	defer owners.close()
	qstart := time.Now()
	custs, failed, err := s.stream(ctx, KindExpiry, chans, bss.CustomerFilter{}, func(ctx context.Context, cu bss.Customer) error {
		widest := 0
		for _, ch := range chans {
			if days, ok := ch.matches(KindExpiry, cu); ok && len(days) > 0 && days[0] > widest {
				widest = days[0]
			}
		}
		// The server-side expiry window, not a full download: only what some threshold covers,
		// plus the recently expired.
		rs, err := s.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID,
			ExpireBegin: now.Add(-s.opts.Lookback), ExpireEnd: now.Add(time.Duration(widest) * 24 * time.Hour)})
		if err != nil {
			return err
		}
		owners.add(cu.ID, rs)
		mu.Lock()
		defer mu.Unlock()
		for _, g := range bss.GroupResources(rs) {
			if g.Main.Status == bss.StatusClosed {
				continue
			}
			sum.Found++
			for _, st := range states {
				st.decide(cu, g, now)
			}
		}
		return nil
	})
	sum.QueryTook = time.Since(qstart)
	sum.Customers = len(custs)
	for _, cu := range failed {
		sum.Failed = append(sum.Failed, lang.CustomerName(cu))
	}
	owners.close()
	if err != nil {
		return err
	}
	s.checkBalances(ctx, states)
	for _, st := range states {
		if err := s.commitExpiry(ctx, st, now, sum); err != nil {
			return fmt.Errorf("channel %s: %w", st.ch.key(), err)
		}
	}
	return nil
}

// ownerWriter records which customer owns each resource a scan saw, in batches written by one
// goroutine while the scan is still asking BSS.
type ownerWriter struct {
	in   chan map[string]string
	done chan struct{}
	once sync.Once
}

const ownerBatch = 5000

func newOwnerWriter(ctx context.Context, s *Scanner) *ownerWriter {
	w := &ownerWriter{in: make(chan map[string]string, 64), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		pending := map[string]string{}
		flush := func() {
			if len(pending) == 0 {
				return
			}
			if err := s.store.RememberOwners(context.WithoutCancel(ctx), pending); err != nil {
				s.opts.Logger.Warn("remembering resource owners", "error", err)
			}
			pending = map[string]string{}
		}
		for batch := range w.in {
			for k, v := range batch {
				pending[k] = v
			}
			if len(pending) >= ownerBatch {
				flush()
			}
		}
		flush()
	}()
	return w
}

func (w *ownerWriter) add(customerID string, rs []bss.Resource) {
	if len(rs) == 0 {
		return
	}
	m := make(map[string]string, len(rs))
	for _, r := range rs {
		m[r.ResourceID] = customerID
	}
	w.in <- m
}

// close writes what is left and waits for it; it may be called more than once.
func (w *ownerWriter) close() {
	w.once.Do(func() { close(w.in) })
	<-w.done
}

// decide compares one resource group with the channel's ledger.
func (st *expiryState) decide(cu bss.Customer, g bss.Group, now time.Time) {
	days, ok := st.ch.matches(KindExpiry, cu)
	if !ok {
		return
	}
	key := expiryKey(st.ch, g.Main.ResourceID)
	st.seen[key] = true
	if st.ch.snoozed[g.Main.ResourceID] || st.ch.snoozed[cu.ID] {
		return
	}
	exp := g.Main.ExpireTime.Time
	lvl := level(days, now, exp)
	var prev expiryMark
	had := false
	if raw, ok := st.ledger[key]; ok && json.Unmarshal(raw, &prev) == nil {
		had = true
	}
	if had && !prev.Expiry.Equal(exp) {
		had = false // renewed (or changed): start over
		if lvl < 0 {
			st.deletes = append(st.deletes, key)
		}
	}
	if lvl < 0 || had && lvl >= prev.Level {
		return
	}
	b, _ := json.Marshal(expiryMark{Expiry: exp, Level: lvl})
	st.puts[key] = b
	st.items = append(st.items, expiring{customerID: cu.ID, customerName: lang.CustomerName(cu), resourceID: g.Main.ResourceID,
		name: name(g.Main), desc: lang.Describe(g.Main), expiry: exp, autoRenew: g.Main.AutoRenew(),
		attached: len(g.Attached), level: lvl, resale: cu.AssociationType == bss.AssociationResale})
}

// checkBalances flags resources with auto-renew on whose customer is in arrears or has nothing
// left: auto-renew takes the money from the balance, so those are at risk after all.
func (s *Scanner) checkBalances(ctx context.Context, states []*expiryState) {
	seen := map[string]bool{}
	var ids []string
	for _, st := range states {
		for _, it := range st.items {
			if it.autoRenew && it.resale && !seen[it.customerID] {
				seen[it.customerID] = true
				ids = append(ids, it.customerID)
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	// One call per 100 customers, several at a time.
	var (
		bs  []bss.CustomerBalance
		mu  sync.Mutex
		wg  sync.WaitGroup
		sem = make(chan struct{}, s.opts.Concurrency)
	)
	for start := 0; start < len(ids); start += bss.MaxBalanceBatch {
		batch := ids[start:min(start+bss.MaxBalanceBatch, len(ids))]
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			got, err := s.bss.CustomerBalances(ctx, batch)
			if err != nil {
				s.opts.Logger.Warn("balances of auto-renewing customers unknown", "error", err)
				return
			}
			mu.Lock()
			bs = append(bs, got...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	short := map[string]func(lang.Lang) string{}
	for _, b := range bs {
		switch {
		case b.InArrears():
			amount := lang.Money(b.Debt, b.Currency)
			short[b.CustomerID] = func(l lang.Lang) string { return l.T("alert.expiry.short_debt", amount) }
		case b.Amount.Sign() <= 0:
			amount := lang.Money(b.Amount, b.Currency)
			short[b.CustomerID] = func(l lang.Lang) string { return l.T("alert.expiry.short_balance", amount) }
		}
	}
	for _, st := range states {
		for i := range st.items {
			if it := &st.items[i]; it.autoRenew {
				it.shortBalance = short[it.customerID]
			}
		}
	}
}

// commitExpiry forgets long-gone entries and commits the channel's digest with its ledger.
func (s *Scanner) commitExpiry(ctx context.Context, st *expiryState, now time.Time, sum *Summary) error {
	for key, raw := range st.ledger {
		var m expiryMark
		if !st.seen[key] && json.Unmarshal(raw, &m) == nil && m.Expiry.Before(now.Add(-s.opts.Lookback-24*time.Hour)) {
			st.deletes = append(st.deletes, key)
		}
	}
	var notices []store.Notice
	if len(st.items) > 0 {
		notices = s.notices(st.ch, KindExpiry, s.renderExpiry(st.ch.lang, st.items, st.ch.expiringScope(KindExpiry), now), now)
		sum.Alerted += len(st.items)
		sum.Notices += len(notices)
		sum.Channels++
	}
	if len(st.puts) == 0 && len(st.deletes) == 0 {
		return nil
	}
	return s.store.CommitAlerts(ctx, st.puts, dedupe(st.deletes), notices)
}

func dedupe(ss []string) []string {
	sort.Strings(ss)
	out := ss[:0]
	for i, s := range ss {
		if i == 0 || s != ss[i-1] {
			out = append(out, s)
		}
	}
	return out
}

// renderExpiry builds one channel's digest: grouped by customer, soonest first, resources with
// auto-renew on apart, with the commands to renew or switch auto-renew on.
// scope is the channel's, when no subscription of it is to every customer.
func (s *Scanner) renderExpiry(l lang.Lang, items []expiring, scope cmdline.ExpiringScope, now time.Time) chat.Reply {
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i].expiry, items[j].expiry
		if !a.Equal(b) {
			return a.Before(b)
		}
		return items[i].resourceID < items[j].resourceID
	})
	var atRisk, auto []expiring
	for _, it := range items {
		if it.autoRenew {
			auto = append(auto, it)
		} else {
			atRisk = append(atRisk, it)
		}
	}
	rep := chat.Reply{Title: l.T("alert.expiry.title", len(items))}
	rep.Text = l.T("alert.expiry.intro", len(atRisk), len(auto))
	rep.Sections = append(rep.Sections, s.byCustomer(l, atRisk, now)...)
	if len(auto) > 0 {
		sec := s.byCustomer(l, auto, now)
		if len(sec) > 0 {
			sec[0].Title = "🔁 " + l.T("alert.expiry.auto") + " — " + sec[0].Title
		}
		rep.Sections = append(rep.Sections, sec...)
	}
	// Every line was confirmed by BSS in this scan (a delta scan re-asks a customer before
	// alerting about it): the digest says when.
	rep.Footer = l.T("alert.expiry.as_of", now.In(s.opts.Location).Format("01-02 15:04"))
	rep.Footer += " · " + lang.ZoneNote(l, s.opts.Location, now) // the zone of the digest's times
	for _, it := range atRisk {
		if len(rep.Buttons) >= 4 {
			break
		}
		rep.Buttons = append(rep.Buttons, chat.Button{Label: l.T("alert.btn.renew", it.name), Command: cmdline.Renew(it.resourceID)})
	}
	if screen := s.opts.DigestScreen; screen >= 0 && (len(items) > screen || digestChars(rep) > DigestScreenChars) {
		return s.summarise(l, rep, items, scope, now)
	}
	return rep
}

// DigestScreenChars is the most characters an expiry digest shows in full (about one screen
// of a phone); DigestSoonest how many resources a summarised digest lists.
const (
	DigestScreenChars = 3000
	DigestSoonest     = 10
)

// summarise turns a digest longer than a screen into its summary: the counts per threshold and
// per customer, the DigestSoonest soonest resources, and a button whose command (what typing it
// does) pages through every one: /resources of the customer when the digest has one, else
// /expiring over the digest's widest threshold, of the channel's customers (by label and by id)
// when it is not subscribed to every customer. items are sorted soonest first.
func (s *Scanner) summarise(l lang.Lang, full chat.Reply, items []expiring, scope cmdline.ExpiringScope, now time.Time) chat.Reply {
	rep := chat.Reply{Title: full.Title, Text: full.Text, Footer: full.Footer}
	levels := map[int]int{}
	per := map[string]int{}
	var custs []string
	widest := 1
	for _, it := range items {
		levels[it.level]++
		if per[it.customerID] == 0 {
			custs = append(custs, it.customerID)
		}
		per[it.customerID]++
		widest = max(widest, it.level)
	}
	lv := make([]int, 0, len(levels))
	for d := range levels {
		lv = append(lv, d)
	}
	sort.Ints(lv)
	for _, d := range lv {
		label := l.T("alert.expiry.sum_within", d)
		if d == 0 {
			label = l.T("alert.expiry.sum_expired")
		}
		rep.Fields = append(rep.Fields, chat.Field{Label: label, Value: fmt.Sprint(levels[d])})
	}
	names := map[string]string{}
	for _, it := range items {
		names[it.customerID] = it.customerName
	}
	sort.SliceStable(custs, func(i, j int) bool { return per[custs[i]] > per[custs[j]] })
	byCust := chat.Section{Title: l.T("alert.expiry.sum_customers", len(custs))}
	others := 0
	for i, id := range custs {
		if i < DigestSoonest {
			byCust.Fields = append(byCust.Fields, chat.Field{Label: names[id], Value: fmt.Sprint(per[id])})
		} else {
			others += per[id]
		}
	}
	if others > 0 {
		byCust.Fields = append(byCust.Fields, chat.Field{Label: l.T("alert.expiry.sum_others", len(custs)-DigestSoonest), Value: fmt.Sprint(others)})
	}
	rep.Sections = append(rep.Sections, byCust)
	soonest := s.byCustomer(l, items[:min(DigestSoonest, len(items))], now)
	if len(soonest) > 0 {
		soonest[0].Title = l.T("alert.expiry.sum_soonest", min(DigestSoonest, len(items))) + " — " + soonest[0].Title
	}
	rep.Sections = append(rep.Sections, soonest...)
	cmd := cmdline.Expiring(widest, scope)
	if len(custs) == 1 {
		cmd = cmdline.ResourcesExpiring(custs[0], widest)
	}
	rep.Buttons = append([]chat.Button{{Label: l.T("alert.expiry.sum_all", len(items)), Command: cmd}}, full.Buttons...)
	return rep
}

// digestChars is how many characters a digest shows, about.
func digestChars(r chat.Reply) int {
	n := utf8.RuneCountInString(r.Title + r.Text + r.Footer)
	for _, sec := range r.Sections {
		n += utf8.RuneCountInString(sec.Title) + 1
		for _, l := range sec.Lines {
			n += utf8.RuneCountInString(l) + 1
		}
	}
	return n
}

// byCustomer makes one section per customer, in the order of their soonest item; a resource
// with auto-renew on says whether the balance may not cover it, one without how to renew.
func (s *Scanner) byCustomer(l lang.Lang, items []expiring, now time.Time) []chat.Section {
	var order []string
	per := map[string][]expiring{}
	for _, it := range items {
		if _, ok := per[it.customerID]; !ok {
			order = append(order, it.customerID)
		}
		per[it.customerID] = append(per[it.customerID], it)
	}
	var out []chat.Section
	for _, id := range order {
		its := per[id]
		sec := chat.Section{Title: its[0].customerName + " · " + id}
		for _, it := range its {
			mark := "⏰"
			if it.level == 0 {
				mark = "🛑"
			} else if it.level <= 3 {
				mark = "⚠"
			}
			line := fmt.Sprintf("%s %s (%s) · %s", mark, lang.LocalDesc(l, it.desc), it.resourceID, lang.When(l, s.opts.Location, now, it.expiry))
			if it.attached > 0 {
				line += " · " + l.T("alert.expiry.attached", it.attached)
			}
			switch {
			case it.autoRenew && it.shortBalance != nil:
				line += " · ⚠ " + it.shortBalance(l)
			case it.autoRenew:
			case it.level == 0: // expired: auto-renew can no longer be switched on
				line += " · " + l.T("alert.expiry.how_renew", it.resourceID)
			default:
				line += " · " + l.T("alert.expiry.how", it.resourceID, it.resourceID)
			}
			sec.Lines = append(sec.Lines, line)
		}
		out = append(out, sec)
	}
	return out
}

func name(r bss.Resource) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ResourceID
}
