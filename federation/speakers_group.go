package federation

import (
	"context"

	"kring/content"
)

// STUB (owned by the speakers helper): the node's Speakers group actor.

// SpeakersUsername is the Speakers group's handle: speakers@host.
const SpeakersUsername = "speakers"

// speakersGroupPath is the Speakers group actor's path.
const speakersGroupPath = "/speakers/group"

// SpeakersGroup is the Speakers group actor's id.
func (i IRIs) SpeakersGroup() string { return i.base + speakersGroupPath }

func (n *Node) speakersRoutes() []Route { return nil }

func (n *Node) onSpeakersFollow(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	return "ignored: follow of the Speakers group (not built yet)", nil
}

func (n *Node) speakersWebFinger(username string) (*jrd, bool) { return nil, false }

func (n *Node) isSpeakersReply(obj *content.Object) bool { return false }

func (n *Node) onSpeakersReply(ctx context.Context, actor string, obj *content.Object) (string, error) {
	return "ignored", nil
}
