package store

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"

	bolt "go.etcd.io/bbolt"
)

// Export calls fn on every record of the store (see Record), read in one transaction.
func (s *Store) Export(ctx context.Context, fn func(Record) error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: export: %w", err)
	}
	err := s.view(func(tx *bolt.Tx) error {
		if err := tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			if !slices.Contains(PortableTables, string(name)) {
				return fmt.Errorf("bucket %q is not one this partnerbot knows", name)
			}
			return nil
		}); err != nil {
			return err
		}
		for _, table := range PortableTables {
			if table == "seq" {
				if err := exportSeqs(tx, fn); err != nil {
					return err
				}
				continue
			}
			b, err := bucket(tx, []byte(table))
			if err != nil {
				return err
			}
			n := 0
			err = b.ForEach(func(k, v []byte) error {
				if n++; n%1024 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
				r, err := logicalRecord(table, k, v)
				if err != nil {
					return fmt.Errorf("%s key %x: %w", table, k, err)
				}
				return fn(r)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: export %s: %w", s.path, err)
	}
	return nil
}

// exportSeqs gives the id counters that have handed out an id.
func exportSeqs(tx *bolt.Tx, fn func(Record) error) error {
	for _, table := range SeqTables {
		b, err := bucket(tx, []byte(table))
		if err != nil {
			return err
		}
		if n := b.Sequence(); n > 0 {
			if err := fn(Record{Table: "seq", Key: table, Value: []byte(strconv.FormatUint(n, 10))}); err != nil {
				return err
			}
		}
	}
	return nil
}

// logicalRecord is bbolt's key and value k, v of table as a Record.
func logicalRecord(table string, k, v []byte) (Record, error) {
	r := Record{Table: table, Key: string(k), Value: slices.Clone(v)}
	switch {
	case slices.Contains(idTables, table):
		if len(k) != 8 {
			return r, errors.New("not an 8-byte id")
		}
		r.Key = IDName(binary.BigEndian.Uint64(k))
	case slices.Contains(timeTables, table):
		if len(k) < 8 {
			return r, errors.New("shorter than its 8-byte time")
		}
		r.Key = IDName(binary.BigEndian.Uint64(k)) + "/" + string(k[8:])
		r.Value = []byte{} // indexes; expiry_by_time's value is rebuilt from expiry_index on import
	case table == "approvals_subjects":
		var parts [3]string
		rest := k
		for i := range parts {
			n, size := binary.Uvarint(rest)
			if size <= 0 || n > uint64(len(rest)-size) {
				return r, fmt.Errorf("part %d is not length-prefixed", i+1)
			}
			parts[i], rest = string(rest[size:size+int(n)]), rest[size+int(n):]
		}
		if len(rest) != 8 {
			return r, errors.New("no 8-byte id after the subject")
		}
		r.Key = SubjectName(parts[0], parts[1], parts[2], binary.BigEndian.Uint64(rest))
	case table == "inbound_deliveries":
		if len(v) != 8 {
			return r, errors.New("value is not an 8-byte time")
		}
		r.Value = []byte(IDName(binary.BigEndian.Uint64(v)))
	case table == "balance_scan":
		// As the etcd backend writes it back: the state alone, encoded afresh.
		var st BalanceCacheState
		if err := json.Unmarshal(v, &st); err != nil {
			return r, err
		}
		raw, err := json.Marshal(st)
		if err != nil {
			return r, err
		}
		r.Value = raw
	}
	return r, nil
}

// Import writes recs into the store in one transaction (see Portable). An expiry_index record
// writes its expiry_by_time entries too; an expiry_by_time record must name one of them.
func (s *Store) Import(ctx context.Context, recs []Record) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store: import: %w", err)
	}
	err := s.update(func(tx *bolt.Tx) error {
		im := &importer{tx: tx, byTime: map[string][]byte{}}
		for i, r := range recs {
			if i%1024 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if err := im.record(r); err != nil {
				return fmt.Errorf("%s/%q: %w", r.Table, r.Key, err)
			}
		}
		return im.flush()
	})
	if err != nil {
		return fmt.Errorf("store: import into %s: %w", s.path, err)
	}
	return nil
}

