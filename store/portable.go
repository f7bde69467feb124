package store

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// A store moves between backends (partnerbot migrate, and backups of an etcd store) as logical
// records: every backend exports its state as the same records and imports them, whatever its
// own encoding. A record is a table (the bbolt bucket's name), a key and a value, both in the
// form the etcd backend keeps them, which is text where bbolt's is binary:
//
//	table                      key                                  value
//	meta                       "schema_version"                     decimal, CurrentSchemaVersion
//	seq                        audit|approvals|outbox|subscriptions the last id handed out (decimal)
//	audit, approvals,          the id, 20 decimal digits            as stored (JSON; approvals_open:
//	approvals_open, outbox,                                         the state)
//	subscriptions
//	approvals_subjects         "<len>:<action><len>:<customer>      ""
//	                           <len>:<subject>" + the 20-digit id
//	outbox_sent,               Unix ns, 20 digits, "/", the rest    ""
//	buttons_expiry,            of bbolt's key (dedupe key, token,
//	inbound_expiry,            platform NUL id, customer NUL
//	expiry_by_time             resource)
//	inbound_deliveries         platform NUL delivery id             the expiry, Unix ns, 20 digits
//	balance_cache              customer id                          JSON CachedBalance
//	balance_scan               "state"                              JSON BalanceCacheState
//	anything else              as bbolt keeps it                    as stored (JSON)
//
// What a backend derives is not a record of its own: expiry_by_time's values (bbolt rebuilds
// them from expiry_index on import), etcd's balance generations and its sweep counter, the keys
// of a running cluster. An etcd by-time key its customer's entry does not have (a crash's
// leftover, never read) is not exported.

// Record is one logical record of a store.
type Record struct {
	Table string
	Key   string
	Value []byte
}

// Portable is a backend whose whole state can be exported and imported as records.
type Portable interface {
	// Export calls fn on every record, table by table in PortableTables' order, read at one
	// point in time. An error of fn stops it and is returned.
	Export(ctx context.Context, fn func(Record) error) error
	// Import writes records (any number, in export order: an expiry_index record before the
	// expiry_by_time records of its resources). It is meant for an empty store and overwrites
	// what a key holds.
	Import(ctx context.Context, recs []Record) error
}

// PortableTables are the tables of the logical records, in the order Export gives them.
var PortableTables = []string{
	"meta", "seq", "audit", "prefs",
	"approvals", "approvals_open", "approvals_subjects",
	"outbox", "outbox_keys", "outbox_sent", "owners",
	"subscriptions", "snoozes", "quiet_hours", "ledger",
	"buttons", "buttons_expiry",
	"expiry_index", "expiry_customers", "expiry_scan", "expiry_by_time",
	"balance_cache", "balance_scan",
	"inbound_deliveries", "inbound_expiry",
	"forecast", "quote_cache", "budgets",
}

// SeqTables are the tables whose ids come from a counter, exported as table seq.
var SeqTables = []string{"audit", "approvals", "outbox", "subscriptions"}

// Kinds of key the logical records use, by table.
var (
	idTables   = []string{"audit", "approvals", "approvals_open", "outbox", "subscriptions"}
	timeTables = []string{"outbox_sent", "buttons_expiry", "inbound_expiry", "expiry_by_time"}
)

// IDName is an id as a logical key: 20 decimal digits, so that byte order is numeric order.
func IDName(id uint64) string { return fmt.Sprintf("%020d", id) }

// ParseIDName reads a logical id key.
func ParseIDName(name string) (uint64, error) {
	if len(name) != 20 {
		return 0, fmt.Errorf("id %q is not 20 digits", name)
	}
	return strconv.ParseUint(name, 10, 64)
}

// SplitTimeName splits a logical key of a time-keyed table into its Unix ns and the rest.
func SplitTimeName(name string) (uint64, string, error) {
	at, rest, ok := strings.Cut(name, "/")
	if !ok || len(at) != 20 {
		return 0, "", fmt.Errorf("key %q is not 20 digits, '/', a name", name)
	}
	ns, err := strconv.ParseUint(at, 10, 64)
	return ns, rest, err
}

// SubjectName is the logical approvals_subjects key of subject of action on customer, for id.
func SubjectName(action, customer, subject string, id uint64) string {
	var b strings.Builder
	for _, part := range []string{action, customer, subject} {
		fmt.Fprintf(&b, "%d:%s", len(part), part)
	}
	return b.String() + IDName(id)
}

// ParseSubjectName reads a logical approvals_subjects key.
func ParseSubjectName(name string) (action, customer, subject string, id uint64, err error) {
	var parts [3]string
	rest := name
	for i := range parts {
		n, after, ok := strings.Cut(rest, ":")
		size, perr := strconv.Atoi(n)
		if !ok || perr != nil || size < 0 || size > len(after) {
			return "", "", "", 0, fmt.Errorf("subject key %q: part %d is not <len>:<text>", name, i+1)
		}
		parts[i], rest = after[:size], after[size:]
	}
	id, err = ParseIDName(rest)
	if err != nil {
		return "", "", "", 0, fmt.Errorf("subject key %q: %w", name, err)
	}
	return parts[0], parts[1], parts[2], id, nil
}

// TableSummary is what Summarize found of one table.
type TableSummary struct {
	Records int
	Bytes   int64 // keys and values
}

