package bss

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// calledOperations reads the package's source and returns the operation names its calls use:
// the op of every request and checker literal, and every constant named Op… or op…, which is
// how an operation passed along in a variable (transfer's op) is named.
func calledOperations(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	consts := map[string]string{}
	var parsed []*ast.File
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, id := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[id.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	found := map[string]string{} // name → where
	for name, v := range consts {
		if strings.HasPrefix(name, "Op") || strings.HasPrefix(name, "op") {
			found[v] = "const " + name
		}
	}
	for _, f := range parsed {
		ast.Inspect(f, func(n ast.Node) bool {
			cl, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			typ, ok := cl.Type.(*ast.Ident)
			if !ok || typ.Name != "request" && typ.Name != "checker" {
				return true
			}
			for _, e := range cl.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				if key, ok := kv.Key.(*ast.Ident); !ok || key.Name != "op" {
					continue
				}
				where := fset.Position(kv.Pos()).String()
				switch v := kv.Value.(type) {
				case *ast.BasicLit:
					s, _ := strconv.Unquote(v.Value)
					found[s] = where
				case *ast.Ident:
					if s, ok := consts[v.Name]; ok {
						found[s] = where
					} else if v.Name != "op" { // a parameter, named by the caller's constant
						t.Errorf("%s: op %s is neither a string nor a constant", where, v.Name)
					}
				default:
					t.Errorf("%s: op is neither a string nor a constant", where)
				}
			}
			return true
		})
	}
	return found
}

// TestEveryCallIsInTheTable: every operation the client can call has its entry in
// operationTable — so that its budget can be set (Operations, bss.rate_per_operation) and it
// gets its documented rate — and every entry is an operation the client calls.
func TestEveryCallIsInTheTable(t *testing.T) {
	called := calledOperations(t)
	if len(called) < 20 {
		t.Fatalf("found only %d operations in the source: %v", len(called), called)
	}
	for op, where := range called {
		if _, ok := operationTable[op]; !ok {
			t.Errorf("%s (%s) is not in operationTable", op, where)
		}
	}
	for op := range operationTable {
		if _, ok := called[op]; !ok {
			t.Errorf("operationTable lists %s, which the client never calls", op)
		}
	}
	// Every one of them is accepted as a budget's name.
	perOp := map[string]float64{}
	for _, op := range Operations() {
		perOp[op] = 3
	}
	rates, err := OperationRates(0, perOp)
	if err != nil {
		t.Fatal(err)
	}
	if len(rates) != len(called) {
		t.Errorf("%d rates for %d operations", len(rates), len(called))
	}
	if _, err := New(Config{Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}, RatePerOperation: perOp}); err != nil {
		t.Errorf("New refuses a budget for every operation: %v", err)
	}
	if !slices.Contains(Operations(), OpListSubcustomerMonthlyBills) {
		t.Errorf("Operations() lacks %s", OpListSubcustomerMonthlyBills)
	}
}

// TestDocumentedRates: the budgets without configuration are the rates BSS documents
// (bss-api.md, "Corrections", "Flow control is per API").
func TestDocumentedRates(t *testing.T) {
	rates, err := OperationRates(0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for op, want := range map[string]float64{
		"ListSubCustomers": 10, "ListPayPerUseCustomerResources": 10, OpListCustomersBalancesDetail: 10,
		"ListCustomerOrders": 20, "ListRateOnPeriodDetail": 30, OpListSubcustomerMonthlyBills: 10,
	} {
		if rates[op] != want {
			t.Errorf("%s: %v a second, want %v", op, rates[op], want)
		}
	}
	if rates, _ := OperationRates(4, map[string]float64{"ListCustomerOrders": 7}); rates["ListRateOnPeriodDetail"] != 4 || rates["ListCustomerOrders"] != 7 {
		t.Errorf("OperationRates(4, …) = %v", rates)
	}
}

// TestCallOutsideTheTableIsRefused: a call whose operation has no entry is not sent.
func TestCallOutsideTheTableIsRefused(t *testing.T) {
	c, err := New(Config{Endpoint: "http://127.0.0.1:1", Credentials: Credentials{AccessKey: "AK", SecretKey: "SK"}, DomainID: "D"})
	if err != nil {
		t.Fatal(err)
	}
	err = c.do(context.Background(), request{op: "ListEverything", method: "GET", path: "/v2/everything"})
	if err == nil || !strings.Contains(err.Error(), "missing from operationTable") {
		t.Errorf("err = %v", err)
	}
}
