package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// speakerRequestForm is the request form: what was typed, the choices it
// offers and the errors of a refused request.
type speakerRequestForm struct {
	EventTitle string
	EventDate  string // YYYY-MM-DD, as <input type="date"> holds it
	Place      string
	Online     bool
	Audience   string
	Topic      string
	Language   string
	Ask        string
	EventID    int64

	Topics    []string       // the datalist: the speaker topics known here
	Languages []agendaOption // "" first: any language
	Events    []agendaOption // upcoming local events; "" first: none
	formErrors
	MaxLine  int
	MaxTopic int
	MaxAsk   int
}

// speakerFormOrder is the order of the inputs, which the summary follows.
var speakerFormOrder = []string{"form", "event_id", "event_title", "event_date", "place", "online", "audience",
	"topic", "language", "ask"}

// speakerLanguageTags are the languages the form always offers; the
// speakers' own are added to them.
var speakerLanguageTags = []string{"nl", "en", "fy", "de", "fr"}

// speakerFormEvents bounds the agenda's events the form offers.
const speakerFormEvents = 100

// speakerFormErrors words the domain's refusals (content.SpeakerRequest.
// Validate) for the form; the number each needs comes with it.
var speakerFormErrors = map[string]struct {
	key string
	arg int
}{
	"event_title.empty":  {"speaker_form.error_event_title", 0},
	"event_title.long":   {"speaker_form.error_line_long", content.MaxRequestLine},
	"event_title.chars":  {"speaker_form.error_line_chars", 0},
	"event_date.invalid": {"speaker_form.error_event_date", 0},
	"place.empty":        {"speaker_form.error_place", 0},
	"place.long":         {"speaker_form.error_line_long", content.MaxRequestLine},
	"place.chars":        {"speaker_form.error_line_chars", 0},
	"audience.long":      {"speaker_form.error_line_long", content.MaxRequestLine},
	"audience.chars":     {"speaker_form.error_line_chars", 0},
	"topic.empty":        {"speaker_form.error_topic", 0},
	"topics.long":        {"speaker_form.error_topic_long", content.MaxTopicLen},
	"languages.invalid":  {"speaker_form.error_language", 0},
	"ask.empty":          {"speaker_form.error_ask", 0},
	"ask.long":           {"speaker_form.error_ask_long", content.MaxRequestAsk},
}

func (f *speakerRequestForm) addError(field, msg string) { f.add(speakerFormOrder, field, msg) }

// newSpeakerRequestPage shows the empty form; ?event=ID starts it from
// an event of the agenda.
func (s *Server) newSpeakerRequestPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	if _, _, err := requireMember(ctx); err != nil {
		return redirect(w, r, loginHref(r.URL.RequestURI()))
	}
	f := &speakerRequestForm{}
	if id, err := strconv.ParseInt(r.URL.Query().Get("event"), 10, 64); err == nil && id > 0 {
		if ev := s.linkableEvent(ctx, id); ev != nil {
			f.EventID = id
			fillFromAgenda(f, ev)
		}
	}
	if err := s.fillSpeakerChoices(ctx, f); err != nil {
		return err
	}
	return s.render(w, r, http.StatusOK, "speaker_request_new", f)
}

// fillSpeakerChoices fills the datalist and the selects.
func (s *Server) fillSpeakerChoices(ctx context.Context, f *speakerRequestForm) error {
	cat := s.catalogs[reqFrom(ctx).lang]
	f.MaxLine, f.MaxTopic, f.MaxAsk = content.MaxRequestLine, content.MaxTopicLen, content.MaxRequestAsk
	topics, err := s.db.SpeakerTopics(ctx)
	if err != nil {
		return err
	}
	for _, t := range topics {
		f.Topics = append(f.Topics, t.Label)
	}
	speakers, err := s.db.Speakers(ctx, "")
	if err != nil {
		return err
	}
	tags := slices.Clone(speakerLanguageTags)
	for _, sp := range speakers {
		for _, tag := range sp.Profile.SpeakerLanguages {
			if !slices.Contains(tags, tag) {
				tags = append(tags, tag)
			}
		}
	}
	if f.Language != "" && !slices.Contains(tags, f.Language) {
		tags = append(tags, f.Language)
	}
	f.Languages = []agendaOption{{Value: "", Label: cat.t("speaker_form.language_any"), Selected: f.Language == ""}}
	for _, tag := range tags {
		f.Languages = append(f.Languages, agendaOption{Value: tag, Label: languageLabel(cat, tag), Selected: tag == f.Language})
	}
	events, err := s.db.Events(ctx, storage.EventFilter{From: s.now(), Scope: "local", Limit: speakerFormEvents})
	if err != nil {
		return err
	}
	f.Events = []agendaOption{{Value: "", Label: cat.t("speaker_form.event_none"), Selected: f.EventID == 0}}
	for _, ev := range events {
		if ev.Cancelled() {
			continue
		}
		f.Events = append(f.Events, agendaOption{Value: strconv.FormatInt(ev.ID, 10),
			Label: cat.t("speaker_form.event_option", ev.Title, formatDate(cat, eventDay(ev))), Selected: ev.ID == f.EventID})
	}
	return nil
}

