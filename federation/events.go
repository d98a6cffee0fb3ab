package federation

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// Events federate as Mobilizon and Gancio publish them: an Event with
// startTime/endTime in the event's offset plus its IANA timezone, a Place
// with a PostalAddress, joinMode, participantCount and ical:status. The
// organiser — a member, a forum's Group or the organisation — is the
// Event's attributedTo and the actor of its Create, Update and Delete,
// and answers Join with Accept or Reject, as Mobilizon expects.

// Event is an event's id: it serves AS2 to servers and sends people to
// the event's page.
func (i IRIs) Event(id string) string { return i.base + "/events/" + id }

// EventPage is an event's HTML page.
func (i IRIs) EventPage(id string) string { return i.base + "/agenda/" + id }

// EventToken is the last part of a local event's id, which its page
// shares; false when the IRI is not a local event's.
func (i IRIs) EventToken(iri string) (string, bool) {
	rest, ok := strings.CutPrefix(iri, i.base+"/events/")
	if !ok || rest == "" || strings.ContainsAny(rest, "/#?") {
		return "", false
	}
	return rest, true
}

// eventContext defines the Mobilizon and schema.org terms events use, as
// Mobilizon's own context does, so that JSON-LD readers map them.
var eventContext = []any{ASContext, map[string]any{
	"mz": "https://joinmobilizon.org/ns#", "sc": "http://schema.org#", "ical": "http://www.w3.org/2002/12/cal/ical#",
	"Hashtag":                       "as:Hashtag",
	"PostalAddress":                 "sc:PostalAddress",
	"address":                       map[string]string{"@id": "sc:address", "@type": "sc:PostalAddress"},
	"addressCountry":                "sc:addressCountry",
	"addressLocality":               "sc:addressLocality",
	"addressRegion":                 "sc:addressRegion",
	"postalCode":                    "sc:postalCode",
	"streetAddress":                 "sc:streetAddress",
	"location":                      map[string]string{"@id": "sc:location", "@type": "sc:Place"},
	"inLanguage":                    "sc:inLanguage",
	"maximumAttendeeCapacity":       "sc:maximumAttendeeCapacity",
	"remainingAttendeeCapacity":     "sc:remainingAttendeeCapacity",
	"timezone":                      map[string]string{"@id": "mz:timezone", "@type": "sc:Text"},
	"isOnline":                      map[string]string{"@id": "mz:isOnline", "@type": "sc:Boolean"},
	"joinMode":                      map[string]string{"@id": "mz:joinMode", "@type": "mz:joinModeType"},
	"joinModeType":                  map[string]string{"@id": "mz:joinModeType", "@type": "rdfs:Class"},
	"participantCount":              map[string]string{"@id": "mz:participantCount", "@type": "sc:Integer"},
	"anonymousParticipationEnabled": map[string]string{"@id": "mz:anonymousParticipationEnabled", "@type": "sc:Boolean"},
	"participationMessage":          map[string]string{"@id": "mz:participationMessage", "@type": "sc:Text"},
	"repliesModerationOption":       map[string]string{"@id": "mz:repliesModerationOption", "@type": "mz:repliesModerationOptionType"},
	"commentsEnabled":               map[string]string{"@id": "pt:commentsEnabled", "@type": "sc:Boolean"},
	"pt":                            "https://joinpeertube.org/ns#",
}}

// EventInput is what an organiser writes, from the web or the CLI.
type EventInput struct {
	Title           string
	Body            string // Markdown
	Start, End      time.Time
	TimeZone        string
	Place           content.Place
	OnlineURL       string
	Organizer       string   // "" (the member), "organisation", or "forum:NAME"
	Speakers        []string // "@alice", "@bob@other.example" or a plain name, one each
	Capacity        int
	JoinMode        content.JoinMode
	RegistrationURL string
	Status          content.EventStatus
	Tags            []string
	CoverID         int64
	Language        content.Language
}

