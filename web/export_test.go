package web

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kring/content"
)

// TestExportFromSettings downloads a member's data from the settings page:
// the zip of kring user export's three files, only with the CSRF token,
// and the follows list alone as Mastodon's CSV.
func TestExportFromSettings(t *testing.T) {
	t.Parallel()
	n, fed := newFederatedNode(t)
	ctx := context.Background()
	ann := n.member("ann", "Ann")
	n.member("bob", "")
	if _, err := fed.PublishNote(ctx, ann, "Hallo buren, wie komt er zaterdag?"); err != nil {
		t.Fatal(err)
	}
	if err := n.db.PutFollow(ctx, &content.Follow{IRI: fed.IRIs().Actor("ann") + "#follows/1", Follower: fed.IRIs().Actor("ann"),
		Followee: fed.IRIs().Actor("bob"), State: content.FollowAccepted}); err != nil {
		t.Fatal(err)
	}
	wantFollows := "Account address,Show boosts,Notify on new posts,Languages\nbob@" + fed.IRIs().Host() + ",true,false,\n"

	if res := n.browser().post("/settings/export", url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("a visitor's export: %d, want 403", res.StatusCode)
	}
	if res := n.browser().get("/settings/export/follows.csv"); res.StatusCode != http.StatusSeeOther {
		t.Errorf("a visitor's follows list: %d, want a redirect to log in", res.StatusCode)
	}

	b := n.browser()
	b.login("ann", testPassword)
	settings := b.get("/settings")
	for _, want := range []string{`action="/settings/export"`, `href="/settings/export/follows.csv"`} {
		if !strings.Contains(settings.body, want) {
			t.Errorf("the settings page lacks %s", want)
		}
	}
	if res := b.post("/settings/export", url.Values{}); res.StatusCode != http.StatusForbidden ||
		strings.Contains(res.Header.Get("Content-Type"), "zip") {
		t.Errorf("export without a CSRF token: %d %s, want 403", res.StatusCode, res.Header.Get("Content-Type"))
	}

	res := b.post("/settings/export", url.Values{"csrf": {b.csrf("/settings")}})
	day := n.clock.Now().UTC().Format(time.DateOnly)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/zip" ||
		res.Header.Get("Content-Disposition") != `attachment; filename="kring-ann-`+day+`.zip"` ||
		res.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("export: %d, type %q, disposition %q, cache %q", res.StatusCode, res.Header.Get("Content-Type"),
			res.Header.Get("Content-Disposition"), res.Header.Get("Cache-Control"))
	}
	zr, err := zip.NewReader(bytes.NewReader([]byte(res.body)), int64(len(res.body)))
	if err != nil {
		t.Fatalf("the download is not a zip: %v", err)
	}
	files := map[string]string{}
	var names []string
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, f.Name)
		files[f.Name] = string(data)
	}
	if got, want := strings.Join(names, " "), "actor.json outbox.json following_accounts.csv"; got != want {
		t.Errorf("files %q, want %q", got, want)
	}
	// The same archive as kring user export writes.
	arc, err := fed.ExportAccount(ctx, ann)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]byte{"actor.json": arc.Actor, "outbox.json": arc.Outbox, "following_accounts.csv": arc.Follows} {
		if files[name] != string(want) {
			t.Errorf("%s differs from federation.ExportAccount's:\n%s\nwant\n%s", name, files[name], want)
		}
	}
	if !strings.Contains(files["actor.json"], `"id": "`+fed.IRIs().Actor("ann")+`"`) ||
		!strings.Contains(files["outbox.json"], "wie komt er zaterdag") || files["following_accounts.csv"] != wantFollows {
		t.Errorf("the archive lacks the actor, the note or the follow:\n%s\n%s", files["outbox.json"], files["following_accounts.csv"])
	}

	csv := b.get("/settings/export/follows.csv")
	if csv.StatusCode != http.StatusOK || csv.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		csv.Header.Get("Content-Disposition") != `attachment; filename="kring-ann-`+day+`-following_accounts.csv"` {
		t.Errorf("follows list: %d, type %q, disposition %q", csv.StatusCode, csv.Header.Get("Content-Type"), csv.Header.Get("Content-Disposition"))
	}
	if csv.body != wantFollows {
		t.Errorf("follows list:\n%s\nwant\n%s", csv.body, wantFollows)
	}
}

// TestExportNeedsFederation: without federation there is no archive to
// make, and the settings page offers none.
func TestExportNeedsFederation(t *testing.T) {
	t.Parallel()
	n := newTestNode(t)
	n.member("ann", "")
	b := n.browser()
	b.login("ann", testPassword)
	if strings.Contains(b.get("/settings").body, "/settings/export") {
		t.Error("the settings page offers an export without federation")
	}
	if res := b.post("/settings/export", url.Values{"csrf": {b.csrf("/settings")}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("export without federation: %d, want 404", res.StatusCode)
	}
}
