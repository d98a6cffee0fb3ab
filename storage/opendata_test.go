package storage_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"kring/content"
	"kring/storage"
	"kring/storage/storagetest"
)

// TestOpenPostsPagesThroughThePublicPosts pages past MaxOpenDataPage and
// checks that only published public posts of members in good standing
// come out, each once, and that the stats count the same.
func TestOpenPostsPagesThroughThePublicPosts(t *testing.T) {
	db := storagetest.Open(t)
	ctx := context.Background()
	ada := storagetest.Member(t, db, "ada", content.RoleMember, "correct horse battery")
	eva := storagetest.Member(t, db, "eva", content.RoleMember, "correct horse battery")
	published := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	save := func(m *content.Member, i int, vis content.Visibility, state content.PostState) string {
		t.Helper()
		p := &content.Post{IRI: fmt.Sprintf("https://kring.test/posts/%s-%d-%s-%s", m.Username, i, vis, state), AuthorID: m.ID,
			Slug: fmt.Sprintf("p%d", i), Title: "Post", Body: "x", Content: "<p>x</p>", Language: content.LanguageDutch,
			Visibility: vis, State: state, Published: published.Add(time.Duration(i) * time.Minute)}
		if err := db.SavePost(ctx, storage.PostChange{Post: p}); err != nil {
			t.Fatal(err)
		}
		return p.IRI
	}
	want := map[string]bool{}
	n := storage.MaxOpenDataPage + 7
	for i := range n {
		want[save(ada, i, content.VisibilityPublic, content.PostPublished)] = true
	}
	save(ada, n, content.VisibilityUnlisted, content.PostPublished)
	save(ada, n+1, content.VisibilityFollowers, content.PostPublished)
	save(ada, n+2, content.VisibilityPublic, content.PostDraft)
	save(ada, n+3, content.VisibilityPublic, content.PostDeleted)
	save(eva, 0, content.VisibilityPublic, content.PostPublished)
	if err := db.SetMemberSuspended(ctx, "eva", true); err != nil {
		t.Fatal(err)
	}

	got := map[string]bool{}
	var after int64
	pages := 0
	for {
		page, err := db.OpenPosts(ctx, after, 0)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, p := range page {
			if got[p.IRI] || !want[p.IRI] {
				t.Errorf("OpenPosts gave %s (again, or it is not public)", p.IRI)
			}
			got[p.IRI] = true
			after = p.ID
		}
		if len(page) < storage.MaxOpenDataPage {
			break
		}
	}
	if len(got) != len(want) || pages != 2 {
		t.Errorf("OpenPosts gave %d posts in %d pages, want %d in 2", len(got), pages, len(want))
	}
	stats, err := db.OpenDataStats(ctx, "https://kring.test/users/")
	if err != nil {
		t.Fatal(err)
	}
	if st := stats[storage.DatasetPosts]; st.Count != n || !st.Modified.Equal(published.Add(time.Duration(n-1)*time.Minute)) {
		t.Errorf("posts stats = %+v, want %d, last %v", st, n, published.Add(time.Duration(n-1)*time.Minute))
	}
	for _, ds := range []string{storage.DatasetThreads, storage.DatasetEvents, storage.DatasetMembers} {
		if st := stats[ds]; st.Count != 0 || !st.Modified.IsZero() {
			t.Errorf("%s stats of a node without any = %+v", ds, st)
		}
	}
}
