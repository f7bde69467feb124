package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
)

// AuditEntry is one line of the audit log: who ran what, where, and how it ended.
type AuditEntry struct {
	ID        uint64        `json:"id"`
	At        time.Time     `json:"at"`
	Platform  string        `json:"platform"` // "console", "slack", "telegram", "wecom", "exec", "system"
	UserID    string        `json:"user_id"`
	UserName  string        `json:"user_name,omitempty"`
	Channel   string        `json:"channel,omitempty"`
	Command   string        `json:"command"`              // the command text as typed (secrets never pass through here)
	Result    string        `json:"result"`               // "ok", "error", "denied", "invalid" ...
	Detail    string        `json:"detail,omitempty"`     // error explanation, short
	RequestID string        `json:"request_id,omitempty"` // BSS X-Request-Id(s)
	Duration  time.Duration `json:"duration_ns,omitempty"`
}

// auditJSON is AuditEntry's stored form. JSON strings hold only valid UTF-8, so a command
// that is not (a stray byte typed or pasted into a chat) is kept byte for byte in CommandRaw.
type auditJSON struct {
	auditFields
	CommandRaw []byte `json:"command_raw,omitempty"`
}

type auditFields AuditEntry

// MarshalJSON keeps the original bytes of a command that is not valid UTF-8.
func (e AuditEntry) MarshalJSON() ([]byte, error) {
	j := auditJSON{auditFields: auditFields(e)}
	if !utf8.ValidString(e.Command) {
		j.CommandRaw = []byte(e.Command)
		j.Command = strings.ToValidUTF8(e.Command, "\ufffd")
	}
	return json.Marshal(j)
}

// UnmarshalJSON restores the original bytes of the command.
func (e *AuditEntry) UnmarshalJSON(b []byte) error {
	var j auditJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = AuditEntry(j.auditFields)
	if j.CommandRaw != nil {
		e.Command = string(j.CommandRaw)
	}
	return nil
}

// AuditFilter narrows RecentAudit. Zero fields do not filter; Since keeps entries at or after it.
type AuditFilter struct {
	Platform, UserID, Result string
	Since                    time.Time
}

func (f AuditFilter) match(e *AuditEntry) bool {
	return (f.Platform == "" || e.Platform == f.Platform) &&
		(f.UserID == "" || e.UserID == f.UserID) &&
		(f.Result == "" || e.Result == f.Result) &&
		(f.Since.IsZero() || !e.At.Before(f.Since))
}

// Limits of RecentAudit.
const (
	DefaultAuditLimit = 20
	MaxAuditLimit     = 1000
)

// pruneBatch is how many entries PruneAudit deletes per transaction, so that a large prune does
// not hold the writer lock for long.
const pruneBatch = 1000

func auditKey(id uint64) []byte {
	k := make([]byte, 8)
	binary.BigEndian.PutUint64(k, id)
	return k
}

