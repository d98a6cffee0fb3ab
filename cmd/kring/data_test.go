package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kring/content"
	"kring/storage"
)

func TestDataLicenceCommand(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	r := kring(t, "data", "licence", "--data", dir)
	wantOK(t, r)
	if want := "cc-by\tCC BY 4.0\thttps://creativecommons.org/licenses/by/4.0/\n"; r.stdout != want {
		t.Errorf("licence = %q, want %q", r.stdout, want)
	}
	wantOK(t, kring(t, "data", "licence", "CC0", "--data", dir))
	r = kring(t, "data", "licence", "--data", dir)
	wantOK(t, r)
	if !strings.HasPrefix(r.stdout, "cc0\tCC0 1.0 Universal\t") {
		t.Errorf("licence after setting cc0 = %q", r.stdout)
	}
	wantError(t, kring(t, "data", "licence", "gpl", "--data", dir), exitFailure,
		`unknown licence "gpl"`, "use kring data licence cc0 or kring data licence cc-by")
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	if n, err := db.Node(context.Background()); err != nil || n.DataLicence != content.LicenceCC0 {
		t.Errorf("stored licence = %v, %v; want cc0", n, err)
	}
}

func TestDataExportCommand(t *testing.T) {
	t.Parallel()
	dir := initNode(t)
	wantOK(t, kringWith(t, runOpts{stdin: "correct horse battery\n"}, "user", "add", "ada", "--display-name", "Ada", "--email", "ada@example.org", "--password-stdin", "--data", dir))
	wantOK(t, kringWith(t, runOpts{stdin: "correct horse battery\n"}, "user", "add", "dirk", "--password-stdin", "--data", dir))
	db := openStorage(t, filepath.Join(dir, storage.FileName))
	ctx := context.Background()
	for name, listed := range map[string]bool{"ada": true, "dirk": false} {
		m, err := db.MemberByUsername(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SaveProfile(ctx, &content.Profile{MemberID: m.ID, Organisation: "Org van " + name, Topics: []string{"Open data", "GIS"}, Listed: listed}); err != nil {
			t.Fatal(err)
		}
	}

	// To standard output, as CSV: ada alone, without her e-mail address.
	r := kring(t, "data", "export", "--dataset", "members", "--data", dir)
	wantOK(t, r)
	rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v\n%s", err, r.stdout)
	}
	if len(rows) != 2 || rows[1][0] != "ada" || rows[1][2] != "Org van ada" || rows[1][5] != "Open data; GIS" || rows[1][10] != "https://kring.test/users/ada" {
		t.Errorf("members.csv = %q", rows)
	}
	if strings.Contains(r.stdout, "dirk") || strings.Contains(r.stdout, "ada@example.org") {
		t.Errorf("members.csv holds an unlisted member or an e-mail address:\n%s", r.stdout)
	}

	// To a file, as JSON-LD, with the flags from the environment.
	out := filepath.Join(t.TempDir(), "members.jsonld")
	r = kringWith(t, runOpts{env: []string{"KRING_DATA_DATASET=members", "KRING_DATA_FORMAT=jsonld", "KRING_DATA_OUT=" + out}}, "data", "export", "--data", dir)
	wantOK(t, r)
	if want := "Wrote 1 item(s) of members as jsonld to " + out + " (licence CC BY 4.0).\n"; r.stdout != want {
		t.Errorf("export to a file says %q, want %q", r.stdout, want)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var coll struct {
		License      string           `json:"license"`
		OrderedItems []map[string]any `json:"orderedItems"`
	}
	if err := json.Unmarshal(b, &coll); err != nil {
		t.Fatalf("members.jsonld: %v\n%s", err, b)
	}
	if coll.License != content.LicenceCCBY.URL() || len(coll.OrderedItems) != 1 || coll.OrderedItems[0]["id"] != "https://kring.test/users/ada" {
		t.Errorf("members.jsonld = %s", b)
	}

	r = kring(t, "data", "export", "--dataset", "drafts", "--data", dir)
	wantErrorContains(t, r, exitUsage, "--dataset must be one of posts, threads, events, members")
	r = kring(t, "data", "export", "--dataset", "posts", "--format", "xml", "--data", dir)
	wantErrorContains(t, r, exitUsage, "--format must be csv or jsonld")
	r = kring(t, "data", "export", "--dataset", "posts", "--data", dir)
	wantOK(t, r)
	if r.stdout != "id,url,type,title,summary,content_html,language,tags,author,author_id,published,updated\r\n" {
		t.Errorf("posts.csv of a node without posts = %q", r.stdout)
	}
}
