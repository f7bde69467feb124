package store

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func sub(platform, channel, kind, scope string, days ...int) Subscription {
	return Subscription{Platform: platform, Channel: channel, Kind: kind, Scope: scope, Days: days, CreatedBy: alice}
}

func subIDs(subs []Subscription) []uint64 {
	out := make([]uint64, len(subs))
	for i, s := range subs {
		out[i] = s.ID
	}
	return out
}

func mustSubs(t *testing.T, s *Store, platform, channel string) []Subscription {
	t.Helper()
	subs, err := s.Subscriptions(context.Background(), platform, channel)
	if err != nil {
		t.Fatalf("Subscriptions(%q, %q): %v", platform, channel, err)
	}
	return subs
}

func TestAddSubscription(t *testing.T) {
	ctx := context.Background()
	s, clk, _ := newFakeStore(t)

	tests := []struct {
		name    string
		sub     Subscription
		wantID  uint64 // 0: refused
		wantErr error  // for errors.Is, when refused (nil: any error)
	}{
		{"expiry all customers", sub("slack", "C1", "expiry", "*", 7, 30, 1, 15, 3, 7), 1, nil},
		{"arrears one customer", sub("slack", "C1", "arrears", "cust-7"), 2, nil},
		{"same scope, other kind", sub("slack", "C1", "arrears", "*"), 3, nil},
		{"same as #1 elsewhere", sub("slack", "C2", "expiry", "*"), 4, nil},
		{"same channel id, other platform", sub("telegram", "C1", "expiry", "*"), 5, nil},
		{"label scope", sub("telegram", "-100", "all", "label:vip"), 6, nil},
		{"duplicate of #1, other days", sub("slack", "C1", "expiry", "*", 2), 0, ErrDuplicate},
		{"duplicate of #6", sub("telegram", "-100", "all", "label:vip"), 0, ErrDuplicate},
		{"unknown kind", sub("slack", "C1", "renewal", "*"), 0, nil},
		{"empty kind", sub("slack", "C1", "", "*"), 0, nil},
		{"empty scope", sub("slack", "C1", "expiry", ""), 0, nil},
		{"empty label", sub("slack", "C1", "expiry", "label:"), 0, nil},
		{"negative days", sub("slack", "C1", "expiry", "cust-1", 7, -1), 0, nil},
		{"no platform", sub("", "C1", "expiry", "*"), 0, nil},
		{"no channel", sub("slack", "", "expiry", "*"), 0, nil},
		{"platform with colon", sub("sl:ack", "C1", "expiry", "*"), 0, nil},
		{"channel with NUL", sub("slack", "C\x001", "expiry", "*"), 0, nil},
	}
	audits := auditCount(t, s)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(time.Second)
			got, err := s.AddSubscription(ctx, tt.sub)
			if tt.wantID == 0 {
				if err == nil {
					t.Fatalf("AddSubscription succeeded: %+v", got)
				}
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v, want %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "store: add subscription: ") {
					t.Errorf("error %q not wrapped", err)
				}
				if n := auditCount(t, s); n != audits {
					t.Errorf("refused add wrote %d audit entries", n-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			audits++
			if got.ID != tt.wantID || !got.CreatedAt.Equal(clk.Now()) || got.FromConfig || got.CreatedBy != alice {
				t.Errorf("added %+v, want id %d at %s", got, tt.wantID, clk.Now())
			}
			e := lastAudit(t, s)
			wantCmd := "subscribe " + got.describe()
			if e.Command != wantCmd || e.Result != "ok" || e.UserID != alice.UserID || e.Platform != alice.Platform ||
				e.Channel != alice.Channel || !strings.Contains(e.Detail, "channel "+got.ChannelKey()) {
				t.Errorf("audit %+v, want %q by alice", e, wantCmd)
			}
		})
	}

	first := mustSubs(t, s, "slack", "C1")[0]
	if !slices.Equal(first.Days, []int{30, 15, 7, 3, 1}) {
		t.Errorf("days %v, want sorted descending without repeats", first.Days)
	}
	if e, _ := s.RecentAudit(ctx, 6, AuditFilter{}); e[5].Command != "subscribe #1 expiry *" || e[5].Detail != "channel slack:C1 days 30,15,7,3,1" {
		t.Errorf("audit of #1 %+v", e[5])
	}
	if k := first.ChannelKey(); k != "slack:C1" {
		t.Errorf("ChannelKey %q", k)
	}
	// FromConfig is not for users.
	got, err := s.AddSubscription(ctx, Subscription{Platform: "slack", Channel: "C9", Kind: "all", Scope: "*", FromConfig: true})
	if err != nil || got.FromConfig {
		t.Errorf("AddSubscription(FromConfig) = %+v, %v", got, err)
	}
}