// Summary is a store's records, for comparing two stores record by record.
type Summary struct {
	Tables  map[string]TableSummary
	Records int
	Bytes   int64
	Digest  [32]byte            // of every record, independent of their order
	hashes  map[string][32]byte // table NUL key → hash of the value
}

// Summarize exports p and sums up its records.
func Summarize(ctx context.Context, p Portable) (*Summary, error) {
	s := newSummary()
	err := p.Export(ctx, func(r Record) error {
		s.add(r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

func newSummary() *Summary {
	return &Summary{Tables: map[string]TableSummary{}, hashes: map[string][32]byte{}}
}

func (s *Summary) add(r Record) {
	id := r.Table + "\x00" + r.Key
	h := sha256.Sum256(r.Value)
	s.hashes[id] = h
	rh := sha256.Sum256(append(append([]byte(id), 0), h[:]...))
	// A sum of the records' hashes, 64 bits at a time: the same whatever the order.
	for i := 0; i < 32; i += 8 {
		binary.BigEndian.PutUint64(s.Digest[i:], binary.BigEndian.Uint64(s.Digest[i:])+binary.BigEndian.Uint64(rh[i:]))
	}
	t := s.Tables[r.Table]
	t.Records++
	t.Bytes += int64(len(r.Key) + len(r.Value))
	s.Tables[r.Table] = t
	s.Records++
	s.Bytes += int64(len(r.Key) + len(r.Value))
}

// Diff says how two summaries differ, naming at most max records; nil when they are equal.
func (s *Summary) Diff(o *Summary, limit int) error {
	if s.Digest == o.Digest && s.Records == o.Records {
		return nil
	}
	var diffs []string
	for _, id := range slices.Sorted(maps.Keys(s.hashes)) {
		h, ok := o.hashes[id]
		switch {
		case !ok:
			diffs = append(diffs, "missing "+printable(id))
		case h != s.hashes[id]:
			diffs = append(diffs, "different "+printable(id))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(o.hashes)) {
		if _, ok := s.hashes[id]; !ok {
			diffs = append(diffs, "extra "+printable(id))
		}
	}
	n := len(diffs)
	if n > limit {
		diffs = append(diffs[:limit], fmt.Sprintf("and %d more", n-limit))
	}
	return fmt.Errorf("%d records against %d, %d differences: %s", s.Records, o.Records, n, strings.Join(diffs, "; "))
}

// printable is a table NUL key as "table/key", NULs shown as \0.
func printable(id string) string {
	t, k, _ := strings.Cut(id, "\x00")
	return t + "/" + strings.ReplaceAll(k, "\x00", `\0`)
}

// NotEmpty reports the records of p, by table, other than its schema version: nil when p holds
// none. A store to import into must be empty.
func NotEmpty(ctx context.Context, p Portable) error {
	held := map[string]int{}
	err := p.Export(ctx, func(r Record) error {
		if r.Table != "meta" {
			held[r.Table]++
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(held) == 0 {
		return nil
	}
	var parts []string
	for _, t := range PortableTables {
		if held[t] > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", t, held[t]))
		}
	}
	return fmt.Errorf("%w: it holds %s", ErrNotEmpty, strings.Join(parts, ", "))
}

// ErrNotEmpty means a store to import into already holds records.
var ErrNotEmpty = errors.New("store is not empty")

// CheckSchemaRecord accepts the meta record of an export of this version only.
func CheckSchemaRecord(r Record) error {
	if r.Key != string(keySchemaVersion) {
		return fmt.Errorf("unknown meta record %q", r.Key)
	}
	v, err := strconv.ParseUint(string(r.Value), 10, 64)
	if err != nil {
		return fmt.Errorf("schema version %q: %w", r.Value, err)
	}
	switch {
	case v > CurrentSchemaVersion:
		return fmt.Errorf("records of schema version %d, this partnerbot writes %d: %w", v, CurrentSchemaVersion, ErrSchemaTooNew)
	case v < CurrentSchemaVersion:
		return fmt.Errorf("records of schema version %d, this partnerbot writes %d (open the store with this partnerbot first)", v, CurrentSchemaVersion)
	}
	return nil
}

// CheckRecordKey insists on a key of the form its table's records have (see Record).
func CheckRecordKey(r Record) error {
	var err error
	switch {
	case !slices.Contains(PortableTables, r.Table):
		err = errors.New("unknown table")
	case r.Key == "":
		err = errors.New("empty key")
	case slices.Contains(idTables, r.Table):
		_, err = ParseIDName(r.Key)
	case slices.Contains(timeTables, r.Table):
		_, _, err = SplitTimeName(r.Key)
	case r.Table == "approvals_subjects":
		_, _, _, _, err = ParseSubjectName(r.Key)
	}
	return err
}

// Copy exports from and imports its records into to, batch records per Import (0 = 512), and
// returns the summary of the records it copied: what to should now hold. to should be empty
// (NotEmpty): Copy adds, it does not replace.
func Copy(ctx context.Context, from, to Portable, batch int) (*Summary, error) {
	if batch <= 0 {
		batch = 512
	}
	sum := newSummary()
	var recs []Record
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		if err := to.Import(ctx, recs); err != nil {
			return err
		}
		for _, r := range recs {
			sum.add(r)
		}
		recs = recs[:0]
		return nil
	}
	err := from.Export(ctx, func(r Record) error {
		recs = append(recs, r)
		if len(recs) >= batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return nil, err
	}
	return sum, nil
}
