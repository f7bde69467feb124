package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestFlagsParse: every subcommand's flags say a mistake the same way: a bad flag as the flag
// package does, one argument too many by name (with the usage when there is a synopsis), too
// few or an empty one with the usage; -h is a usage exit too.
func TestFlagsParse(t *testing.T) {
	for _, tt := range []struct {
		name     string
		synopsis string
		args     []string
		lo, hi   int
		ok       bool
		stderr   []string
		absent   []string
	}{
		{name: "none wanted", args: []string{"-config", "x.yaml"}, ok: true},
		{name: "one wanted", synopsis: "partnerbot t FILE", args: []string{"out"}, lo: 1, hi: 1, ok: true},
		{name: "any number", synopsis: "partnerbot t CMD", args: []string{"/a", "b", "c"}, lo: 1, hi: -1, ok: true},
		{name: "extra, no synopsis", args: []string{"extra"}, stderr: []string{`partnerbot t: unexpected argument "extra"`}, absent: []string{"usage:"}},
		{name: "extra, synopsis", synopsis: "partnerbot t FILE", args: []string{"a", "b"}, lo: 1, hi: 1,
			stderr: []string{`partnerbot t: unexpected argument "b"`, "usage: partnerbot t FILE", "-config"}},
		{name: "missing", synopsis: "partnerbot t FILE", lo: 1, hi: 1, stderr: []string{"usage: partnerbot t FILE"}},
		{name: "empty", synopsis: "partnerbot t FILE", args: []string{""}, lo: 1, hi: 1, stderr: []string{"usage: partnerbot t FILE"}},
		{name: "bad flag", synopsis: "partnerbot t", args: []string{"-bogus"}, stderr: []string{"-bogus", "usage: partnerbot t"}},
		{name: "help", synopsis: "partnerbot t", args: []string{"-h"}, stderr: []string{"usage: partnerbot t"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			fs := newFlags("partnerbot t", tt.synopsis, &stderr)
			fs.String("config", "", "configuration file")
			if got := fs.parse(tt.args, tt.lo, tt.hi); got != tt.ok {
				t.Errorf("parse(%q) = %v, want %v; stderr:\n%s", tt.args, got, tt.ok, stderr.String())
			}
			if tt.ok && stderr.Len() > 0 {
				t.Errorf("stderr on success:\n%s", stderr.String())
			}
			for _, w := range tt.stderr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(stderr.String(), a) {
					t.Errorf("stderr has %q:\n%s", a, stderr.String())
				}
			}
		})
	}
}