func TestListSubscriptions(t *testing.T) {
	s, _, path := newFakeStore(t)
	for _, sb := range []Subscription{
		sub("slack", "C1", "expiry", "*"),     // 1
		sub("slack", "C2", "expiry", "*"),     // 2
		sub("telegram", "C1", "expiry", "*"),  // 3
		sub("slack", "C1", "arrears", "c-1"),  // 4
		sub("telegram", "-100", "all", "c-2"), // 5
	} {
		if _, err := s.AddSubscription(context.Background(), sb); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		platform, channel string
		want              []uint64
	}{
		{"slack", "C1", []uint64{1, 4}},
		{"slack", "C2", []uint64{2}},
		{"telegram", "C1", []uint64{3}},
		{"telegram", "-100", []uint64{5}},
		{"slack", "C3", nil},
		{"wecom", "C1", nil},
		{"", "", []uint64{1, 2, 3, 4, 5}},
		// Only both "" list everything: a DM without a channel must not see other channels'.
		{"slack", "", nil},
		{"", "C1", nil},
	}
	check := func(t *testing.T, s *Store) {
		for _, tt := range tests {
			if got := subIDs(mustSubs(t, s, tt.platform, tt.channel)); !slices.Equal(got, tt.want) {
				t.Errorf("Subscriptions(%q, %q) = %v, want %v", tt.platform, tt.channel, got, tt.want)
			}
		}
	}
	check(t, s)

	// They survive a reopen, and ids keep growing.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{Now: (&fakeClock{t: t0}).Now})
	check(t, s)
	got, err := s.AddSubscription(context.Background(), sub("slack", "C2", "arrears", "*"))
	if err != nil || got.ID != 6 {
		t.Errorf("AddSubscription after reopen = %+v, %v; want id 6", got, err)
	}
	if got := mustSubs(t, s, "slack", "C1")[0]; got.CreatedBy != alice || !got.CreatedAt.Equal(t0) || got.Kind != "expiry" {
		t.Errorf("after reopen %+v", got)
	}
}

func TestRemoveSubscription(t *testing.T) {
	ctx := context.Background()
	s, _, _ := newFakeStore(t)
	own, err := s.AddSubscription(ctx, sub("slack", "C1", "expiry", "*", 7))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SyncConfigSubscriptions(ctx, []Subscription{sub("slack", "C1", "arrears", "*")}); err != nil {
		t.Fatal(err)
	}
	cfg := mustSubs(t, s, "slack", "C1")[1]
	if !cfg.FromConfig {
		t.Fatalf("config subscription %+v", cfg)
	}

	tests := []struct {
		name              string
		id                uint64
		platform, channel string
		wantErr           error // nil: removed
	}{
		{"other channel", own.ID, "slack", "C2", ErrNotFound},
		{"same channel id, other platform", own.ID, "telegram", "C1", ErrNotFound},
		{"no channel", own.ID, "", "", ErrNotFound},
		{"no such id", 99, "slack", "C1", ErrNotFound},
		{"from config", cfg.ID, "slack", "C1", ErrFromConfig},
		{"from config, other channel", cfg.ID, "slack", "C2", ErrNotFound},
		{"own", own.ID, "slack", "C1", nil},
		{"own again", own.ID, "slack", "C1", ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audits := auditCount(t, s)
			got, err := s.RemoveSubscription(ctx, tt.id, tt.platform, tt.channel, bob)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("RemoveSubscription = %+v, %v; want %v", got, err, tt.wantErr)
				}
				if n := auditCount(t, s); n != audits {
					t.Errorf("refused removal wrote %d audit entries", n-audits)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.ID != own.ID || got.Kind != "expiry" || !slices.Equal(got.Days, []int{7}) {
				t.Errorf("removed %+v, want %+v", got, own)
			}
			if e := lastAudit(t, s); e.Command != "unsubscribe #1 expiry *" || e.UserID != bob.UserID || e.Detail != "channel slack:C1 days 7" {
				t.Errorf("audit %+v", e)
			}
		})
	}
	if got := subIDs(mustSubs(t, s, "", "")); !slices.Equal(got, []uint64{cfg.ID}) {
		t.Errorf("left %v, want only the config one", got)
	}
}

