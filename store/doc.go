// Package store keeps the bot's persistent state in one bbolt file: the audit log, per-user
// preferences, approval requests, the outbox of notices to deliver, the resource → customer
// cache, the settings and ledger of proactive alerts (channel subscriptions, snoozes, quiet
// hours, and what has been alerted), and the expiry index of the alert scanner.
//
// # Opening
//
// [Open] takes bbolt's exclusive file lock (a shared one with Options.ReadOnly), so only one
// partnerbot process uses a file at a time; a second one gets an error wrapping [ErrLocked] once
// Options.Timeout has passed. The file is kept at mode 0600 in a directory created with 0700.
//
// Open then checks the whole file before anything reads it, opening it read-only first (bbolt
// opening it for writing reads the freelist at once). Every page in use is read from the file as
// bytes and parsed: a page, element, key or value outside its page or the file, a page reached
// twice, a key longer than bbolt allows or a freelist that does not fit its page is damage. Only
// then does bbolt's own consistency check run (page types, freed pages in use, key order), which
// bbolt runs in a goroutine where no guard of ours could catch a fault; its findings quote at
// most 16 bytes of a key. A damaged file is refused with an error wrapping [ErrCorrupted],
// "store PATH is corrupted; move it aside and restore a backup, …", whose account of the damage
// is cut to 300 bytes. The check is bounded by Options.CheckTimeout: when it runs out, Open fails
// with [ErrCheckTimeout] at once and the check finishes in the background before the file is
// released. Later, a page bbolt cannot read makes a transaction return [ErrCorrupted] instead of
// panicking (a panic of the caller's own function is left alone).
//
// # Buckets
//
// Every value is JSON unless stated otherwise; integers in keys are big-endian so that bbolt's
// byte order is numeric order.
//
//	bucket          key                              value
//	--------------  -------------------------------  ---------------------------------------------
//	meta            "schema_version"                 decimal ASCII uint, e.g. "3" (also valid JSON)
//	audit           8-byte big-endian uint64 id      JSON AuditEntry; id from the bucket's
//	                (the bucket's NextSequence)      NextSequence, so ids only grow and are never reused
//	prefs           "platform:user-id" (UTF-8),      JSON Prefs, e.g. {"lang":"en","tz":"Europe/Paris",
//	                                                 "name":"Alice Li (@alice)"} (name: RememberName);
//	                e.g. "slack:U024BE7LH"           absent = defaults
//	approvals       8-byte id (NextSequence)         JSON Approval (all of it, final ones included)
//	approvals_open  8-byte id                        the state as ASCII, e.g. "pending": an index of
//	                                                 the requests not in a final state, kept in the
//	                                                 same transaction as approvals
//	outbox          8-byte id (NextSequence)         JSON Notice not yet delivered; deleted when acked
//	outbox_keys     Notice.DedupeKey (UTF-8)         JSON {"id":n} while notice n is queued,
//	                                                 {"id":n,"delivered_at":t} once delivered
//	outbox_sent     8-byte big-endian Unix ns of     empty: index of deliveries by time, so that
//	                the delivery + the dedupe key    keys older than the delivered-notice retention
//	                                                 are pruned (a few per AckNotice, the rest by
//	                                                 PruneDelivered)
//	owners          resource id (UTF-8)              JSON {"customer_id":"…","seen_at":t}
//	subscriptions   8-byte id (NextSequence)         JSON Subscription (user-made and FromConfig)
//	snoozes         "platform:channel" NUL target,   JSON Snooze; expired ones are deleted when
//	                e.g. "slack:C1\x00r-42"          met by Snoozes or Unsnooze
//	quiet_hours     "platform:channel"               JSON QuietHours, e.g. {"start":"22:00","end":"08:00"};
//	                                                 absent = none
//	ledger          opaque key (UTF-8), e.g.         opaque JSON from the alerting code: what was
//	                "exp|slack:C1|r-42"              alerted, changed only by CommitAlerts together
//	                                                 with the notices it queues
//	approvals_      uvarint-length-prefixed action,  empty: index of the subjects of the requests
//	subjects        customer id and subject, then    not in a final state, kept in the same
//	                the 8-byte approval id           transaction as approvals
//	buttons         token: 16 URL-safe base64 chars  JSON Button {platform, command, label,
//	                (96 random bits)                 created_at, expires_at}: what a chat button
//	                                                 does; kept ButtonGrace after expiry
//	buttons_expiry  8-byte big-endian Unix ns of     empty: index by expiry, so that SaveButtons
//	                the expiry + the token           forgets a few long-expired buttons per call
//	expiry_index    customer id (UTF-8)              JSON {"name":s,"account":s,"resources":
//	                                                 [IndexedResource...]}: every yearly/monthly
//	                                                 resource of a customer in scope of an expiry
//	                                                 subscription, as BSS last listed it (name,
//	                                                 account and each resource's "desc" optional:
//	                                                 entries written before they were kept lack them)
//	expiry_         customer id (UTF-8)              JSON IndexedSummary {"refreshed":t,"retry":b}:
//	customers                                        the customers the index knows
//	expiry_scan     "state"                          JSON ExpiryScanState {"at","full_at","customers"}
//	expiry_by_      8-byte big-endian Unix ns of     JSON TimedResource {"customer","name","account",
//	time            the expiry, customer id, 0x00,   "resource"}: the main resources of expiry_index
//	                resource id                      in expiry order, for ExpiringIndexed; written
//	                                                 in the same transactions as expiry_index
//	balance_cache   customer id (UTF-8)              JSON CachedBalance {"name","account","label",
//	                                                 "amount","debt","currency","measure_id"}: a
//	                                                 customer's balance as the last arrears scan read it
//	balance_scan    "state"                          JSON BalanceCacheState {"at","customers"}
//	inbound_        platform, NUL, delivery id       8-byte big-endian Unix ns until which a
//	deliveries      (an id over 128 bytes: "#" and   repeat of the delivery (a Telegram update_id,
//	                its hex SHA-256)                 a WeCom MsgId, a Slack event_id) is dropped
//	inbound_expiry  8-byte big-endian Unix ns of     empty: index by expiry, so that expired ids
//	                the expiry + the inbound_        are pruned (a few per FirstDeliveries, the
//	                deliveries key                   rest by PruneDeliveries)
//	forecast        "state"                          JSON StoredForecast {"at","customers","body"}:
//	                                                 the last forecast, its body package
//	                                                 forecast's Result
//	quote_cache     customer id, 0x00, resource id,  JSON CachedQuote {"amount","currency","at"}: a
//	                0x00, period ("1m")              renewal quote; a customer's set is replaced
//	                                                 whole, and dropped when an order of it is seen
//	budgets         customer id (UTF-8)              JSON Budget {"name","amount","currency","by","at"}
//
// Later versions add their own top-level buckets (one per kind of record) rather than nesting
// them in these; add them to this table.
//
// # Schema versions and migrations
//
// meta/schema_version holds the layout version; a file without it is version 0 (a new file, or
// one written before versioning). On Open the migrations run in order from the stored version up
// to [CurrentSchemaVersion], each in its own transaction together with the write of its new
// version number, so a crash leaves the file at a whole version. A file with a newer version is
// refused with [ErrSchemaTooNew]: this code never downgrades. A read-only store refuses a file
// that would need migrating.
//
// To change the layout: append a migration to the list in schema.go (never edit a released one),
// bump CurrentSchemaVersion, and update the table above.
//
//	version  migration
//	-------  ------------------------------------------------------------------------------
//	0 → 1    create meta, audit and prefs (keeping any already there) and move the audit
//	         sequence past the last existing id
//	1 → 2    create approvals, approvals_open, outbox, outbox_keys, outbox_sent and owners
//	2 → 3    create subscriptions, snoozes, quiet_hours and ledger
//	3 → 4    create approvals_subjects and index the open requests in it
//	4 → 5    create buttons and buttons_expiry
//	5 → 6    create expiry_index, expiry_customers and expiry_scan
//	6 → 7    create balance_cache, balance_scan and expiry_by_time (filled from expiry_index)
//	7 → 8    create inbound_deliveries and inbound_expiry
//	8 → 9    create forecast, quote_cache and budgets
//
// # Transactions
//
// Every method checks ctx before it starts a transaction; bbolt transactions themselves are not
// interruptible. [Store.Update] and [Store.View] expose raw transactions to code that needs
// several records changed atomically; [Store.EnqueueNoticesTx] queues notices within such a
// transaction.
//
// # The contract
//
// [Backend] is what a backend of the bot's state implements: the methods the product calls,
// grouped by concern. [*Store] is the bbolt one. Package store/storetest is the suite every
// backend passes, through the interface only: one winner of a race for a request, a transition
// committed with its audit entry and notices or not at all, a notice acknowledged once, the
// expiry index keeping the later listing, and the round trips of the rest.
//
// # Approvals
//
// An [Approval] moves through the states of [ApprovalState]. Every transition (CreateApproval,
// Approve, Reject, Cancel, BeginExecution, FinishExecution, ExpireDue) is one bbolt transaction
// that re-reads the request, checks the rule, writes it, appends one audit entry (Command
// "<verb> #<id> <action>" with verb request, approve, reject, cancel, execute, finish or expire;
// Result the new state) and queues the notices its [NoticeFunc] computes from the new state.
// A transition made with a context from [WithActionAudit] (a chat command) appends no entry of
// its own: it is recorded, in the same transaction, in the command's entry ("<verb> #<id>
// <action> → <state>" in its Detail), so that an action is one row of the log. A
// refused transition writes nothing. Approve, Reject and BeginExecution on a request past its
// ExpiresAt commit the move to expired and return it with an error wrapping [ErrExpired].
//
// CreateApproval refuses a request, with a [*DuplicateError] matching [ErrDuplicate], when an
// open request (pending, approved or executing, and not past its expiry) has the same Action and
// CustomerID and one of its Subjects: its own parameters (a period, a reason) do not make it
// another request. The check reads approvals_subjects, in the creating transaction, so of
// requests filed at once exactly one is accepted.
//
// BeginExecution succeeds once per request, so the BSS call it guards is made at most once; a
// request found executing after a restart is reconciled by reading BSS state, never re-sent.
//
// # Outbox
//
// Notices wait in the outbox until a sender acks them (AckNotice) and are retried until then
// (RetryNotice). A DedupeKey makes enqueueing idempotent for as long as the notice is queued and
// for the delivered-notice retention after it was delivered (Options.NoticeRetention, by default
// [NoticeDedupeWindow]).
//
// # Retention, backups and compaction
//
// [Store.Prune] deletes audit entries older than a retention and the records of notices delivered
// longer ago than theirs, in transactions of at most a thousand deletions, so a writer waits for
// one batch at most. bbolt reuses the freed pages but never shrinks the file ([Store.Space] says
// how much is free); [CompactFile] writes a copy without them while no process holds the file.
//
// [Store.Backup] writes a consistent copy of an open store from one read transaction (bbolt's
// Tx.WriteTo) while writes go on; [BackupFile] copies a file no process holds for writing, without
// checking or migrating it. [Verify] checks a copy as Open would, without changing it.
//
// # Moving a store between backends
//
// [Store.Export] and [Store.Import] (the [Portable] pair, which the etcd backend implements
// too) give and take the whole state as logical [Record]s, the same on every backend: ids as
// 20 decimal digits, times in keys as 20-digit Unix ns, derived values left out (see
// portable.go for the table). partnerbot migrate copies a store with them into an empty one
// ([NotEmpty], [Copy]) and compares both sides' [Summarize] record by record.
//
// # Alerts
//
// A [Subscription] sends one kind of alert ("expiry", "arrears", "health", "forecast" or "all")
// about a scope ("*", a customer id or "label:X") to one channel, named by platform and channel
// id ("platform:channel", where the platform contains no ':'). Users add and remove
// subscriptions in their own channel; those from the configuration file (FromConfig) are
// replaced as a whole by SyncConfigSubscriptions and refused to users with [ErrFromConfig]. A
// [Snooze] silences one resource or customer in one channel until a time; [QuietHours] delay a
// channel's alerts to the end of a daily window. Every change of these writes an audit entry in
// its own transaction (Command "subscribe #id kind scope", "unsubscribe #id kind scope", "sync
// config subscriptions", "snooze target until t", "unsnooze target", "quiet HH:MM-HH:MM" or
// "quiet off"; Result "ok", Detail the channel), and a refused change writes nothing.
//
// The ledger remembers what has been alerted. [Store.CommitAlerts] writes ledger entries and
// queues the alerts' notices in one transaction, so a crash either loses both (and the alerts are
// computed again) or keeps both (and they are neither lost nor queued twice). Delivery itself is at
// least once: a sender that crashes after sending a notice and before AckNotice sends it again.
//
// # Expiry index
//
// The alert scanner's expiry index ([IndexedCustomer], [IndexedSummary], [ExpiryScanState]) lets
// a daily scan ask BSS only about customers that changed. [Store.CommitExpiryIndex] writes one
// batch in one transaction; the scan writes its [ExpiryScanState] with its last batch, after the
// alerts it found are committed, so a scan that dies leaves the previous state and the next scan
// looks at everything since then again.
package store
