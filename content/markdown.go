package content

import (
	"bytes"
	"html"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MentionTarget is what a mentioned handle links to.
type MentionTarget struct {
	Href string // the profile URL the mention links to
}

// MarkdownOptions says how RenderMarkdown links hashtags and mentions.
type MarkdownOptions struct {
	// TagURL returns the absolute URL of a tag's page; nil leaves hashtags
	// as text. The sanitiser drops relative URLs, so a relative one would
	// unlink the tag.
	TagURL func(tag string) string
	// Mentions holds the handles the caller resolved, keyed by lower-case
	// "user@host" (see FindMentions); other handles stay plain text.
	Mentions map[string]MentionTarget
	// LocalHost completes "@user" to "user@LocalHost".
	LocalHost string
}

// Rendered is a post's Markdown turned into what is stored and federated.
type Rendered struct {
	HTML     string   // sanitised
	Tags     []string // hashtags found, normalised, unique, in order, at most MaxPostTags
	Mentions []string // handles linked, "user@host" in lower case, unique, in order
	Lead     string   // plain text of the first paragraph, at most MaxLeadRunes
}

// MaxLeadRunes is how long a rendered post's lead may be.
const MaxLeadRunes = 300

// markdown is built once: goldmark's parser and renderer are safe for
// concurrent use once configured, and configuring is not cheap.
// There is no html.WithUnsafe: raw HTML in Markdown is written as a
// comment, so that a member cannot smuggle markup past the Markdown.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(
		// align="..." instead of style="text-align:...", which the
		// sanitiser would drop.
		extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
		extension.Strikethrough,
		extension.Linkify,
		socialSyntax{},
	))
})

// RenderMarkdown turns a post's Markdown into sanitised HTML, linking the
// hashtags and the mentions opt knows, and reports what it linked.
func RenderMarkdown(src string, opt MarkdownOptions) Rendered {
	source := []byte(src)
	doc := markdown().Parser().Parse(text.NewReader(source))
	var out Rendered
	walkSocial(doc,
		func(n *hashtagNode) { out.Tags = linkHashtag(n, out.Tags, opt.TagURL) },
		func(n *mentionNode) { out.Mentions = linkMention(n, out.Mentions, opt) })
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/4)
	if err := markdown().Renderer().Render(&buf, source, doc); err != nil {
		// Rendering only fails when the writer does, and a bytes.Buffer
		// does not; should that change, show the text rather than nothing.
		buf.Reset()
		buf.WriteString("<p>" + html.EscapeString(src) + "</p>")
	}
	out.HTML = SanitizeHTML(buf.String())
	out.Lead = LeadFromHTML(out.HTML, MaxLeadRunes)
	return out
}

// FindMentions returns the handles ("user@host", lower case, unique, in
// order, at most MaxPostMentions) that src mentions outside code and
// links, so that the caller can resolve them before RenderMarkdown.
// "@user" means user@localHost; without a localHost it is left out.
func FindMentions(src, localHost string) []string {
	source := []byte(src)
	doc := markdown().Parser().Parse(text.NewReader(source))
	var handles []string
	walkSocial(doc, nil, func(n *mentionNode) {
		h := n.handle(localHost)
		if h != "" && len(handles) < MaxPostMentions && !slices.Contains(handles, h) {
			handles = append(handles, h)
		}
	})
	return handles
}

// linkHashtag records n's tag and gives n its link, unless the post has
// MaxPostTags already: a tag left out of Tags is left unlinked too, so
// that the HTML and the federated tag list agree.
func linkHashtag(n *hashtagNode, tags []string, tagURL func(string) string) []string {
	tag := n.Tag
	if !slices.Contains(tags, tag) {
		if len(tags) >= MaxPostTags {
			return tags
		}
		tags = append(tags, tag)
	}
	if tagURL != nil {
		n.Href = tagURL(tag)
	}
	return tags
}

