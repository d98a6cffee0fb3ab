package content

import (
	"regexp"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// The one sanitiser: every piece of HTML, written here or received from
// another server, passes through SanitizeHTML before it is stored. It keeps
// what fediverse posts use and drops scripts, styles, event handlers,
// forms, frames, SVG, MathML and every URL that is not http, https or
// mailto.
var policy = sync.OnceValue(newPolicy)

var (
	// mastodonClasses are the microformat and layout classes Mastodon puts
	// on mentions, hashtags and shortened links; keeping them keeps those
	// rendered right (the invisible "https://" prefix stays invisible).
	mastodonClasses = classList("h-card", "u-url", "u-uid", "p-name", "mention", "hashtag",
		"invisible", "ellipsis", "quote-inline", "status-link")
	// codeLanguage is the class goldmark puts on fenced code blocks, kept
	// so that a highlighter can find the language.
	codeLanguage = regexp.MustCompile(`^language-[A-Za-z0-9_+#.-]{1,32}$`)
	// httpURL admits only web images: a mailto: image is not an image.
	// It wants a host too: bluemonday writes src="http://" as "http:",
	// which a second pass refused, so the image vanished from HTML
	// sanitised again (found by FuzzSanitizeHTML).
	httpURL = regexp.MustCompile(`(?i)^\s*https?://[^\s/?#]`)
	// relTag keeps Mastodon's rel="tag" on hashtags; any other rel value
	// is dropped and bluemonday writes its own. It also admits the tag
	// with the words bluemonday appends to it ("tag nofollow noreferrer"):
	// else sanitising stored HTML again (our own posts, as another Kring
	// receives them) would drop the tag (found by FuzzSanitizeHTML).
	relTag = regexp.MustCompile(`^tag(?: (?:nofollow|noreferrer|noopener))*$`)
	digits = regexp.MustCompile(`^[0-9]{1,5}$`)
	justNo = regexp.MustCompile(`^no$`)
)

// classList matches a class attribute made only of the given classes.
func classList(classes ...string) *regexp.Regexp {
	one := "(?:" + strings.Join(classes, "|") + ")"
	return regexp.MustCompile(`^\s*` + one + `(?:\s+` + one + `)*\s*$`)
}

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	allowURLs(p)
	p.AllowElements("p", "br", "span", "strong", "b", "em", "i", "u", "del", "s", "code", "pre",
		"blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub", "sup")
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("rel").Matching(relTag).OnElements("a")
	p.AllowAttrs("class").Matching(mastodonClasses).OnElements("a", "span")
	p.AllowAttrs("translate").Matching(justNo).OnElements("span")
	p.AllowAttrs("class").Matching(codeLanguage).OnElements("code")
	p.AllowAttrs("start").Matching(digits).OnElements("ol")
	p.AllowAttrs("reversed").OnElements("ol")
	p.AllowAttrs("value").Matching(digits).OnElements("li")
	p.AllowAttrs("src").Matching(httpURL).OnElements("img")
	p.AllowAttrs("alt", "title").OnElements("img")
	p.AllowAttrs("width", "height").Matching(digits).OnElements("img")
	p.AllowTables()
	// Their text is markup or code, never prose: show none of it.
	p.SkipElementsContent("svg", "math", "template", "textarea", "select")
	return p
}

// allowURLs sets the URL rules once, by hand: bluemonday's AllowImages and
// AllowStandardURLs switch relative URLs back on, and a relative URL in
// federated HTML points at whichever server shows it.
func allowURLs(p *bluemonday.Policy) {
	p.RequireParseableURLs(true)
	p.AllowURLSchemes("http", "https", "mailto")
	p.AllowRelativeURLs(false)
	// bluemonday writes rel="nofollow noreferrer"; noreferrer implies
	// noopener in every browser, and it adds "noopener" itself only next
	// to target="_blank", which posts do not get.
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
}

// SanitizeHTML returns html with everything unsafe removed.
func SanitizeHTML(html string) string {
	// Writing into a builder sized for the input spares the copies a
	// growing buffer and bluemonday's final String make: about a tenth of
	// the time on a long post.
	var b strings.Builder
	b.Grow(len(html))
	if err := policy().SanitizeReaderToWriter(strings.NewReader(html), &b); err != nil {
		// Only the tokenizer's reader or the writer can fail, and neither
		// does on strings; fail closed all the same.
		return ""
	}
	return b.String()
}
