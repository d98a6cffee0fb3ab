package federation

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"kring/content"
)

// Events from followed actors (other Kring nodes, Mobilizon groups and
// people, Gancio) are stored twice: as an object, under which replies
// thread, and as an agenda row, which the network agenda lists.

// eventDoc is an Event as Mobilizon, Gancio and Kring send it.
type eventDoc struct {
	ID               string          `json:"id"`
	Actor            json.RawMessage `json:"actor"`
	StartTime        string          `json:"startTime"`
	EndTime          string          `json:"endTime"`
	Timezone         string          `json:"timezone"`
	Location         json.RawMessage `json:"location"`
	JoinMode         string          `json:"joinMode"`
	Status           string          `json:"status"`
	ICalStatus       string          `json:"ical:status"`
	ParticipantCount int             `json:"participantCount"`
	Capacity         int             `json:"maximumAttendeeCapacity"`
	IsOnline         bool            `json:"isOnline"`
	InLanguage       string          `json:"inLanguage"`
	ExternalURL      string          `json:"externalParticipationUrl"`
	Attachment       json.RawMessage `json:"attachment"`
	Image            json.RawMessage `json:"image"` // Mobilizon's banner, in some versions
}

// placeDoc is a location: a Place with a PostalAddress (or, from Gancio,
// an address as a plain string), and coordinates on the Place or in geo.
type placeDoc struct {
	Name      string          `json:"name"`
	Address   json.RawMessage `json:"address"`
	Latitude  *float64        `json:"latitude"`
	Longitude *float64        `json:"longitude"`
	Geo       *struct {
		Latitude  *float64 `json:"latitude"`
		Longitude *float64 `json:"longitude"`
	} `json:"geo"`
}

type postalAddress struct {
	Street     string `json:"streetAddress"`
	PostalCode string `json:"postalCode"`
	Locality   string `json:"addressLocality"`
	Region     string `json:"addressRegion"`
	Country    string `json:"addressCountry"`
}

// eventAuthorOK holds a received Event to who may publish it: its
// attributedTo, or — for an event of a Mobilizon group — the member named
// as the object's actor, on the same server.
func eventAuthorOK(actor string, obj *content.Object) bool {
	if obj.AttributedTo == actor {
		return true
	}
	var d eventDoc
	if json.Unmarshal([]byte(obj.Raw), &d) != nil {
		return false
	}
	return idOf(d.Actor) == actor && hostOf(obj.AttributedTo) == hostOf(actor) && hostOf(obj.IRI) == hostOf(actor)
}

// toEvent reads the agenda row of a received Event object.
func toEvent(obj *content.Object) (*content.Event, bool) {
	var d eventDoc
	if json.Unmarshal([]byte(obj.Raw), &d) != nil {
		return nil, false
	}
	start := parseTime(d.StartTime)
	if start.IsZero() {
		return nil, false
	}
	end := parseTime(d.EndTime)
	if end.Before(start) {
		end = start // Mobilizon may leave the end out: shown as a start only
	}
	zone := d.Timezone
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" {
		zone = content.DefaultTimeZone
	}
	ev := &content.Event{
		IRI: obj.IRI, Title: content.HTMLToText(obj.Name), Content: obj.Content, Summary: content.HTMLToText(obj.Summary),
		Start: start, End: end, TimeZone: zone, Place: placeOf(d.Location),
		Organizer: obj.AttributedTo, OrganizerKind: content.OrganizerRemote, OrganizerName: orText(obj.AuthorName, obj.AttributedTo),
		Capacity: max(0, d.Capacity), ParticipantCount: max(0, d.ParticipantCount), RegistrationURL: d.ExternalURL,
		Tags: obj.Tags, URL: orText(obj.URL, obj.IRI), Published: obj.Published, Updated: obj.Updated,
	}
	ev.Status, _ = content.ParseEventStatus(orText(d.ICalStatus, d.Status))
	if ev.Status == "" {
		ev.Status = content.EventConfirmed
	}
	if ev.JoinMode, _ = content.ParseJoinMode(d.JoinMode); ev.JoinMode == "" {
		ev.JoinMode = content.JoinOpen
	}
	if lang, err := content.ParseLanguage(orText(d.InLanguage, obj.Language)); err == nil {
		ev.Language = lang
	}
	ev.CoverURL, ev.CoverAlt, ev.OnlineURL = eventMedia(d.Attachment, d.IsOnline)
	if ev.CoverURL == "" && len(d.Image) > 0 {
		ev.CoverURL, ev.CoverAlt, _ = eventMedia(append(append([]byte("["), d.Image...), ']'), false)
	}
	return ev, true
}

func placeOf(raw json.RawMessage) content.Place {
	var pd placeDoc
	if json.Unmarshal(raw, &pd) != nil {
		return content.Place{}
	}
	p := content.Place{Name: content.HTMLToText(pd.Name)}
	var addr postalAddress
	var line string
	switch {
	case json.Unmarshal(pd.Address, &line) == nil:
		p.Street = line // Gancio sends the address as one string
	case json.Unmarshal(pd.Address, &addr) == nil:
		p.Street, p.PostalCode, p.City, p.Region, p.Country = strings.TrimSpace(addr.Street), addr.PostalCode, addr.Locality, addr.Region, addr.Country
	}
	lat, lon := pd.Latitude, pd.Longitude
	if pd.Geo != nil && (lat == nil || lon == nil) {
		lat, lon = pd.Geo.Latitude, pd.Geo.Longitude
	}
	if lat != nil && lon != nil && *lat >= -90 && *lat <= 90 && *lon >= -180 && *lon <= 180 {
		p.HasGeo, p.Lat, p.Lon = true, *lat, *lon
	}
	return p
}

