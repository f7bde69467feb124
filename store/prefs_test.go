package store

import (
	"context"
	"testing"

	bolt "go.etcd.io/bbolt"
)

func TestPrefs(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)

	steps := []struct {
		name string
		user string
		set  *Prefs // nil: only read
		want Prefs
	}{
		{"none stored", "slack:U1", nil, Prefs{}},
		{"set", "slack:U1", &Prefs{Lang: "en"}, Prefs{Lang: "en"}},
		{"other user unaffected", "telegram:U1", nil, Prefs{}},
		{"replace", "slack:U1", &Prefs{Lang: "zh-CN", TimeZone: "Asia/Shanghai"}, Prefs{Lang: "zh-CN", TimeZone: "Asia/Shanghai"}},
		{"id with colons", "wecom:corp:user", &Prefs{TimeZone: "UTC"}, Prefs{TimeZone: "UTC"}},
		{"zero clears", "slack:U1", &Prefs{}, Prefs{}},
	}
	for _, st := range steps {
		if st.set != nil {
			if err := s.SetPrefs(ctx, st.user, *st.set); err != nil {
				t.Fatalf("%s: SetPrefs: %v", st.name, err)
			}
		}
		got, err := s.Prefs(ctx, st.user)
		if err != nil {
			t.Fatalf("%s: Prefs: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: Prefs(%q) = %+v, want %+v", st.name, st.user, got, st.want)
		}
	}

	// Zero Prefs deletes the record rather than storing "{}".
	if err := s.View(ctx, func(tx *bolt.Tx) error {
		if v := tx.Bucket(bucketPrefs).Get([]byte("slack:U1")); v != nil {
			t.Errorf("cleared prefs still stored as %q", v)
		}
		if v := string(tx.Bucket(bucketPrefs).Get([]byte("wecom:corp:user"))); v != `{"tz":"UTC"}` {
			t.Errorf("stored value = %q, want JSON {\"tz\":\"UTC\"}", v)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestPrefsBadUserKey(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	for _, user := range []string{"", "U1", ":U1", "slack:"} {
		t.Run(user, func(t *testing.T) {
			if err := s.SetPrefs(ctx, user, Prefs{Lang: "en"}); err == nil {
				t.Error("SetPrefs accepted the key")
			}
			if _, err := s.Prefs(ctx, user); err == nil {
				t.Error("Prefs accepted the key")
			}
		})
	}
}

// TestNoticeLang: a channel's own language first, then the addressed person's, then none; a
// channel's preferences never mix with a user's of the same id.
func TestNoticeLang(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.SetPrefs(ctx, "slack:U1", Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChannelPrefs(ctx, "slack", "CZH", Prefs{Lang: "zh"}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetChannelPrefs(ctx, "slack", "", Prefs{Lang: "zh"}); err == nil {
		t.Error("a channel without a name was accepted")
	}
	tests := []struct{ channel, user, want string }{
		{"", "U1", "en"},
		{"CZH", "U1", "zh"},
		{"COTHER", "U1", "en"},
		{"COTHER", "", ""},
		{"", "U2", ""},
		{"U1", "", ""}, // a channel named like a user is not that user
	}
	for _, tt := range tests {
		got, err := s.NoticeLang(ctx, "slack", tt.channel, tt.user)
		if err != nil || got != tt.want {
			t.Errorf("NoticeLang(slack, %q, %q) = %q, %v; want %q", tt.channel, tt.user, got, err, tt.want)
		}
	}
	if err := s.SetChannelPrefs(ctx, "slack", "CZH", Prefs{}); err != nil {
		t.Fatal(err)
	}
	if p, err := s.ChannelPrefs(ctx, "slack", "CZH"); err != nil || p != (Prefs{}) {
		t.Errorf("cleared channel prefs: %+v, %v", p, err)
	}
}

// TestRememberName: a display name is kept beside the other preferences, the same name again
// writes nothing, and Names lists them.
func TestRememberName(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.SetPrefs(ctx, "telegram:1001", Prefs{Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Alice Li (@alice)", "  Alice Li (@alice) ", ""} {
		if err := s.RememberName(ctx, "telegram:1001", name); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RememberName(ctx, "wecom:bob", "bob"); err != nil {
		t.Fatal(err)
	}
	p, err := s.Prefs(ctx, "telegram:1001")
	if err != nil || p != (Prefs{Lang: "en", Name: "Alice Li (@alice)"}) {
		t.Errorf("prefs = %+v, %v", p, err)
	}
	names, err := s.Names(ctx)
	if err != nil || len(names) != 2 || names["telegram:1001"] != "Alice Li (@alice)" || names["wecom:bob"] != "bob" {
		t.Errorf("names = %v, %v", names, err)
	}
	if err := s.RememberName(ctx, "nobody", "x"); err == nil {
		t.Error("a key without a platform was taken")
	}
}
