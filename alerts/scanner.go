// Package alerts pushes expiry and arrears notices to the channels that subscribed to them.
//
// A scan asks BSS for what it needs (each customer's yearly/monthly resources inside the
// largest expiry window any subscription wants, or the resale customers' balances), decides
// per channel what is new against the alert ledger in the store, and writes one digest per
// channel to the outbox in the same bbolt transaction that marks the ledger. The dispatcher in
// bot/ delivers the outbox. So a scan killed at any point queues no alert twice and loses
// nothing: what was committed is delivered, what was not is found again by the next scan.
// Delivery itself is at least once: a crash between a send and its record repeats that one
// notice.
package alerts

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/partnerbot/partnerbot/bss"
	"github.com/partnerbot/partnerbot/chat"
	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/internal/logging"
	"github.com/partnerbot/partnerbot/lang"
	"github.com/partnerbot/partnerbot/store"
)

// Scan kinds.
const (
	KindExpiry  = "expiry"
	KindArrears = "arrears"
)

// BSS is what scans need of the BSS client.
type BSS interface {
	Customers(ctx context.Context, f bss.CustomerFilter) iter.Seq2[bss.Customer, error]
	CustomerBalances(ctx context.Context, customerIDs []string) ([]bss.CustomerBalance, error)
	AllResources(ctx context.Context, f bss.ResourceFilter) ([]bss.Resource, error)
	Orders(ctx context.Context, f bss.OrderFilter) iter.Seq2[bss.Order, error]
	// The health scan's partner-wide lists.
	Coupons(ctx context.Context, f bss.CouponFilter) iter.Seq2[bss.PartnerCoupon, error]
	Quotas(ctx context.Context, f bss.QuotaFilter) iter.Seq2[bss.Quota, error]
	PartnerBalances(ctx context.Context, indirectPartnerID string) ([]bss.AccountBalance, error)
}

// Store is what scans need of the store.
type Store interface {
	Subscriptions(ctx context.Context, platform, channel string) ([]store.Subscription, error)
	Snoozes(ctx context.Context, platform, channel string) ([]store.Snooze, error)
	QuietHours(ctx context.Context, platform, channel string) (*store.QuietHours, error)
	ChannelPrefs(ctx context.Context, platform, channel string) (store.Prefs, error)
	LedgerPrefix(ctx context.Context, prefix string) (map[string]json.RawMessage, error)
	CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []store.Notice) error
	RememberOwners(ctx context.Context, owners map[string]string) error
	// The expiry index of delta scans (Options.Delta), written through Scanner.index.
	IndexStore
	ExpiryCustomers(ctx context.Context) (map[string]store.IndexedSummary, error)
	// The balance cache /arrears answers from.
	CommitBalanceCache(ctx context.Context, u store.BalanceCacheUpdate) error
}

// maxPage is the BSS page size of the customer listing.
const maxPage = 100

// DefaultDays are the expiry thresholds of a subscription that names none.
var DefaultDays = []int{30, 15, 7, 3, 1}