// AppendAudit adds e to the log and returns its id. It sets e.ID, and e.At to Now() if zero.
func (s *Store) AppendAudit(ctx context.Context, e AuditEntry) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: append audit: %w", err)
	}
	var id uint64
	err := s.update(func(tx *bolt.Tx) error {
		var err error
		id, err = s.appendAudit(tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: append audit: %w", err)
	}
	return id, nil
}

// appendAudit adds e within tx, so that a state change and its audit entry commit together.
func (s *Store) appendAudit(tx *bolt.Tx, e AuditEntry) (uint64, error) {
	b, err := bucket(tx, bucketAudit)
	if err != nil {
		return 0, err
	}
	id, err := b.NextSequence()
	if err != nil {
		return 0, fmt.Errorf("next id: %w", err)
	}
	e.ID = id
	if e.At.IsZero() {
		e.At = s.now()
	}
	s.redactAudit(&e)
	v, err := json.Marshal(e)
	if err != nil {
		return 0, fmt.Errorf("encode: %w", err)
	}
	if err := b.Put(auditKey(id), v); err != nil {
		return 0, fmt.Errorf("put %d: %w", id, err)
	}
	return id, nil
}

// redactAudit hides the store's secrets in every text of e: a BSS error message that echoes
// an access key, a command pasted with a token in it. The entry is written that way, so that no
// reader, export or backup of the audit log ever sees them.
func (s *Store) redactAudit(e *AuditEntry) {
	if s.redact.Empty() {
		return
	}
	// Any text may have been cut short on its way here, a secret with it: a cut-off start of
	// one is hidden too.
	for _, f := range []*string{&e.Platform, &e.UserID, &e.UserName, &e.Channel, &e.Command, &e.Result, &e.Detail, &e.RequestID} {
		*f = s.redact.Truncated(*f)
	}
}

// RecentAudit returns the newest entries matching filter, newest first, at most n
// (n <= 0 means DefaultAuditLimit; n is capped at MaxAuditLimit).
//
// Entry times need not follow ids (a caller may set At to when a command started), so a Since
// filter scans the whole log rather than stopping at the first older entry.
func (s *Store) RecentAudit(ctx context.Context, n int, filter AuditFilter) ([]AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store: recent audit: %w", err)
	}
	if n <= 0 {
		n = DefaultAuditLimit
	}
	n = min(n, MaxAuditLimit)
	var out []AuditEntry
	err := s.view(func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketAudit)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
			var e AuditEntry
			if err := json.Unmarshal(v, &e); err != nil {
				return fmt.Errorf("decode entry %x: %w", k, err)
			}
			e.ID = binary.BigEndian.Uint64(k) // the key is authoritative
			if filter.match(&e) {
				out = append(out, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: recent audit: %w", err)
	}
	return out, nil
}

// PruneAudit deletes the entries older than olderThan and returns how many it removed. It works
// in batches of pruneBatch deletions, one transaction each, checking ctx before each; on error
// the count says how many were already removed.
func (s *Store) PruneAudit(ctx context.Context, olderThan time.Time) (int, error) {
	removed := 0
	var from []byte // first key not yet examined; nil = start of the log
	for {
		if err := ctx.Err(); err != nil {
			return removed, fmt.Errorf("store: prune audit: %w", err)
		}
		done := false
		deleted := 0
		err := s.update(func(tx *bolt.Tx) error {
			b, err := bucket(tx, bucketAudit)
			if err != nil {
				return err
			}
			var doomed [][]byte
			c := b.Cursor()
			k, v := c.First()
			if from != nil {
				k, v = c.Seek(from)
			}
			for ; k != nil && len(doomed) < pruneBatch; k, v = c.Next() {
				var e struct {
					At time.Time `json:"at"`
				}
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("decode entry %x: %w", k, err)
				}
				if e.At.Before(olderThan) {
					doomed = append(doomed, bytes.Clone(k))
				}
			}
			if k == nil {
				done = true
			} else {
				from = bytes.Clone(k)
			}
			// Delete after the scan: deleting under a cursor can make Next skip a key.
			for _, dk := range doomed {
				if err := b.Delete(dk); err != nil {
					return fmt.Errorf("delete entry %x: %w", dk, err)
				}
			}
			deleted = len(doomed)
			return nil
		})
		if err != nil {
			return removed, fmt.Errorf("store: prune audit: %w", err)
		}
		removed += deleted
		if done {
			return removed, nil
		}
	}
}

// ActionAudit gathers one action's audit entry: the command as typed, and the request
// transitions it made (filed, approved, executed, finished). The first transition writes the
// entry, in the transition's own transaction; each later one adds itself to that entry, and
// FinishAudit sets how the command ended. So an action is one row of the audit log, never
// one row per command plus one per transition. Start one per command with WithActionAudit.
type ActionAudit struct {
	mu    sync.Mutex
	entry AuditEntry
	id    uint64 // the entry's id once written; 0 before
}

type actionAuditKey struct{}

// WithActionAudit returns ctx carrying e, the entry of the command about to run; the store's
// request transitions made with that ctx are recorded in it.
func WithActionAudit(ctx context.Context, e AuditEntry) (context.Context, *ActionAudit) {
	aa := &ActionAudit{entry: e}
	return context.WithValue(ctx, actionAuditKey{}, aa), aa
}

func actionAuditOf(ctx context.Context) *ActionAudit {
	aa, _ := ctx.Value(actionAuditKey{}).(*ActionAudit)
	return aa
}

// ActionAuditOf returns the action entry ctx carries (see WithActionAudit), or nil. Backends
// other than bbolt use it to record a transition in the command's entry.
func ActionAuditOf(ctx context.Context) *ActionAudit { return actionAuditOf(ctx) }

