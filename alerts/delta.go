package alerts

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Delta scans (Options.Delta). The first expiry scan lists every in-scope customer's
// yearly/monthly resources in full and keeps them in the store's expiry index. A later scan
// lists the customers (for new and departed ones) and the orders of all customers created or
// paid since the last scan (with neither customer_id nor method, which lists every customer's
// own orders: method=sub_customer would list only orders paid for enterprise sub-accounts; with
// an overlap for orders that show up late), and asks BSS again, in full, only about
//
//	(a) customers with such orders (purchases, renewals, changes, unsubscriptions),
//	(b) customers the index does not know (new, newly in scope, or whose last query failed),
//	(c) customers with an indexed resource that a full scan would alert or whose alert it would
//	    reset: one that crossed a threshold or expired since its last alert, in a channel's
//	    ledger terms — so its state, auto-renew included, is confirmed before anyone is alerted
//	    (switching auto-renew creates no order), and
//	(d) a rotating slice, so that every customer is listed in full at least every FullRefresh.
//
// Everything a channel is told comes from a fresh answer of BSS; what the others' index entries
// say only decides that nothing needs asking. So a delta scan sends what a full scan would,
// provided every change of a resource's expiry or status comes with an order (as renewals,
// purchases and unsubscriptions do); anything else (a console change that makes no order) is
// caught within FullRefresh. (c) compares with the ledger rather than with the last scan's
// time, so a scan that dies before its alerts are committed loses nothing either.

// Scan modes of Summary.Mode.
const (
	ModeFull  = "full"
	ModeDelta = "delta"
)

// Requeried counts why a delta scan asked BSS again about customers (each counted once, for
// the first reason in this order).
type Requeried struct {
	Orders     int // (a) with an order since the last scan
	New        int // (b) new to the index, or failed last time
	Thresholds int // (c) an indexed resource a full scan would alert
	Refresh    int // (d) the rotating full refresh
}

// Total is the number of customers asked again.
func (r Requeried) Total() int { return r.Orders + r.New + r.Thresholds + r.Refresh }

// opResources is the operation whose calls the index saves.
const opResources = "ListPayPerUseCustomerResources"

// indexBatch is how many customers' index entries are written per transaction at most.
const indexBatch = 500

// indexBatchResources bounds a transaction's index entries by their resources too. The store
// keeps each main resource also under its expiry time (expiry_by_time), so a batch's resources
// land on about as many pages spread over that bucket, and bbolt holds every page a transaction
// dirties on the heap until it commits. Building the index of 10,000 customers of 20 resources
// peaks at 54-66 MiB in batches of 500 customers and at 18-21 MiB in batches of 100 (2,000
// resources), each commit taking 40-47 ms instead of 134-177 ms, so a person's command waits
// less behind one; the price is about 1.5 times the page writes in all (store's
// BenchmarkCommitExpiryIndex).
const indexBatchResources = 2000

// refreshSlack lets a customer due for its full refresh a little after the scan's start (cron
// jitter) be refreshed now rather than a day later.
const refreshSlack = time.Hour

// indexedScan is one expiry scan with the index: full or delta.
type indexedScan struct {
	s      *Scanner
	now    time.Time
	chans  []*channel
	states []*expiryState
	sum    *Summary
	full   bool
	prev   store.ExpiryScanState
	known  map[string]store.IndexedSummary // the index's customers at the start
	slice  map[string]bool                 // (d)

	mu       sync.Mutex // guards what follows
	ordered  map[string]bool
	ordersOK bool // the order listing is complete
	inScope  map[string]bool
	custs    map[string]bss.Customer // the in-scope customers, for the forecast
	pending  []pendingCustomer       // waiting for the order listing
	pages    map[string]int          // resource pages a full scan would need, per in-scope customer
	retry    []string
	usage    *bss.Usage
}

// pendingCustomer is a customer the index says nothing about that needs asking, unless it has
// an order; what its entry shows is kept to count it as seen.
type pendingCustomer struct {
	cu     bss.Customer
	groups []indexedGroup
}

// indexedGroup is a main resource (or an attached one whose main is not in the window) of an
// index entry inside the customer's window.
type indexedGroup struct {
	mainID string
	expiry time.Time
	closed bool
}

