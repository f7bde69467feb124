// Package store keeps the bot's persistent state in one bbolt file: the audit log and per-user
// preferences today; subscriptions, approvals, the alert ledger and the outbox in later schema
// versions.
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
//	bucket  key                                 value
//	------  ----------------------------------  ------------------------------------------------
//	meta    "schema_version"                    decimal ASCII uint, e.g. "1" (also valid JSON)
//	audit   8-byte big-endian uint64 id         JSON AuditEntry; id from the bucket's
//	        (the bucket's NextSequence)         NextSequence, so ids only grow and are never reused
//	prefs   "platform:user-id" (UTF-8),         JSON Prefs, e.g. {"lang":"en","tz":"Europe/Paris"};
//	        e.g. "slack:U024BE7LH"              absent = defaults
//
// Later versions add their own top-level buckets (one per kind of record, e.g. subscriptions,
// approvals, ledger, outbox) rather than nesting them in these; add them to this table.
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
//
// # Transactions
//
// Every method checks ctx before it starts a transaction; bbolt transactions themselves are not
// interruptible. [Store.Update] and [Store.View] expose raw transactions to code that needs
// several records changed atomically (for example an approval transition plus its audit entry).
package store