// Record lets a backend other than bbolt write the action's entry: write runs under aa's lock
// with the command's entry as it was started and the id of its row (0 until a transition or
// FinishAudit wrote it); it returns the id of the row it wrote, which aa keeps only when write
// returns nil, that is once its transaction has committed.
func (aa *ActionAudit) Record(write func(e AuditEntry, id uint64) (uint64, error)) error {
	aa.mu.Lock()
	defer aa.mu.Unlock()
	id, err := write(aa.entry, aa.id)
	if err != nil {
		return err
	}
	aa.id = id
	return nil
}

// Written reports the id of the entry, once a transition wrote it.
func (aa *ActionAudit) Written() (uint64, bool) {
	aa.mu.Lock()
	defer aa.mu.Unlock()
	return aa.id, aa.id != 0
}

// maxActionDetail is how much of an action's detail (its transitions and how it ended) the
// entry keeps.
const maxActionDetail = 1000

// record writes a transition into the action's entry within tx: the entry itself on the first,
// an update of it after. step is "<verb> #<id> <action> → <state>[: detail]".
func (s *Store) recordAction(tx *bolt.Tx, aa *ActionAudit, step, requestID string, at time.Time) error {
	aa.mu.Lock()
	defer aa.mu.Unlock()
	e := aa.entry
	if aa.id != 0 {
		b, err := bucket(tx, bucketAudit)
		if err != nil {
			return err
		}
		v := b.Get(auditKey(aa.id))
		if v == nil {
			return fmt.Errorf("entry %d is gone", aa.id)
		}
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode entry %d: %w", aa.id, err)
		}
	}
	e.Detail = joinDetail(e.Detail, step)
	e.RequestID = joinIDs(e.RequestID, requestID)
	if e.At.IsZero() {
		e.At = at
	}
	if e.Result == "" {
		e.Result = "ok"
	}
	if aa.id == 0 {
		id, err := s.appendAudit(tx, e)
		if err != nil {
			return err
		}
		// The entry exists once tx commits, not before: a transition rolled back (its notices
		// refused) must leave aa without an entry, or FinishAudit would write the row at an id
		// the audit sequence never counted, and the next entry appended would overwrite it.
		tx.OnCommit(func() {
			aa.mu.Lock()
			aa.id = id
			aa.mu.Unlock()
		})
		return nil
	}
	return s.putAudit(tx, aa.id, e)
}

// putAudit rewrites entry id within tx.
func (s *Store) putAudit(tx *bolt.Tx, id uint64, e AuditEntry) error {
	b, err := bucket(tx, bucketAudit)
	if err != nil {
		return err
	}
	e.ID = id
	s.redactAudit(&e)
	v, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode: %w", err)
	}
	if err := b.Put(auditKey(id), v); err != nil {
		return fmt.Errorf("put %d: %w", id, err)
	}
	return nil
}

func joinDetail(have, more string) string {
	switch {
	case more == "":
		return have
	case have == "":
		return truncate(more, maxActionDetail)
	}
	return truncate(have+"; "+more, maxActionDetail)
}

// joinIDs adds the comma-separated ids of more to those of have, each once.
func joinIDs(have, more string) string {
	ids := strings.Split(have, ",")
	if have == "" {
		ids = nil
	}
	for _, id := range strings.Split(more, ",") {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return strings.Join(ids, ",")
}

// FinishAudit records how the command of aa ended: its result, detail, BSS request ids and
// duration. When its transitions wrote the entry, the entry is completed (the transitions stay
// in its detail); otherwise it is appended now. Either way the command is one row.
func (s *Store) FinishAudit(ctx context.Context, aa *ActionAudit, result, detail, requestID string, took time.Duration) (uint64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store: finish audit: %w", err)
	}
	aa.mu.Lock()
	defer aa.mu.Unlock()
	var id uint64
	err := s.update(func(tx *bolt.Tx) error {
		e := aa.entry
		if aa.id != 0 {
			b, err := bucket(tx, bucketAudit)
			if err != nil {
				return err
			}
			if v := b.Get(auditKey(aa.id)); v != nil {
				if err := json.Unmarshal(v, &e); err != nil {
					return fmt.Errorf("decode entry %d: %w", aa.id, err)
				}
			}
		}
		e.Result = result
		e.Detail = joinDetail(e.Detail, detail)
		e.RequestID = joinIDs(e.RequestID, requestID)
		e.Duration = took
		if aa.id != 0 {
			id = aa.id
			return s.putAudit(tx, aa.id, e)
		}
		var err error
		id, err = s.appendAudit(tx, e)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("store: finish audit: %w", err)
	}
	aa.id = id
	return id, nil
}
