package content

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Forum is a discussion category, published as a Group actor (FEP-1b12)
// that anyone on the fediverse can follow. Its name is a handle in the
// same namespace as members' usernames: a Person and a Group never share
// one.
type Forum struct {
	ID                 int64
	Name               string
	Title              string
	Description        string
	Language           Language
	MembersOnlyThreads bool
	PublicKeyPEM       string
	PrivateKeyPEM      string
	CreatedAt          time.Time
}

// MaxForumTitleLen bounds a forum's title.
const MaxForumTitleLen = 100

// NewForum validates a new forum; the caller adds the key pair.
func NewForum(name, title, description string, lang Language) (*Forum, error) {
	name = strings.TrimSpace(name)
	if err := ValidateUsername(name); err != nil {
		e, _ := AsError(err)
		return nil, Errorf(KindInvalid, "name", strings.Replace(e.Code, "username.", "forum_name.", 1),
			"%s", strings.Replace(e.Message, "username", "forum name", 1))
	}
	title = strings.TrimSpace(title)
	if title == "" {
		title = name
	}
	if utf8.RuneCountInString(title) > MaxForumTitleLen || strings.ContainsAny(title, "\r\n\t") {
		return nil, Errorf(KindInvalid, "title", "forum_title.invalid", "forum title must be one line of at most %d characters", MaxForumTitleLen)
	}
	if utf8.RuneCountInString(description) > MaxBioLen {
		return nil, Errorf(KindInvalid, "description", "forum_description.long", "forum description is longer than %d characters", MaxBioLen)
	}
	if lang == "" {
		lang = LanguageDutch
	}
	return &Forum{Name: name, Title: title, Description: strings.TrimSpace(description), Language: lang}, nil
}

// Thread is a forum thread as forum pages list it: the Page that started
// it (an object, local or received) with what its replies changed.
type Thread struct {
	ID           int64
	IRI          string
	ForumID      int64
	Forum        string // the forum's name, filled in by reads
	Title        string
	Author       string // actor IRI
	AuthorName   string
	AuthorHandle string
	Created      time.Time
	LastActivity time.Time
	ReplyCount   int
	Locked       bool
	Pinned       bool
	AnswerIRI    string // the reply marked as the answer, if any
	Deleted      bool
}

// Answered reports whether a reply is marked as the answer.
func (t *Thread) Answered() bool { return t.AnswerIRI != "" }

// MaxThreadTitleLen bounds a thread's title.
const MaxThreadTitleLen = 200

// ThreadTitle takes a thread's title from what a remote author sent: its
// name, else the first line of its text (Mastodon posts have no name),
// cut to MaxThreadTitleLen runes.
func ThreadTitle(name, text string) string {
	title := strings.TrimSpace(name)
	if title == "" {
		title, _, _ = strings.Cut(strings.TrimSpace(text), "\n")
		title = dropLeadingMentions(title)
	}
	title = strings.Join(strings.Fields(title), " ")
	if r := []rune(title); len(r) > MaxThreadTitleLen {
		title = string(r[:MaxThreadTitleLen-1]) + "…"
	}
	if title == "" {
		title = "…"
	}
	return title
}

// ModAction is a moderation action, as the moderation log names it.
type ModAction string

// The moderation actions.
const (
	ModLock         ModAction = "lock"
	ModUnlock       ModAction = "unlock"
	ModPin          ModAction = "pin"
	ModUnpin        ModAction = "unpin"
	ModMove         ModAction = "move"
	ModDelete       ModAction = "delete"
	ModBan          ModAction = "ban"
	ModUnban        ModAction = "unban"
	ModMarkAnswer   ModAction = "mark_answer"
	ModUnmarkAnswer ModAction = "unmark_answer"
	ModAddMod       ModAction = "add_moderator"
	ModRemoveMod    ModAction = "remove_moderator"
)

// ModEntry is one line of the moderation log.
type ModEntry struct {
	ID        int64
	ForumID   int64
	Moderator string // actor IRI
	Action    ModAction
	Target    string // the thread, reply or actor acted on
	Reason    string
	CreatedAt time.Time
}

// dropLeadingMentions removes the handles a post starts with ("@forum
// @anna Wie ..."): they address the post, they are not its subject, and
// Lemmy drops them from the titles it derives too. A post that is only
// mentions keeps them.
func dropLeadingMentions(line string) string {
	words := strings.Fields(line)
	i := 0
	for i < len(words) && len(words[i]) > 1 && words[i][0] == '@' {
		i++
	}
	if i == len(words) {
		return line
	}
	return strings.Join(words[i:], " ")
}
