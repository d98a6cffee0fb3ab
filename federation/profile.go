package federation

import (
	"context"
	"fmt"
	"strings"

	"kring/content"
	"kring/storage"
)

// profileFieldNames are the names of a member's profile fields in the
// member's language: remote servers show them as they are.
var profileFieldNames = map[content.Language][4]string{
	content.LanguageDutch:   {"Organisatie", "Functie", "Regio", "Talen"},
	content.LanguageEnglish: {"Organisation", "Role", "Region", "Languages"},
}

// profileFields are a profile's PropertyValue attachments: organisation,
// role, region and languages when filled in, then the member's links.
func profileFields(p *content.Profile, lang content.Language) []ProfileField {
	names, ok := profileFieldNames[lang]
	if !ok {
		names = profileFieldNames[content.LanguageDutch]
	}
	var out []ProfileField
	for i, v := range []string{p.Organisation, p.JobTitle, p.Region, strings.Join(p.Languages, ", ")} {
		if v != "" {
			out = append(out, ProfileField{Name: names[i], Value: v})
		}
	}
	for _, l := range p.Links {
		out = append(out, ProfileField{Name: l.Name, Value: l.URL, Link: true})
	}
	return out
}

// profileHashtags are a member's topics as hashtags: topics of expertise,
// then a speaker's speaker topics, each topic once. Remote Kring nodes
// match speaker requests on them (speakers_requests.go).
func profileHashtags(p *content.Profile) []string {
	topics := p.Topics
	if p.Speaker {
		topics = append(append([]string(nil), topics...), p.SpeakerTopics...)
	}
	var out []string
	seen := map[string]bool{}
	for _, t := range content.CleanTopics(topics) {
		h := content.TopicHashtag(t)
		if k := strings.ToLower(h); h != "" && !seen[k] {
			seen[k] = true
			out = append(out, h)
		}
	}
	return out
}

// PublishProfile tells the fediverse that a member's profile changed: an
// Update of their Person goes to their followers' inboxes and to the
// inboxes of the remote actors they follow, each inbox once. The actors
// they follow matter too: a Speakers group on another node they follow
// learns their new speaker topics (hashtags) from it. Call it after the
// profile is stored; it reads the member's document as it is served.
func (n *Node) PublishProfile(ctx context.Context, m *content.Member) error {
	if m.Suspended {
		return nil // a suspended member's actor answers 410: nothing to update
	}
	actor := n.iris.Actor(m.Username)
	doc, err := n.memberDocument(ctx, m)
	if err != nil {
		return fmt.Errorf("profile update of %s: %w", actor, err)
	}
	pub, err := n.actorUpdate(ctx, actor, doc)
	if err != nil {
		return fmt.Errorf("profile update of %s: %w", actor, err)
	}
	followed, err := n.followedInboxes(ctx, actor)
	if err != nil {
		return err
	}
	// The queue keeps one delivery per inbox: a follower who is followed
	// back, or two actors on one shared inbox, get the Update once.
	pub.Targets = append(pub.Targets, followed...)
	if len(pub.Targets) == 0 {
		return nil // nobody to tell; the document is served as it is
	}
	if err := n.db.Publish(ctx, pub.Activity, nil, pub.Signer, pub.Targets); err != nil {
		return fmt.Errorf("profile update of %s: %w", actor, err)
	}
	n.wakeDelivery()
	return nil
}

// followedInboxes are the delivery inboxes of the remote actors a local
// actor follows (accepted follows); local followees read the database.
func (n *Node) followedInboxes(ctx context.Context, actor string) ([]storage.Target, error) {
	var out []storage.Target
	const page = 500
	for offset := 0; ; offset += page {
		total, iris, err := n.db.Following(ctx, actor, offset, page)
		if err != nil {
			return nil, err
		}
		for _, iri := range iris {
			if n.iris.IsLocal(iri) {
				continue
			}
			ra, err := n.db.RemoteActor(ctx, iri)
			if content.KindOf(err) == content.KindNotFound {
				continue // never fetched: nowhere to deliver
			}
			if err != nil {
				return nil, err
			}
			if inbox := ra.DeliveryInbox(); inbox != "" {
				out = append(out, storage.Target{Inbox: inbox, Host: hostOf(inbox)})
			}
		}
		if offset+page >= total || len(iris) == 0 {
			return out, nil
		}
	}
}
