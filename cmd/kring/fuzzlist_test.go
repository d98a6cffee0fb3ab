package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// fuzzTargetLine is one entry of TARGETS in .ci/fuzz: "./pkg FuzzName".
var fuzzTargetLine = regexp.MustCompile(`(?m)^\s*"(\./[^" ]+) (Fuzz[A-Za-z0-9_]*)"\s*$`)

// TestFuzzTargetsListed checks that .ci/fuzz (make fuzz, and the brief
// run in make test) runs every fuzz target in the tree, in the package
// that has it, and nothing that no longer exists: a new target cannot be
// forgotten.
func TestFuzzTargetsListed(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	script, err := os.ReadFile(filepath.Join(root, ".ci", "fuzz"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range fuzzTargetLine.FindAllStringSubmatch(string(script), -1) {
		listed = append(listed, m[1]+" "+m[2])
	}
	found := fuzzTargets(t, root)
	if len(found) == 0 {
		t.Fatal("found no fuzz targets in the tree; the walk is broken")
	}
	for _, f := range found {
		if !slices.Contains(listed, f) {
			t.Errorf("fuzz target %q is not in .ci/fuzz's TARGETS: add the line \"%s\"", f, f)
		}
	}
	for _, l := range listed {
		if !slices.Contains(found, l) {
			t.Errorf(".ci/fuzz lists %q, which is not a fuzz target of that package", l)
		}
	}
}

// fuzzTargets lists "./pkg FuzzName" for every func FuzzName(*testing.F)
// in the module's test files.
func fuzzTargets(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, filepath.Dir(path))
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			if fn, ok := decl.(*ast.FuncDecl); ok && isFuzzTarget(fn) {
				out = append(out, "./"+filepath.ToSlash(rel)+" "+fn.Name.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// isFuzzTarget reports whether fn is what go test -fuzz runs: a
// function FuzzXxx(f *testing.F).
func isFuzzTarget(fn *ast.FuncDecl) bool {
	if fn.Recv != nil || !strings.HasPrefix(fn.Name.Name, "Fuzz") || len(fn.Type.Params.List) != 1 {
		return false
	}
	star, ok := fn.Type.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && sel.Sel.Name == "F"
}