// eventDay is the date an event starts on where it happens.
func eventDay(ev *content.Event) time.Time {
	l := ev.Start.In(content.LoadZone(ev.TimeZone))
	return time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
}

// linkableEvent is a live event of this node's agenda, or nil.
func (s *Server) linkableEvent(ctx context.Context, id int64) *content.Event {
	ev, err := s.db.EventByID(ctx, id)
	if err != nil || !ev.Local || ev.Deleted {
		return nil
	}
	return ev
}

// fillFromAgenda fills what the organiser left empty from the event.
func fillFromAgenda(f *speakerRequestForm, ev *content.Event) {
	if f.EventTitle == "" {
		f.EventTitle = ev.Title
	}
	if f.EventDate == "" {
		f.EventDate = eventDay(ev).Format(time.DateOnly)
	}
	if f.Place == "" && !f.Online {
		p := ev.Place
		f.Place = strings.Join(slices.DeleteFunc([]string{p.Name, p.City}, func(s string) bool { return s == "" }), ", ")
		f.Online = f.Place == "" && ev.OnlineURL != ""
	}
}

// createSpeakerRequest handles the form: it checks what it can at once,
// then asks federation to store and deliver the request, and shows the
// request's page.
func (s *Server) createSpeakerRequest(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	m, _, err := requireMember(ctx)
	if err != nil {
		return err
	}
	if err := s.spendWriteAt(ctx, m); err != nil {
		return err
	}
	f := &speakerRequestForm{}
	req := s.readSpeakerForm(ctx, r, f)
	if err := s.fillSpeakerChoices(ctx, f); err != nil {
		return err
	}
	if len(f.Errors) == 0 {
		if err := req.Validate(); err != nil {
			return s.speakerFormRefused(w, r, f, err)
		}
	}
	if len(f.Errors) > 0 {
		return s.speakerFormRefused(w, r, f, nil)
	}
	if _, err := s.cfg.Federation.RequestSpeakers(ctx, m, req); err != nil {
		return s.speakerFormRefused(w, r, f, err)
	}
	return redirect(w, r, speakerRequestPath(req.Token)+"?done=sent")
}

func speakerRequestPath(token string) string { return "/speakers/requests/" + token }

// readSpeakerForm reads the posted form into f and the request. The
// errors it can see without the domain are all reported at once.
func (s *Server) readSpeakerForm(ctx context.Context, r *http.Request, f *speakerRequestForm) *content.SpeakerRequest {
	cat := s.catalogs[reqFrom(ctx).lang]
	form := r.PostForm
	get := func(name string) string { return strings.TrimSpace(form.Get(name)) }
	f.EventTitle, f.EventDate, f.Place, f.Audience = get("event_title"), get("event_date"), get("place"), get("audience")
	f.Topic, f.Language = strings.TrimLeft(get("topic"), "#"), strings.ToLower(get("language"))
	f.Ask, f.Online = strings.ReplaceAll(strings.TrimSpace(form.Get("ask")), "\r\n", "\n"), form.Get("online") != ""
	if v := get("event_id"); v != "" && v != "0" {
		id, err := strconv.ParseInt(v, 10, 64)
		ev := s.linkableEvent(ctx, id)
		if err != nil || ev == nil {
			f.addError("event_id", cat.t("speaker_form.error_event"))
		} else {
			f.EventID = id
			fillFromAgenda(f, ev)
		}
	}
	if f.EventTitle == "" {
		f.addError("event_title", cat.t("speaker_form.error_event_title"))
	}
	if _, err := time.Parse(time.DateOnly, f.EventDate); err != nil {
		f.addError("event_date", cat.t("speaker_form.error_event_date"))
	}
	if f.Place == "" && !f.Online {
		f.addError("place", cat.t("speaker_form.error_place"))
	}
	if content.TopicKey(f.Topic) == "" {
		f.addError("topic", cat.t("speaker_form.error_topic"))
	}
	if f.Ask == "" {
		f.addError("ask", cat.t("speaker_form.error_ask"))
	}
	return &content.SpeakerRequest{EventTitle: f.EventTitle, EventID: f.EventID, EventDate: f.EventDate, Place: f.Place,
		Online: f.Online, Audience: f.Audience, Topic: f.Topic, Language: f.Language, Ask: f.Ask}
}

// speakerFormRefused shows the form again with what was typed and the
// errors, listed at the top and linked to their fields. A refusal that
// belongs to no field is answered as such.
func (s *Server) speakerFormRefused(w http.ResponseWriter, r *http.Request, f *speakerRequestForm, err error) error {
	if err != nil {
		cat := s.catalogs[reqFrom(r.Context()).lang]
		e, ok := content.AsError(err)
		if !ok || e.Kind != content.KindInvalid {
			return err
		}
		field := e.Field
		if !slices.Contains(speakerFormOrder, field) {
			field = "form"
		}
		msg := cat.t(s.problemOf(err).key)
		if m, ok := speakerFormErrors[e.Code]; ok {
			msg = cat.t(m.key, m.arg)
		}
		f.addError(field, msg)
	}
	return s.render(w, r, http.StatusUnprocessableEntity, "speaker_request_new", f)
}
