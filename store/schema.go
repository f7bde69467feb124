package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// CurrentSchemaVersion is the layout this code reads and writes. It always equals
// len(migrations): adding a bucket or changing a format means appending a migration and
// bumping this constant, never editing an existing migration.
const CurrentSchemaVersion = 9

// Bucket names and fixed keys. See doc.go for the formats.
var (
	bucketMeta  = []byte("meta")
	bucketAudit = []byte("audit")
	bucketPrefs = []byte("prefs")

	// Version 2.
	bucketApprovals     = []byte("approvals")
	bucketApprovalsOpen = []byte("approvals_open")
	bucketOutbox        = []byte("outbox")
	bucketOutboxKeys    = []byte("outbox_keys")
	bucketOutboxSent    = []byte("outbox_sent")
	bucketOwners        = []byte("owners")

	// Version 3.
	bucketSubscriptions = []byte("subscriptions")
	bucketSnoozes       = []byte("snoozes")
	bucketQuietHours    = []byte("quiet_hours")
	bucketLedger        = []byte("ledger")

	// Version 4.
	bucketApprovalsSubjects = []byte("approvals_subjects")

	// Version 5.
	bucketButtons       = []byte("buttons")
	bucketButtonsExpiry = []byte("buttons_expiry")

	// Version 6 (expiry index; self-contained: renumber it freely when merging).
	bucketExpiryIndex     = []byte("expiry_index")
	bucketExpiryCustomers = []byte("expiry_customers")
	bucketExpiryScan      = []byte("expiry_scan")

	// Version 7 (balance cache and the expiry index by time; self-contained: renumber it freely
	// when merging, as long as it stays after version 6).
	bucketBalanceCache = []byte("balance_cache")
	bucketBalanceScan  = []byte("balance_scan")
	bucketExpiryByTime = []byte("expiry_by_time")

	// Version 8 (inbound deliveries; self-contained: renumber it freely when merging).
	bucketInbound       = []byte("inbound_deliveries")
	bucketInboundExpiry = []byte("inbound_expiry")

	// Version 9 (the forecast, its quote cache and the budgets; self-contained: renumber it
	// freely when merging).
	bucketForecast = []byte("forecast")
	bucketQuotes   = []byte("quote_cache")
	bucketBudgets  = []byte("budgets")

	keySchemaVersion = []byte("schema_version")
)

// migration moves the file from version i to i+1, where i is its index in migrations.
type migration struct {
	name string
	fn   func(tx *bolt.Tx) error
}

// migrations is the ordered list; migrations[i] upgrades version i to i+1. Each runs in its own
// transaction together with the write of the new schema_version, so a crash leaves the file at
// a whole version.
var migrations = []migration{
	{name: "create meta, audit and prefs buckets", fn: migrate0to1},
	{name: "create approvals, outbox and owners buckets", fn: migrate1to2},
	{name: "create subscriptions, snoozes, quiet_hours and ledger buckets", fn: migrate2to3},
	{name: "index the open approvals by action and subject", fn: migrate3to4},
	{name: "create buttons and buttons_expiry buckets", fn: migrate4to5},
	{name: "create expiry_index, expiry_customers and expiry_scan buckets", fn: migrateExpiryIndex},
	{name: "create balance_cache, balance_scan and expiry_by_time buckets", fn: migrateAnswers},
	{name: "create inbound_deliveries and inbound_expiry buckets", fn: migrateInbound},
	{name: "create forecast, quote_cache and budgets buckets", fn: migrateForecast},
}

// migrate0to1 creates the first buckets. Version 0 is a file written before the schema was
// versioned (or a brand-new one): no schema_version, possibly audit and prefs buckets already
// in the version-1 format, which are kept.
func migrate0to1(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketMeta, bucketAudit, bucketPrefs} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	// Audit ids come from the bucket sequence. An old file may hold entries whose keys are ahead
	// of the sequence; move it past the last key so new ids never overwrite them.
	audit := tx.Bucket(bucketAudit)
	if k, _ := audit.Cursor().Last(); k != nil {
		if len(k) != 8 {
			return fmt.Errorf("audit key %x is not an 8-byte id", k)
		}
		if last := binary.BigEndian.Uint64(k); last > audit.Sequence() {
			if err := audit.SetSequence(last); err != nil {
				return fmt.Errorf("set audit sequence: %w", err)
			}
		}
	}
	return nil
}

// migrate1to2 adds the buckets of the approval workflow, the notice outbox and the resource
// owner cache. They are all new, so there is nothing to convert.
func migrate1to2(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketApprovals, bucketApprovalsOpen, bucketOutbox, bucketOutboxKeys, bucketOutboxSent, bucketOwners} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// migrate2to3 adds the buckets of proactive alerts: channel subscriptions, snoozes, quiet hours
// and the ledger of what has been alerted. They are all new, so there is nothing to convert.
func migrate2to3(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSubscriptions, bucketSnoozes, bucketQuietHours, bucketLedger} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// migrate3to4 adds approvals_subjects, the index CreateApproval checks for an open request on the
// same subject, and fills it from the open requests (approvals_open). Requests a version-3
// partnerbot let in twice are both indexed.
func migrate3to4(tx *bolt.Tx) error {
	if _, err := tx.CreateBucketIfNotExists(bucketApprovalsSubjects); err != nil {
		return fmt.Errorf("create bucket %q: %w", bucketApprovalsSubjects, err)
	}
	b, open := tx.Bucket(bucketApprovals), tx.Bucket(bucketApprovalsOpen)
	return open.ForEach(func(k, _ []byte) error {
		a, err := getApproval(b, binary.BigEndian.Uint64(k))
		if err != nil {
			return fmt.Errorf("open approval %x: %w", k, err)
		}
		return indexSubjects(tx, a)
	})
}