// SaveEvent creates or edits an event and federates it: Create to the
// followers of the organiser and of the organisation actor and to the
// speakers, then a boost by the organisation; an edit sends Update to the
// same and to remote participants, raises the SEQUENCE and tells local
// participants what changed.
func (n *Node) SaveEvent(ctx context.Context, m *content.Member, existing *content.Event, in EventInput) (*content.Event, error) {
	ev, err := n.buildEvent(ctx, m, existing, in)
	if err != nil {
		return nil, err
	}
	return ev, n.publishEvent(ctx, existing, ev)
}

// buildEvent validates the input and fills an event from it and, for an
// edit, from the stored event.
func (n *Node) buildEvent(ctx context.Context, m *content.Member, existing *content.Event, in EventInput) (*content.Event, error) {
	ev := &content.Event{IRI: n.iris.Event(newID()), Local: true, CreatorID: m.ID}
	if existing != nil {
		if err := n.requireEventManager(ctx, m, existing); err != nil {
			return nil, err
		}
		if existing.Deleted {
			return nil, content.Errorf(content.KindNotFound, "", "event.deleted", "this event was deleted")
		}
		cp := *existing
		ev = &cp
		ev.EditedByHand = existing.SeriesID != 0
	}
	ev.Title, ev.Body, ev.Start, ev.End, ev.TimeZone = in.Title, in.Body, in.Start.UTC(), in.End.UTC(), in.TimeZone
	ev.Place, ev.OnlineURL, ev.Capacity, ev.JoinMode, ev.RegistrationURL = in.Place, in.OnlineURL, in.Capacity, in.JoinMode, in.RegistrationURL
	ev.Status, ev.Language, ev.CoverMediaID = in.Status, in.Language, in.CoverID
	if ev.Language == "" {
		ev.Language = m.Language
	}
	if err := n.setOrganizer(ctx, m, ev, in.Organizer, existing); err != nil {
		return nil, err
	}
	var known []content.Speaker
	if existing != nil {
		known = existing.Speakers
	}
	speakers, err := n.resolveSpeakers(ctx, in.Speakers, known)
	if err != nil {
		return nil, err
	}
	ev.Speakers = speakers
	if err := content.ValidateEvent(ev); err != nil {
		return nil, err
	}
	if err := n.setCover(ctx, m, ev); err != nil {
		return nil, err
	}
	n.renderEvent(ev, in.Tags)
	return ev, nil
}

// renderEvent makes the HTML, tags and words of an event from its
// Markdown: what every save, the series' included, needs.
func (n *Node) renderEvent(ev *content.Event, extraTags []string) {
	rendered := content.RenderMarkdown(ev.Body, content.MarkdownOptions{TagURL: n.iris.Tag, LocalHost: n.iris.Host()})
	ev.Content = rendered.HTML
	ev.Tags = mergeTags(rendered.Tags, extraTags)
	ev.Summary = content.EventWhenWhere(ev, ev.Language)
	if token, ok := n.iris.EventToken(ev.IRI); ok {
		ev.URL = n.iris.EventPage(token)
	}
}

// setOrganizer resolves who organises: the member, a forum they moderate
// or, for admins, the organisation. An edit keeps the organiser unless
// another is asked for.
func (n *Node) setOrganizer(ctx context.Context, m *content.Member, ev *content.Event, want string, existing *content.Event) error {
	want = strings.TrimSpace(want)
	if existing != nil && (want == "" || n.organizerIRI(want, m) == existing.Organizer) {
		return nil
	}
	switch {
	case want == "" || want == "member" || want == "@"+m.Username:
		ev.Organizer, ev.OrganizerKind, ev.OrganizerName = n.iris.Actor(m.Username), content.OrganizerMember, m.Name()
	case want == "organisation":
		if m.Role != content.RoleAdmin {
			return content.Errorf(content.KindForbidden, "organizer", "event.org_admin_only", "only admins organise events in the organisation's name")
		}
		node, err := n.organisation(ctx)
		if err != nil {
			return err
		}
		ev.Organizer, ev.OrganizerKind, ev.OrganizerName = n.iris.Organisation(), content.OrganizerOrganisation, node.OrgName
	case strings.HasPrefix(want, "forum:"):
		f, err := n.db.ForumByName(ctx, strings.TrimPrefix(want, "forum:"))
		if err != nil {
			return err
		}
		if err := n.requireModerator(ctx, m, f.ID); err != nil {
			return err
		}
		ev.Organizer, ev.OrganizerKind, ev.OrganizerName = n.iris.Group(f.Name), content.OrganizerForum, f.Title
	default:
		return content.Errorf(content.KindInvalid, "organizer", "event.organizer", "unknown organiser %q: leave it empty, or use organisation or forum:NAME", want)
	}
	return nil
}