// linkMention links n when opt resolves its handle.
func linkMention(n *mentionNode, handles []string, opt MarkdownOptions) []string {
	h := n.handle(opt.LocalHost)
	target, ok := opt.Mentions[h]
	if h == "" || !ok || target.Href == "" {
		return handles
	}
	if !slices.Contains(handles, h) {
		if len(handles) >= MaxPostMentions {
			return handles
		}
		handles = append(handles, h)
	}
	n.Href = target.Href
	return handles
}

// walkSocial calls onTag and onMention for each hashtag and mention in
// document order, skipping those inside links and images: a link in a
// link is no link, and alt text is text.
func walkSocial(doc ast.Node, onTag func(*hashtagNode), onMention func(*mentionNode)) {
	// The walker returns no error, so neither does Walk.
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Link, *ast.AutoLink, *ast.Image:
			return ast.WalkSkipChildren, nil
		case *hashtagNode:
			if onTag != nil {
				onTag(n)
			}
		case *mentionNode:
			if onMention != nil {
				onMention(n)
			}
		}
		return ast.WalkContinue, nil
	})
}

// socialSyntax is the goldmark extension for #hashtags and @mentions.
// They are parsed as inline nodes, so code spans, code blocks, links and
// autolinked URLs (https://x.nl/#anchor) never contain one.
type socialSyntax struct{}

func (socialSyntax) Extend(m goldmark.Markdown) {
	m.Parser().AddOptions(parser.WithInlineParsers(
		util.Prioritized(hashtagParser{}, 900),
		util.Prioritized(mentionParser{}, 900),
	))
	m.Renderer().AddOptions(renderer.WithNodeRenderers(
		util.Prioritized(socialRenderer{}, 900),
	))
}

var (
	kindHashtag = ast.NewNodeKind("Hashtag")
	kindMention = ast.NewNodeKind("Mention")
)

// hashtagNode is "#tag". Its child is the text as written, which is what
// shows when it is not linked.
type hashtagNode struct {
	ast.BaseInline
	Written string // as written, without '#'
	Tag     string // normalised
	Href    string // set when linked
}

func (n *hashtagNode) Kind() ast.NodeKind { return kindHashtag }

func (n *hashtagNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Written": n.Written, "Tag": n.Tag, "Href": n.Href}, nil)
}

// mentionNode is "@user" or "@user@host"; like hashtagNode it shows its
// text when not linked.
type mentionNode struct {
	ast.BaseInline
	User string
	Host string // empty for a local "@user"
	Href string // set when linked
}

func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

func (n *mentionNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"User": n.User, "Host": n.Host, "Href": n.Href}, nil)
}

// handle is the mention's "user@host" in lower case, or "" when it names
// no host and none is local.
func (n *mentionNode) handle(localHost string) string {
	host := n.Host
	if host == "" {
		host = localHost
	}
	if host == "" {
		return ""
	}
	return strings.ToLower(n.User + "@" + host)
}

type hashtagParser struct{}

func (hashtagParser) Trigger() []byte { return []byte{'#'} }

func (hashtagParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	if !hashtagMayFollow(block.PrecendingCharacter()) {
		return nil
	}
	line, seg := block.PeekLine()
	n := tagLength(line[1:])
	tag, ok := NormalizeTag(string(line[1 : 1+n]))
	if !ok {
		return nil
	}
	block.Advance(1 + n)
	node := &hashtagNode{Written: string(line[1 : 1+n]), Tag: tag}
	node.AppendChild(node, ast.NewTextSegment(seg.WithStop(seg.Start+1+n)))
	return node
}

// hashtagMayFollow reports whether a '#' after r starts a hashtag: not in
// a word ("C#"), a path or fragment ("/#top"), an entity ("&#38;"), a
// query ("?a=#b") or a run of '#'.
func hashtagMayFollow(r rune) bool {
	switch r {
	case '&', '/', '#', '=':
		return false
	}
	return !isTagRune(r)
}

