package content

import (
	"strings"
	"testing"

	"github.com/microcosm-cc/bluemonday"
)

// postHTMLBlock is one screenful of a post as another server sends it:
// paragraphs, a mention, hashtags, a shortened link, a list and code.
const postHTMLBlock = `<p>Gisteren sprak ik met <span class="h-card" translate="no"><a href="https://social.example/@anna" class="u-url mention">@<span>anna</span></a></span> over de nieuwe <a href="https://kring.example/tags/fediverse" class="mention hashtag" rel="tag">#<span>Fediverse</span></a>-koppeling en <a href="https://kring.example/tags/go" class="mention hashtag" rel="tag">#<span>Go</span></a>.</p>
<p>Het verslag staat op <a href="https://blog.example/2025/verslag-van-de-avond" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span class="ellipsis">blog.example/2025/verslag-van</span><span class="invisible">-de-avond</span></a> &amp; de dia&#39;s volgen.</p>
<ul>
<li>Eerst de <strong>handtekeningen</strong> controleren;</li>
<li>dan <em>pas</em> opslaan, en</li>
<li>antwoorden met <code>202 Accepted</code>.</li>
</ul>
<pre><code class="language-go">func (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {
	return s.verify(r)
}
</code></pre>
<blockquote><p>Wie schrijft, die blijft.</p></blockquote>
`

// repeatTo repeats block until it is at least n bytes long.
func repeatTo(block string, n int) string {
	return strings.Repeat(block, (n+len(block)-1)/len(block))
}

func benchmarkSanitize(b *testing.B, size int) {
	src := repeatTo(postHTMLBlock, size)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		SanitizeHTML(src)
	}
}

func BenchmarkSanitize2KB(b *testing.B)  { benchmarkSanitize(b, 2<<10) }
func BenchmarkSanitize50KB(b *testing.B) { benchmarkSanitize(b, 50<<10) }

// BenchmarkSanitizeUGCBaseline50KB runs bluemonday's own UGC policy on the
// same post, as a yardstick for the machine of the day: it drops the
// classes and rel values ours keeps, so it writes less.
func BenchmarkSanitizeUGCBaseline50KB(b *testing.B) {
	src := repeatTo(postHTMLBlock, 50<<10)
	p := bluemonday.UGCPolicy()
	b.SetBytes(int64(len(src)))
	for b.Loop() {
		p.Sanitize(src)
	}
}

// postMarkdownBlock is one part of a post as a member writes it.
const postMarkdownBlock = `## Een avond over federatie

Gisteren sprak ik met @anna@social.example en @bert over de nieuwe #Fediverse-koppeling
en over #Go. Het verslag staat op https://blog.example/2025/verslag en de dia's volgen;
mail vragen naar info@kring.example.

- Eerst de **handtekeningen** controleren;
- dan *pas* opslaan, en
- antwoorden met ` + "`202 Accepted`" + `.

` + "```go\nfunc (s *Server) inbox(w http.ResponseWriter, r *http.Request) error {\n\treturn s.verify(r)\n}\n```" + `

> Wie schrijft, die blijft. [Lees meer](https://kring.example/over "Over ons").

| dag | tijd |
|-----|-----:|
| di  | 20:00 |

`

func BenchmarkRenderMarkdown(b *testing.B) {
	src := repeatTo(postMarkdownBlock, 5<<10)
	opt := MarkdownOptions{
		TagURL:    func(tag string) string { return "https://kring.example/tags/" + tag },
		Mentions:  map[string]MentionTarget{"anna@social.example": {Href: "https://social.example/@anna"}, "bert@kring.example": {Href: "https://kring.example/@bert"}},
		LocalHost: "kring.example",
	}
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		RenderMarkdown(src, opt)
	}
}