// importer is one Import's transaction. The expiry_by_time entries of the index entries it
// writes are put at the end in key order: bbolt splits a page only at commit, and 100,000
// entries put in expiry order, not key order, would each move a growing page's contents.
type importer struct {
	tx     *bolt.Tx
	byTime map[string][]byte // key → value, to put
}

// flush puts the expiry_by_time entries in key order.
func (im *importer) flush() error {
	if len(im.byTime) == 0 {
		return nil
	}
	b, err := bucket(im.tx, bucketExpiryByTime)
	if err != nil {
		return err
	}
	for _, k := range slices.Sorted(maps.Keys(im.byTime)) {
		if err := b.Put([]byte(k), im.byTime[k]); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) record(r Record) error {
	tx := im.tx
	switch r.Table {
	case "meta":
		return CheckSchemaRecord(r)
	case "seq":
		if !slices.Contains(SeqTables, r.Key) {
			return errors.New("not a counter")
		}
		n, err := strconv.ParseUint(string(r.Value), 10, 64)
		if err != nil {
			return err
		}
		b, err := bucket(tx, []byte(r.Key))
		if err != nil {
			return err
		}
		return b.SetSequence(n)
	}
	if err := CheckRecordKey(r); err != nil {
		return err
	}
	b, err := bucket(tx, []byte(r.Table))
	if err != nil {
		return err
	}
	k, v := []byte(r.Key), r.Value
	if v == nil {
		v = []byte{}
	}
	switch {
	case slices.Contains(idTables, r.Table):
		id, err := ParseIDName(r.Key)
		if err != nil {
			return err
		}
		k = idKey(id)
	case r.Table == "expiry_by_time":
		ns, rest, err := SplitTimeName(r.Key)
		if err != nil {
			return err
		}
		k = binary.BigEndian.AppendUint64(nil, ns)
		k = append(k, rest...)
		if _, ok := im.byTime[string(k)]; !ok && b.Get(k) == nil {
			return errors.New("no resource of its customer's expiry_index entry (import the entry first)")
		}
		return nil
	case slices.Contains(timeTables, r.Table):
		ns, rest, err := SplitTimeName(r.Key)
		if err != nil {
			return err
		}
		k = append(binary.BigEndian.AppendUint64(nil, ns), rest...)
	case r.Table == "approvals_subjects":
		action, customer, subject, id, err := ParseSubjectName(r.Key)
		if err != nil {
			return err
		}
		k = append(subjectPrefix(action, customer, subject), idKey(id)...)
	case r.Table == "inbound_deliveries":
		ns, err := ParseIDName(string(r.Value))
		if err != nil {
			return err
		}
		v = binary.BigEndian.AppendUint64(nil, ns)
	case r.Table == "expiry_index":
		c := IndexedCustomer{ID: r.Key}
		if err := json.Unmarshal(v, &c); err != nil {
			return err
		}
		byTime, err := bucket(tx, bucketExpiryByTime)
		if err != nil {
			return err
		}
		if err := deleteByTime(b, byTime, r.Key); err != nil {
			return err
		}
		for _, res := range c.Resources {
			if !res.Main {
				continue
			}
			raw, err := json.Marshal(TimedResource{Customer: c.ID, Name: c.Name, Account: c.Account, Resource: res})
			if err != nil {
				return err
			}
			im.byTime[string(timeKey(res.Expiry, c.ID, res.ID))] = raw
		}
	}
	if len(k) == 0 || len(k) > bolt.MaxKeySize {
		return fmt.Errorf("key of %d bytes", len(k))
	}
	return b.Put(k, v)
}
