package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"kring/content"
	"kring/storage"
)

// eventFixture is the forum fixture (an admin, a moderator, alice and bob,
// each logged in) with a third member, carol, and a day two weeks ahead on
// which the events happen.
type eventFixture struct {
	*forumFixture
	carol  *browser
	carolM *content.Member
	day    time.Time // midnight in Amsterdam
	ams    *time.Location
}

func newEventFixture(t *testing.T) *eventFixture {
	t.Helper()
	x := &eventFixture{forumFixture: newForumFixture(t), ams: content.LoadZone("Europe/Amsterdam")}
	x.carolM = x.n.member("carol", "Carol Smit")
	x.carol = x.n.browser()
	x.carol.login("carol", testPassword)
	now := x.n.clock.Now().In(x.ams)
	x.day = time.Date(now.Year(), now.Month(), now.Day()+15, 0, 0, 0, 0, x.ams)
	return x
}

// at is the fixture's day at a wall-clock time, as the form takes it.
func (x *eventFixture) at(clock string) string { return x.day.Format(time.DateOnly) + "T" + clock }

// eventForm is a complete new-event form; extra replaces fields.
func (x *eventFixture) eventForm(title string, extra url.Values) url.Values {
	v := url.Values{"title": {title}, "body": {"Koffie en *open data*."}, "start": {x.at("09:00")}, "end": {x.at("10:30")},
		"time_zone": {"Europe/Amsterdam"}, "venue": {"Ministerie van BZK"}, "street": {"Turfmarkt 147"},
		"postal_code": {"2511 DP"}, "city": {"Den Haag"}, "country": {"Nederland"}, "notes": {"Zaal 3, ingang aan de achterkant"},
		"capacity": {"0"}, "join_mode": {"open"}, "status": {"confirmed"}, "tags": {"opendata"}, "language": {"nl"},
		"organizer": {"member"}, "action": {"save"}}
	for k, vs := range extra {
		v[k] = vs
	}
	return v
}

// createEvent posts the form and returns the new event's page.
func createEvent(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	form.Set("csrf", b.csrf("/agenda/new"))
	res := b.post("/agenda/new", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("create event %q: status %d\n%s", form.Get("title"), res.StatusCode, res.body)
	}
	path, done, _ := strings.Cut(res.Header.Get("Location"), "?")
	if !strings.HasPrefix(path, "/agenda/") || done != "done=saved" {
		t.Fatalf("create event: redirected to %q", res.Header.Get("Location"))
	}
	return path
}

// eventAt reads the event of a page from storage.
func (x *eventFixture) eventAt(t *testing.T, path string) *content.Event {
	t.Helper()
	ev, err := x.n.db.EventByIRI(context.Background(), x.fed.IRIs().Event(strings.TrimPrefix(path, "/agenda/")))
	if err != nil {
		t.Fatalf("event at %s: %v", path, err)
	}
	return ev
}

// press presses a button of an event page.
func press(t *testing.T, b *browser, path, action string, form url.Values) result {
	t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf", b.csrf(path))
	return b.post(path+"/"+action, form)
}

func wantNot(t *testing.T, what string, res result, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(res.body, s) {
			t.Errorf("%s: the page has %q, and should not", what, s)
		}
	}
}

