package store

import (
	"context"
	"testing"
)

func TestQuietHours(t *testing.T) {
	ctx := context.Background()
	s, _, path := newFakeStore(t)
	// Another channel's setting must never show through.
	if err := s.SetQuietHours(ctx, "slack", "C2", &QuietHours{Start: "12:00", End: "13:30"}, bob); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		set       *QuietHours
		wantErr   bool
		want      *QuietHours // after the call
		wantAudit string      // "" = no audit entry
	}{
		{"clear when none", nil, false, nil, ""},
		{"over midnight", &QuietHours{Start: "22:00", End: "08:00"}, false, &QuietHours{"22:00", "08:00"}, "quiet 22:00-08:00"},
		{"replace, normalized", &QuietHours{Start: "9:05", End: "17:00"}, false, &QuietHours{"09:05", "17:00"}, "quiet 09:05-17:00"},
		{"start = end", &QuietHours{Start: "08:00", End: "8:00"}, true, &QuietHours{"09:05", "17:00"}, ""},
		{"hour 24", &QuietHours{Start: "24:00", End: "08:00"}, true, &QuietHours{"09:05", "17:00"}, ""},
		{"minutes 60", &QuietHours{Start: "22:00", End: "08:60"}, true, &QuietHours{"09:05", "17:00"}, ""},
		{"no minutes", &QuietHours{Start: "22", End: "08:00"}, true, &QuietHours{"09:05", "17:00"}, ""},
		{"empty", &QuietHours{}, true, &QuietHours{"09:05", "17:00"}, ""},
		{"clear", nil, false, nil, "quiet off"},
		{"clear again", nil, false, nil, ""},
		{"set again", &QuietHours{Start: "23:30", End: "06:45"}, false, &QuietHours{"23:30", "06:45"}, "quiet 23:30-06:45"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			audits := auditCount(t, s)
			err := s.SetQuietHours(ctx, "slack", "C1", tt.set, alice)
			if (err != nil) != tt.wantErr {
				t.Errorf("SetQuietHours(%+v) = %v, want error %t", tt.set, err, tt.wantErr)
			}
			got, err := s.QuietHours(ctx, "slack", "C1")
			if err != nil {
				t.Fatal(err)
			}
			if (got == nil) != (tt.want == nil) || (got != nil && *got != *tt.want) {
				t.Errorf("QuietHours = %+v, want %+v", got, tt.want)
			}
			n := auditCount(t, s) - audits
			switch {
			case tt.wantAudit == "" && n != 0:
				t.Errorf("%d audit entries written, want none", n)
			case tt.wantAudit != "":
				if e := lastAudit(t, s); n != 1 || e.Command != tt.wantAudit || e.UserID != alice.UserID || e.Detail != "channel slack:C1" || e.Result != "ok" {
					t.Errorf("%d audit entries, last %+v; want %q", n, e, tt.wantAudit)
				}
			}
		})
	}

	for _, pc := range [][2]string{{"", "C1"}, {"slack", ""}, {"sl:ack", "C1"}} {
		if _, err := s.QuietHours(ctx, pc[0], pc[1]); err == nil {
			t.Errorf("QuietHours(%q, %q) succeeded", pc[0], pc[1])
		}
		if err := s.SetQuietHours(ctx, pc[0], pc[1], &QuietHours{"22:00", "08:00"}, alice); err == nil {
			t.Errorf("SetQuietHours(%q, %q) succeeded", pc[0], pc[1])
		}
	}
	if got, err := s.QuietHours(ctx, "telegram", "C1"); got != nil || err != nil {
		t.Errorf("QuietHours of a channel without = %+v, %v", got, err)
	}

	// They survive a reopen.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openStore(t, path, Options{})
	for _, tt := range []struct {
		channel string
		want    QuietHours
	}{{"C1", QuietHours{"23:30", "06:45"}}, {"C2", QuietHours{"12:00", "13:30"}}} {
		if got, err := s.QuietHours(ctx, "slack", tt.channel); err != nil || got == nil || *got != tt.want {
			t.Errorf("after reopen QuietHours(slack, %s) = %+v, %v; want %+v", tt.channel, got, err, tt.want)
		}
	}
}
