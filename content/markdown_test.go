package content

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testMarkdownOptions resolves two handles, as the web layer would after
// WebFinger, and links tags to this node.
var testMarkdownOptions = MarkdownOptions{
	TagURL: func(tag string) string { return "https://k.example/tags/" + tag },
	Mentions: map[string]MentionTarget{
		"bob@m.example": {Href: "https://m.example/@bob"},
		"ann@k.example": {Href: "https://k.example/@ann"},
	},
	LocalHost: "k.example",
}

// Expected markup of linked hashtags and mentions after sanitising.
func tagHTML(href, text string) string {
	return `<a href="` + href + `" class="mention hashtag" rel="tag nofollow noreferrer">#<span>` + text + `</span></a>`
}

func mentionHTML(href, user string) string {
	return `<span class="h-card" translate="no"><a href="` + href + `" class="u-url mention" ` + rel + `>@<span>` + user + `</span></a></span>`
}

func link(href, text string) string {
	return `<a href="` + href + `" ` + rel + `>` + text + `</a>`
}

func TestRenderMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		src  string
		opt  *MarkdownOptions // nil: testMarkdownOptions
		want Rendered
	}{
		{
			name: "formatting",
			src:  "Some *em*, **strong**, ~~gone~~ and `code`.",
			want: Rendered{
				HTML: "<p>Some <em>em</em>, <strong>strong</strong>, <del>gone</del> and <code>code</code>.</p>\n",
				Lead: "Some em, strong, gone and code.",
			},
		},
		{
			name: "headings keep their level",
			src:  "# One\n\n## Two\n\n### Three\n\ntext",
			want: Rendered{HTML: "<h1>One</h1>\n<h2>Two</h2>\n<h3>Three</h3>\n<p>text</p>\n", Lead: "text"},
		},
		{
			name: "links, autolinks and e-mail",
			src:  "[site](https://x.example/a \"Title\"), <https://y.example/>, www.z.example and mail bob@x.example.",
			want: Rendered{
				HTML: "<p>" + link("https://x.example/a", "site") + ", " + link("https://y.example/", "https://y.example/") + ", " +
					link("http://www.z.example", "www.z.example") + " and mail " + link("mailto:bob@x.example", "bob@x.example") + ".</p>\n",
				Lead: "site, https://y.example/, www.z.example and mail bob@x.example.",
			},
		},
		{
			name: "lists",
			src:  "- a\n- b\n\n3. c\n4. d",
			want: Rendered{HTML: "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n", Lead: "a b"},
		},
		{
			name: "code block keeps its language and its hashtags",
			src:  "```go\nx := a < b // #notatag @bob@m.example\n```",
			want: Rendered{HTML: "<pre><code class=\"language-go\">x := a &lt; b // #notatag @bob@m.example\n</code></pre>\n", Lead: "x := a < b // #notatag @bob@m.example"},
		},
		{
			name: "table with alignment",
			src:  "| a | b |\n|:--|--:|\n| 1 | 2 |",
			want: Rendered{
				HTML: "<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n" +
					"<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>\n",
				Lead: "a b 1 2",
			},
		},
		{
			name: "image",
			src:  "![A #cat](https://x.example/cat.png \"Cat\")",
			want: Rendered{HTML: "<p><img src=\"https://x.example/cat.png\" alt=\"A #cat\" title=\"Cat\"></p>\n"},
		},
		{
			name: "raw html is omitted, its text kept",
			src:  "a <b onclick=\"x()\">b</b> c\n\n<div>block</div>",
			want: Rendered{HTML: "<p>a b c</p>\n\n", Lead: "a b c"},
		},
		{
			name: "hashtags",
			src:  "#Go and #Café, #go again, #2025 no, #a1 yes, (#paren) *#em*",
			want: Rendered{
				HTML: "<p>" + tagHTML("https://k.example/tags/go", "Go") + " and " + tagHTML("https://k.example/tags/caf%C3%A9", "Café") + ", " +
					tagHTML("https://k.example/tags/go", "go") + " again, #2025 no, " + tagHTML("https://k.example/tags/a1", "a1") + " yes, (" +
					tagHTML("https://k.example/tags/paren", "paren") + ") <em>" + tagHTML("https://k.example/tags/em", "em") + "</em></p>\n",
				Tags: []string{"go", "café", "a1", "paren", "em"},
				Lead: "#Go and #Café, #go again, #2025 no, #a1 yes, (#paren) #em",
			},
		},
		{
			name: "not hashtags",
			src:  "C# and &#38; x/#y a=#b ##two `#code` [#label](https://x.example/) https://x.example/#anchor \\#escaped",
			want: Rendered{
				HTML: "<p>C# and &amp; x/#y a=#b ##two <code>#code</code> " + link("https://x.example/", "#label") + " " +
					link("https://x.example/#anchor", "https://x.example/#anchor") + " #escaped</p>\n",
				Lead: "C# and & x/#y a=#b ##two #code #label https://x.example/#anchor #escaped",
			},
		},
		{
			name: "hashtags without TagURL stay text but are listed",
			src:  "#Go",
			opt:  &MarkdownOptions{},
			want: Rendered{HTML: "<p>#Go</p>\n", Tags: []string{"go"}, Lead: "#Go"},
		},
		{
			name: "mentions",
			src:  "@bob@m.example, @ann and @BOB@M.EXAMPLE; (@ann) @nobody@m.example",
			want: Rendered{
				HTML: "<p>" + mentionHTML("https://m.example/@bob", "bob") + ", " + mentionHTML("https://k.example/@ann", "ann") + " and " +
					mentionHTML("https://m.example/@bob", "BOB") + "; (" + mentionHTML("https://k.example/@ann", "ann") + ") @nobody@m.example</p>\n",
				Mentions: []string{"bob@m.example", "ann@k.example"},
				Lead:     "@bob, @ann and @BOB; (@ann) @nobody@m.example",
			},
		},
		{
			name: "mention at the end of a sentence",
			src:  "Thanks @bob@m.example.",
			want: Rendered{
				HTML:     "<p>Thanks " + mentionHTML("https://m.example/@bob", "bob") + ".</p>\n",
				Mentions: []string{"bob@m.example"},
				Lead:     "Thanks @bob.",
			},
		},
		{
			name: "not mentions",
			src:  "mail ann@k.example, `@bob@m.example`, [@bob@m.example](https://x.example/), https://m.example/@bob",
			want: Rendered{
				HTML: "<p>mail " + link("mailto:ann@k.example", "ann@k.example") + ", <code>@bob@m.example</code>, " +
					link("https://x.example/", "@bob@m.example") + ", " + link("https://m.example/@bob", "https://m.example/@bob") + "</p>\n",
				Lead: "mail ann@k.example, @bob@m.example, @bob@m.example, https://m.example/@bob",
			},
		},
		{
			name: "lead is the first paragraph",
			src:  "# Title\n\n> quoted\n\nSecond.",
			want: Rendered{HTML: "<h1>Title</h1>\n<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>Second.</p>\n", Lead: "quoted"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opt := testMarkdownOptions
			if tt.opt != nil {
				opt = *tt.opt
			}
			got := RenderMarkdown(tt.src, opt)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("RenderMarkdown(%q) mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

func TestRenderMarkdownLimits(t *testing.T) {
	t.Parallel()
	var src, handles strings.Builder
	opt := MarkdownOptions{TagURL: testMarkdownOptions.TagURL, Mentions: map[string]MentionTarget{}}
	for i := range MaxPostTags + 5 {
		fmt.Fprintf(&src, "#t%d ", i)
		user := fmt.Sprintf("u%d@m.example", i)
		fmt.Fprintf(&handles, "@%s ", user)
		opt.Mentions[user] = MentionTarget{Href: "https://m.example/@" + user}
	}
	got := RenderMarkdown(src.String()+handles.String(), opt)
	if len(got.Tags) != MaxPostTags || got.Tags[MaxPostTags-1] != fmt.Sprintf("t%d", MaxPostTags-1) {
		t.Errorf("got %d tags ending %q, want the first %d", len(got.Tags), got.Tags[len(got.Tags)-1], MaxPostTags)
	}
	if len(got.Mentions) != MaxPostMentions {
		t.Errorf("got %d mentions, want %d", len(got.Mentions), MaxPostMentions)
	}
	// What is not listed is not linked either, so the HTML and the
	// federated tag and mention lists agree.
	for _, text := range []string{fmt.Sprintf(" #t%d ", MaxPostTags), fmt.Sprintf(" @u%d@m.example ", MaxPostMentions)} {
		if !strings.Contains(got.HTML, text) {
			t.Errorf("HTML does not hold %q as plain text:\n%s", text, got.HTML)
		}
	}
	if n := strings.Count(got.HTML, "<a "); n != MaxPostTags+MaxPostMentions {
		t.Errorf("got %d links, want %d", n, MaxPostTags+MaxPostMentions)
	}
}

func TestRenderMarkdownLeadIsCut(t *testing.T) {
	t.Parallel()
	got := RenderMarkdown(strings.Repeat("word ", 100), MarkdownOptions{}).Lead
	if n := len([]rune(got)); n > MaxLeadRunes || n < MaxLeadRunes-6 {
		t.Errorf("lead has %d runes, want at most %d and close to it", n, MaxLeadRunes)
	}
	if !strings.HasSuffix(got, "word…") {
		t.Errorf("lead %q does not end in a whole word and an ellipsis", got)
	}
}

func TestFindMentions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src, local string
		want             []string
	}{
		{"remote and local", "hi @Bob@M.Example and @ann", "k.example", []string{"bob@m.example", "ann@k.example"}},
		{"unique in order", "@b@x.example @a@x.example @B@X.EXAMPLE", "", []string{"b@x.example", "a@x.example"}},
		{"no local host", "@ann and @bob@m.example", "", []string{"bob@m.example"}},
		{"host with port", "@ann@127.0.0.1:8080, @bob@localhost:", "", []string{"ann@127.0.0.1:8080", "bob@localhost"}},
		{"dotted and dashed names", "@first.last@sub-domain.m.example.", "", []string{"first.last@sub-domain.m.example"}},
		{"e-mail", "write ann@k.example", "k.example", nil},
		{"path", "https://m.example/@bob and m.example/@ann", "k.example", nil},
		{"code span", "`@bob@m.example`", "", nil},
		{"code block", "    @bob@m.example\n", "", nil},
		{"fenced code", "```\n@bob@m.example\n```", "", nil},
		{"link label", "[@bob@m.example](https://m.example/@bob)", "", nil},
		{"escaped", `\@bob@m.example`, "", nil},
		{"lone at", "@ and @@ and @.x", "k.example", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := FindMentions(tt.src, tt.local)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("FindMentions(%q, %q) mismatch (-want +got):\n%s", tt.src, tt.local, diff)
			}
		})
	}
	t.Run("at most MaxPostMentions", func(t *testing.T) {
		t.Parallel()
		var src strings.Builder
		for i := range MaxPostMentions + 3 {
			fmt.Fprintf(&src, "@u%d@m.example ", i)
		}
		if got := FindMentions(src.String(), ""); len(got) != MaxPostMentions {
			t.Errorf("got %d handles, want %d", len(got), MaxPostMentions)
		}
	})
}
