package alerts_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestOneWriterOfTheExpiryIndex: outside package store, only alerts/index.go calls
// CommitExpiryIndex; every other package (commands, after an action) asks an *alerts.Index.
func TestOneWriterOfTheExpiryIndex(t *testing.T) {
	root := ".." // the module
	fset := token.NewFileSet()
	var writers []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(rel, "store/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "CommitExpiryIndex" {
					writers = append(writers, fset.Position(call.Pos()).String())
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(writers) != 1 || !strings.HasPrefix(filepath.ToSlash(writers[0]), "../alerts/index.go:") {
		t.Errorf("the expiry index is written at %v; want only Index.commit in alerts/index.go", writers)
	}
}
