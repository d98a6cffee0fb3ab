package web

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/federation"
	"kring/web/browsertest"
)

// TestBrowserAgendaPages runs axe-core on the agenda (list, past, month
// grid, filtered), an event page as its organiser sees it (attendees with
// a pending request, replies, the manage buttons opened), a received
// event, the event and series forms (also refused, with the error
// summary) and the settings with the calendar address, in both languages.
func TestBrowserAgendaPages(t *testing.T) {
	x := newEventFixture(t)
	ctx := context.Background()
	x.createForum(t, "koffie", "Koffie en data")
	start := x.day.Add(9 * time.Hour)
	ev, err := x.fed.SaveEvent(ctx, x.aliceM, nil, federation.EventInput{Title: "Open Koffie", Body: "Koffie en *open data*. #opendata",
		Start: start, End: start.Add(90 * time.Minute), TimeZone: "Europe/Amsterdam",
		Place:    content.Place{Name: "Ministerie van BZK", Street: "Turfmarkt 147", PostalCode: "2511 DP", City: "Den Haag", Notes: "Zaal 3", HasGeo: true, Lat: 52.0799, Lon: 4.3113},
		Speakers: []string{"@bob", "Grace Hopper"}, Capacity: 20, JoinMode: content.JoinApproval, Tags: []string{"koffie"},
		Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.JoinEvent(ctx, x.bobM, ev, "Ik neem taart mee."); err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.JoinEvent(ctx, x.carolM, ev, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.DecideParticipant(ctx, x.aliceM, ev, x.fed.IRIs().Actor("carol"), true); err != nil {
		t.Fatal(err)
	}
	if _, err := x.fed.Reply(ctx, x.bobM, ev.IRI, "Ik kom ook!"); err != nil {
		t.Fatal(err)
	}
	cancelled, err := x.fed.SaveEvent(ctx, x.aliceM, nil, federation.EventInput{Title: "Afgelaste avond", Start: start.Add(28 * time.Hour),
		End: start.Add(30 * time.Hour), TimeZone: "Europe/London", OnlineURL: "https://meet.example/abc", Status: content.EventCancelled,
		Language: content.LanguageDutch})
	if err != nil {
		t.Fatal(err)
	}
	remote := x.remoteEvent(t, "Mobilizon meetup")
	path, month := x.n.srv.eventPath(ev), x.day.Format("2006-01")

	b := browsertest.New(t)
	base := x.n.ts.URL
	// A visitor first.
	for _, page := range []string{"/agenda", path} {
		b.Do(chromedp.Navigate(base + page))
		b.Axe(page + " (visitor)")
	}
	b.Do(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	pages := []string{"/agenda", "/agenda?when=past", "/agenda?month=" + month, "/agenda?tag=koffie&scope=local",
		"/agenda?organizer=" + url.QueryEscape(x.aliceIRI), path, x.n.srv.eventPath(cancelled), x.n.srv.eventPath(remote),
		path + "/edit", "/agenda/new", "/agenda/series/new", "/settings"}
	for _, lang := range []string{"nl", "en"} {
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		for _, page := range pages {
			b.Do(chromedp.Navigate(base + page))
			b.Axe(page + " (" + lang + ")")
		}
		// The organiser's buttons and the reply forms, opened.
		b.Do(chromedp.Navigate(base + path))
		browsertest.Eval[bool](b, `document.querySelectorAll("details").forEach(d => d.open = true), true`)
		b.Axe(path + " with open forms (" + lang + ")")
		if got := browsertest.Eval[int](b, `document.querySelectorAll('form[action$="/accept"]').length`); got != 1 {
			t.Errorf("the organiser's page has %d accept buttons, want 1 (bob's request)", got)
		}
		// A refused form: the browser's own checks off, to get the server's.
		b.Do(chromedp.Navigate(base + "/agenda/new"))
		browsertest.Eval[bool](b, `document.querySelector("form.event-form").noValidate = true, true`)
		b.Do(chromedp.Click(chromedp.CSS(`form.event-form button[value="save"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		b.Axe("/agenda/new refused (" + lang + ")")
		// The summary's links lead to the fields.
		b.Do(chromedp.Click(chromedp.CSS(`.error-summary a[href="#title"]`)))
		if got := browsertest.Eval[string](b, "document.activeElement.id"); got != "title" {
			t.Errorf("the summary's link focuses %q, want the title field", got)
		}
	}
}
