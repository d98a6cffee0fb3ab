package content

import "testing"

// rel is what bluemonday writes on every link: it adds "noopener" only next
// to target="_blank", which it is told not to add, and noreferrer implies
// noopener anyway.
const rel = `rel="nofollow noreferrer"`

func TestSanitizeHTMLKeeps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{
			name: "mastodon mention and hashtag",
			in:   `<p>Hi <span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention">@<span>bob</span></a></span> <a href="https://m.example/tags/go" class="mention hashtag" rel="tag">#<span>Go</span></a></p>`,
			want: `<p>Hi <span class="h-card" translate="no"><a href="https://m.example/@bob" class="u-url mention" ` + rel + `>@<span>bob</span></a></span> <a href="https://m.example/tags/go" class="mention hashtag" rel="tag nofollow noreferrer">#<span>Go</span></a></p>`,
		},
		{
			name: "mastodon shortened link",
			in:   `<p><a href="https://example.com/a/long/path" rel="nofollow noopener noreferrer" target="_blank"><span class="invisible">https://</span><span class="ellipsis">example.com/a/long</span><span class="invisible">/path</span></a></p>`,
			want: `<p><a href="https://example.com/a/long/path" ` + rel + `><span class="invisible">https://</span><span class="ellipsis">example.com/a/long</span><span class="invisible">/path</span></a></p>`,
		},
		{
			name: "emphasis and breaks",
			in:   `<p><strong>a</strong> <b>b</b> <em>c</em> <i>d</i> <u>e</u> <del>f</del> <s>g</s> x<sub>1</sub> y<sup>2</sup><br>next</p><hr>`,
			want: `<p><strong>a</strong> <b>b</b> <em>c</em> <i>d</i> <u>e</u> <del>f</del> <s>g</s> x<sub>1</sub> y<sup>2</sup><br>next</p><hr>`,
		},
		{
			name: "lists",
			in:   `<ol start="3" reversed><li value="5">a</li><li>b</li></ol><ul><li>c</li></ul>`,
			want: `<ol start="3" reversed=""><li value="5">a</li><li>b</li></ol><ul><li>c</li></ul>`,
		},
		{
			name: "quote and code",
			in:   `<blockquote><p>q</p></blockquote><pre><code class="language-go">a &lt; b</code></pre><code>x</code>`,
			want: `<blockquote><p>q</p></blockquote><pre><code class="language-go">a &lt; b</code></pre><code>x</code>`,
		},
		{
			name: "headings",
			in:   `<h1>1</h1><h2>2</h2><h3>3</h3><h4>4</h4><h5>5</h5><h6>6</h6>`,
			want: `<h1>1</h1><h2>2</h2><h3>3</h3><h4>4</h4><h5>5</h5><h6>6</h6>`,
		},
		{
			name: "table",
			in:   `<table><caption>c</caption><thead><tr><th align="left">a</th></tr></thead><tbody><tr><td align="right" colspan="2">1</td></tr></tbody></table>`,
			want: `<table><caption>c</caption><thead><tr><th align="left">a</th></tr></thead><tbody><tr><td align="right" colspan="2">1</td></tr></tbody></table>`,
		},
		{
			name: "image",
			in:   `<img src="https://x.example/a.png" alt="a &#34;cat&#34;" title="t" width="640" height="480">`,
			want: `<img src="https://x.example/a.png" alt="a &#34;cat&#34;" title="t" width="640" height="480">`,
		},
		{
			name: "http image and mailto link",
			in:   `<img src="http://x.example/a.png"><a href="mailto:a@b.example">mail</a>`,
			want: `<img src="http://x.example/a.png"><a href="mailto:a@b.example" ` + rel + `>mail</a>`,
		},
		{
			name: "entities stay text",
			in:   `<p>&lt;script&gt; &amp; caf&eacute;</p>`,
			want: `<p>&lt;script&gt; &amp; café</p>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SanitizeHTML(tt.in); got != tt.want {
				t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSanitizeHTMLDrops(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"script with content", `<p>a<script>alert(1)</script>b</p>`, `<p>ab</p>`},
		{"style element", `<style>p{color:red}</style><p>a</p>`, `<p>a</p>`},
		{"style attribute and handler", `<p style="color:red" onclick="x()">a</p>`, `<p>a</p>`},
		{"javascript link keeps its text", `<a href="javascript:alert(1)">a</a>`, `a`},
		{"relative link", `<a href="/about">a</a>`, `a`},
		{"other rel values", `<a href="https://x.example/" rel="me">a</a>`, `<a href="https://x.example/" ` + rel + `>a</a>`},
		{"target", `<a href="https://x.example/" target="_blank">a</a>`, `<a href="https://x.example/" ` + rel + `>a</a>`},
		{"unknown class", `<a href="https://x.example/" class="mention evil">a</a>`, `<a href="https://x.example/" ` + rel + `>a</a>`},
		{"classes run together", `<span class="mentionhashtag">a</span>`, `<span>a</span>`},
		{"translate other than no", `<span translate="yes">a</span>`, `<span>a</span>`},
		{"class on p", `<p class="mention">a</p>`, `<p>a</p>`},
		{"mailto image", `<img src="mailto:a@b.example" alt="x">`, `<img alt="x">`},
		{"data image", `<img src="data:image/png;base64,AAAA">`, ``},
		{"relative image", `<img src="/a.png">`, ``},
		{"image size with units", `<img src="https://x.example/a.png" width="100%">`, `<img src="https://x.example/a.png">`},
		{"iframe with content", `<iframe src="https://x.example/">inner</iframe>after`, `after`},
		{"form and inputs", `<form action="https://x.example/"><input name="q"><button>go</button></form>`, `go`},
		{"svg with text", `<svg><text>drawn</text></svg>after`, `after`},
		{"math with text", `<math><mi>x</mi></math>after`, `after`},
		{"template", `<template><p>hidden</p></template>after`, `after`},
		{"object and embed", `<object data="https://x.example/x.swf">o</object><embed src="https://x.example/x.swf">`, ``},
		{"meta base link", `<meta http-equiv="refresh" content="0"><base href="https://x.example/"><link rel="stylesheet" href="https://x.example/s.css">`, ``},
		{"comment", `<p>a<!-- note --></p>`, `<p>a</p>`},
		{"id and data attributes", `<p id="x" data-x="y">a</p>`, `<p>a</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SanitizeHTML(tt.in); got != tt.want {
				t.Errorf("SanitizeHTML(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}