// eventMedia reads the cover image (the first image attached) and, for an
// online event, the link people join at.
func eventMedia(raw json.RawMessage, online bool) (coverURL, coverAlt, onlineURL string) {
	for _, item := range items(raw) {
		var a struct {
			Type      string          `json:"type"`
			URL       json.RawMessage `json:"url"`
			Href      string          `json:"href"`
			MediaType string          `json:"mediaType"`
			Name      string          `json:"name"`
		}
		if json.Unmarshal(item, &a) != nil {
			continue
		}
		u := orText(firstID(a.URL), a.Href)
		switch {
		case coverURL == "" && (a.Type == "Document" || a.Type == "Image") && strings.HasPrefix(a.MediaType, "image/") && isHTTPURL(u):
			coverURL, coverAlt = u, a.Name
		case online && onlineURL == "" && a.Type == "Link" && isHTTPURL(u):
			onlineURL = u
		}
	}
	return coverURL, coverAlt, onlineURL
}

// storeRemoteEvent files a received public Event in the agenda (an event
// addressed to a group's members only is kept as an object, never listed
// on public pages). Changes of time, place or status are told to the
// members who signed up.
func (n *Node) storeRemoteEvent(ctx context.Context, obj *content.Object) {
	if obj.Type != "Event" || obj.Local || !obj.Public || n.iris.IsLocal(obj.IRI) {
		return
	}
	ev, ok := toEvent(obj)
	if !ok {
		n.log.Info("received event without a start time", "event", obj.IRI)
		return
	}
	old, _ := n.db.EventByIRI(ctx, ev.IRI)
	if _, err := n.db.PutRemoteEvent(ctx, ev); err != nil {
		n.log.Error("store received event", "event", ev.IRI, "err", err)
		return
	}
	if old == nil {
		return
	}
	ns, err := n.changeNotifications(ctx, old, ev)
	if err != nil {
		n.log.Error("event change notifications", "event", ev.IRI, "err", err)
	}
	for i := range ns {
		if _, err := n.db.AddNotification(ctx, &ns[i]); err != nil {
			n.log.Error("add notification", "member_id", ns[i].MemberID, "err", err)
		}
	}
}

// removeRemoteEvent takes a deleted event off the agenda and tells the
// members who had signed up that it will not happen.
func (n *Node) removeRemoteEvent(ctx context.Context, iri string) {
	ev, err := n.db.EventByIRI(ctx, iri)
	if err != nil || ev.Local || ev.Deleted {
		return
	}
	if _, err := n.db.DeleteRemoteEvent(ctx, iri); err != nil {
		n.log.Error("delete received event", "event", iri, "err", err)
		return
	}
	ids, err := n.db.ParticipantMemberIDs(ctx, ev.ID)
	if err != nil {
		return
	}
	for _, id := range ids {
		n.notifyMember(ctx, id, content.NotifyEventCancelled, ev)
	}
}

// LookupEvent finds an event by its id or page address: one held here, or
// one on another server, fetched with a signed GET and filed in the
// agenda, so that a member can join an event someone sent them a link to.
func (n *Node) LookupEvent(ctx context.Context, iri string) (*content.Event, error) {
	if ev, err := n.db.EventByIRI(ctx, iri); err == nil {
		return ev, nil
	}
	if n.iris.IsLocal(iri) {
		if ev, err := n.localEventByPage(ctx, iri); err == nil {
			return ev, nil
		}
		return nil, content.Errorf(content.KindNotFound, "event", "event.not_found", "no event at %s", iri)
	}
	obj, why, err := n.fetchEvent(ctx, iri)
	if err != nil {
		return nil, err
	}
	if why != "" {
		return nil, content.Errorf(content.KindNotFound, "event", "event.not_found", "no event at %s: %s", iri, why)
	}
	if err := n.storeFetched(ctx, obj); err != nil {
		return nil, err
	}
	n.storeRemoteEvent(ctx, obj) // storeFetched files it only when new
	return n.db.EventByIRI(ctx, obj.IRI)
}

// fetchEvent fetches an Event by its id or by a page of its server that
// serves it (a Kring event's /agenda/ page answers with the Event, whose
// id is /events/): the document is then fetched again at its own id,
// which is the only address whose content its server vouches for.
func (n *Node) fetchEvent(ctx context.Context, url string) (*content.Object, string, error) {
	obj, why, err := n.fetchObject(ctx, url)
	if err != nil {
		return nil, "", err
	}
	if why != "" {
		id := n.documentID(ctx, url)
		if id == "" || id == url || hostOf(id) != hostOf(url) {
			return nil, why, nil
		}
		if obj, why, err = n.fetchObject(ctx, id); err != nil || why != "" {
			return nil, why, err
		}
	}
	if obj.Type != "Event" {
		return nil, "it is a " + obj.Type + ", not an Event", nil
	}
	return obj, "", nil
}

// documentID reads the id of the document at url, "" when there is none.
func (n *Node) documentID(ctx context.Context, url string) string {
	signer, err := n.instanceSigner(ctx)
	if err != nil {
		return ""
	}
	raw, err := n.client.GetActivity(ctx, url, signer)
	if err != nil {
		return ""
	}
	var doc struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(raw, &doc)
	return doc.ID
}

// localEventByPage maps a local event's page address to the event.
func (n *Node) localEventByPage(ctx context.Context, page string) (*content.Event, error) {
	token, ok := strings.CutPrefix(page, n.iris.Base()+"/agenda/")
	if !ok {
		return nil, content.Errorf(content.KindNotFound, "event", "event.not_found", "no event at %s", page)
	}
	return n.db.EventByIRI(ctx, n.iris.Event(token))
}