// remoteEvent stores an event received from a Mobilizon group.
func (x *eventFixture) remoteEvent(t *testing.T, title string) *content.Event {
	t.Helper()
	start := x.day.Add(19 * time.Hour)
	ev := &content.Event{IRI: "https://mobilizon.test/events/" + strings.ReplaceAll(strings.ToLower(title), " ", "-"), Title: title,
		Content: "<p>Van elders.</p>", Start: start, End: start.Add(2 * time.Hour), TimeZone: "Europe/Amsterdam",
		Place: content.Place{Name: "Bibliotheek", City: "Utrecht"}, Organizer: "https://mobilizon.test/@opendata",
		OrganizerName: "Open Data Utrecht", JoinMode: content.JoinOpen, Tags: []string{"opendata"}, Language: "nl",
		URL: "https://mobilizon.test/events/page", ParticipantCount: 7}
	if _, err := x.n.db.PutRemoteEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestEventCreateShowsOnAgendaAndPage(t *testing.T) {
	x := newEventFixture(t)
	wantStatus(t, "new event form", x.alice.get("/agenda/new"), http.StatusOK, `type="datetime-local"`, "Europe/Brussels", "Ikzelf (Alice de Vries)")
	if res := x.anonymous.get("/agenda/new"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor at the form: %d %s, want a redirect to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	path := createEvent(t, x.alice, x.eventForm("Open Koffie", nil))
	ev := x.eventAt(t, path)

	// Entered at 09:00 in Amsterdam, stored in UTC.
	want := time.Date(x.day.Year(), x.day.Month(), x.day.Day(), 9, 0, 0, 0, x.ams)
	if !ev.Start.Equal(want) || ev.Start.Location() != time.UTC || !ev.End.Equal(want.Add(90*time.Minute)) {
		t.Errorf("stored %v – %v, want %v (UTC) – 90 minutes later", ev.Start, ev.End, want.UTC())
	}
	if _, off := want.Zone(); ev.Start.Hour() != 9-off/3600 {
		t.Errorf("stored start hour %d UTC, want %d", ev.Start.Hour(), 9-off/3600)
	}
	if ev.TimeZone != "Europe/Amsterdam" || ev.Place.City != "Den Haag" || ev.Organizer != x.aliceIRI || ev.CreatorID != x.aliceM.ID {
		t.Errorf("stored event: %+v", ev)
	}
	when := content.FormatTimeRange(ev.Start, ev.End, x.ams, content.LanguageDutch)
	wantStatus(t, "agenda", x.anonymous.get("/agenda"), http.StatusOK, "Open Koffie", `href="`+path+`"`, when,
		"Ministerie van BZK, Turfmarkt 147, 2511 DP Den Haag", "Alice de Vries", "0 deelnemers", "/agenda.ics?scope=all")
	page := x.anonymous.get(path)
	wantStatus(t, "event page", page, http.StatusOK, "<h1", "Open Koffie", when, "(Europe/Amsterdam)",
		"Zaal 3, ingang aan de achterkant", "https://www.openstreetmap.org/search?query=Ministerie%20van%20BZK%2C%20Turfmarkt%20147",
		"<em>open data</em>", `href="/agenda?tag=opendata"`, "Log in om u aan te melden", path+"/event.ics", "Vrij aanmelden")
	wantNot(t, "event page for a visitor", page, "Aanmeldingen (", `action="`+path+`/join"`)

	// Coordinates put the map on the spot.
	geo := createEvent(t, x.alice, x.eventForm("Op de kaart", url.Values{"lat": {"52.0799"}, "lon": {"4,3113"}}))
	wantStatus(t, "event with coordinates", x.anonymous.get(geo), http.StatusOK,
		"https://www.openstreetmap.org/?mlat=52.0799&amp;mlon=4.3113#map=17/52.0799/4.3113")

	// The month grid.
	month := x.day.Format("2006-01")
	grid := x.anonymous.get("/agenda?month=" + month)
	wantStatus(t, "month view", grid, http.StatusOK, `<table class="month-grid">`, "<caption>", `<th scope="col"`, `<th scope="row"`,
		`href="`+path+`"`, "09:00 Open Koffie", `rel="prev"`, `rel="next"`)

	// Local and network scopes, and the tag filter.
	remote := x.remoteEvent(t, "Mobilizon meetup")
	wantStatus(t, "network agenda", x.anonymous.get("/agenda?scope=network"), http.StatusOK, "Mobilizon meetup", "Van elders", "7 deelnemers")
	wantNot(t, "network agenda", x.anonymous.get("/agenda?scope=network"), "Open Koffie")
	wantStatus(t, "local agenda", x.anonymous.get("/agenda?scope=local"), http.StatusOK, "Open Koffie")
	wantNot(t, "local agenda", x.anonymous.get("/agenda?scope=local"), "Mobilizon meetup")
	wantStatus(t, "whole agenda", x.anonymous.get("/agenda"), http.StatusOK, "Open Koffie", "Mobilizon meetup")
	wantStatus(t, "tag filter", x.anonymous.get("/agenda?tag=%23OpenData"), http.StatusOK, "Open Koffie", "Mobilizon meetup")
	wantNot(t, "other tag", x.anonymous.get("/agenda?tag=fietsen"), "Open Koffie", "Mobilizon meetup")
	wantStatus(t, "organiser filter", x.anonymous.get("/agenda?organizer="+url.QueryEscape(remote.Organizer)), http.StatusOK,
		"Mobilizon meetup", "Open Data Utrecht")
	wantNot(t, "organiser filter", x.anonymous.get("/agenda?organizer="+url.QueryEscape(remote.Organizer)), "Open Koffie")
	wantStatus(t, "past agenda", x.anonymous.get("/agenda?when=past"), http.StatusOK, "Er zijn geen eerdere activiteiten.")

	// A received event has a page of its own, with the original linked.
	remotePath := "/agenda/e/" + itoa(remote.ID)
	wantStatus(t, "received event", x.bob.get(remotePath), http.StatusOK, "Mobilizon meetup", "https://mobilizon.test/events/page",
		"Open Data Utrecht", `action="`+remotePath+`/join"`)
	if res := x.anonymous.get("/agenda/e/" + itoa(ev.ID)); res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != path {
		t.Errorf("a local event by row id: %d to %q, want 301 to %s", res.StatusCode, res.Header.Get("Location"), path)
	}

	// Servers get the Event itself.
	req, _ := http.NewRequest(http.MethodGet, x.n.ts.URL+path, nil)
	req.Header.Set("Accept", "application/activity+json")
	as := x.anonymous.do(req)
	if as.StatusCode != http.StatusOK || !strings.Contains(as.body, `"type":"Event"`) {
		t.Errorf("AS2 at the page: %d %.200s", as.StatusCode, as.body)
	}

	// Bad queries and addresses are the visitor's mistake.
	for _, bad := range []string{"/agenda?scope=everywhere", "/agenda?month=2026-13", "/agenda?when=tomorrow",
		"/agenda?organizer=nobody", "/agenda?series=x", "/agenda?after=x&id=1"} {
		if res := x.anonymous.get(bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, res.StatusCode)
		}
	}
	for _, missing := range []string{"/agenda/nosuchevent", "/agenda/e/999999", "/agenda/e/abc", "/agenda/" + strings.Repeat("a", 100)} {
		if res := x.anonymous.get(missing); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", missing, res.StatusCode)
		}
	}
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// eventChange stores an event as it is, without federating it.
func eventChange(ev *content.Event) storage.EventChange {
	ev.URL = ""
	return storage.EventChange{Event: ev}
}

func storageFilterLocal() storage.EventFilter { return storage.EventFilter{Scope: "local", Limit: 100} }

func TestEventAgendaPaging(t *testing.T) {
	x := newEventFixture(t)
	ctx := context.Background()
	for i := range eventsPerPage + 3 {
		start := x.day.Add(time.Duration(i) * time.Hour)
		ev := &content.Event{IRI: x.fed.IRIs().Event("paged" + itoa(int64(i))), Title: "Sessie " + itoa(int64(i+1000)),
			Start: start, End: start.Add(time.Hour), TimeZone: "Europe/Amsterdam", Organizer: x.aliceIRI,
			OrganizerKind: content.OrganizerMember, OrganizerName: "Alice de Vries", CreatorID: x.aliceM.ID, Language: "nl"}
		if err := x.n.db.SaveEvent(ctx, eventChange(ev)); err != nil {
			t.Fatal(err)
		}
	}
	first := x.anonymous.get("/agenda")
	wantStatus(t, "first page", first, http.StatusOK, "Sessie 1000", "Sessie 1049", "Latere activiteiten")
	wantNot(t, "first page", first, "Sessie 1050")
	m := regexp.MustCompile(`href="(/agenda\?after=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if m == nil {
		t.Fatal("no link to later events")
	}
	later := x.anonymous.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	wantStatus(t, "second page", later, http.StatusOK, "Sessie 1050", "Sessie 1052", "Eerstvolgende activiteiten")
	wantNot(t, "second page", later, "Sessie 1049", `rel="next"`)
}

func TestEventJoinLeaveAndWaitingList(t *testing.T) {
	x := newEventFixture(t)
	path := createEvent(t, x.alice, x.eventForm("Klein overleg", url.Values{"capacity": {"1"}}))
	wantStatus(t, "before joining", x.bob.get(path), http.StatusOK, "0 van 1 plaatsen bezet", "nog 1 plaatsen vrij", ">Aanmelden</button>")

	res := press(t, x.bob, path, "join", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=joined" {
		t.Fatalf("join: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "after joining", x.bob.get(path), http.StatusOK, "U doet mee.", "1 van 1 plaatsen bezet", `action="`+path+`/leave"`)
	wantStatus(t, "agenda after joining", x.anonymous.get("/agenda"), http.StatusOK, "1 van 1 plaatsen bezet")

	// The event is full: carol goes on the waiting list.
	wantStatus(t, "full event", x.carol.get(path), http.StatusOK, "Alle plaatsen zijn bezet", "Op de wachtlijst zetten")
	if res := press(t, x.carol, path, "join", nil); res.Header.Get("Location") != path+"?done=waiting" {
		t.Fatalf("join a full event: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	wantStatus(t, "on the waiting list", x.carol.get(path+"?done=waiting"), http.StatusOK, "U staat op de wachtlijst", "1 op de wachtlijst")

	// Bob leaves: carol moves up.
	if res := press(t, x.bob, path, "leave", nil); res.Header.Get("Location") != path+"?done=left" {
		t.Fatalf("leave: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	wantStatus(t, "bob after leaving", x.bob.get(path), http.StatusOK, "Klein overleg")
	wantNot(t, "bob after leaving", x.bob.get(path), "U doet mee.")
	wantStatus(t, "carol moved up", x.carol.get(path), http.StatusOK, "U doet mee.", "1 van 1 plaatsen bezet")
	if ev := x.eventAt(t, path); ev.ParticipantCount != 1 || ev.WaitingCount != 0 {
		t.Errorf("counts: %d accepted, %d waiting; want 1, 0", ev.ParticipantCount, ev.WaitingCount)
	}

	// Alice hears of the sign-ups, with a link to the event.
	wantStatus(t, "notifications", x.alice.get("/notifications"), http.StatusOK, "heeft zich aangemeld voor",
		`href="`+path+`"`, ">Klein overleg</a>")

	// A visitor cannot press the buttons.
	if res := x.anonymous.post(path+"/join", url.Values{"csrf": {x.anonymous.csrf(path)}}); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("a visitor joins: %d, want 401", res.StatusCode)
	}
	if res := press(t, x.bob, path, "explode", nil); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown action: %d, want 404", res.StatusCode)
	}
}

func TestEventApprovalByOrganiser(t *testing.T) {
	x := newEventFixture(t)
	path := createEvent(t, x.alice, x.eventForm("Besloten sessie", url.Values{"join_mode": {"approval"}}))
	wantStatus(t, "approval event", x.bob.get(path), http.StatusOK, "De organisator beoordeelt elke aanmelding", "Aanmelding versturen")
	if res := press(t, x.bob, path, "join", url.Values{"message": {"Ik werk bij de gemeente."}}); res.Header.Get("Location") != path+"?done=pending" {
		t.Fatalf("request: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "bob waits", x.bob.get(path), http.StatusOK, "Uw aanmelding wacht op de organisator.")

	// The organiser sees the request and its buttons; others do not.
	org := x.alice.get(path)
	wantStatus(t, "organiser's page", org, http.StatusOK, "Aanmeldingen (1)", "Bob Jansen", "wacht op uw goedkeuring",
		"Ik werk bij de gemeente.", `action="`+path+`/accept"`, `action="`+path+`/reject"`, "Activiteit bewerken")
	for who, b := range map[string]*browser{"bob": x.bob, "carol": x.carol, "a visitor": x.anonymous} {
		wantNot(t, who+"'s page", b.get(path), "Aanmeldingen (", `/accept"`, `rel="nofollow ugc">Bob Jansen`, "Activiteit bewerken")
	}
	if res := press(t, x.carol, path, "accept", url.Values{"actor": {x.bobIRI}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("carol accepts: %d, want 403", res.StatusCode)
	}
	if res := x.carol.get(path + "/edit"); res.StatusCode != http.StatusForbidden {
		t.Errorf("carol opens the edit form: %d, want 403", res.StatusCode)
	}
	if res := press(t, x.alice, path, "accept", url.Values{"actor": {"not an actor"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("accept without an actor: %d, want 400", res.StatusCode)
	}
	if res := press(t, x.alice, path, "accept", url.Values{"actor": {x.bobIRI}}); res.Header.Get("Location") != path+"?done=accepted#attendees" {
		t.Fatalf("accept: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "bob accepted", x.bob.get(path), http.StatusOK, "U doet mee.")
	wantStatus(t, "organiser after accepting", x.alice.get(path), http.StatusOK, "doet mee")
	if res := press(t, x.alice, path, "accept", url.Values{"actor": {x.bobIRI}}); res.StatusCode != http.StatusConflict {
		t.Errorf("accept twice: %d, want 409", res.StatusCode)
	}
	wantStatus(t, "bob's notifications", x.bob.get("/notifications"), http.StatusOK, "heeft uw aanmelding voor", "geaccepteerd")

	// An admin manages every event, and may edit it.
	wantStatus(t, "admin's page", x.admin.get(path), http.StatusOK, "Aanmeldingen (1)")
	wantStatus(t, "admin's edit form", x.admin.get(path+"/edit"), http.StatusOK, "Zoals nu: Alice de Vries", `value="Besloten sessie"`)
}

func TestEventEditAndCancel(t *testing.T) {
	x := newEventFixture(t)
	path := createEvent(t, x.alice, x.eventForm("Werksessie", nil))
	press(t, x.bob, path, "join", nil)

	form := x.alice.get(path + "/edit")
	wantStatus(t, "edit form", form, http.StatusOK, `value="Werksessie"`, `value="`+x.at("09:00")+`"`, "Zaal 3, ingang aan de achterkant",
		`action="`+path+`/edit"`)
	res := x.alice.post(path+"/edit", withCSRF(x.alice, path+"/edit", x.eventForm("Werksessie (verplaatst)", url.Values{"start": {x.at("13:00")}, "end": {x.at("15:00")}})))
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=saved" {
		t.Fatalf("edit: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "edited", x.bob.get(path), http.StatusOK, "Werksessie (verplaatst)", "13:00–15:00", "U doet mee.")
	wantStatus(t, "bob told of the change", x.bob.get("/notifications"), http.StatusOK, "gewijzigd")
	// The organiser may ask the speakers network for a speaker; others may not.
	wantStatus(t, "organiser's page", x.alice.get(path), http.StatusOK, `href="/speakers/requests/new?event=`, "Een spreker vragen voor deze activiteit")
	wantNot(t, "participant's page", x.bob.get(path), `/speakers/requests/new?event=`)

	if res := press(t, x.bob, path, "cancel", nil); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob cancels: %d, want 403", res.StatusCode)
	}
	if res := press(t, x.alice, path, "cancel", nil); res.Header.Get("Location") != path+"?done=cancelled" {
		t.Fatalf("cancel: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	page := x.carol.get(path)
	wantStatus(t, "cancelled event", page, http.StatusOK, "Deze activiteit is afgelast.", "badge-cancelled", "Aanmelden kan niet: de activiteit is afgelast.")
	wantNot(t, "cancelled event", page, `action="`+path+`/join"`)
	wantNot(t, "cancelled event, organiser", x.alice.get(path), `/speakers/requests/new?event=`)
	wantStatus(t, "agenda with a cancelled event", x.anonymous.get("/agenda"), http.StatusOK, "Afgelast", "is-cancelled")
	if res := press(t, x.carol, path, "join", nil); res.StatusCode != http.StatusConflict {
		t.Errorf("join a cancelled event: %d, want 409", res.StatusCode)
	}
	wantStatus(t, "bob told of the cancellation", x.bob.get("/notifications"), http.StatusOK, "afgelast")

	if res := press(t, x.alice, path, "delete", nil); res.Header.Get("Location") != "/agenda?done=deleted" {
		t.Fatalf("delete: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if res := x.anonymous.get(path); res.StatusCode != http.StatusGone {
		t.Errorf("deleted event: %d, want 410", res.StatusCode)
	}
}

func withCSRF(b *browser, page string, form url.Values) url.Values {
	form.Set("csrf", b.csrf(page))
	return form
}

func TestEventFormErrors(t *testing.T) {
	x := newEventFixture(t)
	res := x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("", url.Values{"start": {"morgen"}, "capacity": {"veel"},
		"lat": {"52"}, "venue": {"Het Huis"}})))
	wantStatus(t, "refused form", res, http.StatusUnprocessableEntity, "Er is een probleem", `href="#start"`, `href="#capacity"`,
		`href="#lat"`, `id="start" name="start" type="datetime-local" required value="morgen"`, `value="Het Huis"`, `aria-invalid="true"`)
	if !strings.Contains(res.body, "<title>Fout:") && !strings.Contains(res.body, "<title>") {
		t.Error("no title")
	}
	many := strings.Repeat("Iemand\n", content.MaxEventSpeakers+1)
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("Vol", url.Values{"lat": {"NaN"}, "lon": {"4"}, "speakers": {many}})))
	wantStatus(t, "NaN and too many speakers", res, http.StatusUnprocessableEntity, `href="#lat"`, `href="#speakers"`)
	// The domain's own checks: the title, then the end before the start.
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("", nil)))
	wantStatus(t, "no title", res, http.StatusUnprocessableEntity, `href="#title"`, "Geef de activiteit een titel.", `id="title-error"`)
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("Achterstevoren", url.Values{"end": {x.at("08:00")}})))
	wantStatus(t, "end before start", res, http.StatusUnprocessableEntity, `href="#end"`, "De activiteit moet eindigen na het begin.")
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("Extern", url.Values{"join_mode": {"external"}})))
	wantStatus(t, "external without address", res, http.StatusUnprocessableEntity, `href="#registration_url"`)
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("Namens iedereen", url.Values{"organizer": {"organisation"}})))
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, `href="#organizer"`) {
		t.Errorf("a member organises for the organisation: %d", res.StatusCode)
	}
	// The preview renders the Markdown and keeps the form.
	res = x.alice.post("/agenda/new", withCSRF(x.alice, "/agenda/new", x.eventForm("Voorbeeld", url.Values{"action": {"preview"}, "body": {"**Vet** en #opendata"}})))
	wantStatus(t, "preview", res, http.StatusOK, "<strong>Vet</strong>", `value="Voorbeeld"`)
	if evs, _ := x.n.db.Events(context.Background(), storageFilterLocal()); len(evs) != 0 {
		t.Errorf("%d events stored by refused forms and a preview", len(evs))
	}
}