// tagLength is the length in bytes of the hashtag name b starts with.
func tagLength(b []byte) int {
	n := 0
	for n < len(b) {
		r, size := utf8.DecodeRune(b[n:])
		if !isTagRune(r) {
			break
		}
		n += size
	}
	return n
}

// isTagRune reports whether r may be part of a hashtag: letters (with
// their combining marks), digits, '_' and the zero-width non-joiner that
// Persian words need, as Mastodon allows.
func isTagRune(r rune) bool {
	return r == '_' || r == '\u200c' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.M, r)
}

type mentionParser struct{}

func (mentionParser) Trigger() []byte { return []byte{'@'} }

func (mentionParser) Parse(_ ast.Node, block text.Reader, _ parser.Context) ast.Node {
	// After a word it is an e-mail address ("bob@x.nl"), after '/' a
	// path ("x.nl/@bob"); neither is a mention.
	if r := block.PrecendingCharacter(); r == '/' || isTagRune(r) {
		return nil
	}
	line, seg := block.PeekLine()
	user := nameLength(line[1:], isWordByte)
	if user == 0 {
		return nil
	}
	n := 1 + user
	host := 0
	if n < len(line) && line[n] == '@' {
		host = hostLength(line[n+1:])
	}
	node := &mentionNode{User: string(line[1:n])}
	if host > 0 {
		node.Host = string(line[n+1 : n+1+host])
		n += 1 + host
	}
	block.Advance(n)
	node.AppendChild(node, ast.NewTextSegment(seg.WithStop(seg.Start+n)))
	return node
}

// nameLength is the length of the name b starts with: runs of ok bytes
// joined by '.' or '-', so that "@bob." ends a sentence after "bob".
func nameLength(b []byte, ok func(byte) bool) int {
	end := 0
	for i, c := range b {
		switch {
		case ok(c):
			end = i + 1
		case (c == '.' || c == '-') && end > 0:
		default:
			return end
		}
	}
	return end
}

// hostLength is the length of the host name b starts with, with a port
// (loopback test nodes have one) when one follows.
func hostLength(b []byte) int {
	n := nameLength(b, isAlnumByte)
	if n == 0 || n+1 >= len(b) || b[n] != ':' {
		return n
	}
	port := 0
	for port < 5 && n+1+port < len(b) && isDigitByte(b[n+1+port]) {
		port++
	}
	if port == 0 || (n+1+port < len(b) && isWordByte(b[n+1+port])) {
		return n
	}
	return n + 1 + port
}

func isDigitByte(c byte) bool { return c >= '0' && c <= '9' }

func isAlnumByte(c byte) bool {
	return isDigitByte(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isWordByte(c byte) bool { return c == '_' || isAlnumByte(c) }

// socialRenderer writes linked hashtags and mentions exactly as Mastodon
// does, so that its clients and stylesheets treat ours like its own.
type socialRenderer struct{}

func (socialRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(kindHashtag, renderHashtag)
	reg.Register(kindMention, renderMention)
}

func renderHashtag(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*hashtagNode)
	if !entering || n.Href == "" {
		return ast.WalkContinue, nil // the text child shows it as written
	}
	_, _ = w.WriteString(`<a href="`)
	_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(n.Href), false)))
	_, _ = w.WriteString(`" class="mention hashtag" rel="tag">#<span>`)
	_, _ = w.Write(util.EscapeHTML([]byte(n.Written)))
	_, _ = w.WriteString(`</span></a>`)
	return ast.WalkSkipChildren, nil
}

func renderMention(w util.BufWriter, _ []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*mentionNode)
	if !entering || n.Href == "" {
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString(`<span class="h-card" translate="no"><a href="`)
	_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(n.Href), false)))
	_, _ = w.WriteString(`" class="u-url mention">@<span>`)
	_, _ = w.Write(util.EscapeHTML([]byte(n.User)))
	_, _ = w.WriteString(`</span></a></span>`)
	return ast.WalkSkipChildren, nil
}
