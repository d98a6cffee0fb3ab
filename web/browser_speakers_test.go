package web

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/web/browsertest"
)

// TestBrowserSpeakersPages runs axe-core on the speakers pages in both
// languages: the speakers by topic and filtered, the request form (also
// refused, with the error summary), the member's requests, a request's
// page with the answers bundled, and a speaker's answer page (open, with
// an error, and closed).
func TestBrowserSpeakersPages(t *testing.T) {
	x := newSpeakerFixture(t)
	token := x.sendRequest(t, x.alice, x.requestForm(url.Values{"online": {"1"}}))
	tokens := x.answerTokens(t, token)
	answer(t, x.bob, tokens["bob"], url.Values{"answer": {"available"}, "note": {"Graag, met dia's."}})
	answer(t, x.carol, tokens["carol"], url.Values{"answer": {"note"}, "note": {"Alleen 's middags."}})
	closed := x.sendRequest(t, x.alice, x.requestForm(url.Values{"event_title": {"Gesloten dag"}}))
	closedTokens := x.answerTokens(t, closed)
	x.alice.post("/speakers/requests/"+closed+"/close", url.Values{"csrf": {x.alice.csrf("/speakers/requests/" + closed)}})

	b := browsertest.New(t)
	base := x.n.ts.URL
	b.Do(chromedp.Navigate(base + "/speakers"))
	b.Axe("/speakers (visitor)")
	// The answer page works without login.
	b.Do(chromedp.Navigate(base + "/speakers/answer/" + tokens["frank"]))
	b.Axe("/speakers/answer (visitor)")

	b.Do(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "alice"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))
	pages := []string{"/speakers", "/speakers?topic=opendata", "/speakers?topic=breien", "/speakers/requests/new",
		"/speakers/requests", "/speakers/requests/" + token, "/speakers/requests/" + closed + "?done=closed",
		"/speakers/answer/" + tokens["bob"], "/speakers/answer/" + closedTokens["bob"]}
	for _, lang := range []string{"nl", "en"} {
		if lang == "en" {
			b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)),
				chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
		}
		for _, page := range pages {
			b.Do(chromedp.Navigate(base + page))
			b.Axe(page + " (" + lang + ")")
		}
		// A refused form: the browser's own checks off, to get the server's.
		b.Do(chromedp.Navigate(base + "/speakers/requests/new"))
		browsertest.Eval[bool](b, `document.querySelector("form.speaker-request-form").noValidate = true, true`)
		b.Do(chromedp.Click(chromedp.CSS(`form.speaker-request-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		b.Axe("/speakers/requests/new refused (" + lang + ")")
		b.Do(chromedp.Click(chromedp.CSS(`.error-summary a[href="#topic"]`)))
		if got := browsertest.Eval[string](b, "document.activeElement.id"); got != "topic" {
			t.Errorf("the summary's link focuses %q, want the topic field", got)
		}
		// A refused answer: only a note, without the note.
		b.Do(chromedp.Navigate(base + "/speakers/answer/" + tokens["frank"]))
		browsertest.Eval[bool](b, `document.querySelector("form.speaker-answer-form").noValidate = true, true`)
		b.Do(chromedp.Click(chromedp.CSS(`#answer-note`)),
			chromedp.Click(chromedp.CSS(`form.speaker-answer-form button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary")))
		b.Axe("/speakers/answer refused (" + lang + ")")
	}
}