func TestEventCalendarFeeds(t *testing.T) {
	x := newEventFixture(t)
	ctx := context.Background()
	path := createEvent(t, x.alice, x.eventForm("Open Koffie", nil))
	x.createForum(t, "koffie", "Koffie en data")
	forumEvent := createEvent(t, x.admin, x.eventForm("Forumavond", url.Values{"organizer": {"forum:koffie"}}))
	x.remoteEvent(t, "Mobilizon meetup")
	press(t, x.bob, path, "join", nil)

	feed := func(b *browser, p string, status int) *ics.Calendar {
		t.Helper()
		res := b.get(p)
		if res.StatusCode != status {
			t.Fatalf("GET %s: %d, want %d\n%.300s", p, res.StatusCode, status, res.body)
		}
		if status != http.StatusOK {
			return nil
		}
		if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
			t.Errorf("GET %s: Content-Type %q", p, ct)
		}
		if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=") {
			t.Errorf("GET %s: Cache-Control %q", p, cc)
		}
		cal, err := ics.ParseCalendar(strings.NewReader(res.body))
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", p, err, res.body)
		}
		return cal
	}
	summaries := func(cal *ics.Calendar) []string {
		var out []string
		for _, ev := range cal.Events() {
			if p := ev.GetProperty(ics.ComponentPropertySummary); p != nil {
				out = append(out, p.Value)
			}
		}
		return out
	}
	wantSummaries := func(what string, cal *ics.Calendar, want ...string) {
		t.Helper()
		got := summaries(cal)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: events %q, want %q", what, got, want)
		}
	}
	wantSummaries("node agenda", feed(x.anonymous, "/agenda.ics", http.StatusOK), "Open Koffie", "Forumavond")
	wantSummaries("whole agenda", feed(x.anonymous, "/agenda.ics?scope=all", http.StatusOK), "Open Koffie", "Forumavond", "Mobilizon meetup")
	wantSummaries("network agenda", feed(x.anonymous, "/agenda.ics?scope=network", http.StatusOK), "Mobilizon meetup")
	wantSummaries("alice's agenda", feed(x.anonymous, "/agenda.ics?organizer="+url.QueryEscape(x.aliceIRI), http.StatusOK), "Open Koffie")
	wantSummaries("tag feed", feed(x.anonymous, "/agenda.ics?tag=nietsvanditalles", http.StatusOK))
	wantSummaries("forum agenda", feed(x.anonymous, "/f/koffie/agenda.ics", http.StatusOK), "Forumavond")
	feed(x.anonymous, "/f/nosuchforum/agenda.ics", http.StatusNotFound)
	one := feed(x.anonymous, path+"/event.ics", http.StatusOK)
	wantSummaries("one event", one, "Open Koffie")
	if start, err := one.Events()[0].GetStartAt(); err != nil || !start.Equal(x.eventAt(t, path).Start) {
		t.Errorf("the event's DTSTART: %v %v, want %v", start, err, x.eventAt(t, path).Start)
	}
	feed(x.anonymous, forumEvent+"/event.ics", http.StatusOK)

	// An unchanged feed costs a 304.
	res := x.anonymous.get("/agenda.ics")
	req, _ := http.NewRequest(http.MethodGet, x.n.ts.URL+"/agenda.ics", nil)
	req.Header.Set("If-None-Match", res.Header.Get("ETag"))
	if again := x.anonymous.do(req); again.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match with the feed's ETag: %d, want 304", again.StatusCode)
	}

	// Bob's private calendar: the events he signed up for.
	settings := x.bob.get("/settings")
	m := regexp.MustCompile(`id="calendar-url" type="text" readonly value="[^"]*(/calendar/[^"]+)"`).FindStringSubmatch(settings.body)
	if m == nil {
		t.Fatalf("no calendar address on the settings page\n%s", settings.body)
	}
	private := m[1]
	token, err := x.n.db.CalendarToken(ctx, x.bobM.ID)
	if err != nil || private != "/calendar/"+token {
		t.Fatalf("settings show %s, storage has %s (%v)", private, token, err)
	}
	wantSummaries("bob's calendar", feed(x.anonymous, private, http.StatusOK), "Open Koffie")
	if cc := x.anonymous.get(private).Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("private calendar: Cache-Control %q", cc)
	}
	feed(x.anonymous, "/calendar/nosuchtoken", http.StatusNotFound)
	feed(x.anonymous, "/calendar/bad%20token", http.StatusNotFound)

	// A new address: the old one stops working.
	res = x.bob.post("/settings/calendar", url.Values{"csrf": {x.bob.csrf("/settings")}})
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/settings?saved=calendar") {
		t.Fatalf("rotate: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	feed(x.anonymous, private, http.StatusNotFound)
	settings = x.bob.get("/settings?saved=calendar")
	wantStatus(t, "settings after rotating", settings, http.StatusOK, "U hebt een nieuw agenda-adres.")
	m = regexp.MustCompile(`id="calendar-url" type="text" readonly value="[^"]*(/calendar/[^"]+)"`).FindStringSubmatch(settings.body)
	if m == nil || m[1] == private {
		t.Fatalf("settings after rotating show %v", m)
	}
	wantSummaries("bob's new calendar", feed(x.anonymous, m[1], http.StatusOK), "Open Koffie")
}

