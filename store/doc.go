// Package store keeps the bot's persistent state in one bbolt file: the audit log, per-user
// preferences, approval requests, the outbox of notices to deliver and the resource → customer
// cache; subscriptions and the alert ledger in later schema versions.
//
// # Opening
//
// [Open] takes bbolt's exclusive file lock (a shared one with Options.ReadOnly), so only one
// partnerbot process uses a file at a time; a second one gets an error wrapping [ErrLocked]. The
// file is kept at mode 0600 in a directory created with 0700.
//
// # Buckets
//
// Every value is JSON unless stated otherwise; integers in keys are big-endian so that bbolt's
// byte order is numeric order.
//
//	bucket          key                              value
//	--------------  -------------------------------  ---------------------------------------------
//	meta            "schema_version"                 decimal ASCII uint, e.g. "2" (also valid JSON)
//	audit           8-byte big-endian uint64 id      JSON AuditEntry; id from the bucket's
//	                (the bucket's NextSequence)      NextSequence, so ids only grow and are never reused
//	prefs           "platform:user-id" (UTF-8),      JSON Prefs, e.g. {"lang":"en","tz":"Europe/Paris"};
//	                e.g. "slack:U024BE7LH"           absent = defaults
//	approvals       8-byte id (NextSequence)         JSON Approval (all of it, final ones included)
//	approvals_open  8-byte id                        the state as ASCII, e.g. "pending": an index of
//	                                                 the requests not in a final state, kept in the
//	                                                 same transaction as approvals
//	outbox          8-byte id (NextSequence)         JSON Notice not yet delivered; deleted when acked
//	outbox_keys     Notice.DedupeKey (UTF-8)         JSON {"id":n} while notice n is queued,
//	                                                 {"id":n,"delivered_at":t} once delivered
//	outbox_sent     8-byte big-endian Unix ns of     empty: index of deliveries by time, so that
//	                the delivery + the dedupe key    keys older than NoticeDedupeWindow are pruned
//	                                                 (a few per AckNotice)
//	owners          resource id (UTF-8)              JSON {"customer_id":"…","seen_at":t}
//
// Later versions add their own top-level buckets (one per kind of record, e.g. subscriptions,
// ledger) rather than nesting them in these; add them to this table.
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
//
// # Transactions
//
// Every method checks ctx before it starts a transaction; bbolt transactions themselves are not
// interruptible. [Store.Update] and [Store.View] expose raw transactions to code that needs
// several records changed atomically; [EnqueueNoticesTx] queues notices within such a
// transaction.
//
// # Approvals
//
// An [Approval] moves through the states of [ApprovalState]. Every transition (CreateApproval,
// Approve, Reject, Cancel, BeginExecution, FinishExecution, ExpireDue) is one bbolt transaction
// that re-reads the request, checks the rule, writes it, appends one audit entry (Command
// "<verb> #<id> <action>" with verb request, approve, reject, cancel, execute, finish or expire;
// Result the new state) and queues the notices its [NoticeFunc] computes from the new state. A
// refused transition writes nothing. Approve, Reject and BeginExecution on a request past its
// ExpiresAt commit the move to expired and return it with an error wrapping [ErrExpired].
//
// BeginExecution succeeds once per request, so the BSS call it guards is made at most once; a
// request found executing after a restart is reconciled by reading BSS state, never re-sent.
//
// # Outbox
//
// Notices wait in the outbox until a sender acks them (AckNotice) and are retried until then
// (RetryNotice). A DedupeKey makes enqueueing idempotent for as long as the notice is queued and
// [NoticeDedupeWindow] after it was delivered.
package store
