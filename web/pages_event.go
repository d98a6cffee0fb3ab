package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/federation"
)

// maxTokenLen bounds an event token read from a URL; ours are 27
// characters.
const maxTokenLen = 64

// eventView is what event.html shows: the event, what the viewer may do
// and, for its organisers, who comes.
type eventView struct {
	Ev            *content.Event
	Path          string // the event's page here
	Lang          string // the event's language, for its title and text
	When          string
	Zone          string
	StartISO      string
	EndISO        string
	Place         string
	MapURL        string
	Organizer     string
	OrganizerURL  string
	OrganizerFeed string // the organiser's agenda
	Handle        string // the organiser's @name@host, to follow from Mastodon
	Content       template.HTML
	Speakers      []content.Speaker
	Status        string // catalogue key of the status, when not plainly confirmed
	Seats         string
	SeatsLeft     string
	Waiting       string
	JoinMode      string // catalogue key
	Past          bool
	ICalHref      string
	Original      string // a received event's page on its own server

	Member        bool
	LoginHref     string
	State         string // the viewer's participation, in words
	CanJoin       bool
	JoinToWait    bool // joining puts the viewer on the waiting list
	AsksApproval  bool
	CanLeave      bool
	Registration  string // external join mode: where people register
	InviteOnly    bool
	CanManage     bool
	EditHref      string
	SpeakerHref   string // asks the speakers network for a speaker at this event
	SeriesHref    string // the series' agenda, for an occurrence
	SeriesEdit    string
	Attendees     []attendeeView
	Comments      []commentView
	CanReply      bool // the event has an object to reply under
	MaxReply      int
	MaxJoinNote   int
	Notice        string
	NoticeIsError bool
}

// attendeeView is one participant, for the organisers.
type attendeeView struct {
	Name    string
	Actor   string
	URL     string
	State   string
	Pending bool
	Message string
}

// eventNotices are the confirmations ?done= may show after a button.
var eventNotices = map[string]string{
	"saved":     "event.notice_saved",
	"joined":    "event.notice_joined",
	"waiting":   "event.notice_waiting",
	"pending":   "event.notice_pending",
	"left":      "event.notice_left",
	"cancelled": "event.notice_cancelled",
	"accepted":  "event.notice_accepted",
	"rejected":  "event.notice_rejected",
	"replied":   "event.notice_replied",
}

// participationKeys say where someone stands, in words.
var participationKeys = map[content.ParticipationState]string{
	content.ParticipantAccepted: "event.state_accepted",
	content.ParticipantWaiting:  "event.state_waiting",
	content.ParticipantPending:  "event.state_pending",
	content.ParticipantRejected: "event.state_rejected",
}

var attendeeKeys = map[content.ParticipationState]string{
	content.ParticipantAccepted: "event.attendee_accepted",
	content.ParticipantWaiting:  "event.attendee_waiting",
	content.ParticipantPending:  "event.attendee_pending",
	content.ParticipantRejected: "event.attendee_rejected",
}

var joinModeKeys = map[content.JoinMode]string{
	content.JoinOpen:     "event.join_open",
	content.JoinApproval: "event.join_approval",
	content.JoinExternal: "event.join_external",
	content.JoinInvite:   "event.join_invite",
}

func eventNotFound(detail string) error {
	return &problem{status: http.StatusNotFound, key: "error.event_not_found", detail: detail}
}

// localEvent finds one of this node's events by the token in its URL.
func (s *Server) localEvent(ctx context.Context, token string) (*content.Event, error) {
	if token == "" || len(token) > maxTokenLen || strings.ContainsFunc(token, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) {
		return nil, eventNotFound("not an event token")
	}
	ev, err := s.db.EventByIRI(ctx, s.cfg.Federation.IRIs().Event(token))
	switch {
	case content.KindOf(err) == content.KindNotFound:
		return nil, eventNotFound("no event " + token)
	case err != nil:
		return nil, err
	case !ev.Local:
		return nil, eventNotFound("event " + token + " is not local")
	}
	return ev, nil
}

