// Package docs_test keeps the two maps of the code honest: the floors of architecture.md and
// the folder table of the README's Layout section are read and compared with the tree and
// with what `go list` says each package imports.
package docs_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/partnerbot/partnerbot"

// pkg is one package of the module: its folder ("" for the root) and the module's packages it
// imports (folders too).
type pkg struct {
	dir     string
	imports []string
}

// packages lists the module's packages that have non-test Go files, with their imports.
func packages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "./...")
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		dir, ok := inModule(f[0])
		if !ok || dir == "deploy" || dir == "docs" { // test-only packages
			continue
		}
		p := pkg{dir: dir}
		for _, imp := range f[1:] {
			if d, ok := inModule(imp); ok {
				p.imports = append(p.imports, d)
			}
		}
		ps = append(ps, p)
	}
	if len(ps) < 10 {
		t.Fatalf("go list found %d packages:\n%s", len(ps), out)
	}
	return ps
}

func inModule(path string) (string, bool) {
	if path == module {
		return "", true
	}
	d, ok := strings.CutPrefix(path, module+"/")
	return d, ok
}

// floorRow is one row of architecture.md's table of floors.
type floorRow struct {
	floor    int
	prefixes []string // folders; "" is the root (main.go)
	allowed  []string // what the imports column names; nil: "everything below" (see except)
	except   []string // "everything below but X"
	line     string
}

var backticked = regexp.MustCompile("`([^`]+)`")

// folder turns a backticked name of the table into a folder prefix: `bot/<platform>/` and
// `internal/…` are bot and internal; `main.go` is the root.
func folder(name string) string {
	if name == "main.go" {
		return ""
	}
	name = strings.TrimSuffix(name, "…")
	name = strings.TrimSuffix(name, "<platform>/")
	return strings.TrimSuffix(name, "/")
}

func floors(t *testing.T) []floorRow {
	t.Helper()
	data, err := os.ReadFile("architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []floorRow
	for _, line := range strings.Split(string(data), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 {
			continue
		}
		n, _, ok := strings.Cut(strings.TrimSpace(cells[1]), ".")
		floor, err := strconv.Atoi(n)
		if !ok || err != nil {
			continue
		}
		r := floorRow{floor: floor, line: strings.TrimSpace(line)}
		for _, m := range backticked.FindAllStringSubmatch(cells[2], -1) {
			r.prefixes = append(r.prefixes, folder(m[1]))
		}
		imports := strings.TrimSpace(cells[4])
		switch {
		case strings.HasPrefix(imports, "everything below"):
			_, but, _ := strings.Cut(imports, " but ")
			for _, m := range backticked.FindAllStringSubmatch(but, -1) {
				r.except = append(r.except, folder(m[1]))
			}
		case imports == "one another", imports == "—":
			r.allowed = []string{}
		default:
			for _, m := range backticked.FindAllStringSubmatch(imports, -1) {
				r.allowed = append(r.allowed, folder(m[1]))
			}
		}
		rows = append(rows, r)
	}
	if len(rows) < 10 {
		t.Fatalf("architecture.md: %d rows of floors found", len(rows))
	}
	return rows
}

// under reports whether dir is prefix or inside it.
func under(dir, prefix string) bool {
	return prefix == "" && dir == "" || prefix != "" && (dir == prefix || strings.HasPrefix(dir, prefix+"/"))
}

// rowOf is the row naming dir by its longest prefix.
func rowOf(rows []floorRow, dir string) (floorRow, bool) {
	best, bestLen, found := floorRow{}, -1, false
	for _, r := range rows {
		for _, p := range r.prefixes {
			if under(dir, p) && len(p) > bestLen {
				best, bestLen, found = r, len(p), true
			}
		}
	}
	return best, found
}

// TestArchitectureFloors: every package has a floor in architecture.md, imports nothing on a
// higher floor, and imports only what its row's "imports" column names (besides its own row's
// folders; "one another" means the row's folders only).
func TestArchitectureFloors(t *testing.T) {
	rows := floors(t)
	for _, p := range packages(t) {
		r, ok := rowOf(rows, p.dir)
		if !ok {
			t.Errorf("package %q has no floor in architecture.md", p.dir)
			continue
		}
		for _, imp := range p.imports {
			ir, ok := rowOf(rows, imp)
			if !ok {
				continue // reported as a package of its own
			}
			if ir.floor > r.floor {
				t.Errorf("%q (floor %d) imports %q (floor %d), a floor above it", p.dir, r.floor, imp, ir.floor)
			}
			if slices.ContainsFunc(r.except, func(e string) bool { return under(imp, e) }) {
				t.Errorf("%q imports %q, which its row excludes:\n%s", p.dir, imp, r.line)
			}
			own := slices.ContainsFunc(r.prefixes, func(pre string) bool { return under(imp, pre) })
			if r.allowed != nil && !own && !slices.ContainsFunc(r.allowed, func(a string) bool { return under(imp, a) }) {
				t.Errorf("%q imports %q, which its row of architecture.md does not name:\n%s", p.dir, imp, r.line)
			}
		}
	}
}

// TestReadmeLayoutMatchesTheTree: the README's Layout table names every package (a row of its
// own, or by name in the row of its parent folder), and every folder it names exists.
func TestReadmeLayoutMatchesTheTree(t *testing.T) {
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, layout, ok := strings.Cut(string(data), "\n## Layout\n")
	if !ok {
		t.Fatal("README.md has no Layout section")
	}
	if i := strings.Index(layout, "\n## "); i >= 0 {
		layout = layout[:i]
	}
	type row struct{ folders, text string }
	var rows []row
	for _, line := range strings.Split(layout, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "folder" {
			continue
		}
		rows = append(rows, row{cells[1], cells[2]})
		for _, m := range backticked.FindAllStringSubmatch(cells[1], -1) {
			name := m[1]
			if name == "main.go" {
				continue
			}
			if fi, err := os.Stat(filepath.Join("..", name)); err != nil || !fi.IsDir() {
				t.Errorf("the README's Layout names %s, which is not a folder", name)
			}
		}
	}
	named := func(dir string) bool {
		for _, r := range rows {
			if strings.Contains(r.folders, "`"+dir+"/`") {
				return true
			}
			parent, base := filepath.Split(dir)
			if parent != "" && strings.Contains(r.folders, "`"+parent+"`") &&
				(strings.Contains(r.text, "`"+base+"`") || strings.Contains(r.text, "`"+base+"/`")) {
				return true
			}
		}
		return false
	}
	for _, p := range packages(t) {
		if p.dir != "" && !named(p.dir) {
			t.Errorf("the README's Layout does not name %s/", p.dir)
		}
	}
}
