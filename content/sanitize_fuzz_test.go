package content

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Fuzz targets of the sanitiser. Go's fuzzer has no per-input timeout (a
// hung input shows only when -fuzztime runs out, as "fuzzing process
// hung"), so each target bounds its own work with within.

// fuzzBudget is how long one input may take. goldmark on the largest body
// a post may have (MaxPostBodyBytes) takes well under a second; the rest
// is room for a loaded machine and the race detector.
const fuzzBudget = 10 * time.Second

// within runs fn and fails the input when it takes longer than d: a hang
// becomes a crasher the fuzzer saves rather than a stalled run.
// A panic in fn is reported as the input's failure, with its stack (a
// panic on another goroutine would kill the fuzzing process, and the
// fuzzer would keep only "terminated unexpectedly").
func within(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan string, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Sprintf("%v\n%s", p, debug.Stack())
			}
			close(done)
		}()
		fn()
	}()
	select {
	case p, panicked := <-done:
		if panicked {
			t.Fatalf("%s panicked: %s", what, p)
		}
	case <-time.After(d):
		t.Fatalf("%s did not finish within %v", what, d)
	}
}

// dangerous lists what in sanitised HTML, parsed as a browser parses it,
// could run script or load something: script, style and frame elements
// (and the other elements that carry or load code), event handlers,
// style attributes, and javascript:, vbscript: or data: URLs.
func dangerous(out string) []string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var problems []string
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "style", "iframe", "frame", "frameset", "object", "embed", "applet",
			"base", "link", "meta", "form", "svg", "math", "template", "noscript":
			problems = append(problems, "element <"+n.Data+">")
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(key, "on"):
				problems = append(problems, fmt.Sprintf("event handler %s on <%s>", key, n.Data))
			case key == "style":
				problems = append(problems, fmt.Sprintf("style attribute on <%s>", n.Data))
			case key == "href" || key == "src" || key == "action" || key == "formaction" || key == "srcset" || key == "xlink:href":
				if s := urlScheme(a.Val); s == "javascript" || s == "vbscript" || s == "data" {
					problems = append(problems, fmt.Sprintf("%s URL in %s=%q on <%s>", s, key, a.Val, n.Data))
				}
			}
		}
	}
	return problems
}

// urlScheme is the scheme a browser reads in an attribute value: it
// strips leading and trailing C0 controls and spaces and drops tabs and
// newlines anywhere (the URL standard), then takes what precedes ':'.
func urlScheme(v string) string {
	v = strings.TrimFunc(v, func(r rune) bool { return r <= ' ' })
	v = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, v)
	scheme, _, ok := strings.Cut(v, ":")
	if !ok || strings.ContainsAny(scheme, "/?#") {
		return ""
	}
	return strings.ToLower(scheme)
}

// checkSanitised holds for every output of the sanitiser: nothing
// dangerous, and sanitising it again changes nothing.
func checkSanitised(t *testing.T, in, out string) {
	t.Helper()
	if problems := dangerous(out); len(problems) > 0 {
		t.Fatalf("input %q\ngave %q\n%s", in, out, strings.Join(problems, "\n"))
	}
	if again := SanitizeHTML(out); again != out {
		t.Fatalf("sanitising is not idempotent:\ninput  %q\nonce   %q\ntwice  %q", in, out, again)
	}
}

func FuzzSanitizeHTML(f *testing.F) {
	for _, v := range xssSeeds(f) {
		f.Add(v)
	}
	for _, v := range corpusHTML(f) {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// A received document is at most 1 MiB (the inbox's limit), and
		// its HTML less; larger inputs only slow the fuzzer down.
		if len(in) > MaxPostBodyBytes {
			return
		}
		var out string
		within(t, fuzzBudget, "SanitizeHTML", func() { out = SanitizeHTML(in) })
		checkSanitised(t, in, out)
	})
}

