package web

// eventRoutes are the agenda's pages: the agenda with its filters and
// month view, an event's page with its buttons, writing events and
// series, and the calendar feeds.
//
// ServeMux picks the most specific pattern, and refuses two that match the
// same path without one being more specific. So:
//   - /agenda/new, /agenda/series/... and /agenda/e/{id} (received events,
//     which have no token of their own) are literal segments that win over
//     a local event's /agenda/{token};
//   - an event's edit page and its .ics share GET /agenda/{token}/{action}:
//     /agenda/{token}/edit beside /agenda/e/{id} would both match
//     /agenda/e/edit with neither more specific;
//   - /f/{name}/agenda.ics is a literal segment that wins over a thread's
//     /f/{name}/{id}.
//
// A member's own feed would clash as /@user/agenda.ics with the blog's
// /{handle}/{slug}, and with /f/{name} and /tags/{tag} beside it; it is
// /agenda.ics?organizer=<actor> instead. The feeds are bare routes:
// calendar apps send no cookies and need no session.
func (s *Server) eventRoutes() []route {
	return []route{
		{pattern: "GET /agenda", handle: s.needsFederation(s.agendaPage)},
		{pattern: "GET /agenda/new", handle: s.needsFederation(s.newEventPage)},
		{pattern: "POST /agenda/new", handle: s.needsFederation(s.saveNewEvent)},
		{pattern: "GET /agenda/series/new", handle: s.needsFederation(s.newSeriesPage)},
		{pattern: "POST /agenda/series/new", handle: s.needsFederation(s.saveSeriesForm)},
		{pattern: "GET /agenda/series/{id}/edit", handle: s.needsFederation(s.editSeriesPage)},
		{pattern: "POST /agenda/series/{id}/edit", handle: s.needsFederation(s.saveSeriesForm)},
		{pattern: "GET /agenda/e/{id}", handle: s.needsFederation(s.remoteEventPage)},
		{pattern: "GET /agenda/e/{id}/{action}", handle: s.needsFederation(s.remoteEventSubpage)},
		{pattern: "POST /agenda/e/{id}/{action}", handle: s.needsFederation(s.remoteEventAction)},
		{pattern: "GET /agenda/{token}", handle: s.needsFederation(s.eventPage)},
		{pattern: "GET /agenda/{token}/{action}", handle: s.needsFederation(s.eventSubpage)},
		{pattern: "POST /agenda/{token}/{action}", handle: s.needsFederation(s.eventAction)},
		{pattern: "GET /agenda.ics", handle: s.needsFederation(s.agendaICal), bare: true},
		{pattern: "GET /f/{name}/agenda.ics", handle: s.needsFederation(s.forumICal), bare: true},
		{pattern: "GET /calendar/{token}", handle: s.needsFederation(s.privateICal), bare: true},
		{pattern: "POST /settings/calendar", handle: s.needsFederation(s.rotateCalendar)},
	}
}