// Options configure a Scanner.
type Options struct {
	Now         func() time.Time
	Location    *time.Location // zone of times in digests; Asia/Shanghai when nil
	Lang        lang.Lang      // language of digests; zh when empty
	Logger      *slog.Logger
	Concurrency int           // BSS queries in flight during a scan; default 4
	ArrearsStep bss.Amount    // growth of a debt worth a new alert; default 100
	Lookback    time.Duration // how long after expiry a resource is still reported; default 7 days
	// MaxChars is the size limit of one message per platform; a digest longer than that is
	// split. Platforms not listed get 4000.
	MaxChars map[string]int
	// DigestScreen is the most resources an expiry digest lists in full (one phone screen); a
	// longer one, or one over DigestScreenChars characters, is summarised: counts per threshold
	// and per customer, the DigestSoonest soonest, and a button that pages through all of
	// them. Default 15; negative: never summarise.
	DigestScreen int
	// Delta keeps an expiry index in the store and, after a first full scan, asks BSS only
	// about what changed (see delta.go). Without it every expiry scan asks about every
	// customer's expiry window.
	Delta bool
	// FullRefresh is how often a delta scan lists every customer in full at the least (a
	// slice a day); a scan more than this after the last one is a full scan. Default 30 days.
	FullRefresh time.Duration
	// OrderOverlap is how far before the last scan a delta scan's order windows start, for
	// orders that show up late. Default 1 hour.
	OrderOverlap time.Duration
	// PageSize is the client's page size, to count the calls a full scan would make. Default 100.
	PageSize int
	// Observer, when set, is told of every scan that ran (metrics).
	Observer Observer
	// Forecaster, when set with Delta, computes next month's renewal and arrears forecast at
	// the end of each expiry scan and stores it for /forecast (forecast.go); a delta scan
	// first drops the quotes of the customers it saw an order of.
	Forecaster *Forecaster
	// ForecastDays is how many days before its expiry an auto-renewal whose quote exceeds the
	// customer's balance is alerted (kind forecast); default DefaultForecastDays.
	ForecastDays int
	// Health configures the health scan (KindHealth, health.go).
	Health HealthOptions
}

// Observer is told of each scan that ran (not of one skipped because another of its kind was
// running), once it ended. It must not block.
type Observer interface {
	ObserveScan(ctx context.Context, sum Summary, err error)
}

// Scanner runs expiry and arrears scans.
type Scanner struct {
	bss   BSS
	store Store
	index *Index // the expiry index's writer
	opts  Options
	mu    sync.Mutex // one scan of a kind at a time
	busy  map[string]bool
}

// New builds a Scanner.
func New(b BSS, s Store, opts Options) *Scanner {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Location == nil {
		if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
			opts.Location = loc
		} else {
			opts.Location = time.FixedZone("CST", 8*3600)
		}
	}
	if opts.Lang == "" {
		opts.Lang = lang.Zh
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.DigestScreen == 0 {
		opts.DigestScreen = 15
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 4
	}
	if opts.ArrearsStep.Sign() <= 0 {
		opts.ArrearsStep = bss.NewAmount(100, 0)
	}
	if opts.Lookback <= 0 {
		opts.Lookback = 7 * 24 * time.Hour
	}
	if opts.FullRefresh <= 0 {
		opts.FullRefresh = 30 * 24 * time.Hour
	}
	if opts.OrderOverlap <= 0 {
		opts.OrderOverlap = time.Hour
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 100
	}
	opts.Health.defaults()
	return &Scanner{bss: b, store: s, index: NewIndex(b, s, opts.Now), opts: opts, busy: map[string]bool{}}
}

// Summary is what one scan found and did.
type Summary struct {
	Kind      string
	Started   time.Time
	Took      time.Duration
	QueryTook time.Duration // of Took, the time spent asking BSS
	Customers int           // customers in the scope of some subscription
	Found     int           // expiring resources, or customers in arrears
	Alerted   int           // items newly alerted (over all channels)
	Notices   int           // messages written to the outbox
	Channels  int           // channels that got a digest
	Failed    []string      // customers whose query failed (after a retry); the scan went on
	Skipped   bool          // a scan of this kind was already running

	Calls           int // BSS calls made (retries included)
	ResourceQueries int // of Calls, resource queries
	Throttled       int // 429s BSS answered
	// Expiry scans with Options.Delta: ModeFull or ModeDelta; what a delta scan asked again and
	// why; the calls a full scan would have made.
	Mode      string
	Requeried Requeried
	FullCalls int
	// Forecast is what the scan's forecast cost (Options.Forecaster); ForecastErr why it
	// failed (the scan itself did not).
	Forecast    ForecastStats
	ForecastErr error
}

// Saved is how many calls the scan saved against a full scan (0 for a full scan, or when the
// order listing cost more than it saved).
func (s Summary) Saved() int {
	if s.Mode != ModeDelta {
		return 0
	}
	return max(0, s.FullCalls-s.Calls)
}