func (n *Node) organizerIRI(want string, m *content.Member) string {
	switch {
	case want == "organisation":
		return n.iris.Organisation()
	case strings.HasPrefix(want, "forum:"):
		return n.iris.Group(strings.TrimPrefix(want, "forum:"))
	}
	return n.iris.Actor(m.Username)
}

// resolveSpeakers turns what the organiser typed into speakers: handles
// of members and of remote actors (found by WebFinger), or plain names.
// A handle that does not resolve stays a name, as a mention does; one the
// event already has keeps what was found then, so that an edit does not
// depend on the speaker's server being up.
func (n *Node) resolveSpeakers(ctx context.Context, lines []string, known []content.Speaker) ([]content.Speaker, error) {
	var out []content.Speaker
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "@") || strings.ContainsAny(line, " \t") {
			out = append(out, content.Speaker{Name: line})
			continue
		}
		if i := slices.IndexFunc(known, func(sp content.Speaker) bool { return sp.Handle != "" && sp.Handle == n.fullHandle(line) }); i >= 0 {
			out = append(out, known[i])
			continue
		}
		ms, err := n.resolveMentions(ctx, line)
		if err != nil {
			return nil, err
		}
		if len(ms) == 0 {
			out = append(out, content.Speaker{Name: line})
			continue
		}
		out = append(out, n.speakerOf(ctx, ms[0]))
	}
	return out, nil
}

// fullHandle is a typed handle as user@host, lower case: "@dave" is a
// member here.
func (n *Node) fullHandle(typed string) string {
	h := strings.ToLower(strings.TrimPrefix(typed, "@"))
	if !strings.Contains(h, "@") {
		h += "@" + n.iris.Host()
	}
	return h
}

func (n *Node) speakerOf(ctx context.Context, mt mention) content.Speaker {
	sp := content.Speaker{Name: "@" + mt.Handle, Actor: mt.IRI, URL: mt.Href, Handle: strings.ToLower(mt.Handle)}
	if name, ok := n.iris.LocalUsername(mt.IRI); ok {
		if m, err := n.db.MemberByUsername(ctx, name); err == nil {
			sp.Name = m.Name()
		}
	} else if a, err := n.db.RemoteActor(ctx, mt.IRI); err == nil && a.Name != "" {
		sp.Name = a.Name
	}
	return sp
}

// setCover checks the cover is one of the member's uploads and copies its
// address and alt text into the event, so that pages and feeds read one row.
func (n *Node) setCover(ctx context.Context, m *content.Member, ev *content.Event) error {
	ev.CoverURL, ev.CoverAlt = "", ""
	if ev.CoverMediaID == 0 {
		return nil
	}
	md, err := n.db.MediaByID(ctx, ev.CoverMediaID)
	if err != nil || (md.OwnerID != m.ID && md.OwnerID != ev.CreatorID) {
		return content.Errorf(content.KindInvalid, "cover", "event.cover_unknown", "image %d is not one of your uploads", ev.CoverMediaID)
	}
	ev.CoverURL, ev.CoverAlt = MediaURL(n.iris.Base(), md.Name), md.Alt
	return nil
}

