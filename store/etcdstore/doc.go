// Package etcdstore keeps the bot's state in etcd, so that two or three replicas share it: the
// etcd implementation of [store.Backend], next to bbolt's [store.Store]. Its methods keep the
// promises bbolt's do (store/storetest is the suite both pass); this file says how.
//
// # Key layout
//
// Every record is one key under Options.Prefix (default "/partnerbot/"), its value JSON (the
// same encoding bbolt stores); indexes are keys of their own, written in the transaction that
// writes the record. Ids are 20 decimal digits, so that etcd's byte order is numeric order.
//
//	<prefix>seq/<name>                              an id counter (decimal), see below
//	<prefix>approvals/<id>                          store.Approval
//	<prefix>approvals_open/<id>                     state of a request not final (index)
//	<prefix>approvals_subjects/<subject key><id>    "" while the request is open (index of
//	                                                CreateApproval's duplicate check; the subject
//	                                                key is action, customer and subject, each
//	                                                length-prefixed: "<len>:<text>")
//	<prefix>audit/<id>                              store.AuditEntry
//	<prefix>outbox/<id>                             store.Notice, until acknowledged
//	<prefix>outbox_keys/<dedupe key>                {id, delivered_at} of the notice holding it
//	<prefix>outbox_sent/<unix ns, 20 digits>/<key>  "" : delivered keys by time, for forgetting them
//	<prefix>ledger/<ledger key>                     the alert ledger's value (opaque JSON)
//	<prefix>subscriptions/<id>                      store.Subscription
//	<prefix>snoozes/<platform:channel> NUL <target> store.Snooze
//	<prefix>quiet_hours/<platform:channel>          store.QuietHours
//	<prefix>prefs/<platform:user-id>                store.Prefs of a person
//	<prefix>prefs/#<platform:channel>               store.Prefs of a channel
//	<prefix>owners/<resource id>                    {customer_id, seen_at}
//	<prefix>buttons/<token>                         store.Button
//	<prefix>buttons_expiry/<unix ns>/<token>        "" : buttons by expiry, for forgetting them
//	<prefix>inbound/<platform> NUL <id>             the delivery id's expiry (unix ns, 20 digits)
//	<prefix>inbound_expiry/<unix ns>/<platform> NUL <id>   "" : ids by expiry
//	<prefix>expiry_index/<customer>                 store.IndexedCustomer (see index.go)
//	<prefix>expiry_customers/<customer>             store.IndexedSummary
//	<prefix>expiry_by_time/<unix ns>/<customer> NUL <resource>   "" : main resources by expiry
//	<prefix>expiry_scan/state                       store.ExpiryScanState
//	<prefix>expiry_scan/swept                       sweeps of leftover by-time keys (decimal), see index.go
//	<prefix>balance/<generation>/<customer>         store.CachedBalance (see index.go)
//	<prefix>balance_scan/state                      the arrears scan's state and current generation
//	<prefix>forecast/state                          the last forecast's generation, chunks and bytes
//	<prefix>forecast_chunks/<generation>/<n>        chunk n (6 digits) of its store.StoredForecast
//	                                                JSON, 1 MiB each (see forecast.go)
//	<prefix>quote_cache/<customer> NUL <resource> NUL <period>   store.CachedQuote
//	<prefix>budgets/<customer>                      store.Budget
//
// # Transactions
//
// A write is an optimistic transaction (see [Store.update]): its function reads at one store
// revision through a tx, which remembers the modification revision of every key it read (0
// for a key that did not exist) and every prefix it listed; the writes are then sent as one
// etcd Txn whose comparisons require each of those keys, and no key under those prefixes, to be
// unchanged since. If another writer got there first the Txn fails as a whole and the function
// runs again on fresh data. So two replicas can never both make one transition: the second
// re-reads the request, finds it moved, and gets the transition's error (a *store.StateError).
//
// Ids come from counters (seq/<name>) read and written in the same Txn: a compare-and-swap on
// the counter's revision, so no two writers hand out one id.
//
// etcd refuses a Txn of more than 128 comparisons or operations (--max-txn-ops) or of more
// than 1.5 MiB (--max-request-bytes). A transition is one Txn or nothing: one that would not
// fit is refused with an error wrapping [ErrTooLarge] before anything is sent. Only bulk
// writes that are not one transition go through [Store.writeChunked], which splits them into
// Txns that each fit; the boundary between two chunks is not atomic (a crash between them
// leaves the earlier chunks written), which such writers accept because they are idempotent:
// the resource owners of a listing, pruning, and the new by-time keys of the expiry index
// (whose readers ignore a key its customer's entry does not have; see index.go). The expiry
// index commits each customer's entry and summary atomically, several customers to a Txn; the
// balance cache and the forecast (one record of some 3.4 MiB at 10,000 customers) write a new
// generation in chunks and switch to it in one Txn. A scan's alert commit that does not fit
// one Txn queues its notices first and then writes the ledger in chunks, so that a crash
// between them repeats an alert (deduplicated by its DedupeKey) rather than losing one.
//
// A transition that cannot be split is refused whole: an approval on more subjects than a Txn
// holds (each subject is an index key: about 100 at most; the commands file 10 at most), one
// notice or one customer's index entry larger than a Txn (1.5 MiB).
//
// # Fencing
//
// The leader's writes carry its fencing token: a context from [WithFence] adds its comparisons
// (for the election, "our election key still has its create revision") to every Txn made with
// it, around the transaction's own; when they fail the write is refused with an error wrapping
// [ErrFenced], so that a deposed leader's late writes change nothing.
package etcdstore