func (s *Scanner) scanIndexed(ctx context.Context, sum *Summary, usage *bss.Usage) error {
	now := s.opts.Now()
	chans, err := s.channels(ctx, KindExpiry)
	if err != nil || len(chans) == 0 {
		return err
	}
	prev, ok, err := s.store.ExpiryScanState(ctx)
	if err != nil {
		return err
	}
	x := &indexedScan{s: s, now: now, chans: chans, sum: sum, prev: prev, ordered: map[string]bool{},
		inScope: map[string]bool{}, custs: map[string]bss.Customer{}, pages: map[string]int{}, usage: usage}
	// A full scan the first time, after a long pause (past FullRefresh, also the limit of the
	// order windows) or when the clock went back.
	x.full = !ok || now.Sub(prev.At) > s.opts.FullRefresh || now.Before(prev.At)
	sum.Mode = ModeDelta
	if x.full {
		sum.Mode = ModeFull
	}
	for _, ch := range chans {
		ledger, err := s.store.LedgerPrefix(ctx, "exp|"+ch.key()+"|")
		if err != nil {
			return err
		}
		x.states = append(x.states, &expiryState{ch: ch, ledger: ledger, seen: map[string]bool{}, puts: map[string]json.RawMessage{}})
	}
	if x.known, err = s.store.ExpiryCustomers(ctx); err != nil {
		return err
	}
	if !x.full {
		x.slice = refreshSlice(x.known, now, prev.At, s.opts.FullRefresh)
	}
	return x.run(ctx)
}

// refreshSlice chooses (d): every customer last refreshed a FullRefresh ago (give or take
// refreshSlack), and the oldest share of the rest that the time since the last scan is of
// FullRefresh, so that the refreshes spread over the period. Ties are broken by a hash of the
// id, so that customers refreshed together by the first scan rotate.
func refreshSlice(known map[string]store.IndexedSummary, now, last time.Time, every time.Duration) map[string]bool {
	type entry struct {
		id   string
		at   time.Time
		hash uint64
	}
	all := make([]entry, 0, len(known))
	for id, sum := range known {
		h := fnv.New64a()
		h.Write([]byte(id))
		all = append(all, entry{id, sum.Refreshed, h.Sum64()})
	}
	slices.SortFunc(all, func(a, b entry) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return cmp.Compare(a.hash, b.hash)
	})
	share := float64(now.Sub(last)) / float64(every)
	n := min(len(all), int(math.Ceil(float64(len(all))*share)))
	out := make(map[string]bool, n)
	due := now.Add(-every + refreshSlack)
	for i, e := range all {
		if i >= n && e.at.After(due) {
			break
		}
		out[e.id] = true
	}
	return out
}

