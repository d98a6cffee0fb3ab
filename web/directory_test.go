package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"kring/content"
)

// seedProfile creates a member with a display name and a profile.
func seedProfile(t *testing.T, n *testNode, username, name string, p content.Profile) *content.Member {
	t.Helper()
	m := n.member(username, name)
	p.MemberID = m.ID
	if err := n.db.SaveProfile(context.Background(), &p); err != nil {
		t.Fatalf("save profile of %s: %v", username, err)
	}
	return m
}

// directoryNode has listed members ada, bert and cor, and dirk (unlisted),
// eva (suspended) and gijs (no profile), who share the listed members'
// organisation, region and topics and must never appear.
func directoryNode(t *testing.T) *testNode {
	t.Helper()
	n := newTestNode(t)
	seedProfile(t, n, "ada", "Ada Lovelace", content.Profile{Organisation: "Gemeente Utrecht", JobTitle: "Data-adviseur", Region: "Utrecht",
		Topics: []string{"Open data", "Privacy"}, Listed: true})
	seedProfile(t, n, "bert", "Bert Bos", content.Profile{Organisation: "gemeente utrecht", Region: "Fryslân",
		Topics: []string{"open-data"}, Speaker: true, SpeakerTopics: []string{"Toegankelijkheid"}, Listed: true})
	seedProfile(t, n, "cor", "Cor Cats", content.Profile{Organisation: "Provincie Fryslân", Region: "Fryslân",
		Topics: []string{"Archieven"}, Listed: true})
	seedProfile(t, n, "dirk", "Dirk Verborgen", content.Profile{Organisation: "Gemeente Utrecht", Region: "Utrecht",
		Topics: []string{"Open data", "Geheimhouding"}, Speaker: true, SpeakerTopics: []string{"Toegankelijkheid"}, Listed: false})
	seedProfile(t, n, "eva", "Eva Geschorst", content.Profile{Organisation: "Gemeente Utrecht", Region: "Utrecht",
		Topics: []string{"Open data"}, Listed: true})
	n.suspend("eva")
	n.member("gijs", "Gijs Zonderprofiel")
	return n
}

var directoryNameRE = regexp.MustCompile(`<h3><a href="/@([a-z0-9_]+)">`)

// directoryResults returns the usernames listed in the results section.
func directoryResults(t *testing.T, body string) []string {
	t.Helper()
	start := strings.Index(body, `aria-labelledby="results-heading"`)
	if start < 0 {
		t.Fatalf("no results section in:\n%s", body)
	}
	section := body[start:]
	section = section[:strings.Index(section, "</section>")]
	var out []string
	for _, m := range directoryNameRE.FindAllStringSubmatch(section, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestDirectoryPageFilters is the web half of the acceptance point
// "directory filters return the right members; unlisted members never
// appear": each filter, their combinations and the search words on
// /members, and the unlisted, suspended and profile-less members absent
// whatever is asked, also when the words are their own name.
func TestDirectoryPageFilters(t *testing.T) {
	t.Parallel()
	n := directoryNode(t)
	b := n.browser()
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"ada", "bert", "cor"}},
		{"organisation=GEMEENTE+UTRECHT", []string{"ada", "bert"}},
		{"region=Frysl%C3%A2n", []string{"bert", "cor"}},
		{"topic=opendata", []string{"ada", "bert"}},
		{"topic=Open-Data", []string{"ada", "bert"}},
		{"topic=toegankelijkheid", []string{"bert"}},
		{"organisation=Gemeente+Utrecht&region=Utrecht", []string{"ada"}},
		{"organisation=Gemeente+Utrecht&topic=opendata&region=Frysl%C3%A2n", []string{"bert"}},
		{"q=lovelace", []string{"ada"}},
		{"q=fryslan", []string{"cor"}},
		{"q=open+data", []string{"ada", "bert"}},
		{"q=privacy+utrecht", []string{"ada"}},
		{"q=gemeente&region=Frysl%C3%A2n", []string{"bert"}},
		{"q=Dirk", nil},
		{"q=Verborgen", nil},
		{"q=dirk&organisation=Gemeente+Utrecht", nil},
		{"topic=geheimhouding", nil},
		{"q=geschorst", nil},
		{"q=eva", nil},
		{"q=gijs", nil},
		{"q=zonderprofiel", nil},
		{"organisation=Gemeente", nil},
	} {
		res := b.get("/members?" + tc.query)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("/members?%s: status %d", tc.query, res.StatusCode)
		}
		if got := directoryResults(t, res.body); !slices.Equal(got, tc.want) {
			t.Errorf("/members?%s lists %v, want %v", tc.query, got, tc.want)
		}
		// The unlisted never show, not in a result nor in a filter's choices.
		for _, never := range []string{"Dirk Verborgen", "/@dirk", "Eva Geschorst", "/@eva", "/@gijs", "Geheimhouding"} {
			if strings.Contains(res.body, never) {
				t.Errorf("/members?%s shows %q", tc.query, never)
			}
		}
	}

	page := b.get("/members").body
	for _, want := range []string{
		`<h2 id="results-heading">3 leden</h2>`,
		`<option value="opendata">Open data (2)</option>`, // dirk and eva do not count
		`<option value="Gemeente Utrecht">Gemeente Utrecht (2)</option>`,
		`<a href="/members?topic=opendata">Open data</a>`,
		`<a href="/members?topic=toegankelijkheid">Toegankelijkheid</a>`,
		`<span class="badge">Spreker</span>`,
		`Data-adviseur, Gemeente Utrecht · Utrecht`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("/members lacks %s", want)
		}
	}
	one := b.get("/members?topic=archieven").body
	if !strings.Contains(one, `<h2 id="results-heading">1 lid</h2>`) || !strings.Contains(one, `<option value="archieven" selected>`) {
		t.Error("a filtered page does not announce its one result or keep its choice")
	}
}

