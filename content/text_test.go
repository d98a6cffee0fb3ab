package content

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSlugify(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"Één café", "een-cafe"},
		{"Hello, World!", "hello-world"},
		{"  --Already-- sluggy--  ", "already-sluggy"},
		{"Straße & Øresund: Łódź", "strasse-oresund-lodz"},
		{"Crème brûlée à la carte", "creme-brulee-a-la-carte"},
		{"De auto's van Jan’s vader", "de-autos-van-jans-vader"},
		{"ﬁnal ＡＢＣ ½", "final-abc-1-2"},
		{"Go 1.26 is uit", "go-1-26-is-uit"},
		{"日本語", "post"},
		{"!!!", "post"},
		{"", "post"},
		{strings.Repeat("abcdefghi ", 10), strings.TrimSuffix(strings.Repeat("abcdefghi-", 8), "-")},
		{strings.Repeat("x", 100), strings.Repeat("x", 80)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got := Slugify(tt.in)
			if got != tt.want {
				t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if len(got) > 80 {
				t.Errorf("Slugify(%q) is %d bytes, want at most 80", tt.in, len(got))
			}
		})
	}
}

func TestNormalizeTag(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"#Go", "go", true},
		{"Fediverse", "fediverse", true},
		{" #Café ", "café", true},
		{"ＧＯ", "go", true},
		{"snake_case", "snake_case", true},
		{"2025", "", false},
		{"v2", "v2", true},
		{"_", "_", true},
		{"e\u0301", "é", true},
		{"\u0301", "", false},
		{"#", "", false},
		{"", "", false},
		{"two words", "", false},
		{"with-dash", "", false},
		{"##go", "", false},
		{strings.Repeat("a", 101), "", false},
		{strings.Repeat("a", 100), strings.Repeat("a", 100), true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, ok := NormalizeTag(tt.in)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("NormalizeTag(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestHTMLToText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"paragraphs", "<p>One</p>\n<p>Two</p>", "One\n\nTwo"},
		{"entities", "<p>a &amp; b &lt;c&gt; caf&eacute; &#8230;</p>", "a & b <c> café …"},
		{"white space collapses", "<p>  a\n\tb  <em> c </em> d </p>", "a b c d"},
		{"line breaks", "<p>a<br>b<br><br>c</p>", "a\nb\n\nc"},
		{"headings and lists", "<h2>T</h2><ul><li>a</li><li>b</li></ul><p>c</p>", "T\n\na\nb\n\nc"},
		{"nested blocks", "<blockquote><p>q</p></blockquote><p>r</p>", "q\n\nr"},
		{"pre keeps white space", "<pre><code>a  b\n  c\n</code></pre><p>d</p>", "a  b\n  c\n\nd"},
		{"table", "<table><tr><th>a</th><th>b</th></tr><tr><td>1</td><td>2</td></tr></table>", "a b\n1 2"},
		{"inline elements join", "<p>x<strong>y</strong>z <a href=\"https://x.example/\">link</a></p>", "xyz link"},
		{"mention markup", `<p><span class="h-card"><a href="https://m.example/@bob">@<span>bob</span></a></span> hi</p>`, "@bob hi"},
		{"empty elements leave nothing", "<p></p><p> </p><p>a</p><p></p>", "a"},
		{"script text is not text", "<p>a</p><script>alert(1)</script><style>p{}</style><p>b</p>", "a\n\nb"},
		{"plain text", "just text", "just text"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := HTMLToText(tt.in); got != tt.want {
				t.Errorf("HTMLToText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestLeadFromHTML(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"first paragraph", "<p>One <em>two</em>.</p><p>Three.</p>", 300, "One two."},
		{"skips headings and empty paragraphs", "<h1>T</h1><p><img src=\"https://x.example/a.png\"></p><p>Text</p>", 300, "Text"},
		{"line break is a space", "<p>a<br>b</p>", 300, "a b"},
		{"unclosed paragraph", "<p>open", 300, "open"},
		{"no paragraph", "<ul><li>a</li><li>b</li></ul><ul><li>c</li></ul>", 300, "a b"},
		{"cut at a word", "<p>The quick brown fox jumps</p>", 16, "The quick brown…"},
		{"cut drops trailing punctuation", "<p>The quick, brown fox</p>", 12, "The quick…"},
		{"long word is cut inside", "<p>Supercalifragilistic</p>", 10, "Supercali…"},
		{"exactly max", "<p>abcde</p>", 5, "abcde"},
		{"runes not bytes", "<p>ééééé ééééé</p>", 8, "ééééé…"},
		{"empty", "", 300, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := LeadFromHTML(tt.in, tt.max)
			if got != tt.want {
				t.Errorf("LeadFromHTML(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > tt.max {
				t.Errorf("LeadFromHTML(%q, %d) has %d runes", tt.in, tt.max, n)
			}
		})
	}
}
