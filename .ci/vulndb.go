//go:build ignore

// vulndb serves govulncheck without vuln.go.dev, which CI machines may not
// reach: "index" builds a file database (the v1 layout govulncheck's -db
// file:// reads) from the OSV entries of golang.org/x/vulndb, a module the
// Go module proxy serves; "report" reads govulncheck's -format json output
// and fails on every vulnerable symbol the code calls in a module we
// require. Calls into the standard library are printed as warnings: they
// are fixed by a newer Go, and this project builds with the machine's Go.
//
//	go run .ci/vulndb.go index OSV_DIR OUT_DIR
//	go run .ci/vulndb.go report FILE.json
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	var err error
	switch {
	case len(os.Args) == 4 && os.Args[1] == "index":
		err = index(os.Args[2], os.Args[3])
	case len(os.Args) == 3 && os.Args[1] == "report":
		err = report(os.Args[2])
	default:
		err = errors.New("usage: vulndb index OSV_DIR OUT_DIR | vulndb report FILE.json")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "vulndb:", err)
		os.Exit(1)
	}
}

type osvEntry struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases"`
	Affected []struct {
		Package struct {
			Name string `json:"name"`
		} `json:"package"`
	} `json:"affected"`
}

type moduleVuln struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
}

type moduleEntry struct {
	Path  string       `json:"path"`
	Vulns []moduleVuln `json:"vulns"`
}

type vulnEntry struct {
	ID       string   `json:"id"`
	Modified string   `json:"modified"`
	Aliases  []string `json:"aliases,omitempty"`
}

// index writes OUT/index/{db,modules,vulns}.json and OUT/ID/<id>.json.
// The module index only narrows which entries govulncheck reads; the
// affected ranges inside each entry decide, so no "fixed" hint is needed.
func index(osvDir, out string) error {
	files, err := filepath.Glob(filepath.Join(osvDir, "*.json"))
	if err != nil || len(files) == 0 {
		return fmt.Errorf("no OSV entries in %s", osvDir)
	}
	if err := os.MkdirAll(filepath.Join(out, "ID"), 0o755); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "index"), 0o755); err != nil {
		return err
	}
	byModule := map[string][]moduleVuln{}
	var vulns []vulnEntry
	latest := ""
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		var e osvEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			return fmt.Errorf("%s: %w", f, err)
		}
		if err := os.WriteFile(filepath.Join(out, "ID", e.ID+".json"), raw, 0o644); err != nil {
			return err
		}
		vulns = append(vulns, vulnEntry{e.ID, e.Modified, e.Aliases})
		latest = max(latest, e.Modified)
		seen := map[string]bool{}
		for _, a := range e.Affected {
			if p := a.Package.Name; p != "" && !seen[p] {
				seen[p] = true
				byModule[p] = append(byModule[p], moduleVuln{e.ID, e.Modified})
			}
		}
	}
	var modules []moduleEntry
	for p, v := range byModule {
		modules = append(modules, moduleEntry{p, v})
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].Path < modules[j].Path })
	for name, v := range map[string]any{"db.json": map[string]string{"modified": latest}, "modules.json": modules, "vulns.json": vulns} {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(out, "index", name), b, 0o644); err != nil {
			return err
		}
	}
	fmt.Printf("vulndb: %d entries for %d modules in %s\n", len(vulns), len(modules), out)
	return nil
}

type frame struct {
	Module   string `json:"module"`
	Version  string `json:"version"`
	Package  string `json:"package"`
	Function string `json:"function"`
	Receiver string `json:"receiver"`
	Position *struct {
		Filename string `json:"filename"`
		Line     int    `json:"line"`
	} `json:"position"`
}

type message struct {
	Config *struct {
		GoVersion string `json:"go_version"`
		DB        string `json:"db"`
	} `json:"config"`
	Finding *struct {
		OSV          string  `json:"osv"`
		FixedVersion string  `json:"fixed_version"`
		Trace        []frame `json:"trace"`
	} `json:"finding"`
}

// report reads govulncheck's JSON stream. A finding whose first frame
// names a function is a vulnerable symbol our code reaches; the others
// (imported or required only) are not reported, as govulncheck's own
// text output does.
func report(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	called := map[string]string{} // "module osv" -> line
	goVersion := ""
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read %s: %w", path, err)
		}
		if m.Config != nil {
			goVersion = m.Config.GoVersion
		}
		if m.Finding == nil || len(m.Finding.Trace) == 0 || m.Finding.Trace[0].Function == "" {
			continue
		}
		vuln, where := m.Finding.Trace[0], ""
		for _, fr := range m.Finding.Trace[1:] { // the first frame of ours: where the call leaves our code
			if fr.Module != vuln.Module && fr.Position != nil {
				where = fmt.Sprintf(" called from %s:%d", relative(fr.Position.Filename), fr.Position.Line)
				break
			}
		}
		called[vuln.Module+" "+m.Finding.OSV] = fmt.Sprintf("%s %s@%s (fixed in %s): %s.%s%s",
			m.Finding.OSV, vuln.Package, vuln.Version, orNone(m.Finding.FixedVersion), vuln.Package, vuln.Function, where)
	}
	keys := make([]string, 0, len(called))
	for k := range called {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	failed := 0
	for _, k := range keys {
		if strings.HasPrefix(k, "stdlib ") || strings.HasPrefix(k, "toolchain ") {
			fmt.Printf("govulncheck: WARNING standard library of %s: %s\n", goVersion, called[k])
			continue
		}
		fmt.Printf("govulncheck: FAIL %s\n", called[k])
		failed++
	}
	fmt.Printf("govulncheck: %d vulnerable symbols called in required modules, %d in the standard library of %s\n",
		failed, len(keys)-failed, goVersion)
	if failed > 0 {
		return fmt.Errorf("%d vulnerabilities in required modules are reachable: upgrade them (go get module@fixed)", failed)
	}
	return nil
}

func relative(p string) string {
	if wd, err := os.Getwd(); err == nil {
		if r, err := filepath.Rel(wd, p); err == nil && !strings.HasPrefix(r, "..") {
			return r
		}
	}
	return p
}

func orNone(s string) string {
	if s == "" {
		return "no release yet"
	}
	return s
}
