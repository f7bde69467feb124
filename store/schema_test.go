package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func TestMigrationsMatchVersion(t *testing.T) {
	if len(migrations) != CurrentSchemaVersion {
		t.Fatalf("CurrentSchemaVersion = %d but there are %d migrations", CurrentSchemaVersion, len(migrations))
	}
	for i, m := range migrations {
		if m.name == "" || m.fn == nil {
			t.Errorf("migration %d→%d has no name or no func", i, i+1)
		}
	}
}

func TestFreshFileGetsCurrentVersion(t *testing.T) {
	path := dbPath(t)
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.View(context.Background(), func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	s.Close()
	if got := storedVersion(t, path); got != CurrentSchemaVersion {
		t.Errorf("schema_version = %d, want %d", got, CurrentSchemaVersion)
	}
}

// writeV0 writes what a pre-versioning partnerbot left behind: audit and prefs in today's format,
// audit keys written without advancing the bucket sequence, and optionally a meta bucket.
func writeV0(meta func(tx *bolt.Tx) error) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		audit, err := tx.CreateBucket(bucketAudit)
		if err != nil {
			return err
		}
		for id := uint64(1); id <= 2; id++ {
			v, _ := json.Marshal(AuditEntry{ID: id, At: t0, Platform: "console", UserID: "root", Command: fmt.Sprintf("/old %d", id), Result: "ok"})
			if err := audit.Put(auditKey(id), v); err != nil {
				return err
			}
		}
		prefs, err := tx.CreateBucket(bucketPrefs)
		if err != nil {
			return err
		}
		if err := prefs.Put([]byte("telegram:42"), []byte(`{"lang":"en"}`)); err != nil {
			return err
		}
		if meta != nil {
			return meta(tx)
		}
		return nil
	}
}

func TestMigrateVersion0(t *testing.T) {
	tests := []struct {
		name string
		meta func(tx *bolt.Tx) error
	}{
		{"no meta bucket", nil},
		{"empty meta bucket", func(tx *bolt.Tx) error { _, err := tx.CreateBucket(bucketMeta); return err }},
		{"explicit version 0", func(tx *bolt.Tx) error { return putSchemaVersion(tx, 0) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			path := dbPath(t)
			rawDB(t, path, writeV0(tt.meta))

			s, err := Open(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.RecentAudit(ctx, 0, AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), []uint64{2, 1}) || got[1].Command != "/old 1" {
				t.Errorf("old audit after migration = %+v", got)
			}
			if id := mustAppend(t, s, AuditEntry{Command: "/new"}); id != 3 {
				t.Errorf("first new id = %d, want 3 (must not overwrite old entries)", id)
			}
			if p, err := s.Prefs(ctx, "telegram:42"); err != nil || p.Lang != "en" {
				t.Errorf("old prefs after migration = %+v, %v", p, err)
			}
			s.Close()
			if v := storedVersion(t, path); v != CurrentSchemaVersion {
				t.Errorf("schema_version after migration = %d, want %d", v, CurrentSchemaVersion)
			}
		})
	}
}

// allBuckets are the buckets of CurrentSchemaVersion.
var allBuckets = [][]byte{
	bucketMeta, bucketAudit, bucketPrefs,
	bucketApprovals, bucketApprovalsOpen, bucketOutbox, bucketOutboxKeys, bucketOutboxSent, bucketOwners,
	bucketSubscriptions, bucketSnoozes, bucketQuietHours, bucketLedger,
	bucketApprovalsSubjects,
	bucketButtons, bucketButtonsExpiry,
	bucketExpiryIndex, bucketExpiryCustomers, bucketExpiryScan,
	bucketBalanceCache, bucketBalanceScan, bucketExpiryByTime,
	bucketInbound, bucketInboundExpiry,
	bucketForecast, bucketQuotes, bucketBudgets,
}

// writeV1 writes what a schema-1 partnerbot left behind: the released 0→1 migration, some audit
// entries appended the way version 1 appended them, and prefs.
func writeV1(tx *bolt.Tx) error {
	if err := migrate0to1(tx); err != nil {
		return err
	}
	audit := tx.Bucket(bucketAudit)
	for range 3 {
		id, err := audit.NextSequence()
		if err != nil {
			return err
		}
		v, _ := json.Marshal(AuditEntry{ID: id, At: t0, Platform: "slack", UserID: "U1", Command: fmt.Sprintf("/v1 %d", id), Result: "ok"})
		if err := audit.Put(auditKey(id), v); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketPrefs).Put([]byte("slack:U1"), []byte(`{"lang":"fr"}`)); err != nil {
		return err
	}
	return putSchemaVersion(tx, 1)
}