// ErrUnknownKind is returned for a scan kind other than expiry, arrears or health.
var ErrUnknownKind = errors.New("scan kind must be expiry, arrears or health")

// Scan runs one scan of kind now.
func (s *Scanner) Scan(ctx context.Context, kind string) (Summary, error) {
	sum := Summary{Kind: kind, Started: s.opts.Now()}
	if kind != KindExpiry && kind != KindArrears && kind != KindHealth {
		return sum, ErrUnknownKind
	}
	s.mu.Lock()
	if s.busy[kind] {
		s.mu.Unlock()
		sum.Skipped = true
		return sum, nil
	}
	s.busy[kind] = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.busy[kind] = false
		s.mu.Unlock()
	}()
	// A scheduled scan gets a request id of its own; /scan keeps its command's.
	ctx, _ = logging.EnsureRequestID(ctx)
	start := time.Now()
	// Scans take the background path of the client's flow control: people asking the bot
	// meanwhile go first.
	usage := &bss.Usage{}
	ctx = bss.WithUsage(bss.Background(ctx), usage)
	var err error
	switch {
	case kind == KindExpiry && s.opts.Delta:
		err = s.scanIndexed(ctx, &sum, usage)
	case kind == KindExpiry:
		err = s.scanExpiry(ctx, &sum)
	case kind == KindHealth:
		err = s.scanHealth(ctx, &sum)
	default:
		err = s.scanArrears(ctx, &sum)
	}
	sum.Took = time.Since(start)
	total := usage.Total()
	sum.Calls, sum.Throttled = total.Calls, total.Throttled
	sum.ResourceQueries = usage.ByOp()[opResources].Calls
	attrs := []any{"kind", kind, "customers", sum.Customers, "found", sum.Found, "alerted", sum.Alerted,
		"notices", sum.Notices, "failed", len(sum.Failed), "calls", sum.Calls, "resource_queries", sum.ResourceQueries,
		"throttled", sum.Throttled, "took", sum.Took}
	if sum.Mode != "" {
		attrs = append(attrs, "mode", sum.Mode)
	}
	if sum.Mode == ModeDelta {
		r := sum.Requeried
		attrs = append(attrs, "full_scan_calls", sum.FullCalls, "saved", sum.Saved(), "asked_orders", r.Orders,
			"asked_new", r.New, "asked_thresholds", r.Thresholds, "asked_refresh", r.Refresh)
	}
	s.opts.Logger.InfoContext(ctx, "scan finished", append(attrs, "error", err)...)
	if s.opts.Observer != nil {
		s.opts.Observer.ObserveScan(ctx, sum, err)
	}
	return sum, err
}

// channel is one subscribed channel and what it asked for.
type channel struct {
	platform, name string
	subs           []store.Subscription
	snoozed        map[string]bool // resource or customer ids
	quiet          *store.QuietHours
	lang           lang.Lang // the channel's /lang, else Options.Lang
}

func (c *channel) key() string { return c.platform + ":" + c.name }

// matches reports whether the channel wants kind alerts about cu, and the expiry thresholds.
func (c *channel) matches(kind string, cu bss.Customer) (days []int, ok bool) {
	set := map[int]bool{}
	for _, sub := range c.subs {
		if !wants(sub.Kind, kind) {
			continue
		}
		if !inScope(sub.Scope, cu) {
			continue
		}
		ok = true
		ds := sub.Days
		if len(ds) == 0 {
			ds = DefaultDays
		}
		for _, d := range ds {
			set[d] = true
		}
	}
	for d := range set {
		days = append(days, d)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(days)))
	return days, ok
}