// remoteEvent finds a received event by its row id.
func (s *Server) remoteEvent(ctx context.Context, id string) (*content.Event, error) {
	rowID, err := strconv.ParseInt(id, 10, 64)
	if err != nil || rowID <= 0 {
		return nil, eventNotFound("not an event id")
	}
	ev, err := s.db.EventByID(ctx, rowID)
	switch {
	case content.KindOf(err) == content.KindNotFound:
		return nil, eventNotFound("no event " + id)
	case err != nil:
		return nil, err
	}
	return ev, nil
}

func eventGone() error {
	return &problem{status: http.StatusGone, key: "error.event_deleted", detail: "event deleted"}
}

// eventPage is /agenda/{token}. Servers asking there for AS2 get the Event.
func (s *Server) eventPage(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.localEvent(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	w.Header().Add("Vary", "Accept")
	if federation.WantsActivityJSON(r) {
		return s.cfg.Federation.ServeEvent(w, r, ev)
	}
	if ev.Deleted {
		return eventGone()
	}
	return s.showEvent(w, r, ev)
}

// eventSubpage is GET /agenda/{token}/edit and /agenda/{token}/event.ics.
func (s *Server) eventSubpage(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.localEvent(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if ev.Deleted {
		return eventGone()
	}
	action := r.PathValue("action")
	if name, ok := strings.CutSuffix(action, ".ics"); ok && name == "event" {
		return s.eventICal(w, r, ev)
	}
	if action == "edit" {
		return s.editEventPage(w, r, ev)
	}
	return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such event page"}
}

// remoteEventPage is /agenda/e/{id}: a received event, on a page like ours.
func (s *Server) remoteEventPage(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.remoteEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if ev.Local {
		http.Redirect(w, r, s.eventPath(ev), http.StatusMovedPermanently)
		return nil
	}
	if ev.Deleted {
		return eventGone()
	}
	return s.showEvent(w, r, ev)
}

// remoteEventSubpage is GET /agenda/e/{id}/event.ics.
func (s *Server) remoteEventSubpage(w http.ResponseWriter, r *http.Request) error {
	ev, err := s.remoteEvent(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if name, ok := strings.CutSuffix(r.PathValue("action"), ".ics"); !ok || name != "event" {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such event page"}
	}
	if ev.Deleted {
		return eventGone()
	}
	return s.eventICal(w, r, ev)
}

func (s *Server) showEvent(w http.ResponseWriter, r *http.Request, ev *content.Event) error {
	v, err := s.eventView(r, ev)
	if err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "event", v)
}

// mapURL links the place on OpenStreetMap: at its coordinates when it
// has them, else a search for its address.
func mapURL(p content.Place) string {
	if p.HasGeo {
		lat, lon := strconv.FormatFloat(p.Lat, 'f', -1, 64), strconv.FormatFloat(p.Lon, 'f', -1, 64)
		return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon
	}
	if line := p.Line(); line != "" {
		// %20 rather than QueryEscape's +, which a page must write as &#43;.
		return "https://www.openstreetmap.org/search?query=" + strings.ReplaceAll(url.QueryEscape(line), "+", "%20")
	}
	return ""
}

func (s *Server) eventView(r *http.Request, ev *content.Event) (*eventView, error) {
	ctx := r.Context()
	st := reqFrom(ctx)
	cat := s.catalogs[st.lang]
	fed := s.cfg.Federation
	loc := content.LoadZone(ev.TimeZone)
	now := s.now()
	path := s.eventPath(ev)
	v := &eventView{Ev: ev, Path: path, Lang: langAttr(ev.Language), When: content.FormatTimeRange(ev.Start, ev.End, loc, st.lang), Zone: loc.String(),
		StartISO: ev.Start.In(loc).Format(time.RFC3339), EndISO: ev.End.In(loc).Format(time.RFC3339),
		Place: ev.Place.Line(), MapURL: mapURL(ev.Place), Content: safeHTML(ev.Content), Speakers: ev.Speakers,
		Organizer: firstNonEmpty(ev.OrganizerName, ev.Organizer), OrganizerFeed: organizerAgenda(ev.Organizer),
		Seats: seatsText(cat, ev), JoinMode: joinModeKeys[ev.JoinMode], Past: ev.Past(now), ICalHref: path + "/event.ics",
		Member: st.member != nil, LoginHref: loginHref(path), MaxReply: federation.MaxReplyBytes, MaxJoinNote: 500}
	if !ev.Local {
		v.Original = firstNonEmpty(ev.URL, ev.IRI)
	}
	v.OrganizerURL, v.Handle = s.organizerLinks(ctx, ev.Organizer)
	switch ev.Status {
	case content.EventCancelled:
		v.Status = "event.status_cancelled"
	case content.EventTentative:
		v.Status = "event.status_tentative"
	}
	if left := ev.RemainingSeats(); left >= 0 {
		v.SeatsLeft = cat.t("event.seats_left", left)
	}
	if ev.WaitingCount > 0 {
		v.Waiting = cat.t("agenda.waiting", ev.WaitingCount)
	}
	if key, ok := eventNotices[r.URL.Query().Get("done")]; ok {
		v.Notice = cat.t(key)
	}
	if ev.SeriesID != 0 {
		v.SeriesHref = "/agenda?series=" + strconv.FormatInt(ev.SeriesID, 10)
	}
	if err := s.loadParticipation(ctx, v); err != nil {
		return nil, err
	}
	if err := s.loadEventComments(ctx, v); err != nil {
		return nil, err
	}
	if v.CanManage {
		if ev.Local {
			v.EditHref = path + "/edit"
			if !ev.Cancelled() && ev.Start.After(s.now()) && s.cfg.Federation != nil {
				v.SpeakerHref = "/speakers/requests/new?event=" + strconv.FormatInt(ev.ID, 10)
			}
		}
		if ev.SeriesID != 0 {
			if sr, err := s.db.SeriesByID(ctx, ev.SeriesID); err == nil && (sr.CreatorID == st.member.ID || st.member.Role == content.RoleAdmin) {
				v.SeriesEdit = seriesEditPath(sr.ID)
			}
		}
		ps, err := s.db.Participants(ctx, ev.ID)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			a := attendeeView{Name: firstNonEmpty(p.Name, p.Actor), Actor: p.Actor, State: cat.t(attendeeKeys[p.State]),
				Pending: p.State == content.ParticipantPending, Message: p.Message}
			if name, ok := fed.IRIs().LocalUsername(p.Actor); ok {
				a.URL = "/@" + name
			} else if isActorIRI(p.Actor) {
				a.URL = p.Actor
			}
			v.Attendees = append(v.Attendees, a)
		}
	}
	return v, nil
}

// organizerLinks are where an organiser's name links (its page) and the
// handle people follow it by from Mastodon.
func (s *Server) organizerLinks(ctx context.Context, iri string) (link, handle string) {
	iris := s.cfg.Federation.IRIs()
	if name, ok := iris.LocalUsername(iri); ok {
		return "/@" + name, "@" + name + "@" + iris.Host()
	}
	if name, ok := iris.LocalGroup(iri); ok {
		return "/f/" + name, "@" + name + "@" + iris.Host()
	}
	if iri == iris.Organisation() {
		if node := reqFrom(ctx).node; node != nil && node.OrgUsername != "" {
			return "/", "@" + node.OrgUsername + "@" + iris.Host()
		}
		return "/", ""
	}
	if a, err := s.db.RemoteActor(ctx, iri); err == nil {
		link = firstNonEmpty(a.URL, a.IRI)
		if a.Username != "" && a.Host != "" {
			handle = "@" + a.Username + "@" + a.Host
		}
		return link, handle
	}
	if isActorIRI(iri) {
		return iri, ""
	}
	return "", ""
}

// loadParticipation fills in where the viewer stands and what they may do.
func (s *Server) loadParticipation(ctx context.Context, v *eventView) error {
	ev := v.Ev
	m := reqFrom(ctx).member
	open := !ev.Cancelled() && !v.Past
	switch ev.JoinMode {
	case content.JoinExternal:
		if open {
			v.Registration = ev.RegistrationURL
		}
	case content.JoinInvite:
		v.InviteOnly = true
	}
	if m == nil {
		return nil
	}
	fed := s.cfg.Federation
	v.CanManage = fed.CanManageEvent(ctx, m, ev)
	p, err := s.db.Participant(ctx, ev.ID, fed.IRIs().Actor(m.Username))
	switch {
	case content.KindOf(err) == content.KindNotFound:
		p = nil
	case err != nil:
		return err
	}
	if p != nil {
		v.State = participationKeys[p.State]
		v.CanLeave = p.State != content.ParticipantRejected && !v.Past
		// A remote organiser's answer may be lost: asking again is allowed
		// elsewhere after a rejection, never here.
		return nil
	}
	if open && (ev.JoinMode == content.JoinOpen || ev.JoinMode == content.JoinApproval || ev.JoinMode == "") {
		v.CanJoin = true
		v.AsksApproval = ev.JoinMode == content.JoinApproval || !ev.Local
		v.JoinToWait = ev.Local && ev.JoinMode != content.JoinApproval && ev.Full()
	}
	return nil
}

// loadEventComments reads the replies under the event, from here and the
// fediverse, as a post's page shows them.
func (s *Server) loadEventComments(ctx context.Context, v *eventView) error {
	obj, err := s.db.ObjectByIRI(ctx, v.Ev.IRI)
	switch {
	case content.KindOf(err) == content.KindNotFound:
		return nil
	case err != nil:
		return err
	}
	v.CanReply = !obj.Deleted
	comments, err := s.db.Comments(ctx, v.Ev.IRI, 0)
	if err != nil {
		return err
	}
	for _, c := range comments {
		cv := commentView{Comment: c, Local: c.Local}
		if !c.Deleted {
			cv.HTML = safeHTML(c.Content)
		}
		v.Comments = append(v.Comments, cv)
	}
	return nil
}

// eventActionRequest is one button press on an event page.
type eventActionRequest struct {
	member *content.Member
	event  *content.Event
	form   url.Values
	back   string // the event's page
}

type eventActionFunc func(s *Server, ctx context.Context, a *eventActionRequest) (string, error)

// eventActions are the buttons of a local event's page; the domain
// decides who may press which (403 otherwise).
var eventActions = map[string]eventActionFunc{
	"join":   (*Server).joinEvent,
	"leave":  (*Server).leaveEvent,
	"cancel": (*Server).cancelEvent,
	"delete": (*Server).deleteEvent,
	"accept": decideParticipant(true),
	"reject": decideParticipant(false),
	"reply":  (*Server).replyToEvent,
}

// remoteEventActions are the buttons of a received event's page: its
// organisers are elsewhere.
var remoteEventActions = map[string]eventActionFunc{
	"join":  (*Server).joinEvent,
	"leave": (*Server).leaveEvent,
	"reply": (*Server).replyToEvent,
}

// eventAction handles POST /agenda/{token}/{action}; the edit form posts
// to /agenda/{token}/edit.
func (s *Server) eventAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	action := r.PathValue("action")
	act, ok := eventActions[action]
	if !ok && action != "edit" {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such event action"}
	}
	ev, err := s.localEvent(ctx, r.PathValue("token"))
	if err != nil {
		return err
	}
	if ev.Deleted {
		return eventGone()
	}
	if action == "edit" {
		return s.saveEditedEvent(w, r, m, ev)
	}
	return s.runEventAction(w, r, act, &eventActionRequest{member: m, event: ev, form: r.PostForm, back: s.eventPath(ev)})
}

