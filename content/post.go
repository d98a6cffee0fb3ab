package content

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Visibility says who may read a post and how it is addressed.
type Visibility string

// The visibilities, as Mastodon knows them: public posts are addressed to
// Public and listed everywhere; unlisted ones are readable by link but left
// out of public listings (Public in cc); followers-only ones go to the
// followers collection alone.
const (
	VisibilityPublic    Visibility = "public"
	VisibilityUnlisted  Visibility = "unlisted"
	VisibilityFollowers Visibility = "followers"
)

// ParseVisibility validates a visibility name; empty means public.
func ParseVisibility(s string) (Visibility, error) {
	switch v := Visibility(strings.ToLower(strings.TrimSpace(s))); v {
	case "":
		return VisibilityPublic, nil
	case VisibilityPublic, VisibilityUnlisted, VisibilityFollowers:
		return v, nil
	}
	return "", Errorf(KindInvalid, "visibility", "visibility.invalid", "unknown visibility %q: use public, unlisted or followers", s)
}

// PostState is where a post is in its life.
type PostState string

// The post states. A deleted post keeps its row so that its URL answers
// 410 Gone with a Tombstone.
const (
	PostDraft     PostState = "draft"
	PostPublished PostState = "published"
	PostDeleted   PostState = "deleted"
)

// Post is a blog post written on this node. Body is the Markdown source;
// Content the sanitised HTML made from it; Lead the plain-text summary
// that servers showing only a title and summary (Mastodon) show.
type Post struct {
	ID         int64
	IRI        string
	AuthorID   int64
	Author     string // the author's username, filled in by reads
	Slug       string
	Title      string
	Summary    string // as written; empty means the lead comes from the body
	Body       string
	Content    string
	Lead       string
	Tags       []string // lower case, without '#'
	Language   Language
	Visibility Visibility
	State      PostState
	AsNote     bool // federate as a Note with the full text instead of an Article
	CoverID    int64
	MediaIDs   []int64 // images in the post, in order (the cover first when set)
	Published  time.Time
	Updated    time.Time
	CreatedAt  time.Time
}

// Listed reports whether the post appears in public listings and feeds.
func (p *Post) Listed() bool {
	return p.State == PostPublished && p.Visibility == VisibilityPublic
}

// Limits on what a post may hold.
const (
	MaxPostTitleLen   = 200
	MaxPostSummaryLen = 500
	// MaxPostBodyBytes keeps rendering bounded: goldmark is quadratic on
	// some hostile inputs (100 KiB of "[a](" takes seconds).
	MaxPostBodyBytes = 64 << 10
	// MaxPostTags, MaxPostMentions and MaxPostMedia are in limits.go.
)

// ValidatePostText checks the parts of a post a member writes.
func ValidatePostText(title, summary, body string) error {
	title = strings.TrimSpace(title)
	switch {
	case title == "":
		return Errorf(KindInvalid, "title", "post.title_empty", "a post needs a title")
	case utf8.RuneCountInString(title) > MaxPostTitleLen:
		return Errorf(KindInvalid, "title", "post.title_long", "the title is longer than %d characters", MaxPostTitleLen)
	case strings.ContainsAny(title, "\r\n"):
		return Errorf(KindInvalid, "title", "post.title_lines", "the title must be one line")
	case utf8.RuneCountInString(summary) > MaxPostSummaryLen:
		return Errorf(KindInvalid, "summary", "post.summary_long", "the summary is longer than %d characters", MaxPostSummaryLen)
	case strings.TrimSpace(body) == "":
		return Errorf(KindInvalid, "body", "post.body_empty", "the post has no text")
	case len(body) > MaxPostBodyBytes:
		return Errorf(KindInvalid, "body", "post.body_long", "the text is larger than %d KiB", MaxPostBodyBytes>>10)
	case !utf8.ValidString(title + summary + body):
		return Errorf(KindInvalid, "body", "post.encoding", "the text is not valid UTF-8")
	}
	return ValidatePostCaps(body, nil, 0)
}

// Media is an image a member uploaded, stored under the data folder with
// its metadata stripped. Alt describes it for people who cannot see it.
type Media struct {
	ID        int64
	Name      string // file name under <data>/media, also its URL path
	OwnerID   int64
	MediaType string
	Width     int
	Height    int
	Size      int64
	Alt       string
	Blurhash  string
	CreatedAt time.Time
}

// Attachment is a file attached to a received object, as it said.
type Attachment struct {
	URL       string `json:"url"`
	MediaType string `json:"mediaType,omitempty"`
	Name      string `json:"name,omitempty"`
	Width     int    `json:"width,omitempty"`
	Height    int    `json:"height,omitempty"`
}

// ReactionKind is a like or a boost.
type ReactionKind string

// The reaction kinds.
const (
	ReactionLike     ReactionKind = "like"
	ReactionAnnounce ReactionKind = "announce"
)

// Reaction is one actor's like or boost of an object.
type Reaction struct {
	ActivityIRI string
	Kind        ReactionKind
	Actor       string
	ObjectIRI   string
	CreatedAt   time.Time
}

// Comment is a reply under a post (or a thread), local or received, in
// the place the thread gives it. Depth 1 answers the post itself.
type Comment struct {
	Object
	Depth int
}

// Page is a static page (about, the network, contact) in one language.
type Page struct {
	ID       int64
	Slug     string
	Language Language
	Title    string
	Body     string // Markdown
	Content  string // sanitised HTML
	NavOrder int
	Updated  time.Time
}

// NotificationKind is what a notification tells.
type NotificationKind string

// The notification kinds.
const (
	NotifyFollow        NotificationKind = "follow"
	NotifyFollowRequest NotificationKind = "follow_request"
	NotifyMention       NotificationKind = "mention"
	NotifyReply         NotificationKind = "reply"
	NotifyLike          NotificationKind = "like"
	NotifyAnnounce      NotificationKind = "announce"
	NotifyThread        NotificationKind = "thread" // a new thread in a forum the member follows

	// Events: the organiser hears of joins and requests; participants of
	// answers, the day before, and of changes and cancellations.
	NotifyEventJoin      NotificationKind = "event_join"
	NotifyEventRequest   NotificationKind = "event_request"
	NotifyEventAccepted  NotificationKind = "event_accepted"
	NotifyEventRejected  NotificationKind = "event_rejected"
	NotifyEventReminder  NotificationKind = "event_reminder"
	NotifyEventChanged   NotificationKind = "event_changed"
	NotifyEventCancelled NotificationKind = "event_cancelled"

	// Speakers: a speaker hears of a request on their topic and of its
	// closing; the requester of each answer.
	NotifySpeakerRequest NotificationKind = "speaker_request"
	NotifySpeakerAnswer  NotificationKind = "speaker_answer"
	NotifySpeakerClosed  NotificationKind = "speaker_closed"
)

// Notification tells a member that someone did something concerning them.
type Notification struct {
	ID        int64
	MemberID  int64
	Kind      NotificationKind
	Actor     string
	ActorName string
	ObjectIRI string
	CreatedAt time.Time
	Read      bool
}