// expiringScope is the scope of the channel's kind subscriptions, as /expiring takes it: its
// labels (label:X) and customers (by id), sorted; every customer (the zero scope) when any is
// to all customers, or when /expiring cannot carry so many (ExpiringScope.Fits).
func (c *channel) expiringScope(kind string) cmdline.ExpiringScope {
	var sc cmdline.ExpiringScope
	for _, sub := range c.subs {
		if !wants(sub.Kind, kind) {
			continue
		}
		switch label, ok := strings.CutPrefix(sub.Scope, "label:"); {
		case sub.Scope == "*" || sub.Scope == "":
			return cmdline.ExpiringScope{}
		case ok:
			if !slices.Contains(sc.Labels, label) {
				sc.Labels = append(sc.Labels, label)
			}
		case !slices.Contains(sc.Customers, sub.Scope):
			sc.Customers = append(sc.Customers, sub.Scope)
		}
	}
	if !sc.Fits() {
		return cmdline.ExpiringScope{}
	}
	sort.Strings(sc.Labels)
	sort.Strings(sc.Customers)
	return sc
}

// wants reports whether a subscription of subKind asks for kind's alerts: its own, and "all"
// for every kind but the forecast's, which are asked for by name (/subscribe forecast).
func wants(subKind, kind string) bool {
	return subKind == kind || (subKind == "all" && kind != KindForecast)
}

func inScope(scope string, cu bss.Customer) bool {
	switch {
	case scope == "*" || scope == "":
		return true
	case strings.HasPrefix(scope, "label:"):
		return cu.Label == strings.TrimPrefix(scope, "label:")
	}
	return scope == cu.ID
}

// channels loads the subscriptions of kind, grouped by channel, with snoozes, quiet hours and
// the channel's language.
func (s *Scanner) channels(ctx context.Context, kind string) ([]*channel, error) {
	subs, err := s.store.Subscriptions(ctx, "", "")
	if err != nil {
		return nil, err
	}
	byKey := map[string]*channel{}
	var out []*channel
	for _, sub := range subs {
		if !wants(sub.Kind, kind) {
			continue
		}
		k := sub.Platform + ":" + sub.Channel
		ch := byKey[k]
		if ch == nil {
			ch = &channel{platform: sub.Platform, name: sub.Channel, snoozed: map[string]bool{}}
			byKey[k] = ch
			out = append(out, ch)
		}
		ch.subs = append(ch.subs, sub)
	}
	for _, ch := range out {
		sns, err := s.store.Snoozes(ctx, ch.platform, ch.name)
		if err != nil {
			return nil, err
		}
		for _, sn := range sns {
			ch.snoozed[sn.Target] = true
		}
		if ch.quiet, err = s.store.QuietHours(ctx, ch.platform, ch.name); err != nil {
			return nil, err
		}
		p, err := s.store.ChannelPrefs(ctx, ch.platform, ch.name)
		if err != nil {
			return nil, err
		}
		ch.lang = s.opts.Lang
		if l, ok := lang.ParseLang(p.Lang); ok {
			ch.lang = l
		}
	}
	return out, nil
}

// customers lists every customer that some channel's subscription covers.
func (s *Scanner) customers(ctx context.Context, kind string, chans []*channel, f bss.CustomerFilter) ([]bss.Customer, error) {
	var out []bss.Customer
	seen := map[string]bool{}
	for cu, err := range s.bss.Customers(ctx, f) {
		if err != nil {
			return nil, fmt.Errorf("list customers: %w", err)
		}
		if seen[cu.ID] {
			continue
		}
		seen[cu.ID] = true
		for _, ch := range chans {
			if _, ok := ch.matches(kind, cu); ok {
				out = append(out, cu)
				break
			}
		}
	}
	return out, nil
}

// stream lists the customers some channel's subscription covers and runs fn for each of them
// with bounded concurrency while the listing goes on (so the listing's pages overlap the
// per-customer queries). Customers whose fn failed are tried once more, one at a time, and
// returned if they fail again.
func (s *Scanner) stream(ctx context.Context, kind string, chans []*channel, f bss.CustomerFilter,
	fn func(context.Context, bss.Customer) error) (custs, failed []bss.Customer, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	jobs, wait := s.customerWorkers(ctx, fn)
	listed, listErr := s.listAhead(ctx, f)
	for cu := range listed {
		for _, ch := range chans {
			if _, ok := ch.matches(kind, cu); ok {
				custs = append(custs, cu)
				jobs <- cu
				// Of the customers listed so far (the listing is a page or two ahead).
				chat.ReportProgress(ctx, len(custs), len(custs)+len(listed))
				break
			}
		}
	}
	if err := listErr(); err != nil {
		return custs, wait(false), err
	}
	return custs, wait(true), ctx.Err()
}

