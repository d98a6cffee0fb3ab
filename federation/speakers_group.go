package federation

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"

	vocab "github.com/go-ap/activitypub"

	"kring/content"
)

// The node's Speakers group: a Group actor (speakers@host) that speakers
// on other nodes and the wider fediverse follow to receive speaker
// requests. It accepts every follow at once, publishes nothing in public,
// and sends each request as a direct message to the followers whose actor
// carries the request's topic as a hashtag (speakers_requests.go).

// SpeakersUsername is the Speakers group's handle: speakers@host.
// content reserves the name, so no member or forum can take it.
const SpeakersUsername = "speakers"

// speakersGroupPath is the Speakers group actor's path.
const speakersGroupPath = "/speakers/group"

// speakersMessagesPath is where the group's direct messages live; a reply
// to anything under it is an answer to a request (isSpeakersReply).
const speakersMessagesPath = "/speakers/messages/"

// SpeakersGroup is the Speakers group actor's id.
func (i IRIs) SpeakersGroup() string { return i.base + speakersGroupPath }

// SpeakersPage is the web page of the speakers network (the web package's).
func (i IRIs) SpeakersPage() string { return i.base + "/speakers" }

// SpeakersMessage is the id of a direct message of the Speakers group.
func (i IRIs) SpeakersMessage(id string) string { return i.base + speakersMessagesPath + id }

func (n *Node) speakersRoutes() []Route {
	return []Route{
		{Pattern: "GET " + speakersGroupPath, Handler: n.handler(n.serveSpeakersGroup)},
		{Pattern: "GET " + speakersGroupPath + "/outbox", Handler: n.handler(n.serveSpeakersCollection(IRIs.Outbox, nil))},
		{Pattern: "GET " + speakersGroupPath + "/followers", Handler: n.handler(n.serveSpeakersCollection(IRIs.Followers, &n.followerItems))},
		{Pattern: "POST " + speakersGroupPath + "/inbox", Handler: http.HandlerFunc(n.serveInbox), MaxBody: MaxInboxBody},
		{Pattern: "GET " + speakersMessagesPath + "{id}", Handler: n.handler(n.serveSpeakersMessage)},
	}
}

// speakersKeyMu keeps one process from generating two key pairs at once;
// SetSpeakersKeys keeps the first pair stored if two processes race.
var speakersKeyMu sync.Mutex

// speakersNode returns the node's settings with the Speakers group's key
// pair, made on first use.
func (n *Node) speakersNode(ctx context.Context) (*content.Node, error) {
	node, err := n.db.Node(ctx)
	if err != nil || node.SpeakersPublicKeyPEM != "" {
		return node, err
	}
	speakersKeyMu.Lock()
	defer speakersKeyMu.Unlock()
	if node, err = n.db.Node(ctx); err != nil || node.SpeakersPublicKeyPEM != "" {
		return node, err
	}
	keys, err := content.GenerateKeyPair()
	if err != nil {
		return nil, fmt.Errorf("speakers group key: %w", err)
	}
	if _, err := n.db.SetSpeakersKeys(ctx, keys.PublicPEM, keys.PrivatePEM); err != nil {
		return nil, fmt.Errorf("store speakers group key: %w", err)
	}
	return n.db.Node(ctx) // the pair stored, ours or a racing process's
}

// speakersPrivateKeyPEM is the signer lookup's hook (outbox.go,
// privateKeyPEM): ok reports whether actor is the Speakers group.
func (n *Node) speakersPrivateKeyPEM(ctx context.Context, actor string) (pemText string, ok bool, err error) {
	if actor != n.iris.SpeakersGroup() {
		return "", false, nil
	}
	node, err := n.speakersNode(ctx)
	if err != nil {
		return "", true, err
	}
	return node.SpeakersPrivateKeyPEM, true, nil
}

func (n *Node) serveSpeakersGroup(w http.ResponseWriter, r *http.Request) error {
	varyAccept(w)
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, n.iris.SpeakersPage(), http.StatusFound)
		return nil
	}
	node, err := n.speakersNode(r.Context())
	if err != nil {
		return err
	}
	doc, err := n.speakersDocument(node)
	if err != nil {
		return err
	}
	return writeActivityJSON(w, http.StatusOK, doc)
}