// migrate4to5 adds the buckets of chat buttons kept server-side (a Telegram button carries at
// most 64 bytes, so it carries a token that names its command here). They are new, so there is
// nothing to convert.
func migrate4to5(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketButtons, bucketButtonsExpiry} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// migrateExpiryIndex adds the buckets of the alert scanner's expiry index (expiryindex.go).
// They are new, so there is nothing to convert; it touches no other bucket, so it can take
// any place in the list.
func migrateExpiryIndex(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketExpiryIndex, bucketExpiryCustomers, bucketExpiryScan} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// migrateAnswers adds the buckets of the arrears scan's balance cache (balances.go) and the
// expiry index by time (expiryindex.go), which it fills from expiry_index: it must come after
// migrateExpiryIndex.
func migrateAnswers(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketBalanceCache, bucketBalanceScan, bucketExpiryByTime} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	idx, byTime := tx.Bucket(bucketExpiryIndex), tx.Bucket(bucketExpiryByTime)
	if idx == nil {
		return fmt.Errorf("bucket %q is missing", bucketExpiryIndex)
	}
	return idx.ForEach(func(k, v []byte) error {
		var c IndexedCustomer
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("expiry index entry %q: %w", k, err)
		}
		c.ID = string(k)
		return putByTime(byTime, c)
	})
}

// migrateInbound adds the buckets of the inbound delivery ids (inbound.go), which drop a
// platform's repeated delivery across restarts. They are new, so there is nothing to convert;
// it touches no other bucket, so it can take any place in the list.
func migrateInbound(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketInbound, bucketInboundExpiry} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// migrateForecast adds the buckets of the renewal and arrears forecast (forecast.go): the
// last forecast, the renewal quotes it used, and the customers' monthly budgets. They are new,
// so there is nothing to convert; it touches no other bucket, so it can take any place in the
// list.
func migrateForecast(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketForecast, bucketQuotes, bucketBudgets} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %q: %w", name, err)
		}
	}
	return nil
}

// schemaVersion reads meta/schema_version; a file without it is version 0.
func schemaVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil
	}
	raw := meta.Get(keySchemaVersion)
	if raw == nil {
		return 0, nil
	}
	v, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("meta/%s is %q, not a version number", keySchemaVersion, raw)
	}
	return v, nil
}

func putSchemaVersion(tx *bolt.Tx, v uint64) error {
	meta, err := tx.CreateBucketIfNotExists(bucketMeta)
	if err != nil {
		return fmt.Errorf("create bucket %q: %w", bucketMeta, err)
	}
	return meta.Put(keySchemaVersion, []byte(strconv.FormatUint(v, 10)))
}

// migrate brings db from its stored version up to len(steps), one transaction per step. A newer
// file is refused with ErrSchemaTooNew; a read-only store refuses any file that needs migrating.
func migrate(db *bolt.DB, path string, steps []migration, readOnly bool, log *slog.Logger) error {
	target := uint64(len(steps))
	var have uint64
	err := guarded(path, func() error {
		return db.View(func(tx *bolt.Tx) error {
			var err error
			have, err = schemaVersion(tx)
			return err
		})
	})
	if err != nil {
		return fmt.Errorf("store: %s: read schema version: %w", path, err)
	}
	switch {
	case have > target:
		return fmt.Errorf("store: %s: %w: the file has version %d, this partnerbot knows up to %d; refusing to downgrade (run a newer partnerbot or point store.path elsewhere)",
			path, ErrSchemaTooNew, have, target)
	case have == target:
		return nil
	case readOnly:
		return fmt.Errorf("store: %s has schema version %d, this partnerbot needs %d; open it read-write once to migrate", path, have, target)
	}
	for v := have; v < target; v++ {
		step := steps[v]
		err := guarded(path, func() error {
			return db.Update(func(tx *bolt.Tx) error {
				if err := step.fn(tx); err != nil {
					return err
				}
				return putSchemaVersion(tx, v+1)
			})
		})
		if err != nil {
			return fmt.Errorf("store: %s: migrate schema %d→%d (%s): %w", path, v, v+1, step.name, err)
		}
		log.Info("store: migrated schema", "path", path, "from", v, "to", v+1, "step", step.name)
	}
	return nil
}

// A code change that bumps CurrentSchemaVersion without appending a migration (or the reverse)
// must not reach a user's file.
func init() {
	if len(migrations) != CurrentSchemaVersion {
		panic(fmt.Sprintf("store: CurrentSchemaVersion is %d but there are %d migrations", CurrentSchemaVersion, len(migrations)))
	}
}