// CanManageEvent reports whether a member may edit an event, cancel it
// and decide on requests: its writer, its organising member, a moderator
// of its organising forum, or an admin.
func (n *Node) CanManageEvent(ctx context.Context, m *content.Member, ev *content.Event) bool {
	if m == nil || !ev.Local {
		return false
	}
	if m.Role == content.RoleAdmin || ev.CreatorID == m.ID || ev.Organizer == n.iris.Actor(m.Username) {
		return true
	}
	if name, ok := n.iris.LocalGroup(ev.Organizer); ok {
		if f, err := n.db.ForumByName(ctx, name); err == nil {
			ok, err := n.CanModerate(ctx, m, f.ID)
			return err == nil && ok
		}
	}
	return false
}

func (n *Node) requireEventManager(ctx context.Context, m *content.Member, ev *content.Event) error {
	if !n.CanManageEvent(ctx, m, ev) {
		return content.Errorf(content.KindForbidden, "", "event.not_organizer", "only the event's organisers can do that")
	}
	return nil
}

// publishEvent stores an event (new or changed) and its activity in one
// transaction. A change bumps the sequence and tells the participants.
func (n *Node) publishEvent(ctx context.Context, old, ev *content.Event) error {
	kind := "Create"
	now := n.now().Truncate(time.Second)
	if old == nil {
		ev.Published = now
	} else {
		kind = "Update"
		ev.Updated, ev.Sequence = now, old.Sequence+1
	}
	change, err := n.eventChange(ctx, ev, kind)
	if err != nil {
		return err
	}
	if old != nil {
		change.Notifications, err = n.changeNotifications(ctx, old, ev)
		if err != nil {
			return err
		}
	}
	if err := n.db.SaveEvent(ctx, change); err != nil {
		return fmt.Errorf("%s event %q: %w", strings.ToLower(kind), ev.Title, err)
	}
	if old != nil && (ev.Capacity == 0 || ev.Capacity > old.Capacity) && old.Capacity != 0 {
		// More seats: the waiting list moves up.
		promoted, err := n.db.PromoteWaiting(ctx, ev.ID)
		if err != nil {
			n.log.Error("move the waiting list up", "event", ev.IRI, "err", err)
		}
		n.admit(ctx, ev, promoted)
	}
	if kind == "Create" && ev.Organizer != n.iris.Organisation() {
		if err := n.announceByOrg(ctx, ev.IRI); err != nil {
			n.log.Error("organisation boost", "event", ev.IRI, "err", err)
		}
	}
	n.wakeDelivery()
	return nil
}

// eventChange builds an event's object and its activity (Create, Update or
// Delete) with the deliveries.
func (n *Node) eventChange(ctx context.Context, ev *content.Event, kind string) (storage.EventChange, error) {
	doc := n.eventDocument(ev)
	raw, err := marshalAS(withEventContext(doc))
	if err != nil {
		return storage.EventChange{}, fmt.Errorf("encode event %s: %w", ev.IRI, err)
	}
	obj := &content.Object{IRI: ev.IRI, Type: "Event", AttributedTo: ev.Organizer, Local: true, Name: ev.Title,
		Summary: html.EscapeString(ev.Summary), Content: ev.Content, URL: ev.URL, Public: true,
		Published: ev.Published, Updated: ev.Updated, Raw: string(raw), Language: string(ev.Language),
		AuthorName: ev.OrganizerName, AuthorURL: ev.Organizer, Tags: ev.Tags}
	act := map[string]any{
		"@context": eventContext, "id": n.iris.Activity(newID()), "type": kind, "actor": ev.Organizer,
		"to": doc["to"], "cc": doc["cc"], "object": doc,
	}
	switch kind {
	case "Create":
		act["published"] = doc["published"]
	case "Delete":
		act["object"] = map[string]any{"id": ev.IRI, "type": "Tombstone", "formerType": "Event",
			"deleted": ev.Updated.UTC().Format(time.RFC3339)}
	}
	targets, err := n.eventTargets(ctx, ev, kind != "Create")
	if err != nil {
		return storage.EventChange{}, err
	}
	body, err := marshalAS(act)
	if err != nil {
		return storage.EventChange{}, fmt.Errorf("encode %s of %s: %w", kind, ev.IRI, err)
	}
	return storage.EventChange{
		Event: ev, Obj: obj, Signer: ev.Organizer, Targets: targets,
		Activity: &content.Activity{IRI: act["id"].(string), Actor: ev.Organizer, Type: kind, ObjectIRI: ev.IRI, Public: true, Body: body},
	}, nil
}

