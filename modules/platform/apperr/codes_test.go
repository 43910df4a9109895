package apperr_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kontorhq/kontor/modules/platform/apperr"
)

// The list of codes is closed: every constant of type Code is described in
// Codes (and so published in the OpenAPI document), and no code is made up
// elsewhere as a string literal, where a typo would pass unnoticed.
func TestEveryCodeIsListed(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "codes.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				lit, ok := v.Values[i].(*ast.BasicLit)
				if !ok {
					t.Fatalf("%s: a code's value is a string literal", n.Name)
				}
				code, _ := strconv.Unquote(lit.Value)
				if declared[code] {
					t.Errorf("code %q is declared twice", code)
				}
				declared[code] = true
				if apperr.Codes[apperr.Code(code)] == "" {
					t.Errorf("%s (%q) is not described in Codes", n.Name, code)
				}
			}
		}
	}
	if len(declared) != len(apperr.Codes) {
		t.Errorf("Codes has %d entries, codes.go declares %d constants", len(apperr.Codes), len(declared))
	}
}

func TestNoCodeIsASpelledOutString(t *testing.T) {
	root, err := filepath.Abs("../../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("the repository root is not at %s: %v", root, err)
	}
	fset := token.NewFileSet()
	found := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			var arg ast.Expr
			switch n := n.(type) {
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "WithCode" && len(n.Args) == 1 {
					arg = n.Args[0]
					found++
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "Code" {
					arg = n.Value
				}
			}
			if lit, ok := arg.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d: the code %s is spelled out; use its constant from modules/platform/apperr/codes.go",
					rel, fset.Position(lit.Pos()).Line, lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 50 {
		t.Fatalf("found only %d WithCode calls: is the walk reading the tree?", found)
	}
}
