package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage/storagetest"
)

// speakerFixture is a federating node with a requester (alice), three
// speakers on "Open data" (bob, carol, frank), one on "Privacy" (dave),
// a member who is none of these (erin), an admin and a visitor, all
// logged in but the visitor.
type speakerFixture struct {
	n                                   *testNode
	fed                                 *federation.Node
	aliceM, bobM, carolM, daveM, frankM *content.Member
	alice, bob, carol, dave, frank      *browser
	erin, admin, anonymous              *browser
}

func newSpeakerFixture(t *testing.T) *speakerFixture {
	t.Helper()
	n, fed := newFederatedNode(t)
	x := &speakerFixture{n: n, fed: fed, anonymous: n.browser()}
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	x.aliceM = n.member("alice", "Alice de Vries")
	x.bobM = n.member("bob", "Bob Jansen")
	x.carolM = n.member("carol", "Carol Smit")
	x.daveM = n.member("dave", "Dave Peters")
	x.frankM = n.member("frank", "Frank Bakker")
	n.member("erin", "Erin Visser")
	x.speaker(t, x.bobM, []string{"Open data", "Archieven"}, []content.TalkFormat{content.FormatTalk, content.FormatWorkshop}, []string{"nl", "fy"}, "Ik vertel over open data bij gemeenten.")
	x.speaker(t, x.carolM, []string{"open-data"}, []content.TalkFormat{content.FormatPanel}, []string{"nl", "en"}, "")
	x.speaker(t, x.frankM, []string{"#OpenData"}, nil, nil, "")
	x.speaker(t, x.daveM, []string{"Privacy"}, []content.TalkFormat{content.FormatTalk}, []string{"en"}, "Privacy by design.")
	x.alice, x.bob, x.carol, x.dave, x.frank, x.erin, x.admin = n.browser(), n.browser(), n.browser(), n.browser(), n.browser(), n.browser(), n.browser()
	for name, b := range map[string]*browser{"alice": x.alice, "bob": x.bob, "carol": x.carol, "dave": x.dave, "frank": x.frank, "erin": x.erin, "beheer": x.admin} {
		b.login(name, testPassword)
	}
	return x
}

func (x *speakerFixture) speaker(t *testing.T, m *content.Member, topics []string, formats []content.TalkFormat, langs []string, pitch string) {
	t.Helper()
	p := &content.Profile{MemberID: m.ID, Speaker: true, SpeakerTopics: topics, SpeakerFormats: formats, SpeakerLanguages: langs, Pitch: pitch}
	if err := x.n.db.SaveProfile(context.Background(), p); err != nil {
		t.Fatalf("make %s a speaker: %v", m.Username, err)
	}
}

// requestForm is a complete request; extra replaces fields.
func (x *speakerFixture) requestForm(extra url.Values) url.Values {
	v := url.Values{"event_title": {"Open Data Dag"}, "event_date": {time.Now().AddDate(0, 2, 0).Format(time.DateOnly)},
		"place": {"Stadhuis, Utrecht"}, "audience": {"Beleidsmedewerkers"}, "topic": {"Open data"}, "language": {""},
		"ask": {"Een lezing van 30 minuten over open data.\nMet vragen."}}
	for k, vs := range extra {
		v[k] = vs
	}
	return v
}

var requestPathRE = regexp.MustCompile(`^/speakers/requests/([A-Za-z0-9_-]+)\?done=sent$`)

// sendRequest posts the form as b and returns the request's token.
func (x *speakerFixture) sendRequest(t *testing.T, b *browser, form url.Values) string {
	t.Helper()
	form.Set("csrf", b.csrf("/speakers/requests/new"))
	res := b.post("/speakers/requests", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("send request: status %d\n%s", res.StatusCode, res.body)
	}
	m := requestPathRE.FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("send request: redirected to %q", res.Header.Get("Location"))
	}
	return m[1]
}