func (x *indexedScan) run(ctx context.Context) error {
	s := x.s
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	// The order listing (delta), alongside the customer listing.
	ordersErr := make(chan error, 1)
	if x.full {
		x.ordersOK = true
		ordersErr <- nil
	} else {
		go func() { ordersErr <- x.listOrders(ctx) }()
	}

	owners := newOwnerWriter(ctx, s)
	defer owners.close()
	index := newIndexWriter(ctx, s)
	defer index.close()

	query := func(ctx context.Context, cu bss.Customer) error { return x.query(ctx, cu, index, owners) }

	jobs, wait := s.customerWorkers(ctx, query)
	listed, listErrOf := s.listAhead(ctx, bss.CustomerFilter{})
	qstart := time.Now()
	var ordErr, decideErr error
	ordersDone := false
	decided := 0
	for cu := range listed {
		if !ordersDone {
			select {
			case ordErr = <-ordersErr:
				ordersDone = true
				if ordErr != nil {
					cancel()
				}
			default:
			}
		}
		if !x.inScopeOf(cu) {
			continue
		}
		decided++
		// Of the customers the index knew, or listed so far when more.
		chat.ReportProgress(ctx, decided, max(len(x.known), decided+len(listed)))
		ask, err := x.decide(ctx, cu)
		if err != nil {
			decideErr = err
			cancel()
			for range listed { // until the listing has stopped
			}
			break
		}
		if ask {
			jobs <- cu
		}
	}
	if !ordersDone {
		ordErr = <-ordersErr
	}
	listErr := listErrOf()
	if listErr == nil && ordErr == nil && decideErr == nil && ctx.Err() == nil {
		// Customers that waited for the order listing: asked again if they had an order.
		x.mu.Lock()
		pending := x.pending
		x.pending = nil
		x.mu.Unlock()
		for _, p := range pending {
			if x.ordered[p.cu.ID] {
				x.requery(&x.sum.Requeried.Orders)
				jobs <- p.cu
			} else {
				x.unchanged(p.cu, p.groups)
			}
		}
	}
	still := wait(true)
	x.sum.QueryTook = time.Since(qstart)
	x.sum.Customers = len(x.inScope)
	for _, cu := range still {
		x.sum.Failed = append(x.sum.Failed, lang.CustomerName(cu))
		x.retry = append(x.retry, cu.ID)
	}
	owners.close()
	index.close()
	// The first failure that is not the others' cancellation.
	for _, err := range []error{decideErr, listErr, ordErr} {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if index.err != nil {
		return index.err
	}
	s.checkBalances(ctx, x.states)
	for _, st := range x.states {
		if err := s.commitExpiry(ctx, st, x.now, x.sum); err != nil {
			return fmt.Errorf("channel %s: %w", st.ch.key(), err)
		}
	}
	// Last, with the scan's record: who left the scope, whose query failed.
	var gone []string
	for id := range x.known {
		if !x.inScope[id] {
			gone = append(gone, id)
		}
	}
	// What a full scan would have asked: the same listing and balances, and every customer's
	// resources instead of the orders and the customers asked again.
	byOp := x.usage.ByOp()
	x.sum.FullCalls = byOp["ListSubCustomers"].Calls + byOp[bss.OpListCustomersBalancesDetail].Calls
	for id := range x.inScope {
		x.sum.FullCalls += max(1, x.pages[id])
	}
	state := store.ExpiryScanState{At: x.now, FullAt: x.prev.FullAt, Customers: len(x.inScope)}
	if x.full {
		state.FullAt = x.now
	}
	if err := s.index.commit(ctx, store.ExpiryIndexUpdate{Delete: gone, Retry: x.retry, State: &state}); err != nil {
		return err
	}
	x.forecast(ctx)
	return nil
}

// forecast refreshes the stored forecast from the index just committed, after dropping the
// quotes of the customers with an order since the last scan. Its failure is logged and kept
// in the summary; the scan's alerts are committed already.
func (x *indexedScan) forecast(ctx context.Context) {
	fc := x.s.opts.Forecaster
	if fc == nil {
		return
	}
	if !x.full {
		ordered := slices.Sorted(maps.Keys(x.ordered))
		if err := fc.DropQuotes(ctx, ordered); err != nil {
			x.sum.ForecastErr = err
			x.s.opts.Logger.WarnContext(ctx, "forecast: could not drop the quotes of customers with orders", "error", err)
			return
		}
	}
	in, stats, err := fc.Refresh(ctx, x.custs)
	x.sum.Forecast, x.sum.ForecastErr = stats, err
	if err != nil {
		x.s.opts.Logger.WarnContext(ctx, "forecast failed; /forecast shows the last one", "error", err)
		return
	}
	x.s.opts.Logger.InfoContext(ctx, "forecast refreshed", "quoted", stats.Quoted, "cached", stats.Cached,
		"quote_calls", stats.QuoteCalls, "calls", stats.Calls)
	if err := x.s.forecastAlerts(ctx, in, x.now, x.sum); err != nil {
		x.sum.ForecastErr = err
		x.s.opts.Logger.WarnContext(ctx, "forecast alerts failed; the next scan decides them again", "error", err)
	}
}

// query lists all of cu's resources: a fresh index entry, and a full scan's decisions on those
// inside its window.
func (x *indexedScan) query(ctx context.Context, cu bss.Customer, index *indexWriter, owners *ownerWriter) error {
	rs, err := x.s.bss.AllResources(ctx, bss.ResourceFilter{CustomerID: cu.ID})
	if err != nil {
		return err
	}
	begin, end := x.window(cu)
	var in []bss.Resource
	entry := store.IndexedCustomer{ID: cu.ID, Refreshed: x.now, Name: cu.Name, Account: cu.AccountName, Resources: make([]store.IndexedResource, 0, len(rs))}
	for _, r := range rs {
		entry.Resources = append(entry.Resources, indexedResource(r, x.now))
		if inWindow(r.ExpireTime.Time, begin, end) {
			in = append(in, r)
		}
	}
	index.add(entry)
	owners.add(cu.ID, in)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.pages[cu.ID] = x.s.pages(len(rs))
	for _, g := range bss.GroupResources(in) {
		if g.Main.Status == bss.StatusClosed {
			continue
		}
		x.sum.Found++
		for _, st := range x.states {
			st.decide(cu, g, x.now)
		}
	}
	return nil
}

// listOrders collects the customers with an order created or paid since the last scan.
func (x *indexedScan) listOrders(ctx context.Context) error {
	from := x.prev.At.Add(-x.s.opts.OrderOverlap)
	// No customer_id and no method: the orders of all the partner's customers (bss-api.md
	// Corrections, "Order list method").
	for _, f := range []bss.OrderFilter{
		{CreateBegin: from, CreateEnd: x.now},
		{PaymentBegin: from, PaymentEnd: x.now},
	} {
		for o, err := range x.s.bss.Orders(ctx, f) {
			if err != nil {
				return fmt.Errorf("list orders: %w", err)
			}
			x.mu.Lock()
			x.ordered[o.CustomerID] = true
			for _, sub := range o.SubOrders {
				x.ordered[sub.CustomerID] = true
			}
			x.mu.Unlock()
		}
	}
	x.mu.Lock()
	x.ordersOK = true
	x.mu.Unlock()
	return nil
}

// inScopeOf reports whether some channel wants cu's expiry alerts, and records it once (offset
// paging repeats a row when the list changes mid-scan).
func (x *indexedScan) inScopeOf(cu bss.Customer) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.inScope[cu.ID] {
		return false
	}
	for _, ch := range x.chans {
		if _, ok := ch.matches(KindExpiry, cu); ok {
			x.inScope[cu.ID] = true
			x.custs[cu.ID] = cu
			return true
		}
	}
	return false
}

