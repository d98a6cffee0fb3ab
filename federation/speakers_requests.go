package federation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"kring/content"
	"kring/storage"
)

// Speaker requests: an organiser's one request reaches every matching
// speaker — local speakers by notification, remote followers of the
// Speakers group by direct message — and their answers, by link or by
// reply, are bundled on the request.

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
	trimRequest(r)
	r.RequesterID = m.ID
	if err := r.Validate(); err != nil {
		return nil, err
	}
	requester := n.iris.Actor(m.Username)
	local, err := n.localSpeakers(ctx, r, requester)
	if err != nil {
		return nil, err
	}
	remote, err := n.remoteSpeakers(ctx, r, requester)
	if err != nil {
		return nil, err
	}
	r.Token = content.NewToken()
	recipients := append(local, remote...)
	var pubs []*storage.Publication
	for i := range recipients {
		recipients[i].AnswerToken = content.NewToken()
		if recipients[i].MemberID != 0 {
			continue
		}
		pub, err := n.requestMessage(ctx, m, r, &recipients[i])
		if err != nil {
			return nil, err
		}
		pubs = append(pubs, pub)
	}
	if err := n.db.CreateSpeakerRequestPublishing(ctx, r, recipients, pubs); err != nil {
		return nil, err
	}
	if len(pubs) > 0 {
		n.wakeDelivery()
	}
	for _, rc := range recipients {
		if rc.MemberID != 0 {
			n.tellMember(ctx, rc.MemberID, content.NotifySpeakerRequest, requester, m.Name(), n.iris.SpeakerRequest(r.Token))
		}
	}
	return recipients, nil
}

func trimRequest(r *content.SpeakerRequest) {
	for _, f := range []*string{&r.EventTitle, &r.EventDate, &r.Place, &r.Audience, &r.Topic, &r.Ask} {
		*f = strings.TrimSpace(*f)
	}
	r.Language = strings.ToLower(strings.TrimSpace(r.Language))
}

// localSpeakers are the live local speakers on the request's topic who
// speak its language, the requester excepted.
func (n *Node) localSpeakers(ctx context.Context, r *content.SpeakerRequest, requester string) ([]content.SpeakerRecipient, error) {
	speakers, err := n.db.Speakers(ctx, content.TopicKey(r.Topic))
	if err != nil {
		return nil, err
	}
	var out []content.SpeakerRecipient
	for _, s := range speakers {
		actor := n.iris.Actor(s.Member.Username)
		if actor == requester || !speaksLanguage(&s.Profile, r.Language) {
			continue
		}
		out = append(out, content.SpeakerRecipient{Actor: actor, MemberID: s.Member.ID, Name: s.Member.Name(),
			URL: n.iris.Profile(s.Member.Username)})
	}
	return out, nil
}

// speaksLanguage: the speaker's speaker languages, else their profile's
// languages, hold lang; a speaker who gave no language at all, or a
// request that asks none, matches.
func speaksLanguage(p *content.Profile, lang string) bool {
	langs := p.SpeakerLanguages
	if len(langs) == 0 {
		langs = p.Languages
	}
	if lang == "" || len(langs) == 0 {
		return true
	}
	base, _, _ := strings.Cut(lang, "-")
	return slices.ContainsFunc(langs, func(l string) bool {
		l = strings.ToLower(l)
		lb, _, _ := strings.Cut(l, "-")
		return l == lang || lb == base
	})
}

// remoteSpeakers are the followers of the Speakers group whose stored
// actor document carries the topic as a hashtag: Kring nodes publish a
// member's topics that way, and Mastodon its bio's hashtags. The language
// is not known for them: the message says which one is asked.
func (n *Node) remoteSpeakers(ctx context.Context, r *content.SpeakerRequest, requester string) ([]content.SpeakerRecipient, error) {
	followers, err := n.db.FollowerActors(ctx, n.iris.SpeakersGroup())
	if err != nil {
		return nil, err
	}
	key := content.TopicKey(r.Topic)
	var out []content.SpeakerRecipient
	for _, a := range followers {
		if a.IRI == requester || !slices.Contains(actorTopicKeys([]byte(a.Raw)), key) {
			continue
		}
		name := a.Name
		if name == "" {
			name = a.Username + "@" + a.Host
		}
		url := a.URL
		if url == "" {
			url = a.IRI
		}
		out = append(out, content.SpeakerRecipient{Actor: a.IRI, Name: name, URL: url,
			NoteIRI: n.iris.SpeakersMessage(newID())})
	}
	return out, nil
}

