package storage_test

import (
	"context"
	"slices"
	"testing"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// directoryFixture is a node with listed members (ada, bert, cor, emile)
// and members who must never appear: dirk (unlisted), eva (suspended),
// fien (deleted) and gijs (no profile). The unlisted ones share the
// listed ones' organisations, regions and topics, so a filter that
// forgets "listed" shows them.
func directoryFixture(t *testing.T) *storage.DB {
	t.Helper()
	ctx := context.Background()
	db := storagetest.Open(t)
	add := func(username, name string, p content.Profile) *content.Member {
		m := storagetest.Member(t, db, username, content.RoleMember, "correct horse battery")
		if err := db.UpdateProfile(ctx, m.ID, name, "", content.LanguageDutch); err != nil {
			t.Fatal(err)
		}
		p.MemberID = m.ID
		if err := db.SaveProfile(ctx, &p); err != nil {
			t.Fatalf("save profile of %s: %v", username, err)
		}
		return m
	}
	add("ada", "Ada Lovelace", content.Profile{Organisation: "Gemeente Utrecht", JobTitle: "Data-adviseur", Region: "Utrecht",
		Topics: []string{"Open data", "Privacy"}, Listed: true})
	add("bert", "Bert Bos", content.Profile{Organisation: "gemeente utrecht", JobTitle: "Beleidsmedewerker", Region: "Fryslân",
		Topics: []string{"open-data"}, Speaker: true, SpeakerTopics: []string{"Toegankelijkheid"}, Listed: true})
	add("cor", "Cor Cats", content.Profile{Organisation: "Provincie Fryslân", Region: "FRYSLÂN",
		Topics: []string{"Archieven"}, Speaker: true, SpeakerTopics: []string{"OpenData"}, Listed: true})
	add("emile", "Émile Eik", content.Profile{JobTitle: "Archivaris 100%", Listed: true})
	add("dirk", "Dirk Verborgen", content.Profile{Organisation: "Gemeente Utrecht", Region: "Utrecht",
		Topics: []string{"Open data", "Geheim"}, Listed: false})
	add("eva", "Eva Geschorst", content.Profile{Organisation: "Gemeente Utrecht", Region: "Utrecht",
		Topics: []string{"Open data", "Geschorst"}, Listed: true})
	if err := db.SetMemberSuspended(ctx, "eva", true); err != nil {
		t.Fatal(err)
	}
	fien := add("fien", "Fien Weg", content.Profile{Organisation: "Gemeente Utrecht", Region: "Utrecht",
		Topics: []string{"Open data", "Verwijderd"}, Listed: true})
	if _, err := db.DeleteMember(ctx, fien.ID, "https://kring.test/@fien", nil); err != nil {
		t.Fatal(err)
	}
	storagetest.Member(t, db, "gijs", content.RoleMember, "correct horse battery")
	return db
}

func usernames(entries []storage.DirectoryEntry) []string {
	var out []string
	for _, e := range entries {
		out = append(out, e.Member.Username)
	}
	return out
}

// Acceptance: directory filters return the right members; unlisted
// members never appear.
func TestDirectoryFilters(t *testing.T) {
	ctx := context.Background()
	db := directoryFixture(t)
	for _, tc := range []struct {
		name   string
		filter storage.DirectoryFilter
		want   []string
		total  int
	}{
		{"everyone listed, by name", storage.DirectoryFilter{}, []string{"ada", "bert", "cor", "emile"}, 4},
		{"organisation, any case", storage.DirectoryFilter{Organisation: "GEMEENTE UTRECHT"}, []string{"ada", "bert"}, 2},
		{"organisation is exact", storage.DirectoryFilter{Organisation: "Gemeente"}, nil, 0},
		{"region, diacritics and case", storage.DirectoryFilter{Region: "fryslân"}, []string{"bert", "cor"}, 2},
		{"topic in either list, any spelling", storage.DirectoryFilter{TopicKey: content.TopicKey("Open data")}, []string{"ada", "bert", "cor"}, 3},
		{"speaker topic", storage.DirectoryFilter{TopicKey: "toegankelijkheid"}, []string{"bert"}, 1},
		{"topic of unlisted only", storage.DirectoryFilter{TopicKey: "geheim"}, nil, 0},
		{"organisation and region", storage.DirectoryFilter{Organisation: "gemeente utrecht", Region: "Utrecht"}, []string{"ada"}, 1},
		{"region and topic", storage.DirectoryFilter{Region: "Fryslân", TopicKey: "archieven"}, []string{"cor"}, 1},
		{"all three", storage.DirectoryFilter{Organisation: "Gemeente Utrecht", Region: "Fryslân", TopicKey: "opendata"}, []string{"bert"}, 1},
		{"query on name", storage.DirectoryFilter{Query: "lovelace"}, []string{"ada"}, 1},
		{"query on username", storage.DirectoryFilter{Query: "emile"}, []string{"emile"}, 1},
		{"query without diacritics", storage.DirectoryFilter{Query: "fryslan"}, []string{"cor"}, 1},
		{"query on role", storage.DirectoryFilter{Query: "archivaris"}, []string{"emile"}, 1},
		{"query on topic words", storage.DirectoryFilter{Query: "open data"}, []string{"ada", "bert", "cor"}, 3},
		{"query on topic key", storage.DirectoryFilter{Query: "opendata"}, []string{"ada", "bert", "cor"}, 3},
		{"every word must match", storage.DirectoryFilter{Query: "utrecht privacy"}, []string{"ada"}, 1},
		{"a word that matches nobody", storage.DirectoryFilter{Query: "utrecht archieven"}, nil, 0},
		{"query and filter", storage.DirectoryFilter{Query: "gemeente", Region: "Fryslân"}, []string{"bert"}, 1},
		{"percent is literal", storage.DirectoryFilter{Query: "%"}, []string{"emile"}, 1},
		{"underscore is literal", storage.DirectoryFilter{Query: "_"}, nil, 0},
		{"unlisted by name", storage.DirectoryFilter{Query: "Dirk"}, nil, 0},
		{"suspended by name", storage.DirectoryFilter{Query: "eva"}, nil, 0},
		{"suspended by topic", storage.DirectoryFilter{TopicKey: "geschorst"}, nil, 0},
		{"deleted by topic", storage.DirectoryFilter{TopicKey: "verwijderd"}, nil, 0},
		{"no profile by username", storage.DirectoryFilter{Query: "gijs"}, nil, 0},
		{"first page", storage.DirectoryFilter{Limit: 2}, []string{"ada", "bert"}, 4},
		{"second page", storage.DirectoryFilter{Offset: 2, Limit: 2}, []string{"cor", "emile"}, 4},
		{"past the end", storage.DirectoryFilter{Offset: 4, Limit: 2}, nil, 4},
		{"page of a filter", storage.DirectoryFilter{TopicKey: "opendata", Offset: 1, Limit: 1}, []string{"bert"}, 3},
		{"offset without limit", storage.DirectoryFilter{Offset: 3}, []string{"emile"}, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, total, err := db.Directory(ctx, tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			if names := usernames(got); !slices.Equal(names, tc.want) || total != tc.total {
				t.Errorf("Directory(%+v) = %v (total %d), want %v (total %d)", tc.filter, names, total, tc.want, tc.total)
			}
		})
	}
}

func TestDirectoryEntries(t *testing.T) {
	ctx := context.Background()
	db := directoryFixture(t)
	got, _, err := db.Directory(ctx, storage.DirectoryFilter{Query: "bert"})
	if err != nil || len(got) != 1 {
		t.Fatalf("Directory = %v, %v", got, err)
	}
	e := got[0]
	if e.Member.DisplayName != "Bert Bos" || e.Profile.MemberID != e.Member.ID || !e.Profile.Listed || !e.Profile.Speaker ||
		!slices.Equal(e.Profile.Topics, []string{"open-data"}) || !slices.Equal(e.Profile.SpeakerTopics, []string{"Toegankelijkheid"}) ||
		e.Profile.JobTitle != "Beleidsmedewerker" {
		t.Errorf("entry = %+v", e)
	}
	if e.Member.PasswordHash != "" || e.Member.PrivateKeyPEM != "" || e.Member.Email != "" {
		t.Error("a directory entry carries the member's secrets")
	}
}

func TestDirectoryFacets(t *testing.T) {
	ctx := context.Background()
	db := directoryFixture(t)
	f, err := db.DirectoryFacetValues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantOrgs := []storage.FacetValue{{"Gemeente Utrecht", 2}, {"Provincie Fryslân", 1}}
	if !slices.Equal(f.Organisations, wantOrgs) {
		t.Errorf("organisations = %v, want %v", f.Organisations, wantOrgs)
	}
	wantRegions := []storage.FacetValue{{"Fryslân", 2}, {"Utrecht", 1}}
	if !slices.Equal(f.Regions, wantRegions) {
		t.Errorf("regions = %v, want %v", f.Regions, wantRegions)
	}
	wantTopics := []storage.TopicCount{{Key: "archieven", Label: "Archieven", Count: 1}, {Key: "opendata", Label: "Open data", Count: 3},
		{Key: "privacy", Label: "Privacy", Count: 1}, {Key: "toegankelijkheid", Label: "Toegankelijkheid", Count: 1}}
	if !slices.Equal(f.Topics, wantTopics) {
		t.Errorf("topics = %v, want %v", f.Topics, wantTopics)
	}
}