// window is the expiry window a full scan asks BSS for about cu: from the lookback to the
// widest threshold of the channels that want it, at the second (BSS filters take seconds).
func (x *indexedScan) window(cu bss.Customer) (begin, end time.Time) {
	widest := 0
	for _, ch := range x.chans {
		if days, ok := ch.matches(KindExpiry, cu); ok && len(days) > 0 && days[0] > widest {
			widest = days[0]
		}
	}
	return x.now.Add(-x.s.opts.Lookback).Truncate(time.Second), x.now.Add(time.Duration(widest) * 24 * time.Hour).Truncate(time.Second)
}

func inWindow(t, begin, end time.Time) bool { return !t.Before(begin) && !t.After(end) }

// requery records that cu is asked again, counting the reason.
func (x *indexedScan) requery(reason *int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	*reason++
}

// decide says whether to ask BSS about cu again; a customer left alone is counted as its
// index entry shows, or waits for the order listing.
func (x *indexedScan) decide(ctx context.Context, cu bss.Customer) (bool, error) {
	r := &x.sum.Requeried
	if x.full {
		return true, nil
	}
	sum, known := x.known[cu.ID]
	if !known || sum.Retry {
		x.requery(&r.New)
		return true, nil
	}
	entries, err := x.s.store.IndexedCustomers(ctx, []string{cu.ID})
	if err != nil {
		return false, err
	}
	entry, ok := entries[cu.ID]
	if !ok {
		x.requery(&r.New)
		return true, nil
	}
	x.mu.Lock()
	orders, ordered := x.ordersOK, x.ordered[cu.ID]
	x.mu.Unlock()
	if ordered {
		x.requery(&r.Orders)
		return true, nil
	}
	groups := x.groups(cu, entry)
	switch {
	case x.slice[cu.ID]:
		x.requery(&r.Refresh)
		return true, nil
	case x.wouldChange(cu, groups):
		x.requery(&r.Thresholds)
		return true, nil
	}
	x.mu.Lock()
	x.pages[cu.ID] = x.s.pages(len(entry.Resources))
	x.mu.Unlock()
	if !orders {
		x.mu.Lock()
		x.pending = append(x.pending, pendingCustomer{cu: cu, groups: groups})
		x.mu.Unlock()
		return false, nil
	}
	x.unchanged(cu, groups)
	return false, nil
}

