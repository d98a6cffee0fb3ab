// Package browsertest drives Debian's Chromium headless with chromedp and
// checks pages with axe-core, for tests of the web pages. `make test`
// installs both (.ci/testdeps); a missing one fails the test with what to
// install, never a silent skip. Only tests import this package.
package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

// AxeVersion is the axe-core release .ci/testdeps installs.
const AxeVersion = "4.14.1"

// Browser is one headless Chromium with one tab, closed when the test ends.
type Browser struct {
	t   testing.TB
	ctx context.Context
}

// New starts Chromium for the test. It fails the test, with the fix, when
// Chromium is not installed.
func New(t testing.TB) *Browser {
	t.Helper()
	execPath := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(execPath),
		chromedp.NoSandbox, // tests run as root in CI, where the sandbox refuses to start
		chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()),
		// The machine has no network: keep Chromium from dialling out.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-proxy-server", true),
		chromedp.Flag("lang", "nl-NL"),
		chromedp.Flag("accept-lang", "nl-NL,nl"),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithLogf(func(string, ...any) {}))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// The first Run starts the browser; it must not carry a timeout.
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium %s: %v", execPath, err)
	}
	// axe-core is injected through the DevTools protocol; let it past the
	// pages' strict CSP without weakening the CSP itself.
	if _, err := chromedp.Run(ctx, chromedp.Action[cdp.Empty](func(ctx context.Context, tg *chromedp.Target) (cdp.Empty, error) {
		return cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
	})); err != nil {
		t.Fatalf("bypass CSP for axe: %v", err)
	}
	return &Browser{t: t, ctx: ctx}
}

// Do runs actions in the tab with a time limit, failing the test on error.
func (b *Browser) Do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// Context is the tab's context, for chromedp.Run with typed results.
func (b *Browser) Context() context.Context { return b.ctx }

// Text returns the visible text of the first element matching a CSS selector.
func (b *Browser) Text(selector string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(selector)))
	if err != nil {
		b.t.Fatalf("text of %s: %v", selector, err)
	}
	return s
}

// Eval evaluates a JavaScript expression and decodes its JSON value into T.
func Eval[T any](b *Browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("eval %q: %v", expr, err)
	}
	return v
}

// Violation is one axe-core finding.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	HelpURL string   `json:"helpUrl"`
	Tags    []string `json:"tags"`
	Nodes   []struct {
		Target         []any  `json:"target"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// WCAGTags are the axe-core rule tags of WCAG 2.1 levels A and AA.
var WCAGTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Axe runs axe-core on the page now shown and fails the test for every
// WCAG 2.1 A or AA violation, naming the rule and the elements.
func (b *Browser) Axe(name string) {
	b.t.Helper()
	for _, v := range b.Violations(name) {
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprintf("%v: %s", n.Target, strings.ReplaceAll(n.FailureSummary, "\n", " ")))
		}
		b.t.Errorf("axe-core on %s: %s (%s, %s): %s\n\t%s", name, v.ID, v.Impact, strings.Join(v.Tags, ","), v.Help, strings.Join(where, "\n\t"))
	}
}

// Violations runs axe-core on the page now shown and returns its WCAG 2.1
// A and AA violations.
func (b *Browser) Violations(name string) []Violation {
	b.t.Helper()
	src := axeSource(b.t)
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](src+";undefined")); err != nil {
		b.t.Fatalf("inject axe-core: %v", err)
	}
	tags, _ := json.Marshal(WCAGTags)
	script := fmt.Sprintf(`axe.run(document, {runOnly: {type: "tag", values: %s}, resultTypes: ["violations"]}).then(r => JSON.stringify(r.violations))`, tags)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core on %s: %v", name, err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("decode axe-core result on %s: %v", name, err)
	}
	return vs
}

// Screenshot saves a PNG of the page, for looking at a failure.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(90))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatalf("write screenshot: %v", err)
	}
}

func chromiumPath(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("KRING_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatalf("Chromium not found for the browser tests.\nTry: make test (installs it with apt-get as root), or: sudo apt-get install chromium; or set KRING_CHROMIUM to its path")
	return ""
}

var (
	axeOnce sync.Once
	axeJS   string
	axeErr  error
)

// axeSource reads axe.min.js, installed by .ci/testdeps under .cache/.
func axeSource(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		path := os.Getenv("KRING_AXE_JS")
		if path == "" {
			root, err := moduleRoot()
			if err != nil {
				axeErr = err
				return
			}
			path = filepath.Join(root, ".cache", "axe", "node_modules", "axe-core", "axe.min.js")
		}
		b, err := os.ReadFile(path)
		if err != nil {
			axeErr = fmt.Errorf("axe-core %s not found (%v).\nTry: make test (installs it with npm into .cache/axe), or set KRING_AXE_JS to axe.min.js", AxeVersion, err)
			return
		}
		axeJS = string(b)
	})
	if axeErr != nil {
		t.Fatal(axeErr)
	}
	return axeJS
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the test's folder")
		}
		dir = parent
	}
}