// speakersGroupText is the group's name and summary in the node's
// language; the node's name follows the dash.
var speakersGroupText = map[content.Language][2]string{
	content.LanguageDutch: {"Sprekers — ",
		"Volg deze groep om sprekersverzoeken over je onderwerpen als direct bericht te ontvangen. " +
			"Een verzoek bereikt je wanneer een van de hashtags op je profiel het onderwerp is. " +
			"Antwoord via de link in het bericht, of beantwoord het bericht."},
	content.LanguageEnglish: {"Speakers — ",
		"Follow this group to receive speaker requests on your topics as direct messages. " +
			"A request reaches you when one of the hashtags on your profile is its topic. " +
			"Answer through the link in the message, or reply to it."},
}

// speakersDocument is the Speakers group's actor document.
func (n *Node) speakersDocument(node *content.Node) (map[string]any, error) {
	text, ok := speakersGroupText[node.DefaultLanguage]
	if !ok {
		text = speakersGroupText[content.LanguageDutch]
	}
	name := node.Name
	if name == "" {
		name = n.iris.Host()
	}
	id := n.iris.SpeakersGroup()
	doc, err := n.actorDocument(actorDoc{
		Type: vocab.GroupType, ID: id, Username: SpeakersUsername, Name: text[0] + name,
		SummaryHTML: textToHTML(text[1]), URL: n.iris.SpeakersPage(),
		Inbox: n.iris.Inbox(id), Outbox: n.iris.Outbox(id), Followers: n.iris.Followers(id),
		PublicKeyPEM: node.SpeakersPublicKeyPEM, Discoverable: true,
	})
	if err != nil {
		return nil, fmt.Errorf("speakers group: %w", err)
	}
	// Nobody posts into this group: Lemmy's flag says so.
	doc["postingRestrictedToMods"] = true
	return doc, nil
}

func (n *Node) serveSpeakersCollection(iri func(IRIs, string) string, src *collectionSource) fedHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := n.iris.SpeakersGroup()
		var source collectionSource
		if src != nil {
			source = *src
		}
		return serveCollection(w, r, iri(n.iris, id), id, source)
	}
}

// onSpeakersFollow: the Speakers group accepts every follow at once, and
// answers a repeated Follow again (the sender may have lost the Accept).
func (n *Node) onSpeakersFollow(ctx context.Context, it *content.InboxItem, act *activity) (string, error) {
	remote, err := n.remoteActor(ctx, it.Actor, false)
	if err != nil {
		return "", fmt.Errorf("fetch follower %s: %w", it.Actor, err)
	}
	group := n.iris.SpeakersGroup()
	if err := n.db.PutFollow(ctx, &content.Follow{IRI: act.ID, Follower: it.Actor, Followee: group, State: content.FollowAccepted}); err != nil {
		return "", err
	}
	if err := n.sendAccept(ctx, group, remote, it.Body); err != nil {
		return "", err
	}
	return "accepted: " + it.Actor + " follows the Speakers group", nil
}

// speakersWebFinger answers speakers@host.
func (n *Node) speakersWebFinger(username string) (*jrd, bool) {
	if !strings.EqualFold(username, SpeakersUsername) {
		return nil, false
	}
	group := n.iris.SpeakersGroup()
	return &jrd{
		Subject: "acct:" + SpeakersUsername + "@" + n.iris.Host(),
		Aliases: []string{group},
		Links: []jrdLink{
			{Rel: relSelf, Type: activityType, Href: group},
			{Rel: relProfilePage, Type: "text/html", Href: n.iris.SpeakersPage()},
		},
	}, true
}

// serveSpeakersMessage serves a direct message of the group at its id, as
// Mastodon serves a direct status: only to a signed request by its
// addressee; everyone else gets the 404 of a missing document. The
// message is read back from the Create that carried it (same id).
func (n *Node) serveSpeakersMessage(w http.ResponseWriter, r *http.Request) error {
	varyBySignature(w)
	id := r.PathValue("id")
	a, err := n.db.ActivityByIRI(r.Context(), n.iris.Activity(id))
	if err != nil || a.Actor != n.iris.SpeakersGroup() || a.ObjectIRI != n.iris.SpeakersMessage(id) {
		return errNoObject()
	}
	note, err := embeddedObject(a.Body)
	if err != nil || !n.readPrivate(w, r, a.Actor, note) {
		return errNoObject()
	}
	doc, err := withContextRaw(note)
	if err != nil {
		return errNoObject()
	}
	writeRawActivityJSON(w, doc)
	return nil
}