// eventTargets: the followers of the organiser and of the organisation
// (who see its boosts), the speakers on other servers and, for a change,
// the remote participants, one delivery per shared inbox.
func (n *Node) eventTargets(ctx context.Context, ev *content.Event, withParticipants bool) ([]storage.Target, error) {
	targets, err := n.db.FollowerInboxes(ctx, ev.Organizer)
	if err != nil {
		return nil, err
	}
	if ev.Organizer != n.iris.Organisation() {
		if _, err := n.organisation(ctx); err == nil {
			org, err := n.db.FollowerInboxes(ctx, n.iris.Organisation())
			if err != nil {
				return nil, err
			}
			for _, t := range org {
				targets = appendTarget(targets, t.Inbox)
			}
		}
	}
	var remote []string
	for _, sp := range ev.Speakers {
		if sp.Actor != "" && !n.iris.IsLocal(sp.Actor) {
			remote = append(remote, sp.Actor)
		}
	}
	if withParticipants && ev.ID != 0 {
		ps, err := n.db.Participants(ctx, ev.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if p.MemberID == 0 && p.State != content.ParticipantRejected {
				remote = append(remote, p.Actor)
			}
		}
	}
	for _, iri := range remote {
		if a, err := n.db.RemoteActor(ctx, iri); err == nil {
			targets = appendTarget(targets, a.DeliveryInbox())
		}
	}
	return targets, nil
}

// changeNotifications tells the local participants of an event that it
// changed: its time, its place or its status (a cancellation has a kind
// of its own). Edits of the text alone tell nobody.
func (n *Node) changeNotifications(ctx context.Context, old, ev *content.Event) ([]content.Notification, error) {
	kind := content.NotifyEventChanged
	switch {
	case ev.Cancelled() && !old.Cancelled():
		kind = content.NotifyEventCancelled
	case old.Start.Equal(ev.Start) && old.End.Equal(ev.End) && old.Place == ev.Place &&
		old.OnlineURL == ev.OnlineURL && old.Status == ev.Status:
		return nil, nil
	}
	ids, err := n.db.ParticipantMemberIDs(ctx, ev.ID, content.ParticipantAccepted, content.ParticipantWaiting, content.ParticipantPending)
	if err != nil {
		return nil, err
	}
	out := make([]content.Notification, 0, len(ids))
	for _, id := range ids {
		out = append(out, content.Notification{MemberID: id, Kind: kind, Actor: ev.Organizer, ActorName: ev.OrganizerName, ObjectIRI: ev.IRI})
	}
	return out, nil
}

// CancelEvent calls an event off: its status becomes CANCELLED, which
// federates as an Update and tells the participants.
func (n *Node) CancelEvent(ctx context.Context, m *content.Member, ev *content.Event) (*content.Event, error) {
	if err := n.requireEventManager(ctx, m, ev); err != nil {
		return nil, err
	}
	if ev.Cancelled() {
		return ev, nil
	}
	cp := *ev
	cp.Status = content.EventCancelled
	cp.EditedByHand = ev.SeriesID != 0
	cp.Summary = content.EventWhenWhere(&cp, cp.Language)
	return &cp, n.publishEvent(ctx, ev, &cp)
}

