package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"time"

	"kring/content"
	"kring/storage"
)

// Calendar feeds (RFC 5545) that calendar apps subscribe to. Apps poll
// them, so they are cached briefly and carry an ETag: an unchanged feed
// costs a 304. There is no Last-Modified: an event deleted since makes a
// feed newer without any event in it being so.
const (
	icalContentType = "text/calendar; charset=utf-8"
	icalPublicCache = "public, max-age=300"
	// A member's own feed names what they signed up for: no shared cache
	// may keep it.
	icalPrivateCache = "private, max-age=300"
	// calendarTokenMaxLen bounds a calendar token read from a URL.
	calendarTokenMaxLen = 128
)

// feedLanguage is the language of a feed nobody logged in asks for: the
// node's own.
func (s *Server) feedLanguage(ctx context.Context) (content.Language, *content.Node, error) {
	node, err := s.node.get(ctx, s)
	if err != nil {
		return "", nil, err
	}
	lang, err := content.ParseLanguage(string(node.DefaultLanguage))
	if err != nil {
		lang = content.Languages[0]
	}
	return lang, node, nil
}

// agendaICal is /agenda.ics: the node's agenda with the filters of
// /agenda (organizer, tag, series, scope), upcoming and the last 30 days.
// Without a scope it holds the node's own events; scope=all adds those
// received from the network.
func (s *Server) agendaICal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	raw := r.URL.Query()
	q, err := parseAgendaQuery(raw)
	if err != nil {
		return err
	}
	if raw.Get("scope") == "" {
		q.Scope = "local"
	}
	lang, node, err := s.feedLanguage(ctx)
	if err != nil {
		return err
	}
	cat := s.catalogs[lang]
	f := q.filter()
	f.From, f.Limit = s.now().Add(-icalPastWindow), icalFeedLimit
	events, err := s.db.Events(ctx, f)
	if err != nil {
		return err
	}
	name := firstNonEmpty(node.Name, s.cfg.Host)
	var what []string
	if q.Tag != "" {
		what = append(what, "#"+q.Tag)
	}
	if q.Organizer != "" {
		what = append(what, s.actorName(ctx, q.Organizer))
	}
	if q.SeriesID != 0 {
		if sr, err := s.db.SeriesByID(ctx, q.SeriesID); err == nil {
			what = append(what, sr.Template.Title)
		}
	}
	title := cat.t("ical.name_node", name)
	if len(what) > 0 {
		title = cat.t("ical.name_filtered", name, strings.Join(what, ", "))
	}
	info := content.CalendarInfo{Name: title, Description: firstNonEmpty(node.Description, title),
		URL: s.base() + q.href(nil), Language: lang}
	return s.writeICal(w, r, events, info, icalPublicCache)
}

// forumICal is /f/{name}/agenda.ics: the events a forum organises.
func (s *Server) forumICal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	fo, err := s.forumNamed(ctx, r.PathValue("name"))
	if err != nil {
		return err
	}
	lang, _, err := s.feedLanguage(ctx)
	if err != nil {
		return err
	}
	group := s.cfg.Federation.IRIs().Group(fo.Name)
	events, err := s.db.Events(ctx, storage.EventFilter{Organizer: group, From: s.now().Add(-icalPastWindow), Limit: icalFeedLimit})
	if err != nil {
		return err
	}
	title := s.catalogs[lang].t("ical.name_node", fo.Title)
	info := content.CalendarInfo{Name: title, Description: firstNonEmpty(fo.Description, title),
		URL: s.base() + organizerAgenda(group), Language: fo.Language}
	return s.writeICal(w, r, events, info, icalPublicCache)
}

// eventICal is one event as a calendar file: "add to my calendar".
func (s *Server) eventICal(w http.ResponseWriter, r *http.Request, ev *content.Event) error {
	info := content.CalendarInfo{Name: ev.Title, URL: s.base() + s.eventPath(ev), Language: ev.Language}
	w.Header().Set("Content-Disposition", `inline; filename="event.ics"`)
	return s.writeICal(w, r, []*content.Event{ev}, info, icalPublicCache)
}

// privateICal is /calendar/{token}: the events a member signed up for, at
// an address only they know. The member makes a new one on the settings
// page; the old one then answers 404.
func (s *Server) privateICal(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	token := r.PathValue("token")
	missing := &problem{status: http.StatusNotFound, key: "error.not_found", detail: "no such calendar"}
	if token == "" || len(token) > calendarTokenMaxLen || strings.ContainsFunc(token, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_')
	}) {
		return missing
	}
	m, err := s.db.MemberByCalendarToken(ctx, token)
	switch {
	case content.KindOf(err) == content.KindNotFound:
		return missing
	case err != nil:
		return err
	case m.Suspended:
		return missing
	}
	events, err := s.db.Events(ctx, storage.EventFilter{MemberID: m.ID, From: s.now().Add(-icalPastWindow), Limit: icalFeedLimit})
	if err != nil {
		return err
	}
	lang, node, err := s.feedLanguage(ctx)
	if err != nil {
		return err
	}
	if l, err := content.ParseLanguage(string(m.Language)); err == nil {
		lang = l
	}
	title := s.catalogs[lang].t("ical.name_private", firstNonEmpty(node.Name, s.cfg.Host))
	info := content.CalendarInfo{Name: title, Description: title, URL: s.base() + "/agenda", Language: lang}
	w.Header().Set("X-Robots-Tag", "noindex")
	return s.writeICal(w, r, events, info, icalPrivateCache)
}

// writeICal writes a feed with its cache headers; an If-None-Match that
// names the feed as it is gets 304.
func (s *Server) writeICal(w http.ResponseWriter, r *http.Request, events []*content.Event, info content.CalendarInfo, cache string) error {
	var buf bytes.Buffer
	if err := content.WriteICal(&buf, events, info); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	h := w.Header()
	h.Set("Content-Type", icalContentType)
	h.Set("Cache-Control", cache)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(buf.Bytes()))
	return nil
}