func TestSyncConfigSubscriptions(t *testing.T) {
	ctx := context.Background()
	s, clk, path := newFakeStore(t)
	user1, err := s.AddSubscription(ctx, sub("slack", "C1", "expiry", "*", 30, 7))
	if err != nil {
		t.Fatal(err)
	}
	user2, err := s.AddSubscription(ctx, sub("telegram", "-100", "arrears", "c-1"))
	if err != nil {
		t.Fatal(err)
	}
	users := []Subscription{user1, user2}

	// configured returns the FromConfig subscriptions, checking that the user ones are untouched.
	configured := func(t *testing.T, s *Store) []Subscription {
		t.Helper()
		var cfg, user []Subscription
		for _, sb := range mustSubs(t, s, "", "") {
			if sb.FromConfig {
				cfg = append(cfg, sb)
			} else {
				user = append(user, sb)
			}
		}
		if !slices.EqualFunc(user, users, func(a, b Subscription) bool {
			return a.ID == b.ID && a.sameTarget(&b) && slices.Equal(a.Days, b.Days) && a.CreatedAt.Equal(b.CreatedAt) && a.CreatedBy == b.CreatedBy
		}) {
			t.Errorf("user subscriptions changed: %+v, want %+v", user, users)
		}
		return cfg
	}
	type want struct {
		id   uint64
		kind string
		days []int
	}
	tests := []struct {
		name       string
		subs       []Subscription
		wantErr    error // for errors.Is; ErrNotFound as "any error"
		want       []want
		wantAudits int // entries written
	}{
		{"first sync", []Subscription{
			sub("slack", "C1", "arrears", "*"),
			{Platform: "slack", Channel: "C2", Kind: "expiry", Scope: "label:vip", Days: []int{1, 15}, CreatedBy: alice, ID: 42, FromConfig: false},
		}, nil, []want{{3, "arrears", nil}, {4, "expiry", []int{15, 1}}}, 1},
		{"unchanged: ids kept, nothing written", []Subscription{
			sub("slack", "C1", "arrears", "*"),
			{Platform: "slack", Channel: "C2", Kind: "expiry", Scope: "label:vip", Days: []int{15, 1, 1}, CreatedBy: alice},
		}, nil, []want{{3, "arrears", nil}, {4, "expiry", []int{15, 1}}}, 0},
		{"one changed: all replaced", []Subscription{
			sub("slack", "C1", "arrears", "*"),
			{Platform: "slack", Channel: "C2", Kind: "expiry", Scope: "label:vip", Days: []int{15}, CreatedBy: alice},
		}, nil, []want{{5, "arrears", nil}, {6, "expiry", []int{15}}}, 1},
		{"duplicate entries refused", []Subscription{
			sub("slack", "C3", "all", "*"),
			sub("slack", "C3", "all", "*", 3),
		}, ErrDuplicate, []want{{5, "arrears", nil}, {6, "expiry", []int{15}}}, 0},
		{"invalid entry refused", []Subscription{
			sub("slack", "C3", "all", "*"),
			sub("slack", "C3", "sometimes", "*"),
		}, ErrNotFound, []want{{5, "arrears", nil}, {6, "expiry", []int{15}}}, 0},
		{"identical to a user one: both kept", []Subscription{
			sub("slack", "C1", "expiry", "*", 30, 7),
		}, nil, []want{{7, "expiry", []int{30, 7}}}, 1},
		{"none", nil, nil, nil, 1},
		{"none again", []Subscription{}, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.Advance(time.Minute)
			audits := auditCount(t, s)
			err := s.SyncConfigSubscriptions(ctx, tt.subs)
			switch {
			case tt.wantErr == ErrNotFound && err == nil:
				t.Error("SyncConfigSubscriptions succeeded")
			case tt.wantErr != nil && tt.wantErr != ErrNotFound && !errors.Is(err, tt.wantErr):
				t.Errorf("error %v, want %v", err, tt.wantErr)
			case tt.wantErr == nil && err != nil:
				t.Fatal(err)
			}
			cfg := configured(t, s)
			if !slices.EqualFunc(cfg, tt.want, func(a Subscription, w want) bool {
				return a.ID == w.id && a.Kind == w.kind && slices.Equal(a.Days, w.days) && a.FromConfig && a.CreatedBy == alice
			}) {
				t.Errorf("configured %+v, want %+v", cfg, tt.want)
			}
			if n := auditCount(t, s) - audits; n != tt.wantAudits {
				t.Errorf("%d audit entries written, want %d", n, tt.wantAudits)
			}
			if tt.wantAudits > 0 {
				if e := lastAudit(t, s); e.Command != "sync config subscriptions" || e.Platform != "system" || e.Result != "ok" {
					t.Errorf("audit %+v", e)
				}
			}
		})
	}

	// A user cannot add what config has, and config ones survive a reopen, as FromConfig.
	if err := s.SyncConfigSubscriptions(ctx, []Subscription{{Platform: "slack", Channel: "C5", Kind: "all", Scope: "*"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddSubscription(ctx, sub("slack", "C5", "all", "*")); !errors.Is(err, ErrDuplicate) {
		t.Errorf("user copy of a config subscription: %v, want ErrDuplicate", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{Now: clk.Now})
	cfg := configured(t, s)
	if len(cfg) != 1 || cfg[0].ID != 8 || cfg[0].CreatedBy != systemActor || !cfg[0].CreatedAt.Equal(clk.Now()) {
		t.Errorf("config after reopen %+v", cfg)
	}
}

func TestAlertSettingsContextCancelled(t *testing.T) {
	s, _, _ := newFakeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]func() error{
		"AddSubscription": func() error { _, err := s.AddSubscription(ctx, sub("slack", "C1", "all", "*")); return err },
		"Subscriptions":   func() error { _, err := s.Subscriptions(ctx, "", ""); return err },
		"RemoveSubscription": func() error {
			_, err := s.RemoveSubscription(ctx, 1, "slack", "C1", alice)
			return err
		},
		"SyncConfigSubscriptions": func() error { return s.SyncConfigSubscriptions(ctx, nil) },
		"Snooze": func() error {
			return s.Snooze(ctx, Snooze{Platform: "slack", Channel: "C1", Target: "r", Until: t0.Add(time.Hour)})
		},
		"Unsnooze":      func() error { _, err := s.Unsnooze(ctx, "slack", "C1", "r", alice); return err },
		"Snoozes":       func() error { _, err := s.Snoozes(ctx, "", ""); return err },
		"SetQuietHours": func() error { return s.SetQuietHours(ctx, "slack", "C1", nil, alice) },
		"QuietHours":    func() error { _, err := s.QuietHours(ctx, "slack", "C1"); return err },
		"Ledger":        func() error { _, err := s.Ledger(ctx, []string{"k"}); return err },
		"LedgerPrefix":  func() error { _, err := s.LedgerPrefix(ctx, ""); return err },
		"CommitAlerts":  func() error { return s.CommitAlerts(ctx, nil, []string{"k"}, nil) },
	}
	for name, call := range calls {
		if err := call(); !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "store: ") {
			t.Errorf("%s: %v, want a wrapped context.Canceled", name, err)
		}
	}
}