func TestEventSeriesForm(t *testing.T) {
	x := newEventFixture(t)
	ctx := context.Background()
	wantStatus(t, "series form", x.alice.get("/agenda/series/new"), http.StatusOK, `name="rrule"`, "Elke tweede en vierde maandag van de maand",
		`name="horizon_weeks"`)
	form := x.eventForm("Open Koffie (wekelijks)", url.Values{"start": {x.at("19:30")}, "end": {x.at("21:00")},
		"rrule": {"weekly"}, "horizon_weeks": {"6"}})
	res := x.alice.post("/agenda/series/new", withCSRF(x.alice, "/agenda/series/new", form))
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("series: %d\n%s", res.StatusCode, res.body)
	}
	loc := res.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/agenda?series=")
	if !ok {
		t.Fatalf("series: redirected to %s", loc)
	}
	all, err := x.n.db.AllSeries(ctx)
	if err != nil || len(all) != 1 || itoa(all[0].ID) != id {
		t.Fatalf("series stored: %v %v", all, err)
	}
	occ, err := x.n.db.SeriesEvents(ctx, all[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	// Weekly from 15 days ahead within 6 weeks: weeks 3, 4, 5 and 6.
	if len(occ) < 3 || len(occ) > 4 {
		t.Errorf("%d occurrences, want 3 or 4", len(occ))
	}
	for _, ev := range occ {
		if l := ev.Start.In(x.ams); l.Hour() != 19 || l.Minute() != 30 || l.Weekday() != x.day.Weekday() {
			t.Errorf("occurrence at %v, want %s 19:30 in Amsterdam", l, x.day.Weekday())
		}
	}
	page := x.alice.get(loc)
	wantStatus(t, "series agenda", page, http.StatusOK, "U ziet alleen de reeks Open Koffie (wekelijks).", "Reeks bewerken")
	if n := strings.Count(page.body, `class="event-item`); n != len(occ) {
		t.Errorf("the series' agenda lists %d events, storage has %d", n, len(occ))
	}
	wantStatus(t, "an occurrence", x.alice.get(x.n.srv.eventPath(occ[0])), http.StatusOK, "Alle keren van deze reeks", "Hele reeks bewerken")

	// Editing the series: its form holds what was saved.
	edit := "/agenda/series/" + id + "/edit"
	wantStatus(t, "series edit form", x.alice.get(edit), http.StatusOK, `value="Open Koffie (wekelijks)"`, `<option value="weekly" selected>`)
	if res := x.bob.get(edit); res.StatusCode != http.StatusForbidden {
		t.Errorf("bob edits alice's series: %d, want 403", res.StatusCode)
	}
	form = x.eventForm("Open Koffie (tweewekelijks)", url.Values{"start": {x.at("19:30")}, "end": {x.at("21:00")},
		"rrule": {"custom"}, "rrule_custom": {"FREQ=WEEKLY;INTERVAL=2"}, "horizon_weeks": {"6"}})
	if res := x.alice.post(edit, withCSRF(x.alice, edit, form)); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit series: %d\n%s", res.StatusCode, res.body)
	}
	wantStatus(t, "edited series", x.alice.get(loc), http.StatusOK, "Open Koffie (tweewekelijks)")

	// A rule that cannot be read is shown at its field.
	form = x.eventForm("Kapot", url.Values{"rrule": {"custom"}, "rrule_custom": {"FREQ=HOURLY"}})
	res = x.alice.post("/agenda/series/new", withCSRF(x.alice, "/agenda/series/new", form))
	wantStatus(t, "bad rule", res, http.StatusUnprocessableEntity, `href="#rrule_custom"`, `value="FREQ=HOURLY"`)
	if res := x.anonymous.get("/agenda?series=999999"); res.StatusCode != http.StatusNotFound {
		t.Errorf("unknown series: %d, want 404", res.StatusCode)
	}
}

