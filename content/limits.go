package content

import (
	"github.com/yuin/goldmark/text"
)

// Caps on what one post holds, as members write it. Mastodon allows 4
// attachments and GoToSocial 6; a blog post here is an article, and 8
// images suit one (Mastodon shows the first 4). Twenty hashtags and
// twenty mentions are more than any honest post needs and bound the work
// one post causes: a WebFinger lookup and a delivery per mention, a tag
// row per hashtag.
const (
	MaxPostTags     = 20
	MaxPostMentions = 20
	MaxPostMedia    = 8
)

// Caps on what is received from other servers. Beyond them the excess is
// dropped and the rest kept: a real post is never refused for them. They
// sit above what the big servers send (Misskey attaches up to 16 files;
// a 500-character Mastodon post holds fewer than 64 hashtags) and bound
// what one activity of up to 1 MiB can make this node store and look up.
const (
	MaxReceivedTags        = 64
	MaxReceivedMentions    = 100
	MaxReceivedAttachments = 16
)

// MaxReplyDepth is how deep a reply chain is kept: a reply whose parent
// is this deep is not stored. Each level lengthens the thread index of
// every reply below it and nests the thread page one list deeper; real
// conversations stay far above this floor (Lemmy stops at 50).
const MaxReplyDepth = 100

// The codes of the cap refusals, which the web maps to its messages.
const (
	CodePostTagsMany     = "post.tags_many"
	CodePostMentionsMany = "post.mentions_many"
	CodePostMediaMany    = "post.media_many"
)

// ValidatePostCaps checks what a member wrote against the caps: the
// distinct hashtags of the body together with extraTags (a form's tag
// field), the distinct mentions of the body, and the number of images.
// The error names the cap, so that the writer knows what to remove.
func ValidatePostCaps(body string, extraTags []string, images int) error {
	tags, mentions := countSocial(body, extraTags)
	field := "body"
	if len(extraTags) > 0 {
		field = "tags"
	}
	switch {
	case tags > MaxPostTags:
		return Errorf(KindInvalid, field, CodePostTagsMany, "a post holds at most %d hashtags; this one has %d", MaxPostTags, tags)
	case mentions > MaxPostMentions:
		return Errorf(KindInvalid, "body", CodePostMentionsMany, "a post mentions at most %d people; this one mentions %d", MaxPostMentions, mentions)
	case images > MaxPostMedia:
		return Errorf(KindInvalid, "media", CodePostMediaMany, "a post holds at most %d images; this one has %d", MaxPostMedia, images)
	}
	return nil
}

// countSocial counts the distinct hashtags (with extra) and mentions of a
// Markdown text, as RenderMarkdown finds them but without stopping at the
// caps. A mention without a host counts as a local one.
func countSocial(body string, extra []string) (tags, mentions int) {
	seenTags, seenMentions := map[string]bool{}, map[string]bool{}
	for _, t := range extra {
		if tag, ok := NormalizeTag(t); ok {
			seenTags[tag] = true
		}
	}
	if body != "" {
		source := []byte(body)
		doc := markdown().Parser().Parse(text.NewReader(source))
		walkSocial(doc,
			func(n *hashtagNode) { seenTags[n.Tag] = true },
			func(n *mentionNode) {
				if h := n.handle("local.invalid"); h != "" {
					seenMentions[h] = true
				}
			})
	}
	return len(seenTags), len(seenMentions)
}
