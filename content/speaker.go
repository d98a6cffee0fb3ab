package content

import (
	"strings"
	"time"
	"unicode/utf8"
)

// SpeakerRequest is one organiser's call for a speaker: delivered to every
// speaker whose speaker topics hold Topic (and who speaks Language, when
// set), answered from a link or by reply, bundled on its page.
type SpeakerRequest struct {
	ID          int64
	Token       string // the request's id in URLs and IRIs
	RequesterID int64
	EventTitle  string
	EventID     int64  // the agenda's event, 0 when there is none
	EventDate   string // YYYY-MM-DD
	Place       string
	Online      bool
	Audience    string
	Topic       string
	Language    string // a language tag; empty: any
	Ask         string // what is asked of the speaker
	State       RequestState
	CreatedAt   time.Time
	ClosedAt    time.Time // zero while open
}

// RequestState is whether a speaker request still takes answers.
type RequestState string

// The request states.
const (
	RequestOpen   RequestState = "open"
	RequestClosed RequestState = "closed"
)

// SpeakerRecipient is one speaker a request reached, with their answer.
type SpeakerRecipient struct {
	ID          int64
	RequestID   int64
	Actor       string // actor IRI, local or remote
	MemberID    int64  // 0 for a remote speaker
	Name        string
	URL         string // the speaker's profile page
	NoteIRI     string // the direct message sent to a remote speaker
	AnswerToken string // the secret in the answer link
	Answer      SpeakerAnswer
	AnswerNote  string // plain text
	AnsweredVia AnswerVia
	AnsweredAt  time.Time
}

// SpeakerAnswer is what a speaker answered; empty until they do.
type SpeakerAnswer string

// The answers.
const (
	AnswerNone        SpeakerAnswer = ""
	AnswerAvailable   SpeakerAnswer = "available"
	AnswerUnavailable SpeakerAnswer = "unavailable"
	AnswerNote        SpeakerAnswer = "note" // only a note: neither yes nor no
)

// AnswerVia is how an answer came in.
type AnswerVia string

// The ways to answer.
const (
	ViaLink  AnswerVia = "link"
	ViaReply AnswerVia = "reply"
)

// ParseSpeakerAnswer validates an answer from a form.
func ParseSpeakerAnswer(s string) (SpeakerAnswer, error) {
	switch a := SpeakerAnswer(strings.TrimSpace(s)); a {
	case AnswerAvailable, AnswerUnavailable, AnswerNote:
		return a, nil
	}
	return "", Errorf(KindInvalid, "answer", "answer.invalid", "answer %q is not available, unavailable or note", s)
}

// Speaker request limits.
const (
	MaxRequestLine = 200  // event title, place, audience
	MaxRequestAsk  = 2000 // what is asked
	MaxAnswerNote  = 1000
)

// Validate checks a request as an organiser fills it in. The caller
// trims the fields.
func (r *SpeakerRequest) Validate() error {
	if r.EventTitle == "" {
		return Errorf(KindInvalid, "event_title", "event_title.empty", "name the event the speaker is asked for")
	}
	for _, f := range []struct{ field, value string }{
		{"event_title", r.EventTitle}, {"place", r.Place}, {"audience", r.Audience},
	} {
		if err := checkLine(f.field, f.value, MaxRequestLine); err != nil {
			return err
		}
	}
	if _, err := time.Parse(time.DateOnly, r.EventDate); err != nil {
		return Errorf(KindInvalid, "event_date", "event_date.invalid", "date %q is not a date such as 2026-12-10", r.EventDate)
	}
	if r.Place == "" && !r.Online {
		return Errorf(KindInvalid, "place", "place.empty", "give a place, or say the event is online")
	}
	if TopicKey(r.Topic) == "" {
		return Errorf(KindInvalid, "topic", "topic.empty", "name the topic, so that the request finds its speakers")
	}
	if err := checkTopics("topic", []string{r.Topic}); err != nil {
		return err
	}
	if r.Language != "" {
		if err := checkLanguages("language", []string{r.Language}); err != nil {
			return err
		}
	}
	if strings.TrimSpace(r.Ask) == "" {
		return Errorf(KindInvalid, "ask", "ask.empty", "say what is asked of the speaker")
	}
	if utf8.RuneCountInString(r.Ask) > MaxRequestAsk {
		return Errorf(KindInvalid, "ask", "ask.long", "what is asked is longer than %d characters", MaxRequestAsk)
	}
	return nil
}
