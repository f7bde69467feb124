package commands

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/partnerbot/partnerbot/cmdline"
	"github.com/partnerbot/partnerbot/lang"
)

func TestParseErrorReasonsHaveMessages(t *testing.T) {
	// The router shows "err.parse."+Reason; every reason Parse produces must be in the catalogue.
	texts := []string{"/", `/x "a`, "/x --=1", "/x " + strings.Repeat("a", 5000), "/x" + strings.Repeat(" a", 65)}
	for _, text := range texts {
		_, _, err := cmdline.Parse(text, "")
		var pe *cmdline.ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("Parse(%.20q) err = %v, want a ParseError", text, err)
		}
		if !slices.Contains(cmdline.Reasons(), pe.Reason) {
			t.Errorf("reason %q is not one of cmdline.Reasons()", pe.Reason)
		}
	}
	for _, reason := range cmdline.Reasons() {
		if !lang.Zh.Has("err.parse."+reason) || !lang.En.Has("err.parse."+reason) {
			t.Errorf("no catalogue entry err.parse.%s", reason)
		}
	}
}