// actorTopicKeys are the TopicKeys of an actor document's Hashtag tags.
func actorTopicKeys(raw []byte) []string {
	var doc struct {
		Tag json.RawMessage `json:"tag"`
	}
	if json.Unmarshal(raw, &doc) != nil {
		return nil
	}
	var keys []string
	for _, item := range items(doc.Tag) {
		var t struct {
			Type json.RawMessage `json:"type"`
			Name string          `json:"name"`
		}
		if json.Unmarshal(item, &t) != nil || typeOf(t.Type) != "Hashtag" {
			continue
		}
		if k := content.TopicKey(t.Name); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// requestMessage is the direct message that brings a request to a remote
// speaker: a Note from the Speakers group to them alone, queued with the
// request (storage.CreateSpeakerRequestPublishing).
func (n *Node) requestMessage(ctx context.Context, m *content.Member, r *content.SpeakerRequest, rc *content.SpeakerRecipient) (*storage.Publication, error) {
	lang := messageLanguage(m, r)
	body := requestHTML(lang, m.Name(), r, n.iris.SpeakerAnswer(rc.AnswerToken))
	return n.directMessage(ctx, rc, lang, body, "")
}

// closedMessage tells a remote speaker that a request is closed, as a
// reply to the message that asked them.
func (n *Node) closedMessage(ctx context.Context, m *content.Member, r *content.SpeakerRequest, rc *content.SpeakerRecipient) (*storage.Publication, error) {
	lang := messageLanguage(m, r)
	return n.directMessage(ctx, rc, lang, closedHTML(lang, m.Name(), r), rc.NoteIRI)
}

// directMessage is a Create of a Note from the Speakers group to one
// remote speaker only, mentioning them (Mastodon's direct message). Its
// id is the recipient's NoteIRI for a request, a new one otherwise; the
// Create shares the note's random part, so that the note can be served
// from the stored activity.
func (n *Node) directMessage(ctx context.Context, rc *content.SpeakerRecipient, lang content.Language, body, inReplyTo string) (*storage.Publication, error) {
	if _, err := n.speakersNode(ctx); err != nil { // the signer needs the key
		return nil, err
	}
	noteIRI := rc.NoteIRI
	if inReplyTo != "" {
		noteIRI = n.iris.SpeakersMessage(newID())
	}
	id := strings.TrimPrefix(noteIRI, n.iris.Base()+speakersMessagesPath)
	group := n.iris.SpeakersGroup()
	handle, inbox := rc.Name, ""
	if a, err := n.db.RemoteActor(ctx, rc.Actor); err == nil {
		handle, inbox = a.Username+"@"+a.Host, a.DeliveryInbox()
	}
	if inbox == "" {
		return nil, fmt.Errorf("speaker %s: no inbox known", rc.Actor)
	}
	mentionHTML := `<p><span class="h-card"><a href="` + escapeAttr(rc.URL) + `" class="u-url mention">@<span>` +
		escapeText(strings.SplitN(handle, "@", 2)[0]) + `</span></a></span></p>`
	html := content.SanitizeHTML(mentionHTML + body)
	now := n.now().Truncate(time.Second).Format(time.RFC3339)
	note := map[string]any{
		"id": noteIRI, "type": "Note", "attributedTo": group, "content": html,
		"contentMap": map[string]string{string(lang): html}, "published": now,
		"to": []string{rc.Actor}, "cc": []string{},
		"tag": []map[string]any{{"type": "Mention", "href": rc.Actor, "name": "@" + handle}},
	}
	if inReplyTo != "" {
		note["inReplyTo"] = inReplyTo
	}
	create := map[string]any{"@context": ASContext, "id": n.iris.Activity(id), "type": "Create", "actor": group,
		"published": now, "to": []string{rc.Actor}, "cc": []string{}, "object": note}
	return n.publication(group, create, noteIRI, false, []storage.Target{{Inbox: inbox, Host: hostOf(inbox)}})
}

// AnswerSpeakerRequest records the answer of the recipient whose answer
// link holds answerToken (a later answer replaces an earlier one) and
// tells the requester. A closed request takes no answers (KindConflict).
func (n *Node) AnswerSpeakerRequest(ctx context.Context, answerToken string, a content.SpeakerAnswer, note string) (*content.SpeakerRequest, error) {
	a, err := content.ParseSpeakerAnswer(string(a))
	if err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	switch {
	case utf8.RuneCountInString(note) > content.MaxAnswerNote:
		return nil, content.Errorf(content.KindInvalid, "note", "answer_note.long", "the note is longer than %d characters", content.MaxAnswerNote)
	case a == content.AnswerNote && note == "":
		return nil, content.Errorf(content.KindInvalid, "note", "answer_note.empty", "write the note, or answer available or not available")
	}
	rc, r, err := n.db.SpeakerRecipientByToken(ctx, answerToken)
	if err != nil {
		return nil, err
	}
	changed, err := n.db.RecordSpeakerAnswer(ctx, rc.ID, a, note, content.ViaLink)
	if err != nil {
		return nil, err
	}
	if changed {
		n.tellRequester(ctx, r, rc)
	}
	return r, nil
}

// tellRequester notifies the requester that a speaker answered.
func (n *Node) tellRequester(ctx context.Context, r *content.SpeakerRequest, rc *content.SpeakerRecipient) {
	n.tellMember(ctx, r.RequesterID, content.NotifySpeakerAnswer, rc.Actor, rc.Name, n.iris.SpeakerRequest(r.Token))
}

// tellMember adds a notification; failing to is logged, never a reason to
// undo what it tells of.
func (n *Node) tellMember(ctx context.Context, memberID int64, kind content.NotificationKind, actor, actorName, object string) {
	nt := &content.Notification{MemberID: memberID, Kind: kind, Actor: actor, ActorName: actorName, ObjectIRI: object}
	if _, err := n.db.AddNotification(ctx, nt); err != nil {
		n.log.Error("add notification", "member_id", memberID, "kind", kind, "err", err)
	}
}

// isSpeakersReply reports whether a received object replies to one of the
// Speakers group's direct messages.
func (n *Node) isSpeakersReply(obj *content.Object) bool {
	return strings.HasPrefix(obj.InReplyTo, n.iris.Base()+speakersMessagesPath)
}

// onSpeakersReply records a reply to a request's direct message as the
// answer of the speaker it was sent to: a note, the reply's text. Only
// that speaker answers so; anyone else's reply, and a reply to a closed
// request, is ignored. It writes in its own short transactions: it runs
// inside createdObject, which may run in parallel for a burst of Creates.
func (n *Node) onSpeakersReply(ctx context.Context, actor string, obj *content.Object) (string, error) {
	rc, r, err := n.db.SpeakerRecipientByNote(ctx, obj.InReplyTo)
	if content.KindOf(err) == content.KindNotFound {
		return "ignored: reply to a Speakers group message that asks nothing", nil
	}
	if err != nil {
		return "", err
	}
	switch {
	case rc.Actor != actor:
		return "ignored: reply to a speaker request by someone it was not sent to", nil
	case r.State != content.RequestOpen:
		return "ignored: reply to a closed speaker request", nil
	}
	text := answerText(obj.Content)
	if text == "" {
		return "ignored: empty reply to a speaker request", nil
	}
	changed, err := n.db.RecordSpeakerAnswer(ctx, rc.ID, content.AnswerNote, text, content.ViaReply)
	switch {
	case content.KindOf(err) == content.KindConflict:
		return "ignored: reply to a closed speaker request", nil
	case err != nil:
		return "", err
	case !changed:
		return "ignored: answer to speaker request already recorded", nil
	}
	n.tellRequester(ctx, r, rc)
	return "answered: speaker request " + n.iris.SpeakerRequest(r.Token) + " by " + actor + " (reply)", nil
}

// answerText is a reply's text as an answer's note: plain text, without
// the mentions a reply starts with ("@speakers ..."), cut to the limit.
func answerText(html string) string {
	text := strings.TrimSpace(content.HTMLToText(html))
	for strings.HasPrefix(text, "@") {
		_, rest, _ := strings.Cut(text, " ")
		text = strings.TrimSpace(rest)
	}
	if utf8.RuneCountInString(text) > content.MaxAnswerNote {
		text = string([]rune(text)[:content.MaxAnswerNote-1]) + "…"
	}
	return text
}

// CloseSpeakerRequest closes a member's own request and tells every
// recipient: local ones by notification, remote ones by direct message.
// Closing a closed request changes nothing.
func (n *Node) CloseSpeakerRequest(ctx context.Context, m *content.Member, token string) error {
	r, err := n.db.SpeakerRequestByToken(ctx, token)
	if err != nil {
		return err
	}
	if r.RequesterID != m.ID {
		return content.Errorf(content.KindForbidden, "", "speaker_request.not_yours", "only who made a speaker request can close it")
	}
	if r.State == content.RequestClosed {
		return nil
	}
	recipients, err := n.db.SpeakerRecipients(ctx, r.ID)
	if err != nil {
		return err
	}
	var pubs []*storage.Publication
	for i := range recipients {
		if recipients[i].MemberID != 0 || recipients[i].NoteIRI == "" {
			continue
		}
		pub, err := n.closedMessage(ctx, m, r, &recipients[i])
		if err != nil {
			return err
		}
		pubs = append(pubs, pub)
	}
	closed, err := n.db.CloseSpeakerRequestPublishing(ctx, r.ID, pubs)
	if err != nil || !closed {
		return err
	}
	if len(pubs) > 0 {
		n.wakeDelivery()
	}
	requester := n.iris.Actor(m.Username)
	for _, rc := range recipients {
		if rc.MemberID != 0 {
			n.tellMember(ctx, rc.MemberID, content.NotifySpeakerClosed, requester, m.Name(), n.iris.SpeakerRequest(r.Token))
		}
	}
	return nil
}

// embeddedObject is the object embedded in a stored activity.
func embeddedObject(body []byte) ([]byte, error) {
	var act struct {
		Object json.RawMessage `json:"object"`
	}
	if err := json.Unmarshal(body, &act); err != nil || len(act.Object) == 0 || act.Object[0] != '{' {
		return nil, fmt.Errorf("activity embeds no object")
	}
	return act.Object, nil
}

// withContextRaw gives a JSON object the AS2 @context.
func withContextRaw(obj []byte) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(obj, &doc); err != nil {
		return nil, err
	}
	doc["@context"], _ = json.Marshal(ASContext)
	return json.Marshal(doc)
}