func FuzzMarkdown(f *testing.F) {
	for _, v := range xssSeeds(f) {
		f.Add(v)
	}
	for _, v := range []string{
		"# Title\n\nSome *text* with a #tag and @user@host and @local.\n\n- [x](https://x.example/)\n- ![a](https://x.example/a.png)",
		"| a | b |\n|:--|--:|\n| `c` | ~~d~~ |",
		"```go\nfunc main() {}\n```\n> quote <script>alert(1)</script>",
		"[click](javascript:alert(1)) <https://x.example/> www.x.example <mailto:a@b.example>",
		"[a]: javascript:alert(1)\n[x][a] ![y][a]",
		"*a **b ***c*** d** e* " + strings.Repeat("[", 50) + strings.Repeat("](", 50),
	} {
		f.Add(v)
	}
	opt := MarkdownOptions{
		TagURL:    func(tag string) string { return "https://k.example/tags/" + tag },
		Mentions:  map[string]MentionTarget{"user@host": {Href: "https://host/@user"}, "local@k.example": {Href: "https://k.example/@local"}},
		LocalHost: "k.example",
	}
	f.Fuzz(func(t *testing.T, src string) {
		// Posts and event descriptions are refused above this size
		// (ValidatePost, ValidateEvent): goldmark is quadratic on some
		// inputs, and the cap is what keeps rendering bounded.
		if len(src) > MaxPostBodyBytes {
			return
		}
		var r Rendered
		within(t, fuzzBudget, "RenderMarkdown", func() { r = RenderMarkdown(src, opt) })
		checkSanitised(t, src, r.HTML)
		if n := utf8.RuneCountInString(r.Lead); n > MaxLeadRunes+1 { // +1: the "…"
			t.Fatalf("lead of %d runes, want at most %d: %q", n, MaxLeadRunes, r.Lead)
		}
		if len(r.Tags) > MaxPostTags || len(r.Mentions) > MaxPostMentions {
			t.Fatalf("%d tags and %d mentions, want at most %d and %d", len(r.Tags), len(r.Mentions), MaxPostTags, MaxPostMentions)
		}
		for _, tag := range r.Tags {
			if norm, ok := NormalizeTag(tag); !ok || norm != tag {
				t.Fatalf("tag %q is not normalised (NormalizeTag gives %q, %v)", tag, norm, ok)
			}
		}
	})
}

// xssSeeds are the vectors of testdata/xss_vectors.txt.
func xssSeeds(f *testing.F) []string {
	f.Helper()
	b, err := os.ReadFile("testdata/xss_vectors.txt")
	if err != nil {
		f.Fatal(err)
	}
	var out []string
	for line := range strings.SplitSeq(string(b), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, xssUnescape.Replace(line))
		}
	}
	return out
}

// corpusHTML returns the HTML of the real payloads in
// ../shared/fixtures/activitypub: every "content", "summary" and
// "contentMap" string, at any depth. Without the corpus it says so once
// and returns nothing; the target still runs on its other seeds.
func corpusHTML(f *testing.F) []string {
	f.Helper()
	dir := fixtureCorpus()
	if dir == "" {
		f.Log("../shared/fixtures/activitypub is not there: fuzzing without the real payloads as seeds")
		return nil
	}
	seen := map[string]bool{}
	var out []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(path) != ".json" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var doc any
		if json.Unmarshal(b, &doc) != nil {
			return nil // a deliberately broken payload: nothing to take
		}
		collectHTML(doc, false, func(s string) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		})
		return nil
	})
	if err != nil {
		f.Fatalf("read the fixture corpus: %v", err)
	}
	return out
}

// collectHTML calls add for the HTML-bearing strings in v; inMap says v
// is the value of a contentMap, whose every string is HTML.
func collectHTML(v any, inMap bool, add func(string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			switch k {
			case "content", "summary":
				if s, ok := x.(string); ok && s != "" {
					add(s)
					continue
				}
			}
			collectHTML(x, k == "contentMap" || k == "summaryMap", add)
		}
	case []any:
		for _, x := range v {
			collectHTML(x, false, add)
		}
	case string:
		if inMap && v != "" {
			add(v)
		}
	}
}

// fixtureCorpus finds shared/fixtures/activitypub beside the checkout
// (as federation/fedtest.CorpusDir does; content cannot import it).
func fixtureCorpus() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		c := filepath.Join(dir, "shared", "fixtures", "activitypub")
		if _, err := os.Stat(filepath.Join(c, "MANIFEST.tsv")); err == nil {
			return c
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestSanitizeIsIdempotentOnTagLinks is the first crasher of
// FuzzSanitizeHTML: a hashtag link came out with rel="tag nofollow
// noreferrer", which a second pass no longer recognised as a tag, so it
// lost rel="tag".
func TestSanitizeIsIdempotentOnTagLinks(t *testing.T) {
	in := `<a href="https://x.example/tags/a" class="mention hashtag" rel="tag">#<span>a</span></a>`
	once := SanitizeHTML(in)
	if !strings.Contains(once, `rel="tag nofollow noreferrer"`) {
		t.Errorf("SanitizeHTML(%q) = %q, want rel=\"tag nofollow noreferrer\"", in, once)
	}
	if twice := SanitizeHTML(once); twice != once {
		t.Errorf("sanitising again changed\n%q\nto\n%q", once, twice)
	}
}

// TestSanitizeDropsImagesWithoutHost is the second crasher of
// FuzzSanitizeHTML: src="http://" was kept and written as "http:", which
// the next pass refused, so the image went.
func TestSanitizeDropsImagesWithoutHost(t *testing.T) {
	for _, in := range []string{`<img srC=http:// >`, `<img src="https:///x.png">`, `<img src="http://?x">`} {
		if out := SanitizeHTML(in); out != "" {
			t.Errorf("SanitizeHTML(%q) = %q, want nothing", in, out)
		}
	}
	in := `<img src="https://x.example/a.png" alt="a">`
	if out := SanitizeHTML(in); out != in {
		t.Errorf("SanitizeHTML(%q) = %q, want it unchanged", in, out)
	}
}
