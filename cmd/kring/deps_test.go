package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// listedPackage is the part of `go list -json` output the rules need.
// Imports are the package's own (non-test) imports; Deps are everything
// they pull in, transitively.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// TestImportRules enforces which package may import which (GUIDE.md §1).
func TestImportRules(t *testing.T) {
	t.Parallel()
	// -e: a package that does not compile right now still lists its imports.
	out, err := exec.Command("go", "list", "-e", "-json=ImportPath,Imports,Deps", "kring/...").Output()
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			t.Fatalf("go list: %v\n%s", err, exit.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	pkgs := map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs[p.ImportPath] = p
	}

	goAP := func(dep string) bool { return strings.HasPrefix(dep, "github.com/go-ap/") }
	rules := []struct {
		pkg    string
		direct bool // check only the package's own imports, not its dependencies'
		never  []string
		match  func(string) bool // a further forbidden family
	}{
		{pkg: "kring/content", never: []string{"kring/storage", "kring/federation", "kring/web", "database/sql", "net/http"}, match: goAP},
		{pkg: "kring/storage", never: []string{"kring/federation", "kring/web", "net/http"}, match: goAP},
		{pkg: "kring/federation", never: []string{"kring/web", "html/template"}},
		// storage uses database/sql, so web reaches it through storage; web
		// itself must not import it.
		{pkg: "kring/web", direct: true, never: []string{"database/sql"}},
	}
	for _, rule := range rules {
		t.Run(rule.pkg, func(t *testing.T) {
			p, ok := pkgs[rule.pkg]
			if !ok {
				t.Fatalf("go list did not list %s", rule.pkg)
			}
			deps := p.Deps
			if rule.direct {
				deps = p.Imports
			}
			for _, dep := range deps {
				if slices.Contains(rule.never, dep) || (rule.match != nil && rule.match(dep)) {
					t.Errorf("%s imports %s (directly or through a dependency); it must not", rule.pkg, dep)
				}
			}
		})
	}

	t.Run("test helpers", func(t *testing.T) {
		for path, p := range pkgs {
			if isTestHelper(path) {
				continue
			}
			for _, imp := range p.Imports {
				if isTestHelper(imp) {
					t.Errorf("%s imports the test helper %s; only tests may", path, imp)
				}
			}
		}
	})
}

// isTestHelper reports whether a package is a test helper by its name:
// storagetest, fedtest, net/http/httptest.
func isTestHelper(path string) bool {
	return strings.HasSuffix(path[strings.LastIndex(path, "/")+1:], "test")
}
