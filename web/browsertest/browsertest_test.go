package browsertest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestAxeFindsViolations proves the harness can fail: a page with known
// WCAG faults must yield them, and a clean page none, even under the strict
// CSP the node sends.
func TestAxeFindsViolations(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/bad":
			fmt.Fprint(w, `<!doctype html><html><head><title>Bad</title></head><body><main><h1>Bad</h1>
<img src="/x.png"><form><input type="text" name="q"></form></main></body></html>`)
		default:
			fmt.Fprint(w, `<!doctype html><html lang="nl"><head><title>Goed</title></head><body><main><h1>Goed</h1>
<p>Hallo.</p><form><label for="q">Zoek</label><input id="q" type="text" name="q"></form></main></body></html>`)
		}
	}))
	defer srv.Close()
	b := New(t)

	b.Do(chromedp.Navigate(srv.URL + "/bad"))
	ids := map[string]bool{}
	for _, v := range b.Violations("bad page") {
		ids[v.ID] = true
	}
	for _, want := range []string{"html-has-lang", "image-alt", "label"} {
		if !ids[want] {
			t.Errorf("axe-core did not report %s on a page that breaks it; got %v", want, ids)
		}
	}

	b.Do(chromedp.Navigate(srv.URL + "/good"))
	b.Axe("good page")
}
