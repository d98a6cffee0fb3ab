package content

import (
	"bufio"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// xssVector is one line of testdata/xss_vectors.txt, decoded.
type xssVector struct {
	line int
	src  string
}

// xssUnescape decodes a vector line as the file's header describes.
var xssUnescape = strings.NewReplacer(`\\`, `\`, `\n`, "\n", `\r`, "\r", `\t`, "\t", `\0`, "\x00", `\#`, "#")

func loadXSSVectors(t *testing.T) []xssVector {
	t.Helper()
	f, err := os.Open("testdata/xss_vectors.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var vectors []xssVector
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		if s := sc.Text(); s != "" && !strings.HasPrefix(s, "#") {
			vectors = append(vectors, xssVector{line: line, src: xssUnescape.Replace(s)})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return vectors
}

// xssPipelines are the two ways text becomes stored HTML.
var xssPipelines = []struct {
	name string
	run  func(string) string
}{
	{"sanitize", SanitizeHTML},
	{"markdown", func(s string) string {
		return RenderMarkdown(s, MarkdownOptions{
			TagURL:    func(tag string) string { return "https://k.example/tags/" + tag },
			Mentions:  map[string]MentionTarget{"user@host": {Href: "https://host/@user"}},
			LocalHost: "k.example",
		}).HTML
	}},
}

func TestXSSVectors(t *testing.T) {
	t.Parallel()
	vectors := loadXSSVectors(t)
	if len(vectors) < 60 {
		t.Fatalf("got %d vectors, want at least 60", len(vectors))
	}
	for _, p := range xssPipelines {
		for _, v := range vectors {
			t.Run(fmt.Sprintf("%s/line%d", p.name, v.line), func(t *testing.T) {
				t.Parallel()
				got := p.run(v.src)
				if problems := executable(got); len(problems) > 0 {
					t.Errorf("%s(%q)\n= %q\n%s", p.name, v.src, got, strings.Join(problems, "\n"))
				}
			})
		}
	}
}

// TestExecutableCatches shows that the checker the vectors rely on fails
// on what it must: a checker that passes everything proves nothing.
func TestExecutableCatches(t *testing.T) {
	t.Parallel()
	bad := []string{
		`<script>alert(1)</script>`,
		`<img src="https://x.example/a.png" onerror="alert(1)">`,
		`<p style="color:red">x</p>`,
		`<a href="javascript:alert(1)">x</a>`,
		`<a href=" JavaScript:alert(1)">x</a>`,
		`<a href="/relative">x</a>`,
		`<img src="data:image/png;base64,AAAA">`,
		`<iframe src="https://x.example/"></iframe>`,
		`<svg></svg>`,
		`<p id="x">x</p>`,
		`<!-- comment -->`,
	}
	for _, s := range bad {
		if problems := executable(s); len(problems) == 0 {
			t.Errorf("executable(%q) found nothing", s)
		}
	}
	good := `<p><a href="https://x.example/" rel="nofollow noreferrer">x</a> <a href="mailto:a@b.example">m</a> <img src="http://x.example/a.png" alt="a"></p>`
	if problems := executable(good); len(problems) > 0 {
		t.Errorf("executable(%q) = %q, want nothing", good, problems)
	}
}

// safeElements and safeAttrs are what sanitised output may hold; html,
// head and body are the parser's own wrapping.
var (
	safeElements = strings.Fields(`html head body p br span strong b em i u del s code pre
		blockquote ul ol li h1 h2 h3 h4 h5 h6 hr sub sup a img
		table caption colgroup col thead tbody tfoot tr th td`)
	safeAttrs = strings.Fields(`href rel class translate start reversed value src alt title
		width height align valign colspan rowspan headers scope abbr nowrap summary span`)
)

// executable parses out as a browser would and lists whatever in it could
// run script, load from a non-web URL or escape the allow-list.
func executable(out string) []string {
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var problems []string
	for n := range doc.Descendants() {
		switch n.Type {
		case html.CommentNode:
			problems = append(problems, "comment "+n.Data)
		case html.ElementNode:
			problems = append(problems, elementProblems(n)...)
		}
	}
	return problems
}

func elementProblems(n *html.Node) []string {
	var problems []string
	if n.Namespace != "" || !slices.Contains(safeElements, n.Data) {
		problems = append(problems, fmt.Sprintf("element %s:%s", n.Namespace, n.Data))
	}
	for _, a := range n.Attr {
		key := strings.ToLower(a.Key)
		switch {
		case strings.HasPrefix(key, "on"):
			problems = append(problems, "event handler "+key)
		case key == "style":
			problems = append(problems, "style attribute")
		case a.Namespace != "" || !slices.Contains(safeAttrs, key):
			problems = append(problems, fmt.Sprintf("attribute %s:%s on %s", a.Namespace, key, n.Data))
		case key == "href" || key == "src":
			if !webURL(a.Val) {
				problems = append(problems, fmt.Sprintf("%s=%q on %s", key, a.Val, n.Data))
			}
		}
	}
	return problems
}

// webURL reports whether u is an absolute http, https or mailto URL as a
// browser reads it; the sanitiser keeps no relative URLs.
func webURL(u string) bool {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil {
		return false
	}
	switch p.Scheme {
	case "http", "https":
		return p.Host != "" && !strings.ContainsAny(u, "\t\n\r")
	case "mailto":
		return true
	}
	return false
}
