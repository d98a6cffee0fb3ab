package federation

import (
	"context"
	"errors"

	"kring/content"
)

// STUB (owned by the speakers-federation helper): the signatures are the
// contract with the web; the bodies are to be written.

var errSpeakersNotBuilt = errors.New("not built yet")

// SpeakerRequest is a speaker request's page: its id in notifications and
// direct messages.
func (i IRIs) SpeakerRequest(token string) string { return i.base + "/speakers/requests/" + token }

// SpeakerAnswer is a recipient's answer link (the token is their secret).
func (i IRIs) SpeakerAnswer(answerToken string) string {
	return i.base + "/speakers/answer/" + answerToken
}

// RequestSpeakers validates and stores a member's request, and delivers it
// to every matching speaker: a notification to each local speaker whose
// speaker topics hold the topic (and who speaks the language, when one is
// asked), a direct message from the Speakers group to each follower of the
// group whose actor carries the topic as a hashtag. It returns the request
// (ID and Token filled) and whom it reached.
func (n *Node) RequestSpeakers(ctx context.Context, m *content.Member, r *content.SpeakerRequest) ([]content.SpeakerRecipient, error) {
	return nil, errSpeakersNotBuilt
}

// AnswerSpeakerRequest records the answer of the recipient whose answer
// link holds answerToken (a later answer replaces an earlier one) and
// tells the requester. A closed request takes no answers (KindConflict).
func (n *Node) AnswerSpeakerRequest(ctx context.Context, answerToken string, a content.SpeakerAnswer, note string) (*content.SpeakerRequest, error) {
	return nil, errSpeakersNotBuilt
}

// CloseSpeakerRequest closes a member's own request and tells every
// recipient: local ones by notification, remote ones by direct message.
func (n *Node) CloseSpeakerRequest(ctx context.Context, m *content.Member, token string) error {
	return errSpeakersNotBuilt
}
