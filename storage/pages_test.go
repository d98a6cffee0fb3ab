package storage_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"kring/content"
	"kring/storage/storagetest"
)

func TestPages(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	now := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	db.SetClock(func() time.Time { return now })

	put := func(slug string, lang content.Language, title string, order int) *content.Page {
		t.Helper()
		p := &content.Page{Slug: slug, Language: lang, Title: title, Body: "# " + title, Content: "<h1>" + title + "</h1>", NavOrder: order}
		if err := db.PutPage(ctx, p); err != nil {
			t.Fatalf("put %s/%s: %v", slug, lang, err)
		}
		return p
	}

	aboutNL := put("about", content.LanguageDutch, "Over ons", 1)
	if aboutNL.ID == 0 || !aboutNL.Updated.Equal(now) {
		t.Errorf("after insert: ID %d, Updated %v; want an ID and %v", aboutNL.ID, aboutNL.Updated, now)
	}
	put("about", content.LanguageEnglish, "About us", 1)
	put("contact", content.LanguageDutch, "Contact", 0)
	put("network", content.LanguageEnglish, "The network", 1)

	t.Run("read one language", func(t *testing.T) {
		got, err := db.PageBySlug(ctx, "about", content.LanguageEnglish)
		if err != nil {
			t.Fatal(err)
		}
		want := &content.Page{ID: got.ID, Slug: "about", Language: "en", Title: "About us", Body: "# About us",
			Content: "<h1>About us</h1>", NavOrder: 1, Updated: now}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("page (-want +got):\n%s", diff)
		}
		if got.ID == aboutNL.ID {
			t.Error("the two languages share one row")
		}
	})
	t.Run("missing language or slug is not found", func(t *testing.T) {
		for _, tt := range []struct {
			slug string
			lang content.Language
		}{{"contact", content.LanguageEnglish}, {"nothing", content.LanguageDutch}} {
			if _, err := db.PageBySlug(ctx, tt.slug, tt.lang); content.KindOf(err) != content.KindNotFound {
				t.Errorf("PageBySlug(%s, %s): err = %v, want not found", tt.slug, tt.lang, err)
			}
		}
	})
	t.Run("put again updates in place", func(t *testing.T) {
		later := now.Add(time.Hour)
		db.SetClock(func() time.Time { return later })
		defer db.SetClock(func() time.Time { return now })
		p := &content.Page{Slug: "about", Language: "nl", Title: "Over Kring", Body: "nieuw", Content: "<p>nieuw</p>", NavOrder: 2}
		if err := db.PutPage(ctx, p); err != nil {
			t.Fatal(err)
		}
		if p.ID != aboutNL.ID {
			t.Errorf("update got ID %d, want the existing %d", p.ID, aboutNL.ID)
		}
		got, err := db.PageBySlug(ctx, "about", "nl")
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "Over Kring" || got.Body != "nieuw" || got.Content != "<p>nieuw</p>" || got.NavOrder != 2 || !got.Updated.Equal(later) {
			t.Errorf("after update: %+v", got)
		}
		// Put it back for the listing below.
		put("about", content.LanguageDutch, "Over ons", 1)
	})
	t.Run("list in menu order", func(t *testing.T) {
		pages, err := db.Pages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pages {
			got = append(got, p.Slug+"/"+string(p.Language)+" "+p.Title)
		}
		want := []string{"contact/nl Contact", "about/en About us", "about/nl Over ons", "network/en The network"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})
	t.Run("unsupported language is invalid", func(t *testing.T) {
		for _, lang := range []content.Language{"", "de", "nl-BE"} {
			err := db.PutPage(ctx, &content.Page{Slug: "x", Language: lang, Title: "x", Body: "x", Content: "x"})
			if content.KindOf(err) != content.KindInvalid {
				t.Errorf("language %q: err = %v, want invalid", lang, err)
			}
		}
	})
	t.Run("delete removes every language", func(t *testing.T) {
		n, err := db.DeletePage(ctx, "about")
		if err != nil || n != 2 {
			t.Fatalf("DeletePage(about) = %d, %v; want 2, nil", n, err)
		}
		for _, lang := range content.Languages {
			if _, err := db.PageBySlug(ctx, "about", lang); content.KindOf(err) != content.KindNotFound {
				t.Errorf("about/%s after delete: err = %v, want not found", lang, err)
			}
		}
		if n, err := db.DeletePage(ctx, "about"); err != nil || n != 0 {
			t.Errorf("deleting again = %d, %v; want 0, nil", n, err)
		}
		pages, err := db.Pages(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(pages) != 2 {
			t.Errorf("%d pages left, want 2 (contact, network)", len(pages))
		}
	})
}
