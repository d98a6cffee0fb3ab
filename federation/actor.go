package federation

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	vocab "github.com/go-ap/activitypub"

	"kring/content"
)

// actorRoutes serves the actor documents and their collections. None of
// them asks for a signature: a peer verifying our signature fetches our
// key from here, and requiring its signature in turn would deadlock.
func (n *Node) actorRoutes() []Route {
	return []Route{
		{Pattern: "GET /users/{username}", Handler: n.handler(n.serveMemberActor)},
		{Pattern: "GET /users/{username}/outbox", Handler: n.handler(n.serveMemberCollection(IRIs.Outbox, &n.outboxItems))},
		{Pattern: "GET /users/{username}/followers", Handler: n.handler(n.serveMemberCollection(IRIs.Followers, &n.followerItems))},
		{Pattern: "GET /users/{username}/following", Handler: n.handler(n.serveMemberCollection(IRIs.Following, &n.followingItems))},
		{Pattern: "GET /actor", Handler: n.handler(n.serveInstanceActor)},
		{Pattern: "GET /actor/outbox", Handler: n.handler(n.serveInstanceOutbox)},
	}
}

// serveMemberActor answers /users/{username}: the Person to fediverse
// servers, a redirect to the profile page (owned by the web package) to
// browsers.
func (n *Node) serveMemberActor(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("username")
	if !WantsActivityJSON(r) {
		varyAccept(w)
		http.Redirect(w, r, n.iris.Profile(name), http.StatusFound)
		return nil
	}
	n.ServeActor(w, r, name)
	return nil
}

// ServeActor answers a member's actor document whatever the request's
// Accept header says: the web package hands it the AS2 requests for a
// profile page. A suspended or deleted member is a 410 Tombstone, an
// unknown one 404.
func (n *Node) ServeActor(w http.ResponseWriter, r *http.Request, username string) {
	varyAccept(w)
	n.handler(func(w http.ResponseWriter, r *http.Request) error {
		m, err := n.db.MemberByUsername(r.Context(), strings.ToLower(username))
		if content.KindOf(err) == content.KindNotFound && n.isOrgHandle(r.Context(), username) {
			return n.writeOrgDocument(w, r)
		}
		if err != nil {
			return fmt.Errorf("actor %s: %w", username, err)
		}
		id := n.iris.Actor(m.Username)
		if m.Suspended {
			return writeActivityJSON(w, http.StatusGone, n.memberTombstone(r.Context(), m))
		}
		doc, err := n.memberDocument(r.Context(), m)
		if err != nil {
			return fmt.Errorf("actor %s: %w", id, err)
		}
		return writeActivityJSON(w, http.StatusOK, doc)
	}).ServeHTTP(w, r)
}

