package web

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"kring/content"
	"kring/federation"
	"kring/storage/storagetest"
)

// newFederatedNode is newTestNode with federation on: the follow pages
// exist and the node's own WebFinger and actor routes are mounted. Its
// delivery workers do not run, so queued activities stay pending.
func newFederatedNode(t *testing.T) (*testNode, *federation.Node) {
	t.Helper()
	db := storagetest.Open(t)
	clock := &fakeClock{now: time.Now().UTC()}
	db.SetClock(clock.Now)
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ts := httptest.NewUnstartedServer(nil)
	host := ts.Listener.Addr().String()
	fed, err := federation.New(db, federation.Config{Host: host, Dev: true, Logger: logger})
	if err != nil {
		t.Fatalf("new federation: %v", err)
	}
	s, err := newServer(db, Config{Host: host, Dev: true, Logger: logger, Federation: fed})
	if err != nil {
		t.Fatalf("new server: %v", err)
	}
	s.now = clock.Now
	s.start()
	t.Cleanup(s.Close)
	ts.Config.Handler = s
	ts.Start()
	t.Cleanup(ts.Close)
	return &testNode{t: t, db: db, srv: s, ts: ts, clock: clock, logs: logs}, fed
}

// remoteServer is another fediverse server on loopback: WebFinger and
// actor documents for a few Persons, and inboxes that take anything.
type remoteServer struct {
	ts     *httptest.Server
	host   string
	people map[string]string // username → display name
}

var remoteKeys = sync.OnceValues(content.GenerateKeyPair)

func newRemoteServer(t *testing.T, people map[string]string) *remoteServer {
	t.Helper()
	keys, err := remoteKeys()
	if err != nil {
		t.Fatal(err)
	}
	rs := &remoteServer{people: people}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/webfinger", func(w http.ResponseWriter, r *http.Request) {
		user, host, _ := strings.Cut(strings.TrimPrefix(r.URL.Query().Get("resource"), "acct:"), "@")
		if _, ok := rs.people[user]; !ok || host != rs.host {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/jrd+json")
		json.NewEncoder(w).Encode(map[string]any{
			"subject": "acct:" + user + "@" + rs.host,
			"links":   []map[string]string{{"rel": "self", "type": "application/activity+json", "href": rs.actor(user)}},
		})
	})
	mux.HandleFunc("GET /users/{name}", func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		display, ok := rs.people[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		id := rs.actor(name)
		w.Header().Set("Content-Type", "application/activity+json")
		json.NewEncoder(w).Encode(map[string]any{
			"@context": []string{"https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"},
			"id":       id, "type": "Person", "preferredUsername": name, "name": display,
			"inbox": id + "/inbox", "url": rs.ts.URL + "/@" + name,
			"publicKey": map[string]string{"id": id + "#main-key", "owner": id, "publicKeyPem": keys.PublicPEM},
		})
	})
	mux.HandleFunc("GET /{handle}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<!doctype html><title>profile</title>"))
	})
	mux.HandleFunc("POST /users/{name}/inbox", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})
	rs.ts = httptest.NewServer(mux)
	t.Cleanup(rs.ts.Close)
	rs.host = rs.ts.Listener.Addr().String()
	return rs
}

func (rs *remoteServer) actor(name string) string { return rs.ts.URL + "/users/" + name }

func (rs *remoteServer) handle(name string) string { return name + "@" + rs.host }

// store records one of the remote's people as fetched just now, as the
// inbox does when a Follow arrives.
func (rs *remoteServer) store(t *testing.T, n *testNode, name string) *content.RemoteActor {
	t.Helper()
	id := rs.actor(name)
	a := &content.RemoteActor{IRI: id, Type: "Person", Username: name, Host: rs.host, Name: rs.people[name],
		Inbox: id + "/inbox", URL: rs.ts.URL + "/@" + name, KeyID: id + "#main-key", FetchedAt: time.Now()}
	if err := n.db.PutRemoteActor(context.Background(), a); err != nil {
		t.Fatalf("store remote actor %s: %v", name, err)
	}
	return a
}

// seedFollow records a follow between two actors in the given state.
func seedFollow(t *testing.T, n *testNode, follower, followee string, state content.FollowState) {
	t.Helper()
	f := &content.Follow{IRI: follower + "#follows/" + url.PathEscape(followee), Follower: follower, Followee: followee, State: state}
	if err := n.db.PutFollow(context.Background(), f); err != nil {
		t.Fatalf("seed follow: %v", err)
	}
}