// remoteEventAction handles POST /agenda/e/{id}/{action}.
func (s *Server) remoteEventAction(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	act, ok := remoteEventActions[r.PathValue("action")]
	if !ok {
		return &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such event action"}
	}
	ev, err := s.remoteEvent(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	if ev.Local {
		return eventNotFound("event is local: its buttons are at its own page")
	}
	if ev.Deleted {
		return eventGone()
	}
	return s.runEventAction(w, r, act, &eventActionRequest{member: m, event: ev, form: r.PostForm, back: s.eventPath(ev)})
}

func (s *Server) runEventAction(w http.ResponseWriter, r *http.Request, act eventActionFunc, a *eventActionRequest) error {
	to, err := act(s, r.Context(), a)
	if err != nil {
		return err
	}
	return redirect(w, r, to)
}

func (s *Server) joinEvent(ctx context.Context, a *eventActionRequest) (string, error) {
	msg := strings.TrimSpace(strings.ReplaceAll(a.form.Get("message"), "\r\n", "\n"))
	if len([]rune(msg)) > 500 {
		return "", &problem{status: http.StatusUnprocessableEntity, key: "error.join_message_long", field: "message", detail: "join message too long"}
	}
	p, err := s.cfg.Federation.JoinEvent(ctx, a.member, a.event, msg)
	if err != nil {
		return "", err
	}
	done := "joined"
	switch p.State {
	case content.ParticipantWaiting:
		done = "waiting"
	case content.ParticipantPending:
		done = "pending"
	}
	return a.back + "?done=" + done, nil
}

func (s *Server) leaveEvent(ctx context.Context, a *eventActionRequest) (string, error) {
	if err := s.cfg.Federation.LeaveEvent(ctx, a.member, a.event); err != nil {
		return "", err
	}
	return a.back + "?done=left", nil
}

func (s *Server) cancelEvent(ctx context.Context, a *eventActionRequest) (string, error) {
	if _, err := s.cfg.Federation.CancelEvent(ctx, a.member, a.event); err != nil {
		return "", err
	}
	return a.back + "?done=cancelled", nil
}

func (s *Server) deleteEvent(ctx context.Context, a *eventActionRequest) (string, error) {
	if err := s.cfg.Federation.DeleteEvent(ctx, a.member, a.event); err != nil {
		return "", err
	}
	return "/agenda?done=deleted", nil
}

func decideParticipant(accept bool) eventActionFunc {
	return func(s *Server, ctx context.Context, a *eventActionRequest) (string, error) {
		actor := a.form.Get("actor")
		if !isActorIRI(actor) {
			return "", &problem{status: http.StatusBadRequest, key: "error.bad_request", detail: "bad actor " + strconv.Quote(actor)}
		}
		if _, err := s.cfg.Federation.DecideParticipant(ctx, a.member, a.event, actor, accept); err != nil {
			return "", err
		}
		done := "rejected"
		if accept {
			done = "accepted"
		}
		return a.back + "?done=" + done + "#attendees", nil
	}
}

func (s *Server) replyToEvent(ctx context.Context, a *eventActionRequest) (string, error) {
	if err := s.spendWriteAt(ctx, a.member); err != nil {
		return "", err
	}
	parent := a.form.Get("in_reply_to")
	if parent == "" {
		parent = a.event.IRI
	} else if c, err := s.db.ObjectByIRI(ctx, parent); err != nil || (parent != a.event.IRI && c.Root != a.event.IRI) {
		return "", &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such comment under this event"}
	}
	if _, err := s.cfg.Federation.Reply(ctx, a.member, parent, a.form.Get("text")); err != nil {
		return "", err
	}
	return a.back + "?done=replied#comments", nil
}

// eventLink is where a notification about an event sends the member: the
// event's page here, and its title; empty when the event is unknown.
func (s *Server) eventLink(ctx context.Context, iri string) (path, title string) {
	if s.cfg.Federation == nil || iri == "" {
		return "", ""
	}
	ev, err := s.db.EventByIRI(ctx, iri)
	if err != nil || ev.Deleted {
		return "", ""
	}
	return s.eventPath(ev), ev.Title
}