// DeleteEvent deletes an event: a Delete (Tombstone) to everyone who got
// it, and 410 Gone at its id after.
func (n *Node) DeleteEvent(ctx context.Context, m *content.Member, ev *content.Event) error {
	if err := n.requireEventManager(ctx, m, ev); err != nil {
		return err
	}
	if ev.Deleted {
		return nil
	}
	cp := *ev
	cp.Deleted, cp.Updated = true, n.now().Truncate(time.Second)
	change, err := n.eventChange(ctx, &cp, "Delete")
	if err != nil {
		return err
	}
	if err := n.db.SaveEvent(ctx, change); err != nil {
		return fmt.Errorf("delete event %q: %w", ev.Title, err)
	}
	n.wakeDelivery()
	return nil
}

// eventDocument is an event as ActivityStreams, in the shape Mobilizon
// publishes. Mastodon shows the name, the summary and a link, so the
// summary says when and where in words.
func (n *Node) eventDocument(ev *content.Event) map[string]any {
	zone := ev.Zone()
	doc := map[string]any{
		"id": ev.IRI, "type": "Event", "attributedTo": ev.Organizer, "name": ev.Title,
		"summary":   html.EscapeString(ev.Summary),
		"content":   ev.Content,
		"mediaType": "text/html",
		"url":       ev.URL,
		"startTime": ev.Start.In(zone).Format(time.RFC3339),
		"endTime":   ev.End.In(zone).Format(time.RFC3339),
		"timezone":  ev.TimeZone,
		"published": ev.Published.UTC().Format(time.RFC3339),
		"joinMode":  string(ev.JoinMode), "status": string(ev.Status), "ical:status": string(ev.Status),
		"participantCount":              ev.ParticipantCount,
		"maximumAttendeeCapacity":       ev.Capacity,
		"isOnline":                      ev.IsOnline(),
		"anonymousParticipationEnabled": false,
		"commentsEnabled":               true,
		"repliesModerationOption":       "allow_all",
		"draft":                         false,
		"inLanguage":                    string(ev.Language),
		"replies":                       n.iris.Replies(ev.IRI),
		"to":                            []string{Public},
		"cc":                            []string{n.iris.Followers(ev.Organizer)},
	}
	if ev.Language != "" {
		doc["contentMap"] = map[string]string{string(ev.Language): ev.Content}
	}
	if ev.Body != "" {
		doc["source"] = map[string]string{"content": ev.Body, "mediaType": "text/markdown"}
	}
	if seats := ev.RemainingSeats(); seats >= 0 {
		doc["remainingAttendeeCapacity"] = seats
	}
	if !ev.Updated.IsZero() {
		doc["updated"] = ev.Updated.UTC().Format(time.RFC3339)
	}
	if !ev.Place.IsZero() {
		doc["location"] = PlaceDocument(ev.Place)
	}
	if a := n.eventAttachments(ev); len(a) > 0 {
		doc["attachment"] = a
	}
	if t := n.eventTags(ev); len(t) > 0 {
		doc["tag"] = t
	}
	if ev.JoinMode == content.JoinExternal {
		doc["externalParticipationUrl"] = ev.RegistrationURL
	}
	return doc
}

// PlaceDocument is a Place with its PostalAddress, as Mobilizon publishes
// one; the open data uses it too. Coordinates are floats with a decimal
// point: some readers take 52 for an integer and drop it.
func PlaceDocument(p content.Place) map[string]any {
	place := map[string]any{"type": "Place", "name": orText(p.Name, p.Line())}
	addr := map[string]any{"type": "PostalAddress"}
	for k, v := range map[string]string{"streetAddress": p.Street, "postalCode": p.PostalCode,
		"addressLocality": p.City, "addressRegion": p.Region, "addressCountry": p.Country} {
		if v != "" {
			addr[k] = v
		}
	}
	if len(addr) > 1 {
		place["address"] = addr
	}
	if p.HasGeo {
		place["latitude"], place["longitude"] = jsonFloat(p.Lat), jsonFloat(p.Lon)
	}
	if p.Notes != "" {
		place["summary"] = html.EscapeString(p.Notes)
	}
	return place
}

