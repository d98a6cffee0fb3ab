package content

import (
	"regexp"
	"sync"

	"github.com/microcosm-cc/bluemonday"
)

// The one sanitiser: every piece of HTML, written here or received from
// another server, passes through SanitizeHTML before it is stored. It keeps
// what fediverse posts use and drops scripts, styles, event handlers,
// forms, frames and javascript:/data: URLs.
var policy = sync.OnceValue(newPolicy)

// mastodonClasses are the microformat and layout classes Mastodon puts on
// mentions, hashtags and shortened links; keeping them keeps those
// rendered right.
var mastodonClasses = regexp.MustCompile(`^((h-card|u-url|mention|hashtag|invisible|ellipsis|quote-inline|u-uid|p-name|status-link)\s*)+$`)

func newPolicy() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowStandardURLs()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireParseableURLs(true)
	p.AllowRelativeURLs(false)
	p.AllowAttrs("href").OnElements("a")
	p.AllowAttrs("class").Matching(mastodonClasses).OnElements("a", "span")
	p.RequireNoFollowOnLinks(true)
	p.RequireNoReferrerOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	p.AllowElements("p", "br", "span", "strong", "b", "em", "i", "u", "del", "s", "code", "pre",
		"blockquote", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub", "sup")
	p.AllowAttrs("start", "reversed").OnElements("ol")
	p.AllowAttrs("value").OnElements("li")
	p.AllowImages()
	p.AllowAttrs("src", "alt", "title", "width", "height").OnElements("img")
	p.AllowTables()
	return p
}

// SanitizeHTML returns html with everything unsafe removed.
func SanitizeHTML(html string) string {
	return policy().Sanitize(html)
}