// TestEventPagesInEnglish renders the agenda's pages in English and looks
// for the [[key]] a missing translation leaves.
func TestEventPagesInEnglish(t *testing.T) {
	x := newEventFixture(t)
	path := createEvent(t, x.alice, x.eventForm("Open Koffie", url.Values{"join_mode": {"approval"}}))
	press(t, x.bob, path, "join", nil)
	x.remoteEvent(t, "Mobilizon meetup")
	for _, lang := range []string{"nl", "en"} {
		b := x.alice
		b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {lang}})
		for _, p := range []string{"/agenda", "/agenda?when=past", "/agenda?month=" + x.day.Format("2006-01"), path, path + "/edit",
			"/agenda/new", "/agenda/series/new", "/settings", "/notifications"} {
			res := b.get(p)
			if res.StatusCode != http.StatusOK || strings.Contains(res.body, "[[") || htmlLang(res.body) != lang {
				i := max(strings.Index(res.body, "[["), 0)
				t.Errorf("%s (%s): %d, lang %q, near %q", p, lang, res.StatusCode, htmlLang(res.body), res.body[i:min(len(res.body), i+60)])
			}
			if c := strings.Count(res.body, "<h1"); c != 1 {
				t.Errorf("%s (%s): %d <h1>", p, lang, c)
			}
		}
	}
	wantStatus(t, "English agenda", x.alice.get("/agenda"), http.StatusOK, "Upcoming events", "Organised by", "Agenda</a>")
}