// jsonFloat encodes a float64 always with a decimal point (52.0, not 52).
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	s := strconv.FormatFloat(float64(f), 'f', -1, 64)
	if !strings.ContainsAny(s, ".eE") {
		s += ".0"
	}
	return []byte(s), nil
}

func (n *Node) eventAttachments(ev *content.Event) []map[string]any {
	var out []map[string]any
	if ev.CoverURL != "" {
		out = append(out, map[string]any{"type": "Document", "mediaType": mediaTypeOf(ev.CoverURL), "url": ev.CoverURL, "name": ev.CoverAlt})
	}
	if ev.OnlineURL != "" {
		// Mobilizon publishes an online event's address as a Link.
		out = append(out, map[string]any{"type": "Link", "mediaType": "text/html", "href": ev.OnlineURL, "name": "Website"})
	}
	return out
}

// mediaTypeOf guesses an uploaded image's type from its name, which
// keeps the extension the upload was stored with.
func mediaTypeOf(url string) string {
	switch {
	case strings.HasSuffix(url, ".png"):
		return "image/png"
	case strings.HasSuffix(url, ".webp"):
		return "image/webp"
	case strings.HasSuffix(url, ".gif"):
		return "image/gif"
	}
	return "image/jpeg"
}

// eventTags are the hashtags and, as mentions, the speakers who have an
// actor: a remote speaker's server then shows them the event.
func (n *Node) eventTags(ev *content.Event) []map[string]any {
	var ms []mention
	for _, sp := range ev.Speakers {
		if sp.Actor != "" && !slices.ContainsFunc(ms, func(m mention) bool { return m.IRI == sp.Actor }) {
			ms = append(ms, mention{IRI: sp.Actor, Handle: strings.TrimPrefix(sp.Name, "@")})
		}
	}
	return tagDocs(n, ev.Tags, ms)
}

func withEventContext(doc map[string]any) map[string]any {
	out := withContext(doc)
	out["@context"] = eventContext
	return out
}

// serveEvent serves an event at its id: built from the stored row, so
// that participantCount is today's, or a Tombstone with 410 once deleted.
// People go to the event's page.
func (n *Node) serveEvent(w http.ResponseWriter, r *http.Request) error {
	iri := n.iris.Event(r.PathValue("id"))
	ev, err := n.db.EventByIRI(r.Context(), iri)
	if err != nil || !ev.Local {
		return errStatus(http.StatusNotFound, "no such event")
	}
	if !WantsActivityJSON(r) {
		varyAccept(w)
		http.Redirect(w, r, ev.URL, http.StatusFound)
		return nil
	}
	return n.ServeEvent(w, r, ev)
}

// ServeEvent writes a local event as AS2 (the web's event page uses it
// for servers that ask there).
func (n *Node) ServeEvent(w http.ResponseWriter, r *http.Request, ev *content.Event) error {
	w.Header().Add("Vary", "Accept")
	if ev.Deleted {
		return writeActivityJSON(w, http.StatusGone, map[string]any{"@context": ASContext, "id": ev.IRI, "type": "Tombstone",
			"formerType": "Event", "deleted": ev.Updated.UTC().Format(time.RFC3339)})
	}
	return writeActivityJSON(w, http.StatusOK, withEventContext(n.eventDocument(ev)))
}

func (n *Node) eventRoutes() []Route {
	return []Route{
		{Pattern: "GET /events/{id}", Handler: n.handler(n.serveEvent)},
		{Pattern: "GET /events/{id}/replies", Handler: n.handler(n.serveEventReplies)},
	}
}

func (n *Node) serveEventReplies(w http.ResponseWriter, r *http.Request) error {
	return n.serveReplies(w, r, n.iris.Event(r.PathValue("id")))
}
