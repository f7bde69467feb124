package lang

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dynamicPrefixes are catalogue keys built at run time from a value ("role." + name, ...).
var dynamicPrefixes = []string{"role.", "state.", "action.", "alert.", "sub.kind.", "scan.found.", "err.parse.", "res.status.", "policy.", "ostatus.", "otype.", "acct.", "assoc.", "verified.", "frozen.", "period.", "sum.", "opt.", "quota.limit.", "quota.status.", "arg.", "audit.res."}

// TestCatalogue checks that every key the code uses exists in both languages with the same
// format verbs, and that no key is dead.
func TestCatalogue(t *testing.T) {
	verbs := regexp.MustCompile(`%[-+# 0]*[0-9]*[vsdqxXfge]`)
	for key := range alertCatalogue {
		if _, dup := catalogue[key]; dup {
			t.Errorf("%s is in both catalogue.go and alerts.go", key)
		}
	}
	for key, m := range messages {
		if strings.TrimSpace(m.zh) == "" || strings.TrimSpace(m.en) == "" {
			t.Errorf("%s: a language is missing", key)
		}
		if a, b := verbs.FindAllString(m.zh, -1), verbs.FindAllString(m.en, -1); strings.Join(a, "") != strings.Join(b, "") {
			t.Errorf("%s: zh verbs %v, en verbs %v", key, a, b)
		}
	}
	// The keys are used by this package's formatting, the commands, the report's picture, the alerts package's
	// digests and the notice telling admins of a parked one (bot/dispatch.go).
	var files []string
	for _, pattern := range []string{"*.go", "../commands/*.go", "../alerts/*.go", "../bot/dispatch.go", "../report/*.go"} {
		matched, err := filepath.Glob(pattern)
		if err != nil || len(matched) == 0 {
			t.Fatalf("no files match %s (%v)", pattern, err)
		}
		files = append(files, matched...)
	}
	used := regexp.MustCompile(`(?:T|fail)\("([a-z0-9_.]+)"`)
	literal := regexp.MustCompile(`"((?:err|help|sum|opt|lbl|customer|balance|resources|expiring|arrears|orders|order|price|lang|audit|btn|yes|no|act|pending)[a-z0-9_.]*)"`)
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllStringSubmatch(string(src), -1) {
			seen[m[1]] = true
			if strings.HasSuffix(m[1], ".") {
				continue // a dynamic prefix
			}
			if _, ok := messages[m[1]]; !ok {
				t.Errorf("%s uses %q, which is not in the catalogue", f, m[1])
			}
		}
		if f != "catalogue.go" && f != "alerts.go" { // the catalogue itself
			for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
				seen[m[1]] = true
			}
		}
	}
next:
	for key := range messages {
		if seen[key] {
			continue
		}
		for _, p := range dynamicPrefixes {
			if strings.HasPrefix(key, p) {
				continue next
			}
		}
		t.Errorf("catalogue key %q is never used", key)
	}
}

func TestParseLang(t *testing.T) {
	for in, want := range map[string]Lang{"zh": Zh, "zh-CN": Zh, "zh_CN": Zh, "中文": Zh, "EN": En, "en-US": En, "english": En} {
		if got, ok := ParseLang(in); !ok || got != want {
			t.Errorf("ParseLang(%q) = %v %v", in, got, ok)
		}
	}
	if _, ok := ParseLang("fr"); ok {
		t.Error("fr accepted")
	}
	if got := En.T("no.such.key"); got != "no.such.key" {
		t.Errorf("missing key shows %q", got)
	}
}

func TestPlural(t *testing.T) {
	tests := []struct {
		key  string
		args []any
		want string
	}{
		{"arrears.total", []any{1, "CNY 5.00"}, "1 customer in arrears, CNY 5.00 in all."},
		{"arrears.total", []any{2, "CNY 5.00"}, "2 customers in arrears, CNY 5.00 in all."},
		{"arrears.total", []any{0, "CNY 0.00"}, "0 customers in arrears, CNY 0.00 in all."},
		{"act.filed", []any{7, 1, "tomorrow"}, "Request #7 filed; it needs 1 approval and is valid until tomorrow."},
		{"act.filed", []any{1, 2, "tomorrow"}, "Request #1 filed; it needs 2 approvals and is valid until tomorrow."},
		{"alert.expiry.intro", []any{1, 1}, "1 needs renewing; 1 has auto-renew on (renewed if the balance suffices)."},
		{"alert.expiry.intro", []any{2, 3}, "2 need renewing; 3 have auto-renew on (renewed if the balance suffices)."},
		{"progress.working", []any{"1", "1"}, "working: 1 / 1 customer"},
		{"sub.days", []any{"30,7,1"}, "30,7,1 days ahead"},
		{"period.2", []any{1}, "1 month"},
		{"period.3", []any{3}, "3 years"},
		// Data is never read as a mark.
		{"customer.title", []any{"ACME [s] Ltd"}, "Customer: ACME [s] Ltd"},
	}
	for _, tt := range tests {
		if got := En.T(tt.key, tt.args...); got != tt.want {
			t.Errorf("En.T(%s, %v) = %q, want %q", tt.key, tt.args, got, tt.want)
		}
		if got := Zh.T(tt.key, tt.args...); strings.ContainsAny(got, "[]") && !strings.Contains(got, "[s]") {
			t.Errorf("Zh.T(%s) = %q holds a mark", tt.key, got)
		}
	}
}
