package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/commands"
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

// expiring is one main resource, with its attached ones, that a channel is told about.
type expiring struct {
	customer bss.Customer
	group    bss.Group
	level    int
}

func (s *Scanner) scanExpiry(ctx context.Context, sum *Summary) error {
	now := s.opts.Now()
	chans, err := s.channels(ctx, KindExpiry)
	if err != nil || len(chans) == 0 {
		return err
	}
	var mu sync.Mutex
	found := map[string][]bss.Group{} // customer id → groups inside its widest window
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
		var groups []bss.Group
		for _, g := range bss.GroupResources(rs) {
			if g.Main.Status != bss.StatusClosed {
				groups = append(groups, g)
			}
		}
		mu.Lock()
		found[cu.ID] = groups
		mu.Unlock()
		if len(rs) > 0 {
			owners := make(map[string]string, len(rs))
			for _, r := range rs {
				owners[r.ResourceID] = cu.ID
			}
			if err := s.store.RememberOwners(ctx, owners); err != nil {
				s.opts.Logger.Warn("remembering resource owners", "error", err)
			}
		}
		return nil
	})
	sum.Customers = len(custs)
	for _, cu := range failed {
		sum.Failed = append(sum.Failed, displayName(cu))
	}
	if err != nil {
		return err
	}
	for _, gs := range found {
		sum.Found += len(gs)
	}
	for _, ch := range chans {
		if err := s.expiryDigest(ctx, ch, custs, found, now, sum); err != nil {
			return fmt.Errorf("channel %s: %w", ch.key(), err)
		}
	}
	return nil
}

// expiryDigest decides what is new for one channel and commits its digest with the ledger.
func (s *Scanner) expiryDigest(ctx context.Context, ch *channel, custs []bss.Customer, found map[string][]bss.Group, now time.Time, sum *Summary) error {
	prefix := "exp|" + ch.key() + "|"
	ledger, err := s.store.LedgerPrefix(ctx, prefix)
	if err != nil {
		return err
	}
	puts := map[string]json.RawMessage{}
	var deletes []string
	var items []expiring
	seen := map[string]bool{}
	for _, cu := range custs {
		days, ok := ch.matches(KindExpiry, cu)
		if !ok {
			continue
		}
		for _, g := range found[cu.ID] {
			key := expiryKey(ch, g.Main.ResourceID)
			seen[key] = true
			if ch.snoozed[g.Main.ResourceID] || ch.snoozed[cu.ID] {
				continue
			}
			exp := g.Main.ExpireTime.Time
			lvl := level(days, now, exp)
			var prev expiryMark
			had := false
			if raw, ok := ledger[key]; ok && json.Unmarshal(raw, &prev) == nil {
				had = true
			}
			if had && !prev.Expiry.Equal(exp) {
				had = false // renewed (or changed): start over
				if lvl < 0 {
					deletes = append(deletes, key)
				}
			}
			if lvl < 0 || had && lvl >= prev.Level {
				continue
			}
			b, _ := json.Marshal(expiryMark{Expiry: exp, Level: lvl})
			puts[key] = b
			items = append(items, expiring{customer: cu, group: g, level: lvl})
		}
	}
	// Entries of resources no longer in any window: forget those long past.
	for key, raw := range ledger {
		var m expiryMark
		if !seen[key] && json.Unmarshal(raw, &m) == nil && m.Expiry.Before(now.Add(-s.opts.Lookback-24*time.Hour)) {
			deletes = append(deletes, key)
		}
	}
	var notices []store.Notice
	if len(items) > 0 {
		d := s.renderExpiry(items, now)
		notices = s.notices(ch, KindExpiry, d, now)
		sum.Alerted += len(items)
		sum.Notices += len(notices)
		sum.Channels++
	}
	if len(puts) == 0 && len(deletes) == 0 {
		return nil
	}
	return s.store.CommitAlerts(ctx, puts, dedupe(deletes), notices)
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
func (s *Scanner) renderExpiry(items []expiring, now time.Time) commands.Reply {
	l := s.opts.Lang
	sort.Slice(items, func(i, j int) bool {
		a, b := items[i].group.Main.ExpireTime.Time, items[j].group.Main.ExpireTime.Time
		if !a.Equal(b) {
			return a.Before(b)
		}
		return items[i].group.Main.ResourceID < items[j].group.Main.ResourceID
	})
	var atRisk, auto []expiring
	for _, it := range items {
		if it.group.Main.AutoRenew() {
			auto = append(auto, it)
		} else {
			atRisk = append(atRisk, it)
		}
	}
	rep := commands.Reply{Title: l.T("alert.expiry.title", len(items))}
	rep.Text = l.T("alert.expiry.intro", len(atRisk), len(auto))
	rep.Sections = append(rep.Sections, s.byCustomer(atRisk, now, false)...)
	if len(auto) > 0 {
		sec := s.byCustomer(auto, now, true)
		if len(sec) > 0 {
			sec[0].Title = "🔁 " + l.T("alert.expiry.auto") + " — " + sec[0].Title
		}
		rep.Sections = append(rep.Sections, sec...)
	}
	for _, it := range atRisk {
		if len(rep.Buttons) >= 4 {
			break
		}
		id := it.group.Main.ResourceID
		rep.Buttons = append(rep.Buttons, commands.Button{Label: l.T("alert.btn.renew", name(it.group.Main)), Command: "/renew " + id})
	}
	return rep
}

// byCustomer makes one section per customer, in the order of their soonest item.
func (s *Scanner) byCustomer(items []expiring, now time.Time, auto bool) []commands.Section {
	l := s.opts.Lang
	var order []string
	per := map[string][]expiring{}
	for _, it := range items {
		if _, ok := per[it.customer.ID]; !ok {
			order = append(order, it.customer.ID)
		}
		per[it.customer.ID] = append(per[it.customer.ID], it)
	}
	var out []commands.Section
	for _, id := range order {
		its := per[id]
		sec := commands.Section{Title: displayName(its[0].customer) + " · " + id}
		for _, it := range its {
			m := it.group.Main
			mark := "⏰"
			if it.level == 0 {
				mark = "🛑"
			} else if it.level <= 3 {
				mark = "⚠"
			}
			line := fmt.Sprintf("%s %s (%s) · %s", mark, commands.Describe(m), m.ResourceID,
				commands.When(l, s.opts.Location, now, m.ExpireTime.Time))
			if n := len(it.group.Attached); n > 0 {
				line += " · " + l.T("alert.expiry.attached", n)
			}
			switch {
			case auto:
			case it.level == 0: // expired: auto-renew can no longer be switched on
				line += " · " + l.T("alert.expiry.how_renew", m.ResourceID)
			default:
				line += " · " + l.T("alert.expiry.how", m.ResourceID, m.ResourceID)
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

func displayName(cu bss.Customer) string {
	switch {
	case cu.Name == "":
		return cu.AccountName
	case cu.AccountName == "" || cu.AccountName == cu.Name:
		return cu.Name
	}
	return cu.Name + " (" + cu.AccountName + ")"
}