func TestMigrateVersion1(t *testing.T) {
	ctx := context.Background()
	path := dbPath(t)
	rawDB(t, path, writeV1)

	// A read-only store does not migrate it.
	if s, err := Open(path, Options{ReadOnly: true}); err == nil {
		s.Close()
		t.Fatal("read-only Open of a version-1 file succeeded")
	}
	if v := storedVersion(t, path); v != 1 {
		t.Fatalf("schema_version = %d before migration", v)
	}

	s := openStore(t, path, Options{Now: (&fakeClock{t: t0}).Now})
	got, err := s.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), []uint64{3, 2, 1}) || got[2].Command != "/v1 1" {
		t.Errorf("audit after migration = %+v", got)
	}
	if p, err := s.Prefs(ctx, "slack:U1"); err != nil || p.Lang != "fr" {
		t.Errorf("prefs after migration = %+v, %v", p, err)
	}
	if err := s.View(ctx, func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	// The new buckets work, and the audit log continues after the old entries.
	a, err := s.CreateApproval(ctx, request(1), testNotices)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != 1 {
		t.Errorf("first approval id %d", a.ID)
	}
	if e := lastAudit(t, s); e.ID != 4 || e.Command != "request #1 renew" {
		t.Errorf("audit of the first approval %+v, want id 4", e)
	}
	if n := pendingNotices(t, s); n != 1 {
		t.Errorf("%d notices", n)
	}
	if err := s.RememberOwners(ctx, map[string]string{"r-1": "c-1"}); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != CurrentSchemaVersion {
		t.Errorf("schema_version after migration = %d, want %d", v, CurrentSchemaVersion)
	}
}

// putApprovalV2 files a as a version-2 CreateApproval did: the request, approvals_open, its audit
// entry and its notice.
func putApprovalV2(tx *bolt.Tx, a Approval, now time.Time) error {
	b := tx.Bucket(bucketApprovals)
	id, err := b.NextSequence()
	if err != nil {
		return err
	}
	a.ID, a.State, a.CreatedAt, a.UpdatedAt = id, StatePending, now, now
	if err := putJSON(b, idKey(id), a); err != nil {
		return err
	}
	if err := tx.Bucket(bucketApprovalsOpen).Put(idKey(id), []byte(a.State)); err != nil {
		return err
	}
	s := &Store{now: func() time.Time { return now }}
	if _, err := s.appendAudit(tx, AuditEntry{At: now, Platform: a.Requester.Platform, UserID: a.Requester.UserID,
		Command: fmt.Sprintf("request #%d %s", id, a.Action), Result: string(a.State)}); err != nil {
		return err
	}
	return s.EnqueueNoticesTx(tx, now, testNotices(a)...)
}

// writeV2 makes path a schema-2 file holding what a version-2 partnerbot would have written: the
// released migrations up to 2, then an audit entry, prefs, an approval (with its audit entry and
// notice), a queued notice with a dedupe key and an owner, written by the version-2 methods on a
// store whose file stops at version 2.
func writeV2(t *testing.T, path string, clk *fakeClock) {
	t.Helper()
	ctx := context.Background()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := migrate(db, path, migrations[:2], false, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	v2 := &Store{db: db, path: path, now: clk.Now}
	mustAppend(t, v2, AuditEntry{Platform: "slack", UserID: "U1", Command: "/v2", Result: "ok"})
	if err := v2.SetPrefs(ctx, "slack:U1", Prefs{Lang: "de"}); err != nil {
		t.Fatal(err)
	}
	// A pending request as CreateApproval wrote it then (with no subject index), and a second
	// one on the same resource, which version 2 let in.
	for range 2 {
		if err := v2.update(func(tx *bolt.Tx) error { return putApprovalV2(tx, request(1), clk.Now()) }); err != nil {
			t.Fatal(err)
		}
	}
	if err := v2.EnqueueNotices(ctx, notice("v2", "k-v2")); err != nil {
		t.Fatal(err)
	}
	if err := v2.RememberOwners(ctx, map[string]string{"r-1": "cust-7"}); err != nil {
		t.Fatal(err)
	}
	// The version-3 buckets do not exist yet.
	if _, err := v2.AddSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Kind: "all", Scope: "*"}); err == nil {
		t.Fatal("AddSubscription on a schema-2 file succeeded")
	}
}