// TestDirectoryPaging: pages of 30 with links that keep the filters.
func TestDirectoryPaging(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	for i := range 35 {
		seedProfile(t, n, fmt.Sprintf("lid%02d", i), fmt.Sprintf("Lid %02d", i), content.Profile{Region: "Utrecht",
			Topics: []string{"Open data"}, Listed: true})
	}
	seedProfile(t, n, "zeeuw", "Zeeuw", content.Profile{Region: "Zeeland", Topics: []string{"Open data"}, Listed: true})
	b := n.browser()
	first := b.get("/members?region=Utrecht&topic=opendata")
	got := directoryResults(t, first.body)
	if len(got) != 30 || got[0] != "lid00" || got[29] != "lid29" {
		t.Fatalf("page 1 lists %d: %v", len(got), got)
	}
	next := `href="/members?page=2&amp;region=Utrecht&amp;topic=opendata" rel="next"`
	if !strings.Contains(first.body, next) || !strings.Contains(first.body, "35 leden") {
		t.Errorf("page 1 has no next link keeping the filters (%s) or no count", next)
	}
	second := b.get("/members?page=2&region=Utrecht&topic=opendata")
	if got := directoryResults(t, second.body); !slices.Equal(got, []string{"lid30", "lid31", "lid32", "lid33", "lid34"}) {
		t.Errorf("page 2 lists %v", got)
	}
	if !strings.Contains(second.body, `rel="prev"`) || strings.Contains(second.body, `rel="next"`) || !strings.Contains(second.body, "31 tot en met 35") {
		t.Error("page 2 does not link back only, or does not say which members it shows")
	}
}

