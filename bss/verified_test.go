package bss

import "testing"

func TestCustomerVerified(t *testing.T) {
	for _, tc := range []struct {
		status               string
		verified, unverified bool
	}{
		{"2", true, false},
		{"-1", false, true},
		{"0", false, true},
		{"1", false, true},
		{"3", false, true},
		{"", false, false}, // real-name checks off: nothing known
	} {
		c := Customer{VerifiedStatus: tc.status}
		if c.IsVerified() != tc.verified || c.Unverified() != tc.unverified {
			t.Errorf("verified_status %q: IsVerified %v, Unverified %v", tc.status, c.IsVerified(), c.Unverified())
		}
	}
}