func pendingDeliveries(t *testing.T, n *testNode) int {
	t.Helper()
	st, err := n.db.DeliveryStats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st.Pending
}

func followState(t *testing.T, n *testNode, follower, followee string) content.FollowState {
	t.Helper()
	f, err := n.db.FollowBetween(context.Background(), follower, followee)
	if content.KindOf(err) == content.KindNotFound {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return f.State
}

func TestFollowPagesRequireLogin(t *testing.T) {
	t.Parallel()
	n, _ := newFederatedNode(t)
	b := n.browser()
	for _, path := range []string{"/follows", "/followers"} {
		res := b.get(path)
		if want := "/login?next=" + url.QueryEscape(path); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Errorf("GET %s anonymous: %d to %q, want 303 to %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	for _, path := range []string{"/follows", "/follows/undo", "/followers/approve", "/followers/reject", "/settings/followers"} {
		res := b.post(path, url.Values{"csrf": {b.csrf("/")}, "target": {"bob@b.test"}, "follower": {"https://b.test/users/bob"}})
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("POST %s anonymous: status = %d, want 401", path, res.StatusCode)
		}
	}
}

func TestFollowPagesNeedFederation(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	for _, path := range []string{"/follows", "/followers"} {
		if res := b.get(path); res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s without federation: status = %d, want 404", path, res.StatusCode)
		}
	}
	for _, path := range []string{"/follows", "/follows/undo", "/followers/approve", "/followers/reject", "/settings/followers"} {
		if res := b.post(path, url.Values{"csrf": {b.csrf("/")}}); res.StatusCode != http.StatusNotFound {
			t.Errorf("POST %s without federation: status = %d, want 404", path, res.StatusCode)
		}
	}
	page := b.get("/settings").body
	if strings.Contains(page, `href="/follows"`) || strings.Contains(page, `action="/settings/followers"`) {
		t.Error("without federation the menu or the settings offer following")
	}
}

func TestFollowCSRF(t *testing.T) {
	t.Parallel()
	n, _ := newFederatedNode(t)
	n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	for _, path := range []string{"/follows", "/follows/undo", "/followers/approve", "/followers/reject", "/settings/followers"} {
		res := b.post(path, url.Values{"target": {"bob@b.test"}, "follower": {"https://b.test/users/bob"}})
		if res.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s without a token: status = %d, want 403", path, res.StatusCode)
		}
	}
	if pendingDeliveries(t, n) != 0 {
		t.Error("a refused post queued a delivery")
	}
}