// TestSaveDirectoryProfile: the settings form stores the whole profile,
// the member page shows it (links with rel="me", topics linked to the
// directory, the speaker part linked to /speakers), and the directory
// follows the member's choice to be listed.
func TestSaveDirectoryProfile(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	m := n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	form := url.Values{
		"display_name": {"Alice de Vries"}, "bio": {"Over mij."}, "language": {"nl"},
		"organisation": {" Gemeente  Utrecht "}, "job_title": {"Data-adviseur"}, "region": {"Utrecht"},
		"topics": {"Open data, privacy, open-data"}, "languages": {"nl, EN, fy"},
		"link1_name": {"Website"}, "link1_url": {"https://example.org/alice"},
		"link3_name": {"Mastodon"}, "link3_url": {"https://social.example/@alice"},
		"listed": {"on"}, "speaker": {"on"}, "speaker_topics": {"Toegankelijkheid"},
		"speaker_formats": {"talk", "panel"}, "speaker_languages": {"nl"}, "pitch": {"Ik vertel over\r\ntoegankelijke data."},
	}
	save := func(form url.Values) result {
		t.Helper()
		form.Set("csrf", b.csrf("/settings"))
		return b.post("/settings/profile", form)
	}
	if res := save(form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.body)
	}
	p, err := n.db.Profile(context.Background(), m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if p.Organisation != "Gemeente Utrecht" || p.JobTitle != "Data-adviseur" || p.Region != "Utrecht" || !p.Listed || !p.Speaker ||
		!slices.Equal(p.Topics, []string{"Open data", "privacy"}) || !slices.Equal(p.Languages, []string{"nl", "en", "fy"}) ||
		!slices.Equal(p.Links, []content.ProfileLink{{Name: "Website", URL: "https://example.org/alice"}, {Name: "Mastodon", URL: "https://social.example/@alice"}}) ||
		!slices.Equal(p.SpeakerTopics, []string{"Toegankelijkheid"}) || !slices.Equal(p.SpeakerFormats, []content.TalkFormat{"talk", "panel"}) ||
		p.Pitch != "Ik vertel over\ntoegankelijke data." {
		t.Errorf("stored profile = %+v", p)
	}
	settings := b.get("/settings").body
	for _, want := range []string{`value="Gemeente Utrecht"`, `value="Open data, privacy"`, `id="listed" name="listed" type="checkbox" checked`,
		`id="speaker_formats-panel" name="speaker_formats" type="checkbox" value="panel" checked`, `value="https://social.example/@alice"`} {
		if !strings.Contains(settings, want) {
			t.Errorf("the settings form does not show %s", want)
		}
	}

	profile := b.get("/@alice").body
	for _, want := range []string{
		"<dd>Gemeente Utrecht</dd>", "<dd>Data-adviseur</dd>", "<dd>Utrecht</dd>", "<dd>Nederlands, Engels, Fries</dd>",
		`<a href="/members?topic=opendata">Open data</a>`,
		`<dt>Website</dt>`, `<a href="https://example.org/alice" rel="me nofollow noopener">`,
		`<a href="/speakers?topic=toegankelijkheid">Toegankelijkheid</a>`, "<dd>Lezing, Panel</dd>",
		"Ik vertel over<br>toegankelijke data.", `<a href="/speakers">`,
	} {
		if !strings.Contains(profile, want) {
			t.Errorf("the member page lacks %s", want)
		}
	}
	if got := directoryResults(t, b.get("/members").body); !slices.Equal(got, []string{"alice"}) {
		t.Errorf("listed: the directory shows %v", got)
	}

	form.Del("listed")
	form.Del("speaker")
	if res := save(form); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save unlisted: %d", res.StatusCode)
	}
	if got := directoryResults(t, b.get("/members").body); len(got) != 0 {
		t.Errorf("unlisted: the directory still shows %v", got)
	}
	if strings.Contains(b.get("/@alice").body, "speaker-heading") {
		t.Error("no longer a speaker, the member page still shows the speaker part")
	}
}