// memberDocument is a member's Person, as served and as sent in an
// Update: with movedTo once the member moved (move.go) and
// alsoKnownAs when the member named other accounts as theirs.
func (n *Node) memberDocument(ctx context.Context, m *content.Member) (map[string]any, error) {
	acct, err := n.db.Account(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	p, err := n.db.Profile(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	id := n.iris.Actor(m.Username)
	return n.actorDocument(actorDoc{
		Type: vocab.PersonType, ID: id, Username: m.Username, Name: m.Name(),
		SummaryHTML: textToHTML(m.Bio), URL: n.iris.Profile(m.Username),
		Inbox: n.iris.Inbox(id), Outbox: n.iris.Outbox(id),
		Followers: n.iris.Followers(id), Following: n.iris.Following(id),
		PublicKeyPEM: m.PublicKeyPEM, Published: m.CreatedAt,
		ManuallyApprovesFollowers: m.ManuallyApprovesFollowers, Discoverable: p.Listed,
		Fields: profileFields(p, m.Language), Hashtags: profileHashtags(p),
		MovedTo: acct.MovedTo, AlsoKnownAs: acct.AlsoKnownAs,
	})
}

// memberTombstone is what a suspended or deleted member's actor id
// answers, with 410 Gone; a deleted one says when.
func (n *Node) memberTombstone(ctx context.Context, m *content.Member) map[string]string {
	doc := map[string]string{"@context": ASContext, "id": n.iris.Actor(m.Username), "type": "Tombstone", "formerType": "Person"}
	if acct, err := n.db.Account(ctx, m.ID); err == nil && acct.Deleted() {
		doc["deleted"] = acct.DeletedAt.Format(time.RFC3339)
	}
	return doc
}

// serveInstanceActor answers /actor: the node's Application actor, whose
// key signs fetches made on nobody's behalf. Browsers go to the home page.
func (n *Node) serveInstanceActor(w http.ResponseWriter, r *http.Request) error {
	varyAccept(w)
	if !WantsActivityJSON(r) {
		http.Redirect(w, r, n.iris.Base()+"/", http.StatusFound)
		return nil
	}
	node, err := n.db.Node(r.Context())
	if err != nil {
		return fmt.Errorf("instance actor: %w", err)
	}
	id := n.iris.InstanceActor()
	doc, err := n.actorDocument(actorDoc{
		Type: vocab.ApplicationType, ID: id, Username: n.iris.InstanceUsername(), Name: node.Name,
		SummaryHTML: textToHTML(node.Description), URL: n.iris.Base(),
		Inbox: n.iris.Inbox(id), Outbox: n.iris.Outbox(id), PublicKeyPEM: node.PublicKeyPEM,
		// Nobody should follow the instance actor: it only signs fetches.
		ManuallyApprovesFollowers: true,
	})
	if err != nil {
		return fmt.Errorf("instance actor: %w", err)
	}
	return writeActivityJSON(w, http.StatusOK, doc)
}

// serveInstanceOutbox answers the instance actor's outbox, which stays
// empty: it publishes nothing.
func (n *Node) serveInstanceOutbox(w http.ResponseWriter, r *http.Request) error {
	return serveCollection(w, r, n.iris.Outbox(n.iris.InstanceActor()), n.iris.InstanceUsername(), emptyCollection)
}

// serveMemberCollection answers one of a member's collections, paged from
// *src (read per request, so that sources set after Routes still count).
func (n *Node) serveMemberCollection(iri func(IRIs, string) string, src *collectionSource) fedHandler {
	return func(w http.ResponseWriter, r *http.Request) error {
		name := r.PathValue("username")
		m, err := n.db.MemberByUsername(r.Context(), name)
		if err != nil {
			return fmt.Errorf("collection of %s: %w", name, err)
		}
		if m.Suspended {
			return errStatus(http.StatusGone, "account %q is suspended", name)
		}
		return serveCollection(w, r, iri(n.iris, n.iris.Actor(m.Username)), n.iris.Actor(m.Username), *src)
	}
}

// ProfileField is one name/value line of a profile, published as
// Mastodon's PropertyValue. Both are plain text.
type ProfileField struct {
	Name, Value string
	// Link makes the value a link to itself, as Mastodon's own profile
	// links are, with rel="me" for its link verification.
	Link bool
}

// actorDoc is what an actor document says; actorDocument writes it.
type actorDoc struct {
	Type               vocab.ActivityVocabularyType
	ID, Username, Name string
	// SummaryHTML is already HTML. Bios are plain text escaped by
	// textToHTML today; once they hold markup they must pass through the
	// content sanitiser instead.
	SummaryHTML               string
	URL                       string // the HTML page
	IconURL, IconMediaType    string // no icon when empty
	Inbox, Outbox             string
	Followers, Following      string // left out when empty
	PublicKeyPEM              string
	Published                 time.Time // left out when zero
	ManuallyApprovesFollowers bool
	Discoverable              bool
	Fields                    []ProfileField
	// Hashtags are names without "#", published as the actor's Hashtag
	// tags: Mastodon shows them and matches searches on them; a Kring
	// node matches speaker requests on them.
	Hashtags    []string
	MovedTo     string   // the actor id the actor moved to; left out when empty
	AlsoKnownAs []string // other actor ids of the same person; left out when empty
}

// actorContext is the @context of our actors: AS2, the security
// vocabulary (publicKey) and the extension terms Mastodon reads.
var actorContext = []any{
	ASContext,
	"https://w3id.org/security/v1",
	map[string]any{
		"manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
		"movedTo":                   map[string]string{"@id": "as:movedTo", "@type": "@id"},
		"alsoKnownAs":               map[string]string{"@id": "as:alsoKnownAs", "@type": "@id"},
		"toot":                      "http://joinmastodon.org/ns#",
		"discoverable":              "toot:discoverable",
		"schema":                    "http://schema.org#",
		"PropertyValue":             "schema:PropertyValue",
		"Hashtag":                   "as:Hashtag",
		"value":                     "schema:value",
	},
}

// actorDocument builds an actor with go-ap, then merges in what go-ap does
// not model (@context, manuallyApprovesFollowers, discoverable, the
// PropertyValue attachments) as top-level members of the same object.
// Name and summary are merged too rather than given to go-ap: its encoder
// writes free text with backslashes unescaped (a bio "C:\new" comes out
// as a newline), and encoding/json does not.
func (n *Node) actorDocument(d actorDoc) (map[string]any, error) {
	a := vocab.ActorNew(vocab.ID(d.ID), d.Type)
	a.PreferredUsername = vocab.DefaultNaturalLanguageValue(d.Username)
	a.URL = vocab.IRI(d.URL)
	a.Inbox, a.Outbox = vocab.IRI(d.Inbox), vocab.IRI(d.Outbox)
	if d.Followers != "" {
		a.Followers = vocab.IRI(d.Followers)
	}
	if d.Following != "" {
		a.Following = vocab.IRI(d.Following)
	}
	a.Endpoints = &vocab.Endpoints{SharedInbox: vocab.IRI(n.iris.SharedInbox())}
	a.PublicKey = vocab.PublicKey{ID: vocab.ID(n.iris.KeyID(d.ID)), Owner: vocab.IRI(d.ID), PublicKeyPem: d.PublicKeyPEM}
	if d.IconURL != "" {
		icon := vocab.ObjectNew(vocab.ImageType)
		icon.URL, icon.MediaType = vocab.IRI(d.IconURL), vocab.MimeType(d.IconMediaType)
		a.Icon = icon
	}
	a.Published = d.Published
	raw, err := a.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode actor %s: %w", d.ID, err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, fmt.Errorf("decode actor %s from go-ap: %w", d.ID, err)
	}
	doc := make(map[string]any, len(fields)+6)
	for k, v := range fields {
		doc[k] = v
	}
	type propertyValue struct {
		Type  string `json:"type"`
		Name  string `json:"name"`
		Value string `json:"value"`
	}
	attachment := make([]propertyValue, 0, len(d.Fields))
	for _, f := range d.Fields {
		value := html.EscapeString(f.Value)
		if f.Link {
			value = `<a href="` + value + `" rel="me nofollow noopener noreferrer" target="_blank">` + value + `</a>`
		}
		attachment = append(attachment, propertyValue{Type: "PropertyValue", Name: f.Name, Value: value})
	}
	doc["@context"] = actorContext
	doc["name"] = d.Name
	if d.SummaryHTML != "" {
		doc["summary"] = d.SummaryHTML
	}
	doc["manuallyApprovesFollowers"] = d.ManuallyApprovesFollowers
	doc["discoverable"] = d.Discoverable
	doc["attachment"] = attachment
	if len(d.Hashtags) > 0 {
		tags := make([]map[string]string, 0, len(d.Hashtags))
		for _, h := range d.Hashtags {
			tags = append(tags, map[string]string{"type": "Hashtag", "name": "#" + h, "href": n.iris.Tag(strings.ToLower(h))})
		}
		doc["tag"] = tags
	}
	if d.MovedTo != "" {
		doc["movedTo"] = d.MovedTo
	}
	if len(d.AlsoKnownAs) > 0 {
		doc["alsoKnownAs"] = d.AlsoKnownAs
	}
	return doc, nil
}

// RemoteActor is what Kring reads from another server's actor document.
// Keep the raw document next to it: this is a small extract, not a model.
type RemoteActor struct {
	ID                        string
	Type                      string // Application, Group, Organization, Person or Service
	PreferredUsername         string
	Name                      string
	Inbox                     string
	SharedInbox               string // endpoints.sharedInbox; empty when the server has none (GoToSocial)
	Outbox                    string
	Followers                 string
	Following                 string
	URL                       string // the profile page
	IconURL                   string
	PublicKey                 ActorKey
	ManuallyApprovesFollowers bool
}

// content converts the extract for storage, keeping the raw document
// (resolve.go stores it).
func (a *RemoteActor) content(raw []byte) *content.RemoteActor {
	return &content.RemoteActor{
		IRI: a.ID, Type: a.Type, Username: a.PreferredUsername, Host: hostOf(a.ID), Name: a.Name,
		Inbox: a.Inbox, SharedInbox: a.SharedInbox, Followers: a.Followers, URL: a.URL,
		KeyID: a.PublicKey.ID, PublicKeyPEM: a.PublicKey.PEM, Raw: string(raw),
	}
}

// ActorKey is an actor's public key as published: PEM is SPKI or PKCS#1.
type ActorKey struct {
	ID, Owner, PEM string
}

// ParseActor extracts a remote actor from its JSON document. Servers
// disagree on shapes, so it takes single values or arrays, IRIs or
// embedded objects, Links for url and icon, and a publicKey object or
// array; only id, type and inbox are required. It checks shapes, not
// trust: the caller checks that id matches where the document came from.
func ParseActor(raw []byte) (*RemoteActor, error) {
	var doc struct {
		ID                        json.RawMessage `json:"id"`
		Type                      json.RawMessage `json:"type"`
		PreferredUsername         json.RawMessage `json:"preferredUsername"`
		Name                      json.RawMessage `json:"name"`
		NameMap                   json.RawMessage `json:"nameMap"`
		Inbox                     json.RawMessage `json:"inbox"`
		Outbox                    json.RawMessage `json:"outbox"`
		Followers                 json.RawMessage `json:"followers"`
		Following                 json.RawMessage `json:"following"`
		Endpoints                 json.RawMessage `json:"endpoints"`
		URL                       json.RawMessage `json:"url"`
		Icon                      json.RawMessage `json:"icon"`
		PublicKey                 json.RawMessage `json:"publicKey"`
		ManuallyApprovesFollowers json.RawMessage `json:"manuallyApprovesFollowers"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse actor: %w", err)
	}
	a := &RemoteActor{
		ID:                jsonString(doc.ID),
		Type:              actorType(doc.Type),
		PreferredUsername: jsonString(doc.PreferredUsername),
		Name:              jsonString(doc.Name),
		Inbox:             firstID(doc.Inbox),
		Outbox:            firstID(doc.Outbox),
		Followers:         firstID(doc.Followers),
		Following:         firstID(doc.Following),
		URL:               linkHref(doc.URL),
		IconURL:           iconURL(doc.Icon),
	}
	if !isHTTPURL(a.ID) {
		return nil, content.Errorf(content.KindInvalid, "id", "actor.id", "actor document has no http(s) id")
	}
	if a.Type == "" {
		return nil, content.Errorf(content.KindInvalid, "type", "actor.type",
			"actor %s has type %s: want Application, Group, Organization, Person or Service", a.ID, cmp.Or(string(bytes.TrimSpace(doc.Type)), "none"))
	}
	if !isHTTPURL(a.Inbox) {
		return nil, content.Errorf(content.KindInvalid, "inbox", "actor.inbox", "actor %s has no http(s) inbox", a.ID)
	}
	if a.Name == "" {
		var names map[string]string
		if json.Unmarshal(doc.NameMap, &names) == nil {
			for _, lang := range slices.Sorted(maps.Keys(names)) { // deterministic
				if a.Name = names[lang]; a.Name != "" {
					break
				}
			}
		}
	}
	var endpoints struct {
		SharedInbox json.RawMessage `json:"sharedInbox"`
	}
	if json.Unmarshal(doc.Endpoints, &endpoints) == nil { // kroeg sends an IRI here: no shared inbox
		a.SharedInbox = firstID(endpoints.SharedInbox)
	}
	_ = json.Unmarshal(doc.ManuallyApprovesFollowers, &a.ManuallyApprovesFollowers) // absent or odd: not locked
	a.PublicKey = actorKey(doc.PublicKey, a.ID)
	return a, nil
}

// actorType returns the first actor type of a type string or array.
func actorType(raw json.RawMessage) string {
	var types []string
	if s := jsonString(raw); s != "" {
		types = []string{s}
	} else if json.Unmarshal(raw, &types) != nil {
		return ""
	}
	for _, t := range types {
		if actorTypes[t] { // received.go
			return t
		}
	}
	return ""
}

// actorKey picks the actor's key from a publicKey object or array: the
// first one the actor owns, else the first with a PEM.
func actorKey(raw json.RawMessage, owner string) ActorKey {
	var first ActorKey
	for _, item := range items(raw) {
		var k struct {
			ID    json.RawMessage `json:"id"`
			Owner json.RawMessage `json:"owner"`
			PEM   json.RawMessage `json:"publicKeyPem"`
		}
		if json.Unmarshal(item, &k) != nil {
			continue // a key by reference: nothing to use here
		}
		key := ActorKey{ID: jsonString(k.ID), Owner: firstID(k.Owner), PEM: jsonString(k.PEM)}
		switch {
		case key.PEM == "":
		case key.Owner == owner:
			return key
		case first.PEM == "":
			first = key
		}
	}
	return first
}

// items returns the elements of a JSON array, or the value itself as the
// only element: ActivityStreams lets any property be either.
func items(raw json.RawMessage) []json.RawMessage {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	if raw[0] != '[' {
		return []json.RawMessage{raw}
	}
	var list []json.RawMessage
	if json.Unmarshal(raw, &list) != nil {
		return nil
	}
	return list
}

// jsonString is a JSON string's value, or "" for anything else.
func jsonString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return s
}

// linkHref reads a url property: an IRI, a Link (href) or an object
// (url or id), or an array of them, where a text/html link wins.
func linkHref(raw json.RawMessage) string {
	first := ""
	for _, item := range items(raw) {
		if s := jsonString(item); s != "" {
			if first == "" {
				first = s
			}
			continue
		}
		var l struct {
			Href      string          `json:"href"`
			URL       json.RawMessage `json:"url"`
			ID        string          `json:"id"`
			MediaType string          `json:"mediaType"`
		}
		if json.Unmarshal(item, &l) != nil {
			continue
		}
		href := cmp.Or(l.Href, linkHref(l.URL), l.ID)
		if href != "" && strings.HasPrefix(l.MediaType, "text/html") {
			return href
		}
		if first == "" {
			first = href
		}
	}
	return first
}

// iconURL reads an icon: an Image (or several: the first wins) or an IRI.
func iconURL(raw json.RawMessage) string {
	for _, item := range items(raw) {
		if href := linkHref(item); href != "" {
			return href
		}
	}
	return ""
}

// isHTTPURL reports whether s is an absolute http(s) URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
