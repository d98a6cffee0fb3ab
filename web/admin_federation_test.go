package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestPolicyAdminPage works the federation page as an admin: block,
// allowlist, actor policies, the known servers, and the errors a form
// shows; members and visitors are kept out.
func TestPolicyAdminPage(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	ctx := context.Background()
	storagetest.Member(t, n.db, "beheer", content.RoleAdmin, testPassword)
	n.member("ann", "")
	// The node's host as stored is kring.test (storagetest), which the
	// policy protects; the pages are served on loopback.
	// A server the node knows: an actor, a note with a tag, a delivery.
	remote := &content.RemoteActor{IRI: "https://spam.example/users/eve", Type: "Person", Username: "eve", Host: "spam.example",
		Inbox: "https://spam.example/users/eve/inbox", Raw: "{}", FetchedAt: time.Now()}
	if err := n.db.PutRemoteActor(ctx, remote); err != nil {
		t.Fatal(err)
	}
	note := &content.Object{IRI: "https://spam.example/notes/1", Type: "Note", AttributedTo: remote.IRI, Content: "<p>buy beans</p>",
		Public: true, Published: time.Now().Add(-time.Minute), Tags: []string{"beans"}}
	if _, err := n.db.PutObject(ctx, note); err != nil {
		t.Fatal(err)
	}
	act := &content.Activity{IRI: fed.IRIs().Activity("1"), Actor: fed.IRIs().Actor("ann"), Type: "Create", Body: []byte(`{}`)}
	if err := n.db.Publish(ctx, act, nil, act.Actor, []storage.Target{{Inbox: "https://spam.example/inbox", Host: "spam.example"}}); err != nil {
		t.Fatal(err)
	}

	visitor := n.browser()
	if res := visitor.get("/admin/federation"); res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
		t.Errorf("a visitor gets %d %s, want a redirect to the login page", res.StatusCode, res.Header.Get("Location"))
	}
	if res := visitor.get("/tags/beans"); !strings.Contains(res.body, note.IRI) {
		t.Fatalf("the tag page does not show the note before any policy:\n%.400s", res.body)
	}
	ann := n.browser()
	ann.login("ann", testPassword)
	if res := ann.get("/admin/federation"); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member gets %d, want 403", res.StatusCode)
	}
	if res := ann.post("/admin/federation", url.Values{"csrf": {ann.csrf("/")}, "action": {"block"}, "domain": {"x.example"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a member's block: %d, want 403", res.StatusCode)
	}

	admin := n.browser()
	admin.login("beheer", testPassword)
	page := admin.get("/admin/federation")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, "spam.example") || strings.Contains(page.body, "[[") {
		t.Fatalf("the page: %d, known server listed %v, missing keys %v", page.StatusCode, strings.Contains(page.body, "spam.example"),
			strings.Contains(page.body, "[["))
	}
	csrf := admin.csrf("/admin/federation")
	admin.post("/language", url.Values{"csrf": {csrf}, "lang": {"en"}})
	post := func(form url.Values) result {
		t.Helper()
		form.Set("csrf", csrf)
		return admin.post("/admin/federation", form)
	}

	// Limit spam.example: its note leaves the tag page.
	res := post(url.Values{"action": {"block"}, "domain": {"Spam.Example"}, "severity": {"limit"}, "reject_media": {"on"},
		"public_comment": {"too loud"}, "private_comment": {"see ticket 3"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/admin/federation?done=blocked&what=spam.example" {
		t.Fatalf("block: %d %s\n%.500s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	b, err := n.db.DomainBlock(ctx, "spam.example")
	if err != nil || b.Severity != content.SeverityLimit || !b.RejectMedia || b.PublicComment != "too loud" || b.PrivateComment != "see ticket 3" {
		t.Errorf("stored block: %+v, %v", b, err)
	}
	if res := visitor.get("/tags/beans"); strings.Contains(res.body, note.IRI) {
		t.Errorf("the tag page still shows the limited domain's note")
	}
	// The public list: public reasons only, an obfuscated domain partly hidden.
	if _, err := n.db.BlockDomain(ctx, content.DomainBlock{Domain: "secret-spam.example", Severity: content.SeveritySuspend,
		Obfuscate: true, PublicComment: "scams"}, "admin"); err != nil {
		t.Fatal(err)
	}
	visitor.post("/language", url.Values{"csrf": {visitor.csrf("/")}, "lang": {"en"}})
	list := visitor.get("/moderated-servers")
	for _, want := range []string{"spam.example", "too loud", "limited: not shown on public pages", "secre******.***mple", "scams"} {
		if !strings.Contains(list.body, want) {
			t.Errorf("the public list does not show %q", want)
		}
	}
	for _, secret := range []string{"see ticket 3", "secret-spam.example"} {
		if strings.Contains(list.body, secret) {
			t.Errorf("the public list shows %q", secret)
		}
	}
	if _, err := n.db.UnblockDomain(ctx, "secret-spam.example", "admin"); err != nil {
		t.Fatal(err)
	}
	page = admin.get(res.Header.Get("Location"))
	for _, want := range []string{"spam.example is blocked.", "see ticket 3", "@beheer", "domain blocked", "limited"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the page after the block does not show %q", want)
		}
	}

	// Errors stay on the page, with the form as typed.
	for _, c := range []struct {
		name  string
		form  url.Values
		field string
		msg   string
	}{
		{"bad domain", url.Values{"action": {"block"}, "domain": {"not a domain"}, "severity": {"suspend"}}, "domain", "is not a domain name"},
		{"own domain", url.Values{"action": {"block"}, "domain": {"kring.test"}, "severity": {"suspend"}}, "domain", "own domain"},
		{"noop alone", url.Values{"action": {"block"}, "domain": {"quiet.example"}, "severity": {"noop"}}, "severity", "changes nothing by itself"},
		{"long comment", url.Values{"action": {"block"}, "domain": {"x.example"}, "severity": {"suspend"},
			"public_comment": {strings.Repeat("x", content.MaxPolicyComment+1)}}, "public_comment", "too long"},
		{"bad allowed domain", url.Values{"action": {"allow"}, "domain": {"-x-"}}, "allow_domain", "is not a domain name"},
		{"unknown handle", url.Values{"action": {"actor"}, "actor": {"nobody@nowhere.example"}, "severity": {"suspend"}}, "actor", "nobody@nowhere.example"},
		{"local actor", url.Values{"action": {"actor"}, "actor": {"https://kring.test/users/ann"}, "severity": {"suspend"}}, "actor", "actor of this node"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := post(c.form)
			if res.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422\n%.300s", res.StatusCode, res.body)
			}
			if !strings.Contains(res.body, `id="`+c.field+`-error"`) || !strings.Contains(res.body, `href="#`+c.field+`"`) || !strings.Contains(res.body, c.msg) {
				t.Errorf("the page does not point at %s with %q", c.field, c.msg)
			}
		})
	}
	if _, err := n.db.DomainBlock(ctx, "x.example"); content.KindOf(err) != content.KindNotFound {
		t.Errorf("a refused block was stored: %v", err)
	}

	// Allowlist mode, the allowlist, actors.
	if res := post(url.Values{"action": {"mode"}, "mode": {"allowlist"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("mode: %d", res.StatusCode)
	}
	if page := admin.get("/admin/federation"); !strings.Contains(page.body, "the node federates with no one") {
		t.Errorf("the page does not warn of the empty allowlist")
	}
	if res := post(url.Values{"action": {"allow"}, "domain": {"ministerie.example"}, "comment": {"BZK"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("allow: %d", res.StatusCode)
	}
	if res := post(url.Values{"action": {"actor"}, "actor": {"eve@spam.example"}, "severity": {"suspend"}, "reason": {"abuse"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("suspend eve: %d\n%.500s", res.StatusCode, res.body)
	}
	p, err := n.db.FederationPolicy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Mode != content.FederateAllowlist || len(p.Allows) != 1 || len(p.Actors) != 1 || p.Actors[0].Actor != remote.IRI {
		t.Errorf("policy after the forms: %+v", p)
	}
	if _, err := n.db.ObjectByIRI(ctx, note.IRI); content.KindOf(err) != content.KindNotFound {
		t.Errorf("eve's note survived her suspension: %v", err)
	}
	for _, form := range []url.Values{
		{"action": {"lift"}, "actor": {remote.IRI}},
		{"action": {"disallow"}, "domain": {"ministerie.example"}},
		{"action": {"unblock"}, "domain": {"spam.example"}},
		{"action": {"mode"}, "mode": {"open"}},
	} {
		if res := post(form); res.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: %d", form.Get("action"), res.StatusCode)
		}
	}
	if p, _ := n.db.FederationPolicy(ctx); p.Mode != content.FederateOpen || len(p.Blocks)+len(p.Allows)+len(p.Actors) != 0 {
		t.Errorf("policy after undoing it all: %+v", p)
	}
	if res := post(url.Values{"action": {"unblock"}, "domain": {"spam.example"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("unblocking a domain not blocked: %d, want 404", res.StatusCode)
	}
	// Dutch too, without missing keys.
	admin.post("/language", url.Values{"csrf": {csrf}, "lang": {"nl"}})
	if page := admin.get("/admin/federation"); !strings.Contains(page.body, "Federatiebeleid") || strings.Contains(page.body, "[[") {
		t.Errorf("the Dutch page is not Dutch or misses keys")
	}
}