func TestMigrateVersion2(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	writeV2(t, path, clk)
	if v := storedVersion(t, path); v != 2 {
		t.Fatalf("schema_version = %d before migration", v)
	}
	if s, err := Open(path, Options{ReadOnly: true}); err == nil {
		s.Close()
		t.Fatal("read-only Open of a version-2 file succeeded")
	}

	s := openStore(t, path, Options{Now: clk.Now})
	// The version-2 data is all there.
	got, err := s.RecentAudit(ctx, 0, AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids(got), []uint64{3, 2, 1}) || got[2].Command != "/v2" || got[1].Command != "request #1 renew" {
		t.Errorf("audit after migration = %+v", got)
	}
	if p, err := s.Prefs(ctx, "slack:U1"); err != nil || p.Lang != "de" {
		t.Errorf("prefs after migration = %+v, %v", p, err)
	}
	if a, err := s.Approval(ctx, 1); err != nil || a.State != StatePending || a.CustomerID != "cust-7" {
		t.Errorf("approval after migration = %+v, %v", a, err)
	}
	if n := pendingNotices(t, s); n != 3 {
		t.Errorf("%d notices after migration, want 3", n)
	}
	if err := s.EnqueueNotices(ctx, notice("again", "k-v2")); err != nil || pendingNotices(t, s) != 3 {
		t.Errorf("dedupe key of a version-2 notice not kept: %v, %d notices", err, pendingNotices(t, s))
	}
	if c, ok, err := s.Owner(ctx, "r-1"); err != nil || !ok || c != "cust-7" {
		t.Errorf("owner after migration = %q, %t, %v", c, ok, err)
	}
	// The new buckets exist and work; the audit log continues.
	if err := s.View(ctx, func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	sub, err := s.AddSubscription(ctx, Subscription{Platform: "slack", Channel: "C1", Kind: "all", Scope: "*", CreatedBy: alice})
	if err != nil || sub.ID != 1 {
		t.Fatalf("AddSubscription after migration = %+v, %v", sub, err)
	}
	if e := lastAudit(t, s); e.ID != 4 || e.Command != "subscribe #1 all *" {
		t.Errorf("audit of the subscription %+v, want id 4", e)
	}
	// The open requests are indexed by subject: both, until each is closed.
	var de *DuplicateError
	if _, err := s.CreateApproval(ctx, request(1), testNotices); !errors.As(err, &de) || de.ExistingID != 1 {
		t.Errorf("request on the resource of #1 and #2 after migration: %v, want #1 named", err)
	}
	for id := uint64(1); id <= 2; id++ {
		if _, err := s.Cancel(ctx, id, alice, nil); err != nil {
			t.Fatal(err)
		}
		_, err := s.CreateApproval(ctx, request(1), testNotices)
		if id == 1 && (!errors.As(err, &de) || de.ExistingID != 2) {
			t.Errorf("with #2 still open: %v, want #2 named", err)
		}
		if id == 2 && err != nil {
			t.Errorf("with both closed: %v", err)
		}
	}
	if err := s.CommitAlerts(ctx, map[string]json.RawMessage{"k": json.RawMessage(`1`)}, nil, nil); err != nil {
		t.Error(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != CurrentSchemaVersion {
		t.Errorf("schema_version after migration = %d, want %d", v, CurrentSchemaVersion)
	}
}

// TestMigrateVersion7: a file a version-7 partnerbot wrote keeps what it holds and gains the
// inbound delivery buckets, which work at once.
func TestMigrateVersion7(t *testing.T) {
	ctx := context.Background()
	clk := &fakeClock{t: t0}
	path := dbPath(t)
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(db, path, migrations[:7], false, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	v7 := &Store{db: db, path: path, now: clk.Now}
	mustAppend(t, v7, AuditEntry{Platform: "wecom", UserID: "zhangsan", Command: "/v7", Result: "ok"})
	if err := v7.EnqueueNotices(ctx, notice("v7", "k-v7")); err != nil {
		t.Fatal(err)
	}
	if _, err := v7.FirstDelivery(ctx, "wecom", "m:1", time.Hour); err == nil {
		t.Fatal("FirstDelivery on a schema-7 file succeeded")
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != 7 {
		t.Fatalf("schema_version = %d before migration", v)
	}

	s, err := Open(path, Options{Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if e := lastAudit(t, s); e.Command != "/v7" {
		t.Errorf("audit after migration ends with %+v", e)
	}
	if n := pendingNotices(t, s); n != 1 {
		t.Errorf("%d notices after migration, want 1", n)
	}
	if err := s.View(ctx, func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %q missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
	for i, want := range []bool{true, false} {
		if first, err := s.FirstDelivery(ctx, "wecom", "m:1", time.Hour); err != nil || first != want {
			t.Errorf("delivery %d after migration: first = %t, %v; want %t", i+1, first, err, want)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if v := storedVersion(t, path); v != CurrentSchemaVersion {
		t.Errorf("schema_version after migration = %d, want %d", v, CurrentSchemaVersion)
	}
}

func TestSchemaTooNew(t *testing.T) {
	for _, v := range []uint64{CurrentSchemaVersion + 1, 99} {
		for _, readOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("v%d/readonly=%t", v, readOnly), func(t *testing.T) {
				path := dbPath(t)
				rawDB(t, path, func(tx *bolt.Tx) error { return putSchemaVersion(tx, v) })

				s, err := Open(path, Options{ReadOnly: readOnly})
				if err == nil {
					s.Close()
					t.Fatal("Open of a newer file succeeded")
				}
				if !errors.Is(err, ErrSchemaTooNew) {
					t.Errorf("error %v is not ErrSchemaTooNew", err)
				}
				msg := err.Error()
				for _, want := range []string{path, fmt.Sprintf("version %d", v), fmt.Sprintf("up to %d", CurrentSchemaVersion)} {
					if !strings.Contains(msg, want) {
						t.Errorf("error %q does not mention %q", msg, want)
					}
				}
				// The refused file is untouched and no longer locked.
				if got := storedVersion(t, path); got != v {
					t.Errorf("schema_version changed to %d", got)
				}
			})
		}
	}
}

func TestSchemaVersionGarbled(t *testing.T) {
	path := dbPath(t)
	rawDB(t, path, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket(bucketMeta)
		if err != nil {
			return err
		}
		return b.Put(keySchemaVersion, []byte("one"))
	})
	s, err := Open(path, Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, path) || !strings.Contains(msg, `"one"`) {
		t.Errorf("error %q should name the path and the bad value", msg)
	}
}

func TestReadOnlyRefusesOldVersion(t *testing.T) {
	path := dbPath(t)
	rawDB(t, path, writeV0(nil))
	s, err := Open(path, Options{ReadOnly: true})
	if err == nil {
		s.Close()
		t.Fatal("read-only Open of a version-0 file succeeded")
	}
	if !strings.Contains(err.Error(), "read-write once to migrate") {
		t.Errorf("error %q should say how to migrate", err)
	}
	if v := storedVersion(t, path); v != 0 {
		t.Errorf("read-only Open changed schema_version to %d", v)
	}
}

// TestMigrateSteps checks the runner with a longer, fake list: order, one transaction per step,
// starting from the stored version, and stopping at a failing step with the earlier ones kept.
func TestMigrateSteps(t *testing.T) {
	errBoom := errors.New("boom")
	tests := []struct {
		name        string
		start       uint64 // stored version before
		failAt      int    // index of a failing step, -1 for none
		wantRan     []int
		wantVersion uint64
		wantBuckets []string
	}{
		{"from scratch", 0, -1, []int{0, 1, 2}, 3, []string{"s0", "s1", "s2"}},
		{"from 1", 1, -1, []int{1, 2}, 3, []string{"s1", "s2"}},
		{"up to date", 3, -1, nil, 3, nil},
		{"step 1 fails", 0, 1, []int{0, 1}, 1, []string{"s0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := dbPath(t)
			var ran []int
			steps := make([]migration, 3)
			for i := range steps {
				steps[i] = migration{name: fmt.Sprintf("step %d", i), fn: func(tx *bolt.Tx) error {
					ran = append(ran, i)
					if _, err := tx.CreateBucket(fmt.Appendf(nil, "s%d", i)); err != nil {
						return err
					}
					if i == tt.failAt {
						return errBoom
					}
					return nil
				}}
			}
			db, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if tt.start > 0 {
				if err := db.Update(func(tx *bolt.Tx) error { return putSchemaVersion(tx, tt.start) }); err != nil {
					t.Fatal(err)
				}
			}

			err = migrate(db, path, steps, false, slog.New(slog.DiscardHandler))
			if tt.failAt >= 0 {
				want := fmt.Sprintf("migrate schema %d→%d (step %d)", tt.failAt, tt.failAt+1, tt.failAt)
				if !errors.Is(err, errBoom) || !strings.Contains(err.Error(), want) {
					t.Errorf("error = %v, want errBoom and %q", err, want)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ran, tt.wantRan) {
				t.Errorf("ran steps %v, want %v", ran, tt.wantRan)
			}
			var version uint64
			var buckets []string
			if err := db.View(func(tx *bolt.Tx) error {
				var err error
				if version, err = schemaVersion(tx); err != nil {
					return err
				}
				return tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
					if name[0] == 's' {
						buckets = append(buckets, string(name))
					}
					return nil
				})
			}); err != nil {
				t.Fatal(err)
			}
			if version != tt.wantVersion {
				t.Errorf("version = %d, want %d", version, tt.wantVersion)
			}
			if !slices.Equal(buckets, tt.wantBuckets) {
				t.Errorf("buckets %v, want %v (a failed step must roll back)", buckets, tt.wantBuckets)
			}
		})
	}
}