// answerTokens are the answer links' secrets of a request, by username.
func (x *speakerFixture) answerTokens(t *testing.T, token string) map[string]string {
	t.Helper()
	ctx := context.Background()
	req, err := x.n.db.SpeakerRequestByToken(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	rcs, err := x.n.db.SpeakerRecipients(ctx, req.ID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, rc := range rcs {
		m, err := x.n.db.MemberByID(ctx, rc.MemberID)
		if err != nil {
			t.Fatalf("recipient %s is not a local member: %v", rc.Actor, err)
		}
		out[m.Username] = rc.AnswerToken
	}
	return out
}

// notified lists the kinds of a member's notifications about a request.
func (x *speakerFixture) notified(t *testing.T, m *content.Member, token string) []content.NotificationKind {
	t.Helper()
	list, err := x.n.db.Notifications(context.Background(), m.ID, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []content.NotificationKind
	for _, nt := range list {
		if nt.ObjectIRI == x.fed.IRIs().SpeakerRequest(token) {
			kinds = append(kinds, nt.Kind)
		}
	}
	return kinds
}

func answer(t *testing.T, b *browser, token string, form url.Values) result {
	t.Helper()
	form.Set("csrf", b.csrf("/speakers/answer/"+token))
	return b.post("/speakers/answer/"+token, form)
}

func TestSpeakersPageByTopic(t *testing.T) {
	x := newSpeakerFixture(t)
	res := x.anonymous.get("/speakers")
	// Three spellings of one topic count as one.
	wantStatus(t, "speakers page", res, http.StatusOK, `Open data (3)`, `Privacy (1)`, `Archieven (1)`,
		`href="/@bob"`, `Bob Jansen`, `lezing, workshop`, `Nederlands, Fries`, `Ik vertel over open data bij gemeenten.`,
		`href="/@dave"`, "@speakers@"+x.n.srv.cfg.Host, `href="/speakers?topic=opendata"`, `/login?next=%2Fspeakers%2Frequests%2Fnew`)
	wantNot(t, "speakers page to a visitor", res, `href="/speakers/requests/new"`)

	res = x.anonymous.get("/speakers?topic=Privacy")
	wantStatus(t, "speakers on privacy", res, http.StatusOK, `Sprekers over Privacy`, `href="/@dave"`, `aria-current="page">Privacy (1)`)
	wantNot(t, "speakers on privacy", res, `href="/@bob"`, `href="/@carol"`)
	res = x.anonymous.get("/speakers?topic=open-data")
	wantStatus(t, "speakers on open data", res, http.StatusOK, `href="/@bob"`, `href="/@carol"`, `href="/@frank"`)
	wantNot(t, "speakers on open data", res, `href="/@dave"`)
	wantStatus(t, "speakers on nothing", x.anonymous.get("/speakers?topic=breien"), http.StatusOK, `Er zijn geen sprekers over breien.`)

	x.n.suspend("dave")
	wantNot(t, "speakers page without the suspended speaker", x.anonymous.get("/speakers"), `href="/@dave"`, `Privacy (1)`)

	wantStatus(t, "speakers page to a member", x.alice.get("/speakers"), http.StatusOK, `href="/speakers/requests/new"`, `href="/speakers/requests"`)
	x.alice.header.Set("Accept-Language", "en")
	x.alice.setCookie(langCookie, "en")
	wantStatus(t, "speakers page in English", x.alice.get("/speakers"), http.StatusOK, `Request a speaker`, `talk, workshop`, `Dutch, Frisian`)
}

func TestSpeakerRequestFormErrors(t *testing.T) {
	x := newSpeakerFixture(t)
	if res := x.anonymous.get("/speakers/requests/new"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("a visitor at the form: %d %q, want a redirect to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	wantStatus(t, "request form", x.alice.get("/speakers/requests/new"), http.StatusOK, `type="date"`, `list="topic-list"`,
		`<option value="Open data">`, `<option value="Privacy">`, `name="online" type="checkbox"`, `value="fy"`)

	form := x.requestForm(url.Values{"topic": {"  "}, "event_date": {"10 december"}, "place": {""}, "ask": {"Iets over privacy."},
		"event_title": {"Open Data Dag <Utrecht>"}})
	form.Set("csrf", x.alice.csrf("/speakers/requests/new"))
	res := x.alice.post("/speakers/requests", form)
	wantStatus(t, "refused request", res, http.StatusUnprocessableEntity, `class="error-summary"`,
		`href="#topic"`, `href="#event_date"`, `href="#place"`, `id="topic-error"`, `aria-describedby="topic-hint topic-error"`,
		`Vul een onderwerp in`, `Vul een datum in`, `vink aan dat de bijeenkomst online is`,
		`value="Open Data Dag &lt;Utrecht&gt;"`, `value="10 december"`, `>Iets over privacy.</textarea>`, `value="Beleidsmedewerkers"`)
	wantNot(t, "refused request", res, `href="#ask"`, `href="#event_title"`)

	// Online needs no place; a language that is no tag is the domain's refusal.
	form = x.requestForm(url.Values{"place": {""}, "online": {"1"}, "language": {"Nederlands!"}})
	form.Set("csrf", x.alice.csrf("/speakers/requests/new"))
	res = x.alice.post("/speakers/requests", form)
	wantStatus(t, "refused language", res, http.StatusUnprocessableEntity, `href="#language"`, `Kies een taal uit de lijst.`, `name="online" type="checkbox" value="1" checked`)
	wantNot(t, "refused language", res, `href="#place"`)
	if reqs, _ := x.n.db.SpeakerRequestsBy(context.Background(), x.aliceM.ID); len(reqs) != 0 {
		t.Errorf("refused forms stored %d requests", len(reqs))
	}
}

func TestSpeakerRequestLinksAgendaEvent(t *testing.T) {
	x := newSpeakerFixture(t)
	start := time.Now().AddDate(0, 1, 0).Truncate(time.Hour)
	ev, err := x.fed.SaveEvent(context.Background(), x.aliceM, nil, federation.EventInput{Title: "Datacafé", Start: start,
		End: start.Add(2 * time.Hour), TimeZone: "Europe/Amsterdam", Place: content.Place{Name: "Bibliotheek", City: "Delft"},
		Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	id := itoa(ev.ID)
	wantStatus(t, "form offers the event", x.alice.get("/speakers/requests/new"), http.StatusOK, `<option value="`+id+`">Datacafé (`)
	token := x.sendRequest(t, x.alice, x.requestForm(url.Values{"event_id": {id}, "event_title": {""}, "event_date": {""}, "place": {""}}))
	req, err := x.n.db.SpeakerRequestByToken(context.Background(), token)
	if err != nil {
		t.Fatal(err)
	}
	wantDate := start.In(content.LoadZone("Europe/Amsterdam")).Format(time.DateOnly)
	if req.EventID != ev.ID || req.EventTitle != "Datacafé" || req.EventDate != wantDate || req.Place != "Bibliotheek, Delft" {
		t.Errorf("request from the event: id %d title %q date %q place %q, want %d Datacafé %s \"Bibliotheek, Delft\"",
			req.EventID, req.EventTitle, req.EventDate, req.Place, ev.ID, wantDate)
	}
	wantStatus(t, "request page links the event", x.alice.get("/speakers/requests/"+token), http.StatusOK,
		`<a href="`+x.n.srv.eventPath(ev)+`">Datacafé</a>`)

	form := x.requestForm(url.Values{"event_id": {"999999"}})
	form.Set("csrf", x.alice.csrf("/speakers/requests/new"))
	wantStatus(t, "unknown event", x.alice.post("/speakers/requests", form), http.StatusUnprocessableEntity, `href="#event_id"`)
}

func TestSpeakerRequestReachesSpeakers(t *testing.T) {
	x := newSpeakerFixture(t)
	token := x.sendRequest(t, x.alice, x.requestForm(nil))
	res := x.alice.get("/speakers/requests/" + token + "?done=sent")
	wantStatus(t, "request page", res, http.StatusOK, `Uw verzoek is verstuurd naar 3 spreker(s).`, `Open Data Dag`,
		`Stadhuis, Utrecht`, `Een lezing van 30 minuten over open data.<br>Met vragen.`, `Bereikt: 3`, `Nog geen antwoord: 3`)

	for _, m := range []*content.Member{x.bobM, x.carolM, x.frankM} {
		if got := x.notified(t, m, token); len(got) != 1 || got[0] != content.NotifySpeakerRequest {
			t.Errorf("%s's notifications about the request: %v, want one speaker_request", m.Username, got)
		}
	}
	for _, m := range []*content.Member{x.daveM, x.aliceM} {
		if got := x.notified(t, m, token); len(got) != 0 {
			t.Errorf("%s was notified of a request not for them: %v", m.Username, got)
		}
	}
	link := x.fed.IRIs().SpeakerRequest(token)
	wantStatus(t, "bob's notifications", x.bob.get("/notifications"), http.StatusOK,
		`Alice de Vries</a> zoekt een spreker over een van uw onderwerpen: <a href="`+link+`" rel="nofollow ugc">een sprekersverzoek</a>.`)

	// Bob sees the request with his own form, not the others' answers.
	res = x.bob.get("/speakers/requests/" + token)
	wantStatus(t, "the request to bob", res, http.StatusOK, `Open Data Dag`, `action="/speakers/answer/`+x.answerTokens(t, token)["bob"]+`"`,
		`U hebt nog niet geantwoord.`)
	wantNot(t, "the request to bob", res, `Bereikt:`, `Carol Smit`, `/close"`)

	// Strangers learn nothing: the same 404 as a token that names nothing.
	for who, b := range map[string]*browser{"dave": x.dave, "erin": x.erin} {
		wantStatus(t, who+" at the request", b.get("/speakers/requests/"+token), http.StatusNotFound)
		if res := b.post("/speakers/requests/"+token+"/close", url.Values{"csrf": {b.csrf("/speakers")}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("%s closing the request: %d, want 404", who, res.StatusCode)
		}
	}
	wantStatus(t, "no such request", x.erin.get("/speakers/requests/nosuchtoken"), http.StatusNotFound)
	if res := x.anonymous.get("/speakers/requests/" + token); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor at the request: %d %q, want the login page", res.StatusCode, res.Header.Get("Location"))
	}
	// The admin sees the answers.
	wantStatus(t, "the request to the admin", x.admin.get("/speakers/requests/"+token), http.StatusOK, `Bereikt: 3`, `Carol Smit`)

	// The lists of requests.
	wantStatus(t, "alice's requests", x.alice.get("/speakers/requests"), http.StatusOK, `<a href="/speakers/requests/`+token+`">Open Data Dag</a>`)
	wantStatus(t, "bob's requests", x.bob.get("/speakers/requests"), http.StatusOK, `<a href="/speakers/requests/`+token+`">Open Data Dag</a>`, `Nog geen antwoord`)
	wantNot(t, "dave's requests", x.dave.get("/speakers/requests"), token)
}

func TestSpeakerAnswersBundled(t *testing.T) {
	x := newSpeakerFixture(t)
	token := x.sendRequest(t, x.alice, x.requestForm(nil))
	tokens := x.answerTokens(t, token)
	visitor := x.n.browser() // the link works without login

	res := visitor.get("/speakers/answer/" + tokens["bob"])
	wantStatus(t, "bob's answer page", res, http.StatusOK, `Open Data Dag`, `Bob Jansen`, `value="available"`, `value="unavailable"`, `value="note"`)
	if cc, rp := res.Header.Get("Cache-Control"), res.Header.Get("Referrer-Policy"); cc != "no-store" || rp != "same-origin" {
		t.Errorf("answer page: Cache-Control %q, Referrer-Policy %q; want no-store and same-origin", cc, rp)
	}
	res = answer(t, visitor, tokens["bob"], url.Values{"answer": {"available"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/speakers/answer/"+tokens["bob"]+"?done=answered" {
		t.Fatalf("bob answers: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	wantStatus(t, "bob's answer shown", visitor.get("/speakers/answer/"+tokens["bob"]+"?done=answered"), http.StatusOK,
		`Uw antwoord is opgeslagen.`, `U hebt geantwoord: Beschikbaar.`, `value="available" required checked`)

	// Only a note needs the note.
	res = answer(t, x.carol, tokens["carol"], url.Values{"answer": {"note"}, "note": {"  "}})
	wantStatus(t, "a note without a note", res, http.StatusUnprocessableEntity, `href="#note"`, `id="note-error"`, `value="note" required checked`)
	res = answer(t, x.carol, tokens["carol"], url.Values{"answer": {"maybe"}})
	wantStatus(t, "no such answer", res, http.StatusUnprocessableEntity, `href="#answer-available"`)
	// Carol answers from the request page, as a member, and is sent back there.
	res = answer(t, x.carol, tokens["carol"], url.Values{"answer": {"note"}, "note": {"Kan alleen 's middags."}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/speakers/requests/"+token+"?done=answered" {
		t.Fatalf("carol answers: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	res = answer(t, x.frank, tokens["frank"], url.Values{"answer": {"unavailable"}, "note": {"Op vakantie."}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("frank answers: %d\n%s", res.StatusCode, res.body)
	}
	// A later answer replaces the earlier one.
	if res := answer(t, visitor, tokens["bob"], url.Values{"answer": {"available"}, "note": {"Graag!"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("bob answers again: %d\n%s", res.StatusCode, res.body)
	}

	res = x.alice.get("/speakers/requests/" + token)
	wantStatus(t, "bundled answers", res, http.StatusOK, `Bereikt: 3`, `Beschikbaar: 1`, `Niet beschikbaar: 1`,
		`Alleen een toelichting: 1`, `Nog geen antwoord: 0`, `Kan alleen &#39;s middags.`, `Op vakantie.`, `Graag!`, `de link`)
	rows := regexp.MustCompile(`(?s)<tr class="speaker-answer[^"]*">.*?</tr>`).FindAllString(res.body, -1)
	want := map[string]string{"Bob Jansen": "Beschikbaar", "Carol Smit": "Alleen een toelichting", "Frank Bakker": "Niet beschikbaar"}
	if len(rows) != len(want) {
		t.Fatalf("the answers table has %d rows, want %d", len(rows), len(want))
	}
	for _, row := range rows {
		for name, ans := range want {
			if strings.Contains(row, name) && !strings.Contains(row, "<td>"+ans+"</td>") {
				t.Errorf("%s's row does not say %q:\n%s", name, ans, row)
			}
		}
	}
	if got := x.notified(t, x.aliceM, token); len(got) != 3 {
		t.Errorf("alice has %d notifications of answers, want 3 (bob, carol, frank): %v", len(got), got)
	}
	wantStatus(t, "alice's notifications", x.alice.get("/notifications"), http.StatusOK, `Carol Smit</a> heeft geantwoord op <a href="`+x.fed.IRIs().SpeakerRequest(token)+`"`)
	wantStatus(t, "unknown answer link", visitor.get("/speakers/answer/nosuchtoken"), http.StatusNotFound)
	if res := visitor.post("/speakers/answer/nosuchtoken", url.Values{"csrf": {visitor.csrf("/speakers")}, "answer": {"available"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("answer to an unknown link: %d, want 404", res.StatusCode)
	}
}

func TestSpeakerRequestClose(t *testing.T) {
	x := newSpeakerFixture(t)
	token := x.sendRequest(t, x.alice, x.requestForm(nil))
	tokens := x.answerTokens(t, token)
	path := "/speakers/requests/" + token
	wantStatus(t, "open request", x.alice.get(path), http.StatusOK, `action="`+path+`/close"`)
	wantNot(t, "open request to the admin", x.admin.get(path), `action="`+path+`/close"`)

	res := x.alice.post(path+"/close", url.Values{"csrf": {x.alice.csrf(path)}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != path+"?done=closed" {
		t.Fatalf("close: %d %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	res = x.alice.get(path + "?done=closed")
	wantStatus(t, "closed request", res, http.StatusOK, `Het verzoek is gesloten.`, `gesloten op `)
	wantNot(t, "closed request", res, `/close"`)
	for _, m := range []*content.Member{x.bobM, x.carolM, x.frankM} {
		if got := x.notified(t, m, token); len(got) != 2 || got[0] != content.NotifySpeakerClosed {
			t.Errorf("%s's notifications: %v, want speaker_closed after speaker_request", m.Username, got)
		}
	}
	wantStatus(t, "bob's notifications", x.bob.get("/notifications"), http.StatusOK, `Alice de Vries</a> heeft <a href="`+x.fed.IRIs().SpeakerRequest(token)+`" rel="nofollow ugc">een sprekersverzoek</a> gesloten`)

	visitor := x.n.browser()
	res = visitor.get("/speakers/answer/" + tokens["bob"])
	wantStatus(t, "answer page of a closed request", res, http.StatusOK, `Dit verzoek is gesloten`)
	wantNot(t, "answer page of a closed request", res, `name="answer"`, `<textarea`)
	res = visitor.post("/speakers/answer/"+tokens["bob"], url.Values{"csrf": {visitor.csrf("/speakers")}, "answer": {"available"}})
	wantStatus(t, "answer to a closed request", res, http.StatusConflict, `Dit verzoek is gesloten en neemt geen antwoorden meer aan.`)
	wantNot(t, "bob's request page when closed", x.bob.get(path), `name="answer"`)
}

func TestSpeakerAnswerRateLimited(t *testing.T) {
	x := newSpeakerFixture(t)
	token := x.sendRequest(t, x.alice, x.requestForm(nil))
	tokens := x.answerTokens(t, token)
	x.n.srv.ipWriteLimit.set(3, time.Hour)
	visitor := x.n.browser()
	csrf := visitor.csrf("/speakers/answer/" + tokens["bob"])
	// One save was the request itself; two more answers are allowed.
	for i, want := range []int{http.StatusSeeOther, http.StatusSeeOther, http.StatusTooManyRequests} {
		ans := []string{"available", "unavailable", "available"}[i]
		res := visitor.post("/speakers/answer/"+tokens["bob"], url.Values{"csrf": {csrf}, "answer": {ans}})
		if res.StatusCode != want {
			t.Fatalf("answer %d: status %d, want %d\n%s", i+1, res.StatusCode, want, res.body)
		}
	}
}
