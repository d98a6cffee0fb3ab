package web

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"kring/content"
	"kring/web/browsertest"
)

// TestBrowserDirectory runs axe-core on the members directory (all,
// filtered from its form, and with nothing found), on a member page with
// a speaker's profile, and on the settings with the profile form, also
// with an error on a link, in both languages.
func TestBrowserDirectory(t *testing.T) {
	n := directoryNode(t)
	seedProfile(t, n, "sam", "Sam Spreker", content.Profile{Organisation: "Provincie Utrecht", JobTitle: "Adviseur", Region: "Utrecht",
		Topics: []string{"Open data"}, Languages: []string{"nl", "en"}, Links: []content.ProfileLink{{Name: "Website", URL: "https://example.org/sam"}},
		Listed: true, Speaker: true, SpeakerTopics: []string{"Toegankelijkheid"}, SpeakerFormats: []content.TalkFormat{content.FormatTalk},
		SpeakerLanguages: []string{"nl"}, Pitch: "Over toegankelijke open data."})

	b := browsertest.New(t) // Chromium sends Accept-Language nl-NL
	base := n.ts.URL
	b.Do(chromedp.Navigate(base+"/login"),
		chromedp.SendKeys(chromedp.CSS("#username"), "sam"),
		chromedp.SendKeys(chromedp.CSS("#password"), testPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(".nav-member")))

	check := func(code string, heading string) {
		t.Helper()
		for _, page := range []string{"/members", "/members?topic=opendata&region=Utrecht", "/members?q=onvindbaar", "/@sam", "/settings"} {
			b.Do(chromedp.Navigate(base + page))
			if got := browsertest.Eval[string](b, "document.documentElement.lang"); got != code {
				t.Fatalf("%s: html lang = %q, want %q", page, got, code)
			}
			b.Axe(page + " (" + code + ")")
		}
		// Filter from the form: the topic select, then submit.
		b.Do(chromedp.Navigate(base+"/members"),
			chromedp.SetValue(chromedp.CSS("#topic"), "toegankelijkheid"),
			chromedp.Click(chromedp.CSS(`form[action="/members"] button[type="submit"]`)),
			chromedp.WaitReady(chromedp.CSS(`#topic option[value="toegankelijkheid"][selected]`)))
		if got := b.Text("#results-heading"); got != heading {
			t.Errorf("results heading (%s) = %q, want %q", code, got, heading)
		}
		if got := b.Text(".directory"); !strings.Contains(got, "Bert Bos") || !strings.Contains(got, "Sam Spreker") || strings.Contains(got, "Ada") {
			t.Errorf("filtered on a speaker topic (%s): %q", code, got)
		}
		// A link address the browser lets through but the node refuses.
		b.Do(chromedp.Navigate(base+"/settings"),
			chromedp.SetValue(chromedp.CSS("#link1_url"), "ftp://example.org"),
			chromedp.Click(chromedp.CSS(`form[action="/settings/profile"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS("#link1_url-error")))
		b.Axe("/settings with an error on a link (" + code + ")")
	}
	check("nl", "2 leden")
	b.Do(chromedp.Click(chromedp.CSS(`form.language-switch button[value="en"]`)), chromedp.WaitReady(chromedp.CSS(`html[lang="en"]`)))
	check("en", "2 members")
	b.Do(chromedp.Navigate(base + "/members"))
	if got := b.Text("h1"); got != "Members directory" {
		t.Errorf("h1 in English = %q", got)
	}
}