// TestEventJoinReceivedEvent: a member joins an event received from
// another server; the Join goes to its organiser there, and until it
// answers the page says the request waits for the organiser.
func TestEventJoinReceivedEvent(t *testing.T) {
	x := newEventFixture(t)
	rs := newRemoteServer(t, map[string]string{"groep": "Open Data Groep"})
	rs.store(t, x.n, "groep")
	start := x.day.Add(19 * time.Hour)
	ev := &content.Event{IRI: rs.ts.URL + "/events/1", Title: "Meetup elders", Start: start, End: start.Add(2 * time.Hour),
		TimeZone: "Europe/Amsterdam", Organizer: rs.actor("groep"), OrganizerName: "Open Data Groep", JoinMode: content.JoinOpen,
		URL: rs.ts.URL + "/events/1", Language: "nl"}
	if _, err := x.n.db.PutRemoteEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	path := "/agenda/e/" + itoa(ev.ID)
	wantStatus(t, "received event", x.bob.get(path), http.StatusOK, "Aanmelding versturen", "@groep@"+rs.host)
	before := pendingDeliveries(t, x.n)
	if res := press(t, x.bob, path, "join", nil); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=pending" {
		t.Fatalf("join: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if pendingDeliveries(t, x.n) <= before {
		t.Error("no Join on its way to the organiser")
	}
	wantStatus(t, "waiting for the organiser", x.bob.get(path), http.StatusOK, "Uw aanmelding wacht op de organisator.", `action="`+path+`/leave"`)
	for _, action := range []string{"cancel", "accept", "delete"} {
		if res := press(t, x.bob, path, action, url.Values{"actor": {x.bobIRI}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s on a received event: %d, want 404", action, res.StatusCode)
		}
	}
	if res := press(t, x.bob, path, "leave", nil); res.Header.Get("Location") != path+"?done=left" {
		t.Fatalf("leave: %d %s\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantNot(t, "after leaving", x.bob.get(path), "Uw aanmelding wacht op de organisator.")
}
