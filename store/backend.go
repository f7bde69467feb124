package store

import (
	"context"
	"encoding/json"
	"time"
)

// Backend is the contract a store backend implements: every method of the bot's state that
// the product calls (the commands, the alert scans, the dispatcher, the adapters, the service
// and its admin, metrics and control endpoints). [*Store] (bbolt) implements it; the shared
// suite in store/storetest tests the contract's behaviour through this interface only, so that
// every backend passes the same tests.
//
// The consumers keep declaring the small interfaces they use (commands.Store, alerts.Store,
// bot.Outbox, …); each of them is a subset of Backend, which a test of this package checks.
//
// What the methods promise is documented on [*Store]'s methods and in the package doc. The
// promises a backend must keep above all: every state transition with its audit entry and its
// notices is one atomic write (an approval never moves without them, nor they without it); of
// callers racing for one transition exactly one wins; AckNotice succeeds once per notice.
// Raw transactions (Update, View, EnqueueNoticesTx) are bbolt's and not part of the contract.
type Backend interface {
	// Lifecycle and maintenance (service, cli, admin).

	// Path names where the state lives: the bbolt file; it is logged and the control socket
	// sits beside it.
	Path() string
	Close() error
	Ping(ctx context.Context) error
	Backup(ctx context.Context, sink BackupSink) (int64, error)
	Space(ctx context.Context) (Space, error)
	Prune(ctx context.Context, r Retention) (PruneResult, error)

	// Audit log (commands, the user gate).

	AppendAudit(ctx context.Context, e AuditEntry) (uint64, error)
	FinishAudit(ctx context.Context, aa *ActionAudit, result, detail, requestID string, took time.Duration) (uint64, error)
	RecentAudit(ctx context.Context, n int, filter AuditFilter) ([]AuditEntry, error)

	// Preferences and display names of people and channels (commands, dispatcher, adapters).

	Prefs(ctx context.Context, user string) (Prefs, error)
	SetPrefs(ctx context.Context, user string, p Prefs) error
	ChannelPrefs(ctx context.Context, platform, channel string) (Prefs, error)
	SetChannelPrefs(ctx context.Context, platform, channel string, p Prefs) error
	NoticeLang(ctx context.Context, platform, channel, user string) (string, error)
	RememberName(ctx context.Context, user, name string) error
	Names(ctx context.Context) (map[string]string, error)

	// Resource owners (commands, scans).

	RememberOwners(ctx context.Context, owners map[string]string) error
	Owner(ctx context.Context, resourceID string) (customerID string, ok bool, err error)

	// Approval requests: each transition is one atomic write with its audit entry and notices
	// (commands; ApprovalCounts for metrics).

	CreateApproval(ctx context.Context, a Approval, notices NoticeFunc) (Approval, error)
	Approval(ctx context.Context, id uint64) (Approval, error)
	Approve(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error)
	Reject(ctx context.Context, id uint64, by Actor, reason string, notices NoticeFunc) (Approval, error)
	Cancel(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error)
	BeginExecution(ctx context.Context, id uint64, by Actor, notices NoticeFunc) (Approval, error)
	FinishExecution(ctx context.Context, id uint64, res ApprovalResult, notices NoticeFunc) (Approval, error)
	ListApprovals(ctx context.Context, f ApprovalFilter) ([]Approval, error)
	ExpireDue(ctx context.Context, notices NoticeFunc) ([]Approval, error)
	ApprovalCounts(ctx context.Context) (map[ApprovalState]int, error)

	// Outbox of notices (dispatcher; commands for the parked ones; metrics and service for
	// the stats). EnqueueNotices queues notices on their own, as tests and tools do.

	EnqueueNotices(ctx context.Context, ns ...Notice) error
	DueNotices(ctx context.Context, now time.Time, limit int) ([]Notice, error)
	AckNotice(ctx context.Context, id uint64) error
	RetryNotice(ctx context.Context, id uint64, next time.Time, errText string) error
	PostponeNotice(ctx context.Context, id uint64, next time.Time) error
	ParkNotice(ctx context.Context, id uint64, reason string, notify ...Notice) error
	ParkedNotices(ctx context.Context) ([]Notice, error)
	RequeueNotice(ctx context.Context, id uint64) error
	OutboxStats(ctx context.Context) (OutboxStats, error)

	// Alert settings of channels: subscriptions, snoozes and quiet hours, each change with its
	// audit entry (commands, scans, the quiet-hours hold; SyncConfigSubscriptions at start).

	AddSubscription(ctx context.Context, sub Subscription) (Subscription, error)
	Subscriptions(ctx context.Context, platform, channel string) ([]Subscription, error)
	RemoveSubscription(ctx context.Context, id uint64, platform, channel string, by Actor) (Subscription, error)
	SyncConfigSubscriptions(ctx context.Context, subs []Subscription) error
	Snooze(ctx context.Context, sn Snooze) error
	Unsnooze(ctx context.Context, platform, channel, target string, by Actor) (bool, error)
	Snoozes(ctx context.Context, platform, channel string) ([]Snooze, error)
	SetQuietHours(ctx context.Context, platform, channel string, q *QuietHours, by Actor) error
	QuietHours(ctx context.Context, platform, channel string) (*QuietHours, error)

	// Alert ledger: what was alerted, committed together with the alerts' notices (scans).

	LedgerPrefix(ctx context.Context, prefix string) (map[string]json.RawMessage, error)
	CommitAlerts(ctx context.Context, puts map[string]json.RawMessage, deletes []string, notices []Notice) error

	// Expiry index of delta scans (alerts.Index, its one writer; read by commands through it).

	CommitExpiryIndex(ctx context.Context, u ExpiryIndexUpdate) error
	ExpiryScanState(ctx context.Context) (ExpiryScanState, bool, error)
	ExpiryCustomers(ctx context.Context) (map[string]IndexedSummary, error)
	IndexedCustomers(ctx context.Context, ids []string) (map[string]IndexedCustomer, error)
	ExpiringIndexed(ctx context.Context, from, to time.Time) ([]TimedResource, error)

	// Balance cache of the arrears scan (written by the scan, read by /arrears).

	CommitBalanceCache(ctx context.Context, u BalanceCacheUpdate) error
	BalanceCache(ctx context.Context) (BalanceCacheState, []CachedBalance, bool, error)

	// The renewal and arrears forecast: the last one (written by the expiry scan, read by
	// /forecast), the renewal quotes it used (per customer, replaced whole, dropped when an
	// order of the customer is seen) and the customers' monthly budgets (/budget).

	PutForecast(ctx context.Context, f StoredForecast) error
	Forecast(ctx context.Context) (StoredForecast, bool, error)
	PutQuotes(ctx context.Context, customerID string, qs []CachedQuote) error
	Quotes(ctx context.Context, ids []string) (map[string][]CachedQuote, error)
	DropQuotes(ctx context.Context, ids []string) error
	SetBudget(ctx context.Context, b Budget) error
	RemoveBudget(ctx context.Context, customerID string) (bool, error)
	Budgets(ctx context.Context) ([]Budget, error)

	// Chat buttons' tokens (Telegram).

	SaveButtons(ctx context.Context, bs []Button, ttl time.Duration) ([]string, error)
	Button(ctx context.Context, token string) (Button, error)

	// Inbound deliveries already taken, so that a platform's repeat runs once (adapters).

	FirstDeliveries(ctx context.Context, platform string, ids []string, ttl time.Duration) ([]bool, error)
}

var _ Backend = (*Store)(nil)
