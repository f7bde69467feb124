package commands_test

import (
	"os"
	"strings"
	"testing"
)

// TestReadmeAgreesWithHelp: the README's command table and /help come from the same words:
// each registered command has a row whose usage (arguments, options, periods) is /help's and
// whose alias is /help's first alias.
func TestReadmeAgreesWithHelp(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][2]string{} // command name → usage cell, alias cell
	for _, line := range strings.Split(string(b), "\n") {
		if !strings.HasPrefix(line, "| `/") {
			continue
		}
		cells := strings.Split(strings.ReplaceAll(line, `\|`, "\x00"), " | ")
		if len(cells) < 2 {
			continue
		}
		usage := strings.ReplaceAll(strings.Trim(strings.TrimPrefix(cells[0], "| "), "`"), "\x00", "|")
		name, _, _ := strings.Cut(strings.TrimPrefix(usage, "/"), " ")
		rows[name] = [2]string{usage, strings.Trim(cells[1], "`")}
	}
	e := newEnv(t, nil)
	for _, c := range e.Router.Commands() {
		row, ok := rows[c.Name]
		if !ok {
			t.Errorf("README's command table has no row for /%s", c.Name)
			continue
		}
		want := "/" + c.Name
		if c.Args != "" {
			want += " " + c.Args
		}
		if row[0] != want {
			t.Errorf("README says %q, /help %q", row[0], want)
		}
		if len(c.Aliases) > 0 && row[1] != "/"+c.Aliases[0] {
			t.Errorf("README gives /%s the alias %q, /help %q", c.Name, row[1], "/"+c.Aliases[0])
		}
	}
}
