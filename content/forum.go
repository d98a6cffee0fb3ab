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
