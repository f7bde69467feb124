package alerts

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// debtMark is the ledger entry of one customer in one channel: whether it was last reported
// in arrears, and the debt then.
type debtMark struct {
	In   bool   `json:"in"`
	Debt string `json:"debt"`
}

// maxTopUpButtons is how many top-up buttons an arrears digest offers.
const maxTopUpButtons = 4

// Arrears events.
const (
	debtEntered   = "entered"
	debtGrew      = "grew"
	debtRecovered = "recovered"
)

type debtEvent struct {
	customer bss.Customer
	balance  bss.CustomerBalance
	event    string
	prev     bss.Amount
}

func (s *Scanner) scanArrears(ctx context.Context, sum *Summary) error {
	now := s.opts.Now()
	chans, err := s.channels(ctx, KindArrears)
	if err != nil || len(chans) == 0 {
		return err
	}
	// Only resale customers have balances the partner can see.
	custs, err := s.customers(ctx, KindArrears, chans, bss.CustomerFilter{AssociationType: bss.AssociationResale})
	if err != nil {
		return err
	}
	sum.Customers = len(custs)
	balances := map[string]bss.CustomerBalance{}
	for start := 0; start < len(custs); start += bss.MaxBalanceBatch {
		batch := custs[start:min(start+bss.MaxBalanceBatch, len(custs))]
		ids := make([]string, len(batch))
		for i, cu := range batch {
			ids[i] = cu.ID
		}
		chat.ReportProgress(ctx, start, len(custs))
		bs, err := s.bss.CustomerBalances(ctx, ids)
		if err != nil {
			// Retry the batch once; then report its customers and go on.
			if bs, err = s.bss.CustomerBalances(ctx, ids); err != nil {
				for _, cu := range batch {
					sum.Failed = append(sum.Failed, lang.CustomerName(cu))
				}
				continue
			}
		}
		for _, b := range bs {
			balances[b.CustomerID] = b
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, b := range balances {
		if b.InArrears() {
			sum.Found++
		}
	}
	if err := s.cacheBalances(ctx, now, custs, balances); err != nil {
		return err
	}
	for _, ch := range chans {
		if err := s.arrearsDigest(ctx, ch, custs, balances, now, sum); err != nil {
			return fmt.Errorf("channel %s: %w", ch.key(), err)
		}
	}
	return nil
}

// cacheBalances replaces the store's balance cache with what this scan read; a customer whose
// balance it could not read keeps the last one.
func (s *Scanner) cacheBalances(ctx context.Context, now time.Time, custs []bss.Customer, balances map[string]bss.CustomerBalance) error {
	u := store.BalanceCacheUpdate{State: store.BalanceCacheState{At: now, Customers: len(custs)}}
	for _, cu := range custs {
		b, ok := balances[cu.ID]
		if !ok {
			u.Keep = append(u.Keep, cu.ID)
			continue
		}
		u.Put = append(u.Put, store.CachedBalance{CustomerID: cu.ID, Name: cu.Name, Account: cu.AccountName, Label: cu.Label,
			Amount: b.Amount.Exact(), Debt: b.Debt.Exact(), Currency: b.Currency, MeasureID: b.MeasureID})
	}
	return s.store.CommitBalanceCache(ctx, u)
}

func (s *Scanner) arrearsDigest(ctx context.Context, ch *channel, custs []bss.Customer, balances map[string]bss.CustomerBalance, now time.Time, sum *Summary) error {
	ledger, err := s.store.LedgerPrefix(ctx, "debt|"+ch.key()+"|")
	if err != nil {
		return err
	}
	puts := map[string]json.RawMessage{}
	var deletes []string
	var events []debtEvent
	for _, cu := range custs {
		if _, ok := ch.matches(KindArrears, cu); !ok || ch.snoozed[cu.ID] {
			continue
		}
		b, ok := balances[cu.ID]
		if !ok {
			continue // not answered (failed, or not resale): nothing is known, nothing changes
		}
		key := "debt|" + ch.key() + "|" + cu.ID
		var prev debtMark
		had := false
		if raw, ok := ledger[key]; ok && json.Unmarshal(raw, &prev) == nil {
			had = true
		}
		prevDebt, _ := bss.ParseAmount(prev.Debt)
		put := func(m debtMark) {
			raw, _ := json.Marshal(m)
			puts[key] = raw
		}
		switch {
		case b.InArrears() && (!had || !prev.In):
			events = append(events, debtEvent{cu, b, debtEntered, bss.Amount{}})
			put(debtMark{In: true, Debt: b.Debt.Exact()})
		case b.InArrears() && b.Debt.Sub(prevDebt).Cmp(s.opts.ArrearsStep) >= 0:
			events = append(events, debtEvent{cu, b, debtGrew, prevDebt})
			put(debtMark{In: true, Debt: b.Debt.Exact()})
		case !b.InArrears() && had && prev.In:
			events = append(events, debtEvent{cu, b, debtRecovered, prevDebt})
			deletes = append(deletes, key)
		}
	}
	if len(events) == 0 {
		return nil
	}
	d := s.renderArrears(ch.lang, events)
	notices := s.notices(ch, KindArrears, d, now)
	sum.Alerted += len(events)
	sum.Notices += len(notices)
	sum.Channels++
	return s.store.CommitAlerts(ctx, puts, deletes, notices)
}

func (s *Scanner) renderArrears(l lang.Lang, events []debtEvent) chat.Reply {
	sort.Slice(events, func(i, j int) bool {
		if c := events[i].balance.Debt.Cmp(events[j].balance.Debt); c != 0 {
			return c > 0
		}
		return events[i].customer.ID < events[j].customer.ID
	})
	rep := chat.Reply{Title: l.T("alert.arrears.title", len(events))}
	for _, kind := range []string{debtEntered, debtGrew, debtRecovered} {
		sec := chat.Section{Title: l.T("alert.arrears." + kind)}
		for _, e := range events {
			if e.event != kind {
				continue
			}
			cur := e.balance.Currency
			var line string
			switch kind {
			case debtEntered:
				line = l.T("alert.arrears.line_entered", lang.CustomerName(e.customer), e.customer.ID, lang.Money(e.balance.Debt, cur)) +
					" · " + l.T("alert.arrears.how_topup", cmdline.TopUp(e.customer.ID, e.balance.Debt))
			case debtGrew:
				line = l.T("alert.arrears.line_grew", lang.CustomerName(e.customer), e.customer.ID, lang.Money(e.prev, cur), lang.Money(e.balance.Debt, cur)) +
					" · " + l.T("alert.arrears.how_topup", cmdline.TopUp(e.customer.ID, e.balance.Debt))
			default:
				line = l.T("alert.arrears.line_recovered", lang.CustomerName(e.customer), e.customer.ID, lang.Money(e.balance.Amount, cur))
			}
			sec.Lines = append(sec.Lines, line)
		}
		if len(sec.Lines) > 0 {
			rep.Sections = append(rep.Sections, sec)
		}
	}
	// The top-up of each debt, prefilled, largest first: a click files it as the person who
	// clicked, so only those who may request a top-up can (the router checks the role).
	for _, e := range events {
		if e.event != debtRecovered && len(rep.Buttons) < maxTopUpButtons {
			rep.Buttons = append(rep.Buttons, chat.Button{Label: lang.TopUpLabel(l, e.customer, e.balance.Debt, e.balance.Currency),
				Command: cmdline.TopUp(e.customer.ID, e.balance.Debt), Style: "primary"})
		}
	}
	rep.Buttons = append(rep.Buttons, chat.Button{Label: l.T("alert.btn.arrears"), Command: "/arrears"})
	return rep
}