// TestSaveDirectoryProfileInvalid: each refused field is named next to
// itself and in the summary, and nothing of the form is stored.
func TestSaveDirectoryProfileInvalid(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	m := n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	for _, tc := range []struct {
		name, field, key, value, want string
	}{
		{"link address", "link2_url", "link2_url", "javascript:alert(1)", "Vul een webadres in"},
		{"link without a name", "link1_name", "link1_url", "https://example.org", "Geef deze link een naam"},
		{"language tag", "languages", "languages", "Nederlands", "Gebruik taalcodes"},
		{"speaker without topics", "speaker_topics", "speaker", "on", "minstens één onderwerp"},
		{"format", "speaker_formats-talk", "speaker_formats", "keynote", "Kies lezing, workshop of panel."},
		{"organisation", "organisation", "organisation", strings.Repeat("o", 101), "langer dan 100 tekens"},
		{"topics", "topics", "topics", "a,b,c,d,e,f,g,h,i,j,k", "hoogstens 10 onderwerpen"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"csrf": {b.csrf("/settings")}, "display_name": {"Alice Anders"}, "language": {"nl"},
				"region": {"Utrecht"}, "link2_name": {"Site"}, tc.key: {tc.value}}
			if tc.key != "link2_url" {
				form.Set("link2_url", "https://example.org/site")
			}
			res := b.post("/settings/profile", form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.StatusCode)
			}
			errorID := strings.TrimSuffix(tc.field, "-talk") + "-error"
			if !strings.Contains(res.body, `id="`+errorID+`"`) || !strings.Contains(res.body, tc.want) {
				t.Errorf("no error %s saying %q:\n%s", errorID, tc.want, res.body[strings.Index(res.body, "<main"):strings.Index(res.body, "<main")+800])
			}
			if !strings.Contains(res.body, `<a href="#`+tc.field+`">`) {
				t.Errorf("the error summary does not link to #%s", tc.field)
			}
			if !strings.Contains(res.body, `value="Utrecht"`) {
				t.Error("the form lost what was typed")
			}
		})
	}
	got, _ := n.db.MemberByID(context.Background(), m.ID)
	p, _ := n.db.Profile(context.Background(), m.ID)
	if got.DisplayName != "Alice" || p.Region != "" {
		t.Errorf("a refused form stored something: %q, %+v", got.DisplayName, p)
	}
}

// TestSaveProfileFederates: on a federating node a saved profile queues
// an Update of the member's actor, with the topics as hashtags, for the
// member's followers.
func TestSaveProfileFederates(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	n.member("alice", "Alice")
	remote := newRemoteServer(t, map[string]string{"bob": "Bob"})
	remote.store(t, n, "bob")
	actor := fed.IRIs().Actor("alice")
	seedFollow(t, n, remote.actor("bob"), actor, content.FollowAccepted)
	b := n.browser()
	b.login("alice", testPassword)
	res := b.post("/settings/profile", url.Values{"csrf": {b.csrf("/settings")}, "display_name": {"Alice"}, "language": {"nl"},
		"organisation": {"Gemeente Utrecht"}, "topics": {"Open data"}, "listed": {"on"}})
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d\n%s", res.StatusCode, res.body)
	}
	_, bodies, err := n.db.Outbox(context.Background(), actor, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, body := range bodies {
		s := string(body)
		if strings.Contains(s, `"type":"Update"`) && strings.Contains(s, `"#OpenData"`) && strings.Contains(s, "Gemeente Utrecht") {
			found = true
		}
	}
	if !found {
		t.Errorf("no Update with the profile in alice's outbox: %q", bodies)
	}
	if st, _ := n.db.DeliveryStats(context.Background()); st.Pending != 1 {
		t.Errorf("%d deliveries pending, want 1 (bob's inbox)", st.Pending)
	}
}

// TestDirectoryKeysExist: the keys the profile builds at run time (talk
// formats, the profile rules' error codes) read well in both languages.
func TestDirectoryKeysExist(t *testing.T) {
	cats := testCatalogs(t)
	var keys []string
	for _, f := range content.TalkFormats {
		keys = append(keys, "directory.format."+string(f))
	}
	for _, code := range []string{"organisation.long", "organisation.chars", "job_title.long", "job_title.chars", "region.long",
		"region.chars", "topics.many", "topics.long", "languages.many", "languages.invalid", "links.many", "links.long", "links.chars",
		"links.invalid", "speaker_formats.invalid", "speaker_topics.empty", "pitch.long"} {
		keys = append(keys, "error.code."+code)
	}
	for code := range profileCodeArgs {
		keys = append(keys, "error.code."+code)
	}
	for _, key := range keys {
		for lang, c := range cats {
			if _, ok := c[key]; !ok {
				t.Errorf("key %q is missing from the %s catalogue", key, lang)
			}
		}
	}
}