func TestFollow(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob de Bouwer", "carol": "Carol", "dave": "Dave"})
	n.member("alice", "Alice")
	alice := fed.IRIs().Actor("alice")
	b := n.browser()
	b.login("alice", testPassword)

	tests := []struct {
		name, target, followee string
	}{
		{"handle", "  " + remote.handle("bob") + " ", remote.actor("bob")},
		{"handle with @", "@" + remote.handle("carol"), remote.actor("carol")},
		{"actor URL", remote.actor("dave"), remote.actor("dave")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := pendingDeliveries(t, n)
			res := b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {tt.target}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/follows?done=sent" {
				t.Fatalf("follow: %d to %q, want 303 to /follows?done=sent\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
			}
			if got := followState(t, n, alice, tt.followee); got != content.FollowPending {
				t.Errorf("follow state = %q, want pending", got)
			}
			if got := pendingDeliveries(t, n); got != before+1 {
				t.Errorf("pending deliveries = %d, want %d: the Follow was not queued", got, before+1)
			}
		})
	}

	page := b.get("/follows?done=sent").body
	if !strings.Contains(page, `role="status">Uw volgverzoek is verstuurd.`) {
		t.Errorf("no confirmation after following:\n%s", page)
	}
	// The unanswered request is listed with a button to withdraw it.
	if !strings.Contains(page, "Verstuurde volgverzoeken") || !strings.Contains(page, `Verzoek intrekken<span class="visually-hidden"> @`) {
		t.Errorf("follows page does not list the sent request:\n%s", page)
	}

	// Once Bob accepts, he is listed with a button that names him.
	seedFollow(t, n, alice, remote.actor("bob"), content.FollowAccepted)
	page = b.get("/follows").body
	for _, want := range []string{
		"Accounts die u volgt (1)",
		`<a href="` + remote.ts.URL + `/@bob" class="actor-handle" rel="nofollow ugc">@` + remote.handle("bob") + `</a>`,
		"Bob de Bouwer",
		`Ontvolgen<span class="visually-hidden"> @` + remote.handle("bob") + `</span>`,
		`name="target" value="` + remote.actor("bob") + `"`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("follows page lacks %q", want)
		}
	}

	// Following again is no error.
	res := b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {remote.handle("bob")}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/follows?done=already" {
		t.Errorf("follow again: %d to %q, want 303 to /follows?done=already", res.StatusCode, res.Header.Get("Location"))
	}

	// Unfollow sends Undo{Follow}.
	before := pendingDeliveries(t, n)
	res = b.post("/follows/undo", url.Values{"csrf": {b.csrf("/follows")}, "target": {remote.actor("bob")}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/follows?done=unfollowed" {
		t.Fatalf("unfollow: %d to %q, want 303 to /follows?done=unfollowed\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if got := followState(t, n, alice, remote.actor("bob")); got != "" {
		t.Errorf("after unfollowing the follow is %q, want gone", got)
	}
	if got := pendingDeliveries(t, n); got != before+1 {
		t.Errorf("pending deliveries = %d, want %d: the Undo was not queued", got, before+1)
	}
	// A second click finds nothing to undo, and that is fine.
	res = b.post("/follows/undo", url.Values{"csrf": {b.csrf("/follows")}, "target": {remote.actor("bob")}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("unfollow again: status %d, want 303", res.StatusCode)
	}
	if res := b.post("/follows/undo", url.Values{"csrf": {b.csrf("/follows")}, "target": {"javascript:alert(1)"}}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("unfollow of a non-URL: status %d, want 400", res.StatusCode)
	}
}

func TestFollowRefused(t *testing.T) {
	t.Parallel()
	n, _ := newFederatedNode(t)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob"})
	n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)

	tests := []struct {
		name     string
		target   string
		status   int
		wantText string
	}{
		{"empty", "   ", http.StatusUnprocessableEntity, "Vul het adres in van het account dat u wilt volgen."},
		{"no host", "bob", http.StatusUnprocessableEntity, "Vul een adres in zoals naam@server.nl"},
		{"URL without host", "https://", http.StatusUnprocessableEntity, "Vul een adres in zoals naam@server.nl"},
		{"too long", strings.Repeat("a", maxTargetLen) + "@b.test", http.StatusUnprocessableEntity, "Vul een adres in zoals naam@server.nl"},
		{"no such account", remote.handle("nobody"), http.StatusUnprocessableEntity, "Dat account bestaat niet op die server."},
		{"no such actor URL", remote.actor("nobody"), http.StatusUnprocessableEntity, "Dat account bestaat niet op die server."},
		{"server unreachable", "bob@127.0.0.1:1", http.StatusBadGateway, "De server van dat account was niet bereikbaar"},
		{"profile page, not an actor", remote.ts.URL + "/@bob", http.StatusBadGateway, "De server van dat account was niet bereikbaar"},
		{"this node", "alice@" + n.srv.cfg.Host, http.StatusUnprocessableEntity, "Dit account staat op dit knooppunt zelf."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {tt.target}})
			if res.StatusCode != tt.status {
				t.Errorf("status = %d, want %d", res.StatusCode, tt.status)
			}
			if !strings.Contains(res.body, `<p class="field-error" id="target-error">`+tt.wantText) {
				t.Errorf("the field error does not say %q:\n%s", tt.wantText, res.body)
			}
			if !strings.Contains(res.body, `aria-describedby="target-hint target-error" aria-invalid="true"`) {
				t.Error("the field is not marked invalid and tied to its error")
			}
			if !strings.Contains(res.body, `<div class="error-summary" role="alert">`) {
				t.Error("no error summary with role=alert")
			}
			if !strings.Contains(res.body, "<title>Fout: Volgen") {
				t.Error("the title does not start with Fout:")
			}
			for _, leak := range []string{"dial", "refused", "status 404", "webfinger", "127.0.0.1:1/"} {
				if strings.Contains(strings.ToLower(res.body), leak) {
					t.Errorf("the page shows error detail %q", leak)
				}
			}
		})
	}
	if pendingDeliveries(t, n) != 0 {
		t.Error("a refused follow queued a delivery")
	}
}