// customerWorkers runs fn on s.opts.Concurrency workers for each customer sent on jobs. wait
// closes jobs and waits for the workers; with retry, the customers whose fn failed are tried
// once more, one at a time, and those failing again returned (a customer not retried because
// ctx ended counts as failed).
func (s *Scanner) customerWorkers(ctx context.Context, fn func(context.Context, bss.Customer) error) (jobs chan<- bss.Customer, wait func(retry bool) []bss.Customer) {
	ch := make(chan bss.Customer)
	var (
		mu     sync.Mutex
		wg     sync.WaitGroup
		failed []bss.Customer
	)
	for i := 0; i < s.opts.Concurrency; i++ {
		wg.Go(func() {
			for cu := range ch {
				if err := fn(ctx, cu); err != nil && ctx.Err() == nil {
					mu.Lock()
					failed = append(failed, cu)
					mu.Unlock()
				}
			}
		})
	}
	return ch, func(retry bool) []bss.Customer {
		close(ch)
		wg.Wait()
		if !retry {
			return failed
		}
		var still []bss.Customer
		for _, cu := range failed {
			if ctx.Err() != nil {
				still = append(still, cu)
				continue
			}
			if err := fn(ctx, cu); err != nil {
				s.opts.Logger.Warn("customer query failed twice; reported in the scan summary", "customer", cu.ID, "error", err)
				still = append(still, cu)
			}
		}
		return still
	}
}

// listAhead lists the customers matching f on a channel that runs a page or two ahead of its
// reader (so the workers never wait for the next page), each customer once: offset paging
// repeats a row when the list changes mid-scan. Once the channel is closed, listErr says
// whether the listing failed.
func (s *Scanner) listAhead(ctx context.Context, f bss.CustomerFilter) (_ <-chan bss.Customer, listErr func() error) {
	listed := make(chan bss.Customer, 2*maxPage)
	var err error
	go func() {
		defer close(listed)
		seen := map[string]bool{}
		for cu, lerr := range s.bss.Customers(ctx, f) {
			if lerr != nil {
				err = fmt.Errorf("list customers: %w", lerr)
				return
			}
			if seen[cu.ID] {
				continue
			}
			seen[cu.ID] = true
			select {
			case listed <- cu:
			case <-ctx.Done():
				return
			}
		}
	}()
	return listed, func() error { return err }
}

// quietUntil is when a notice for ch may go out: now, or the end of its quiet hours.
func (s *Scanner) quietUntil(ch *channel, now time.Time) time.Time {
	return QuietEnd(ch.quiet, s.opts.Location, now)
}

// QuietEnd returns now when now is outside the quiet window q (in loc), else the window's end.
func QuietEnd(q *store.QuietHours, loc *time.Location, now time.Time) time.Time {
	if q == nil {
		return now
	}
	start, err1 := time.Parse("15:04", q.Start)
	end, err2 := time.Parse("15:04", q.End)
	if err1 != nil || err2 != nil || q.Start == q.End {
		return now
	}
	local := now.In(loc)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	at := func(d time.Time, hm time.Time) time.Time {
		return time.Date(d.Year(), d.Month(), d.Day(), hm.Hour(), hm.Minute(), 0, 0, loc)
	}
	s, e := at(day, start), at(day, end)
	if s.Before(e) { // e.g. 12:00–14:00
		if !local.Before(s) && local.Before(e) {
			return e
		}
		return now
	}
	// Over midnight, e.g. 22:00–08:00.
	if !local.Before(s) {
		return at(day.AddDate(0, 0, 1), end)
	}
	if local.Before(e) {
		return e
	}
	return now
}

