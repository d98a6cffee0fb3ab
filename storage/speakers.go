package storage

import (
	"context"
	"errors"

	"kring/content"
)

// STUB (owned by the speakers-federation helper): the signatures are the
// contract with the web; the bodies are to be written.

var errNotBuilt = errors.New("not built yet")

// SpeakerEntry is a local speaker as the speakers page lists them.
type SpeakerEntry struct {
	Member  content.Member
	Profile content.Profile
}

// TopicCount is a topic with how many speakers (or members) have it.
type TopicCount struct {
	Key, Label string
	Count      int
}

// SpeakerInvitation is a request as one local speaker received it.
type SpeakerInvitation struct {
	Request   content.SpeakerRequest
	Recipient content.SpeakerRecipient
}

// Speakers lists the local speakers who are not suspended, by name;
// topicKey (content.TopicKey) narrows them to one speaker topic.
func (db *DB) Speakers(ctx context.Context, topicKey string) ([]SpeakerEntry, error) {
	return nil, errNotBuilt
}

// SpeakerTopics lists the speaker topics of local speakers with how many
// have each, by label.
func (db *DB) SpeakerTopics(ctx context.Context) ([]TopicCount, error) { return nil, errNotBuilt }

// CreateSpeakerRequest stores a request and whom it reached, in one
// transaction; it fills IDs.
func (db *DB) CreateSpeakerRequest(ctx context.Context, r *content.SpeakerRequest, recipients []content.SpeakerRecipient) error {
	return errNotBuilt
}

// SpeakerRequestByToken finds a request by its token (not found: KindNotFound).
func (db *DB) SpeakerRequestByToken(ctx context.Context, token string) (*content.SpeakerRequest, error) {
	return nil, errNotBuilt
}

// SpeakerRecipients lists whom a request reached, answers included, by name.
func (db *DB) SpeakerRecipients(ctx context.Context, requestID int64) ([]content.SpeakerRecipient, error) {
	return nil, errNotBuilt
}

// SpeakerRecipientByToken finds a recipient by the secret of their answer
// link, with the request.
func (db *DB) SpeakerRecipientByToken(ctx context.Context, answerToken string) (*content.SpeakerRecipient, *content.SpeakerRequest, error) {
	return nil, nil, errNotBuilt
}

// SpeakerRequestsBy lists a member's own requests, newest first.
func (db *DB) SpeakerRequestsBy(ctx context.Context, requesterID int64) ([]content.SpeakerRequest, error) {
	return nil, errNotBuilt
}

// SpeakerRequestsFor lists the requests a local speaker received, newest first.
func (db *DB) SpeakerRequestsFor(ctx context.Context, memberID int64) ([]SpeakerInvitation, error) {
	return nil, errNotBuilt
}