func TestFollowers(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob", "carol": "Carol", "dave": "Dave"})
	n.member("alice", "Alice")
	alice := fed.IRIs().Actor("alice")
	for _, name := range []string{"bob", "carol", "dave"} {
		remote.store(t, n, name)
	}
	bob, carol, dave := remote.actor("bob"), remote.actor("carol"), remote.actor("dave")
	seedFollow(t, n, bob, alice, content.FollowPending)
	seedFollow(t, n, carol, alice, content.FollowPending)
	seedFollow(t, n, dave, alice, content.FollowAccepted)
	b := n.browser()
	b.login("alice", testPassword)

	page := b.get("/followers").body
	for _, want := range []string{
		"<h1>Volgers</h1>",
		"Volgverzoeken (2)",
		"Uw volgers (1)",
		`Accepteren<span class="visually-hidden"> @` + remote.handle("bob") + `</span>`,
		`Weigeren<span class="visually-hidden"> @` + remote.handle("carol") + `</span>`,
		`Als volger verwijderen<span class="visually-hidden"> @` + remote.handle("dave") + `</span>`,
		`<a href="` + remote.ts.URL + `/@carol" class="actor-handle" rel="nofollow ugc">@` + remote.handle("carol") + `</a>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("followers page lacks %q", want)
		}
	}

	act := func(path, follower, wantDone string) {
		t.Helper()
		before := pendingDeliveries(t, n)
		res := b.post(path, url.Values{"csrf": {b.csrf("/followers")}, "follower": {follower}})
		if want := "/followers?done=" + wantDone; res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != want {
			t.Fatalf("POST %s %s: %d to %q, want 303 to %q\n%s", path, follower, res.StatusCode, res.Header.Get("Location"), want, res.body)
		}
		if got := pendingDeliveries(t, n); got != before+1 {
			t.Errorf("POST %s %s: pending deliveries = %d, want %d", path, follower, got, before+1)
		}
	}
	act("/followers/approve", bob, "approved")
	if got := followState(t, n, bob, alice); got != content.FollowAccepted {
		t.Errorf("after approval bob's follow is %q, want accepted", got)
	}
	act("/followers/reject", carol, "rejected")
	if got := followState(t, n, carol, alice); got != "" {
		t.Errorf("after rejection carol's follow is %q, want gone", got)
	}
	act("/followers/reject", dave, "removed")
	if got := followState(t, n, dave, alice); got != "" {
		t.Errorf("after removal dave's follow is %q, want gone", got)
	}

	page = b.get("/followers?done=removed").body
	for _, want := range []string{`role="status">De volger is verwijderd.`, "Volgverzoeken (0)", "Uw volgers (1)", "Er wachten geen volgverzoeken."} {
		if !strings.Contains(page, want) {
			t.Errorf("followers page lacks %q", want)
		}
	}

	// Carol's request is gone: approving it explains, rejecting it again is done.
	res := b.post("/followers/approve", url.Values{"csrf": {b.csrf("/followers")}, "follower": {carol}})
	if res.StatusCode != http.StatusNotFound || !strings.Contains(res.body, `role="alert"><p>Dit volgverzoek bestaat niet meer.`) {
		t.Errorf("approve a withdrawn request: status %d, want 404 with an explanation\n%s", res.StatusCode, res.body)
	}
	res = b.post("/followers/reject", url.Values{"csrf": {b.csrf("/followers")}, "follower": {carol}})
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("reject a gone request: status %d, want 303", res.StatusCode)
	}
	res = b.post("/followers/approve", url.Values{"csrf": {b.csrf("/followers")}, "follower": {"not a url"}})
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("approve a non-URL: status %d, want 400", res.StatusCode)
	}
}

func TestFollowersPaged(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	n.member("alice", "Alice")
	alice := fed.IRIs().Actor("alice")
	for i := range actorsPerPage + 1 {
		seedFollow(t, n, fmt.Sprintf("https://b.test/users/u%03d", i), alice, content.FollowAccepted)
	}
	b := n.browser()
	b.login("alice", testPassword)

	first := b.get("/followers").body
	last := fmt.Sprintf("https://b.test/users/u%03d", actorsPerPage)
	if !strings.Contains(first, fmt.Sprintf("Uw volgers (%d)", actorsPerPage+1)) || strings.Contains(first, last) {
		t.Error("the first page does not count all followers or lists too many")
	}
	if !strings.Contains(first, `<a href="/followers?page=2" rel="next">Volgende pagina</a>`) || strings.Contains(first, `rel="prev"`) {
		t.Error("the first page does not link just the next one")
	}
	second := b.get("/followers?page=2").body
	// A follower not fetched yet shows as its id, linked to it.
	if !strings.Contains(second, `<a href="`+last+`" class="actor-handle" rel="nofollow ugc">`+last+`</a>`) {
		t.Errorf("the second page does not list the last follower by id:\n%s", second)
	}
	if !strings.Contains(second, `<a href="/followers?page=1" rel="prev">`) || strings.Contains(second, `rel="next"`) {
		t.Error("the second page does not link just the previous one")
	}
}

func TestSettingsFollowerApproval(t *testing.T) {
	t.Parallel()
	n, _ := newFederatedNode(t)
	m := n.member("alice", "Alice")
	b := n.browser()
	b.login("alice", testPassword)
	const box = `id="manually_approves_followers" name="manually_approves_followers" type="checkbox"`

	if page := b.get("/settings").body; !strings.Contains(page, box+` aria-describedby`) {
		t.Fatalf("settings lack an unchecked approval box:\n%s", page)
	}
	for _, manual := range []bool{true, false} {
		form := url.Values{"csrf": {b.csrf("/settings")}}
		if manual {
			form.Set("manually_approves_followers", "on")
		}
		res := b.post("/settings/followers", form)
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/settings?saved=followers" {
			t.Fatalf("save %v: %d to %q, want 303 to /settings?saved=followers", manual, res.StatusCode, res.Header.Get("Location"))
		}
		got, err := n.db.MemberByID(context.Background(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ManuallyApprovesFollowers != manual {
			t.Errorf("stored ManuallyApprovesFollowers = %v, want %v", got.ManuallyApprovesFollowers, manual)
		}
		page := b.get("/settings?saved=followers").body
		if strings.Contains(page, box+" checked") != manual {
			t.Errorf("after saving %v the box checked = %v", manual, !manual)
		}
		if !strings.Contains(page, "Uw keuze voor volgers is opgeslagen.") {
			t.Error("no confirmation after saving")
		}
		wantNote := map[bool]string{true: "U keurt nieuwe volgers zelf goed.", false: "Nieuwe volgers worden automatisch geaccepteerd."}[manual]
		if !strings.Contains(b.get("/followers").body, wantNote) {
			t.Errorf("the followers page does not say %q", wantNote)
		}
	}
}

// TestFollowPagesInBothLanguages renders every state of the follow pages
// in Dutch and English and looks for the [[key]] a missing translation
// leaves.
func TestFollowPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	remote := newRemoteServer(t, map[string]string{"bob": "Bob"})
	n.member("alice", "Alice")
	remote.store(t, n, "bob")
	seedFollow(t, n, remote.actor("bob"), fed.IRIs().Actor("alice"), content.FollowPending)
	seedFollow(t, n, fed.IRIs().Actor("alice"), remote.actor("bob"), content.FollowAccepted)

	want := map[content.Language][]string{
		content.LanguageDutch:   {"Volgen", "Volgers", "Volgverzoeken (1)", "Accepteren", "Weigeren", "Ontvolgen", "Volgers handmatig goedkeuren"},
		content.LanguageEnglish: {"Following", "Followers", "Follow requests (1)", "Approve", "Reject", "Unfollow", "Approve followers by hand"},
	}
	for _, lang := range content.Languages {
		t.Run(string(lang), func(t *testing.T) {
			b := n.browser()
			b.login("alice", testPassword)
			b.post("/language", url.Values{"csrf": {b.csrf("/")}, "lang": {string(lang)}})
			pages := []result{b.get("/follows"), b.get("/followers"), b.get("/settings")}
			for done := range followsNotices {
				pages = append(pages, b.get("/follows?done="+done))
			}
			for done := range followersNotices {
				pages = append(pages, b.get("/followers?done="+done))
			}
			pages = append(pages,
				b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {""}}),
				b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {"x"}}),
				b.post("/follows", url.Values{"csrf": {b.csrf("/follows")}, "target": {"bob@127.0.0.1:1"}}),
				b.post("/followers/approve", url.Values{"csrf": {b.csrf("/followers")}, "follower": {remote.actor("nobody")}}))
			var all strings.Builder
			for _, p := range pages {
				if htmlLang(p.body) != string(lang) {
					t.Errorf("%s %s: html lang %q", p.Request.Method, p.Request.URL.Path, htmlLang(p.body))
				}
				if i := strings.Index(p.body, "[["); i >= 0 {
					t.Errorf("%s %s: missing translation near %q", p.Request.Method, p.Request.URL.Path, p.body[i:min(len(p.body), i+60)])
				}
				all.WriteString(p.body)
			}
			for _, w := range want[lang] {
				if !strings.Contains(all.String(), w) {
					t.Errorf("no page says %q", w)
				}
			}
		})
	}
}