// notices turns a digest into outbox entries, split at the platform's size limit.
// Alerts carry no dedupe key: a digest is committed with its ledger marks in one transaction,
// so it cannot be written twice, and two digests with the same text (a customer in arrears
// again, weeks later) are both wanted.
func (s *Scanner) notices(ch *channel, kind string, d chat.Reply, now time.Time) []store.Notice {
	parts := split(d, s.limit(ch.platform))
	next := s.quietUntil(ch, now)
	ns := make([]store.Notice, 0, len(parts))
	for i, p := range parts {
		if len(parts) > 1 {
			p.Title = fmt.Sprintf("%s (%d/%d)", p.Title, i+1, len(parts))
		}
		if p.Lang = string(lang.Zh); ch.lang == lang.En { // what it was rendered in
			p.Lang = string(lang.En)
		}
		ns = append(ns, store.Notice{Platform: ch.platform, Channel: ch.name, Kind: "alert:" + kind, Body: chat.EncodeNotice(p),
			NextAttempt: next})
	}
	return ns
}

// SetMessageLimits sets the size limit of one message per platform (see Options.MaxChars), from
// the adapters that run. Call it before Start.
func (s *Scanner) SetMessageLimits(limits map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.MaxChars = limits
}

func (s *Scanner) limit(platform string) int {
	if n, ok := s.opts.MaxChars[platform]; ok && n > 0 {
		return n
	}
	return 4000
}

// size estimates the rendered length of a reply.
func size(r chat.Reply) int {
	n := len(r.Title) + len(r.Text) + len(r.Footer) + 16
	for _, f := range r.Fields {
		n += len(f.Label) + len(f.Value) + 4
	}
	for _, sec := range r.Sections {
		n += sectionSize(sec)
	}
	for _, b := range r.Buttons {
		n += len(b.Label) + len(b.Command) + 4
	}
	return n
}

func sectionSize(sec chat.Section) int {
	n := len(sec.Title) + 4
	for _, f := range sec.Fields {
		n += len(f.Label) + len(f.Value) + 4
	}
	for _, l := range sec.Lines {
		n += len(l) + 4
	}
	return n
}

// split cuts a digest into replies of at most limit characters, between sections (and, for a
// section larger than the limit alone, between its lines). Nothing is dropped.
func split(r chat.Reply, limit int) []chat.Reply {
	if size(r) <= limit {
		return []chat.Reply{r}
	}
	// Every part carries the footer: when BSS confirmed the digest, and the zone of its times.
	head := chat.Reply{Title: r.Title, Text: r.Text, Fields: r.Fields, Footer: r.Footer}
	var out []chat.Reply
	cur := head
	flush := func() {
		if len(cur.Sections) > 0 {
			out = append(out, cur)
		}
		cur = chat.Reply{Title: r.Title, Footer: r.Footer}
	}
	for _, sec := range r.Sections {
		for _, piece := range splitSection(sec, limit-size(chat.Reply{Title: r.Title, Footer: r.Footer})) {
			if size(cur)+sectionSize(piece) > limit && len(cur.Sections) > 0 {
				flush()
			}
			cur.Sections = append(cur.Sections, piece)
		}
	}
	cur.Buttons = r.Buttons
	if size(cur) > limit && len(cur.Sections) > 0 && len(r.Buttons) > 0 {
		last := cur
		last.Buttons = nil
		out = append(out, last)
		cur = chat.Reply{Title: r.Title, Buttons: r.Buttons, Footer: r.Footer}
	}
	out = append(out, cur)
	return out
}

func splitSection(sec chat.Section, limit int) []chat.Section {
	if sectionSize(sec) <= limit || len(sec.Lines) < 2 {
		return []chat.Section{sec}
	}
	var out []chat.Section
	cur := chat.Section{Title: sec.Title, Fields: sec.Fields}
	for _, l := range sec.Lines {
		if sectionSize(cur)+len(l)+4 > limit && len(cur.Lines) > 0 {
			out = append(out, cur)
			cur = chat.Section{Title: sec.Title}
		}
		cur.Lines = append(cur.Lines, l)
	}
	return append(out, cur)
}