// groups are the index entry's resource groups inside cu's window, as a full scan would get them.
func (x *indexedScan) groups(cu bss.Customer, entry store.IndexedCustomer) []indexedGroup {
	begin, end := x.window(cu)
	var in []bss.Resource
	for _, r := range entry.Resources {
		if !inWindow(r.Expiry, begin, end) {
			continue
		}
		br := bss.Resource{ResourceID: r.ID, ParentResourceID: r.Parent, Status: r.Status, ExpireTime: bss.Time{Time: r.Expiry}, ExpirePolicy: r.Policy}
		if r.Main {
			br.IsMainResource = 1
		}
		in = append(in, br)
	}
	gs := bss.GroupResources(in)
	out := make([]indexedGroup, len(gs))
	for i, g := range gs {
		out[i] = indexedGroup{mainID: g.Main.ResourceID, expiry: g.Main.ExpireTime.Time, closed: g.Main.Status == bss.StatusClosed}
	}
	return out
}

// wouldChange reports whether a full scan would alert a group of cu in some channel, or change
// its ledger entry (a renewal resets it): exactly when decide would.
func (x *indexedScan) wouldChange(cu bss.Customer, groups []indexedGroup) bool {
	for _, g := range groups {
		if g.closed {
			continue
		}
		for _, st := range x.states {
			if st.wouldChange(cu, g.mainID, g.expiry, x.now) {
				return true
			}
		}
	}
	return false
}

// wouldChange is decide's verdict without its effects: whether the ledger entry of the group
// whose main resource is mainID, expiring at exp, would be written or deleted.
func (st *expiryState) wouldChange(cu bss.Customer, mainID string, exp, now time.Time) bool {
	days, ok := st.ch.matches(KindExpiry, cu)
	if !ok || st.ch.snoozed[mainID] || st.ch.snoozed[cu.ID] {
		return false
	}
	lvl := level(days, now, exp)
	var prev expiryMark
	had := false
	if raw, ok := st.ledger[expiryKey(st.ch, mainID)]; ok && json.Unmarshal(raw, &prev) == nil {
		had = true
	}
	if had && !prev.Expiry.Equal(exp) {
		return true // renewed or changed: the entry starts over or goes
	}
	return lvl >= 0 && (!had || lvl < prev.Level)
}

// unchanged counts a customer left alone as its index entry shows: what a full scan would find
// and see.
func (x *indexedScan) unchanged(cu bss.Customer, groups []indexedGroup) {
	x.mu.Lock()
	defer x.mu.Unlock()
	for _, g := range groups {
		if g.closed {
			continue
		}
		x.sum.Found++
		for _, st := range x.states {
			if _, ok := st.ch.matches(KindExpiry, cu); ok {
				st.seen[expiryKey(st.ch, g.mainID)] = true
			}
		}
	}
}

// pages is how many resource queries a full listing of n resources takes.
func (s *Scanner) pages(n int) int {
	return max(1, (n+s.opts.PageSize-1)/s.opts.PageSize)
}

// indexWriter writes fresh index entries in batches, from one goroutine, while the scan goes on.
type indexWriter struct {
	in   chan store.IndexedCustomer
	done chan struct{}
	once sync.Once
	err  error // the first failed write; read after close
}

func newIndexWriter(ctx context.Context, s *Scanner) *indexWriter {
	w := &indexWriter{in: make(chan store.IndexedCustomer, 64), done: make(chan struct{})}
	go func() {
		defer close(w.done)
		var (
			batch     []store.IndexedCustomer
			resources int // in batch
		)
		flush := func() {
			if len(batch) == 0 {
				return
			}
			if err := s.index.commit(context.WithoutCancel(ctx), store.ExpiryIndexUpdate{Put: batch}); err != nil && w.err == nil {
				w.err = err
			}
			batch, resources = nil, 0
		}
		for e := range w.in {
			if resources+len(e.Resources) > indexBatchResources {
				flush() // a customer over the bound on its own commits alone
			}
			batch = append(batch, e)
			resources += len(e.Resources)
			if len(batch) >= indexBatch || resources >= indexBatchResources {
				flush()
			}
		}
		flush()
	}()
	return w
}

func (w *indexWriter) add(e store.IndexedCustomer) { w.in <- e }

// close writes what is left and waits for it; it may be called more than once.
func (w *indexWriter) close() {
	w.once.Do(func() { close(w.in) })
	<-w.done
}
